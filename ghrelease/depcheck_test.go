package ghrelease_test

import (
	"testing"

	"github.com/tagship/tagship/internal/depcheck"
)

// TestDependencies locks this package's place in the graph of DESIGN.md:
// ghrelease builds on changelog and the internal leaves; the notes take the
// signing identity and issuer as data, and TestNoSign keeps sign out.
func TestDependencies(t *testing.T) {
	t.Parallel()
	depcheck.AssertOnlyDependencies(t, "ghrelease", "changelog", "internal/pep", "internal/atomicfile", "internal/safehttp", "internal/shell")
}

// TestNoSign: the release notes take the identity and issuer as data, so
// ghrelease pulls in none of the signing stack (~390 packages for three
// strings).
func TestNoSign(t *testing.T) {
	t.Parallel()
	depcheck.AssertNoDependency(t, "ghrelease", "sign/...", "github.com/sigstore/...")
}
