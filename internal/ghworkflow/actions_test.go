package ghworkflow

import (
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
)

func TestDefaultActionsTable(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, a := range DefaultActions() {
		if err := a.validate(); err != nil {
			t.Error(err)
		}
		if seen[a.Repo] {
			t.Errorf("%s twice", a.Repo)
		}
		seen[a.Repo] = true
	}
	// The offline copies of the actions that the e2e runs name their
	// release and commit: the table must agree with them.
	readme, err := os.ReadFile("/work/shared/actions/README.md")
	if err != nil {
		t.Skip("no /work/shared/actions to compare with")
	}
	row := regexp.MustCompile("(?m)^\\| `[a-z-]+@v[0-9]+` .*\\| (actions/[a-z-]+) \\| (v[0-9.]+) \\| ([0-9a-f]{40}) \\|")
	n := 0
	for _, m := range row.FindAllStringSubmatch(string(readme), -1) {
		n++
		for _, a := range DefaultActions() {
			if a.Repo == m[1] && (a.Version != m[2] || a.Commit != m[3]) {
				t.Errorf("%s: table has %s %s, the offline copy is %s %s", a.Repo, a.Version, a.Commit, m[2], m[3])
			}
		}
	}
	if n < 5 {
		t.Errorf("read %d rows from the actions README, want 5", n)
	}
}

var sha = strings.Repeat("0a", 20)

func TestPinValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		pin  Pin
		want string // "" accepted, else a part of the error
	}{
		{Pin{"actions/checkout", "v7.0.1", sha}, ""},
		{Pin{"actions/checkout", "v7", sha}, ""},
		{Pin{"checkout", "v7.0.1", sha}, "OWNER/REPO"},
		{Pin{"actions/checkout/sub", "v7.0.1", sha}, "OWNER/REPO"},
		{Pin{"actions/checkout", "7.0.1", sha}, "release tag"},
		{Pin{"actions/checkout", "v7.0.1-rc.1", sha}, "release tag"},
		{Pin{"actions/checkout", "v7.0.1", "3d3c42e"}, "40-hex"},
		{Pin{"actions/checkout", "v7.0.1", strings.ToUpper(sha)}, "40-hex"},
	} {
		err := tc.pin.validate()
		if (tc.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.pin, err, tc.want)
		}
	}
	if got := (Pin{Version: "v7.0.1"}).Major(); got != "v7" {
		t.Errorf("Major = %s", got)
	}
}

func TestUses(t *testing.T) {
	t.Parallel()
	pins := append(DefaultActions(), Pin{"Someone/Action", "v2.1.0", sha})
	for _, tc := range []struct {
		refs           Refs
		action         string
		value, comment string
		err, notPinned bool
	}{
		{Commits, Checkout, Checkout + "@3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1", false, false},
		{Tags, Checkout, Checkout + "@v7.0.1", "", false, false},
		{MajorTags, Checkout, Checkout + "@v7", "", false, false},
		{Commits, "someone/action/sub/dir", "someone/action/sub/dir@" + sha, "v2.1.0", false, false}, // by repository, any case
		{Commits, "other/action@" + sha, "other/action@" + sha, "", false, false},
		{Tags, "other/action@v1", "other/action@v1", "", false, false},
		{Commits, "other/action@v1", "", "", true, true},
		{Commits, "other/action", "", "", true, true},
		{Commits, "other", "", "", true, false},
		{Commits, "other/action@-x", "", "", true, false},
		{Commits, "other/action@v1 # x", "", "", true, false},
		{Commits, "../x/y", "", "", true, false},
	} {
		table, err := newActionTable(pins, tc.refs)
		if err != nil {
			t.Fatal(err)
		}
		v, c, err := table.uses(tc.action)
		if v != tc.value || c != tc.comment || (err != nil) != tc.err || errors.Is(err, ErrNotPinned) != tc.notPinned {
			t.Errorf("uses(%q) with refs %d = %q, %q, %v; want %q, %q, error %v (not pinned %v)",
				tc.action, tc.refs, v, c, err, tc.value, tc.comment, tc.err, tc.notPinned)
		}
	}
	for _, refs := range []Refs{-1, MajorTags + 1} {
		if _, err := newActionTable(nil, refs); err == nil {
			t.Errorf("refs %d accepted", refs)
		}
	}
	if _, err := newActionTable([]Pin{{"a/b", "v1", "x"}}, Commits); err == nil {
		t.Error("bad pin accepted")
	}
}

func TestValidRef(t *testing.T) {
	t.Parallel()
	for ref, want := range map[string]bool{
		"v0.3.0": true, "v0.0.0-20261204215823-641b0cc1d2e3": true, "main": true, sha: true, "release/v1": true,
		"": false, "-x": false, "/x": false, "v1 && curl evil": false, "v1;x": false, "v1\n": false,
	} {
		if got := ValidRef(ref); got != want {
			t.Errorf("ValidRef(%q) = %v", ref, got)
		}
	}
}

// FuzzUses: whatever the reference, uses either refuses it or returns a
// value that is the reference itself or the reference pinned from the
// table, and that survives the YAML writer as one plain scalar.
func FuzzUses(f *testing.F) {
	for _, s := range []string{Checkout, "someone/action@" + sha, "a/b/c@v1", "a/b@", "@", "a//b", "A/B/../../c"} {
		f.Add(s, uint8(0))
	}
	table := map[Refs]*actionTable{}
	for _, refs := range []Refs{Commits, Tags, MajorTags} {
		table[refs], _ = newActionTable(DefaultActions(), refs)
	}
	f.Fuzz(func(t *testing.T, action string, refs uint8) {
		tb := table[Refs(refs%3)]
		v, comment, err := tb.uses(action)
		if err != nil {
			return
		}
		if v != action && !strings.HasPrefix(v, action+"@") {
			t.Fatalf("uses(%q) = %q", action, v)
		}
		if yamlString(v) != v || strings.ContainsAny(v+comment, " #:\n") {
			t.Fatalf("uses(%q) = %q # %q: not a plain scalar", action, v, comment)
		}
	})
}
