package dag

import (
	"testing"

	"github.com/tagship/tagship/internal/depcheck"
)

// TestDependencies locks this package's place in the graph of DESIGN.md:
// an internal leaf imports only the standard library.
func TestDependencies(t *testing.T) {
	t.Parallel()
	depcheck.AssertLeaf(t, "internal/dag")
}
