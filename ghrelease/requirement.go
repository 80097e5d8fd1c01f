package ghrelease

import (
	"fmt"

	"github.com/tagship/tagship/internal/pep"
)

// Requirement is a parsed PEP 508 dependency specification, as found in a
// wheel's METADATA "Requires-Dist" fields:
//
//   - Name as written, and Normalized per PEP 503 (lowercase, runs of
//     "-", "_", "." replaced by "-");
//   - Extras, the names in "[…]";
//   - Specifier, the version specifier with white space removed, e.g.
//     ">=2.0,<3"; empty when none;
//   - URL, set for "name @ url" requirements (a scheme and a host, or a
//     file: URL);
//   - Marker, the environment marker after ";", trimmed, its syntax
//     checked against PEP 508's grammar; empty when none.
//
// Its methods are PinnedVersion (the version of an exact "==X" pin, or "")
// and Optional (whether it only applies with an extra). The rule lives in
// the module's one home for Python packaging standards (internal/pep).
type Requirement = pep.Requirement

// NormalizeName normalises a Python project name per PEP 503.
func NormalizeName(name string) string { return pep.NormalizeName(name) }

// ParseRequirement parses one PEP 508 requirement ("requests[socks]
// (>=2.31,<3) ; python_version >= '3.8'", "pkg @ https://…").
func ParseRequirement(s string) (Requirement, error) {
	r, err := pep.ParseRequirement(s)
	if err != nil {
		return Requirement{}, fmt.Errorf("ghrelease: requirement %q: %s", truncate(s, 200), pep.Reason(err))
	}
	return r, nil
}
