package preflight

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/mod/semver"
)

// ErrInvalidTag is the condition behind every [TagError]: the tag is not a
// strict release tag vMAJOR.MINOR.PATCH.
var ErrInvalidTag = errors.New("preflight: invalid release tag")

// TagError reports why a tag is not a strict release tag. It unwraps to
// [ErrInvalidTag].
type TagError struct {
	Tag    string // the tag as given
	Reason string // why it was refused, e.g. `it has a pre-release suffix "-rc1"`
}

// validTagHint is appended to every TagError message.
const validTagHint = "a release tag is \"v\" followed by MAJOR.MINOR.PATCH in ASCII digits without leading zeros, pre-release or build suffix, e.g. v1.2.3"

func (e *TagError) Error() string {
	return fmt.Sprintf("preflight: invalid release tag %q: %s; %s", e.Tag, e.Reason, validTagHint)
}

// Unwrap returns [ErrInvalidTag].
func (e *TagError) Unwrap() error { return ErrInvalidTag }

// maxTagLen bounds the tags ParseTag looks at; real tags are a dozen bytes.
const maxTagLen = 128

// ParseTag checks that tag is a strict release tag and returns its version
// without the "v": "v0.11.0" gives "0.11.0".
//
// A strict release tag is "v" followed by exactly three dot-separated ASCII
// decimal numbers without leading zeros (a lone "0" is fine): v0.11.0,
// v1.2.3, v10.0.0. Everything else is refused with a [*TagError] that says
// why: a missing or doubled "v", the semver shorthands v1 and v1.2, leading
// zeros (v01.2.3), pre-release (v0.9.0-rc1) and build (v1.2.3+meta)
// suffixes, whitespace, and non-ASCII digits.
func ParseTag(tag string) (string, error) {
	if reason := tagProblem(tag); reason != "" {
		return "", &TagError{Tag: tag, Reason: reason}
	}
	return tag[1:], nil
}

// tagProblem returns why tag is not strict, or "" when it is.
func tagProblem(tag string) string {
	if tag == "" {
		return "it is empty"
	}
	if len(tag) > maxTagLen {
		return fmt.Sprintf("it is %d bytes long (at most %d)", len(tag), maxTagLen)
	}
	if !utf8.ValidString(tag) {
		return "it is not valid UTF-8"
	}
	for i, r := range tag {
		switch {
		case r >= utf8.RuneSelf:
			return fmt.Sprintf("it contains the non-ASCII character %q at byte %d (only ASCII digits are allowed)", r, i)
		case r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f':
			return fmt.Sprintf("it contains whitespace at byte %d", i)
		case r < 0x20 || r == 0x7f:
			return fmt.Sprintf("it contains the control character %q at byte %d", r, i)
		}
	}
	if strings.HasPrefix(tag, "refs/") {
		return "it is a Git ref, not a tag name (strip the \"refs/tags/\" prefix)"
	}
	switch {
	case tag[0] == 'V':
		return "it starts with an upper-case \"V\"; use a lower-case \"v\""
	case tag[0] != 'v':
		if tag[0] >= '0' && tag[0] <= '9' {
			return fmt.Sprintf("it lacks the leading \"v\" (did you mean %q?)", "v"+tag)
		}
		return "it does not start with \"v\""
	case strings.HasPrefix(tag, "vv"):
		return "it starts with a doubled \"vv\""
	}
	rest := tag[1:]
	if i := strings.IndexByte(rest, '+'); i >= 0 {
		return fmt.Sprintf("it has build metadata %q; build metadata is not allowed in a release tag", rest[i:])
	}
	if i := strings.IndexByte(rest, '-'); i >= 0 {
		return fmt.Sprintf("it has a pre-release suffix %q; pre-releases are not released from a strict tag", rest[i:])
	}
	parts := strings.Split(rest, ".")
	for i, p := range parts {
		name := [...]string{"MAJOR", "MINOR", "PATCH"}[min(i, 2)]
		if i > 2 {
			name = fmt.Sprintf("component %d", i+1)
		}
		if p == "" {
			return fmt.Sprintf("%s is empty", name)
		}
		for j := 0; j < len(p); j++ {
			if p[j] < '0' || p[j] > '9' {
				return fmt.Sprintf("%s %q is not a decimal number", name, p)
			}
		}
		if len(p) > 1 && p[0] == '0' {
			return fmt.Sprintf("%s %q has a leading zero (write %q)", name, p, strings.TrimLeft(p, "0"))
		}
	}
	switch n := len(parts); {
	case n < 3:
		full := rest + strings.Repeat(".0", 3-n)
		return fmt.Sprintf("it has %d numeric component(s), not the 3 of MAJOR.MINOR.PATCH (did you mean %q?)", n, "v"+full)
	case n > 3:
		return fmt.Sprintf("it has %d numeric components, not the 3 of MAJOR.MINOR.PATCH", n)
	}
	// Belt and braces: the structural rules above are stricter than semver;
	// semver must agree that this is a canonical release version.
	if !semver.IsValid(tag) || semver.Canonical(tag) != tag || semver.Prerelease(tag) != "" || semver.Build(tag) != "" {
		return "it is not a canonical semantic version"
	}
	return ""
}
