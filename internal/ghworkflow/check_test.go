package ghworkflow

import (
	"strings"
	"testing"
)

func TestCheckPath(t *testing.T) {
	t.Parallel()
	for p, ok := range map[string]bool{
		"dist/": true, ".tagship": true, ".tagship/preflight.json": true, "a b/": true, "": true,
		"/etc": false, "../x": false, "a/../../b": false, "a;b": false, "$HOME": false, "a\nb": false, "a:b": false, "ü": false,
	} {
		if err := CheckPath(p); (err == nil) != ok {
			t.Errorf("CheckPath(%q) = %v", p, err)
		}
	}
}

func TestValueChecks(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in                        string
		noControl, plain, inShell bool
	}{
		{"plain text, ünïcode; $HOME `id`", true, true, true},
		{"${{ github.ref }}", true, false, false},
		{"a\tb", false, false, false},
		{"a\nb", false, false, false},
		{"a\x7fb", false, false, false},
		{"$ {{ x }}", true, true, true},
		{"a\u0085b", false, false, false}, // NEL: a line break to YAML 1.1
		{"a\u008cb", false, false, false}, // C1: not allowed unescaped in YAML
		{"a\u2028b", false, false, false},
		{"a\uffffb", false, false, false},
		{"a\xdfb", false, false, false}, // invalid UTF-8
		{"a\u00a0b\ufffd", true, true, true},
	} {
		if got := noControl(tc.in) == nil; got != tc.noControl {
			t.Errorf("noControl(%q) ok = %v", tc.in, got)
		}
		if got := plainValue(tc.in) == nil; got != tc.plain {
			t.Errorf("plainValue(%q) ok = %v", tc.in, got)
		}
		if got := shellSafe(tc.in) == nil; got != tc.inShell {
			t.Errorf("shellSafe(%q) ok = %v", tc.in, got)
		}
	}
}

func TestCheckEnv(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		env  map[string]string
		want string // "" accepted, else a part of the error
	}{
		{map[string]string{"A_1": "x", "_B": "${{ github.ref }}", "C": ""}, ""},
		{map[string]string{"1A": "x"}, "not an environment variable name"},
		{map[string]string{"A-B": "x"}, "not an environment variable name"},
		{map[string]string{"A": "x\ny"}, "control character"},
		{map[string]string{"T": "${{ secrets.PAT }}"}, "secrets and tokens"},
		{map[string]string{"T": "${{ SECRETS [ 'PAT' ] }}"}, "secrets and tokens"},
		{map[string]string{"GITHUB_TOKEN": "x"}, "secrets and tokens"},
		{map[string]string{"ACTIONS_RUNTIME_TOKEN": "x"}, "secrets and tokens"},
	} {
		err := checkEnv("env", tc.env)
		if (tc.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("checkEnv(%v) = %v, want %q", tc.env, err, tc.want)
		}
	}
}

// TestValidJobID is the rule for job ids, which release.New applies to
// pipeline job names and the state directory to its file names.
func TestValidJobID(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		id   string
		want bool
	}{
		{"build-wheel", true},
		{"_x", true},
		{"a1_-", true},
		{"A", true},
		{strings.Repeat("a", 100), true},
		{strings.Repeat("a", 101), false},
		{"", false},
		{"1job", false},
		{"-job", false},
		{"job.x", false},
		{"job x", false},
		{"jöb", false},
		{"job\n", false},
	} {
		if got := ValidJobID(tc.id); got != tc.want {
			t.Errorf("ValidJobID(%q) = %v, want %v", tc.id, got, tc.want)
		}
	}
}
