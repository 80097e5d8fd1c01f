package release_test

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tagship/tagship/release"
	"github.com/tagship/tagship/sign"
)

// TestRequireChecksTheRunningJob: the engine hands each job's Run a
// context that knows the job's grants; the checked token source and
// transport refuse what a job was not granted, and pass outside jobs.
func TestRequireChecksTheRunningJob(t *testing.T) {
	t.Parallel()
	var posts atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			posts.Add(1)
		}
	}))
	defer srv.Close()
	client := &http.Client{Transport: release.CheckedTransport(nil, release.ScopeContents)}
	tokens := release.CheckedTokenSource(sign.StaticToken("id-token"))

	call := func(ctx context.Context, method string) error {
		req, _ := http.NewRequestWithContext(ctx, method, srv.URL+"/repos/o/r/releases", nil)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	type result struct{ token, get, post error }
	var mu sync.Mutex
	results := map[string]result{}
	var events []string
	job := func(name string, perms release.Permissions) release.Job {
		return release.Job{Name: name, Permissions: perms, Run: func(ctx context.Context, in *release.Inputs) (any, error) {
			var r result
			_, r.token = tokens.Token(ctx, "sigstore")
			r.get, r.post = call(ctx, http.MethodGet), call(ctx, http.MethodPost)
			if job, granted, ok := release.JobPermissions(ctx); !ok || job != name || granted.String() != perms.String() {
				t.Errorf("JobPermissions in %s = %s %v %v", name, job, granted, ok)
			}
			mu.Lock()
			results[name] = r
			mu.Unlock()
			return nil, nil
		}}
	}
	p, err := release.New([]release.Job{
		job("nothing", nil),
		job("reader", release.Permissions{release.ScopeContents: release.Read}),
		job("writer", release.Permissions{release.ScopeContents: release.Write, release.ScopeIDToken: release.Write}),
	}, release.WithEvents(func(e release.Event) {
		if e.Kind == release.EventPermission {
			mu.Lock()
			events = append(events, e.Job+" "+e.Item)
			mu.Unlock()
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	denied := func(err error, scope string) bool {
		var pe *release.PermissionError
		return errors.Is(err, release.ErrPermission) && errors.As(err, &pe) && pe.Scope == scope &&
			strings.Contains(err.Error(), "add "+scope+": ")
	}
	if r := results["nothing"]; !denied(r.token, release.ScopeIDToken) || !errors.Is(r.token, sign.ErrNoToken) ||
		!denied(r.get, release.ScopeContents) || !denied(r.post, release.ScopeContents) {
		t.Errorf("job without grants: %+v", r)
	}
	if r := results["reader"]; !denied(r.token, release.ScopeIDToken) || r.get != nil || !denied(r.post, release.ScopeContents) {
		t.Errorf("contents: read job: %+v", r)
	}
	if r := results["writer"]; r.token != nil || r.get != nil || r.post != nil {
		t.Errorf("contents: write, id-token: write job: %+v", r)
	}
	if n := posts.Load(); n != 1 {
		t.Errorf("the server saw %d POSTs, want only the writer's", n)
	}
	slices.Sort(events)
	want := []string{"reader contents: read", "writer contents: read", "writer contents: write", "writer id-token: write"}
	if !slices.Equal(events, want) {
		t.Errorf("permission events %v, want %v", events, want)
	}
	// Outside a pipeline job nothing is checked.
	if _, err := tokens.Token(context.Background(), "sigstore"); err != nil {
		t.Errorf("outside a job: %v", err)
	}
	if err := release.Require(context.Background(), release.ScopePackages, release.Write, "x"); err != nil {
		t.Errorf("outside a job: %v", err)
	}
}

// minimalGrants turns the uses seen ("contents: read", "contents: write")
// into the least grants that allow them.
func minimalGrants(uses []string) release.Permissions {
	p := release.Permissions{}
	for _, u := range uses {
		scope, access, _ := strings.Cut(u, ": ")
		if p[scope] != release.Write {
			p[scope] = release.Access(access)
		}
	}
	return p
}

// TestStandardGrantsAreWhatTheJobsUse runs the whole standard release on
// the doubles and records every capability each job used: each job's
// declared grants are exactly the least grants covering its uses (nothing
// missing, or the run would fail; nothing unused).
func TestStandardGrantsAreWhatTheJobsUse(t *testing.T) {
	t.Parallel()
	env, dir := prepared(t)
	var mu sync.Mutex
	used := map[string][]string{}
	p := standard(t, env, dir, release.WithEvents(func(e release.Event) {
		if e.Kind == release.EventPermission {
			mu.Lock()
			used[e.Job] = append(used[e.Job], e.Item)
			mu.Unlock()
		}
	}))
	r, err := p.Run(context.Background())
	if err != nil {
		t.Fatalf("%v\n%s", err, r.Table())
	}
	for _, name := range p.Names() {
		j, _ := p.Job(name)
		if got := minimalGrants(used[name]); got.String() != j.Permissions.String() {
			t.Errorf("%s declares %s but uses %s (%v)", name, j.Permissions, got, used[name])
		}
	}
}

// TestStandardPermissionMatrix takes each grant away from each job in
// turn: that job fails with a PermissionError naming the grant, before it
// publishes anything, and the jobs before it succeed.
func TestStandardPermissionMatrix(t *testing.T) {
	t.Parallel()
	env0, dir0 := prepared(t)
	base := standard(t, env0, dir0)
	type cell struct {
		job, scope string
		grant      release.Permissions
	}
	var cells []cell
	for _, name := range base.Names() {
		j, _ := base.Job(name)
		for scope, access := range j.Permissions {
			g := maps.Clone(j.Permissions)
			delete(g, scope)
			cells = append(cells, cell{name, scope, g})
			if access == release.Write && scope == release.ScopeContents {
				g := maps.Clone(j.Permissions)
				g[scope] = release.Read
				cells = append(cells, cell{name, scope, g})
			}
		}
	}
	if len(cells) < 8 {
		t.Fatalf("only %d cells: %v", len(cells), cells)
	}
	for _, c := range cells {
		t.Run(c.job+" with "+c.grant.String(), func(t *testing.T) {
			t.Parallel()
			env, dir := prepared(t)
			p := standard(t, env, dir)
			var jobs []release.Job
			for _, name := range p.Names() {
				j, _ := p.Job(name)
				if name == c.job {
					j.Permissions = c.grant
				}
				jobs = append(jobs, j)
			}
			q, err := release.New(jobs)
			if err != nil {
				t.Fatal(err)
			}
			r, err := q.Run(context.Background())
			var pe *release.PermissionError
			if !errors.As(err, &pe) || pe.Job != c.job || pe.Scope != c.scope {
				t.Fatalf("want a PermissionError for %s %s, got %v\n%s", c.job, c.scope, err, r.Table())
			}
			jr, _ := r.Job(c.job)
			if jr.Status != release.StatusFailed {
				t.Errorf("%s: %s", c.job, jr.Status)
			}
			for _, need := range jobs[slices.IndexFunc(jobs, func(j release.Job) bool { return j.Name == c.job })].Needs {
				if nr, _ := r.Job(need); !nr.Status.Done() {
					t.Errorf("%s (needed by %s): %s", need, c.job, nr.Status)
				}
			}
			if c.job == release.JobPublishPyPI && len(env.PyPI.Files()) > 0 {
				t.Errorf("PyPI received files from a job without id-token: write")
			}
			owner, repo, _ := strings.Cut(env.Repository, "/")
			if _, ok := env.GitHub.ReleaseByTag(owner, repo, env.Tag); ok && c.job == release.JobPublishRelease {
				t.Errorf("a release was created by a job without contents: write")
			}
		})
	}
}
