package ghworkflow_test

import (
	"testing"

	"github.com/tagship/tagship/internal/depcheck"
)

// TestDependencies locks this package's place in the graph of DESIGN.md:
// an internal leaf imports only the standard library and internal/shell.
func TestDependencies(t *testing.T) {
	t.Parallel()
	depcheck.AssertOnlyDependencies(t, "internal/ghworkflow", "internal/shell")
	depcheck.AssertNoDependency(t, "internal/ghworkflow", "github.com/...", "golang.org/...")
}
