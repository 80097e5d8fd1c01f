package sign_test

import (
	"testing"

	"github.com/tagship/tagship/internal/depcheck"
)

// TestDependencies locks this package's place in the graph of DESIGN.md:
// sign knows nothing of what it signs (no oci, pypi, ghrelease, release).
func TestDependencies(t *testing.T) {
	t.Parallel()
	depcheck.AssertOnlyDependencies(t, "sign", "internal/atomicfile", "internal/batch", "internal/safehttp")
}
