package shell

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

var quoteCases = []struct{ in, want string }{
	{"plain", "plain"}, {"two words", "'two words'"}, {"it's", `'it'\''s'`}, {"", "''"}, {"$HOME", "'$HOME'"},
	{`back\slash`, `'back\slash'`}, {"a=b,c:d/e@f", "a=b,c:d/e@f"}, {"~", "'~'"}, {"*", "'*'"}, {"#x", "'#x'"},
	{"'", `''\'''`}, {"-build", "-build"}, {"ünï", "'ünï'"},
}

func TestQuote(t *testing.T) {
	t.Parallel()
	for _, tc := range quoteCases {
		if got := Quote(tc.in); got != tc.want {
			t.Errorf("Quote(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
	// Real shells split the quoted words back into the inputs.
	var words, in []string
	for _, tc := range quoteCases {
		words, in = append(words, Quote(tc.in)), append(in, tc.in)
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

// FuzzQuote: a quoted word is plain (only characters no shell treats
// specially) or single-quoted, and reading it as POSIX sh reads quotes and
// backslashes gives back the input.
func FuzzQuote(f *testing.F) {
	for _, tc := range quoteCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := Quote(s)
		if q != s && !strings.HasPrefix(q, "'") {
			t.Fatalf("Quote(%q) = %s: neither plain nor quoted", s, q)
		}
		if got := shUnquote(t, q); got != s {
			t.Fatalf("Quote(%q) = %s, which a shell reads as %q", s, q, got)
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
		case c == '"':
			end := strings.IndexByte(w[i+1:], '"')
			if end < 0 {
				t.Fatalf("%s: unclosed double quote", w)
			}
			if run := w[i+1 : i+1+end]; strings.ContainsAny(run, "$`\\!") {
				t.Fatalf("%s: %q is special inside double quotes", w, run)
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

func TestSingleAndReadable(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, single, readable string }{
		{"a", "'a'", "a"},
		{"v0.11.0", "'v0.11.0'", "v0.11.0"},
		{"Release v0.11.0", "'Release v0.11.0'", `"Release v0.11.0"`},
		{"it's", `'it'\''s'`, `"it's"`},
		{"it's $x", `'it'\''s $x'`, `'it'\''s $x'`},
		{`say "hi"`, `'say "hi"'`, `'say "hi"'`},
		{"wow!", "'wow!'", "'wow!'"},
		{"", "''", "''"},
	} {
		if got := Single(tc.in); got != tc.single {
			t.Errorf("Single(%q) = %s, want %s", tc.in, got, tc.single)
		}
		if got := Readable(tc.in); got != tc.readable {
			t.Errorf("Readable(%q) = %s, want %s", tc.in, got, tc.readable)
		}
		for _, q := range []string{Single(tc.in), Readable(tc.in)} {
			if got := shUnquote(t, q); got != tc.in {
				t.Errorf("%s reads as %q, want %q", q, got, tc.in)
			}
		}
	}
}

// FuzzReadable: Single and Readable give back the input as sh reads
// quotes, and Readable's double quotes hold nothing special.
func FuzzReadable(f *testing.F) {
	for _, tc := range quoteCases {
		f.Add(tc.in)
	}
	f.Add("Release v1.2.3")
	f.Fuzz(func(t *testing.T, s string) {
		for _, q := range []string{Single(s), Readable(s)} {
			if got := shUnquote(t, q); got != s {
				t.Fatalf("%q quoted as %s, which a shell reads as %q", s, q, got)
			}
		}
	})
}
