package main

import (
	"testing"

	"github.com/tagship/tagship/internal/depcheck"
)

// TestDependencies locks this package's place in the graph of DESIGN.md:
// the benchmarks measure the packages and the examples' built binaries,
// never by importing the examples; release/releasetest builds their sample
// projects (a build matrix for the scale rows).
func TestDependencies(t *testing.T) {
	t.Parallel()
	depcheck.AssertNoDependency(t, "bench", "examples/...", "internal/depcheck")
}
