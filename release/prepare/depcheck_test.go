package prepare_test

import (
	"testing"

	"github.com/tagship/tagship/internal/depcheck"
)

// TestDependencies locks this package's place in the graph of DESIGN.md:
// the maintainer's checklist needs changelog and preflight, and none of the signing stack.
func TestDependencies(t *testing.T) {
	t.Parallel()
	depcheck.AssertOnlyDependencies(t, "release/prepare", "changelog", "preflight", "internal/pep", "internal/atomicfile", "internal/shell")
	depcheck.AssertNoDependency(t, "release/prepare", "sign/...", "github.com/sigstore/...")
}
