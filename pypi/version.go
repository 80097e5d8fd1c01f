package pypi

import (
	"fmt"

	"github.com/tagship/tagship/internal/pep"
)

// NormalizeVersion returns the PEP 440 normalised form of v (for example
// "1.0.0-RC1" → "1.0.0rc1", "v1.2" → "1.2", "1.0-1" → "1.0.post1"), or an
// error wrapping [ErrInvalidVersion] when v is not a PEP 440 version. The
// rule is the module's one PEP 440 implementation (preflight.ParsePEP440
// uses the same).
func NormalizeVersion(v string) (string, error) {
	n, err := pep.NormalizeVersion(v)
	if err != nil {
		return "", fmt.Errorf("%w: %q is not a PEP 440 version: %s (expected something like 1.2.3, 1.2.3rc1, 1.2.3.post1)", ErrInvalidVersion, pep.Clip(v, 256), pep.Reason(err))
	}
	return n, nil
}

// NormalizeName returns the PEP 503 normalised project name: lower case,
// runs of "-", "_" and "." replaced by a single "-" ("Foo.Bar_baz" →
// "foo-bar-baz").
func NormalizeName(name string) string { return pep.NormalizeName(name) }

// validName reports whether name is a valid core-metadata project name.
func validName(name string) bool { return pep.ValidName(name) }
