package verify_test

import (
	"testing"

	"github.com/tagship/tagship/internal/depcheck"
)

// TestDependencies locks this package's place in the graph of DESIGN.md:
// verification reads what the publishing packages write, never the engine.
func TestDependencies(t *testing.T) {
	t.Parallel()
	depcheck.AssertOnlyDependencies(t, "release/verify", "sign", "oci", "pypi", "ghrelease", "preflight", "changelog", "internal/pep", "internal/atomicfile", "internal/batch", "internal/buildcmd", "internal/safehttp", "internal/shell", "provenance")
	depcheck.AssertNoDependency(t, "release/verify", "release", "release/releasetest")
}
