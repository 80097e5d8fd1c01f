package release

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// WorkflowOptions shape the GitHub Actions workflow that
// [Pipeline.GitHubWorkflow] renders. The zero value is the secure default.
type WorkflowOptions struct {
	// Name of the workflow. Default: the pipeline's name ([WithName]).
	Name string
	// Command is the program that runs one pipeline job; each job's run
	// step appends "-state DIR -job NAME" and Args. It is written as given
	// (a command line, not quoted). Default
	// "go run github.com/tagship/tagship/examples/release@VERSION", which
	// needs nothing from the repository: it runs in a Python project.
	Command string
	// Version is the tagship version of the default Command. Default:
	// [ModuleVersion], the version the exporting binary was built from; an
	// export with neither (a local build) is an error.
	Version string
	// Args follow "-job NAME" in every run step, each one shell-quoted:
	// the release's flags (-repo, -build "python3 -m build", …).
	Args []string
	// StateDir is the state directory the command uses, relative to the
	// workspace; it travels between jobs as an artifact. Default ".tagship".
	StateDir string
	// RunsOn is the runner label. Default "ubuntu-latest".
	RunsOn string
	// GoVersion is given to actions/setup-go as go-version. Default: the
	// Go release of the exporting binary.
	GoVersion string
	// Actions add to or replace (by repository) the pins of
	// [DefaultActions].
	Actions []ActionPin
	// ActionRefs says how uses: refers to actions. Default
	// [ActionCommits]: pinned by commit.
	ActionRefs ActionRefs
	// RetentionDays is how long the artifacts handed between jobs are
	// kept. Default 7.
	RetentionDays int
	// TimeoutMinutes bounds the jobs that declare no Timeout. Default 30.
	TimeoutMinutes int
	// Env is set on every job. Values are written verbatim; secrets are
	// refused here: a job that needs one names it in [Job.Secrets].
	Env map[string]string
}

// TagPattern is the only trigger of an exported workflow: strict vX.Y.Z
// tags. Pre-release tags and workflow_dispatch are deliberately absent: a
// manual or branch run signs with a refs/heads identity that the published
// verification commands would reject.
const TagPattern = "v[0-9]+.[0-9]+.[0-9]+"

// DefaultCommandPackage is the main package the default command runs.
const DefaultCommandPackage = ModulePath + "/examples/release"

var (
	envNameRE    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	secretNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	pathRE       = regexp.MustCompile(`^[A-Za-z0-9_.\-/ ]*$`)
	secretsRE    = regexp.MustCompile(`(?i)\bsecrets\s*[.\[]`)
)

// GitHubWorkflow renders the pipeline as a GitHub Actions workflow: one
// job per pipeline job with needs: from the edges, triggered only by
// strict version tags, with a concurrency group per ref that cancels a
// run in progress.
//
// Nothing is granted at the workflow level (permissions: {}): each job
// gets its [Job.Permissions] only, and only a job granted contents checks
// the repository out (without persisting the token). Every action is
// pinned by commit from the action table ([WorkflowOptions.Actions]).
// Each job sets up Go at an explicit version, downloads the state and
// files of the jobs before it, runs its [Job.Steps], runs its pipeline job
// by name with its [Job.Secrets] in that step's environment only, and
// uploads its state and Paths for 7 days. Every job has timeout-minutes.
func (p *Pipeline) GitHubWorkflow(o WorkflowOptions) ([]byte, error) {
	if o.Name == "" {
		o.Name = p.opts.name
	}
	if o.Command == "" {
		if o.Version == "" {
			v, ok := ModuleVersion()
			if !ok {
				return nil, fmt.Errorf("release: the default command runs %s@VERSION, and this binary has no module version (a local build): set WorkflowOptions.Version (examples/release: -version) or Command", DefaultCommandPackage)
			}
			o.Version = v
		}
		if !refRE.MatchString(o.Version) {
			return nil, fmt.Errorf("release: WorkflowOptions.Version %q: want a module version such as v0.3.0", o.Version)
		}
		o.Command = "go run " + DefaultCommandPackage + "@" + o.Version
	}
	if o.StateDir == "" {
		o.StateDir = ".tagship"
	}
	if o.RunsOn == "" {
		o.RunsOn = "ubuntu-latest"
	}
	if o.GoVersion == "" {
		if o.GoVersion = goVersion(); o.GoVersion == "" {
			return nil, fmt.Errorf("release: the Go version of this binary is unknown: set WorkflowOptions.GoVersion")
		}
	}
	if o.RetentionDays == 0 {
		o.RetentionDays = 7
	}
	if o.TimeoutMinutes == 0 {
		o.TimeoutMinutes = 30
	}
	if o.RetentionDays < 1 || o.RetentionDays > 90 || o.TimeoutMinutes < 1 {
		return nil, fmt.Errorf("release: RetentionDays %d (want 1-90) or TimeoutMinutes %d (want at least 1)", o.RetentionDays, o.TimeoutMinutes)
	}
	actions, err := newActionTable(o.Actions, o.ActionRefs)
	if err != nil {
		return nil, err
	}
	for _, s := range []string{o.Name, o.RunsOn, o.GoVersion} {
		if err := plainValue(s); err != nil {
			return nil, fmt.Errorf("release: workflow option %q: %w", s, err)
		}
	}
	if strings.Contains(o.StateDir, "..") || strings.HasPrefix(o.StateDir, "/") || !pathRE.MatchString(o.StateDir) {
		return nil, fmt.Errorf("release: StateDir %q: want a relative directory inside the workspace", o.StateDir)
	}
	if err := checkEnv("workflow Env", o.Env); err != nil {
		return nil, err
	}
	if err := shellSafe(o.Command); err != nil {
		return nil, fmt.Errorf("release: Command: %w", err)
	}
	args := make([]string, len(o.Args))
	for i, a := range o.Args {
		if err := shellSafe(a); err != nil {
			return nil, fmt.Errorf("release: argument %q: %w", a, err)
		}
		args[i] = ShellQuote(a)
	}
	for _, j := range p.jobs {
		if err := checkJob(j); err != nil {
			return nil, err
		}
	}

	var b bytes.Buffer
	w := func(indent int, format string, args ...any) {
		b.WriteString(strings.Repeat("  ", indent))
		fmt.Fprintf(&b, format, args...)
		b.WriteByte('\n')
	}
	var werr error
	uses := func(indent int, prefix, action string) {
		v, comment, err := actions.uses(action)
		if err != nil && werr == nil {
			werr = err
		}
		if comment != "" {
			comment = " # " + comment
		}
		w(indent, "%suses: %s%s", prefix, yamlString(v), comment)
	}
	w(0, "# Generated by tagship from the release pipeline; do not edit by hand.")
	w(0, "# Tag-triggered only (no manual runs, no pre-release tags), because")
	w(0, "# the signing identity must be .../release.yml@refs/tags/vX.Y.Z.")
	w(0, "# Nothing is granted at the workflow level: each job lists its own")
	w(0, "# permissions. Actions are pinned by commit, the release in a comment.")
	w(0, "name: %s", yamlString(o.Name))
	w(0, "on:")
	w(1, "push:")
	w(2, "tags:")
	w(3, "- %s", yamlString(TagPattern))
	w(0, "permissions: {}")
	w(0, "concurrency:")
	w(1, "group: %s", yamlString("release-${{ github.ref }}"))
	w(1, "cancel-in-progress: true")
	if len(o.Env) > 0 {
		w(0, "env:")
		writeMap(w, 1, o.Env)
	}
	w(0, "jobs:")
	for _, name := range p.Order() {
		j, _ := p.Job(name)
		w(1, "%s:", name)
		w(2, "name: %s", yamlString(name))
		if len(j.Needs) > 0 {
			w(2, "needs: [%s]", strings.Join(j.Needs, ", "))
		}
		w(2, "runs-on: %s", yamlString(o.RunsOn))
		minutes := o.TimeoutMinutes
		if j.Timeout > 0 {
			minutes = int((j.Timeout + time.Minute - 1) / time.Minute)
		}
		w(2, "timeout-minutes: %d", minutes)
		if j.ContinueOnError {
			w(2, "continue-on-error: true")
		}
		if len(j.Permissions) == 0 {
			w(2, "permissions: {}")
		} else {
			w(2, "permissions:")
			perms := map[string]string{}
			for k, v := range j.Permissions {
				perms[k] = string(v)
			}
			writeMap(w, 3, perms)
		}
		if j.Environment != "" {
			w(2, "environment:")
			w(3, "name: %s", yamlString(j.Environment))
			if j.EnvironmentURL != "" {
				w(3, "url: %s", yamlString(j.EnvironmentURL))
			}
		}
		if len(j.Env) > 0 {
			w(2, "env:")
			writeMap(w, 3, j.Env)
		}
		w(2, "steps:")
		if j.Permissions.Allows(ScopeContents, Read) {
			w(3, "- name: Check out the repository")
			uses(4, "", ActionCheckout)
			w(4, "with:")
			w(5, "persist-credentials: false")
		}
		w(3, "- name: Set up Go")
		uses(4, "", ActionSetupGo)
		w(4, "with:")
		w(5, "go-version: %s", yamlString(o.GoVersion))
		w(5, "cache: false")
		if len(j.Needs) > 0 {
			w(3, "- name: Download the state of earlier jobs")
			uses(4, "", ActionDownloadArtifact)
			w(4, "with:")
			w(5, "pattern: %s", yamlString("tagship-state-*"))
			w(5, "path: %s", yamlString(o.StateDir))
			w(5, "merge-multiple: true")
			anc := p.ancestors(p.index[name])
			for _, a := range p.Order() {
				if !anc[a] {
					continue
				}
				aj, _ := p.Job(a)
				for k, pth := range aj.Paths {
					w(3, "- name: Download %s from %s", pth, a)
					uses(4, "", ActionDownloadArtifact)
					w(4, "with:")
					w(5, "name: %s", yamlString(fmt.Sprintf("tagship-files-%s-%d", a, k)))
					w(5, "path: %s", yamlString(pth))
				}
			}
		}
		for _, s := range j.Steps {
			name := s.Name
			if name == "" {
				name = s.Uses + s.Run
			}
			w(3, "- name: %s", yamlString(name))
			if s.Uses != "" {
				uses(4, "", s.Uses)
			}
			if len(s.With) > 0 {
				w(4, "with:")
				writeMap(w, 5, s.With)
			}
			if len(s.Env) > 0 {
				w(4, "env:")
				writeMap(w, 5, s.Env)
			}
			if s.Run != "" {
				w(4, "run: %s", yamlString(s.Run))
			}
		}
		w(3, "- name: Run %s", name)
		if len(j.Secrets) > 0 {
			w(4, "env:")
			env := map[string]string{}
			for k, v := range j.Secrets {
				env[k] = "${{ secrets." + v + " }}"
			}
			writeMap(w, 5, env)
		}
		line := o.Command + " -state " + ShellQuote(o.StateDir) + " -job " + name
		if len(args) > 0 {
			line += " " + strings.Join(args, " ")
		}
		if strings.ContainsAny(strings.Join(o.Args, ""), "$`") {
			// A value such as -image-build 'push "oci:$TAGSHIP_IMAGE_LAYOUT"'
			// is single-quoted on purpose: tagship's sh -c expands it, not
			// this shell. Say so to shellcheck (actionlint runs it).
			w(4, "run: |")
			w(5, "# shellcheck disable=SC2016 # single-quoted $ in flag values is expanded by the command they are passed to")
			w(5, "%s", line)
		} else {
			w(4, "run: %s", yamlString(line))
		}
		upload := func(artifact, path string) {
			w(3, "- name: Upload %s", path)
			uses(4, "", ActionUploadArtifact)
			w(4, "with:")
			w(5, "name: %s", yamlString(artifact))
			w(5, "path: %s", yamlString(path))
			w(5, "retention-days: %d", o.RetentionDays)
			w(5, "include-hidden-files: true")
			w(5, "if-no-files-found: error")
		}
		upload("tagship-state-"+name, o.StateDir+"/"+name+".json")
		for k, pth := range j.Paths {
			upload(fmt.Sprintf("tagship-files-%s-%d", name, k), pth)
		}
	}
	if werr != nil {
		return nil, werr
	}
	return b.Bytes(), nil
}

// checkJob refuses what cannot be written safely into a workflow.
func checkJob(j Job) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("release: job %s: %s", j.Name, fmt.Sprintf(format, args...))
	}
	for _, pth := range j.Paths {
		if !strings.HasSuffix(pth, "/") || strings.HasPrefix(pth, "/") || strings.Contains(pth, "..") || !pathRE.MatchString(pth) {
			return bad("path %q: want a relative directory ending in '/', such as \"dist/\"", pth)
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
		if !envNameRE.MatchString(k) || !secretNameRE.MatchString(v) {
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
			return fmt.Errorf("%s: %s: secrets and tokens do not go into an env block that several steps share; name the secret in the Job's Secrets, which maps it into the run step only", what, k)
		}
	}
	return nil
}

func noControl(s string) error {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
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
