package release

import (
	"cmp"
	"fmt"

	"github.com/tagship/tagship/internal/ghworkflow"
	"github.com/tagship/tagship/internal/shell"
)

// Step is one step of an exported job before its run step: an action
// (Uses, With) or a one-line shell command (Run), named Name, with its own
// Env. Uses is an action "OWNER/REPO[/PATH]": the exported workflow pins
// it by the action table (see [WorkflowOptions.Actions]); a reference
// given as "OWNER/REPO@REF" must be a full commit SHA unless tags are
// chosen ([ActionTags]). Run must not contain ${{ }}: pass values through
// Env, where the shell sees them as variables.
type Step = ghworkflow.Step

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
	o.Name = cmp.Or(o.Name, p.opts.name)
	x := ghworkflow.Export{Options: ghworkflow.Options(o), Module: ModulePath, Package: DefaultCommandPackage, Tags: []string{TagPattern}}
	for _, name := range p.Order() {
		j, _ := p.Job(name)
		perms := map[string]string{}
		for k, v := range j.Permissions {
			perms[k] = string(v)
		}
		x.Jobs = append(x.Jobs, ghworkflow.ExportJob{Job: ghworkflow.Job{ID: name, Needs: j.Needs, ContinueOnError: j.ContinueOnError,
			Permissions: perms, Environment: j.Environment, EnvironmentURL: j.EnvironmentURL, Env: j.Env,
			Checkout: j.Permissions.Allows(ScopeContents, Read), Steps: j.Steps, Secrets: j.Secrets},
			Timeout: j.Timeout, Paths: j.Paths, After: p.ancestors(p.index[name])})
	}
	b, err := x.Render()
	if err != nil {
		return nil, fmt.Errorf("release: %w", err)
	}
	return b, nil
}

// ShellQuote quotes s as one word for a POSIX shell: unchanged when it
// holds only characters no shell treats specially, else in single quotes
// (a single quote inside closes the quotes, is escaped with a backslash,
// and reopens them).
func ShellQuote(s string) string { return shell.Quote(s) }
