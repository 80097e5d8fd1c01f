package pep

import "fmt"

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

// Clip returns s cut to at most n bytes, marked with "…" when cut.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
