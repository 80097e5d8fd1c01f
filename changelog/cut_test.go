package changelog

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

var cutDate = time.Date(2024, 6, 10, 15, 4, 5, 0, time.UTC)

// replaceOnce replaces old (which must occur) once.
func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	if !strings.Contains(s, old) {
		t.Fatalf("test bug: %q not in source", old)
	}
	return strings.Replace(s, old, new, 1)
}

func TestCut(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		src     func(t *testing.T) string
		version string
		want    func(t *testing.T, src string) string
		kept    string // the [Unreleased] body left after the cut (its comments)
	}{
		{
			name:    "github",
			src:     func(t *testing.T) string { return string(readTestdata(t, "github.md")) },
			version: "0.12.0",
			want: func(t *testing.T, s string) string {
				s = replaceOnce(t, s, "## [Unreleased]\n", "## [Unreleased]\n\n## [0.12.0] - 2024-06-10\n")
				return replaceOnce(t, s, "[Unreleased]: https://github.com/acme/securescan/compare/v0.11.0...HEAD\n",
					"[Unreleased]: https://github.com/acme/securescan/compare/v0.12.0...HEAD\n"+
						"[0.12.0]: https://github.com/acme/securescan/compare/v0.11.0...v0.12.0\n")
			},
		},
		{
			name:    "gitlab without v tags, v given",
			src:     func(t *testing.T) string { return string(readTestdata(t, "gitlab.md")) },
			version: "v2.1.0",
			want: func(t *testing.T, s string) string {
				s = replaceOnce(t, s, "## [Unreleased]\n", "## [Unreleased]\n\n## [2.1.0] - 2024-06-10\n")
				return replaceOnce(t, s, "[Unreleased]: https://gitlab.com/acme/platform/tool/-/compare/2.0.0...HEAD\n",
					"[Unreleased]: https://gitlab.com/acme/platform/tool/-/compare/2.1.0...HEAD\n"+
						"[2.1.0]: https://gitlab.com/acme/platform/tool/-/compare/2.0.0...2.1.0\n")
			},
		},
		{
			name:    "crlf and bom",
			src:     func(t *testing.T) string { return string(readTestdata(t, "crlf_bom.md")) },
			version: "1.0.0",
			want: func(t *testing.T, s string) string {
				s = replaceOnce(t, s, "## [Unreleased]\r\n", "## [Unreleased]\r\n\r\n## [1.0.0] - 2024-06-10\r\n")
				return replaceOnce(t, s, "[Unreleased]: https://github.com/acme/crlf/compare/v0.11.0...HEAD\r\n",
					"[Unreleased]: https://github.com/acme/crlf/compare/v1.0.0...HEAD\r\n"+
						"[1.0.0]: https://github.com/acme/crlf/compare/v0.11.0...v1.0.0\r\n")
			},
		},
		{
			name:    "spec keeps the lower-case label",
			src:     func(t *testing.T) string { return string(readTestdata(t, "spec.md")) },
			version: "1.2.0",
			want: func(t *testing.T, s string) string {
				s = replaceOnce(t, s, "## [Unreleased]\n", "## [Unreleased]\n\n## [1.2.0] - 2024-06-10\n")
				return replaceOnce(t, s, "[unreleased]: https://github.com/olivierlacan/keep-a-changelog/compare/v1.1.1...HEAD\n",
					"[unreleased]: https://github.com/olivierlacan/keep-a-changelog/compare/v1.2.0...HEAD\n"+
						"[1.2.0]: https://github.com/olivierlacan/keep-a-changelog/compare/v1.1.1...v1.2.0\n")
			},
		},
		{
			name:    "messy: heading style copied, v labels",
			src:     func(t *testing.T) string { return string(readTestdata(t, "messy.md")) },
			version: "3.1.0",
			want: func(t *testing.T, s string) string {
				s = replaceOnce(t, s, "## Unreleased\n", "## Unreleased\n\n## v3.1.0 — 2024-06-10\n")
				return replaceOnce(t, s, "[unreleased]: https://github.com/acme/messy/compare/v3.0.0...HEAD\n",
					"[unreleased]: https://github.com/acme/messy/compare/v3.1.0...HEAD\n"+
						"[v3.1.0]: https://github.com/acme/messy/compare/v3.0.0...v3.1.0\n")
			},
		},
		{
			name: "first release on github",
			src: func(*testing.T) string {
				return "# Changelog\n\n## [Unreleased]\n### Added\n- Initial.\n\n[Unreleased]: https://github.com/o/r/commits/main\n"
			},
			version: "0.1.0",
			want: func(*testing.T, string) string {
				return "# Changelog\n\n## [Unreleased]\n\n## [0.1.0] - 2024-06-10\n### Added\n- Initial.\n\n" +
					"[Unreleased]: https://github.com/o/r/compare/v0.1.0...HEAD\n[0.1.0]: https://github.com/o/r/releases/tag/v0.1.0\n"
			},
		},
		{
			// The reference project's layout: a placeholder comment under
			// [Unreleased] stays there; only the entries move.
			name: "comment under Unreleased stays",
			src: func(*testing.T) string {
				return "# Changelog\n\n## [Unreleased]\n\n<!-- New features land here on each PR. -->\n\n### Added\n\n- Signed releases.\n\n" +
					"## [0.10.0] - 2026-01-01\n\n- Old.\n"
			},
			version: "0.11.0",
			kept:    "<!-- New features land here on each PR. -->",
			want: func(*testing.T, string) string {
				return "# Changelog\n\n## [Unreleased]\n\n<!-- New features land here on each PR. -->\n\n## [0.11.0] - 2024-06-10\n\n### Added\n\n- Signed releases.\n\n" +
					"## [0.10.0] - 2026-01-01\n\n- Old.\n"
			},
		},
		{
			name: "multi-line comment right above the entries, CRLF",
			src: func(*testing.T) string {
				return "## [Unreleased]\r\n<!--\r\n  Add entries below.\r\n-->\r\n### Fixed\r\n- b\r\n"
			},
			version: "1.0.0",
			kept:    "<!--\n  Add entries below.\n-->",
			want: func(*testing.T, string) string {
				return "## [Unreleased]\r\n<!--\r\n  Add entries below.\r\n-->\r\n\r\n## [1.0.0] - 2024-06-10\r\n\r\n### Fixed\r\n- b\r\n"
			},
		},
		{
			name: "a comment among the entries moves with them",
			src: func(*testing.T) string {
				return "## [Unreleased]\n### Fixed\n<!-- keep sorted -->\n- b\n"
			},
			version: "1.0.0",
			want: func(*testing.T, string) string {
				return "## [Unreleased]\n\n## [1.0.0] - 2024-06-10\n### Fixed\n<!-- keep sorted -->\n- b\n"
			},
		},
		{
			name: "first release on self-hosted gitlab",
			src: func(*testing.T) string {
				return "## [Unreleased]\n- Initial.\n\n[Unreleased]: https://git.example.org/g/sub/p/-/commits/main"
			},
			version: "1.0.0",
			want: func(*testing.T, string) string {
				return "## [Unreleased]\n\n## [1.0.0] - 2024-06-10\n- Initial.\n\n" +
					"[Unreleased]: https://git.example.org/g/sub/p/-/compare/v1.0.0...HEAD\n[1.0.0]: https://git.example.org/g/sub/p/-/tags/v1.0.0"
			},
		},
		{
			name: "no links at all",
			src: func(t *testing.T) string {
				return "## [Unreleased]\n### Fixed\n- b\n\n## 1.0.0 - 2024-01-01\n### Added\n- a\n"
			},
			version: "1.0.1",
			want: func(t *testing.T, s string) string {
				return replaceOnce(t, s, "## [Unreleased]\n", "## [Unreleased]\n\n## 1.0.1 - 2024-06-10\n")
			},
		},
		{
			name: "crlf, link on the last line without a line ending",
			src: func(*testing.T) string {
				return "## [Unreleased]\r\n- a\r\n\r\n## [1.0.0] - 2024-01-01\r\n- b\r\n\r\n[Unreleased]: https://github.com/o/r/compare/v1.0.0...HEAD"
			},
			version: "1.1.0",
			want: func(*testing.T, string) string {
				return "## [Unreleased]\r\n\r\n## [1.1.0] - 2024-06-10\r\n- a\r\n\r\n## [1.0.0] - 2024-01-01\r\n- b\r\n\r\n" +
					"[Unreleased]: https://github.com/o/r/compare/v1.1.0...HEAD\r\n[1.1.0]: https://github.com/o/r/compare/v1.0.0...v1.1.0"
			},
		},
		{
			name: "links above the title",
			src: func(*testing.T) string {
				return "[Unreleased]: https://gitlab.com/g/p/-/compare/1.0.0...HEAD\n# Changelog\n## [Unreleased]\n### Fixed\n- a\n## [1.0.0] - 2024-01-01\n- b\n"
			},
			version: "1.1.0",
			want: func(*testing.T, string) string {
				return "[Unreleased]: https://gitlab.com/g/p/-/compare/1.1.0...HEAD\n[1.1.0]: https://gitlab.com/g/p/-/compare/1.0.0...1.1.0\n" +
					"# Changelog\n## [Unreleased]\n\n## [1.1.0] - 2024-06-10\n### Fixed\n- a\n## [1.0.0] - 2024-01-01\n- b\n"
			},
		},
		{
			name: "angle-bracket URL with a space",
			src: func(*testing.T) string {
				return "\ufeff## [Unreleased]\n- a\n\n[Unreleased]: <https://git.example.org/my group/p/-/commits/main>\n"
			},
			version: "0.1.0",
			want: func(*testing.T, string) string {
				return "\ufeff## [Unreleased]\n\n## [0.1.0] - 2024-06-10\n- a\n\n" +
					"[Unreleased]: <https://git.example.org/my group/p/-/compare/v0.1.0...HEAD>\n[0.1.0]: <https://git.example.org/my group/p/-/tags/v0.1.0>\n"
			},
		},
		{
			name: "parenthesised dates without brackets",
			src: func(t *testing.T) string {
				return "## Unreleased\n- b\n\n## 1.0.0 (2024-01-01)\n- a\n"
			},
			version: "1.1.0",
			want: func(t *testing.T, s string) string {
				return replaceOnce(t, s, "## Unreleased\n", "## Unreleased\n\n## 1.1.0 (2024-06-10)\n")
			},
		},
		{
			name: "no unreleased link, version links",
			src: func(t *testing.T) string {
				return "## [Unreleased]\n- b\n\n## [1.0.0] - 2024-01-01\n- a\n\n[1.0.0]: https://github.com/o/r/releases/tag/v1.0.0\n"
			},
			version: "1.1.0",
			want: func(t *testing.T, s string) string {
				s = replaceOnce(t, s, "## [Unreleased]\n", "## [Unreleased]\n\n## [1.1.0] - 2024-06-10\n")
				return replaceOnce(t, s, "[1.0.0]: ", "[Unreleased]: https://github.com/o/r/compare/v1.1.0...HEAD\n"+
					"[1.1.0]: https://github.com/o/r/compare/v1.0.0...v1.1.0\n[1.0.0]: ")
			},
		},
		{
			name: "monorepo tag prefix and two dots",
			src: func(t *testing.T) string {
				return "## [Unreleased]\n- b\n\n## [1.0.0] - 2024-01-01\n- a\n\n" +
					"[Unreleased]: https://github.com/o/r/compare/pkg-1.0.0..HEAD\n[1.0.0]: https://github.com/o/r/releases/tag/pkg-1.0.0\n"
			},
			version: "2.0.0",
			want: func(t *testing.T, s string) string {
				s = replaceOnce(t, s, "## [Unreleased]\n", "## [Unreleased]\n\n## [2.0.0] - 2024-06-10\n")
				return replaceOnce(t, s, "[Unreleased]: https://github.com/o/r/compare/pkg-1.0.0..HEAD\n",
					"[Unreleased]: https://github.com/o/r/compare/pkg-2.0.0..HEAD\n[2.0.0]: https://github.com/o/r/compare/pkg-1.0.0..pkg-2.0.0\n")
			},
		},
		{
			name: "unreleased below a release, previous is the highest version",
			src: func(t *testing.T) string {
				return "## [0.9.0] - 2023-01-01\n- old\n\n## [Unreleased]\n- new\n\n## [1.0.0] - 2024-01-01\n- a\n"
			},
			version: "1.1.0",
			want: func(t *testing.T, s string) string {
				return replaceOnce(t, s, "## [Unreleased]\n", "## [Unreleased]\n\n## [1.1.0] - 2024-06-10\n")
			},
		},
		{
			name: "title and angle brackets kept",
			src: func(t *testing.T) string {
				return "## [Unreleased]\n- b\n## [1.0.0] - 2024-01-01\n- a\n" +
					"[Unreleased]: <https://github.com/o/r/compare/v1.0.0...HEAD> \"Unreleased\"\n"
			},
			version: "1.0.1",
			want: func(t *testing.T, s string) string {
				s = replaceOnce(t, s, "## [Unreleased]\n", "## [Unreleased]\n\n## [1.0.1] - 2024-06-10\n")
				return replaceOnce(t, s, "[Unreleased]: <https://github.com/o/r/compare/v1.0.0...HEAD> \"Unreleased\"\n",
					"[Unreleased]: <https://github.com/o/r/compare/v1.0.1...HEAD> \"Unreleased\"\n[1.0.1]: https://github.com/o/r/compare/v1.0.0...v1.0.1\n")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := tt.src(t)
			c := mustParse(t, src)
			old := c.Unreleased()
			nRel := len(c.Releases())
			if err := c.Cut(tt.version, cutDate); err != nil {
				t.Fatalf("Cut: %v", err)
			}
			want := tt.want(t, src)
			if got := string(c.Bytes()); got != want {
				t.Fatalf("Cut result:\n%s\n--- want:\n%s", got, want)
			}
			// The model describes the new document.
			v := strings.TrimPrefix(tt.version, "v")
			r := c.Release(v)
			wantBody := old.Body
			if tt.kept != "" {
				wantBody = strings.TrimSpace(strings.TrimPrefix(old.Body, tt.kept))
			}
			if r == nil || r.Body != wantBody || r.Date != "2024-06-10" || len(c.Releases()) != nRel+1 {
				t.Errorf("Release(%s) = %+v, want the old Unreleased body", v, r)
			}
			if u := c.Unreleased(); u == nil || u.Body != tt.kept || len(u.Sections()) != 0 {
				t.Errorf("Unreleased after Cut = %+v", u)
			}
			re := mustParse(t, want)
			if !bytes.Equal(re.Bytes(), c.Bytes()) || len(re.Releases()) != len(c.Releases()) {
				t.Error("model differs from a fresh parse")
			}
			// Cutting again refuses: nothing left to release.
			if err := c.Cut("99.0.0", cutDate); !errors.Is(err, ErrEmptyUnreleased) {
				t.Errorf("second Cut: %v, want ErrEmptyUnreleased", err)
			}
		})
	}
}

func TestCutErrors(t *testing.T) {
	t.Parallel()
	github := string(readTestdata(t, "github.md"))
	tests := []struct {
		name    string
		src     string
		version string
		want    error
		line    int
		msg     string // substring of the message
	}{
		{"not semver", github, "0.12", ErrInvalidVersion, 0, `expected a semantic version X.Y.Z`},
		{"four parts", github, "v1.2.3.4", ErrInvalidVersion, 0, ""},
		{"word", github, "latest", ErrInvalidVersion, 0, ""},
		{"no unreleased", string(readTestdata(t, "no_unreleased.md")), "1.1.0", ErrNoUnreleased, 0, `add one above the newest release`},
		{"empty unreleased", "## [Unreleased]\n\n### Added\n\n<!-- entries go here\n-->\n\n## [1.0.0] - 2024-01-01\n- a\n", "1.1.0", ErrEmptyUnreleased, 1, "found none"},
		{"unreleased at end of file", "## [1.0.0] - 2024-01-01\n- a\n## [Unreleased]", "1.1.0", ErrEmptyUnreleased, 3, ""},
		{"exists", github, "v0.10.1", ErrVersionExists, 26, "already released at line 26"},
		{"lower", github, "0.10.2", ErrVersionNotGreater, 14, "newest release 0.11.0 (line 14)"},
		{"pre-release of newest", github, "0.11.0-rc.1", ErrVersionNotGreater, 14, ""},
		{"unknown link form", "## [Unreleased]\n- b\n## [1.0.0] - 2024-01-01\n- a\n\n[Unreleased]: https://example.com/changes\n", "1.1.0", ErrLinkPattern, 6, `found "https://example.com/changes"`},
		{"relative link", "## [Unreleased]\n- b\n\n[Unreleased]: ../compare/HEAD\n", "1.1.0", ErrLinkPattern, 4, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := mustParse(t, tt.src)
			err := c.Cut(tt.version, cutDate)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			var ce *Error
			if !errors.As(err, &ce) || ce.Line != tt.line {
				t.Errorf("err = %#v, want *Error at line %d", err, tt.line)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("message %q lacks %q", err, tt.msg)
			}
			if !bytes.Equal(c.Bytes(), []byte(tt.src)) {
				t.Error("a refused Cut changed the document")
			}
		})
	}
}

func TestHasEntries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body string
		want bool
	}{
		{"", false},
		{"### Added\n\n### Fixed", false},
		{"<!-- nothing -->", false},
		{"<!--\n- hidden\n-->\n### Added", false},
		{"<!-- x --> - shown", true},
		{"- a", true},
		{"Some prose.", true},
	}
	for _, tt := range tests {
		if got := hasEntries(tt.body); got != tt.want {
			t.Errorf("hasEntries(%q) = %v, want %v", tt.body, got, tt.want)
		}
	}
}
