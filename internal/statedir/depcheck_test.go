package statedir

import (
	"testing"

	"github.com/tagship/tagship/internal/depcheck"
)

// TestDependencies locks this package's place in the graph of DESIGN.md:
// an internal leaf imports only the standard library and other internal
// leaves (internal/atomicfile).
func TestDependencies(t *testing.T) {
	t.Parallel()
	depcheck.AssertOnlyDependencies(t, "internal/statedir", "internal/atomicfile")
	depcheck.AssertNoDependency(t, "internal/statedir", "github.com/...", "golang.org/...")
}
