package changelog

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzParse checks that Parse never panics, that an unmodified parse
// round-trips byte for byte, that Lint and the accessors hold up, and that
// Cut either refuses (leaving the document alone) or yields a document that
// parses again with the new release in it.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.md"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed files in testdata: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		"",
		"\xef\xbb\xbf",
		"## [Unreleased]\n- a\n\n[Unreleased]: https://github.com/o/r/compare/v1.0.0...HEAD",
		"## [Unreleased]\r\n- a\r\n## [1.0.0] - 2024-01-01\r\n- b\r\n[1.0.0]: https://gitlab.com/g/p/-/tags/1.0.0\r\n",
		"## Unreleased\n```\n## [1.0.0]\n",
		"## [Unreleased]\n- x\n<!--\n## [1.0.0]\n-->\n[Unreleased]: <https://github.com/o/r/compare/a...HEAD> \"t\"\n",
		"## [1.0.0]\n## [1.0.0]\n",
		"## [1.0.0](https://x) (2024-01-01)\n[YANKED]\n",
	} {
		f.Add([]byte(s))
	}
	date := time.Date(2030, 1, 2, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, src []byte) {
		c, err := Parse(src)
		if err != nil {
			var de *DuplicateError
			if !errors.As(err, &de) || de.Line <= de.FirstLine {
				t.Fatalf("Parse error %v is not a *DuplicateError with ordered lines", err)
			}
			return
		}
		if !bytes.Equal(c.Bytes(), src) {
			t.Fatal("Bytes() differs from the input")
		}
		if c.Release("") != c.Unreleased() {
			t.Fatal("Release(\"\") is not Unreleased()")
		}
		for _, r := range c.Releases() {
			if c.Release(r.Version) != r || c.Release("v"+r.Version) != r || r.Line < 1 {
				t.Fatalf("lookup of %q inconsistent", r.Version)
			}
			if n := c.Notes(r.Version); len(n) < len(r.Body) || n[:len(r.Body)] != r.Body {
				t.Fatalf("Notes(%q) does not start with the body", r.Version)
			}
		}
		for _, fd := range c.Lint() {
			if fd.Line < 1 || fd.Message == "" {
				t.Fatalf("bad finding %+v", fd)
			}
		}
		const v = "999999999.0.0"
		before := len(c.Releases())
		if err := c.Cut(v, date); err != nil {
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("Cut error %v is not an *Error", err)
			}
			if !bytes.Equal(c.Bytes(), src) {
				t.Fatal("a refused Cut changed the document")
			}
			return
		}
		c2, err := Parse(c.Bytes())
		if err != nil {
			t.Fatalf("document after Cut does not parse: %v\n%q", err, c.Bytes())
		}
		if r := c2.Release(v); r == nil || r.Date != "2030-01-02" || len(c2.Releases()) != before+1 || c2.Unreleased() == nil {
			t.Fatalf("document after Cut lacks the release:\n%q", c.Bytes())
		}
	})
}
