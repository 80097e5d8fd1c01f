package release

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/tagship/tagship/internal/dag"
)

// Inputs is a running job's view of the pipeline: the outputs of the jobs it
// needs, and a way to report progress. It is valid only during Run.
type Inputs struct {
	job   string
	p     *Pipeline
	st    *store
	log   *slog.Logger
	emit  func(Event)
	needs map[string]bool // transitive needs
}

// Job returns the name of the running job.
func (in *Inputs) Job() string { return in.job }

// Decode unmarshals the recorded output of job into v. job must be one of
// the running job's needs, directly or transitively: data flows only along
// the graph's edges.
func (in *Inputs) Decode(job string, v any) error {
	if !in.needs[job] {
		return fmt.Errorf("release: job %s reads the output of %s, which it does not need; add %q to its Needs", in.job, job, job)
	}
	js, ok := in.st.Get(job)
	if !ok || !js.Status.Done() {
		return fmt.Errorf("release: job %s needs the output of %s, which has not succeeded", in.job, job)
	}
	if len(js.Output) == 0 {
		return fmt.Errorf("release: job %s recorded no output", job)
	}
	if err := json.Unmarshal(js.Output, v); err != nil {
		return fmt.Errorf("release: decode output of %s for %s: %w", job, in.job, err)
	}
	return nil
}

// Get returns the output of job decoded as a T (see [Inputs.Decode]).
func Get[T any](in *Inputs, job string) (T, error) {
	var v T
	err := in.Decode(job, &v)
	return v, err
}

// Progress reports that done of total bytes of item (a file, a blob) are
// through. total is -1 when unknown.
func (in *Inputs) Progress(item string, done, total int64) {
	in.emit(Event{Job: in.job, Kind: EventProgress, Item: item, Done: done, Total: total})
}

// Log reports a line of progress text as an [EventLog].
func (in *Inputs) Log(format string, args ...any) {
	in.emit(Event{Job: in.job, Kind: EventLog, Message: fmt.Sprintf(format, args...)})
}

// Logger returns the pipeline's logger with the job's name attached.
func (in *Inputs) Logger() *slog.Logger { return in.log }

// JobReport is one job's line in a [Report].
type JobReport struct {
	Name     string
	Status   Status
	Duration time.Duration
	Err      error  // for failed and cancelled jobs
	Reason   string // for skipped, reused and cancelled jobs
	Output   json.RawMessage
}

// Report is the outcome of a run: one line per job, in declaration order.
type Report struct {
	Jobs     []JobReport
	Duration time.Duration
}

// Job returns the named job's line.
func (r *Report) Job(name string) (JobReport, bool) {
	for _, j := range r.Jobs {
		if j.Name == name {
			return j, true
		}
	}
	return JobReport{}, false
}

// OK reports whether every job succeeded or was reused.
func (r *Report) OK() bool {
	for _, j := range r.Jobs {
		if !j.Status.Done() {
			return false
		}
	}
	return true
}

// RunError is returned when a run did not complete: it names every job that
// failed, was skipped or was cancelled. errors.Is/As see the failed jobs'
// errors (and context.Canceled for a cancelled run).
type RunError struct {
	Failed    []string
	Skipped   []string
	Cancelled []string
	errs      []error
}

func (e *RunError) Error() string {
	var b strings.Builder
	b.WriteString("release: run incomplete")
	for _, part := range []struct {
		what string
		jobs []string
	}{{"failed", e.Failed}, {"cancelled", e.Cancelled}, {"skipped", e.Skipped}} {
		if len(part.jobs) > 0 {
			fmt.Fprintf(&b, "; %s: %s", part.what, strings.Join(part.jobs, ", "))
		}
	}
	for _, err := range e.errs {
		b.WriteString("\n  ")
		b.WriteString(err.Error())
	}
	if len(e.Failed) > 0 || len(e.Cancelled) > 0 {
		b.WriteString("\nfix the cause and run again: jobs that succeeded are not repeated")
	}
	return b.String()
}

// Unwrap returns the failed jobs' errors.
func (e *RunError) Unwrap() []error { return e.errs }

// JobError is a failed job's error, naming the job.
type JobError struct {
	Job string
	Err error
}

func (e *JobError) Error() string { return e.Job + ": " + e.Err.Error() }
func (e *JobError) Unwrap() error { return e.Err }

// Err returns nil when every job succeeded or was reused, else a *RunError.
func (r *Report) Err() error {
	if r.OK() {
		return nil
	}
	e := &RunError{}
	for _, j := range r.Jobs {
		switch j.Status {
		case StatusFailed:
			e.Failed = append(e.Failed, j.Name)
			e.errs = append(e.errs, &JobError{Job: j.Name, Err: j.Err})
		case StatusCancelled:
			e.Cancelled = append(e.Cancelled, j.Name)
			if j.Err != nil {
				e.errs = append(e.errs, &JobError{Job: j.Name, Err: j.Err})
			}
		case StatusSkipped, StatusPending:
			e.Skipped = append(e.Skipped, j.Name)
		}
	}
	return e
}

// Run runs every job, each as soon as all the jobs it needs have succeeded,
// at most [WithMaxParallel] at once. A failed job's dependents are skipped
// with the reason; independent jobs keep going unless [WithFailFast].
// Cancelling ctx stops everything promptly: running jobs see a cancelled
// context and pending ones are reported as cancelled.
//
// The report is always returned; the error is non-nil when the run did not
// complete (a [*RunError]) or when the state directory could not be used.
func (p *Pipeline) Run(ctx context.Context) (*Report, error) {
	return p.run(ctx, nil)
}

// RunJob runs the named job alone, reading the outputs of the jobs it needs
// from the state directory: this is how each GitHub Actions job of an
// exported workflow runs its part of the pipeline. It needs [WithStateDir].
func (p *Pipeline) RunJob(ctx context.Context, name string) (*Report, error) {
	if _, ok := p.index[name]; !ok {
		return nil, fmt.Errorf("release: no job %q in the pipeline (jobs: %s)", name, strings.Join(p.Names(), ", "))
	}
	if p.opts.stateDir == "" {
		return nil, errors.New("release: RunJob needs WithStateDir: the outputs of the jobs it needs come from there")
	}
	return p.run(ctx, map[string]bool{name: true})
}

func (p *Pipeline) run(ctx context.Context, only map[string]bool) (*Report, error) {
	start := time.Now()
	st, err := openStore(p.opts.stateDir)
	if err != nil {
		return nil, err
	}
	defer st.Close()

	n := len(p.jobs)
	jr := &jobRun{p: p, st: st, only: only, reports: make([]JobReport, n), in: make([]*Inputs, n), fp: make([]string, n)}
	if only != nil {
		jr.relevant = p.graph.Closure(only)
	}
	p.graph.Run(ctx, p.opts.maxParallel, p.opts.failFast, jr)
	r := jr.report(time.Since(start))
	if err := r.Err(); err != nil {
		if ctx.Err() != nil {
			return r, fmt.Errorf("%w: %w", err, ctx.Err())
		}
		return r, err
	}
	return r, nil
}

// jobRun is one run of a Pipeline as the graph's executor sees it (a
// [dag.Handler]): it decides what becomes of each job that is ready, runs
// it, and words and records how each job ended. [dag.Graph.Run] does the
// scheduling: when a job is ready, how many run at once, skipping the
// dependents of a job that did not succeed, fail-fast and cancellation.
type jobRun struct {
	p  *Pipeline
	st *store

	only     map[string]bool // RunJob: the selected jobs; nil for Run
	relevant map[string]bool // RunJob: the selected jobs and their ancestors

	// By job: how it ended (written by Ready or Execute when they settle
	// it, completed by Settled); the launched jobs' inputs and
	// fingerprints.
	reports []JobReport
	in      []*Inputs
	fp      []string
}

// report lists the relevant jobs' reports in pipeline order.
func (r *jobRun) report(d time.Duration) *Report {
	rep := &Report{Duration: d}
	for i, jr := range r.reports {
		if r.relevant == nil || r.relevant[r.p.jobs[i].Name] {
			rep.Jobs = append(rep.Jobs, jr)
		}
	}
	return rep
}

// Ready decides whether job i runs: outside a RunJob selection (set
// aside, or only read from the state directory), reused from the state
// directory, or launched.
func (r *jobRun) Ready(_ context.Context, i int) dag.Outcome {
	j := r.p.jobs[i]
	if r.relevant != nil && !r.relevant[j.Name] {
		return dag.Aside
	}
	if r.only != nil && !r.only[j.Name] {
		return r.readOnly(i)
	}
	in := &Inputs{job: j.Name, p: r.p, st: r.st, needs: r.p.graph.Ancestors(j.Name),
		log: r.p.opts.logger.With(slog.String("job", j.Name)), emit: r.p.opts.emit}
	fp, err := r.p.fingerprint(j, in)
	if err != nil {
		err = fmt.Errorf("fingerprint: %w", err)
		r.st.Put(j.Name, JobState{Status: StatusFailed, Error: err.Error()})
		return r.ended(i, JobReport{Status: StatusFailed, Err: err})
	}
	if js, ok := r.st.Get(j.Name); ok && js.Status.Done() && js.Fingerprint == fp {
		return r.ended(i, JobReport{Status: StatusReused, Output: js.Output, Reason: "succeeded earlier with the same inputs"})
	}
	r.in[i], r.fp[i] = in, fp
	return dag.Launch
}

// readOnly settles, for RunJob, a job around the selected ones: only read
// from the state directory, never run.
func (r *jobRun) readOnly(i int) dag.Outcome {
	js, ok := r.st.Get(r.p.jobs[i].Name)
	if ok && js.Status.Done() {
		return r.ended(i, JobReport{Status: StatusReused, Output: js.Output, Reason: "recorded by an earlier job run"})
	}
	return r.ended(i, JobReport{Status: StatusSkipped, Reason: "not selected, and no recorded success in the state directory"})
}

// ended records how job i ended until Settled reports it, and says how
// that counts for the job's dependents.
func (r *jobRun) ended(i int, jr JobReport) dag.Outcome {
	r.reports[i] = jr
	switch {
	case jr.Status.Done():
		return dag.Succeeded
	case jr.Status == StatusFailed:
		return dag.Failed
	}
	return dag.Stopped
}

// Execute runs job i's body and records the outcome in the state
// directory; a success that cannot be recorded is a failure.
func (r *jobRun) Execute(ctx context.Context, i int) dag.Outcome {
	j, fp := r.p.jobs[i], r.fp[i]
	t0 := time.Now()
	r.st.Put(j.Name, JobState{Status: StatusRunning, Fingerprint: fp, Started: t0})
	r.p.opts.emit(Event{Job: j.Name, Kind: EventStarted, Time: t0})
	out, err := runJob(ctx, j, r.in[i])
	d := JobReport{Duration: time.Since(t0)}
	switch {
	case err == nil:
		b, merr := json.Marshal(out)
		if merr != nil {
			d.Status, d.Err = StatusFailed, fmt.Errorf("output does not marshal to JSON: %w", merr)
		} else {
			d.Status, d.Output = StatusSucceeded, b
		}
	case ctx.Err() != nil:
		d.Status, d.Err = StatusCancelled, err
	default:
		d.Status, d.Err = StatusFailed, err
	}
	js := JobState{Status: d.Status, Fingerprint: fp, Output: d.Output, Started: t0, Finished: time.Now()}
	if d.Err != nil {
		js.Error = d.Err.Error()
	}
	if perr := r.st.Put(j.Name, js); perr != nil && d.Status == StatusSucceeded {
		d.Status, d.Err = StatusFailed, perr
	}
	return r.ended(i, d)
}

// Settled completes, in the release's words, the report of job s.Node and
// reports it as an EventFinished (a job still pending when the run ended
// is only recorded).
func (r *jobRun) Settled(s dag.Settlement) {
	jr := &r.reports[s.Node]
	jr.Name = r.p.jobs[s.Node].Name
	switch s.Cause {
	case dag.ByHandler:
		if jr.Status == StatusCancelled && jr.Reason == "" {
			jr.Reason = r.cancelReason(s, "")
		}
	case dag.NeedNotSucceeded:
		need := r.reports[s.Need]
		jr.Status, jr.Reason = StatusSkipped, fmt.Sprintf("needs %s, which %s", need.Name, need.Status)
	case dag.CancelledBeforeStart:
		jr.Status, jr.Reason = StatusCancelled, r.cancelReason(s, "the run was cancelled before it started")
	case dag.CancelledWaitingForSlot:
		jr.Status, jr.Reason, jr.Err = StatusCancelled, "cancelled while waiting for a free slot", s.Err
	case dag.CancelledPending:
		jr.Status, jr.Reason = StatusCancelled, r.cancelReason(s, "the run was cancelled")
		return
	}
	r.p.opts.emit(Event{Job: jr.Name, Kind: EventFinished, Status: jr.Status, Duration: jr.Duration, Err: jr.Err, Reason: jr.Reason})
}

// cancelReason says why a job did not run to the end: fail-fast names the
// job that failed, otherwise the run itself was cancelled.
func (r *jobRun) cancelReason(s dag.Settlement, otherwise string) string {
	if s.FailedFast >= 0 {
		return "fail-fast: " + r.p.jobs[s.FailedFast].Name + " failed"
	}
	return otherwise
}

// runJob calls j.Run, turning a panic into an error so one broken job
// cannot take the whole release down with half of it published.
func runJob(ctx context.Context, j Job, in *Inputs) (out any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	ctx = withRunningJob(ctx, j, in.emit)
	if j.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, j.Timeout, fmt.Errorf("release: job %s ran longer than its Timeout %s", j.Name, j.Timeout))
		defer cancel()
	}
	return j.Run(ctx, in)
}

// fingerprint combines the job's name, the recorded outputs of its needs
// and its own Fingerprint.
func (p *Pipeline) fingerprint(j Job, in *Inputs) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "job %s\n", j.Name)
	needs := slices.Clone(j.Needs)
	slices.Sort(needs)
	for _, n := range needs {
		js, _ := in.st.Get(n)
		fmt.Fprintf(h, "need %s %d\n", n, len(js.Output))
		h.Write(js.Output)
	}
	if j.Fingerprint != nil {
		s, err := j.Fingerprint(in)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "own %d\n%s", len(s), s)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
