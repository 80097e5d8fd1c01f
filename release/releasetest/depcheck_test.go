package releasetest_test

import (
	"testing"

	"github.com/tagship/tagship/internal/depcheck"
)

// TestDependencies locks this package's place in the graph of DESIGN.md:
// the release harness composes the engine and the doubles, nothing else.
func TestDependencies(t *testing.T) {
	t.Parallel()
	depcheck.AssertNoDependency(t, "release/releasetest", "release/verify", "bench", "examples/...", "internal/depcheck", "internal/sigstack")
}
