package buildcmd

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tagship/tagship/internal/safehttp"
)

// ciCredentialVars are the CI's credentials, by name: none of them reaches
// the project's build (a compromised build dependency could otherwise mint
// an OIDC token and have any file certified as the release identity, or
// publish with the tokens).
var ciCredentialVars = []string{
	"ACTIONS_ID_TOKEN_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_URL",
	"ACTIONS_RUNTIME_TOKEN", "ACTIONS_RUNTIME_URL", "ACTIONS_RESULTS_URL", "ACTIONS_CACHE_URL",
	"GITHUB_TOKEN", "GH_TOKEN", "GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN",
	"PYPI_TOKEN", "PYPI_API_TOKEN", "TWINE_USERNAME", "TWINE_PASSWORD",
	"SIGSTORE_ID_TOKEN", "DOCKER_PASSWORD", "REGISTRY_PASSWORD", "CR_PAT",
}

// credentialWords mark a variable as a credential whatever its prefix.
var credentialWords = []string{"TOKEN", "SECRET", "PASSWORD", "PASSWD", "API_KEY", "APIKEY", "PRIVATE_KEY", "CREDENTIAL"}

// IsCredential reports whether the environment variable name is (or may
// carry) a credential: one of the CI's known credential variables, or a
// name containing a credential word (TOKEN, SECRET, PASSWORD, …), in any
// case.
func IsCredential(name string) bool {
	u := strings.ToUpper(name)
	for _, v := range ciCredentialVars {
		if u == v {
			return true
		}
	}
	for _, w := range credentialWords {
		if strings.Contains(u, w) {
			return true
		}
	}
	return false
}

// Environ returns environ ("NAME=value" entries, as from os.Environ)
// without the CI's credentials, and the values it removed, with every
// known CI credential getenv (may be nil) reports, for redacting the
// process's output. Values of *_URL variables are removed but are not
// secrets (they are endpoints, not tokens).
func Environ(environ []string, getenv func(string) string) (env []string, secrets []string) {
	for _, kv := range environ {
		name, val, _ := strings.Cut(kv, "=")
		if IsCredential(name) {
			if val != "" && !strings.HasSuffix(strings.ToUpper(name), "_URL") {
				secrets = append(secrets, val)
			}
			continue
		}
		env = append(env, kv)
	}
	if getenv != nil {
		for _, name := range ciCredentialVars {
			if v := getenv(name); v != "" && !strings.HasSuffix(name, "_URL") {
				secrets = append(secrets, v)
			}
		}
	}
	return env, secrets
}

// Command is one run of the user's build.
type Command struct {
	// Argv is the program (looked up in PATH) and its arguments; it must
	// not be empty.
	Argv []string
	// Dir is the working directory; "" is the current one.
	Dir string
	// Env is added to the scrubbed environment as given ("NAME=value"):
	// the caller's own settings, not scrubbed.
	Env []string
	// Getenv reports the CI's credentials the caller knows of besides the
	// process environment (a configured getenv), so that they too are cut
	// from the output; nil for none.
	Getenv func(string) string
	// Log receives each non-empty line of the combined output, redacted;
	// nil discards them.
	Log func(line string)
}

// waitDelay bounds how long Run waits for the output after the process
// exits or is killed (children that keep the pipes open).
const waitDelay = 5 * time.Second

// tailBytes is how much of the output's end an [*Error] quotes.
const tailBytes = 2000

// ErrFailed is the condition of every [*Error]: the build command did not
// start, failed or was killed.
var ErrFailed = errors.New("buildcmd: the build command failed")

// Error reports a build command that did not succeed. Every field is
// redacted: no known secret appears in it.
type Error struct {
	Command string // what ran: the argv joined by spaces
	Dir     string // where it ran
	Found   string // how it ended: "exit status 3", "signal: killed", or why it did not start
	Output  string // the tail of its combined output, at most about 2,000 bytes
	Hint    string // how to go on
	Err     error  // the os/exec error (*exec.ExitError, exec.ErrNotFound, …)
}

// Error reads "COMMAND: FOUND (HINT)" followed, on the next lines, by the
// output's tail.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Command + ": " + e.Found)
	if e.Hint != "" {
		b.WriteString(" (" + e.Hint + ")")
	}
	b.WriteString("\n" + e.Output)
	return b.String()
}

// Unwrap returns [ErrFailed] and the os/exec error.
func (e *Error) Unwrap() []error { return []error{ErrFailed, e.Err} }

// Run runs c with ctx, without the CI's credentials in its environment
// (see [Environ]), its output redacted line by line into c.Log. It returns
// nil when the command exits with status 0, and an [*Error] otherwise.
func Run(ctx context.Context, c Command) error {
	if len(c.Argv) == 0 {
		return &Error{Found: "no command", Hint: "give the build command as a program and its arguments", Err: exec.ErrNotFound}
	}
	cmd := exec.CommandContext(ctx, c.Argv[0], c.Argv[1:]...)
	cmd.Dir = c.Dir
	cmd.WaitDelay = waitDelay
	var secrets []string
	cmd.Env, secrets = Environ(os.Environ(), c.Getenv)
	cmd.Env = append(cmd.Env, c.Env...)
	red := safehttp.NewRedactor(secrets...)
	out, err := cmd.CombinedOutput()
	text := red.Redact(string(out))
	if c.Log != nil {
		for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
			if line != "" {
				c.Log(line)
			}
		}
	}
	if err == nil {
		return nil
	}
	tail := text
	if len(tail) > tailBytes {
		cut := len(tail) - tailBytes
		for cut < len(tail) && !utf8.RuneStart(tail[cut]) {
			cut++ // never split a character
		}
		tail = "…" + tail[cut:]
	}
	err = red.Error(err)
	return &Error{Command: red.Redact(strings.Join(c.Argv, " ")), Dir: c.Dir, Found: err.Error(),
		Output: tail, Hint: hint(ctx, c, err), Err: err}
}

// hint says how to go on after err.
func hint(ctx context.Context, c Command, err error) string {
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return "" // cancelled or out of time: the caller says why
	case errors.Is(err, exec.ErrNotFound):
		return "install " + c.Argv[0] + " on the runner, or fix the command"
	case errors.As(err, &exit):
		return "run the same command in the project directory to reproduce; it ran without the CI's credentials (every variable named like a token, secret or password is removed)"
	}
	return ""
}
