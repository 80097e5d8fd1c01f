package provenance_test

import (
	"testing"

	"github.com/tagship/tagship/internal/depcheck"
)

// TestDependencies locks this package's place in the graph of DESIGN.md:
// provenance describes a run and checks statements signed by sign's
// signer; it knows nothing of files, images, indexes or releases.
func TestDependencies(t *testing.T) {
	t.Parallel()
	depcheck.AssertOnlyDependencies(t, "provenance", "sign", "internal/atomicfile", "internal/batch", "internal/safehttp")
}
