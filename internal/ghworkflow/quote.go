package ghworkflow

import (
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// numberRE matches what YAML 1.1 or 1.2 may read as an integer (binary,
// octal, decimal or hex, with '_' separators), a float or a timestamp;
// "1.26.8" and "3.x" are none of these.
var numberRE = regexp.MustCompile(`(?i)^(0b[01_]+|0o?[0-7_]+|0x[0-9a-f_]+|[0-9][0-9_]*|([0-9][0-9_]*)?\.[0-9_]*(e[-+]?[0-9]+)?|[0-9][0-9_]*e[-+]?[0-9]+|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([^0-9].*)?)$`)

// yamlString quotes s as a YAML single-quoted scalar when it needs it:
// when it holds anything but letters, digits and "-_./@", or a parser
// could read it as something other than a string (a YAML 1.1 or 1.2
// boolean, null, number in any base, timestamp).
func yamlString(s string) string {
	// Parsers drop '_' from a number before reading it (go-yaml reads 0e0_
	// as 0e0, the float 0), so both spellings are checked.
	bare := strings.ReplaceAll(s, "_", "")
	plain := s != "" && !slices.Contains([]string{"true", "false", "yes", "no", "y", "n", "on", "off", "null", "~"}, strings.ToLower(s)) && !numberRE.MatchString(s) && !numberRE.MatchString(bare)
	for i, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./", r) || (i > 0 && r == '@')
		if !ok || (i == 0 && strings.ContainsRune("-.", r)) {
			plain = false
			break
		}
	}
	for _, v := range []string{s, bare} {
		if _, err := strconv.ParseFloat(v, 64); err == nil {
			plain = false // 1.20 would be the number 1.2
		}
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
