package changelog

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/semver"
)

// Cut releases the [Unreleased] section as version ("1.2.0" or "v1.2.0")
// dated date (formatted YYYY-MM-DD in date's location):
//
//   - a "## [1.2.0] - 2024-05-01" heading is inserted below the
//     "## [Unreleased]" heading and whatever the maintainer keeps at the top
//     of that section — blank lines and HTML comments such as
//     "<!-- New features land here on each PR. -->" — so only the entries
//     move: they become the body of the new release, and [Unreleased]
//     keeps its comments exactly where they were. The heading
//     copies the newest release heading's style (brackets or not, a "v" or
//     not, "-", "–", "—" or "(date)"); without one it is
//     "## [X.Y.Z] - YYYY-MM-DD".
//   - when the file has release link references, the [Unreleased] link is
//     rewritten to compare the new tag with HEAD and a "[1.2.0]: …" link is
//     added below it: a compare link from the previous release's tag, or a
//     tag link for the first release. The URL form (GitHub
//     "https://github.com/O/R/compare/a...b", GitLab
//     "https://gitlab.com/G/P/-/compare/a...b", also self-hosted) and the tag
//     naming ("v1.2.0", "1.2.0", "name-1.2.0") are inferred from the existing
//     links. A file without release links gets none.
//
// Every other byte stays as it was; inserted lines use the file's line
// ending. Cut refuses, leaving c unchanged, with an *Error wrapping
// ErrInvalidVersion, ErrNoUnreleased, ErrEmptyUnreleased (no entries: only
// blank lines, "###" headings or HTML comments), ErrVersionExists,
// ErrVersionNotGreater (not above the highest release by semver),
// ErrLinkPattern or ErrCutConflict.
func (c *Changelog) Cut(version string, date time.Time) error {
	v, ok := normVersion(version)
	if !ok {
		return &Error{Err: ErrInvalidVersion, Msg: fmt.Sprintf(
			"cannot cut version %q: expected a semantic version X.Y.Z such as 1.4.0 or v1.4.0; fix the version argument", version)}
	}
	u := c.unreleased
	if u == nil {
		return &Error{Err: ErrNoUnreleased, Msg: fmt.Sprintf(
			"cannot cut %s: expected a \"## [Unreleased]\" section holding the changes to release, found none; add one above the newest release", v)}
	}
	if !hasEntries(u.Body) {
		return &Error{Line: u.Line, Err: ErrEmptyUnreleased, Msg: fmt.Sprintf(
			"cannot cut %s: expected entries under [Unreleased], found none; add the changes (e.g. \"### Added\" then \"- …\") before cutting", v)}
	}
	if r := c.byVersion[v]; r != nil {
		return &Error{Line: r.Line, Err: ErrVersionExists, Msg: fmt.Sprintf(
			"cannot cut %s: it is already released at line %d; choose a new version", v, r.Line)}
	}
	newest := c.newest()
	if newest != nil && semver.Compare("v"+v, "v"+newest.Version) <= 0 {
		return &Error{Line: newest.Line, Err: ErrVersionNotGreater, Msg: fmt.Sprintf(
			"cannot cut %s: expected a version greater than the newest release %s (line %d); choose a version above %s", v, newest.Version, newest.Line, newest.Version)}
	}

	st := headingStyle{bracket: true, sep: "-"}
	if len(c.releases) > 0 && !c.releases[0].style.inline {
		st = c.releases[0].style
	}
	label := v
	if st.v {
		label = "v" + v
	}
	heading := "## " + label
	if st.bracket {
		heading = "## [" + label + "]"
	}
	if st.sep != "" {
		heading += " " + st.sep
	}
	if st.paren {
		heading += " (" + date.Format(time.DateOnly) + ")"
	} else {
		heading += " " + date.Format(time.DateOnly)
	}

	// The new heading goes above the first entry: a preamble of blank
	// lines and HTML comments stays under [Unreleased].
	at, preamble := preambleEnd(c.src, u.hdrNext, u.bodyEnd)
	ins := c.eol + heading + c.eol
	if preamble {
		ins = heading + c.eol + c.eol
		if !blankBefore(c.src, at) {
			ins = c.eol + ins
		}
	}
	edits := []edit{{off: at, ins: ins}}
	le, relURL, unrelURL, err := c.cutLinks(v, label, newest)
	if err != nil {
		return err
	}
	edits = append(edits, le...)
	out := applyEdits(c.src, edits)

	nc, err := parse(out)
	if err != nil {
		return &Error{Line: u.Line, Err: ErrCutConflict, Msg: fmt.Sprintf(
			"cutting %s produced a document that does not parse (%v); cut this release by hand", v, err)}
	}
	if nr := nc.byVersion[v]; nr == nil || nc.unreleased == nil ||
		nc.unreleased.Body != normBody(c.src[u.hdrNext:at]) ||
		len(nc.releases) != len(c.releases)+1 || nr.Body != normBody(c.src[at:u.bodyEnd]) ||
		(relURL != "" && (nc.Link(v) != relURL || nc.Link("Unreleased") != unrelURL)) {
		return &Error{Line: u.Line, Err: ErrCutConflict, Msg: fmt.Sprintf(
			"cutting %s did not produce the expected sections (unusual layout around [Unreleased] at line %d); cut this release by hand", v, u.Line)}
	}
	*c = *nc
	return nil
}

// preambleEnd returns where the entries of the body src[from:to] begin:
// after its leading blank lines and whole-line HTML comments (a comment may
// span lines), at the start of a line. preamble reports whether any such
// comment was found (blank lines alone are not a preamble to keep).
func preambleEnd(src string, from, to int) (at int, preamble bool) {
	at = from
	inComment, sawComment := false, false
	for off := from; off < to; {
		end := strings.IndexByte(src[off:to], '\n')
		next := to
		if end >= 0 {
			next = off + end + 1
		}
		t, open, saw := skipComments(strings.TrimSpace(src[off:next]), inComment)
		inComment, sawComment = open, sawComment || saw
		if t != "" {
			break // an entry or a heading: the body starts here
		}
		off = next
		if !inComment {
			at = off
		}
	}
	if !sawComment {
		return from, false
	}
	return at, true
}

// blankBefore reports whether the line before offset at is blank.
func blankBefore(src string, at int) bool {
	prev := strings.TrimRight(src[:at], "\r\n")
	i := strings.LastIndexByte(prev, '\n')
	return strings.TrimSpace(src[i+1:at]) == "" || strings.Count(src[i+1:at], "\n") > 1
}

// newest returns the release with the highest version, or nil.
func (c *Changelog) newest() *Release {
	var n *Release
	for _, r := range c.releases {
		if n == nil || semver.Compare("v"+r.Version, "v"+n.Version) > 0 {
			n = r
		}
	}
	return n
}

// hasEntries reports whether a body has content other than blank lines,
// headings and HTML comments.
func hasEntries(body string) bool {
	inComment := false
	for line := range strings.Lines(body) {
		var t string
		t, inComment, _ = skipComments(strings.TrimSpace(line), inComment)
		if t != "" && !strings.HasPrefix(t, "#") {
			return true
		}
	}
	return false
}

// skipComments drops the HTML comments that open the trimmed line t, given
// whether a comment is already open before it. It returns what follows
// them, whether a comment is still open at the end of the line, and whether
// a comment started on it.
func skipComments(t string, inComment bool) (rest string, open, started bool) {
	for t != "" {
		if inComment {
			i := strings.Index(t, "-->")
			if i < 0 {
				return "", true, started
			}
			inComment = false
			t = strings.TrimSpace(t[i+3:])
			continue
		}
		if !strings.HasPrefix(t, "<!--") {
			break
		}
		inComment, started = true, true
		t = t[4:]
	}
	return t, inComment, started
}

type edit struct {
	off, del int
	ins      string
}

func applyEdits(src string, edits []edit) string {
	slices.SortStableFunc(edits, func(a, b edit) int { return a.off - b.off })
	var b strings.Builder
	n := len(src)
	for _, e := range edits {
		n += len(e.ins)
	}
	b.Grow(n)
	p := 0
	for _, e := range edits {
		b.WriteString(src[p:e.off])
		b.WriteString(e.ins)
		p = e.off + e.del
	}
	b.WriteString(src[p:])
	return b.String()
}

// forge describes how a hosting service spells compare and tag URLs.
type forge struct {
	base    string // "https://github.com/o/r"
	compare string // "/compare/" or "/-/compare/"
	dots    string // "..." or ".."
	tag     string // "/releases/tag/" or "/-/tags/"
}

func (f forge) compareURL(from, to string) string { return f.base + f.compare + from + f.dots + to }
func (f forge) tagURL(tag string) string          { return f.base + f.tag + tag }

// markers recognised in existing links, most specific first.
var forgeMarkers = []struct {
	seg     string
	gitlab  bool
	compare bool
}{
	{"/-/compare/", true, true},
	{"/-/tags/", true, false},
	{"/-/releases/", true, false},
	{"/-/commits/", true, false},
	{"/-/tree/", true, false},
	{"/compare/", false, true},
	{"/releases/tag/", false, false},
	{"/commits/", false, false},
	{"/tree/", false, false},
}

// parseForgeURL recognises a GitHub- or GitLab-style link and returns the
// forge and the refs it names (from is "" unless it is a compare link).
func parseForgeURL(u string) (f forge, from, to string, ok bool) {
	if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		return f, "", "", false
	}
	for _, m := range forgeMarkers {
		i := strings.Index(u, m.seg)
		if i < 0 {
			continue
		}
		f.base = u[:i]
		if strings.Count(f.base, "/") < 4 { // scheme://host/owner/repo
			return f, "", "", false
		}
		rest := u[i+len(m.seg):]
		gitlab := m.gitlab || strings.Contains(strings.ToLower(f.base), "gitlab")
		f.compare, f.tag, f.dots = "/compare/", "/releases/tag/", "..."
		if gitlab {
			f.compare, f.tag = "/-/compare/", "/-/tags/"
		}
		if m.compare {
			f.compare = m.seg
			if a, b, found := strings.Cut(rest, "..."); found {
				from, to = a, b
			} else if a, b, found := strings.Cut(rest, ".."); found {
				from, to, f.dots = a, b, ".."
			} else {
				to = rest
			}
		} else {
			to = rest
		}
		return f, from, to, true
	}
	return f, "", "", false
}

// tagPrefix derives the tag naming from a ref that should name version:
// "v1.2.0" -> "v", "1.2.0" -> "", "pkg-1.2.0" -> "pkg-".
func tagPrefix(ref, version string) (string, bool) {
	if version == "" || !strings.HasSuffix(ref, version) {
		return "", false
	}
	p := ref[:len(ref)-len(version)]
	if strings.ContainsAny(p, "/?#.") {
		return "", false
	}
	return p, true
}

// cutLinks returns the edits that update the link references for a cut of
// version v with heading label label; prev is the newest release or nil.
// It also returns the URLs the new [version] and [Unreleased] links get ("" when none).
func (c *Changelog) cutLinks(v, label string, prev *Release) (es []edit, relURL, unrelURL string, err error) {
	var relLinks []int // release link defs in file order, [Unreleased] excluded
	for k, i := range c.linkByKey {
		if isVersionKey(k) {
			relLinks = append(relLinks, i)
		}
	}
	slices.Sort(relLinks)
	ui, hasU := c.linkByKey[keyUnreleased]
	if !hasU && len(relLinks) == 0 {
		return nil, "", "", nil
	}
	var (
		fg        forge
		haveForge bool
		prefix    string
		havePfx   bool
	)
	consider := func(url, version string) {
		f, from, to, ok := parseForgeURL(url)
		if !ok {
			return
		}
		if !haveForge {
			fg, haveForge = f, true
		}
		if havePfx {
			return
		}
		if version == "" { // [Unreleased]: from is the previous release
			if prev != nil {
				prefix, havePfx = tagPrefix(from, prev.Version)
			}
			if !havePfx {
				if _, ok := normVersion(from); ok {
					prefix, havePfx = "", true
					if strings.HasPrefix(from, "v") {
						prefix = "v"
					}
				}
			}
			return
		}
		prefix, havePfx = tagPrefix(to, version)
	}
	if hasU {
		consider(c.links[ui].URL, "")
	}
	for _, i := range relLinks {
		consider(c.links[i].URL, releaseKey(c.links[i].Label))
	}
	if !haveForge {
		l := c.links[ui]
		if !hasU {
			l = c.links[relLinks[0]]
		}
		return nil, "", "", &Error{Line: l.Line, Err: ErrLinkPattern, Msg: fmt.Sprintf(
			"cannot update the compare links: expected a GitHub (https://github.com/OWNER/REPO/compare/vA...vB) or GitLab (https://gitlab.com/GROUP/PROJECT/-/compare/vA...vB) link, found %q; fix the link, or remove the link references and add them after the cut", l.URL)}
	}
	if !havePfx {
		prefix = "v"
	}
	tag := prefix + v
	relURL = fg.tagURL(tag)
	if prev != nil {
		relURL = fg.compareURL(prefix+prev.Version, tag)
	}
	unrelURL = fg.compareURL(tag, "HEAD")
	newDef := "[" + label + "]: " + relURL
	if strings.ContainsAny(relURL, " \t") {
		newDef = "[" + label + "]: <" + relURL + ">"
	}
	if hasU {
		l := c.links[ui]
		es = []edit{{off: l.urlStart, del: l.urlEnd - l.urlStart, ins: unrelURL}}
		if c.src[l.next-1] == '\n' { // the line has a line ending
			es = append(es, edit{off: l.next, ins: newDef + c.eol})
		} else {
			es = append(es, edit{off: l.next, ins: c.eol + newDef})
		}
		return es, relURL, unrelURL, nil
	}
	first := c.links[relLinks[0]]
	return []edit{{off: first.start, ins: "[Unreleased]: " + unrelURL + c.eol + newDef + c.eol}}, relURL, unrelURL, nil
}
