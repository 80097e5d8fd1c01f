package preflight

import (
	"errors"
	"fmt"

	"github.com/tagship/tagship/internal/pep"
)

// ErrInvalidVersion is the condition behind every [VersionError]: a
// manifest version is not a valid PEP 440 version.
var ErrInvalidVersion = errors.New("preflight: invalid PEP 440 version")

// VersionError reports a version string that is not valid PEP 440. It
// unwraps to [ErrInvalidVersion].
type VersionError struct {
	Version string // the version as given
	Reason  string // why it was refused
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("preflight: invalid PEP 440 version %q: %s; a release version looks like 1.2.3 (see https://peps.python.org/pep-0440/)", e.Version, e.Reason)
}

// Unwrap returns [ErrInvalidVersion].
func (e *VersionError) Unwrap() error { return ErrInvalidVersion }

// PEP440 is a parsed PEP 440 version. Every field holds its normalised
// form, so String is the canonical spelling (the one pip, build and PyPI
// use in file names and URLs). Its methods are String, IsPreRelease (a
// pre-release or development release) and IsFinal (no epoch, pre, post,
// dev or local segment: only final releases can match a strict tag).
//
// The rule lives in the module's one home for Python packaging standards
// (internal/pep); PEP440 is that type under preflight's name.
type PEP440 = pep.Version

// ParsePEP440 parses a PEP 440 version and normalises it the way PEP 440
// (and pip) do: surrounding whitespace and a leading "v" are dropped, letters
// are lower-cased, numbers lose leading zeros ("01.2.3" is 1.2.3), the
// alternative spellings alpha/beta/c/pre/preview/rev/r become a/b/rc/post,
// implicit numbers become 0 ("1.0.post" is 1.0.post0), separators in the
// local label become ".". Trailing ".0" components are kept: "1.0" stays
// 1.0 (PEP 440 compares it equal to 1.0.0, but a strict tag does not).
//
// Only ASCII input is accepted; anything else is a [*VersionError].
func ParsePEP440(version string) (PEP440, error) {
	v, err := pep.ParseVersion(version)
	if err != nil {
		return PEP440{}, versionError(version, err)
	}
	return v, nil
}

// NormalizePEP440 returns the normalised form of a PEP 440 version, e.g.
// "v01.2.3" gives "1.2.3" and "1.0-RC.1" gives "1.0rc1". See [ParsePEP440].
func NormalizePEP440(version string) (string, error) {
	v, err := ParsePEP440(version)
	if err != nil {
		return "", err
	}
	return v.String(), nil
}

// versionError turns internal/pep's refusal into a [*VersionError].
func versionError(version string, err error) error {
	return &VersionError{Version: version, Reason: pep.Reason(err)}
}
