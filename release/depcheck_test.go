package release_test

import (
	"testing"

	"github.com/tagship/tagship/internal/depcheck"
)

// TestDependencies locks this package's place in the graph of DESIGN.md:
// the engine and the standard release sit on top of every package, and do not contain Prepare or VerifyRelease.
func TestDependencies(t *testing.T) {
	t.Parallel()
	depcheck.AssertOnlyDependencies(t, "release", "changelog", "preflight", "sign", "oci", "pypi", "ghrelease", "internal/pep", "internal/atomicfile", "internal/batch", "internal/safehttp", "internal/buildcmd", "internal/dag", "internal/ghperm", "internal/ghworkflow", "internal/shell", "internal/statedir", "provenance")
	depcheck.AssertNoDependency(t, "release", "release/prepare", "release/verify", "release/releasetest")
}
