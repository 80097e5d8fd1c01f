package ghreleasetest_test

import (
	"testing"

	"github.com/tagship/tagship/internal/depcheck"
)

// TestDependencies locks this package's place in the graph of DESIGN.md:
// a double imports only its own package and internal helpers.
func TestDependencies(t *testing.T) {
	t.Parallel()
	depcheck.AssertDouble(t, "ghrelease/ghreleasetest", "")
}
