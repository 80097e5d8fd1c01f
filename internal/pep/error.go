package pep

import (
	"errors"
	"fmt"
)

// Error reports an input that does not follow one of the standards: what
// was being parsed (Kind: "version", "requirement", "wheel file name",
// "sdist file name"), the input as given, and why it was refused.
type Error struct {
	Kind   string // what the input should have been
	Input  string // the input as given
	Reason string // why it was refused
}

func (e *Error) Error() string {
	return fmt.Sprintf("invalid %s %q: %s", e.Kind, Clip(e.Input, 200), e.Reason)
}

// Reason is why err refused its input: an [*Error]'s Reason, else the
// error's text. The wrappers in preflight, pypi and ghrelease put it in
// their own error types.
func Reason(err error) string {
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Reason
	}
	return err.Error()
}

// Clip returns s cut to at most n bytes, marked with "…" when cut.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
