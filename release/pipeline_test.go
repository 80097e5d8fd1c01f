package release

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func noop(context.Context, *Inputs) (any, error) { return nil, nil }

func TestNewValidatesGraph(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		jobs    []Job
		problem string
		mention []string
	}{
		{"duplicate", []Job{{Name: "a", Run: noop}, {Name: "a", Run: noop}}, "duplicate job", []string{"a"}},
		{"unknown dependency", []Job{{Name: "a", Run: noop, Needs: []string{"ghost"}}}, "unknown dependency", []string{"a", "ghost"}},
		{"self cycle", []Job{{Name: "a", Run: noop, Needs: []string{"a"}}}, "cycle", []string{"a -> a"}},
		{"long cycle", []Job{
			{Name: "pre", Run: noop},
			{Name: "a", Run: noop, Needs: []string{"pre", "c"}},
			{Name: "b", Run: noop, Needs: []string{"a"}},
			{Name: "c", Run: noop, Needs: []string{"b"}},
		}, "cycle", []string{"a -> c -> b -> a"}},
		{"empty name", []Job{{Name: "", Run: noop}}, "invalid job", nil},
		{"bad name", []Job{{Name: "build wheel", Run: noop}}, "invalid job", []string{"build wheel"}},
		{"nil run", []Job{{Name: "a"}}, "invalid job", []string{"Run is nil"}},
		{"need twice", []Job{{Name: "a", Run: noop}, {Name: "b", Run: noop, Needs: []string{"a", "a"}}}, "invalid job", []string{"twice"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(tc.jobs)
			var ge *GraphError
			if !errors.As(err, &ge) || !errors.Is(err, ErrInvalidPipeline) {
				t.Fatalf("New: got %v, want a *GraphError", err)
			}
			if ge.Problem != tc.problem {
				t.Errorf("problem %q, want %q (%v)", ge.Problem, tc.problem, err)
			}
			for _, m := range tc.mention {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %q", err, m)
				}
			}
		})
	}
}

// TestRunRespectsNeedsAndOverlaps checks both that no job starts before its
// needs finish and that independent jobs really run at the same time.
func TestRunRespectsNeedsAndOverlaps(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	finished := map[string]bool{}
	var inFlight, maxInFlight atomic.Int32
	barrier := make(chan struct{})
	var arrived atomic.Int32
	job := func(name string, needs []string, wait bool) Job {
		return Job{Name: name, Needs: needs, Run: func(ctx context.Context, in *Inputs) (any, error) {
			mu.Lock()
			for _, n := range needs {
				if !finished[n] {
					mu.Unlock()
					return nil, fmt.Errorf("%s started before %s finished", name, n)
				}
			}
			mu.Unlock()
			cur := inFlight.Add(1)
			for {
				m := maxInFlight.Load()
				if cur <= m || maxInFlight.CompareAndSwap(m, cur) {
					break
				}
			}
			if wait { // both builds must be in flight together to pass the barrier
				if arrived.Add(1) == 2 {
					close(barrier)
				}
				select {
				case <-barrier:
				case <-time.After(5 * time.Second):
					return nil, errors.New("the two builds never overlapped")
				}
			}
			inFlight.Add(-1)
			mu.Lock()
			finished[name] = true
			mu.Unlock()
			return name + " done", nil
		}}
	}
	p, err := New([]Job{
		job("preflight", nil, false),
		job("build-wheel", []string{"preflight"}, true),
		job("build-image", []string{"preflight"}, true),
		job("publish-pypi", []string{"build-wheel"}, false),
		job("publish-release", []string{"build-wheel", "build-image"}, false),
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := p.Run(context.Background())
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, r.Table())
	}
	if maxInFlight.Load() < 2 {
		t.Errorf("max jobs in flight = %d, want >= 2", maxInFlight.Load())
	}
	for _, j := range r.Jobs {
		if j.Status != StatusSucceeded {
			t.Errorf("%s: %s", j.Name, j.Status)
		}
	}
}

func TestMaxParallelBounds(t *testing.T) {
	t.Parallel()
	var inFlight, maxInFlight atomic.Int32
	var jobs []Job
	for i := range 12 {
		jobs = append(jobs, Job{Name: fmt.Sprintf("j%d", i), Run: func(ctx context.Context, in *Inputs) (any, error) {
			cur := inFlight.Add(1)
			defer inFlight.Add(-1)
			for {
				m := maxInFlight.Load()
				if cur <= m || maxInFlight.CompareAndSwap(m, cur) {
					break
				}
			}
			time.Sleep(5 * time.Millisecond)
			return nil, nil
		}})
	}
	p, err := New(jobs, WithMaxParallel(3))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if m := maxInFlight.Load(); m > 3 || m < 2 {
		t.Fatalf("max in flight %d, want 2..3", m)
	}
}

func TestFailureSkipsDependentsOnly(t *testing.T) {
	t.Parallel()
	boom := errors.New("twine exploded")
	var ran sync.Map
	mk := func(name string, needs []string, err error) Job {
		return Job{Name: name, Needs: needs, Run: func(ctx context.Context, in *Inputs) (any, error) {
			ran.Store(name, true)
			return nil, err
		}}
	}
	p, err := New([]Job{
		mk("preflight", nil, nil),
		mk("build-wheel", []string{"preflight"}, boom),
		mk("build-image", []string{"preflight"}, nil),
		mk("publish-pypi", []string{"build-wheel"}, nil),
		mk("publish-release", []string{"build-wheel", "build-image"}, nil),
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := p.Run(context.Background())
	if !errors.Is(err, boom) {
		t.Fatalf("Run error %v, want it to wrap the job's error", err)
	}
	var re *RunError
	if !errors.As(err, &re) || strings.Join(re.Failed, ",") != "build-wheel" || strings.Join(re.Skipped, ",") != "publish-pypi,publish-release" {
		t.Fatalf("RunError = %+v", re)
	}
	want := map[string]Status{"preflight": StatusSucceeded, "build-wheel": StatusFailed, "build-image": StatusSucceeded,
		"publish-pypi": StatusSkipped, "publish-release": StatusSkipped}
	for name, st := range want {
		j, _ := r.Job(name)
		if j.Status != st {
			t.Errorf("%s: %s, want %s", name, j.Status, st)
		}
	}
	if j, _ := r.Job("publish-pypi"); !strings.Contains(j.Reason, "build-wheel") {
		t.Errorf("skip reason %q does not name build-wheel", j.Reason)
	}
	if _, ok := ran.Load("publish-pypi"); ok {
		t.Error("publish-pypi ran after its need failed")
	}
	if !strings.Contains(r.Table(), "error: twine exploded") {
		t.Errorf("table does not show the error:\n%s", r.Table())
	}
}

func TestFailFastCancelsOthers(t *testing.T) {
	t.Parallel()
	started := make(chan struct{})
	p, err := New([]Job{
		{Name: "slow", Run: func(ctx context.Context, in *Inputs) (any, error) {
			close(started)
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(10 * time.Second):
				return nil, errors.New("was not cancelled")
			}
		}},
		{Name: "bad", Run: func(ctx context.Context, in *Inputs) (any, error) {
			<-started
			return nil, errors.New("bad input")
		}},
		{Name: "after-slow", Needs: []string{"slow"}, Run: noop},
	}, WithFailFast())
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	r, _ := p.Run(context.Background())
	if time.Since(t0) > 5*time.Second {
		t.Fatal("fail-fast did not cancel the slow job")
	}
	for name, st := range map[string]Status{"slow": StatusCancelled, "bad": StatusFailed, "after-slow": StatusSkipped} {
		if j, _ := r.Job(name); j.Status != st {
			t.Errorf("%s: %s, want %s (%s)", name, j.Status, st, j.Reason)
		}
	}
}

func TestCancelStopsPromptlyAndReports(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	p, err := New([]Job{
		{Name: "a", Run: func(ctx context.Context, in *Inputs) (any, error) {
			cancel()
			<-ctx.Done()
			return nil, ctx.Err()
		}},
		{Name: "b", Needs: []string{"a"}, Run: noop},
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := p.Run(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	var re *RunError
	if !errors.As(err, &re) || len(re.Cancelled) != 1 || re.Cancelled[0] != "a" {
		t.Fatalf("RunError %+v", re)
	}
	if j, _ := r.Job("b"); j.Status != StatusSkipped {
		t.Errorf("b: %s", j.Status)
	}
}

func TestPanicBecomesFailure(t *testing.T) {
	t.Parallel()
	p, _ := New([]Job{{Name: "a", Run: func(context.Context, *Inputs) (any, error) { panic("nil map") }}})
	_, err := p.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "panic: nil map") {
		t.Fatalf("err %v", err)
	}
}

type wheelOut struct {
	Files  []string `json:"files"`
	SHA256 string   `json:"sha256"`
}

func TestTypedOutputsFlowAlongEdges(t *testing.T) {
	t.Parallel()
	p, err := New([]Job{
		{Name: "build", Run: func(context.Context, *Inputs) (any, error) {
			return wheelOut{Files: []string{"a.whl"}, SHA256: "abc"}, nil
		}},
		{Name: "other", Run: func(context.Context, *Inputs) (any, error) { return 1, nil }},
		{Name: "publish", Needs: []string{"build"}, Run: func(ctx context.Context, in *Inputs) (any, error) {
			w, err := Get[wheelOut](in, "build")
			if err != nil {
				return nil, err
			}
			if _, err := Get[int](in, "other"); err == nil || !strings.Contains(err.Error(), "does not need") {
				return nil, fmt.Errorf("reading a non-need: %v", err)
			}
			return w.Files[0] + "@" + w.SHA256, nil
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := p.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	j, _ := r.Job("publish")
	if string(j.Output) != `"a.whl@abc"` {
		t.Fatalf("publish output %s", j.Output)
	}
}

// TestResumeRerunsOnlyFailed is the reference's "re-run failed jobs": the
// second run reuses what succeeded and publishes nothing twice.
func TestResumeRerunsOnlyFailed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var builds, uploads atomic.Int32
	failUpload := true
	jobs := func(tag string) []Job {
		return []Job{
			{Name: "build", Fingerprint: func(*Inputs) (string, error) { return tag, nil },
				Run: func(context.Context, *Inputs) (any, error) { builds.Add(1); return wheelOut{SHA256: "h-" + tag}, nil }},
			{Name: "publish-pypi", Needs: []string{"build"}, Run: func(ctx context.Context, in *Inputs) (any, error) {
				if failUpload {
					return nil, errors.New("503 from the index")
				}
				uploads.Add(1)
				return "uploaded", nil
			}},
		}
	}
	p, _ := New(jobs("v1.0.0"), WithStateDir(dir))
	if _, err := p.Run(context.Background()); err == nil {
		t.Fatal("first run should fail")
	}
	failUpload = false
	p, _ = New(jobs("v1.0.0"), WithStateDir(dir))
	r, err := p.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if b, u := builds.Load(), uploads.Load(); b != 1 || u != 1 {
		t.Fatalf("builds=%d uploads=%d, want 1 and 1", b, u)
	}
	if j, _ := r.Job("build"); j.Status != StatusReused {
		t.Fatalf("build %s, want reused", j.Status)
	}
	// A third run changes nothing at all.
	r, _ = p.Run(context.Background())
	if j, _ := r.Job("publish-pypi"); j.Status != StatusReused || uploads.Load() != 1 {
		t.Fatalf("third run: publish %s, uploads %d", j.Status, uploads.Load())
	}
	// Different inputs (another tag) invalidate the recorded success.
	p, _ = New(jobs("v1.0.1"), WithStateDir(dir))
	if _, err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if builds.Load() != 2 || uploads.Load() != 2 {
		t.Fatalf("changed inputs: builds=%d uploads=%d", builds.Load(), uploads.Load())
	}
}

func TestConcurrentRunOfSameStateIsRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	release := make(chan struct{})
	started := make(chan struct{})
	p, _ := New([]Job{{Name: "a", Run: func(context.Context, *Inputs) (any, error) {
		close(started)
		<-release
		return nil, nil
	}}}, WithStateDir(dir))
	errc := make(chan error)
	go func() { _, err := p.Run(context.Background()); errc <- err }()
	<-started
	p2, _ := New([]Job{{Name: "a", Run: noop}}, WithStateDir(dir))
	if _, err := p2.Run(context.Background()); !errors.Is(err, ErrRunInProgress) {
		t.Fatalf("second run: %v, want ErrRunInProgress", err)
	}
	close(release)
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if _, err := p2.Run(context.Background()); err != nil {
		t.Fatalf("after the first finished: %v", err)
	}
}

func TestRunJobReadsNeedsFromState(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	jobs := []Job{
		{Name: "build", Run: func(context.Context, *Inputs) (any, error) { return wheelOut{SHA256: "x"}, nil }},
		{Name: "publish", Needs: []string{"build"}, Run: func(ctx context.Context, in *Inputs) (any, error) {
			w, err := Get[wheelOut](in, "build")
			return "published " + w.SHA256, err
		}},
	}
	p, _ := New(jobs, WithStateDir(dir))
	if _, err := p.RunJob(context.Background(), "publish"); err == nil {
		t.Fatal("publish ran without build's output")
	}
	if _, err := p.RunJob(context.Background(), "build"); err != nil {
		t.Fatal(err)
	}
	r, err := p.RunJob(context.Background(), "publish")
	if err != nil {
		t.Fatal(err)
	}
	if j, _ := r.Job("publish"); string(j.Output) != `"published x"` {
		t.Fatalf("output %s", j.Output)
	}
	if _, err := p.RunJob(context.Background(), "nope"); err == nil {
		t.Fatal("unknown job accepted")
	}
}

func TestEventsAndPlan(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var kinds []string
	p, _ := New([]Job{
		{Name: "build", Plan: func() []string { return []string{"run python3 -m build", "sign dist/*"} },
			Run: func(ctx context.Context, in *Inputs) (any, error) {
				in.Progress("a.whl", 10, 20)
				return nil, nil
			}},
		{Name: "publish", Needs: []string{"build"}, Run: noop},
	}, WithEvents(func(e Event) {
		mu.Lock()
		kinds = append(kinds, e.Job+":"+string(e.Kind))
		mu.Unlock()
	}))
	if _, err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(kinds, " ")
	want := "build:started build:progress build:finished publish:started publish:finished"
	if got != want {
		t.Fatalf("events %s\nwant   %s", got, want)
	}
	plan := FormatPlan(p.Plan())
	if !strings.Contains(plan, "1. build\n   - run python3 -m build\n") || !strings.Contains(plan, "2. publish (after build)") {
		t.Fatalf("plan:\n%s", plan)
	}
}

// BenchmarkPipelineOverhead runs a 50-job DAG of no-op jobs (10 layers of
// 5, each job needing the whole previous layer). The target is
// < 10 ms per run beyond the critical path, which is zero here.
func BenchmarkPipelineOverhead(b *testing.B) {
	p, err := New(layeredDAG(10, 5), WithMaxParallel(8))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := p.Run(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

func layeredDAG(layers, width int) []Job {
	var jobs []Job
	for l := range layers {
		for w := range width {
			j := Job{Name: fmt.Sprintf("l%d_j%d", l, w), Run: noop}
			if l > 0 {
				for k := range width {
					j.Needs = append(j.Needs, fmt.Sprintf("l%d_j%d", l-1, k))
				}
			}
			jobs = append(jobs, j)
		}
	}
	return jobs
}
