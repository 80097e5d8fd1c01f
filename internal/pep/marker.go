package pep

import (
	"fmt"
	"slices"
	"strings"
)

// markerVariables are the environment marker variables of PEP 508, with
// the dotted spellings python3-packaging still accepts, and the "extras"
// and "dependency_groups" of PEP 751 (lock files).
var markerVariables = []string{
	"python_version", "python_full_version", "os_name", "sys_platform",
	"platform_release", "platform_system", "platform_version", "platform_machine",
	"platform_python_implementation", "implementation_name", "implementation_version",
	"extra", "extras", "dependency_groups",
	"os.name", "sys.platform", "platform.version", "platform.machine",
	"platform.python_implementation", "python_implementation",
}

// versionOperators are PEP 440's comparison operators, used by version
// clauses and markers alike; longest first, so that a prefix never wins.
var versionOperators = []string{"===", "==", "~=", "!=", "<=", ">=", "<", ">"}

// checkMarker checks s against PEP 508's marker grammar:
//
//	marker = and ("or" and)*
//	and    = atom ("and" atom)*
//	atom   = "(" marker ")" | value op value
//	value  = variable | 'string' | "string"
//	op     = "===" | "==" | "~=" | "!=" | "<=" | ">=" | "<" | ">" | "in" | "not" "in"
//
// It checks the syntax only: what a marker selects is the installer's
// business. The error is the reason, naming the offset.
func checkMarker(s string) error {
	p := markerParser{s: s}
	if err := p.or(); err != nil {
		return err
	}
	if p.skip(); p.i < len(p.s) {
		return p.fail(`expected "and", "or" or the end of the marker`)
	}
	return nil
}

type markerParser struct {
	s     string
	i     int
	depth int
}

func (p *markerParser) skip() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *markerParser) fail(expected string) error {
	found := "the end"
	if p.i < len(p.s) {
		found = fmt.Sprintf("%q", Clip(p.s[p.i:], 20))
	}
	return fmt.Errorf("marker %q: %s at offset %d, found %s", Clip(p.s, 80), expected, p.i, found)
}

// word consumes w when it is next and not followed by a name character.
func (p *markerParser) word(w string) bool {
	p.skip()
	if !strings.HasPrefix(p.s[p.i:], w) {
		return false
	}
	if end := p.i + len(w); end < len(p.s) && isNameByte(p.s[end]) {
		return false
	}
	p.i += len(w)
	return true
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.'
}

func (p *markerParser) or() error {
	for {
		if err := p.and(); err != nil {
			return err
		}
		if !p.word("or") {
			return nil
		}
	}
}

func (p *markerParser) and() error {
	for {
		if err := p.atom(); err != nil {
			return err
		}
		if !p.word("and") {
			return nil
		}
	}
}

func (p *markerParser) atom() error {
	if p.skip(); p.i < len(p.s) && p.s[p.i] == '(' {
		if p.depth++; p.depth > 100 {
			return p.fail("at most 100 nested parentheses")
		}
		p.i++
		if err := p.or(); err != nil {
			return err
		}
		if p.skip(); p.i >= len(p.s) || p.s[p.i] != ')' {
			return p.fail(`expected ")"`)
		}
		p.i++
		p.depth--
		return nil
	}
	if err := p.value(); err != nil {
		return err
	}
	if err := p.op(); err != nil {
		return err
	}
	return p.value()
}

func (p *markerParser) value() error {
	if p.skip(); p.i < len(p.s) && (p.s[p.i] == '\'' || p.s[p.i] == '"') {
		end := strings.IndexByte(p.s[p.i+1:], p.s[p.i])
		if end < 0 {
			return p.fail("expected the closing quote of a string")
		}
		p.i += end + 2
		return nil
	}
	j := p.i
	for j < len(p.s) && isNameByte(p.s[j]) {
		j++
	}
	if slices.Contains(markerVariables, p.s[p.i:j]) {
		p.i = j
		return nil
	}
	return p.fail("expected a marker variable (python_version, sys_platform, extra, …) or a quoted string")
}

func (p *markerParser) op() error {
	p.skip()
	for _, op := range versionOperators {
		if strings.HasPrefix(p.s[p.i:], op) {
			p.i += len(op)
			return nil
		}
	}
	if p.word("in") || p.word("not") && p.word("in") {
		return nil
	}
	return p.fail(`expected an operator (== != <= >= < > ~= === in "not in")`)
}
