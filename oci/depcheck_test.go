package oci_test

import (
	"testing"

	"github.com/tagship/tagship/internal/depcheck"
)

// TestDependencies locks this package's place in the graph of DESIGN.md:
// oci signs with sign, takes the strict tag rule from preflight and runs
// image builders as internal/buildcmd runs every build.
func TestDependencies(t *testing.T) {
	t.Parallel()
	depcheck.AssertOnlyDependencies(t, "oci", "sign", "preflight", "changelog", "internal/pep", "internal/atomicfile", "internal/batch", "internal/buildcmd", "internal/safehttp")
}
