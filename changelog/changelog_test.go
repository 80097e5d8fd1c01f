package changelog

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustParse(t testing.TB, src string) *Changelog {
	t.Helper()
	c, err := Parse([]byte(src))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c
}

func versions(c *Changelog) []string {
	var vs []string
	for _, r := range c.Releases() {
		vs = append(vs, r.Version)
	}
	return vs
}

func sectionNames(r *Release) []string {
	var ns []string
	for _, s := range r.Sections() {
		ns = append(ns, s.Name)
	}
	return ns
}

func TestParseTestdata(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file       string
		unreleased bool
		unrelLine  int
		versions   []string
		check      func(t *testing.T, c *Changelog)
	}{
		{
			file: "spec.md", unreleased: true, unrelLine: 8,
			versions: []string{"1.1.1", "1.1.0", "1.0.0", "0.3.0", "0.2.0", "0.1.0", "0.0.1"},
			check: func(t *testing.T, c *Changelog) {
				r := c.Release("v1.1.1")
				if r == nil || r.Date != "2023-03-05" || r.Line != 24 {
					t.Fatalf("1.1.1 = %+v", r)
				}
				if got := sectionNames(r); !slices.Equal(got, []string{"Added", "Fixed", "Changed"}) {
					t.Errorf("sections = %q", got)
				}
				if got := c.Link("0.0.1"); got != "https://github.com/olivierlacan/keep-a-changelog/releases/tag/v0.0.1" {
					t.Errorf("Link(0.0.1) = %q", got)
				}
				if got := c.Link("Unreleased"); !strings.HasSuffix(got, "/compare/v1.1.1...HEAD") {
					t.Errorf("Link(Unreleased) = %q", got)
				}
				last := c.Release("0.0.1")
				if strings.Contains(last.Body, "[unreleased]") || !strings.HasSuffix(last.Body, "standardized open source project CHANGELOG.") {
					t.Errorf("last body runs into the link block: %q", last.Body)
				}
			},
		},
		{
			file: "github.md", unreleased: true, unrelLine: 5,
			versions: []string{"0.11.0", "0.10.1", "0.10.0"},
			check: func(t *testing.T, c *Changelog) {
				r := c.Release("0.11.0")
				want := "### Added\n- Sigstore bundles (`*.sigstore.json`) attached to every GitHub Release.\n- SBOM (CycloneDX) for the container image.\n\n### Changed\n- Minimum Python is now 3.10.\n\n### Security\n- Pin GitHub Actions by commit SHA."
				if r.Body != want {
					t.Errorf("Body =\n%q\nwant\n%q", r.Body, want)
				}
				s := r.Sections()
				if len(s) != 3 || s[2].Name != "Security" || s[2].Line != 23 || s[2].Body != "- Pin GitHub Actions by commit SHA." {
					t.Errorf("sections = %+v", s)
				}
				if c.Link("#180") != "https://github.com/acme/securescan/issues/180" {
					t.Errorf("non-release link reference lost: %+v", c.Links())
				}
			},
		},
		{
			file: "gitlab.md", unreleased: true, unrelLine: 4,
			versions: []string{"2.0.0", "1.4.2"},
			check: func(t *testing.T, c *Changelog) {
				if got := c.Link("2.0.0"); got != "https://gitlab.com/acme/platform/tool/-/compare/1.4.2...2.0.0" {
					t.Errorf("Link = %q", got)
				}
			},
		},
		{
			file: "crlf_bom.md", unreleased: true, unrelLine: 5,
			versions: []string{"0.11.0", "0.10.1", "0.10.0"},
			check: func(t *testing.T, c *Changelog) {
				r := c.Release("0.10.1")
				if strings.Contains(r.Body, "\r") {
					t.Errorf("Body keeps CR: %q", r.Body)
				}
				if r.Heading != "## [0.10.1] - 2024-03-18" {
					t.Errorf("Heading = %q", r.Heading)
				}
				if got := c.Link("v0.10.0"); got != "https://github.com/acme/crlf/releases/tag/v0.10.0" {
					t.Errorf("Link = %q (CR must not be part of the URL)", got)
				}
			},
		},
		{
			file: "fences_comments.md", unreleased: true, unrelLine: 9,
			versions: []string{"1.2.0", "1.1.0"},
			check: func(t *testing.T, c *Changelog) {
				for _, v := range []string{"9.9.9", "1.0.0", "0.0.9", "8.0.0"} {
					if c.Release(v) != nil || c.Link(v) != "" {
						t.Errorf("%s inside a fence or comment was parsed", v)
					}
				}
				u := c.Unreleased()
				if !strings.Contains(u.Body, "## [1.0.0] - 2020-01-01") || !strings.Contains(u.Body, "## [0.0.9]") {
					t.Errorf("fenced text missing from body: %q", u.Body)
				}
				if got := sectionNames(u); !slices.Equal(got, []string{"Added"}) {
					t.Errorf("sections = %q (### inside a fence is not a section)", got)
				}
				r := c.Release("1.2.0")
				if !strings.Contains(r.Body, "inline <!-- comment --> stays") || !strings.HasSuffix(r.Body, "this fence closes\n```") {
					t.Errorf("1.2.0 body = %q", r.Body)
				}
				if c.Link("1.2.0") == "" || c.Link("1.1.0") == "" {
					t.Error("links after an interleaved comment were lost")
				}
			},
		},
		{
			file: "messy.md", unreleased: true, unrelLine: 6,
			versions: []string{"3.0.0", "2.5.0", "2.4.0", "2.3.1", "2.3.0", "2.2.0", "2.0.0-rc.1", "1.0.0"},
			check: func(t *testing.T, c *Changelog) {
				u := c.Unreleased()
				if got := sectionNames(u); !slices.Equal(got, []string{"Features", "Added", "Added"}) {
					t.Errorf("repeated subsections not kept: %q", got)
				}
				if s := u.Sections(); s[1].Body != "- `--dry-run`." || s[2].Body != "- Second \"Added\" block, kept separate." {
					t.Errorf("sections = %+v", s)
				}
				cases := []struct {
					v, date string
					yanked  bool
				}{
					{"v3.0.0", "2024-06-01", false},
					{"2.5.0", "2024-04-12", false},
					{"2.4.0", "2024-03-01", false},
					{"2.3.1", "2024-02-30", true},
					{"2.3.0", "", false},
					{"2.2.0", "03/01/2023", false},
					{"2.0.0-rc.1", "2022-12-01", false},
					{"1.0.0", "2021-06-01", false},
				}
				for _, tc := range cases {
					r := c.Release(tc.v)
					if r == nil || r.Date != tc.date || r.Yanked != tc.yanked {
						t.Errorf("Release(%s) = %+v, want date %q yanked %v", tc.v, r, tc.date, tc.yanked)
					}
				}
				if c.Release("1.2") != nil {
					t.Error("1.2 is not semver and must not be a release")
				}
				if got := c.Link("1.0.0"); got != "https://github.com/acme/messy/compare/v0.9.0...v1.0.0" {
					t.Errorf("inline heading link = %q", got)
				}
				if got := c.Link("2.3.1"); got != "https://github.com/acme/messy/compare/v2.3.0...v2.3.1" {
					t.Errorf("<angle> link = %q", got)
				}
				if got := c.Link("3.0.0"); got == "" {
					t.Error("[v3.0.0] label does not resolve for 3.0.0")
				}
				if b := c.Release("1.0.0").Body; strings.Contains(b, "Some text") {
					t.Errorf("text interleaved with links leaked into the body: %q", b)
				}
			},
		},
		{
			file: "no_unreleased.md", unreleased: false,
			versions: []string{"1.0.1", "1.0.0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			src := readTestdata(t, tt.file)
			c, err := Parse(src)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(c.Bytes(), src) {
				t.Fatal("Bytes() differs from the input")
			}
			if got := versions(c); !slices.Equal(got, tt.versions) {
				t.Errorf("versions = %q, want %q", got, tt.versions)
			}
			u := c.Unreleased()
			if (u != nil) != tt.unreleased {
				t.Fatalf("Unreleased() = %v, want present=%v", u, tt.unreleased)
			}
			if u != nil && (u.Line != tt.unrelLine || u.Version != "" || !u.Unreleased() || c.Release("unreleased") != u) {
				t.Errorf("Unreleased = %+v, want line %d", u, tt.unrelLine)
			}
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
}

func TestParseHeadings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		heading string
		version string // "-" when not a release heading; "" for Unreleased
		date    string
		yanked  bool
	}{
		{"## [1.2.3] - 2024-05-01", "1.2.3", "2024-05-01", false},
		{"## 1.2.3 - 2024-05-01", "1.2.3", "2024-05-01", false},
		{"## v1.2.3 - 2024-05-01", "1.2.3", "2024-05-01", false},
		{"## [v1.2.3] – 2024-05-01", "1.2.3", "2024-05-01", false},
		{"## [1.2.3] — 2024-05-01", "1.2.3", "2024-05-01", false},
		{"## 1.2.3 (2024-05-01)", "1.2.3", "2024-05-01", false},
		{"## [1.2.3] 2024-05-01", "1.2.3", "2024-05-01", false},
		{"## [1.2.3] - 2024-05-01 [YANKED]", "1.2.3", "2024-05-01", true},
		{"## [1.2.3] - 2024-05-01 [yanked]", "1.2.3", "2024-05-01", true},
		{"## [1.2.3]", "1.2.3", "", false},
		{"## [1.2.3] - TBD", "1.2.3", "", false},
		{"## [1.2.3] - 2024-05-01 - Codename", "1.2.3", "2024-05-01", false},
		{"## [1.0.0-rc.1] - 2024-05-01", "1.0.0-rc.1", "2024-05-01", false},
		{"## [1.0.0+build.5] - 2024-05-01", "1.0.0+build.5", "2024-05-01", false},
		{"## [1.2.3](https://x.test/compare/v1.2.2...v1.2.3) (2024-05-01)", "1.2.3", "2024-05-01", false},
		{"## [1.2.3] - 2024-05-01 ##", "1.2.3", "2024-05-01", false},
		{"   ## [1.2.3] - 2024-05-01", "1.2.3", "2024-05-01", false},
		{"## [Unreleased]", "", "", false},
		{"## Unreleased", "", "", false},
		{"## [unreleased] - ReleaseDate", "", "ReleaseDate", false},
		{"## [1.2] - 2024-05-01", "-", "", false},
		{"## [01.2.3] - 2024-05-01", "-", "", false},
		{"## [1.2.3.4] - 2024-05-01", "-", "", false},
		{"## V1.2.3", "-", "", false},
		{"## vv1.2.3", "-", "", false},
		{"## Older releases", "-", "", false},
		{"##[1.2.3] - 2024-05-01", "-", "", false},
		{"    ## [1.2.3] - 2024-05-01", "-", "", false},
		{"### [1.2.3] - 2024-05-01", "-", "", false},
		{"# [1.2.3] - 2024-05-01", "-", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.heading, func(t *testing.T) {
			t.Parallel()
			c := mustParse(t, tt.heading+"\n- entry\n")
			all := append(c.Releases(), c.Unreleased())
			if all[len(all)-1] == nil {
				all = all[:len(all)-1]
			}
			if tt.version == "-" {
				if len(all) != 0 {
					t.Fatalf("parsed as a release: %+v", all[0])
				}
				return
			}
			if len(all) != 1 {
				t.Fatalf("got %d sections, want 1", len(all))
			}
			r := all[0]
			wantDate := tt.date
			if tt.version == "" {
				wantDate = r.Date // not meaningful for [Unreleased]
			}
			if r.Version != tt.version || r.Date != wantDate || r.Yanked != tt.yanked || r.Line != 1 || r.Body != "- entry" {
				t.Errorf("got %+v, want version %q date %q yanked %v", r, tt.version, tt.date, tt.yanked)
			}
			if r.Heading != tt.heading {
				t.Errorf("Heading = %q", r.Heading)
			}
		})
	}
}

func TestParseDuplicate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		version   string
		line, at  int
	}{
		{"same spelling", "# C\n\n## [1.2.0] - 2024-01-01\n- a\n\n## [1.2.0] - 2024-01-02\n- b\n", "1.2.0", 6, 3},
		{"v prefix", "## [1.2.0]\n- a\n## v1.2.0\n- b\n", "1.2.0", 3, 1},
		{"two unreleased", "## [Unreleased]\n## [1.0.0]\n## Unreleased\n", "", 3, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(tt.src))
			var de *DuplicateError
			if !errors.As(err, &de) || !errors.Is(err, ErrDuplicateRelease) {
				t.Fatalf("err = %v, want *DuplicateError", err)
			}
			if de.Version != tt.version || de.Line != tt.line || de.FirstLine != tt.at {
				t.Errorf("got %+v", de)
			}
		})
	}
	_, err := Parse([]byte(tests[0].src))
	want := "changelog: line 6: duplicate release 1.2.0 (first at line 3): each version may appear once; remove or merge one of the sections"
	if err.Error() != want {
		t.Errorf("message = %q\nwant      %q", err, want)
	}
	// Duplicates inside a fence are not sections.
	mustParse(t, "## [1.0.0]\n```\n## [1.0.0]\n```\n")
}

func TestParseStructure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		src      string
		versions []string
		bodies   []string // bodies of Releases() in order
		links    []string // labels of Links()
	}{
		{
			name:     "empty",
			src:      "",
			versions: nil,
		},
		{
			name:     "no trailing newline",
			src:      "## [1.0.0] - 2024-01-01\n- a",
			versions: []string{"1.0.0"},
			bodies:   []string{"- a"},
		},
		{
			name:     "unclosed fence swallows the rest",
			src:      "## [2.0.0]\n```\n## [1.0.0]\n",
			versions: []string{"2.0.0"},
			bodies:   []string{"```\n## [1.0.0]"},
		},
		{
			name:     "longer closing fence and tilde",
			src:      "## [2.0.0]\n````\n```\n## [1.9.0]\n`````\n## [1.0.0]\n~~~~\n## [0.9.0]\n~~~\n~~~~\n## [0.1.0]\n",
			versions: []string{"2.0.0", "1.0.0", "0.1.0"},
			bodies:   []string{"````\n```\n## [1.9.0]\n`````", "~~~~\n## [0.9.0]\n~~~\n~~~~", ""},
		},
		{
			name:     "inline code with backticks is not a fence",
			src:      "## [2.0.0]\n``` `x` ```\n## [1.0.0]\n",
			versions: []string{"2.0.0", "1.0.0"},
			bodies:   []string{"``` `x` ```", ""},
		},
		{
			name:     "multi-line html comment",
			src:      "## [2.0.0]\n<!--\n## [1.5.0]\n[1.5.0]: https://x.test\n-->\n## [1.0.0]\n",
			versions: []string{"2.0.0", "1.0.0"},
			bodies:   []string{"<!--\n## [1.5.0]\n[1.5.0]: https://x.test\n-->", ""},
			links:    nil,
		},
		{
			name:     "per-section link ends that body",
			src:      "## [2.0.0]\n- a\n\n[2.0.0]: https://x.test/2\n\n## [1.0.0]\n- b\n[1.0.0]: https://x.test/1\n",
			versions: []string{"2.0.0", "1.0.0"},
			bodies:   []string{"- a", "- b"},
			links:    []string{"2.0.0", "1.0.0"},
		},
		{
			name:     "issue links stay in the body",
			src:      "## [1.0.0]\n- fix [#1]\n\n[#1]: https://x.test/issues/1\n\n[1.0.0]: https://x.test/1\n",
			versions: []string{"1.0.0"},
			bodies:   []string{"- fix [#1]\n\n[#1]: https://x.test/issues/1"},
			links:    []string{"#1", "1.0.0"},
		},
		{
			name:     "not link definitions",
			src:      "## [1.0.0]\n[1.0.0]:\n[]: https://x\n[a]: https://x junk\n    [b]: https://x\n[c] : https://x\n",
			versions: []string{"1.0.0"},
			bodies:   []string{"[1.0.0]:\n[]: https://x\n[a]: https://x junk\n    [b]: https://x\n[c] : https://x"},
		},
		{
			name:  "link titles",
			src:   "[a]: https://x \"t\"\n[b]: <https://y> 'u'\n[c]: https://z (v)\n",
			links: []string{"a", "b", "c"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := mustParse(t, tt.src)
			if !bytes.Equal(c.Bytes(), []byte(tt.src)) {
				t.Fatal("round trip failed")
			}
			if got := versions(c); !slices.Equal(got, tt.versions) {
				t.Fatalf("versions = %q, want %q", got, tt.versions)
			}
			if tt.bodies != nil {
				for i, r := range c.Releases() {
					if r.Body != tt.bodies[i] {
						t.Errorf("body %d = %q, want %q", i, r.Body, tt.bodies[i])
					}
				}
			}
			var labels []string
			for _, l := range c.Links() {
				labels = append(labels, l.Label)
			}
			if !slices.Equal(labels, tt.links) {
				t.Errorf("links = %q, want %q", labels, tt.links)
			}
		})
	}
}

func TestLinkRefURLs(t *testing.T) {
	t.Parallel()
	c := mustParse(t, "[Unreleased]: https://x.test/compare/v1.0.0...HEAD\r\n [V1.0.0]:  <https://x.test/tag/v1.0.0> \"t\"\r\n")
	ls := c.Links()
	if len(ls) != 2 || ls[0].Line != 1 || ls[1].Line != 2 || ls[1].URL != "https://x.test/tag/v1.0.0" {
		t.Fatalf("links = %+v", ls)
	}
	if c.Link("unreleased") != "https://x.test/compare/v1.0.0...HEAD" {
		t.Errorf("Link(unreleased) = %q", c.Link("unreleased"))
	}
	// Labels are case-insensitive but "V1.0.0" is not a version: no release link.
	if c.Link("1.0.0") != "" || c.Link("V1.0.0") != "https://x.test/tag/v1.0.0" {
		t.Errorf("Link(1.0.0) = %q, Link(V1.0.0) = %q", c.Link("1.0.0"), c.Link("V1.0.0"))
	}
}

func TestBytesIsACopy(t *testing.T) {
	t.Parallel()
	src := []byte("## [1.0.0] - 2024-01-01\n- a\n")
	c := mustParse(t, string(src))
	b := c.Bytes()
	b[0] = 'X'
	src[1] = 'Y'
	if c.Bytes()[0] != '#' || c.Bytes()[1] != '#' {
		t.Error("Bytes() aliases internal or caller memory")
	}
}

func TestNotes(t *testing.T) {
	t.Parallel()
	c := mustParse(t, string(readTestdata(t, "github.md")))
	tests := []struct {
		version, want string
	}{
		{"0.10.1", "### Fixed\n- Crash when `pyproject.toml` has no `[project]` table ([#180]).\n\n[#180]: https://github.com/acme/securescan/issues/180"},
		{"v0.10.0", "### Added\n- First public release on PyPI."},
		{"9.9.9", ""},
	}
	for _, tt := range tests {
		if got := c.Notes(tt.version); got != tt.want {
			t.Errorf("Notes(%s) = %q, want %q", tt.version, got, tt.want)
		}
	}
	// A definition inside the section is not repeated; one used twice is added once.
	c = mustParse(t, "## [1.0.0]\n- [a] and [b] and [a][]\n\n[a]: https://x.test/a\n\n[1.0.0]: https://x.test/1\n[b]: <https://x.test/b> \"B\"\n")
	want := "- [a] and [b] and [a][]\n\n[a]: https://x.test/a\n\n[b]: https://x.test/b"
	if got := c.Notes("1.0.0"); got != want {
		t.Errorf("Notes = %q, want %q", got, want)
	}
}
