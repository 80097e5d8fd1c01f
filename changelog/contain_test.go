package changelog_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/tagship/tagship/changelog"
)

func TestContainedAndSeal(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body string
		open       string // "" when contained
	}{
		{"plain", "### Added\n\n- a thing\n", ""},
		{"closed fence", "```sh\necho hi\n```\n", ""},
		{"closed comment", "<!-- note -->\n- a\n", ""},
		{"inline comment", "- a <!-- half\n", ""},
		{"open backtick fence", "### Added\n\n```sh\necho hi\n", "code fence ```"},
		{"open tilde fence", "~~~\ncode\n", "code fence ~~~"},
		{"open long fence closed by a short one", "````\ncode\n```\n", "code fence ````"},
		{"tilde fence 'closed' by backticks", "~~~~~\ncode\n```\n", "code fence ~~~~~"},
		{"open HTML comment", "- a\n\n<!--\nhidden\n", "HTML comment <!--"},
		{"open pre", "<pre>\nx\n", "HTML block"},
		{"fence in a list item", "- item\n\n  ```\n  code\n", ""}, // the list ends at the heading, closing the fence
		{"fence in a blockquote", "> ```\n> code\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := changelog.Contained(tc.body)
			var ue *changelog.UncontainedError
			switch {
			case tc.open == "" && err != nil:
				t.Fatalf("Contained = %v, want nil", err)
			case tc.open != "" && (!errors.As(err, &ue) || !errors.Is(err, changelog.ErrUncontained) || ue.What != tc.open):
				t.Fatalf("Contained = %v, want %q open", err, tc.open)
			}
			sealed := changelog.Seal(tc.body)
			if err := changelog.Contained(sealed); err != nil {
				t.Fatalf("Seal(%q) = %q, still %v", tc.body, sealed, err)
			}
			if tc.open == "" && sealed != tc.body {
				t.Fatalf("a contained body was changed: %q", sealed)
			}
			if !strings.Contains(sealed, strings.TrimSpace(tc.body)) {
				t.Fatalf("Seal lost text: %q", sealed)
			}
		})
	}
}

func FuzzSeal(f *testing.F) {
	for _, s := range []string{"```\nx", "~~~~\n```\n", "<!--\n", "- a\n  ```\n", "> <!--\n", "<pre>\n```\n<!--", "````\n~~~\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		if len(body) > 4096 {
			return
		}
		if err := changelog.Contained(changelog.Seal(body)); err != nil {
			t.Fatalf("Seal(%q) still leaks: %v", body, err)
		}
	})
}

func TestHasContent(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]bool{
		"":                                    false,
		"### Added\n\n### Fixed\n":            false,
		"<!-- describe the release -->\n":     false,
		"### Added\n<!--\nTODO\n-->\n\n---\n": false,
		"### Added\n\n- a thing\n":            true,
		"Just a paragraph.":                   true,
		"```\ncode\n```":                      true,
	} {
		if got := changelog.HasContent(body); got != want {
			t.Errorf("HasContent(%q) = %v, want %v", body, got, want)
		}
	}
}
