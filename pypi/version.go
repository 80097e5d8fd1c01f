package pypi

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// pep440 is the canonical PEP 440 version pattern (appendix B of the PEP),
// anchored and case-insensitive.
var pep440 = regexp.MustCompile(`(?i)^\s*v?` +
	`(?:(?P<epoch>[0-9]+)!)?` +
	`(?P<release>[0-9]+(?:\.[0-9]+)*)` +
	`(?P<pre>[-_\.]?(?P<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_\.]?(?P<pre_n>[0-9]+)?)?` +
	`(?P<post>(?:-(?P<post_n1>[0-9]+))|(?:[-_\.]?(?P<post_l>post|rev|r)[-_\.]?(?P<post_n2>[0-9]+)?))?` +
	`(?P<dev>[-_\.]?(?P<dev_l>dev)[-_\.]?(?P<dev_n>[0-9]+)?)?` +
	`(?:\+(?P<local>[a-z0-9]+(?:[-_\.][a-z0-9]+)*))?` +
	`\s*$`)

var localSep = regexp.MustCompile(`[-_\.]`)

// NormalizeVersion returns the PEP 440 normalised form of v (for example
// "1.0.0-RC1" → "1.0.0rc1", "v1.2" → "1.2", "1.0-1" → "1.0.post1"), or an
// error wrapping [ErrInvalidVersion] when v is not a PEP 440 version.
func NormalizeVersion(v string) (string, error) {
	if len(v) > 256 {
		return "", fmt.Errorf("%w: version is %d bytes long; expected a PEP 440 version such as 1.2.3", ErrInvalidVersion, len(v))
	}
	m := pep440.FindStringSubmatch(v)
	if m == nil {
		return "", fmt.Errorf("%w: %q is not a PEP 440 version (expected something like 1.2.3, 1.2.3rc1, 1.2.3.post1)", ErrInvalidVersion, v)
	}
	g := func(name string) string { return m[pep440.SubexpIndex(name)] }
	var b strings.Builder
	num := func(s string) string {
		s = strings.TrimLeft(s, "0")
		if s == "" {
			return "0"
		}
		return s
	}
	if e := g("epoch"); e != "" && num(e) != "0" {
		b.WriteString(num(e))
		b.WriteByte('!')
	}
	for i, part := range strings.Split(g("release"), ".") {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(num(part))
	}
	if g("pre") != "" {
		switch strings.ToLower(g("pre_l")) {
		case "alpha", "a":
			b.WriteString("a")
		case "beta", "b":
			b.WriteString("b")
		default: // c, rc, pre, preview
			b.WriteString("rc")
		}
		b.WriteString(num(g("pre_n")))
	}
	if g("post") != "" {
		n := g("post_n1")
		if n == "" {
			n = g("post_n2")
		}
		b.WriteString(".post")
		b.WriteString(num(n))
	}
	if g("dev") != "" {
		b.WriteString(".dev")
		b.WriteString(num(g("dev_n")))
	}
	if l := g("local"); l != "" {
		b.WriteByte('+')
		parts := localSep.Split(strings.ToLower(l), -1)
		for i, p := range parts {
			if i > 0 {
				b.WriteByte('.')
			}
			if _, err := strconv.ParseUint(p, 10, 64); err == nil {
				p = num(p)
			}
			b.WriteString(p)
		}
	}
	return b.String(), nil
}

var (
	nameRe  = regexp.MustCompile(`(?i)^([a-z0-9]|[a-z0-9][a-z0-9._-]*[a-z0-9])$`)
	nameSep = regexp.MustCompile(`[-_.]+`)
)

// NormalizeName returns the PEP 503 normalised project name: lower case,
// runs of "-", "_" and "." replaced by a single "-" ("Foo.Bar_baz" →
// "foo-bar-baz").
func NormalizeName(name string) string {
	return strings.ToLower(nameSep.ReplaceAllString(name, "-"))
}

// validName reports whether name is a valid core-metadata project name.
func validName(name string) bool { return len(name) <= 256 && nameRe.MatchString(name) }

// sdistName is the PEP 625 file-name form of a project name: the PEP 503
// normalised name with "_" in place of "-".
func sdistName(name string) string {
	return strings.ReplaceAll(NormalizeName(name), "-", "_")
}
