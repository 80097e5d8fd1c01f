package buildcmd

import (
	"context"
	"errors"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestIsCredential(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		want bool
	}{
		{"GITHUB_TOKEN", true},
		{"github_token", true},
		{"ACTIONS_ID_TOKEN_REQUEST_URL", true},
		{"ACTIONS_RUNTIME_URL", true},
		{"CR_PAT", true},
		{"TWINE_USERNAME", true},
		{"MY_DEPLOY_SECRET", true},
		{"npm_config_password", true},
		{"SSH_PRIVATE_KEY", true},
		{"OPENAI_APIKEY", true},
		{"GOOGLE_APPLICATION_CREDENTIALS", true},
		{"PATH", false},
		{"HOME", false},
		{"GITHUB_REF", false},
		{"GITHUB_REPOSITORY", false},
		{"PAT", false},
		{"", false},
	} {
		if got := IsCredential(tc.name); got != tc.want {
			t.Errorf("IsCredential(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestEnviron(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		environ     []string
		getenv      map[string]string
		wantEnv     []string
		wantSecrets []string
	}{
		{name: "nothing to remove", environ: []string{"PATH=/bin", "HOME=/h"}, wantEnv: []string{"PATH=/bin", "HOME=/h"}},
		{name: "token removed and kept as a secret",
			environ: []string{"PATH=/bin", "GITHUB_TOKEN=ghs_abc", "HOME=/h"},
			wantEnv: []string{"PATH=/bin", "HOME=/h"}, wantSecrets: []string{"ghs_abc"}},
		{name: "a URL is removed but is no secret",
			environ: []string{"ACTIONS_ID_TOKEN_REQUEST_URL=https://t/", "actions_cache_url=https://c/"}},
		{name: "an empty credential is removed, nothing to redact",
			environ: []string{"PYPI_API_TOKEN=", "X=1"}, wantEnv: []string{"X=1"}},
		{name: "a value with '=' stays whole",
			environ: []string{"DB_PASSWORD=a=b=c"}, wantSecrets: []string{"a=b=c"}},
		{name: "an entry without '='",
			environ: []string{"WEIRD", "SECRET"}, wantEnv: []string{"WEIRD"}},
		{name: "getenv adds known credentials, not URLs",
			environ: []string{"PATH=/bin"},
			getenv:  map[string]string{"GH_TOKEN": "gho_x", "ACTIONS_RUNTIME_URL": "https://r/", "MY_SECRET": "not a known name"},
			wantEnv: []string{"PATH=/bin"}, wantSecrets: []string{"gho_x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var getenv func(string) string
			if tc.getenv != nil {
				getenv = func(k string) string { return tc.getenv[k] }
			}
			env, secrets := Environ(tc.environ, getenv)
			if !slices.Equal(env, tc.wantEnv) || !slices.Equal(secrets, tc.wantSecrets) {
				t.Errorf("Environ = %q, %q; want %q, %q", env, secrets, tc.wantEnv, tc.wantSecrets)
			}
		})
	}
}

// FuzzEnviron: whatever the entries, no credential variable passes, every
// entry that passes was given, and every credential value that is not a
// URL is returned as a secret.
func FuzzEnviron(f *testing.F) {
	f.Add("GITHUB_TOKEN=ghs_abc\nPATH=/bin\nA=b=c\nX")
	f.Add("ACTIONS_ID_TOKEN_REQUEST_URL=https://x/\nmy_secret=1")
	f.Fuzz(func(t *testing.T, s string) {
		environ := strings.Split(s, "\n")
		env, secrets := Environ(environ, nil)
		for _, kv := range env {
			name, _, _ := strings.Cut(kv, "=")
			if IsCredential(name) {
				t.Errorf("credential %q passed", name)
			}
			if !slices.Contains(environ, kv) {
				t.Errorf("%q was not given", kv)
			}
		}
		for _, kv := range environ {
			name, val, _ := strings.Cut(kv, "=")
			if IsCredential(name) && val != "" && !strings.HasSuffix(strings.ToUpper(name), "_URL") && !slices.Contains(secrets, val) {
				t.Errorf("the value of %q is not a secret", name)
			}
		}
	})
}

const token = "ghs_buildcmdtest0123456789abcdef"

func TestRun(t *testing.T) {
	t.Setenv("GITHUB_TOKEN", token) // the process environment the build inherits: not parallel
	t.Setenv("TAGSHIP_BUILDCMD_PLAIN", "plain-value")
	getenv := func(k string) string {
		if k == "PYPI_API_TOKEN" {
			return "pypi-getenvtoken0123456789"
		}
		return ""
	}
	long := strings.Repeat("x", 3000)
	for _, tc := range []struct {
		name      string
		cmd       Command
		ctx       func() (context.Context, context.CancelFunc)
		wantErr   bool
		wantFound string   // substring of Found
		wantHint  string   // substring of Hint
		wantLines []string // the log lines, exactly (nil: not checked)
		wantOut   string   // substring of Output
	}{
		{name: "success, scrubbed environment, Env added",
			cmd:       Command{Argv: []string{"sh", "-c", `echo "[$GITHUB_TOKEN][$TAGSHIP_BUILDCMD_PLAIN][$ADDED]"`}, Env: []string{"ADDED=yes"}},
			wantLines: []string{"[][plain-value][yes]"}},
		{name: "runs in Dir",
			cmd:       Command{Argv: []string{"pwd"}, Dir: "/"},
			wantLines: []string{"/"}},
		{name: "output redacted, from the environment and from Getenv",
			cmd:       Command{Argv: []string{"sh", "-c", "echo " + token + "; echo pypi-getenvtoken0123456789"}, Getenv: getenv},
			wantLines: []string{"[REDACTED]", "[REDACTED]"}},
		{name: "exit status, redacted tail, hint",
			cmd:     Command{Argv: []string{"sh", "-c", "echo broken " + token + " >&2; exit 3"}},
			wantErr: true, wantFound: "exit status 3", wantHint: "reproduce", wantOut: "broken [REDACTED]",
			wantLines: []string{"broken [REDACTED]"}},
		{name: "tail cut to its last 2000 bytes",
			cmd:     Command{Argv: []string{"sh", "-c", "echo " + long + "; echo END; exit 1"}},
			wantErr: true, wantFound: "exit status 1", wantOut: "…xxx"},
		{name: "tail never splits a character (even cut)",
			cmd:     Command{Argv: []string{"sh", "-c", "echo " + strings.Repeat("é", 1500) + "; echo END; exit 1"}},
			wantErr: true, wantFound: "exit status 1", wantOut: "é\nEND"},
		{name: "tail never splits a character (odd cut)",
			cmd:     Command{Argv: []string{"sh", "-c", "echo x" + strings.Repeat("é", 1500) + "; echo END; exit 1"}},
			wantErr: true, wantFound: "exit status 1", wantOut: "é\nEND"},
		{name: "program not found",
			cmd:     Command{Argv: []string{"tagship-no-such-program"}},
			wantErr: true, wantFound: "executable file not found", wantHint: "install tagship-no-such-program"},
		{name: "no command",
			cmd:     Command{},
			wantErr: true, wantFound: "no command"},
		{name: "killed when ctx ends",
			cmd: Command{Argv: []string{"sleep", "30"}},
			ctx: func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), 100*time.Millisecond)
			},
			wantErr: true, wantFound: "killed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.Background(), context.CancelFunc(func() {})
			if tc.ctx != nil {
				ctx, cancel = tc.ctx()
			}
			defer cancel()
			var lines []string
			tc.cmd.Log = func(l string) { lines = append(lines, l) }
			start := time.Now()
			err := Run(ctx, tc.cmd)
			if time.Since(start) > 20*time.Second {
				t.Errorf("Run took %v", time.Since(start))
			}
			if tc.wantLines != nil && !slices.Equal(lines, tc.wantLines) {
				t.Errorf("log lines %q, want %q", lines, tc.wantLines)
			}
			if !tc.wantErr {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var be *Error
			if !errors.As(err, &be) || !errors.Is(err, ErrFailed) {
				t.Fatalf("want an *Error matching ErrFailed, got %T %v", err, err)
			}
			if !strings.Contains(be.Found, tc.wantFound) || !strings.Contains(be.Hint, tc.wantHint) || !strings.Contains(be.Output, tc.wantOut) {
				t.Errorf("Found %q, Hint %q, Output %q; want %q, %q, %q", be.Found, be.Hint, be.Output, tc.wantFound, tc.wantHint, tc.wantOut)
			}
			if !utf8.ValidString(be.Output) {
				t.Errorf("Output is not valid UTF-8: %q", be.Output[:min(len(be.Output), 20)])
			}
			if len(be.Output) > 2000+len("…") {
				t.Errorf("Output is %d bytes", len(be.Output))
			}
			if strings.Contains(err.Error(), token) {
				t.Errorf("the token leaked: %v", err)
			}
			if tc.cmd.Argv != nil && !strings.HasPrefix(err.Error(), strings.Join(tc.cmd.Argv, " ")+": ") && !strings.Contains(tc.cmd.Argv[len(tc.cmd.Argv)-1], token) {
				t.Errorf("the error does not start with what ran: %v", err)
			}
		})
	}
}

// TestRunErrorKeepsTheExecError: callers can still tell an exit status
// from a missing program.
func TestRunErrorKeepsTheExecError(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		argv     []string
		wantExit int
	}{
		{[]string{"sh", "-c", "exit 7"}, 7},
		{[]string{"tagship-no-such-program"}, -1},
	} {
		err := Run(context.Background(), Command{Argv: tc.argv})
		var exit *exec.ExitError
		switch {
		case tc.wantExit < 0 && !errors.Is(err, exec.ErrNotFound):
			t.Errorf("%q: want exec.ErrNotFound, got %v", tc.argv, err)
		case tc.wantExit >= 0 && (!errors.As(err, &exit) || exit.ExitCode() != tc.wantExit):
			t.Errorf("%q: want exit status %d, got %v", tc.argv, tc.wantExit, err)
		}
	}
}
