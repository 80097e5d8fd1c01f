package depcheck

import (
	"slices"
	"strings"
	"testing"
)

// TestDependencies locks this package's place in the graph of DESIGN.md:
// an internal leaf imports only the standard library.
func TestDependencies(t *testing.T) {
	t.Parallel()
	AssertOnlyDependencies(t, "internal/depcheck")
	AssertNoDependency(t, "internal/depcheck", "github.com/...", "golang.org/...")
}

func TestMatch(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		pattern, pkg string
		want         bool
	}{
		{"sign", Module + "/sign", true},
		{"sign", Module + "/sign/signtest", false},
		{"sign/...", Module + "/sign/signtest", true},
		{"sign/...", Module + "/signature", false},
		{"internal/...", Module + "/internal/pep", true},
		{"github.com/sigstore/sigstore-go/...", "github.com/sigstore/sigstore-go/pkg/sign", true},
		{"github.com/sigstore/sigstore-go/...", Module + "/sign", false},
		{"github.com/...", Module + "/sign", false},
		{"github.com/...", "github.com/pelletier/go-toml/v2", true},
	} {
		if got := match(tc.pattern, tc.pkg); got != tc.want {
			t.Errorf("match(%q, %q) = %v, want %v", tc.pattern, tc.pkg, got, tc.want)
		}
	}
}

// TestGraphFindsRealEdges loads real packages of the module so the checker
// itself is shown to see edges (a checker that sees none passes vacuously).
func TestGraphFindsRealEdges(t *testing.T) {
	t.Parallel()
	g := Load(t, "preflight")
	if p := g.Problems("changelog"); len(p) != 1 || !strings.Contains(p[0], "preflight → changelog") {
		t.Fatalf("Problems(changelog) = %q, want the edge preflight → changelog", p)
	}
	if u := g.Unexpected("internal/..."); len(u) != 1 || !strings.Contains(u[0], "changelog") {
		t.Fatalf("Unexpected(internal/...) = %q, want changelog", u)
	}
	if u := g.Unexpected("changelog", "internal/..."); len(u) != 0 {
		t.Fatalf("Unexpected(changelog, internal/...) = %q", u)
	}
	if p := g.Problems("sign/..."); len(p) != 0 {
		t.Fatalf("preflight depends on sign: %q", p)
	}
	// A transitive edge is reported with its whole chain.
	g = Load(t, "release/verify")
	if c := g.Chain(Module + "/internal/pep"); !strings.HasPrefix(c, "release/verify → ") || !strings.HasSuffix(c, " → internal/pep") {
		t.Fatalf("Chain = %q", c)
	}
	// A direct import is told apart from a transitive one.
	if !slices.Contains(g.importers[Module+"/ghrelease"], g.Root) || slices.Contains(g.importers[Module+"/changelog"], g.Root) {
		t.Fatalf("release/verify should import ghrelease directly and changelog only through others")
	}
}
