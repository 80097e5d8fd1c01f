package shell

import (
	"testing"

	"github.com/tagship/tagship/internal/depcheck"
)

// TestDependencies locks this package's place in the graph of DESIGN.md:
// an internal leaf imports only the standard library.
func TestDependencies(t *testing.T) {
	t.Parallel()
	depcheck.AssertOnlyDependencies(t, "internal/shell")
	depcheck.AssertNoDependency(t, "internal/shell", "github.com/...", "golang.org/...")
}
