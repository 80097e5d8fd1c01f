package buildcmd

import (
	"testing"

	"github.com/tagship/tagship/internal/depcheck"
)

// TestDependencies locks this package's place in the graph of DESIGN.md:
// an internal leaf imports the standard library and other internal leaves
// (here safehttp, for the one Redactor).
func TestDependencies(t *testing.T) {
	t.Parallel()
	depcheck.AssertOnlyDependencies(t, "internal/buildcmd", "internal/safehttp")
	depcheck.AssertNoDependency(t, "internal/buildcmd", "github.com/...", "golang.org/...")
}
