package changelog

import (
	"errors"
	"fmt"
)

// Sentinel errors. Errors returned by this package wrap one of them, so
// callers test conditions with errors.Is; the concrete types [*Error] and
// [*DuplicateError] carry line numbers for errors.As.
var (
	// ErrDuplicateRelease: the same version (or [Unreleased]) has two
	// sections. Returned by Parse inside a *DuplicateError.
	ErrDuplicateRelease = errors.New("changelog: duplicate release")
	// ErrInvalidVersion: Cut was given something that is not X.Y.Z semver.
	ErrInvalidVersion = errors.New("changelog: invalid version")
	// ErrNoUnreleased: Cut needs an [Unreleased] section and there is none.
	ErrNoUnreleased = errors.New("changelog: no [Unreleased] section")
	// ErrEmptyUnreleased: the [Unreleased] section has no entries to release.
	ErrEmptyUnreleased = errors.New("changelog: [Unreleased] section is empty")
	// ErrVersionExists: Cut was asked for a version that already has a section.
	ErrVersionExists = errors.New("changelog: version already released")
	// ErrVersionNotGreater: Cut was asked for a version not above the newest release.
	ErrVersionNotGreater = errors.New("changelog: version not greater than the newest release")
	// ErrLinkPattern: the file has compare links but Cut cannot tell how to
	// write new ones (neither a GitHub nor a GitLab URL form).
	ErrLinkPattern = errors.New("changelog: cannot infer the compare-link pattern")
	// ErrCutConflict: the document produced by Cut did not parse back into the
	// expected structure (an unusual layout around [Unreleased]); the
	// Changelog is left unchanged.
	ErrCutConflict = errors.New("changelog: cut produced an inconsistent document")
)

// Error is an error about a place in the document. Line is 1-based, 0 when
// the error is not about a line. Err is one of the package's sentinels.
type Error struct {
	Line int
	Err  error
	Msg  string // what was expected, what was found, how to fix it
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("changelog: line %d: %s", e.Line, e.Msg)
	}
	return "changelog: " + e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// DuplicateError reports a version (or [Unreleased], Version "") that has
// two sections. It unwraps to ErrDuplicateRelease.
type DuplicateError struct {
	Version   string // "" for [Unreleased]
	Line      int    // the second heading
	FirstLine int    // the first heading
}

func (e *DuplicateError) Error() string {
	name := e.Version
	if name == "" {
		name = "[Unreleased]"
	}
	return fmt.Sprintf("changelog: line %d: duplicate release %s (first at line %d): each version may appear once; remove or merge one of the sections",
		e.Line, name, e.FirstLine)
}

func (e *DuplicateError) Unwrap() error { return ErrDuplicateRelease }
