package main

import (
	"testing"

	"github.com/tagship/tagship/internal/depcheck"
)

// TestDependencies locks this example to the public API: a maintainer can
// copy it out of the module and it still builds.
func TestDependencies(t *testing.T) {
	t.Parallel()
	depcheck.AssertNoDirectImport(t, "examples/sign", "internal/...", "bench", "examples/...")
}
