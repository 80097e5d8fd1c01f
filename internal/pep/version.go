package pep

import (
	"fmt"
	"regexp"
	"strings"
)

// Version is a parsed PEP 440 version. Every field holds its normalised
// form, so [Version.String] is the canonical spelling (the one pip, build
// and PyPI use in file names and URLs).
type Version struct {
	Epoch   string   // decimal, no leading zeros; "0" when absent
	Release []string // decimal components, no leading zeros: ["0","11","0"]
	Pre     string   // "a1", "b0" or "rc2"; "" for none
	Post    string   // "post1"; "" for none
	Dev     string   // "dev0"; "" for none
	Local   string   // "ubuntu.1" (after "+"); "" for none
}

// String returns the normalised version, e.g. "1!2.0rc1.post2.dev3+abc.5".
func (v Version) String() string {
	var b strings.Builder
	if v.Epoch != "" && v.Epoch != "0" {
		b.WriteString(v.Epoch)
		b.WriteByte('!')
	}
	b.WriteString(strings.Join(v.Release, "."))
	b.WriteString(v.Pre)
	if v.Post != "" {
		b.WriteByte('.')
		b.WriteString(v.Post)
	}
	if v.Dev != "" {
		b.WriteByte('.')
		b.WriteString(v.Dev)
	}
	if v.Local != "" {
		b.WriteByte('+')
		b.WriteString(v.Local)
	}
	return b.String()
}

// IsPreRelease reports whether v is a pre-release or development release
// (1.0a1, 1.0rc1, 1.0.dev0).
func (v Version) IsPreRelease() bool { return v.Pre != "" || v.Dev != "" }

// IsFinal reports whether v is a plain final release: no epoch, pre, post,
// dev or local segment. Only final releases can match a strict tag.
func (v Version) IsFinal() bool {
	return (v.Epoch == "" || v.Epoch == "0") && v.Pre == "" && v.Post == "" && v.Dev == "" && v.Local == ""
}

// pep440Pattern is the version grammar of PEP 440's appendix B (as used by
// the reference implementation, packaging.version), anchored, on ASCII
// input that was lower-cased and trimmed beforehand. RE2 runs in linear
// time, so no input can make it backtrack.
var pep440Pattern = regexp.MustCompile(`^v?` +
	`(?:(?P<epoch>[0-9]+)!)?` +
	`(?P<release>[0-9]+(?:\.[0-9]+)*)` +
	`(?P<pre>[-_.]?(?P<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?P<pre_n>[0-9]+)?)?` +
	`(?P<post>(?:-(?P<post_n1>[0-9]+))|(?:[-_.]?(?P<post_l>post|rev|r)[-_.]?(?P<post_n2>[0-9]+)?))?` +
	`(?P<dev>[-_.]?(?P<dev_l>dev)[-_.]?(?P<dev_n>[0-9]+)?)?` +
	`(?:\+(?P<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?$`)

// maxVersionLen bounds the versions ParseVersion looks at.
const maxVersionLen = 256

// Whitespace is the white space PEP 440 allows (and ignores) around a
// version.
const Whitespace = " \t\n\r\f\v"

// ParseVersion parses a PEP 440 version and normalises it the way PEP 440
// (and pip) do: surrounding whitespace and a leading "v" are dropped, letters
// are lower-cased, numbers lose leading zeros ("01.2.3" is 1.2.3), the
// alternative spellings alpha/beta/c/pre/preview/rev/r become a/b/rc/post,
// implicit numbers become 0 ("1.0.post" is 1.0.post0), separators in the
// local label become ".". Trailing ".0" components are kept: "1.0" stays
// 1.0 (PEP 440 compares it equal to 1.0.0, but a strict tag does not).
//
// Only ASCII input is accepted. A refused version is an [*Error] of Kind
// "version" saying why.
func ParseVersion(version string) (Version, error) {
	fail := func(reason string) (Version, error) {
		return Version{}, &Error{Kind: "version", Input: version, Reason: reason}
	}
	if len(version) > maxVersionLen {
		return fail(fmt.Sprintf("it is %d bytes long (at most %d)", len(version), maxVersionLen))
	}
	for i := 0; i < len(version); i++ {
		if version[i] >= 0x80 {
			return fail(fmt.Sprintf("it contains a non-ASCII byte at offset %d", i))
		}
	}
	s := strings.ToLower(strings.Trim(version, Whitespace))
	if s == "" {
		return fail("it is empty")
	}
	m := pep440Pattern.FindStringSubmatch(s)
	if m == nil {
		return fail(pep440Reason(s))
	}
	g := func(name string) string { return m[pep440Pattern.SubexpIndex(name)] }

	v := Version{Epoch: "0"}
	if e := g("epoch"); e != "" {
		v.Epoch = stripZeros(e)
	}
	for _, c := range strings.Split(g("release"), ".") {
		v.Release = append(v.Release, stripZeros(c))
	}
	if g("pre") != "" {
		label := g("pre_l")
		switch label {
		case "alpha":
			label = "a"
		case "beta":
			label = "b"
		case "c", "pre", "preview":
			label = "rc"
		}
		v.Pre = label + numberOrZero(g("pre_n"))
	}
	if g("post") != "" {
		n := g("post_n1")
		if n == "" {
			n = g("post_n2")
		}
		v.Post = "post" + numberOrZero(n)
	}
	if g("dev") != "" {
		v.Dev = "dev" + numberOrZero(g("dev_n"))
	}
	if l := g("local"); l != "" {
		parts := strings.FieldsFunc(l, func(r rune) bool { return r == '-' || r == '_' || r == '.' })
		for i, p := range parts {
			if strings.Trim(p, "0123456789") == "" {
				parts[i] = stripZeros(p)
			}
		}
		v.Local = strings.Join(parts, ".")
	}
	return v, nil
}

// NormalizeVersion returns the normalised form of a PEP 440 version, e.g.
// "v01.2.3" gives "1.2.3" and "1.0-RC.1" gives "1.0rc1". See [ParseVersion].
func NormalizeVersion(version string) (string, error) {
	v, err := ParseVersion(version)
	if err != nil {
		return "", err
	}
	return v.String(), nil
}

// pep440Reason guesses, for a version the grammar refused, the most useful
// explanation.
func pep440Reason(s string) string {
	switch {
	case strings.Contains(s, ".."):
		return "it has an empty component (\"..\")"
	case strings.HasSuffix(s, "."):
		return "it ends with \".\""
	case strings.Count(s, "+") > 1:
		return "it has more than one \"+\""
	case strings.ContainsAny(s, " \t\n\r\f\v"):
		return "it contains whitespace"
	case s[0] < '0' || s[0] > '9':
		if s[0] != 'v' || len(s) < 2 || s[1] < '0' || s[1] > '9' {
			return "it does not start with a number"
		}
	}
	return "it does not follow the PEP 440 grammar [N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]"
}

// stripZeros removes leading zeros from a run of ASCII digits, keeping a
// single "0".
func stripZeros(digits string) string {
	t := strings.TrimLeft(digits, "0")
	if t == "" {
		return "0"
	}
	return t
}

func numberOrZero(digits string) string {
	if digits == "" {
		return "0"
	}
	return stripZeros(digits)
}
