package pep

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Requirement is a parsed PEP 508 dependency specification, as found in a
// wheel's METADATA "Requires-Dist" fields.
type Requirement struct {
	// Name as written, and Normalized per PEP 503 (lowercase, runs of
	// "-", "_", "." replaced by "-").
	Name, Normalized string
	Extras           []string
	// Specifier is the version specifier with white space removed, e.g.
	// ">=2.0,<3"; empty when none.
	Specifier string
	// URL is set for "name @ url" requirements.
	URL string
	// Marker is the environment marker after ";", trimmed, its syntax
	// checked against PEP 508's grammar; empty when none.
	Marker string
}

var (
	pep508Name   = regexp.MustCompile(`^(?i:[a-z0-9][a-z0-9._-]*[a-z0-9]|[a-z0-9])`)
	pep508Clause = regexp.MustCompile(`^(` + strings.Join(versionOperators, "|") + `)\s*([A-Za-z0-9._+!*-]+)$`)
	extraMarker  = regexp.MustCompile(`\bextra\s*==`)
)

// ParseRequirement parses one PEP 508 requirement ("requests[socks]
// (>=2.31,<3) ; python_version >= '3.8'", "pkg @ https://…"). A refused
// requirement is an [*Error] of Kind "requirement" saying why.
func ParseRequirement(s string) (Requirement, error) {
	var r Requirement
	fail := func(why string) (Requirement, error) {
		return Requirement{}, &Error{Kind: "requirement", Input: s, Reason: why}
	}
	if strings.ContainsAny(s, "\r\n\x00") {
		return fail("expected a single line")
	}
	rest := strings.TrimSpace(s)
	name := pep508Name.FindString(rest)
	if name == "" {
		return fail("expected a project name first")
	}
	r.Name, r.Normalized = name, NormalizeName(name)
	withMarker := func(r Requirement, m string) (Requirement, error) {
		r.Marker = strings.TrimSpace(m)
		if r.Marker == "" {
			return fail("empty marker after \";\"")
		}
		if err := checkMarker(r.Marker); err != nil {
			return fail(err.Error())
		}
		return r, nil
	}
	rest = strings.TrimLeft(rest[len(name):], " \t")
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return fail("unclosed \"[\" of extras")
		}
		for _, e := range strings.Split(rest[1:end], ",") {
			e = strings.TrimSpace(e)
			if e == "" {
				continue
			}
			if pep508Name.FindString(e) != e {
				return fail(fmt.Sprintf("extra %q is not a valid name", e))
			}
			r.Extras = append(r.Extras, e)
		}
		rest = strings.TrimLeft(rest[end+1:], " \t")
	}
	if strings.HasPrefix(rest, "@") {
		// The URL runs to the first white space; a marker after it needs
		// that white space before its ";".
		rest = strings.TrimLeft(rest[1:], " \t")
		u := rest
		if i := strings.IndexAny(rest, " \t"); i >= 0 {
			u, rest = rest[:i], strings.TrimLeft(rest[i:], " \t")
		} else {
			rest = ""
		}
		if err := checkURL(u); err != nil {
			return fail(err.Error())
		}
		r.URL = u
		if rest == "" {
			return r, nil
		}
		if rest[0] != ';' {
			return fail("expected white space and \";\" (a marker) or the end after the URL")
		}
		return withMarker(r, rest[1:])
	}
	spec, marker, hasMarker := strings.Cut(rest, ";")
	if hasMarker {
		var err error
		if r, err = withMarker(r, marker); err != nil {
			return r, err
		}
	}
	spec = strings.TrimSpace(spec)
	if strings.HasPrefix(spec, "(") {
		if !strings.HasSuffix(spec, ")") {
			return fail("unclosed \"(\" of the version specifier")
		}
		spec = strings.TrimSpace(spec[1 : len(spec)-1])
	}
	if spec != "" {
		var clauses []string
		for _, c := range strings.Split(spec, ",") {
			m := pep508Clause.FindStringSubmatch(strings.TrimSpace(c))
			if m == nil {
				return fail(fmt.Sprintf("version clause %q: expected an operator (~= == != <= >= < > ===) and a version", strings.TrimSpace(c)))
			}
			if err := checkClause(m[1], m[2]); err != nil {
				return fail(fmt.Sprintf("version clause %q: %v", strings.TrimSpace(c), err))
			}
			clauses = append(clauses, m[1]+m[2])
		}
		r.Specifier = strings.Join(clauses, ",")
	}
	return r, nil
}

// PinnedVersion returns the version of an exact "==X" pin (no wildcard),
// or "".
func (r Requirement) PinnedVersion() string {
	if strings.HasPrefix(r.Specifier, "==") && !strings.HasPrefix(r.Specifier, "===") && !strings.Contains(r.Specifier, ",") && !strings.Contains(r.Specifier, "*") {
		return r.Specifier[2:]
	}
	return ""
}

// Optional reports whether the requirement only applies with an extra
// ("; extra == 'dev'").
func (r Requirement) Optional() bool {
	return extraMarker.MatchString(r.Marker)
}

// checkURL checks the URL of a "name @ url" requirement as
// python3-packaging does: a scheme and a host, or a file: URL.
func checkURL(u string) error {
	if u == "" {
		return fmt.Errorf("expected a URL after \"@\"")
	}
	parsed, err := url.Parse(u)
	if err != nil || parsed.Scheme == "" || (parsed.Host == "" && parsed.Scheme != "file") {
		return fmt.Errorf("URL %q: expected scheme://host/path (or a file: URL)", Clip(u, 80))
	}
	return nil
}

// checkClause checks a version clause's version as PEP 440 specifies it
// for its operator: "===" takes any string; "==" and "!=" a version or a
// release prefix ("1.2.*"); "~=" a version of two release numbers or
// more; the others a version without a local part.
func checkClause(op, v string) error {
	if op == "===" {
		return nil
	}
	if (op == "==" || op == "!=") && strings.HasSuffix(v, ".*") {
		pv, err := ParseVersion(strings.TrimSuffix(v, ".*"))
		if err != nil || pv.Pre != "" || pv.Post != "" || pv.Dev != "" || pv.Local != "" {
			return fmt.Errorf("expected release numbers before \".*\", such as 1.2.*")
		}
		return nil
	}
	pv, err := ParseVersion(v)
	if err != nil {
		return fmt.Errorf("expected a PEP 440 version: %s", Reason(err))
	}
	if pv.Local != "" && op != "==" && op != "!=" {
		return fmt.Errorf("a local version (+%s) is only allowed with == and !=", pv.Local)
	}
	if op == "~=" && len(pv.Release) < 2 {
		return fmt.Errorf("~= needs a version of at least two numbers, such as ~=1.4")
	}
	return nil
}
