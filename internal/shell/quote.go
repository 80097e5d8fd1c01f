package shell

import (
	"regexp"
	"strings"
)

// plain matches words no POSIX shell treats specially, which need no
// quotes.
var plain = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]+$`)

// Quote returns s unchanged when it is plain, else in single quotes.
func Quote(s string) string {
	if plain.MatchString(s) {
		return s
	}
	return Single(s)
}

// Single returns s in single quotes whatever it holds (a single quote
// inside closes the quotes, is escaped with a backslash, and reopens
// them): for templates that quote a value that may be plain or not.
func Single(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Readable returns s unchanged when it is plain, in double quotes when
// nothing in it is special inside double quotes (no '"', '$', '`', '\\'
// or '!'), else in single quotes: for commands a person reads, where
// "Release v1.2.3" reads better than 'Release v1.2.3'.
func Readable(s string) string {
	if plain.MatchString(s) {
		return s
	}
	if s != "" && !strings.ContainsAny(s, "\"$`\\!") {
		return `"` + s + `"`
	}
	return Single(s)
}
