package pypi_test

import (
	"testing"

	"github.com/tagship/tagship/internal/depcheck"
)

// TestDependencies locks this package's place in the graph of DESIGN.md:
// pypi attests with sign and takes the Python packaging rules from internal/pep.
func TestDependencies(t *testing.T) {
	t.Parallel()
	depcheck.AssertOnlyDependencies(t, "pypi", "sign", "internal/pep", "internal/atomicfile", "internal/batch", "internal/safehttp")
}
