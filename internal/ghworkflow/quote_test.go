package ghworkflow

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestYAMLString(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"plain", "plain"},
		{"ubuntu-latest", "ubuntu-latest"},
		{"actions/checkout@v7", "actions/checkout@v7"},
		{"", "''"},
		{"1.26", "'1.26'"}, // a bare 1.26 is a number
		{"1.26.8", "1.26.8"},
		{"7", "'7'"},
		{"1e3", "'1e3'"},
		{"0X00", "'0X00'"}, {"0x1F", "'0x1F'"}, {"0o17", "'0o17'"}, {"0b101", "'0b101'"}, {"0777", "'0777'"}, {"1_000", "'1_000'"},
		{"1.", "'1.'"}, {"2026-12-04", "'2026-12-04'"}, {"y", "'y'"}, {"N", "'N'"},
		{"3.x", "3.x"}, {"0x", "0x"}, {"1e", "1e"}, {"v1.2", "v1.2"}, {"2026-12", "2026-12"},
		{"true", "'true'"}, {"No", "'No'"}, {"on", "'on'"}, {"~", "'~'"}, {"null", "'null'"},
		{"-x", "'-x'"}, {".tagship", "'.tagship'"}, {"@x", "'@x'"},
		{"two words", "'two words'"},
		{"it's", "'it''s'"},
		{"a: b", "'a: b'"}, {"#x", "'#x'"}, {"x # y", "'x # y'"},
		{"${{ github.ref }}", "'${{ github.ref }}'"},
		{"ünï", "'ünï'"},
	} {
		if got := yamlString(tc.in); got != tc.want {
			t.Errorf("yamlString(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// FuzzYAMLString: what yamlString writes, a YAML parser reads back as the
// same string, as a string (for the values Render lets through: no control
// characters).
func FuzzYAMLString(f *testing.F) {
	for _, s := range []string{"plain", "", "1.20", "yes", "it's", "a: b", "- x", "[x]", "{x}", "*x", "&x", "!x", "%x", "|", ">", "'", `"`, "0x1F", ".inf", "NaN", " x ", "ü"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if noControl(s) != nil {
			return
		}
		var got map[string]any // not string: a number or a date must not pass for one
		doc := "k: " + yamlString(s) + "\n"
		if err := yaml.Unmarshal([]byte(doc), &got); err != nil {
			t.Fatalf("%q: %v", doc, err)
		}
		if got["k"] != any(s) {
			t.Fatalf("%q read back as %q", doc, got["k"])
		}
	})
}

var shellQuoteCases = []struct{ in, want string }{
	{"plain", "plain"}, {"two words", "'two words'"}, {"it's", `'it'\''s'`}, {"", "''"}, {"$HOME", "'$HOME'"},
	{`back\slash`, `'back\slash'`}, {"a=b,c:d/e@f", "a=b,c:d/e@f"}, {"~", "'~'"}, {"*", "'*'"}, {"#x", "'#x'"},
	{"'", `''\'''`}, {"-build", "-build"}, {"ünï", "'ünï'"},
}

func TestShellQuote(t *testing.T) {
	t.Parallel()
	for _, tc := range shellQuoteCases {
		if got := ShellQuote(tc.in); got != tc.want {
			t.Errorf("ShellQuote(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
	// Real shells split the quoted words back into the inputs.
	var words, in []string
	for _, tc := range shellQuoteCases {
		words, in = append(words, ShellQuote(tc.in)), append(in, tc.in)
	}
	for _, sh := range []string{"bash", "sh"} {
		path, err := exec.LookPath(sh)
		if err != nil {
			continue
		}
		out, err := exec.Command(path, "-e", "-c", `printf '%s\0' `+strings.Join(words, " ")).Output()
		if err != nil {
			t.Fatalf("%s: %v", sh, err)
		}
		if got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00"); !slices.Equal(got, in) {
			t.Errorf("%s split the words into\n%q\nwant\n%q", sh, got, in)
		}
	}
}

// FuzzShellQuote: a quoted word is plain (only characters no shell treats
// specially) or single-quoted, and reading it as POSIX sh reads quotes and
// backslashes gives back the input.
func FuzzShellQuote(f *testing.F) {
	for _, tc := range shellQuoteCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := ShellQuote(s)
		if q != s && !strings.HasPrefix(q, "'") {
			t.Fatalf("ShellQuote(%q) = %s: neither plain nor quoted", s, q)
		}
		if got := shUnquote(t, q); got != s {
			t.Fatalf("ShellQuote(%q) = %s, which a shell reads as %q", s, q, got)
		}
	})
}

// shUnquote reads one word made of plain characters, '…' runs and \x
// escapes, as sh does outside double quotes.
func shUnquote(t *testing.T, w string) string {
	var b strings.Builder
	for i := 0; i < len(w); i++ {
		switch c := w[i]; {
		case c == '\'':
			end := strings.IndexByte(w[i+1:], '\'')
			if end < 0 {
				t.Fatalf("%s: unclosed quote", w)
			}
			b.WriteString(w[i+1 : i+1+end])
			i += end + 1
		case c == '\\' && i+1 < len(w):
			b.WriteByte(w[i+1])
			i++
		case strings.IndexByte(" \t\n;&|<>()$`\"*?[#~", c) >= 0:
			t.Fatalf("%s: unquoted %q", w, c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
