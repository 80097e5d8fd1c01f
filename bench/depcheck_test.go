package main

import (
	"testing"

	"github.com/tagship/tagship/internal/depcheck"
)

// TestDependencies locks this package's place in the graph of DESIGN.md:
// the benchmarks measure the packages, not the examples or the release harness.
func TestDependencies(t *testing.T) {
	t.Parallel()
	depcheck.AssertNoDependency(t, "bench", "examples/...", "internal/depcheck", "release/releasetest")
}
