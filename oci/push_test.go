package oci

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/tagship/tagship/oci/ocitest"
)

func TestCheckTag(t *testing.T) {
	t.Parallel()
	tests := []struct {
		tag string
		ok  bool
	}{
		{"v1.2.3", true}, {"v0.0.0", true}, {"v10.20.30", true},
		{"latest", false}, {"1.2.3", false}, {"v1.2", false}, {"v01.2.3", false},
		{"v1.02.3", false}, {"v1.2.3-rc.1", false}, {"v1.2.3+build", false}, {"V1.2.3", false},
	}
	for _, tt := range tests {
		t.Run(tt.tag, func(t *testing.T) {
			t.Parallel()
			err := CheckTag(tt.tag)
			if tt.ok != (err == nil) {
				t.Fatalf("CheckTag(%q) = %v, want ok=%v", tt.tag, err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrTagNotVersion) {
				t.Fatalf("CheckTag(%q) error %v is not ErrTagNotVersion", tt.tag, err)
			}
		})
	}
}

func TestPushRefusesMutableTags(t *testing.T) {
	t.Parallel()
	reg := ocitest.New(t)
	idx := twoPlatformIndex(t)
	for _, ref := range []string{"/app:latest", "/app", "/app:v1.2", "/app:v1.2.3-rc.1", "/app:main"} {
		t.Run(ref, func(t *testing.T) {
			t.Parallel()
			_, err := Push(context.Background(), idx, reg.Host()+ref, testLogger(t))
			if err == nil {
				t.Fatal("mutable tag accepted")
			}
			if ref != "/app" && !errors.Is(err, ErrTagNotVersion) {
				t.Fatalf("err = %v, want ErrTagNotVersion", err)
			}
		})
	}
	if n := reg.Count(func(ocitest.Request) bool { return true }, 0); n != 0 {
		t.Fatalf("refused pushes sent %d requests", n)
	}
	res, err := Push(context.Background(), idx, reg.Host()+"/app:latest", WithMutableTagUnsafe(), testLogger(t))
	if err != nil {
		t.Fatalf("WithMutableTagUnsafe: %v", err)
	}
	if res.Tag != "latest" {
		t.Fatalf("tag %q", res.Tag)
	}
}

func TestPushIdempotentAndImmutable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg := ocitest.New(t)
	idx := twoPlatformIndex(t)
	ref := reg.Host() + "/team/app:v1.0.0"

	res, err := Push(ctx, idx, ref, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	d, _ := idx.Digest()
	if res.Digest != d || res.Unchanged {
		t.Fatalf("first push: %+v", res)
	}
	// 2 layers + 2 configs.
	if res.Uploaded != 4 || reg.BlobsUploaded() != 4 {
		t.Fatalf("first push uploaded %d (registry saw %d), want 4", res.Uploaded, reg.BlobsUploaded())
	}
	if len(res.Platforms) != 2 || res.Platforms["linux/amd64"] != idx.Platforms[0].Digest || res.Platforms["linux/arm64"] != idx.Platforms[1].Digest {
		t.Fatalf("platform digests %v, want %+v", res.Platforms, idx.Platforms)
	}
	if want := reg.Host() + "/team/app@" + d.String(); res.DigestRef() != want {
		t.Fatalf("DigestRef %s, want %s", res.DigestRef(), want)
	}
	got, err := remote.Head(mustTag(t, ref))
	if err != nil || got.Digest != d {
		t.Fatalf("registry tag digest %v (%v), want %s", got, err, d)
	}

	// Rerun: nothing written.
	reg.ResetRequests()
	again, err := Push(ctx, idx, ref, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if !again.Unchanged || again.Uploaded != 0 || again.Digest != d {
		t.Fatalf("rerun: %+v", again)
	}
	if n := reg.BlobsUploaded(); n != 0 {
		t.Fatalf("rerun uploaded %d blobs", n)
	}
	if n := reg.Count(func(q ocitest.Request) bool { return q.Method == http.MethodPut }, 0); n != 0 {
		t.Fatalf("rerun made %d PUTs", n)
	}

	// Same tag, other content: refused with both digests.
	other := twoPlatformIndex(t)
	od, _ := other.Digest()
	_, err = Push(ctx, other, ref, testLogger(t))
	var tc *TagConflictError
	if !errors.As(err, &tc) || !errors.Is(err, ErrTagConflict) {
		t.Fatalf("err = %v, want *TagConflictError", err)
	}
	if tc.Existing != d || tc.New != od || !strings.Contains(err.Error(), d.String()) || !strings.Contains(err.Error(), od.String()) {
		t.Fatalf("conflict error %+v / %q lacks the digests", tc, err)
	}

	// A new version whose manifests exist uploads nothing.
	reg.ResetRequests()
	res2, err := Push(ctx, idx, reg.Host()+"/team/app:v1.0.1", testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if res2.Uploaded != 0 || reg.BlobsUploaded() != 0 {
		t.Fatalf("push of known manifests under a new tag uploaded %d", res2.Uploaded)
	}
}

func TestPushSkipsExistingBlobs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg := ocitest.New(t)
	dir := randomDir(t, 8192)
	build := func(entry string) *Index {
		idx, err := Assemble(ctx, []PlatformSource{
			{Platform: "linux/amd64", Layer: LayerSpec{Dir: dir}, Entrypoint: []string{entry}},
			{Platform: "linux/arm64", Layer: LayerSpec{Dir: dir}, Entrypoint: []string{entry}},
		}, WithTempDir(t.TempDir()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { idx.Close() })
		return idx
	}
	res, err := Push(ctx, build("/a"), reg.Host()+"/app:v1.0.0", testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	// One shared layer + two configs.
	if res.Uploaded != 3 {
		t.Fatalf("first push uploaded %d, want 3", res.Uploaded)
	}
	res, err = Push(ctx, build("/b"), reg.Host()+"/app:v1.0.1", testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if res.Uploaded != 2 || res.Skipped < 1 {
		t.Fatalf("second push uploaded %d skipped %d, want 2 new configs and the layer skipped", res.Uploaded, res.Skipped)
	}
}

func mustTag(t *testing.T, ref string) name.Tag {
	t.Helper()
	tag, err := name.NewTag(ref)
	if err != nil {
		t.Fatal(err)
	}
	return tag
}

func TestPushFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		faults  []ocitest.Fault
		wantErr bool
		minTime time.Duration
		check   func(t *testing.T, reg *ocitest.Registry)
	}{
		{name: "503 on blob uploads", faults: []ocitest.Fault{{Match: ocitest.MatchBlobUpload, Status: 503, Times: 3}}},
		{name: "502 on manifest put", faults: []ocitest.Fault{{Match: ocitest.MatchManifestPut, Status: 502, Times: 2}}},
		{name: "429 with Retry-After honoured", faults: []ocitest.Fault{{Match: ocitest.MatchBlobUpload, Status: 429, RetryAfter: time.Second}}, minTime: time.Second},
		{name: "connection reset on blob upload", faults: []ocitest.Fault{{Match: ocitest.MatchBlobUpload, Reset: true, Times: 2}}},
		{name: "connection reset on tag put", faults: []ocitest.Fault{{Match: ocitest.MatchTag("v1.0.0"), Reset: true}}},
		{name: "500 on tag lookup", faults: []ocitest.Fault{{Match: ocitest.MatchManifestRead, Status: 500}}},
		{name: "persistent 503 gives up", faults: []ocitest.Fault{{Match: ocitest.MatchBlobUpload, Status: 503, Times: -1}}, wantErr: true},
		{name: "400 is not retried", faults: []ocitest.Fault{{Match: ocitest.MatchManifestPut, Status: 400, Times: -1}}, wantErr: true,
			check: func(t *testing.T, reg *ocitest.Registry) {
				seen := map[string]int{}
				for _, q := range reg.Requests() {
					if q.Fault && q.Status == 400 {
						seen[q.Path]++
					}
				}
				for p, n := range seen {
					if n != 1 {
						t.Fatalf("400 on %s was answered %d times, want exactly 1 (no retry)", p, n)
					}
				}
				if len(seen) == 0 {
					t.Fatal("fault never triggered")
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reg := ocitest.New(t)
			for _, f := range tt.faults {
				reg.AddFault(f)
			}
			idx := twoPlatformIndex(t)
			start := time.Now()
			res, err := Push(context.Background(), idx, reg.Host()+"/app:v1.0.0", fastRetry, WithJobs(2), testLogger(t))
			if tt.wantErr {
				if err == nil {
					t.Fatal("push succeeded despite persistent fault")
				}
				if tt.check != nil {
					tt.check(t, reg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if el := time.Since(start); el < tt.minTime {
				t.Fatalf("push took %s, Retry-After asked for %s", el, tt.minTime)
			}
			d, _ := idx.Digest()
			got, err := remote.Head(mustTag(t, reg.Host()+"/app:v1.0.0"))
			if err != nil || got.Digest != d || res.Digest != d {
				t.Fatalf("after faults: tag %v (%v), want %s", got, err, d)
			}
			if res.Uploaded != 4 {
				t.Fatalf("uploaded %d blobs, want 4", res.Uploaded)
			}
		})
	}
}

func TestPushBasicAuth(t *testing.T) {
	t.Parallel()
	reg := ocitest.New(t, ocitest.WithBasicAuth("ci", "s3cret-pass"))
	idx := twoPlatformIndex(t)
	_, err := Push(context.Background(), idx, reg.Host()+"/app:v1.0.0", WithKeychain(authn.NewMultiKeychain()), testLogger(t))
	if err == nil {
		t.Fatal("anonymous push to an auth registry succeeded")
	}
	kc := staticKeychain{reg.Host(), authn.AuthConfig{Username: "ci", Password: "s3cret-pass"}}
	if _, err := Push(context.Background(), idx, reg.Host()+"/app:v1.0.0", WithKeychain(kc), testLogger(t)); err != nil {
		t.Fatal(err)
	}
}

type staticKeychain struct {
	host string
	cfg  authn.AuthConfig
}

func (k staticKeychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	if r.RegistryStr() == k.host {
		return authn.FromConfig(k.cfg), nil
	}
	return authn.Anonymous, nil
}

func TestGitHubKeychain(t *testing.T) {
	t.Parallel()
	env := map[string]string{"GITHUB_TOKEN": "ghs_x", "GITHUB_ACTOR": "octocat"}
	kc := GitHubKeychain(func(k string) string { return env[k] })
	ghcr, _ := name.NewRepository("ghcr.io/o/r")
	other, _ := name.NewRepository("docker.io/o/r")
	a, err := kc.Resolve(ghcr)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := a.Authorization()
	if cfg.Username != "octocat" || cfg.Password != "ghs_x" {
		t.Fatalf("ghcr.io auth = %q", cfg.Username)
	}
	if a, _ := kc.Resolve(other); a != authn.Anonymous {
		t.Fatal("GitHub token offered to docker.io")
	}
	none := GitHubKeychain(func(string) string { return "" })
	if a, _ := none.Resolve(ghcr); a != authn.Anonymous {
		t.Fatal("credentials without GITHUB_TOKEN")
	}
}

type recordRT struct{ urls []string }

func (r *recordRT) RoundTrip(req *http.Request) (*http.Response, error) {
	r.urls = append(r.urls, req.URL.String())
	return &http.Response{StatusCode: 200, Body: http.NoBody, Header: http.Header{}, Request: req}, nil
}

func TestTransportKeepsPlainHTTPOnLoopback(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url, want string
		insecure  bool
	}{
		{"http://127.0.0.1:5000/v2/", "http://127.0.0.1:5000/v2/", false},
		{"http://localhost:5000/v2/", "http://localhost:5000/v2/", false},
		{"http://[::1]:5000/v2/", "http://[::1]:5000/v2/", false},
		{"http://10.0.0.5:5000/v2/", "https://10.0.0.5:5000/v2/", false},
		{"http://registry.local/v2/", "https://registry.local/v2/", false},
		{"http://10.0.0.5:5000/v2/", "http://10.0.0.5:5000/v2/", true},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			t.Parallel()
			rt := &recordRT{}
			tr := &regTransport{base: rt, insecure: tt.insecure, c: &counters{}, log: discard()}
			req, _ := http.NewRequest(http.MethodGet, tt.url, nil)
			if _, err := tr.RoundTrip(req); err != nil {
				t.Fatal(err)
			}
			if rt.urls[0] != tt.want {
				t.Fatalf("sent %s, want %s", rt.urls[0], tt.want)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0}, {"3", 3 * time.Second}, {"-1", 0}, {"junk", 0},
		{now.Add(5 * time.Second).Format(http.TimeFormat), 5 * time.Second},
		{now.Add(-5 * time.Second).Format(http.TimeFormat), 0},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestPushReportsProgress(t *testing.T) {
	t.Parallel()
	reg := ocitest.New(t)
	idx := twoPlatformIndex(t)
	var mu sync.Mutex
	var calls int
	var lastDone, lastTotal int64
	progress := WithProgress(func(done, total int64) {
		mu.Lock()
		defer mu.Unlock()
		if done < lastDone {
			t.Errorf("progress went back from %d to %d", lastDone, done)
		}
		calls++
		lastDone, lastTotal = done, total
	})
	if _, err := Push(context.Background(), idx, reg.Host()+"/team/app:v1.0.0", testLogger(t), progress); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if calls == 0 || lastTotal == 0 || lastDone != lastTotal {
		t.Fatalf("%d progress calls, last %d of %d: want a final report with done == total > 0", calls, lastDone, lastTotal)
	}
}
