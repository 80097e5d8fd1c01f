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
// [Pipeline.GitHubWorkflow] renders; the zero value is the secure default.
// Its fields, with their defaults: Name (the pipeline's, [WithName]),
// Command ("go run github.com/tagship/tagship/examples/release@VERSION",
// which runs in a Python project), Version (of the default Command:
// [ModuleVersion]), Args (after "-job NAME" in every run step, each
// shell-quoted), StateDir (".tagship"), RunsOn ("ubuntu-latest"),
// GoVersion (the exporting binary's), Actions (added to [DefaultActions]),
// ActionRefs ([ActionCommits]), RetentionDays (7), TimeoutMinutes (30, for
// jobs without a Timeout) and Env (set on every job; secrets are refused:
// a job names its own in [Job.Secrets]).
type WorkflowOptions = ghworkflow.Options

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
	x := ghworkflow.Export{Options: o, Module: ModulePath, Package: DefaultCommandPackage, Tags: []string{TagPattern}}
	for _, name := range p.Order() {
		j, _ := p.Job(name)
		perms := map[string]string{}
		for k, v := range j.Permissions {
			perms[k] = string(v)
		}
		x.Jobs = append(x.Jobs, ghworkflow.ExportJob{Job: ghworkflow.Job{ID: name, Needs: j.Needs, ContinueOnError: j.ContinueOnError,
			Permissions: perms, Environment: j.Environment, EnvironmentURL: j.EnvironmentURL, Env: j.Env,
			Checkout: j.Permissions.Allows(ScopeContents, Read), Steps: j.Steps, Secrets: j.Secrets},
			Timeout: j.Timeout, Paths: j.Paths, After: p.graph.Ancestors(name)})
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
