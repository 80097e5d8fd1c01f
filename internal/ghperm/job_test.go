package ghperm

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
)

func TestJobOf(t *testing.T) {
	t.Parallel()
	if name, granted, ok := JobOf(context.Background()); ok || name != "" || granted != nil {
		t.Errorf("JobOf(no job) = %q %v %v, want nothing", name, granted, ok)
	}
	perms := Permissions{ScopeContents: Read}
	ctx := WithJob(context.Background(), "preflight", perms, nil)
	if name, granted, ok := JobOf(ctx); !ok || name != "preflight" || granted.String() != perms.String() {
		t.Errorf("JobOf = %q %v %v, want preflight %v true", name, granted, ok, perms)
	}
	// A job started inside another one's context is the running job.
	inner := WithJob(ctx, "build", Permissions{ScopeIDToken: Write}, nil)
	if name, _, _ := JobOf(inner); name != "build" {
		t.Errorf("JobOf(nested) = %q, want build", name)
	}
}

func TestRequire(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		granted Permissions
		scope   string
		need    Access
		allowed bool
	}{
		{"nothing granted", nil, ScopeIDToken, Write, false},
		{"read granted, read used", Permissions{ScopeContents: Read}, ScopeContents, Read, true},
		{"read granted, write used", Permissions{ScopeContents: Read}, ScopeContents, Write, false},
		{"write implies read", Permissions{ScopeContents: Write}, ScopeContents, Read, true},
		{"another scope", Permissions{ScopeContents: Write}, ScopePackages, Write, false},
		{"id-token write", Permissions{ScopeIDToken: Write}, ScopeIDToken, Write, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var reported []string
			ctx := WithJob(context.Background(), "job", tc.granted, func(scope string, need Access, use string) {
				reported = append(reported, scope+": "+string(need)+" "+use)
			})
			err := Require(ctx, tc.scope, tc.need, "do it")
			if tc.allowed {
				want := []string{tc.scope + ": " + string(tc.need) + " do it"}
				if err != nil || !slices.Equal(reported, want) {
					t.Errorf("Require = %v, reported %q; want nil, %q", err, reported, want)
				}
				return
			}
			var pe *PermissionError
			if !errors.Is(err, ErrPermission) || !errors.As(err, &pe) {
				t.Fatalf("Require = %v, want a *PermissionError", err)
			}
			if pe.Job != "job" || pe.Scope != tc.scope || pe.Need != tc.need || pe.Have.String() != tc.granted.String() || pe.Use != "do it" {
				t.Errorf("PermissionError %+v", pe)
			}
			if !strings.Contains(err.Error(), "add "+tc.scope+": "+string(tc.need)) {
				t.Errorf("%v: does not say what to add", err)
			}
			if len(reported) != 0 {
				t.Errorf("a refused use was reported as granted: %q", reported)
			}
		})
	}
}

// TestRequireOutsideAJob: a context without a job has nothing to check.
func TestRequireOutsideAJob(t *testing.T) {
	t.Parallel()
	if err := Require(context.Background(), ScopePackages, Write, "push"); err != nil {
		t.Errorf("Require outside a job = %v", err)
	}
	// No callback: the allowed use is simply allowed.
	ctx := WithJob(context.Background(), "j", Permissions{ScopePackages: Write}, nil)
	if err := Require(ctx, ScopePackages, Write, "push"); err != nil {
		t.Errorf("Require without a callback = %v", err)
	}
}

// TestTransportWithRequire: the transport checked by Require sends what
// the running job is granted, refuses the rest, and passes outside a job.
func TestTransportWithRequire(t *testing.T) {
	t.Parallel()
	var posts atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			posts.Add(1)
		}
	}))
	defer srv.Close()
	client := &http.Client{Transport: Transport(nil, ScopeContents, Require)}
	call := func(ctx context.Context, method string) error {
		req, _ := http.NewRequestWithContext(ctx, method, srv.URL+"/repos/o/r/releases", nil)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	reader := WithJob(context.Background(), "reader", Permissions{ScopeContents: Read}, nil)
	if err := call(reader, http.MethodGet); err != nil {
		t.Errorf("reader GET: %v", err)
	}
	if err := call(reader, http.MethodPost); !errors.Is(err, ErrPermission) {
		t.Errorf("reader POST: %v, want ErrPermission", err)
	}
	if err := call(context.Background(), http.MethodPost); err != nil {
		t.Errorf("POST outside a job: %v", err)
	}
	if n := posts.Load(); n != 1 {
		t.Errorf("the server saw %d POSTs, want only the one from outside a job", n)
	}
}
