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

	runCtx, cancelRun := context.WithCancel(ctx)
	defer cancelRun()

	s := newScheduler(p, st, cancelRun, only)
	s.startReady(runCtx)
	s.wait(runCtx)
	s.cancelPending()
	r := s.report(time.Since(start))
	if err := r.Err(); err != nil {
		if ctx.Err() != nil {
			return r, fmt.Errorf("%w: %w", err, ctx.Err())
		}
		return r, err
	}
	return r, nil
}

// scheduler is one run of a Pipeline: it starts each job once its needs
// are done, at most maxParallel at a time, and settles each job's outcome
// on the goroutine that called run. Only the job bodies run elsewhere;
// they report back through results.
type scheduler struct {
	p         *Pipeline
	st        *store
	cancelRun context.CancelFunc // cancels the run's context (fail-fast)

	only     map[string]bool // RunJob: the selected jobs; nil for Run
	relevant map[string]bool // RunJob: the selected jobs and their ancestors

	status     []Status
	reports    []JobReport
	remaining  []int   // unmet needs per job
	dependents [][]int // jobs that need each job

	results    chan jobDone
	sem        chan struct{}
	running    int
	failFastBy string // the job whose failure cancelled the run
}

// jobDone is the outcome of one job.
type jobDone struct {
	i      int
	status Status
	out    json.RawMessage
	fp     string
	err    error
	reason string
	dur    time.Duration
}

func newScheduler(p *Pipeline, st *store, cancel context.CancelFunc, only map[string]bool) *scheduler {
	n := len(p.jobs)
	s := &scheduler{
		p: p, st: st, cancelRun: cancel, only: only,
		relevant:   p.relevantJobs(only),
		status:     make([]Status, n),
		reports:    make([]JobReport, n),
		remaining:  p.graph.NeedCounts(),
		dependents: p.graph.Dependents(),
		results:    make(chan jobDone, n),
		sem:        make(chan struct{}, p.opts.maxParallel),
	}
	for i, j := range p.jobs {
		s.reports[i].Name = j.Name
		s.status[i] = StatusPending
	}
	return s
}

// relevantJobs is, for RunJob, the selected jobs and everything they need;
// nil (every job) for Run.
func (p *Pipeline) relevantJobs(only map[string]bool) map[string]bool {
	if only == nil {
		return nil
	}
	return p.graph.Closure(only)
}

// cancelReason says why a job did not run to the end: fail-fast names the
// job that failed, otherwise the run itself was cancelled.
func (s *scheduler) cancelReason(otherwise string) string {
	if s.failFastBy != "" {
		return "fail-fast: " + s.failFastBy + " failed"
	}
	return otherwise
}

// startReady starts every job that needs nothing.
func (s *scheduler) startReady(ctx context.Context) {
	for i := range s.p.jobs {
		if s.remaining[i] == 0 && s.status[i] == StatusPending {
			s.start(ctx, i)
		}
	}
}

// wait settles the running jobs as they finish (which may start others).
func (s *scheduler) wait(ctx context.Context) {
	for s.running > 0 {
		d := <-s.results
		s.running--
		if d.status == StatusCancelled && d.reason == "" {
			d.reason = s.cancelReason("")
		}
		s.settle(ctx, d.i, d)
	}
}

// cancelPending marks what is still pending cancelled: its needs never
// finished because the run was cancelled.
func (s *scheduler) cancelPending() {
	for i := range s.p.jobs {
		if s.status[i] == StatusPending {
			s.status[i] = StatusCancelled
			s.reports[i].Status = StatusCancelled
			s.reports[i].Reason = s.cancelReason("the run was cancelled")
		}
	}
}

// report lists the relevant jobs' reports in pipeline order.
func (s *scheduler) report(d time.Duration) *Report {
	r := &Report{Duration: d}
	for i, jr := range s.reports {
		if s.relevant == nil || s.relevant[s.p.jobs[i].Name] {
			r.Jobs = append(r.Jobs, jr)
		}
	}
	return r
}

// settle records job i's outcome, then starts the dependents it unblocks
// or skips those it leaves without a need; a failure under fail-fast
// cancels the run.
func (s *scheduler) settle(ctx context.Context, i int, d jobDone) {
	name := s.p.jobs[i].Name
	s.status[i] = d.status
	s.reports[i] = JobReport{Name: name, Status: d.status, Duration: d.dur, Err: d.err, Reason: d.reason, Output: d.out}
	s.p.opts.emit(Event{Job: name, Kind: EventFinished, Status: d.status, Duration: d.dur, Err: d.err, Reason: d.reason})
	if d.status.Done() {
		for _, k := range s.dependents[i] {
			if s.remaining[k]--; s.remaining[k] == 0 && s.status[k] == StatusPending {
				s.start(ctx, k)
			}
		}
		return
	}
	s.skipDependents(i, fmt.Sprintf("needs %s, which %s", name, d.status))
	if d.status == StatusFailed && s.p.opts.failFast && s.failFastBy == "" {
		s.failFastBy = name
		s.cancelRun()
	}
}

// skipDependents skips, transitively, the pending jobs that need job i.
func (s *scheduler) skipDependents(i int, why string) {
	for _, d := range s.dependents[i] {
		if s.status[d] != StatusPending {
			continue
		}
		s.status[d] = StatusSkipped
		s.reports[d].Status = StatusSkipped
		s.reports[d].Reason = why
		s.p.opts.emit(Event{Job: s.p.jobs[d].Name, Kind: EventFinished, Status: StatusSkipped, Reason: why})
		s.skipDependents(d, why)
	}
}

// start decides whether job i runs: cancelled, outside a RunJob
// selection, reused from the state directory, or launched.
func (s *scheduler) start(ctx context.Context, i int) {
	j := s.p.jobs[i]
	if ctx.Err() != nil {
		s.settle(ctx, i, jobDone{i: i, status: StatusCancelled, reason: s.cancelReason("the run was cancelled before it started")})
		return
	}
	in := &Inputs{job: j.Name, p: s.p, st: s.st, needs: s.p.ancestors(i),
		log: s.p.opts.logger.With(slog.String("job", j.Name)), emit: s.p.opts.emit}
	if s.relevant != nil && !s.relevant[j.Name] {
		s.status[i] = statusNotSelected
		return
	}
	if s.only != nil && !s.only[j.Name] {
		s.settle(ctx, i, s.readOnly(i))
		return
	}
	fp, err := s.p.fingerprint(j, in)
	if err != nil {
		d := jobDone{i: i, status: StatusFailed, err: fmt.Errorf("fingerprint: %w", err)}
		s.st.Put(j.Name, JobState{Status: StatusFailed, Error: d.err.Error()})
		s.settle(ctx, i, d)
		return
	}
	if js, ok := s.st.Get(j.Name); ok && js.Status.Done() && js.Fingerprint == fp {
		s.settle(ctx, i, jobDone{i: i, status: StatusReused, out: js.Output, fp: fp, reason: "succeeded earlier with the same inputs"})
		return
	}
	s.launch(ctx, i, in, fp)
}

// readOnly is, for RunJob, the outcome of a job around the selected ones:
// only read from the state directory, never run.
func (s *scheduler) readOnly(i int) jobDone {
	js, ok := s.st.Get(s.p.jobs[i].Name)
	if ok && js.Status.Done() {
		return jobDone{i: i, status: StatusReused, out: js.Output, fp: js.Fingerprint, reason: "recorded by an earlier job run"}
	}
	return jobDone{i: i, status: StatusSkipped, reason: "not selected, and no recorded success in the state directory"}
}

// launch runs job i on its own goroutine once a slot is free; its outcome
// comes back on results.
func (s *scheduler) launch(ctx context.Context, i int, in *Inputs, fp string) {
	s.running++
	s.status[i] = StatusRunning
	go func() {
		select {
		case s.sem <- struct{}{}:
		case <-ctx.Done():
			s.results <- jobDone{i: i, status: StatusCancelled, reason: "cancelled while waiting for a free slot", err: ctx.Err()}
			return
		}
		defer func() { <-s.sem }()
		s.results <- s.execute(ctx, i, in, fp)
	}()
}

// execute runs job i's body and records the outcome in the state
// directory; a success that cannot be recorded is a failure.
func (s *scheduler) execute(ctx context.Context, i int, in *Inputs, fp string) jobDone {
	j := s.p.jobs[i]
	t0 := time.Now()
	s.st.Put(j.Name, JobState{Status: StatusRunning, Fingerprint: fp, Started: t0})
	s.p.opts.emit(Event{Job: j.Name, Kind: EventStarted, Time: t0})
	out, err := runJob(ctx, j, in)
	d := jobDone{i: i, fp: fp, dur: time.Since(t0)}
	switch {
	case err == nil:
		b, merr := json.Marshal(out)
		if merr != nil {
			d.status, d.err = StatusFailed, fmt.Errorf("output does not marshal to JSON: %w", merr)
		} else {
			d.status, d.out = StatusSucceeded, b
		}
	case ctx.Err() != nil:
		d.status, d.err = StatusCancelled, err
	default:
		d.status, d.err = StatusFailed, err
	}
	js := JobState{Status: d.status, Fingerprint: fp, Output: d.out, Started: t0, Finished: time.Now()}
	if d.err != nil {
		js.Error = d.err.Error()
	}
	if perr := s.st.Put(j.Name, js); perr != nil && d.status == StatusSucceeded {
		d.status, d.err = StatusFailed, perr
	}
	return d
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

// statusNotSelected marks, inside RunJob, a job outside the selection.
const statusNotSelected Status = "not-selected"

// ancestors returns the transitive needs of job i.
func (p *Pipeline) ancestors(i int) map[string]bool { return p.graph.Ancestors(p.jobs[i].Name) }

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
