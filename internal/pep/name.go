package pep

import (
	"regexp"
	"strings"
)

var (
	// nameRe is the core-metadata project name rule (PEP 508 names):
	// ASCII letters and digits, with ".", "_" and "-" inside.
	nameRe = regexp.MustCompile(`(?i)^([a-z0-9]|[a-z0-9][a-z0-9._-]*[a-z0-9])$`)
	// nameRuns are the separator runs PEP 503 folds into one "-".
	nameRuns = regexp.MustCompile(`[-_.]+`)
)

// maxNameLen bounds the project names ValidName accepts.
const maxNameLen = 256

// ValidName reports whether name is a valid core-metadata project name:
// at most 256 bytes of ASCII letters, digits, ".", "_" and "-", starting
// and ending with a letter or digit.
func ValidName(name string) bool { return len(name) <= maxNameLen && nameRe.MatchString(name) }

// NormalizeName returns the PEP 503 normalised project name: lower case,
// runs of "-", "_" and "." replaced by a single "-" ("Foo.Bar_baz" gives
// "foo-bar-baz"). It is packaging.utils.canonicalize_name.
func NormalizeName(name string) string {
	return nameRuns.ReplaceAllString(strings.ToLower(name), "-")
}

// SdistName is the PEP 625 file-name form of a project name (also the
// escaped name of a wheel file name): the PEP 503 normalised name with "_"
// in place of "-" ("Foo.Bar-baz" gives "foo_bar_baz").
func SdistName(name string) string {
	return strings.ReplaceAll(NormalizeName(name), "-", "_")
}
