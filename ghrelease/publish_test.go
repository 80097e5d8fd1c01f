package ghrelease

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tagship/tagship/ghrelease/ghreleasetest"
)

var fastRetry = RetryPolicy{Attempts: 4, Initial: time.Millisecond, Max: 5 * time.Millisecond, MaxWait: 10 * time.Second}

type sleeps struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeps) sleep(d time.Duration) <-chan time.Time {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	c := make(chan time.Time, 1)
	c <- time.Now()
	return c
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// newPub returns a publisher for srv whose retries do not really sleep.
func newPub(t *testing.T, srv *ghreleasetest.Server, opts ...Option) (*Publisher, *sleeps) {
	t.Helper()
	base := []Option{WithBaseURL(srv.BaseURL(), srv.UploadURL()), WithToken(srv.Token()), WithHTTPClient(srv.HTTPClient()), WithRetry(fastRetry)}
	p, err := New(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	s := &sleeps{}
	p.o.sleep = s.sleep
	return p, s
}

type files struct {
	dir   string
	paths map[string]string
}

func makeFiles(t *testing.T, contents map[string]string) files {
	t.Helper()
	f := files{dir: t.TempDir(), paths: map[string]string{}}
	for n, c := range contents {
		f.paths[n] = writeFile(t, f.dir, n, c)
	}
	return f
}

func (f files) assets(names ...string) []Asset {
	var out []Asset
	for _, n := range names {
		out = append(out, Asset{Path: f.paths[n]})
	}
	return out
}

func hexsum(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }

var std = map[string]string{
	"pkg-1.0.0-py3-none-any.whl":               "wheel",
	"pkg-1.0.0-py3-none-any.whl.sigstore.json": `{"bundle":"w"}`,
	"pkg-1.0.0.tar.gz":                         "sdist!",
	"pkg-1.0.0.tar.gz.sigstore.json":           `{"bundle":"s"}`,
	"pkg-1.0.0.cdx.json":                       `{"bomFormat":"CycloneDX"}`,
}

var stdNames = []string{"pkg-1.0.0-py3-none-any.whl", "pkg-1.0.0-py3-none-any.whl.sigstore.json", "pkg-1.0.0.tar.gz", "pkg-1.0.0.tar.gz.sigstore.json", "pkg-1.0.0.cdx.json"}

func TestPublishFresh(t *testing.T) {
	t.Parallel()
	srv := ghreleasetest.New(t)
	p, _ := newPub(t, srv)
	f := makeFiles(t, std)
	res, err := p.Publish(context.Background(), Release{Owner: "o", Repo: "r", Tag: "v1.0.0", Body: "notes", Assets: f.assets(stdNames...)})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Created || !res.Published || res.AlreadyPublished || res.MakeLatest != "true" || len(res.Assets) != 6 {
		t.Fatalf("result = %+v", res)
	}
	rel, ok := srv.ReleaseByTag("o", "r", "v1.0.0")
	if !ok || rel.Draft || !rel.Latest || rel.Body != "notes" || rel.Name != "v1.0.0" || rel.MakeLatest != "true" {
		t.Fatalf("release = %+v", rel)
	}
	wantCT := map[string]string{
		"pkg-1.0.0-py3-none-any.whl": "application/octet-stream", "pkg-1.0.0-py3-none-any.whl.sigstore.json": "application/json",
		"pkg-1.0.0.tar.gz": "application/gzip", "pkg-1.0.0.tar.gz.sigstore.json": "application/json",
		"pkg-1.0.0.cdx.json": "application/vnd.cyclonedx+json", "SHA256SUMS": "text/plain",
	}
	got := map[string]ghreleasetest.Asset{}
	for _, a := range rel.Assets {
		got[a.Name] = a
	}
	for n, ct := range wantCT {
		a, ok := got[n]
		if !ok {
			t.Errorf("asset %s missing", n)
			continue
		}
		if a.ContentType != ct {
			t.Errorf("%s content type = %q, want %q", n, a.ContentType, ct)
		}
		if c, ok := std[n]; ok && a.SHA256 != hexsum(c) {
			t.Errorf("%s stored sha256 %s, want %s", n, a.SHA256, hexsum(c))
		}
	}
	sums, _ := srv.AssetData("o", "r", got["SHA256SUMS"].ID)
	parsed, err := ParseChecksums(sums)
	if err != nil {
		t.Fatal(err)
	}
	for n, c := range std {
		if parsed[n] != hexsum(c) {
			t.Errorf("SHA256SUMS[%s] = %s, want %s", n, parsed[n], hexsum(c))
		}
	}
	if len(parsed) != len(std) {
		t.Errorf("SHA256SUMS has %d entries, want %d:\n%s", len(parsed), len(std), sums)
	}

	// Second run: a no-op.
	before := len(srv.Requests())
	res2, err := p.Publish(context.Background(), Release{Owner: "o", Repo: "r", Tag: "v1.0.0", Body: "notes", Assets: f.assets(stdNames...)})
	if err != nil {
		t.Fatal(err)
	}
	if !res2.AlreadyPublished || res2.Published || res2.Created {
		t.Errorf("rerun result = %+v", res2)
	}
	for _, a := range res2.Assets {
		if a.Action != AssetSkipped {
			t.Errorf("rerun: %s %s, want skipped", a.Name, a.Action)
		}
	}
	for _, r := range srv.Requests()[before:] {
		if r.Route == ghreleasetest.RouteUploadAsset || r.Route == ghreleasetest.RouteUpdateRelease || r.Route == ghreleasetest.RouteDeleteAsset {
			t.Errorf("rerun made a changing request: %+v", r)
		}
	}
}

func TestMakeLatest(t *testing.T) {
	t.Parallel()
	srv := ghreleasetest.New(t)
	srv.AddRelease("o", "r", ghreleasetest.Release{Tag: "v2.0.0", CreatedAt: time.Now().Add(-time.Hour)})
	srv.AddRelease("o", "r", ghreleasetest.Release{Tag: "v3.0.0-rc1", Prerelease: true, MakeLatest: "false"})
	srv.AddRelease("o", "r", ghreleasetest.Release{Tag: "v9.0.0", Draft: true})
	p, _ := newPub(t, srv, WithChecksumsAsset(""))
	for _, tc := range []struct {
		tag, want  string
		prerelease bool
	}{
		{"v1.5.0", "false", false},
		{"v2.0.1", "true", false},
		{"v2.0.2-rc1", "false", false},
		{"v2.1.0", "false", true},
		{"v2.0.0", "", false}, // already published
	} {
		res, err := p.Publish(context.Background(), Release{Owner: "o", Repo: "r", Tag: tc.tag, Prerelease: tc.prerelease})
		if err != nil {
			t.Fatalf("%s: %v", tc.tag, err)
		}
		if res.MakeLatest != tc.want {
			t.Errorf("%s: make_latest = %q, want %q", tc.tag, res.MakeLatest, tc.want)
		}
	}
	if r, _ := srv.ReleaseByTag("o", "r", "v2.0.1"); !r.Latest {
		t.Errorf("v2.0.1 is not latest: %+v", r)
	}
}

func TestFailureLeavesDraftAndRerunCompletes(t *testing.T) {
	t.Parallel()
	srv := ghreleasetest.New(t)
	p, _ := newPub(t, srv, WithConcurrency(1))
	f := makeFiles(t, std)
	srv.AddFault(ghreleasetest.RouteUploadAsset, ghreleasetest.Fault{Status: http.StatusBadRequest, Message: "boom",
		Match: func(r *http.Request) bool { return r.URL.Query().Get("name") == "pkg-1.0.0.tar.gz" }})
	rel := Release{Owner: "o", Repo: "r", Tag: "v1.0.0", Body: "notes", Assets: f.assets(stdNames...)}
	_, err := p.Publish(context.Background(), rel)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Attempts != 1 {
		t.Fatalf("err = %v, want a 400 APIError after 1 attempt (4xx is not retried)", err)
	}
	if strings.Contains(err.Error(), srv.Token()) {
		t.Fatalf("error leaks the token: %v", err)
	}
	rels := srv.Releases("o", "r")
	if len(rels) != 1 || !rels[0].Draft {
		t.Fatalf("after a failure the release must stay a draft: %+v", rels)
	}
	for _, a := range rels[0].Assets {
		if a.Name == "SHA256SUMS" {
			t.Fatal("checksums uploaded although an asset failed")
		}
	}
	if len(rels[0].Assets) != 4 {
		t.Fatalf("draft has %d assets, want the 4 that succeeded", len(rels[0].Assets))
	}

	res, err := p.Publish(context.Background(), rel)
	if err != nil {
		t.Fatal(err)
	}
	if res.Created || !res.Published || res.ReleaseID != rels[0].ID {
		t.Fatalf("rerun result = %+v", res)
	}
	actions := map[string]AssetAction{}
	for _, a := range res.Assets {
		actions[a.Name] = a.Action
	}
	if actions["pkg-1.0.0.tar.gz"] != AssetUploaded || actions["pkg-1.0.0-py3-none-any.whl"] != AssetSkipped || actions["SHA256SUMS"] != AssetUploaded {
		t.Errorf("rerun actions = %v", actions)
	}
	if n := srv.UploadAttempts("pkg-1.0.0-py3-none-any.whl"); n != 1 {
		t.Errorf("wheel uploaded %d times, want 1", n)
	}
	if r, _ := srv.ReleaseByTag("o", "r", "v1.0.0"); r.Draft || len(r.Assets) != 6 {
		t.Errorf("final release = %+v", r)
	}
}

func TestDraftOnSecondPage(t *testing.T) {
	t.Parallel()
	srv := ghreleasetest.New(t)
	old := time.Now().Add(-1000 * time.Hour)
	draft := srv.AddRelease("o", "r", ghreleasetest.Release{Tag: "v1.0.0", Draft: true, CreatedAt: old})
	for i := range 120 {
		srv.AddRelease("o", "r", ghreleasetest.Release{Tag: fmt.Sprintf("v0.0.%d", i), CreatedAt: old.Add(time.Duration(i+1) * time.Minute)})
	}
	p, _ := newPub(t, srv, WithChecksumsAsset(""))
	res, err := p.Publish(context.Background(), Release{Owner: "o", Repo: "r", Tag: "v1.0.0"})
	if err != nil {
		t.Fatal(err)
	}
	if res.ReleaseID != draft.ID || res.Created || !res.Published || res.MakeLatest != "true" {
		t.Fatalf("result = %+v, want draft %d published as latest", res, draft.ID)
	}
	if n := len(srv.Releases("o", "r")); n != 121 {
		t.Errorf("%d releases, want 121 (no new release)", n)
	}
}

func TestRetries(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		fault    ghreleasetest.Fault
		attempts int
		minWait  time.Duration
	}{
		{"502 twice", ghreleasetest.Fault{Status: 502, Times: 2}, 3, 0},
		{"429 Retry-After", ghreleasetest.Fault{Status: 429, RetryAfter: 3 * time.Second}, 2, 3 * time.Second},
		// go-github remembers rate limits against the real clock, so these
		// two really wait (about a second).
		{"secondary rate limit", ghreleasetest.Fault{Kind: ghreleasetest.SecondaryRateLimit, RetryAfter: time.Second}, 2, time.Second},
		{"primary rate limit", ghreleasetest.Fault{Kind: ghreleasetest.PrimaryRateLimit, RetryAfter: time.Second}, 2, time.Second},
		{"429 with X-RateLimit-Remaining 0", ghreleasetest.Fault{Kind: ghreleasetest.PrimaryRateLimit, Status: 429, RetryAfter: time.Second}, 2, time.Second},
		{"connection reset mid-body", ghreleasetest.Fault{Reset: true, Times: 2}, 3, 0},
		{"truncated answer", ghreleasetest.Fault{Truncate: true}, 2, 0},
		{"stall then 503", ghreleasetest.Fault{Stall: 10 * time.Millisecond, Status: 503}, 2, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := ghreleasetest.New(t)
			p, sl := newPub(t, srv, WithChecksumsAsset(""))
			if tc.fault.Kind != "" {
				real := sl.sleep
				p.o.sleep = func(d time.Duration) <-chan time.Time { real(d); return time.After(d) }
			}
			big := strings.Repeat("0123456789abcdef", 64<<10) // 1 MiB
			f := makeFiles(t, map[string]string{"big.tar.gz": big})
			f2 := tc.fault
			f2.Match = func(r *http.Request) bool { return r.URL.Query().Get("name") == "big.tar.gz" }
			srv.AddFault(ghreleasetest.RouteUploadAsset, f2)
			res, err := p.Publish(context.Background(), Release{Owner: "o", Repo: "r", Tag: "v1.0.0", Assets: f.assets("big.tar.gz")})
			if err != nil {
				t.Fatal(err)
			}
			if n := srv.UploadAttempts("big.tar.gz"); n != tc.attempts {
				t.Errorf("upload attempts = %d, want %d", n, tc.attempts)
			}
			r, _ := srv.ReleaseByTag("o", "r", "v1.0.0")
			if len(r.Assets) != 1 || r.Assets[0].SHA256 != hexsum(big) || r.Draft {
				t.Fatalf("release = %+v", r)
			}
			if tc.name == "truncated answer" && res.Assets[0].Action != AssetSkipped {
				t.Errorf("after a lost answer the asset should be found identical and skipped, got %s", res.Assets[0].Action)
			}
			var longest time.Duration
			for _, w := range sl.all() {
				longest = max(longest, w)
			}
			if longest < tc.minWait {
				t.Errorf("longest wait %s, want ≥ %s (server-requested)", longest, tc.minWait)
			}
		})
	}
}

func TestNoRetryOn4xxAndLongWaits(t *testing.T) {
	t.Parallel()
	srv := ghreleasetest.New(t)
	f := makeFiles(t, map[string]string{"a.txt": "a"})

	bad, err := New(WithBaseURL(srv.BaseURL(), srv.UploadURL()), WithToken("wrong-token"), WithRetry(fastRetry))
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.Publish(context.Background(), Release{Owner: "o", Repo: "r", Tag: "v1.0.0", Assets: f.assets("a.txt")})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || apiErr.Attempts != 1 || strings.Contains(err.Error(), "wrong-token") {
		t.Fatalf("err = %v, want a 401 without retries or token", err)
	}

	srv.AddFault(ghreleasetest.RouteReleaseByTag, ghreleasetest.Fault{Kind: ghreleasetest.PrimaryRateLimit, RetryAfter: time.Hour})
	p, _ := newPub(t, srv)
	_, err = p.Publish(context.Background(), Release{Owner: "o", Repo: "r", Tag: "v1.0.0", Assets: f.assets("a.txt")})
	if !errors.As(err, &apiErr) || apiErr.Attempts != 1 || !strings.Contains(err.Error(), "retry after") {
		t.Fatalf("err = %v, want an immediate failure naming when to retry", err)
	}

	srv.AddFault(ghreleasetest.RouteCreateRelease, ghreleasetest.Fault{Status: 500, Times: -1})
	p2, _ := newPub(t, srv)
	_, err = p2.Publish(context.Background(), Release{Owner: "o", Repo: "r", Tag: "v1.0.0", Assets: f.assets("a.txt")})
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 500 || apiErr.Attempts != fastRetry.Attempts {
		t.Fatalf("err = %v, want a 500 after %d attempts", err, fastRetry.Attempts)
	}
}

func TestAssetConflict(t *testing.T) {
	t.Parallel()
	for _, viaSums := range []bool{false, true} {
		t.Run(fmt.Sprintf("checksums=%v", viaSums), func(t *testing.T) {
			t.Parallel()
			srv := ghreleasetest.New(t)
			draft := srv.AddRelease("o", "r", ghreleasetest.Release{Tag: "v1.0.0", Draft: true})
			if _, err := srv.AddAsset("o", "r", draft.ID, "a.tar.gz", "application/gzip", []byte("other")); err != nil {
				t.Fatal(err)
			}
			if viaSums {
				_, _ = srv.AddAsset("o", "r", draft.ID, "SHA256SUMS", "text/plain", FormatChecksums(map[string]string{"a.tar.gz": hexsum("other")}))
			}
			f := makeFiles(t, map[string]string{"a.tar.gz": "local"}) // same size as "other"
			p, _ := newPub(t, srv)
			_, err := p.Publish(context.Background(), Release{Owner: "o", Repo: "r", Tag: "v1.0.0", Assets: f.assets("a.tar.gz")})
			var ce *AssetConflictError
			if !errors.As(err, &ce) || !errors.Is(err, ErrAssetConflict) || ce.LocalSHA256 != hexsum("local") || ce.RemoteSHA256 != hexsum("other") {
				t.Fatalf("err = %v, want AssetConflictError with both hashes", err)
			}
			if r, _ := srv.ReleaseByTag("o", "r", "v1.0.0"); !r.Draft {
				t.Fatal("conflict published the release")
			}
			p2, _ := newPub(t, srv, WithReplaceAssets())
			res, err := p2.Publish(context.Background(), Release{Owner: "o", Repo: "r", Tag: "v1.0.0", Assets: f.assets("a.tar.gz")})
			if err != nil {
				t.Fatal(err)
			}
			if res.Assets[0].Action != AssetReplaced || !res.Published {
				t.Fatalf("result = %+v", res)
			}
			r, _ := srv.ReleaseByTag("o", "r", "v1.0.0")
			for _, a := range r.Assets {
				if a.Name == "a.tar.gz" && a.SHA256 != hexsum("local") {
					t.Errorf("asset not replaced: %+v", a)
				}
			}
		})
	}
}

func TestImmutableRelease(t *testing.T) {
	t.Parallel()
	srv := ghreleasetest.New(t, ghreleasetest.WithImmutableReleases())
	p, _ := newPub(t, srv)
	f := makeFiles(t, map[string]string{"a.tar.gz": "a", "b.tar.gz": "b"})
	if _, err := p.Publish(context.Background(), Release{Owner: "o", Repo: "r", Tag: "v1.0.0", Assets: f.assets("a.tar.gz")}); err != nil {
		t.Fatalf("draft-first publishing must work with immutable releases: %v", err)
	}
	r, _ := srv.ReleaseByTag("o", "r", "v1.0.0")
	if !r.Immutable {
		t.Fatal("fake did not mark the release immutable")
	}
	before := srv.UploadAttempts("b.tar.gz")
	_, err := p.Publish(context.Background(), Release{Owner: "o", Repo: "r", Tag: "v1.0.0", Assets: f.assets("a.tar.gz", "b.tar.gz")})
	if !errors.Is(err, ErrImmutableRelease) || !strings.Contains(err.Error(), "immutable releases") {
		t.Fatalf("err = %v, want ErrImmutableRelease with an explanation", err)
	}
	if srv.UploadAttempts("b.tar.gz") != before {
		t.Error("an upload was attempted on an immutable release")
	}
}

func TestValidationUpFront(t *testing.T) {
	t.Parallel()
	srv := ghreleasetest.New(t)
	p, _ := newPub(t, srv)
	f := makeFiles(t, map[string]string{"ok.txt": "x"})
	for name, rel := range map[string]Release{
		"bad name":     {Owner: "o", Repo: "r", Tag: "v1.0.0", Assets: []Asset{{Path: f.paths["ok.txt"], Name: "my file.txt"}}},
		"leading dot":  {Owner: "o", Repo: "r", Tag: "v1.0.0", Assets: []Asset{{Path: f.paths["ok.txt"], Name: ".hidden"}}},
		"duplicate":    {Owner: "o", Repo: "r", Tag: "v1.0.0", Assets: []Asset{{Path: f.paths["ok.txt"]}, {Path: f.paths["ok.txt"]}}},
		"checksums":    {Owner: "o", Repo: "r", Tag: "v1.0.0", Assets: []Asset{{Path: f.paths["ok.txt"], Name: "SHA256SUMS"}}},
		"missing file": {Owner: "o", Repo: "r", Tag: "v1.0.0", Assets: []Asset{{Path: filepath.Join(f.dir, "nope")}}},
		"long body":    {Owner: "o", Repo: "r", Tag: "v1.0.0", Body: strings.Repeat("é", MaxBodyLength+1)},
		"no owner":     {Repo: "r", Tag: "v1.0.0"},
		"bad tag":      {Owner: "o", Repo: "r", Tag: "v1 0"},
		"make_latest":  {Owner: "o", Repo: "r", Tag: "v1.0.0", MakeLatest: "legacy"},
	} {
		_, err := p.Publish(context.Background(), rel)
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("validation failures made %d requests, want 0", n)
	}
	_, err := p.Publish(context.Background(), Release{Owner: "o", Repo: "r", Tag: "v1.0.0", Assets: []Asset{{Path: f.paths["ok.txt"], Name: "a+b.txt"}}})
	if !errors.Is(err, ErrInvalidAssetName) || !strings.Contains(err.Error(), `"a.b.txt"`) {
		t.Errorf("err = %v, want ErrInvalidAssetName naming GitHub's rewrite", err)
	}
}

func TestAmbiguousDrafts(t *testing.T) {
	t.Parallel()
	srv := ghreleasetest.New(t)
	// Two runs of one tag each made a draft: every run converges on the
	// oldest, and the other is deleted.
	older := srv.AddRelease("o", "r", ghreleasetest.Release{Tag: "v1.0.0", Draft: true})
	srv.AddRelease("o", "r", ghreleasetest.Release{Tag: "v1.0.0", Draft: true})
	p, _ := newPub(t, srv)
	res, err := p.Publish(context.Background(), Release{Owner: "o", Repo: "r", Tag: "v1.0.0"})
	if err != nil {
		t.Fatal(err)
	}
	rels := srv.Releases("o", "r")
	if len(rels) != 1 || rels[0].ID != older.ID || rels[0].Draft || res.ReleaseID != older.ID {
		t.Fatalf("releases = %+v, want only the older draft %d, published", rels, older.ID)
	}
}

func TestNewOptions(t *testing.T) {
	t.Parallel()
	for name, opts := range map[string][]Option{
		"no token":      {WithToken("")},
		"http remote":   {WithToken("x"), WithBaseURL("http://ghe.example.com/api/v3/", "http://ghe.example.com/api/uploads/")},
		"concurrency 0": {WithToken("x"), WithConcurrency(0)},
		"bad retry":     {WithToken("x"), WithRetry(RetryPolicy{})},
		"bad checksums": {WithToken("x"), WithChecksumsAsset("a b")},
	} {
		if _, err := New(opts...); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
	if _, err := New(WithToken("x"), WithBaseURL("http://ghe.example.com/api/v3/", "http://ghe.example.com/api/uploads/"), WithInsecureHTTPUnsafe()); err != nil {
		t.Errorf("WithInsecureHTTPUnsafe: %v", err)
	}
	if _, err := New(WithToken("x"), WithBaseURL("http://127.0.0.1:1/api/v3/", "http://127.0.0.1:1/api/uploads/")); err != nil {
		t.Errorf("loopback http: %v", err)
	}
	_ = os.Getenv
}

func TestConcurrencyBound(t *testing.T) {
	t.Parallel()
	srv := ghreleasetest.New(t)
	var mu sync.Mutex
	inFlight, peak := 0, 0
	srv.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Query().Get("name") == "" || r.Method != http.MethodPost {
			return false
		}
		mu.Lock()
		inFlight++
		peak = max(peak, inFlight)
		mu.Unlock()
		time.Sleep(100 * time.Millisecond)
		mu.Lock()
		inFlight--
		mu.Unlock()
		return false
	})
	contents := map[string]string{}
	var names []string
	for i := range 7 {
		n := fmt.Sprintf("f%d.tar.gz", i)
		contents[n], names = strings.Repeat("x", i+1), append(names, n)
	}
	f := makeFiles(t, contents)
	p, _ := newPub(t, srv, WithConcurrency(3))
	if _, err := p.Publish(context.Background(), Release{Owner: "o", Repo: "r", Tag: "v1.0.0", Assets: f.assets(names...)}); err != nil {
		t.Fatal(err)
	}
	if peak > 3 || peak < 2 {
		t.Errorf("peak concurrent uploads = %d, want 3 (at most 3, and uploads overlapping)", peak)
	}
}

// A file that changes between hashing and a retried upload is caught, and
// the wrong asset removed.
func TestFileChangedBetweenAttempts(t *testing.T) {
	t.Parallel()
	srv := ghreleasetest.New(t)
	f := makeFiles(t, map[string]string{"a.tar.gz": "original"})
	srv.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPost && r.URL.Query().Get("name") == "a.tar.gz" {
			_ = os.WriteFile(f.paths["a.tar.gz"], []byte("modified"), 0o644) // same size
		}
		return false
	})
	srv.AddFault(ghreleasetest.RouteUploadAsset, ghreleasetest.Fault{Reset: true})
	p, _ := newPub(t, srv)
	_, err := p.Publish(context.Background(), Release{Owner: "o", Repo: "r", Tag: "v1.0.0", Assets: f.assets("a.tar.gz")})
	if !errors.Is(err, ErrAssetChanged) {
		t.Fatalf("err = %v, want ErrAssetChanged", err)
	}
	rels := srv.Releases("o", "r")
	if len(rels) != 1 || !rels[0].Draft || len(rels[0].Assets) != 0 {
		t.Fatalf("release = %+v, want a draft without the wrong asset", rels)
	}
}

// GitHub's 422 for an immutable release is recognised even when the release
// JSON did not say "immutable".
func TestImmutableFrom422(t *testing.T) {
	t.Parallel()
	srv := ghreleasetest.New(t)
	srv.AddRelease("o", "r", ghreleasetest.Release{Tag: "v1.0.0"})
	srv.AddFault(ghreleasetest.RouteUploadAsset, ghreleasetest.Fault{Status: 422, Message: "Cannot upload assets to an immutable release."})
	f := makeFiles(t, map[string]string{"a.txt": "a"})
	p, _ := newPub(t, srv)
	_, err := p.Publish(context.Background(), Release{Owner: "o", Repo: "r", Tag: "v1.0.0", Assets: f.assets("a.txt")})
	if !errors.Is(err, ErrImmutableRelease) {
		t.Fatalf("err = %v, want ErrImmutableRelease", err)
	}
}

// Asset downloads redirected to another host (as github.com does) are
// followed without the token.
func TestDownloadRedirectWithoutToken(t *testing.T) {
	t.Parallel()
	srv := ghreleasetest.New(t)
	var mu sync.Mutex
	var sawAuth []string
	objects := http.NewServeMux()
	objects.HandleFunc("/obj/", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		sawAuth = append(sawAuth, r.Header.Get("Authorization"))
		mu.Unlock()
		_, _ = w.Write([]byte("local")) // the stored bytes
	})
	obj := httptestServer(t, objects)
	draft := srv.AddRelease("o", "r", ghreleasetest.Release{Tag: "v1.0.0", Draft: true})
	asset, err := srv.AddAsset("o", "r", draft.ID, "a.tar.gz", "application/gzip", []byte("local"))
	if err != nil {
		t.Fatal(err)
	}
	srv.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasSuffix(r.URL.Path, fmt.Sprintf("/releases/assets/%d", asset.ID)) && strings.Contains(r.Header.Get("Accept"), "octet-stream") {
			http.Redirect(w, r, obj+"/obj/a.tar.gz?sig=x", http.StatusFound)
			return true
		}
		return false
	})
	f := makeFiles(t, map[string]string{"a.tar.gz": "local"})
	p, _ := newPub(t, srv)
	res, err := p.Publish(context.Background(), Release{Owner: "o", Repo: "r", Tag: "v1.0.0", Assets: f.assets("a.tar.gz")})
	if err != nil {
		t.Fatal(err)
	}
	if res.Assets[0].Action != AssetSkipped {
		t.Errorf("action = %s, want skipped after comparing the redirected download", res.Assets[0].Action)
	}
	// Compared once before publishing, and read back once after.
	if len(sawAuth) != 2 || sawAuth[0] != "" || sawAuth[1] != "" {
		t.Errorf("redirect target saw Authorization %q, want two requests without it", sawAuth)
	}
}
