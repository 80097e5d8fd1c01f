package release

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/tagship/tagship/internal/dag"
	"github.com/tagship/tagship/internal/ghworkflow"
)

// Job is one named step of a [Pipeline]. Jobs are plain data: the pipeline
// decides when Run is called, from which goroutine, and with what inputs.
type Job struct {
	// Name identifies the job (e.g. "build-wheel"); unique in a pipeline and
	// usable as a GitHub Actions job id: letters, digits, '-' and '_'.
	Name string
	// Needs lists the jobs that must succeed before this one starts.
	Needs []string
	// Run does the work. Its result must marshal to JSON: it is recorded in
	// the state directory and handed to dependent jobs (see [Get]).
	Run func(ctx context.Context, in *Inputs) (any, error)
	// Fingerprint returns what identifies this job's inputs beyond the
	// outputs of the jobs it needs (for example the tag and the build
	// command). A rerun with a state directory skips a job whose previous
	// success recorded the same fingerprint. Nil means "the needs' outputs
	// only".
	Fingerprint func(in *Inputs) (string, error)
	// Plan describes, for a dry run, what the job would build, sign or
	// publish and where. Nil means the job is listed without details.
	Plan func() []string
	// Paths are the files and directories (relative to the workspace) the
	// job produces for later jobs, e.g. "dist/". In an exported GitHub
	// Actions workflow they travel between jobs as workflow artifacts,
	// together with the job's state file.
	Paths []string
	// Permissions are the GitHub Actions token permissions the job is
	// granted, and all it is granted: an exported workflow grants nothing
	// at the workflow level (permissions: {}). The engine holds the job to
	// them when it runs in-process too: a use of a capability the job does
	// not declare fails with a [*PermissionError] (see [Require],
	// [CheckedTokenSource], [CheckedTransport]). A job without
	// ScopeContents is exported without a checkout of the repository.
	Permissions Permissions
	// Environment is the deployment environment the job runs in when
	// exported to GitHub Actions (e.g. "pypi" for Trusted Publishing), and
	// EnvironmentURL the link GitHub shows for a deployment to it (e.g.
	// "https://pypi.org/p/NAME"). Empty: none.
	Environment    string
	EnvironmentURL string
	// Timeout bounds the job: its Run's context is cancelled after it,
	// and an exported job gets timeout-minutes (rounded up). Zero: no
	// bound in-process, [WorkflowOptions.TimeoutMinutes] when exported.
	Timeout time.Duration
	// ContinueOnError lets an exported workflow succeed when this job
	// fails (GitHub Actions' job-level continue-on-error), for a job whose
	// failure must not fail the release, such as an optional index upload.
	// In-process the job's failure is reported as usual.
	ContinueOnError bool
	// Steps run, in an exported workflow, before the step that runs the
	// job: setting up a toolchain, installing the build's tools. The
	// engine does not run them in-process.
	Steps []Step
	// Env is the job's environment in an exported workflow: plain values
	// or ${{ }} expressions that are not secrets.
	Env map[string]string
	// Secrets names, for an exported workflow, the secrets the job's run
	// step receives as environment variables: variable to secret name,
	// e.g. {"GITHUB_TOKEN": "GITHUB_TOKEN"} gives the step
	// GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}. No other step, and no
	// other job, sees them.
	Secrets map[string]string
}

// Pipeline is a validated directed acyclic graph of jobs. Build it with
// [New]; run it with [Pipeline.Run]. A Pipeline is immutable and safe to run
// more than once (sequentially, per state directory).
type Pipeline struct {
	jobs  []Job // in the order given
	index map[string]int
	graph *dag.Graph // the jobs and their needs
	opts  options
}

// Option configures a [Pipeline].
type Option func(*options) error

type options struct {
	maxParallel int
	failFast    bool
	stateDir    string
	logger      *slog.Logger
	onEvent     func(Event)
	name        string
}

// WithMaxParallel bounds how many jobs run at once. Default 4.
func WithMaxParallel(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return fmt.Errorf("release: WithMaxParallel(%d): need at least 1", n)
		}
		o.maxParallel = n
		return nil
	}
}

// WithFailFast cancels every running job as soon as one fails, and does not
// start any more. Default off: independent jobs keep going and only the
// failed job's dependents are skipped.
func WithFailFast() Option {
	return func(o *options) error { o.failFast = true; return nil }
}

// WithStateDir records every job's status, fingerprint and output in dir, so
// that a rerun of the same pipeline skips the jobs that already succeeded
// with the same inputs and re-runs only the rest (GitHub Actions' "re-run
// failed jobs"). The directory is locked while a run is in progress: a
// second concurrent run on it is refused with [ErrRunInProgress] (the
// reference workflow's concurrency group, one per tag). Default: no state,
// every job runs.
func WithStateDir(dir string) Option {
	return func(o *options) error { o.stateDir = dir; return nil }
}

// WithLogger sets the logger that receives one record per event. Default: a
// logger that discards everything.
// WithLogger(nil) is the same as the default: nothing is logged.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		o.logger = cmp.Or(l, slog.New(slog.DiscardHandler))
		return nil
	}
}

// WithEvents calls fn for every [Event], from the job's goroutine or the
// scheduler's; fn must be safe for concurrent use and return quickly.
// Default: no callback.
func WithEvents(fn func(Event)) Option {
	return func(o *options) error { o.onEvent = fn; return nil }
}

// WithName names the pipeline (the workflow name in a GitHub Actions
// export). Default "release".
func WithName(name string) Option {
	return func(o *options) error { o.name = name; return nil }
}

// ErrInvalidPipeline is wrapped by every error [New] returns for a malformed
// graph.
var ErrInvalidPipeline = errors.New("invalid pipeline")

// GraphError reports a malformed job graph, naming the jobs involved.
type GraphError struct {
	Problem string   // "duplicate job", "unknown dependency", "cycle", "invalid job"
	Jobs    []string // the jobs involved; for a cycle, the path with its start repeated at the end
	Detail  string
}

func (e *GraphError) Error() string {
	s := "release: " + e.Problem + ": " + strings.Join(e.Jobs, " -> ")
	if e.Problem != "cycle" {
		s = "release: " + e.Problem + ": " + strings.Join(e.Jobs, ", ")
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

func (e *GraphError) Unwrap() error { return ErrInvalidPipeline }

// New validates jobs and returns a pipeline. Duplicate names, dependencies
// on unknown jobs, cycles, empty names and jobs without Run are errors
// ([*GraphError]) naming the jobs involved.
func New(jobs []Job, opts ...Option) (*Pipeline, error) {
	p := &Pipeline{index: make(map[string]int, len(jobs))}
	p.opts = options{maxParallel: 4, logger: slog.New(slog.DiscardHandler), name: "release"}
	for _, o := range opts {
		if err := o(&p.opts); err != nil {
			return nil, err
		}
	}
	for i, j := range jobs {
		if !ghworkflow.ValidJobID(j.Name) {
			return nil, &GraphError{Problem: "invalid job", Jobs: []string{fmt.Sprintf("%q", j.Name)},
				Detail: "a job name must be 1-100 letters, digits, '-' or '_' and start with a letter or '_'"}
		}
		if j.Run == nil {
			return nil, &GraphError{Problem: "invalid job", Jobs: []string{j.Name}, Detail: "Run is nil"}
		}
		if _, dup := p.index[j.Name]; dup { // the graph's rule, met here in the order of the job checks
			return nil, p.graphError(&dag.Error{Err: dag.ErrDuplicate, Nodes: []string{j.Name}})
		}
		if err := j.Permissions.Validate(); err != nil {
			return nil, &GraphError{Problem: "invalid job", Jobs: []string{j.Name}, Detail: err.Error()}
		}
		if j.Timeout < 0 {
			return nil, &GraphError{Problem: "invalid job", Jobs: []string{j.Name}, Detail: "negative Timeout"}
		}
		p.index[j.Name] = i
		j.Needs = append([]string(nil), j.Needs...)
		j.Permissions = maps.Clone(j.Permissions)
		j.Env, j.Secrets = maps.Clone(j.Env), maps.Clone(j.Secrets)
		j.Steps = slices.Clone(j.Steps)
		p.jobs = append(p.jobs, j)
	}
	nodes := make([]dag.Node, len(p.jobs))
	for i, j := range p.jobs {
		nodes[i] = dag.Node{Name: j.Name, Needs: j.Needs}
	}
	g, err := dag.New(nodes)
	if err != nil {
		return nil, p.graphError(err.(*dag.Error)) // New's only error type
	}
	p.graph = g
	return p, nil
}

// graphError words the graph's refusal in terms of jobs.
func (p *Pipeline) graphError(e *dag.Error) *GraphError {
	switch e.Err {
	case dag.ErrUnknownNeed:
		return &GraphError{Problem: "unknown dependency", Jobs: e.Nodes,
			Detail: fmt.Sprintf("job %s needs %q, which is not in the pipeline (jobs: %s)", e.Nodes[0], e.Nodes[1], strings.Join(p.Names(), ", "))}
	case dag.ErrNeedTwice:
		return &GraphError{Problem: "invalid job", Jobs: e.Nodes[:1], Detail: fmt.Sprintf("needs %q twice", e.Nodes[1])}
	case dag.ErrCycle:
		return &GraphError{Problem: "cycle", Jobs: e.Nodes, Detail: "a job cannot (indirectly) need itself"}
	}
	return &GraphError{Problem: "duplicate job", Jobs: e.Nodes, Detail: "two jobs have this name; rename one"} // dag.ErrDuplicate
}

// Names returns the job names in declaration order.
func (p *Pipeline) Names() []string {
	out := make([]string, len(p.jobs))
	for i, j := range p.jobs {
		out[i] = j.Name
	}
	return out
}

// Job returns the named job and whether it exists.
func (p *Pipeline) Job(name string) (Job, bool) {
	i, ok := p.index[name]
	if !ok {
		return Job{}, false
	}
	return p.jobs[i], true
}

// Order returns the job names in a topological order: every job after the
// jobs it needs, ties broken by declaration order.
func (p *Pipeline) Order() []string { return p.graph.Order() }
