package sign_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tagship/tagship/sign"
	"github.com/tagship/tagship/sign/signtest"
)

// filesFixture is a Sigstore double, a signer and a verifier for it, and
// n files to sign.
type filesFixture struct {
	st     *signtest.Sigstore
	signer *sign.Signer
	v      *sign.Verifier
	dir    string
	paths  []string
}

func newFilesFixture(t *testing.T, n int) *filesFixture {
	t.Helper()
	st := signtest.New(t)
	s, v := newPair(t, st)
	f := &filesFixture{st: st, signer: s, v: v, dir: t.TempDir()}
	for i := range n {
		f.paths = append(f.paths, mkFile(t, f.dir, fmt.Sprintf("pkg-1.0.0-f%02d.whl", i), fmt.Sprintf("file %d", i)))
	}
	return f
}

// events collects the FileEvents of a call.
type events struct {
	mu  sync.Mutex
	got []sign.FileEvent
}

func (e *events) add(ev sign.FileEvent) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.got = append(e.got, ev)
}

func (e *events) steps(i int) []sign.FileStep {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []sign.FileStep
	for _, ev := range e.got {
		if ev.Index == i {
			out = append(out, ev.Step)
		}
	}
	return out
}

// logPosts counts the entries submitted to the double's log; it refuses,
// permanently, those of the files whose sha256 is in refuse.
func logPosts(st *signtest.Sigstore, count *atomic.Int32, refuse ...string) {
	st.SetHook(signtest.Rekor, func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodPost {
			return false
		}
		count.Add(1)
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		for _, sum := range refuse {
			if strings.Contains(string(body), sum) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				io.WriteString(w, `{"code":400,"message":"signtest: entry refused"}`)
				return true
			}
		}
		return false
	})
}

func sha256Hex(t *testing.T, path string) string {
	t.Helper()
	sum, _, err := sign.SHA256File(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", sum)
}

// A bundle that verifies for its file is kept (no new log entry, same
// bytes); a file whose bundle does not verify is signed again.
func TestSignFilesKeepsBundlesThatVerify(t *testing.T) {
	t.Parallel()
	f := newFilesFixture(t, 3)
	ctx := context.Background()
	var ev events
	bundles, err := sign.SignFiles(ctx, f.signer, f.v, f.st.Policy(), f.paths, sign.WithFileEvents(ev.add))
	if err != nil {
		t.Fatal(err)
	}
	for i := range f.paths {
		if got, want := ev.steps(i), []sign.FileStep{sign.FileSigning, sign.FileSigned}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("file %d: steps %v, want %v", i, got, want)
		}
	}
	before := map[string][]byte{}
	for _, bp := range bundles {
		before[bp], _ = os.ReadFile(bp)
	}
	// Another file's bundle in place of the second's: it does not verify.
	if err := os.WriteFile(bundles[1], before[bundles[0]], 0o644); err != nil {
		t.Fatal(err)
	}

	var posts atomic.Int32
	logPosts(f.st, &posts)
	ev = events{}
	again, err := sign.SignFiles(ctx, f.signer, f.v, f.st.Policy(), f.paths, sign.WithFileEvents(ev.add))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(again) != fmt.Sprint(bundles) {
		t.Errorf("bundles %v, want %v", again, bundles)
	}
	if n := posts.Load(); n != 1 {
		t.Errorf("%d log entries, want 1 (the file whose bundle did not verify)", n)
	}
	for _, i := range []int{0, 2} {
		if got := ev.steps(i); fmt.Sprint(got) != fmt.Sprint([]sign.FileStep{sign.FileKept}) {
			t.Errorf("file %d: steps %v, want kept", i, got)
		}
		if now, _ := os.ReadFile(bundles[i]); !bytes.Equal(now, before[bundles[i]]) {
			t.Errorf("file %d was signed again: its bundle changed", i)
		}
	}
	if got := ev.steps(1); fmt.Sprint(got) != fmt.Sprint([]sign.FileStep{sign.FileSigning, sign.FileSigned}) {
		t.Errorf("file 1: steps %v, want signing, signed", got)
	}
	if _, err := f.v.VerifyFile(ctx, f.paths[1], bundles[1], f.st.Policy()); err != nil {
		t.Errorf("file 1 signed again: %v", err)
	}
}

// A new bundle that does not verify under the policy (the signer's
// identity is not the one required) is removed, for every file, and each
// file is named.
func TestSignFilesRemovesBundleThatDoesNotVerify(t *testing.T) {
	t.Parallel()
	f := newFilesFixture(t, 3)
	p := f.st.Policy()
	p.Identity = sign.GitHubWorkflowIdentity("octo-org/other", "", "v9.9.9")
	bundles, err := sign.SignFiles(context.Background(), f.signer, f.v, p, f.paths)
	if err == nil || bundles != nil {
		t.Fatalf("SignFiles = %v, %v; want an error", bundles, err)
	}
	if !errors.Is(err, sign.ErrIdentityMismatch) {
		t.Errorf("err = %v, want ErrIdentityMismatch", err)
	}
	var be *sign.BundleError
	if !errors.As(err, &be) || !be.Removed || be.Policy.Identity != p.Identity {
		t.Errorf("err = %#v, want a *BundleError of a removed bundle", be)
	}
	for _, path := range f.paths {
		name := filepath.Base(path)
		if want := "the new bundle of " + name + " does not verify with the identity " + p.Identity; !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q: %v", want, err)
		}
		if _, err := os.Stat(sign.DefaultBundlePath(path)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: the bundle that does not verify is still there (%v)", name, err)
		}
	}
}

// One file's log entry refused permanently fails that file only: the
// others are signed (complete bundles, nothing half written), the error
// names the failing file alone, and a new call signs only that file.
func TestSignFilesIndependent(t *testing.T) {
	t.Parallel()
	f := newFilesFixture(t, 8)
	ctx := context.Background()
	victims := []string{f.paths[2], f.paths[5]}
	var posts atomic.Int32
	logPosts(f.st, &posts, sha256Hex(t, victims[0]), sha256Hex(t, victims[1]))
	_, err := sign.SignFiles(ctx, f.signer, f.v, f.st.Policy(), f.paths, sign.WithConcurrency(3))
	if err == nil {
		t.Fatal("SignFiles succeeded with two log entries refused")
	}
	msg := err.Error()
	i2, i5 := strings.Index(msg, "sign "+filepath.Base(victims[0])), strings.Index(msg, "sign "+filepath.Base(victims[1]))
	if i2 < 0 || i5 < 0 || i2 > i5 {
		t.Errorf("the error does not name both files, in order: %v", err)
	}
	for i, path := range f.paths {
		bp := sign.DefaultBundlePath(path)
		if path == victims[0] || path == victims[1] {
			if _, err := os.Stat(bp); err == nil {
				t.Errorf("%s has a bundle although its log entry was refused", path)
			}
			continue
		}
		if strings.Contains(msg, filepath.Base(path)) {
			t.Errorf("the error names file %d, which was signed: %v", i, err)
		}
		if _, err := f.v.VerifyFile(ctx, path, bp, f.st.Policy()); err != nil {
			t.Errorf("file %d: %v", i, err)
		}
	}
	ents, _ := os.ReadDir(f.dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}

	logPosts(f.st, &posts)
	posts.Store(0)
	if _, err := sign.SignFiles(ctx, f.signer, f.v, f.st.Policy(), f.paths, sign.WithConcurrency(3)); err != nil {
		t.Fatal(err)
	}
	if n := posts.Load(); n != 2 {
		t.Errorf("the second call made %d log entries, want 2 (the files that failed)", n)
	}
}

// Whatever order the files finish in, the bundles come back in the order
// of the paths, at most WithConcurrency files are at the log at once, and
// one certificate serves every file.
func TestSignFilesOrderAndBound(t *testing.T) {
	t.Parallel()
	for _, limit := range []int{1, 3, 8} {
		t.Run(fmt.Sprint("concurrency ", limit), func(t *testing.T) {
			t.Parallel()
			f := newFilesFixture(t, 12)
			var mu sync.Mutex
			rng := rand.New(rand.NewPCG(uint64(limit), 1))
			var inFlight, peak atomic.Int32
			f.st.SetHook(signtest.Rekor, func(http.ResponseWriter, *http.Request) bool {
				n := inFlight.Add(1)
				defer inFlight.Add(-1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				mu.Lock()
				d := time.Duration(rng.IntN(30)) * time.Millisecond
				mu.Unlock()
				time.Sleep(d)
				return false
			})
			bundles, err := sign.SignFiles(context.Background(), f.signer, f.v, f.st.Policy(), f.paths, sign.WithConcurrency(limit))
			if err != nil {
				t.Fatal(err)
			}
			for i, path := range f.paths {
				if bundles[i] != sign.DefaultBundlePath(path) {
					t.Errorf("bundle %d = %s, want the bundle of %s", i, bundles[i], path)
				}
			}
			if p := peak.Load(); p > int32(limit) {
				t.Errorf("%d log requests at once, want at most %d", p, limit)
			}
			if n := f.st.Requests(signtest.Fulcio); n != 1 {
				t.Errorf("Fulcio was asked %d times, want once for every file", n)
			}
		})
	}
}

// Cancelling the context while the files wait on the log stops every
// file promptly and leaves no partial bundle.
func TestSignFilesCancel(t *testing.T) {
	t.Parallel()
	f := newFilesFixture(t, 12)
	// The log never answers: every request waits (its body read, so the
	// server notices the client leaving) until the client gives up.
	base := f.st.Requests(signtest.Rekor)
	f.st.AddFault(signtest.Rekor, signtest.Fault{Stall: time.Minute, Times: signtest.Always})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for f.st.Requests(signtest.Rekor)-base < 4 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	start := time.Now()
	_, err := sign.SignFiles(ctx, f.signer, f.v, f.st.Policy(), f.paths, sign.WithConcurrency(4))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("SignFiles took %s (waiting for the log, then cancelled)", d)
	}
	if n := f.st.Requests(signtest.Rekor) - base; n > 4 {
		t.Errorf("%d log requests: more than the 4 allowed at once, or new ones after the cancellation", n)
	}
	ents, _ := os.ReadDir(f.dir)
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".sigstore.json") || strings.Contains(e.Name(), ".tmp") {
			t.Errorf("%s left behind after the cancellation", e.Name())
		}
	}
}

func TestVerifyFiles(t *testing.T) {
	t.Parallel()
	f := newFilesFixture(t, 3)
	ctx := context.Background()
	bundles, err := sign.SignFiles(ctx, f.signer, f.v, f.st.Policy(), f.paths)
	if err != nil {
		t.Fatal(err)
	}
	signed := func() []sign.SignedFile {
		var out []sign.SignedFile
		for i, path := range f.paths {
			sum, size, err := sign.SHA256File(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, sign.SignedFile{Path: path, Size: size, SHA256: fmt.Sprintf("%x", sum), Bundle: bundles[i]})
		}
		return out
	}
	other := f.st.Policy()
	other.Identity = sign.GitHubWorkflowIdentity("octo-org/other", "", "v9.9.9")
	tests := []struct {
		name   string
		change func(files []sign.SignedFile)
		policy *sign.Policy
		want   []error  // conditions the error matches
		named  []string // what the error says, in this order
	}{
		{name: "unchanged and signed", change: func([]sign.SignedFile) {}},
		{name: "a file changed", change: func(fs []sign.SignedFile) { fs[1].SHA256 = strings.Repeat("0", 64); fs[1].Size++ },
			want:  []error{sign.ErrFileChanged},
			named: []string{filepath.Base(f.paths[1]) + " changed since it was signed: sha256 "}},
		{name: "another file's bundle", change: func(fs []sign.SignedFile) { fs[0].Bundle = bundles[2] },
			want:  []error{sign.ErrDigestMismatch},
			named: []string{"the bundle of " + filepath.Base(f.paths[0]) + " does not verify with the identity"}},
		{name: "every failure named, in order", change: func(fs []sign.SignedFile) { fs[0].Bundle = bundles[2]; fs[2].Size = 1 },
			want: []error{sign.ErrDigestMismatch, sign.ErrFileChanged},
			named: []string{"the bundle of " + filepath.Base(f.paths[0]),
				filepath.Base(f.paths[2]) + " changed since it was signed"}},
		{name: "another identity", change: func([]sign.SignedFile) {}, policy: &other,
			want:  []error{sign.ErrIdentityMismatch},
			named: []string{"the bundle of " + filepath.Base(f.paths[0]), "the bundle of " + filepath.Base(f.paths[1]), "the bundle of " + filepath.Base(f.paths[2])}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			files := signed()
			tt.change(files)
			p := f.st.Policy()
			if tt.policy != nil {
				p = *tt.policy
			}
			err := sign.VerifyFiles(ctx, f.v, p, files, sign.WithConcurrency(2))
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("VerifyFiles = nil, want an error")
			}
			for _, c := range tt.want {
				if !errors.Is(err, c) {
					t.Errorf("err = %v, want it to match %v", err, c)
				}
			}
			at := 0
			for _, s := range tt.named {
				i := strings.Index(err.Error()[at:], s)
				if i < 0 {
					t.Errorf("the error does not say %q (in this order): %v", s, err)
					break
				}
				at += i + len(s)
			}
			var ce *sign.FileChangedError
			if errors.As(err, &ce) && (ce.FoundSHA256 == ce.ExpectedSHA256 && ce.FoundSize == ce.ExpectedSize) {
				t.Errorf("FileChangedError %+v says nothing changed", ce)
			}
		})
	}
}

func TestFileEventString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		e    sign.FileEvent
		want string
	}{
		{sign.FileEvent{Path: "dist/a-1.0.tar.gz", Step: sign.FileSigning}, "signing a-1.0.tar.gz"},
		{sign.FileEvent{Path: "dist/a-1.0.tar.gz", Bundle: "dist/a-1.0.tar.gz.sigstore.json", Step: sign.FileSigned}, "signed a-1.0.tar.gz"},
		{sign.FileEvent{Path: "dist/a-1.0.tar.gz", Bundle: "dist/a-1.0.tar.gz.sigstore.json", Step: sign.FileKept}, "a-1.0.tar.gz: kept the existing bundle, which verifies"},
	}
	for _, tt := range tests {
		if got := tt.e.String(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.e, got, tt.want)
		}
	}
}
