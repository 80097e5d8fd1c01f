package ghrelease

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/tagship/tagship/ghrelease/ghreleasetest"
)

func newDownloadFixture(t *testing.T) (*ghreleasetest.Server, *Downloader, map[string][]byte) {
	t.Helper()
	srv := ghreleasetest.New(t)
	rel := srv.AddRelease("octo", "demo", ghreleasetest.Release{Tag: "v1.0.0", Name: "v1.0.0"})
	files := map[string][]byte{
		"demo-1.0.0.tar.gz": []byte("sdist bytes"),
		"SHA256SUMS":        []byte("abc  demo-1.0.0.tar.gz\n"),
	}
	for name, data := range files {
		if _, err := srv.AddAsset("octo", "demo", rel.ID, name, ContentType(name), data); err != nil {
			t.Fatal(err)
		}
	}
	srv.AddRelease("octo", "demo", ghreleasetest.Release{Tag: "v1.1.0", Draft: true})
	d, err := NewDownloader(WithBaseURL(srv.BaseURL(), srv.UploadURL()), WithToken(srv.Token()), WithRetry(fastRetry))
	if err != nil {
		t.Fatal(err)
	}
	return srv, d, files
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestDownloaderReleaseAndAssets(t *testing.T) {
	t.Parallel()
	_, d, files := newDownloadFixture(t)
	ctx := context.Background()
	rel, err := d.ReleaseByTag(ctx, "octo", "demo", "v1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	if rel.Tag != "v1.0.0" || len(rel.Assets) != len(files) {
		t.Fatalf("release = %+v", rel)
	}
	dir := t.TempDir()
	for name, data := range files {
		a, ok := rel.Asset(name)
		if !ok {
			t.Fatalf("asset %s missing", name)
		}
		got, err := d.DownloadAsset(ctx, rel, a, filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(got.Path)
		if string(b) != string(data) || got.SHA256 != sha(data) || got.Size != int64(len(data)) {
			t.Fatalf("%s: got %+v %q", name, got, b)
		}
	}
	if _, ok := rel.Asset("nope"); ok {
		t.Fatal("Asset(nope) found")
	}

	for _, tag := range []string{"v1.1.0" /* draft */, "v9.9.9"} {
		if _, err := d.ReleaseByTag(ctx, "octo", "demo", tag); !errors.Is(err, ErrNoRelease) {
			t.Fatalf("%s: err = %v", tag, err)
		}
	}
	if _, err := d.ReleaseByTag(ctx, "octo", "demo/x", "v1.0.0"); !errors.Is(err, ErrInvalidRelease) {
		t.Fatalf("err = %v", err)
	}
}

func TestDownloaderRedirectDropsToken(t *testing.T) {
	t.Parallel()
	srv, d, files := newDownloadFixture(t)
	var mu sync.Mutex
	var seenAuth []string
	storage := httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seenAuth = append(seenAuth, r.Header.Get("Authorization"))
		mu.Unlock()
		w.Write(files["demo-1.0.0.tar.gz"])
	}))
	srv.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		if strings.Contains(r.URL.Path, "/releases/assets/") && r.Header.Get("Accept") == "application/octet-stream" {
			http.Redirect(w, r, storage+"/blob?sig=x", http.StatusFound)
			return true
		}
		return false
	})
	ctx := context.Background()
	rel, err := d.ReleaseByTag(ctx, "octo", "demo", "v1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := rel.Asset("demo-1.0.0.tar.gz")
	got, err := d.DownloadAsset(ctx, rel, a, filepath.Join(t.TempDir(), a.Name))
	if err != nil {
		t.Fatal(err)
	}
	if got.SHA256 != sha(files[a.Name]) {
		t.Fatalf("got %+v", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seenAuth) != 1 || seenAuth[0] != "" {
		t.Fatalf("storage saw Authorization %q", seenAuth)
	}
}

func TestDownloaderFailures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("insecure redirect", func(t *testing.T) {
		t.Parallel()
		srv, d, _ := newDownloadFixture(t)
		srv.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
			if strings.Contains(r.URL.Path, "/releases/assets/") && r.Header.Get("Accept") == "application/octet-stream" {
				http.Redirect(w, r, "http://storage.example.org/blob", http.StatusFound)
				return true
			}
			return false
		})
		rel, err := d.ReleaseByTag(ctx, "octo", "demo", "v1.0.0")
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		_, err = d.DownloadAsset(ctx, rel, rel.Assets[0], filepath.Join(dir, "x"))
		var ae *APIError
		if !errors.Is(err, ErrInsecureURL) || !errors.As(err, &ae) || ae.Attempts != 1 {
			t.Fatalf("err = %v", err)
		}
		if ents, _ := os.ReadDir(dir); len(ents) != 0 {
			t.Fatalf("left behind: %v", ents)
		}
	})
	t.Run("retries 503 and truncation", func(t *testing.T) {
		t.Parallel()
		srv, d, files := newDownloadFixture(t)
		rel, err := d.ReleaseByTag(ctx, "octo", "demo", "v1.0.0")
		if err != nil {
			t.Fatal(err)
		}
		a, _ := rel.Asset("demo-1.0.0.tar.gz")
		srv.AddFault(ghreleasetest.RouteGetAsset, ghreleasetest.Fault{Status: 503})
		srv.AddFault(ghreleasetest.RouteGetAsset, ghreleasetest.Fault{Truncate: true})
		got, err := d.DownloadAsset(ctx, rel, a, filepath.Join(t.TempDir(), a.Name))
		if err != nil || got.SHA256 != sha(files[a.Name]) {
			t.Fatalf("got %+v, err %v", got, err)
		}
		n := 0
		for _, r := range srv.Requests() {
			if r.Route == ghreleasetest.RouteGetAsset {
				n++
			}
		}
		if n != 3 {
			t.Fatalf("%d asset requests, want 3", n)
		}
	})
	t.Run("anonymous refused is not retried", func(t *testing.T) {
		t.Parallel()
		srv, _, _ := newDownloadFixture(t)
		d, err := NewDownloader(WithBaseURL(srv.BaseURL(), srv.UploadURL()), WithToken(""), WithRetry(fastRetry))
		if err != nil {
			t.Fatal(err)
		}
		_, err = d.ReleaseByTag(ctx, "octo", "demo", "v1.0.0")
		var ae *APIError
		if !errors.As(err, &ae) || ae.StatusCode != http.StatusUnauthorized || ae.Attempts != 1 {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("plain http API refused", func(t *testing.T) {
		t.Parallel()
		if _, err := NewDownloader(WithBaseURL("http://ghe.example.org/api/v3/", ""), WithToken("")); !errors.Is(err, ErrInsecureURL) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestDownloaderListsEveryAssetPage(t *testing.T) {
	t.Parallel()
	srv := ghreleasetest.New(t)
	rel := srv.AddRelease("octo", "demo", ghreleasetest.Release{Tag: "v2.0.0"})
	const n = 130 // more than one page of 100
	for i := range n {
		if _, err := srv.AddAsset("octo", "demo", rel.ID, "f"+strconv.Itoa(i)+".txt", "text/plain", []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	d, err := NewDownloader(WithBaseURL(srv.BaseURL(), srv.UploadURL()), WithToken(srv.Token()))
	if err != nil {
		t.Fatal(err)
	}
	pr, err := d.ReleaseByTag(context.Background(), "octo", "demo", "v2.0.0")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, a := range pr.Assets {
		seen[a.Name] = true
	}
	if len(pr.Assets) != n || len(seen) != n {
		t.Fatalf("%d assets (%d distinct), want %d", len(pr.Assets), len(seen), n)
	}
}

// TestReleaseForTagNeverDeletes: several drafts for the tag (two runs
// racing) are converged on by Publish, which deletes all but the oldest;
// a Downloader only reads — it may run with contents: read, as the
// release's build-wheel adoption does — so it picks the oldest draft and
// leaves every draft in place.
func TestReleaseForTagNeverDeletes(t *testing.T) {
	t.Parallel()
	srv := ghreleasetest.New(t)
	first := srv.AddRelease("octo", "demo", ghreleasetest.Release{Tag: "v2.0.0", Draft: true})
	srv.AddRelease("octo", "demo", ghreleasetest.Release{Tag: "v2.0.0", Draft: true})
	d, err := NewDownloader(WithBaseURL(srv.BaseURL(), srv.UploadURL()), WithToken(srv.Token()), WithRetry(fastRetry))
	if err != nil {
		t.Fatal(err)
	}
	rel, err := d.ReleaseForTag(context.Background(), "octo", "demo", "v2.0.0")
	if err != nil {
		t.Fatal(err)
	}
	if rel.ID != first.ID || !rel.Draft {
		t.Fatalf("ReleaseForTag = release %d (draft %v), want the oldest draft %d", rel.ID, rel.Draft, first.ID)
	}
	for _, r := range srv.Requests() {
		if r.Method != http.MethodGet {
			t.Errorf("a Downloader sent %s %s", r.Method, r.Path)
		}
	}
	if n := len(srv.Releases("octo", "demo")); n != 2 {
		t.Errorf("%d releases left, want both drafts", n)
	}
}
