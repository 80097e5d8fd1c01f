package ghworkflow

import (
	"bytes"
	"cmp"
	"fmt"
	"strings"

	"github.com/tagship/tagship/internal/shell"
)

// Workflow is a whole workflow, as plain data.
type Workflow struct {
	// Comment is written first, one "# " line per element.
	Comment []string
	// Name of the workflow.
	Name string
	// Tags are the tag patterns of the only trigger: a push of such a tag.
	Tags []string
	// Concurrency is the concurrency group; a run in progress in the same
	// group is cancelled. It may hold GitHub expressions.
	Concurrency string
	// Env is set on every job: no secrets, no tokens.
	Env map[string]string
	// RunsOn is the runner label of every job.
	RunsOn string
	// GoVersion is what every job gives actions/setup-go as go-version.
	GoVersion string
	// RetentionDays is how long uploaded artifacts are kept: 1 to 90.
	RetentionDays int
	// Actions is the action table every uses: is resolved by, by
	// repository; of two pins of one repository the later wins.
	Actions []Pin
	// Refs says how uses: refers to actions. Default [Commits].
	Refs Refs
	// Jobs in the order they are written.
	Jobs []Job
}

// Job is one job. Its steps are, in order: a checkout of the repository
// when Checkout is set, the set-up of Go, the Downloads, the Steps, one
// step named "Run ID" that runs Run with the Secrets in its environment,
// and the Uploads.
type Job struct {
	// ID is the job's key and name: letters, digits, '-' and '_'.
	ID string
	// Needs are the IDs of the jobs that must succeed first.
	Needs []string
	// TimeoutMinutes bounds the job: at least 1.
	TimeoutMinutes int
	// ContinueOnError lets the workflow succeed when the job fails.
	ContinueOnError bool
	// Permissions maps each scope the job's token is granted to its level
	// ("contents": "read"); none is permissions: {}.
	Permissions map[string]string
	// Environment is the deployment environment, EnvironmentURL the link
	// GitHub shows for it. Empty: none.
	Environment    string
	EnvironmentURL string
	// Env is the job's environment: no secrets, no tokens.
	Env map[string]string
	// Checkout checks the repository out first, without persisting the
	// token in it.
	Checkout bool
	// Downloads are artifacts of earlier jobs fetched before the Steps.
	Downloads []Artifact
	// Steps run before the run step.
	Steps []Step
	// Run is the run step's command, written as given (a command line,
	// not quoted), and Args its arguments, each shell-quoted
	// ([shell.Quote]) after it. An argument holding '$' or '`' is
	// single-quoted on purpose (the command expands it, not this shell):
	// the step then tells shellcheck so (SC2016).
	Run  string
	Args []string
	// Secrets maps a variable of the run step's environment to the name
	// of the secret it holds. No other step sees them.
	Secrets map[string]string
	// Uploads are the artifacts the job hands to later jobs.
	Uploads []Artifact
}

// Step is one step of a job before its run step: an action (Uses with
// its inputs With) or a one-line shell command (Run, which must not hold
// ${{ }}: values reach it through Env), named Name (default: Uses or
// Run). Uses is "OWNER/REPO[/PATH]", pinned from the action table, or
// "OWNER/REPO[/PATH]@REF" with a full commit (any ref with [Tags] or
// [MajorTags]). release.Step is this type.
type Step struct {
	Name, Uses string
	With       map[string]string
	Run        string
	Env        map[string]string
}

// Artifact is one workflow artifact a job downloads or uploads.
type Artifact struct {
	// Step is the name of the step. Default "Download PATH" or
	// "Upload PATH".
	Step string
	// Name is the artifact's name; a download's Name with '*' is a
	// pattern: every artifact it matches is merged into Path.
	Name string
	// Path is a relative path inside the workspace.
	Path string
}

// Render writes w as a workflow, or refuses the first value that cannot be
// written safely (see the package documentation).
func Render(wf Workflow) ([]byte, error) {
	actions, err := newActionTable(wf.Actions, wf.Refs)
	if err != nil {
		return nil, err
	}
	if wf.RetentionDays < 1 || wf.RetentionDays > 90 {
		return nil, fmt.Errorf("retention-days %d: want 1 to 90", wf.RetentionDays)
	}
	for _, s := range append([]string{wf.Name, wf.RunsOn, wf.GoVersion}, wf.Comment...) {
		if err := plainValue(s); err != nil {
			return nil, fmt.Errorf("workflow value %q: %w", s, err)
		}
	}
	for _, s := range wf.Tags {
		if err := noControl(s); err != nil {
			return nil, fmt.Errorf("tag pattern %q: %w", s, err)
		}
	}
	if err := noControl(wf.Concurrency); err != nil {
		return nil, fmt.Errorf("concurrency group %q: %w", wf.Concurrency, err)
	}
	if err := checkEnv("workflow Env", wf.Env); err != nil {
		return nil, err
	}
	for _, j := range wf.Jobs {
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
	uses := func(action string) {
		v, comment, err := actions.uses(action)
		if err != nil && werr == nil {
			werr = err
		}
		if comment != "" {
			comment = " # " + comment
		}
		w(4, "uses: %s%s", yamlString(v), comment)
	}
	for _, c := range wf.Comment {
		w(0, "# %s", c)
	}
	w(0, "name: %s", yamlString(wf.Name))
	w(0, "on:")
	w(1, "push:")
	w(2, "tags:")
	for _, t := range wf.Tags {
		w(3, "- %s", yamlString(t))
	}
	w(0, "permissions: {}")
	w(0, "concurrency:")
	w(1, "group: %s", yamlString(wf.Concurrency))
	w(1, "cancel-in-progress: true")
	if len(wf.Env) > 0 {
		w(0, "env:")
		writeMap(w, 1, wf.Env)
	}
	w(0, "jobs:")
	for _, j := range wf.Jobs {
		w(1, "%s:", j.ID)
		w(2, "name: %s", yamlString(j.ID))
		if len(j.Needs) > 0 {
			w(2, "needs: [%s]", strings.Join(j.Needs, ", "))
		}
		w(2, "runs-on: %s", yamlString(wf.RunsOn))
		w(2, "timeout-minutes: %d", j.TimeoutMinutes)
		if j.ContinueOnError {
			w(2, "continue-on-error: true")
		}
		if len(j.Permissions) == 0 {
			w(2, "permissions: {}")
		} else {
			w(2, "permissions:")
			writeMap(w, 3, j.Permissions)
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
		if j.Checkout {
			w(3, "- name: Check out the repository")
			uses(Checkout)
			w(4, "with:")
			w(5, "persist-credentials: false")
		}
		w(3, "- name: Set up Go")
		uses(SetupGo)
		w(4, "with:")
		w(5, "go-version: %s", yamlString(wf.GoVersion))
		w(5, "cache: false")
		for _, a := range j.Downloads {
			w(3, "- name: %s", cmp.Or(a.Step, "Download "+a.Path))
			uses(DownloadArtifact)
			w(4, "with:")
			if strings.Contains(a.Name, "*") {
				w(5, "pattern: %s", yamlString(a.Name))
				w(5, "path: %s", yamlString(a.Path))
				w(5, "merge-multiple: true")
			} else {
				w(5, "name: %s", yamlString(a.Name))
				w(5, "path: %s", yamlString(a.Path))
			}
		}
		for _, s := range j.Steps {
			w(3, "- name: %s", yamlString(cmp.Or(s.Name, s.Uses+s.Run)))
			if s.Uses != "" {
				uses(s.Uses)
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
		w(3, "- name: Run %s", j.ID)
		if len(j.Secrets) > 0 {
			w(4, "env:")
			env := map[string]string{}
			for k, v := range j.Secrets {
				env[k] = "${{ secrets." + v + " }}"
			}
			writeMap(w, 5, env)
		}
		line := j.Run
		for _, a := range j.Args {
			line += " " + shell.Quote(a)
		}
		if strings.ContainsAny(strings.Join(j.Args, ""), "$`") {
			// A value such as -image-build 'push "oci:$TAGSHIP_IMAGE_LAYOUT"'
			// is single-quoted on purpose: the command's sh -c expands it,
			// not this shell. Say so to shellcheck (actionlint runs it).
			w(4, "run: |")
			w(5, "# shellcheck disable=SC2016 # single-quoted $ in flag values is expanded by the command they are passed to")
			w(5, "%s", line)
		} else {
			w(4, "run: %s", yamlString(line))
		}
		for _, a := range j.Uploads {
			w(3, "- name: %s", cmp.Or(a.Step, "Upload "+a.Path))
			uses(UploadArtifact)
			w(4, "with:")
			w(5, "name: %s", yamlString(a.Name))
			w(5, "path: %s", yamlString(a.Path))
			w(5, "retention-days: %d", wf.RetentionDays)
			w(5, "include-hidden-files: true")
			w(5, "if-no-files-found: error")
		}
	}
	if werr != nil {
		return nil, werr
	}
	return b.Bytes(), nil
}
