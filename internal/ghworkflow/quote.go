package ghworkflow

import (
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// ShellQuote quotes s as one word for a POSIX shell: unchanged when it
// holds only characters no shell treats specially, else in single quotes
// (a single quote inside closes the quotes, is escaped with a backslash,
// and reopens them).
func ShellQuote(s string) string {
	if s != "" && shellPlain.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

var shellPlain = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]+$`)

// yamlString quotes s as a YAML single-quoted scalar when it needs it.
func yamlString(s string) string {
	plain := s != "" && !slices.Contains([]string{"true", "false", "yes", "no", "on", "off", "null", "~"}, strings.ToLower(s))
	for i, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./", r) || (i > 0 && r == '@')
		if !ok || (i == 0 && strings.ContainsRune("-.", r)) {
			plain = false
			break
		}
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		plain = false // 1.20 would be the number 1.2
	}
	if plain {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// writeMap writes m as "key: value" lines in key order, each value quoted
// by yamlString.
func writeMap(w func(int, string, ...any), indent int, m map[string]string) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		w(indent, "%s: %s", k, yamlString(m[k]))
	}
}
