package pypi_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tagship/tagship/pypi"
	"github.com/tagship/tagship/pypi/pypitest"
)

// platformWheels writes n wheels of demo 1.0.0 that differ only in their
// platform tag (a build matrix) and opens them.
func platformWheels(t *testing.T, n int) []*pypi.Distribution {
	t.Helper()
	dir := t.TempDir()
	var ds []*pypi.Distribution
	for i := range n {
		name := fmt.Sprintf("demo-1.0.0-cp312-cp312-manylinux_2_17_p%02d.whl", i)
		p := writeFile(t, dir, name, zipBytes(t, wheelEntries("demo", "1.0.0")))
		ds = append(ds, open(t, p))
	}
	return ds
}

// concurrencyProbe answers nothing itself: it records how many uploads
// are in flight and delays each by a random time, so that files finish in
// a shuffled order.
type concurrencyProbe struct {
	running, peak atomic.Int32
}

func (p *concurrencyProbe) hook(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, "/legacy/") {
		return false
	}
	n := p.running.Add(1)
	defer p.running.Add(-1)
	for {
		old := p.peak.Load()
		if n <= old || p.peak.CompareAndSwap(old, n) {
			break
		}
	}
	time.Sleep(time.Duration(rand.N(40)) * time.Millisecond)
	return false
}

func TestUploadConcurrent(t *testing.T) {
	t.Parallel()
	for _, limit := range []int{1, 3, 8} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			t.Parallel()
			env := newTPEnv(t)
			probe := &concurrencyProbe{}
			env.srv.SetHook(probe.hook)
			ds := platformWheels(t, 12)
			var mu sync.Mutex
			started := map[string]bool{}
			c := env.client(t, pypi.WithConcurrency(limit), pypi.WithProgress(func(name string, done, total int64) {
				if done == 0 {
					mu.Lock()
					started[name] = true
					mu.Unlock()
				}
			}))
			res, err := c.Upload(context.Background(), ds...)
			if err != nil {
				t.Fatal(err)
			}
			if len(res) != len(ds) {
				t.Fatalf("%d results for %d files", len(res), len(ds))
			}
			for i, r := range res {
				if r.Filename != ds[i].Filename || r.Status != pypi.Uploaded {
					t.Errorf("result %d = %s %s, want %s uploaded (results in the order given)", i, r.Filename, r.Status, ds[i].Filename)
				}
				if f, ok := env.srv.File(ds[i].Filename); !ok || f.SHA256 != ds[i].SHA256 {
					t.Errorf("index has %+v for %s", f, ds[i].Filename)
				}
				if !started[ds[i].Filename] {
					t.Errorf("no start report (done 0) for %s", ds[i].Filename)
				}
			}
			if p := int(probe.peak.Load()); p > limit {
				t.Errorf("%d uploads in flight at once, limit %d", p, limit)
			} else if limit > 1 && p < 2 {
				t.Errorf("at most %d upload in flight with WithConcurrency(%d): not concurrent", p, limit)
			}
			if n := env.srv.MintCount(); n != 1 {
				t.Errorf("minted %d tokens, want 1 shared by every file", n)
			}
		})
	}
}

func TestUploadConcurrentFailureStopsTheRest(t *testing.T) {
	t.Parallel()
	env := newTPEnv(t)
	ds := platformWheels(t, 30)
	bad := ds[4].Filename
	var after atomic.Int32
	var failed atomic.Bool
	env.srv.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, "/legacy/") {
			return false
		}
		// Read the form from a copy: the index itself handles the others.
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return false
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		form := r.Clone(r.Context())
		form.Body = io.NopCloser(bytes.NewReader(body))
		if err := form.ParseMultipartForm(1 << 20); err != nil {
			return false
		}
		fh := form.MultipartForm.File["content"]
		if len(fh) == 1 && fh[0].Filename == bad {
			failed.Store(true)
			http.Error(w, "400 Invalid distribution file.", http.StatusBadRequest)
			return true
		}
		if failed.Load() {
			after.Add(1)
		}
		time.Sleep(20 * time.Millisecond)
		return false
	})
	res, err := env.client(t, pypi.WithConcurrency(4)).Upload(context.Background(), ds...)
	var ue *pypi.UploadError
	if !errors.As(err, &ue) || ue.Filename != bad || ue.Status != http.StatusBadRequest {
		t.Fatalf("err = %v, want the UploadError of %s alone", err, bad)
	}
	if strings.Contains(err.Error(), "context canceled") {
		t.Errorf("the uploads stopped by the failure were reported as failures: %v", err)
	}
	if len(res) >= len(ds)-1 {
		t.Errorf("%d of %d files uploaded: the failure did not stop the rest", len(res), len(ds))
	}
	for i := 1; i < len(res); i++ {
		if res[i-1].Filename >= res[i].Filename {
			t.Errorf("results out of order: %s before %s", res[i-1].Filename, res[i].Filename)
		}
	}
	if n := after.Load(); n > 4 {
		t.Errorf("%d uploads reached the index after the failure (at most the 3 others in flight may)", n)
	}
}

func TestUploadConcurrentCancel(t *testing.T) {
	t.Parallel()
	env := newTPEnv(t)
	env.srv.AddFault(pypitest.Fault{Match: pypitest.MatchPath("", "/legacy/"), Stall: 30 * time.Second, Times: -1})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	res, err := env.client(t, pypi.WithConcurrency(8)).Upload(ctx, platformWheels(t, 20)...)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want DeadlineExceeded", err)
	}
	if len(res) != 0 {
		t.Errorf("results %+v for uploads that never completed", res)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("cancellation took %v", d)
	}
}

func TestWithConcurrencyRejectsZero(t *testing.T) {
	t.Parallel()
	if _, err := pypi.New("https://upload.pypi.org/legacy/", pypi.WithConcurrency(0)); err == nil {
		t.Error("WithConcurrency(0) accepted")
	}
}

// TestSkipExistingReadsTheIndexOnce: skip-existing asks the index what it
// lists once per Upload, not once per file, before anything is sent
// (then each uploaded file is still read back on its own).
func TestSkipExistingReadsTheIndexOnce(t *testing.T) {
	t.Parallel()
	env := newTPEnv(t)
	var simple, jsonAPI atomic.Int32
	env.srv.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/simple/") {
			simple.Add(1)
		}
		if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/pypi/") {
			jsonAPI.Add(1)
		}
		return false
	})
	ds := platformWheels(t, 10)
	c := env.client(t, pypi.WithConcurrency(4))
	ctx := context.Background()
	if _, err := c.Upload(ctx, ds[:4]...); err != nil {
		t.Fatal(err)
	}
	// 4 of the 10 are on the index: one listing (the simple page lists 4,
	// the JSON page is read once for the 6 it does not), 6 uploads, each
	// confirmed by a read of the simple page.
	simple.Store(0)
	jsonAPI.Store(0)
	res, err := c.Upload(ctx, ds...)
	if err != nil {
		t.Fatal(err)
	}
	skipped := 0
	for _, r := range res {
		if r.Status == pypi.Skipped {
			skipped++
		}
	}
	if skipped != 4 || len(res) != 10 {
		t.Errorf("%d results, %d skipped; want 10 and 4", len(res), skipped)
	}
	if s, j := simple.Load(), jsonAPI.Load(); s != 1+6 || j != 1 {
		t.Errorf("%d simple and %d JSON reads, want 7 (1 listing + 6 read-backs) and 1", s, j)
	}
	// Everything there: one read, nothing sent.
	simple.Store(0)
	jsonAPI.Store(0)
	attempts := env.srv.UploadAttempts()
	if _, err := c.Upload(ctx, ds...); err != nil {
		t.Fatal(err)
	}
	if s, j, a := simple.Load(), jsonAPI.Load(), env.srv.UploadAttempts()-attempts; s != 1 || j != 0 || a != 0 {
		t.Errorf("%d simple reads, %d JSON reads, %d uploads; want 1, 0, 0", s, j, a)
	}
}
