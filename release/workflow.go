package release

import (
	"cmp"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tagship/tagship/internal/ghworkflow"
	"github.com/tagship/tagship/internal/shell"
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
	o.Name, o.StateDir, o.RunsOn = cmp.Or(o.Name, p.opts.name), cmp.Or(o.StateDir, ".tagship"), cmp.Or(o.RunsOn, "ubuntu-latest")
	o.RetentionDays, o.TimeoutMinutes = cmp.Or(o.RetentionDays, 7), cmp.Or(o.TimeoutMinutes, 30)
	if o.Command == "" {
		if o.Version == "" {
			v, ok := ModuleVersion()
			if !ok {
				return nil, fmt.Errorf("release: the default command runs %s@VERSION, and this binary has no module version (a local build): set WorkflowOptions.Version (examples/release: -version) or Command", DefaultCommandPackage)
			}
			o.Version = v
		}
		if !ghworkflow.ValidRef(o.Version) {
			return nil, fmt.Errorf("release: WorkflowOptions.Version %q: want a module version such as v0.3.0", o.Version)
		}
		o.Command = "go run " + DefaultCommandPackage + "@" + o.Version
	}
	if o.GoVersion = cmp.Or(o.GoVersion, ghworkflow.GoVersion()); o.GoVersion == "" {
		return nil, fmt.Errorf("release: the Go version of this binary is unknown: set WorkflowOptions.GoVersion")
	}
	if o.TimeoutMinutes < 1 {
		return nil, fmt.Errorf("release: TimeoutMinutes %d: want at least 1", o.TimeoutMinutes)
	}
	if err := ghworkflow.CheckPath(o.StateDir); err != nil {
		return nil, fmt.Errorf("release: StateDir %q: want a relative directory inside the workspace: %w", o.StateDir, err)
	}
	wf := ghworkflow.Workflow{Comment: workflowComment, Name: o.Name, Tags: []string{TagPattern},
		Concurrency: "release-${{ github.ref }}", Env: o.Env, RunsOn: o.RunsOn, GoVersion: o.GoVersion,
		RetentionDays: o.RetentionDays, Actions: ghworkflow.DefaultActions(), Refs: ghworkflow.Refs(o.ActionRefs)}
	for _, a := range o.Actions {
		wf.Actions = append(wf.Actions, ghworkflow.Pin(a))
	}
	for _, name := range p.Order() {
		j, _ := p.Job(name)
		gj := ghworkflow.Job{ID: name, Needs: j.Needs, TimeoutMinutes: o.TimeoutMinutes, ContinueOnError: j.ContinueOnError,
			Permissions: map[string]string{}, Environment: j.Environment, EnvironmentURL: j.EnvironmentURL, Env: j.Env,
			Checkout: j.Permissions.Allows(ScopeContents, Read), Secrets: j.Secrets,
			Run: o.Command, Args: append([]string{"-state", o.StateDir, "-job", name}, o.Args...),
			Uploads: []ghworkflow.Artifact{{Name: "tagship-state-" + name, Path: o.StateDir + "/" + name + ".json"}}}
		if j.Timeout > 0 {
			gj.TimeoutMinutes = int((j.Timeout + time.Minute - 1) / time.Minute)
		}
		for k, v := range j.Permissions {
			gj.Permissions[k] = string(v)
		}
		for _, s := range j.Steps {
			gj.Steps = append(gj.Steps, ghworkflow.Step(s))
		}
		if len(j.Needs) > 0 {
			gj.Downloads = []ghworkflow.Artifact{{Step: "Download the state of earlier jobs", Name: "tagship-state-*", Path: o.StateDir}}
			anc := p.ancestors(p.index[name])
			for _, a := range p.Order() {
				aj, _ := p.Job(a)
				for k, pth := range aj.Paths {
					if anc[a] { // in the order of the pipeline, each file artifact of every job before this one
						gj.Downloads = append(gj.Downloads, ghworkflow.Artifact{Step: fmt.Sprintf("Download %s from %s", pth, a), Name: fmt.Sprintf("tagship-files-%s-%d", a, k), Path: pth})
					}
				}
			}
		}
		for k, pth := range j.Paths {
			if err := ghworkflow.CheckPath(pth); err != nil || !strings.HasSuffix(pth, "/") {
				return nil, fmt.Errorf("release: job %s: path %q: want a relative directory ending in '/', such as \"dist/\"", name, pth)
			}
			gj.Uploads = append(gj.Uploads, ghworkflow.Artifact{Name: fmt.Sprintf("tagship-files-%s-%d", name, k), Path: pth})
		}
		wf.Jobs = append(wf.Jobs, gj)
	}
	b, err := ghworkflow.Render(wf)
	if errors.Is(err, ghworkflow.ErrNotPinned) {
		return nil, fmt.Errorf("release: %w (the action table is DefaultActions with WorkflowOptions.Actions: add an ActionPin there)", err)
	} else if err != nil {
		return nil, fmt.Errorf("release: %w", err)
	}
	return b, nil
}

var workflowComment = []string{
	"Generated by tagship from the release pipeline; do not edit by hand.",
	"Tag-triggered only (no manual runs, no pre-release tags), because",
	"the signing identity must be .../release.yml@refs/tags/vX.Y.Z.",
	"Nothing is granted at the workflow level: each job lists its own",
	"permissions. Actions are pinned by commit, the release in a comment.",
}

// ShellQuote quotes s as one word for a POSIX shell: unchanged when it
// holds only characters no shell treats specially, else in single quotes
// (a single quote inside closes the quotes, is escaped with a backslash,
// and reopens them).
func ShellQuote(s string) string { return shell.Quote(s) }
