package ghrelease

import (
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
)

// verifyingSectionVisible parses notes as GitHub-flavoured CommonMark (an
// independent parser's view of what a release page shows) and reports
// whether "Verifying signed artifacts" is a top-level heading followed by
// its cosign command as a code block.
func verifyingSectionVisible(t *testing.T, notes string) bool {
	t.Helper()
	src := []byte(notes)
	doc := goldmark.New(goldmark.WithExtensions(extension.GFM)).Parser().Parse(text.NewReader(src))
	heading, code := false, false
	for c := doc.FirstChild(); c != nil; c = c.NextSibling() {
		switch n := c.(type) {
		case *ast.Heading:
			if strings.Contains(string(n.Lines().Value(src)), "Verifying signed artifacts") {
				heading = true
			}
		case *ast.FencedCodeBlock:
			if heading && strings.Contains(string(n.Lines().Value(src)), "cosign verify-blob") {
				code = true
			}
		}
	}
	return heading && code
}

// TestNotesCannotHideVerification: whatever the changelog section leaves
// open — a fence of backticks or tildes of any length, an HTML comment —
// the verification commands stay visible, in full notes and in notes
// shortened to GitHub's limit.
func TestNotesCannotHideVerification(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("- a line of the changelog that is long enough\n", 4000) // ~180,000 chars
	for _, tc := range []struct{ name, section string }{
		{"open backtick fence", "### Added\n\n```sh\necho hidden\n"},
		{"open tilde fence", "### Added\n\n~~~\nhidden\n"},
		{"open long backtick fence", "````\nhidden\n```\n"},
		{"open HTML comment", "### Added\n\n- a\n\n<!--\nhidden\n"},
		{"open comment and fence", "<!--\n```\n"},
		{"open pre", "<pre>\nhidden\n"},
		{"shortened inside a tilde fence", "### Added\n\n~~~~\n" + long + "~~~~\n"},
		{"shortened inside a comment", "### Added\n\n<!--\n" + long + "-->\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := refData()
			d.Changelog = tc.section
			out, err := Notes(d)
			if err != nil {
				t.Fatal(err)
			}
			if len([]rune(out)) > MaxBodyLength {
				t.Fatalf("notes are %d characters", len([]rune(out)))
			}
			if !verifyingSectionVisible(t, out) {
				t.Fatalf("the verification section is hidden:\n%s", out[max(0, len(out)-3000):])
			}
		})
	}
}
