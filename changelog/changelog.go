package changelog

import (
	"slices"
	"strings"

	"golang.org/x/mod/semver"
)

// Changelog is a parsed Keep a Changelog document. The zero value is not
// usable; obtain one from Parse. A Changelog is not safe for concurrent use
// while Cut runs.
type Changelog struct {
	src        string     // the document
	eol        string     // line ending for inserted lines: "\n" or "\r\n"
	all        []*Release // every section in file order, [Unreleased] included
	releases   []*Release // released sections in file order
	unreleased *Release
	byVersion  map[string]*Release
	links      []LinkRef
	linkByKey  map[string]int // releaseKey(label) -> index of its first definition in links
	others     []otherHeading // level-2 headings that are not release headings
}

// Release is one section of the changelog: a released version or the
// [Unreleased] section.
type Release struct {
	Version string // "0.11.0" without "v"; "" for Unreleased
	Date    string // "2024-05-01" as written; "" when absent
	Yanked  bool   // "## [1.0.0] - 2024-01-01 [YANKED]"
	// Body is the Markdown between this heading and the next release
	// heading (or the start of the link-reference block), with line endings
	// normalised to "\n", leading blank lines and trailing white space removed.
	Body    string
	Line    int    // 1-based line of the heading
	Heading string // the heading line as written, without its line ending

	sections []Section
	url      string // inline link of the heading: "## [1.0.0](URL) (date)"
	style    headingStyle
	dateText string // everything after the version (separator and [YANKED] removed)
	hdrNext  int    // byte offset just after the heading line's ending
	bodyEnd  int    // byte offset where the body's lines end
}

// Section is a "###" subsection of a release ("### Added", "### Fixed", or
// any other name). Repeated names are kept as separate Sections.
type Section struct {
	Name string // heading text, e.g. "Added"
	Line int    // 1-based line of the "###" heading
	Body string // Markdown up to the next "###" or the end of the release body, trimmed like Release.Body
}

// LinkRef is a Markdown link reference definition ("[label]: URL") found
// outside code blocks and HTML comments.
type LinkRef struct {
	Label string // as written between the brackets
	URL   string
	Line  int // 1-based

	urlStart, urlEnd int // byte offsets of the URL in the document
	start, next      int // start of the line; start of the next line
}

type headingStyle struct {
	bracket bool   // "[1.0.0]" rather than "1.0.0"
	v       bool   // "v1.0.0"
	sep     string // "-", "–", "—" or "" (none)
	inline  bool   // "[1.0.0](URL)"
	paren   bool   // "(2024-05-01)"
}

type otherHeading struct {
	line         int
	text         string
	looksVersion bool
}

// Sections returns the "###" subsections of r in file order.
func (r *Release) Sections() []Section { return slices.Clone(r.sections) }

// Unreleased reports whether r is the [Unreleased] section.
func (r *Release) Unreleased() bool { return r.Version == "" }

// Releases returns the released sections (not [Unreleased]) in file order.
func (c *Changelog) Releases() []*Release { return slices.Clone(c.releases) }

// Unreleased returns the [Unreleased] section, or nil when there is none.
func (c *Changelog) Unreleased() *Release { return c.unreleased }

// Release returns the section for version ("0.11.0" or "v0.11.0"; "" or
// "Unreleased" in any case return the [Unreleased] section), or nil if
// absent. Versions match exactly, pre-release and build suffixes included.
func (c *Changelog) Release(version string) *Release {
	k := releaseKey(version)
	if k == keyUnreleased || k == "" {
		return c.unreleased
	}
	return c.byVersion[k]
}

// Links returns every link reference definition in file order.
func (c *Changelog) Links() []LinkRef { return slices.Clone(c.links) }

// Link returns the URL that the link reference for version ("1.2.0",
// "v1.2.0" or "Unreleased") points to, typically a compare link. A link
// written inline in the heading ("## [1.2.0](URL)") is used when there is no
// reference definition. Any other label ("#123") resolves too, matched as
// Markdown does (case-insensitively). It returns "" when there is none.
func (c *Changelog) Link(version string) string {
	k := releaseKey(version)
	if i, ok := c.linkByKey[k]; ok {
		return c.links[i].URL
	}
	if r := c.Release(version); r != nil {
		return r.url
	}
	return ""
}

// Notes returns the Body of version's section ("1.2.0", "v1.2.0" or
// "Unreleased") made self-contained for use as release notes elsewhere: the
// link reference definitions that the body uses ("[#123]", "[docs]") but
// that are defined outside the section, typically at the bottom of the
// file, are appended after a blank line, in order of first use. It returns
// "" when there is no such section.
func (c *Changelog) Notes(version string) string {
	r := c.Release(version)
	if r == nil {
		return ""
	}
	var defs []string
	seen := make(map[string]bool)
	b := r.Body
	for {
		i := strings.IndexByte(b, '[')
		if i < 0 {
			break
		}
		b = b[i+1:]
		j := strings.IndexAny(b, "[]")
		if j < 0 {
			break
		}
		if b[j] == '[' {
			continue
		}
		k := releaseKey(b[:j])
		b = b[j+1:]
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		li, ok := c.linkByKey[k]
		if !ok {
			continue
		}
		l := c.links[li]
		if l.start >= r.hdrNext && l.start < r.bodyEnd {
			continue // defined inside the body already
		}
		defs = append(defs, "["+l.Label+"]: "+c.src[l.urlStart:l.urlEnd])
	}
	if len(defs) == 0 {
		return r.Body
	}
	return r.Body + "\n\n" + strings.Join(defs, "\n")
}

// Bytes returns the document. Without a Cut it is byte-identical to the
// input of Parse (BOM, line endings and all).
func (c *Changelog) Bytes() []byte { return []byte(c.src) }

const bom = "\xef\xbb\xbf"

const keyUnreleased = "unreleased"

// releaseKey maps a version or link label to the key used for lookups:
// "unreleased", a version without "v", or (for other labels) the label
// case-folded with white space collapsed, as Markdown matches labels.
func releaseKey(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if v, ok := normVersion(s); ok {
		return v
	}
	return strings.ToLower(s)
}

// isVersionKey reports whether a key from releaseKey names a version.
func isVersionKey(k string) bool {
	_, ok := normVersion(k)
	return ok
}

// normVersion accepts "1.2.3" or "v1.2.3", with optional semver pre-release
// and build suffixes, and returns it without "v".
func normVersion(s string) (string, bool) {
	s = strings.TrimPrefix(s, "v")
	if s == "" || s[0] < '0' || s[0] > '9' || !semver.IsValid("v"+s) {
		return "", false
	}
	core := s
	if i := strings.IndexAny(core, "-+"); i >= 0 {
		core = core[:i]
	}
	if strings.Count(core, ".") != 2 {
		return "", false // semver.IsValid accepts the "v1.2" shorthand
	}
	return s, true
}

// looksLikeVersion reports whether a heading label was probably meant as a
// version ("1.2", "v1.2.3.4", "01.2.3").
func looksLikeVersion(s string) bool {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "v"), "V")
	return s != "" && s[0] >= '0' && s[0] <= '9' && strings.Contains(s, ".")
}

// Parse parses a Keep a Changelog document. It fails only on a duplicate
// release (a *DuplicateError); everything else that is odd is accepted and
// reported by Lint.
func Parse(src []byte) (*Changelog, error) {
	return parse(string(src)) // a copy: bodies are substrings of it
}

func parse(src string) (*Changelog, error) {
	c := &Changelog{
		src:       src,
		eol:       detectEOL(src),
		byVersion: make(map[string]*Release),
		linkByKey: make(map[string]int),
	}
	var (
		fenceCh    byte
		fenceLen   int
		inComment  bool
		cur        *Release
		footer     bool // the link-reference block began inside cur
		bodyEnd    int
		sub        *Section
		subStart   int
		seen       = make(map[string]int)
		lineNo     int
		p          int
		curSubs    []Section
		finishSub  func(end int)
		finishCurr func(end int)
	)
	finishSub = func(end int) {
		if sub == nil {
			return
		}
		sub.Body = normBody(src[subStart:end])
		curSubs = append(curSubs, *sub)
		sub = nil
	}
	finishCurr = func(end int) {
		if cur == nil {
			return
		}
		if !footer {
			bodyEnd = end
		}
		finishSub(bodyEnd)
		cur.Body = normBody(src[cur.hdrNext:bodyEnd])
		cur.bodyEnd = bodyEnd
		cur.sections = curSubs
		curSubs = nil
		cur = nil
		footer = false
	}
	if strings.HasPrefix(src, bom) {
		p = len(bom)
	}
	for p < len(src) {
		lineNo++
		start := p
		end, next := len(src), len(src)
		if i := strings.IndexByte(src[p:], '\n'); i >= 0 {
			end, next = p+i, p+i+1
		}
		p = next
		if end > start && src[end-1] == '\r' {
			end--
		}
		line := src[start:end]

		if fenceLen > 0 {
			if closesFence(line, fenceCh, fenceLen) {
				fenceLen = 0
			}
			continue
		}
		if inComment {
			if strings.Contains(line, "-->") {
				inComment = false
			}
			continue
		}
		trimmed := strings.TrimLeft(line, " \t")
		if ch, n, ok := opensFence(trimmed); ok {
			fenceCh, fenceLen = ch, n
			continue
		}
		if strings.HasPrefix(trimmed, "<!--") {
			inComment = !strings.Contains(trimmed, "-->")
			continue
		}
		if level, text, ok := atxHeading(line); ok {
			switch {
			case level == 2:
				h, kind := parseReleaseHeading(text)
				if kind != headingRelease && kind != headingUnreleased {
					c.others = append(c.others, otherHeading{line: lineNo, text: text, looksVersion: kind == headingBadVersion})
					continue
				}
				key := h.Version
				if kind == headingUnreleased {
					key = keyUnreleased
				}
				if first, dup := seen[key]; dup {
					return nil, &DuplicateError{Version: h.Version, Line: lineNo, FirstLine: first}
				}
				seen[key] = lineNo
				finishCurr(start)
				r := h
				r.Line = lineNo
				r.Heading = line
				r.hdrNext = next
				cur = &r
				c.all = append(c.all, cur)
				if kind == headingUnreleased {
					c.unreleased = cur
				} else {
					c.releases = append(c.releases, cur)
					c.byVersion[key] = cur
				}
				continue
			case level == 3 && cur != nil && !footer:
				finishSub(start)
				sub = &Section{Name: text, Line: lineNo}
				subStart = next
				continue
			}
			continue
		}
		if label, us, ue, ok := parseLinkDef(line); ok {
			c.links = append(c.links, LinkRef{
				Label: label, URL: line[us:ue], Line: lineNo,
				urlStart: start + us, urlEnd: start + ue, start: start, next: next,
			})
			k := releaseKey(label)
			if _, dup := c.linkByKey[k]; !dup {
				c.linkByKey[k] = len(c.links) - 1
			}
			if isVersionKey(k) || k == keyUnreleased {
				if cur != nil && !footer {
					footer = true
					bodyEnd = start
					finishSub(start)
				}
			}
		}
	}
	finishCurr(len(src))
	return c, nil
}

func detectEOL(src string) string {
	if i := strings.IndexByte(src, '\n'); i > 0 && src[i-1] == '\r' {
		return "\r\n"
	}
	return "\n"
}

// normBody converts CRLF to LF, drops leading blank lines and trailing
// white space.
func normBody(b string) string {
	// drop leading blank lines
	for len(b) > 0 {
		i := strings.IndexByte(b, '\n')
		if i < 0 {
			if len(strings.TrimSpace(b)) == 0 {
				b = ""
			}
			break
		}
		if len(strings.TrimSpace(b[:i])) != 0 {
			break
		}
		b = b[i+1:]
	}
	b = strings.TrimRight(b, " \t\r\n")
	if !strings.Contains(b, "\r\n") {
		return b
	}
	return strings.ReplaceAll(b, "\r\n", "\n")
}

// opensFence reports whether a line (leading white space removed) opens a
// fenced code block: three or more backticks or tildes. A backtick fence's
// info string may not contain a backtick (that is inline code).
func opensFence(t string) (ch byte, n int, ok bool) {
	if len(t) < 3 || (t[0] != '`' && t[0] != '~') {
		return 0, 0, false
	}
	ch = t[0]
	for n < len(t) && t[n] == ch {
		n++
	}
	if n < 3 {
		return 0, 0, false
	}
	if ch == '`' && strings.IndexByte(t[n:], '`') >= 0 {
		return 0, 0, false
	}
	return ch, n, true
}

// closesFence: the same character, at least as many, nothing but white space after.
func closesFence(line string, ch byte, n int) bool {
	t := strings.TrimLeft(line, " \t")
	m := 0
	for m < len(t) && t[m] == ch {
		m++
	}
	return m >= n && len(strings.TrimSpace(t[m:])) == 0
}

// atxHeading parses "## text ##" with at most three spaces of indentation.
func atxHeading(line string) (level int, text string, ok bool) {
	i := 0
	for i < len(line) && i < 3 && line[i] == ' ' {
		i++
	}
	for i+level < len(line) && line[i+level] == '#' {
		level++
	}
	if level == 0 || level > 6 {
		return 0, "", false
	}
	rest := line[i+level:]
	if len(rest) > 0 && rest[0] != ' ' && rest[0] != '\t' {
		return 0, "", false
	}
	t := strings.TrimSpace(rest)
	// optional closing sequence: a run of '#' preceded by white space (or alone)
	if j := strings.TrimRight(t, "#"); len(j) < len(t) {
		if j == "" {
			t = ""
		} else if last := j[len(j)-1]; last == ' ' || last == '\t' {
			t = strings.TrimSpace(j)
		}
	}
	return level, t, true
}

const (
	headingOther = iota
	headingBadVersion
	headingUnreleased
	headingRelease
)

var dashSeps = []string{"-", "–", "—"}

// parseReleaseHeading interprets the text of a level-2 heading.
func parseReleaseHeading(text string) (Release, int) {
	var r Release
	var label, rest string
	if strings.HasPrefix(text, "[") {
		j := strings.IndexByte(text, ']')
		if j < 0 {
			return r, headingOther
		}
		label, rest = text[1:j], text[j+1:]
		r.style.bracket = true
		switch {
		case strings.HasPrefix(rest, "("):
			if k := strings.IndexByte(rest, ')'); k > 0 {
				r.url = strings.TrimSpace(rest[1:k])
				rest = rest[k+1:]
				r.style.inline = true
			}
		case strings.HasPrefix(rest, "["): // "[1.0.0][ref]"
			if k := strings.IndexByte(rest, ']'); k > 0 {
				rest = rest[k+1:]
				r.style.inline = true
			}
		}
	} else {
		label, rest = text, ""
		if i := strings.IndexAny(text, " \t"); i >= 0 {
			label, rest = text[:i], text[i:]
		}
	}
	label = strings.TrimSpace(label)
	kind := headingRelease
	switch v, ok := normVersion(label); {
	case strings.EqualFold(label, "unreleased"):
		kind = headingUnreleased
	case ok:
		r.Version = v
		r.style.v = strings.HasPrefix(label, "v")
	case looksLikeVersion(label):
		return r, headingBadVersion
	default:
		return r, headingOther
	}
	rest = strings.TrimSpace(rest)
	if i := indexFold(rest, "[yanked]"); i >= 0 {
		r.Yanked = true
		rest = strings.TrimSpace(rest[:i] + rest[i+len("[yanked]"):])
	}
	for _, s := range dashSeps {
		if strings.HasPrefix(rest, s) {
			r.style.sep = s
			rest = strings.TrimSpace(rest[len(s):])
			break
		}
	}
	r.dateText = rest
	if tok, _, _ := strings.Cut(rest, " "); tok != "" {
		if len(tok) > 2 && tok[0] == '(' && tok[len(tok)-1] == ')' {
			tok = tok[1 : len(tok)-1]
			r.style.paren = true
		}
		if strings.ContainsAny(tok, "0123456789") {
			r.Date = tok
		}
	}
	return r, kind
}

// indexFold is strings.Index for an ASCII lower-case needle, ignoring case.
func indexFold(s, needle string) int {
	for i := 0; i+len(needle) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(needle)], needle) {
			return i
		}
	}
	return -1
}

// parseLinkDef parses a one-line link reference definition
// `[label]: URL "optional title"` with at most three spaces of indentation.
// It returns the URL's byte range within line.
func parseLinkDef(line string) (label string, us, ue int, ok bool) {
	i := 0
	for i < len(line) && i < 3 && line[i] == ' ' {
		i++
	}
	if i >= len(line) || line[i] != '[' {
		return "", 0, 0, false
	}
	j := i + 1
	for j < len(line) && line[j] != ']' {
		if line[j] == '[' {
			return "", 0, 0, false
		}
		if line[j] == '\\' && j+1 < len(line) {
			j++
		}
		j++
	}
	if j+1 >= len(line) || line[j] != ']' || line[j+1] != ':' || len(strings.TrimSpace(line[i+1:j])) == 0 {
		return "", 0, 0, false
	}
	label = line[i+1 : j]
	k := j + 2
	for k < len(line) && (line[k] == ' ' || line[k] == '\t') {
		k++
	}
	if k >= len(line) {
		return "", 0, 0, false
	}
	if line[k] == '<' {
		e := strings.IndexByte(line[k+1:], '>')
		if e <= 0 {
			return "", 0, 0, false
		}
		us, ue = k+1, k+1+e
		k = ue + 1
	} else {
		us = k
		for k < len(line) && line[k] != ' ' && line[k] != '\t' {
			k++
		}
		ue = k
	}
	rest := strings.TrimSpace(line[k:])
	if len(rest) > 0 {
		if k < len(line) && line[k] != ' ' && line[k] != '\t' {
			return "", 0, 0, false // "<url>junk"
		}
		open, last := rest[0], rest[len(rest)-1]
		closeCh := open
		if open == '(' {
			closeCh = ')'
		}
		if (open != '"' && open != '\'' && open != '(') || len(rest) < 2 || last != closeCh {
			return "", 0, 0, false
		}
	}
	return label, us, ue, true
}
