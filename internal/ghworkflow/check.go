package ghworkflow

import (
	"cmp"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

var (
	// envNameRE: an environment variable's or a secret's name.
	envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	jobIDRE   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]{0,99}$`)
	pathRE    = regexp.MustCompile(`^[A-Za-z0-9_.\-/ ]*$`)
	// rawNameRE: a step name written without quotes (a YAML plain scalar).
	rawNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.\-/ ]*$`)
	secretsRE = regexp.MustCompile(`(?i)\bsecrets\s*[.\[]`)
)

// CheckPath refuses a path that is not a relative path inside the
// workspace written with letters, digits, ' ', '_', '.', '-' and '/' only:
// such a path is safe in a YAML value, a step name and a shell word.
func CheckPath(p string) error {
	if strings.HasPrefix(p, "/") || strings.Contains(p, "..") {
		return errors.New("leaves the workspace (absolute or with '..')")
	}
	if !pathRE.MatchString(p) {
		return errors.New("holds a character other than letters, digits, ' ', '_', '.', '-' and '/'")
	}
	return nil
}

// ValidJobID reports whether s can be a job's id in a workflow (and so the
// name of a job of tagship's pipelines, which export one job per pipeline
// job): 1 to 100 letters, digits, '-' or '_', starting with a letter or '_'.
func ValidJobID(s string) bool { return jobIDRE.MatchString(s) }

// checkJob refuses what cannot be written safely into the job.
func checkJob(j Job) error {
	if !jobIDRE.MatchString(j.ID) {
		return fmt.Errorf("job id %q: want 1-100 letters, digits, '-' or '_', starting with a letter or '_'", j.ID)
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("job %s: %s", j.ID, fmt.Sprintf(format, args...))
	}
	for _, n := range j.Needs {
		if !jobIDRE.MatchString(n) {
			return bad("needs %q: not a job id", n)
		}
	}
	if j.TimeoutMinutes < 1 {
		return bad("timeout-minutes %d: want at least 1", j.TimeoutMinutes)
	}
	for k, v := range j.Permissions {
		if !jobIDRE.MatchString(k) || !jobIDRE.MatchString(v) {
			return bad("permission %s: %s: want a scope and a level such as contents: read", k, v)
		}
	}
	for _, s := range []string{j.Environment, j.EnvironmentURL} {
		if err := plainValue(s); err != nil {
			return bad("environment %q: %v", s, err)
		}
	}
	if j.EnvironmentURL != "" && j.Environment == "" {
		return bad("EnvironmentURL without Environment")
	}
	if err := checkEnv("Env", j.Env); err != nil {
		return bad("%v", err)
	}
	for k, v := range j.Secrets {
		if !envNameRE.MatchString(k) || !envNameRE.MatchString(v) {
			return bad("secret %s=%s: want VARIABLE=SECRET_NAME, letters, digits and '_'", k, v)
		}
	}
	for _, s := range j.Steps {
		if (s.Uses == "") == (s.Run == "") {
			return bad("step %q: give exactly one of Uses and Run", s.Name)
		}
		if s.Run != "" {
			if err := shellSafe(s.Run); err != nil {
				return bad("step %q: %v", s.Name, err)
			}
		}
		if err := plainValue(s.Name); err != nil {
			return bad("step name %q: %v", s.Name, err)
		}
		for k, v := range s.With {
			if !envNameRE.MatchString(strings.ReplaceAll(k, "-", "_")) || noControl(v) != nil {
				return bad("step %q: with %s: %q", s.Name, k, v)
			}
		}
		if err := checkEnv("step Env", s.Env); err != nil {
			return bad("step %q: %v", s.Name, err)
		}
	}
	if err := shellSafe(j.Run); err != nil {
		return bad("command: %v", err)
	}
	for _, a := range j.Args {
		if err := shellSafe(a); err != nil {
			return bad("argument %q: %v", a, err)
		}
	}
	for _, a := range slices.Concat(j.Downloads, j.Uploads) {
		if err := CheckPath(a.Path); err != nil {
			return bad("artifact path %q: %v", a.Path, err)
		}
		if err := plainValue(a.Name); err != nil || a.Name == "" {
			return bad("artifact name %q: %v", a.Name, cmp.Or(err, errors.New("empty")))
		}
		if a.Step != "" && !rawNameRE.MatchString(a.Step) {
			return bad("step name %q: want letters, digits, ' ', '_', '.', '-' and '/', starting with a letter", a.Step)
		}
	}
	return nil
}

// checkEnv refuses bad variable names, control characters and secrets in
// environment blocks: secrets go to one step, through Job.Secrets.
func checkEnv(what string, env map[string]string) error {
	for k, v := range env {
		if !envNameRE.MatchString(k) {
			return fmt.Errorf("%s: %q is not an environment variable name", what, k)
		}
		if err := noControl(v); err != nil {
			return fmt.Errorf("%s: %s: %w", what, k, err)
		}
		if secretsRE.MatchString(v) || k == "GITHUB_TOKEN" || strings.HasPrefix(k, "ACTIONS_") {
			return fmt.Errorf("%s: %s: secrets and tokens do not go into an env block that several steps share; name the secret in the job's Secrets, which maps it into the run step only", what, k)
		}
	}
	return nil
}

// noControl refuses what neither a YAML scalar nor a one-line shell
// command can hold as text: invalid UTF-8, control characters (C0, DEL
// and C1, which YAML does not allow unescaped), the line and paragraph
// separators (line breaks to YAML 1.1) and the non-characters U+FFFE and
// U+FFFF.
func noControl(s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("is not valid UTF-8")
	}
	for _, r := range s {
		if r < 0x20 || r >= 0x7f && r <= 0x9f || r == 0x2028 || r == 0x2029 || r == 0xfffe || r == 0xffff {
			return fmt.Errorf("contains a control character (%q)", r)
		}
	}
	return nil
}

// plainValue refuses what a name or label must not hold: control
// characters and GitHub expressions.
func plainValue(s string) error {
	if err := noControl(s); err != nil {
		return err
	}
	if strings.Contains(s, "${{") {
		return fmt.Errorf("contains a GitHub expression ${{ }}")
	}
	return nil
}

// shellSafe refuses what shell quoting cannot protect in a run: line:
// GitHub evaluates ${{ }} before the shell sees the line (a value could
// inject commands), and a control character would split or hide it.
func shellSafe(s string) error {
	if strings.Contains(s, "${{") {
		return fmt.Errorf("contains ${{, which GitHub Actions would expand before the shell runs the line; pass the value through the environment")
	}
	return noControl(s)
}
