package ghrelease

import (
	"context"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tagship/tagship/internal/safehttp"
)

// TestDownloadCappedBySize: an endless answer for a 6-byte asset is
// refused while it is read, not stored until the reader gives up.
func TestDownloadCappedBySize(t *testing.T) {
	t.Parallel()
	srv, d, _ := newDownloadFixture(t)
	srv.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		if strings.Contains(r.URL.Path, "/releases/assets/") && r.Header.Get("Accept") == "application/octet-stream" {
			chunk := []byte(strings.Repeat("x", 4096))
			for range 1 << 14 { // 64 MiB, no Content-Length
				if _, err := w.Write(chunk); err != nil {
					return true
				}
			}
			return true
		}
		return false
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rel, err := d.ReleaseByTag(ctx, "octo", "demo", "v1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := rel.Asset("demo-1.0.0.tar.gz")
	start := time.Now()
	_, err = d.DownloadAsset(ctx, rel, a, filepath.Join(t.TempDir(), a.Name))
	if !errors.Is(err, safehttp.ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	if time.Since(start) > 3*time.Second {
		t.Fatalf("took %s: the body was read to its end", time.Since(start))
	}
}

// TestTokenStaysOnItsOrigin: an API answer redirecting to the same host
// over another port or scheme, or to another host, never receives the
// token; plain http to a non-loopback host is refused.
func TestTokenStaysOnItsOrigin(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		to   func(port string) string
	}{
		{"same host, another port", func(p string) string { return "http://127.0.0.1:" + p + "/elsewhere" }},
		{"another host name", func(p string) string { return "http://localhost:" + p + "/elsewhere" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, d, _ := newDownloadFixture(t)
			var mu sync.Mutex
			var seen []string
			sink := httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				seen = append(seen, r.Header.Get("Authorization"))
				mu.Unlock()
				w.WriteHeader(http.StatusNotFound)
			}))
			_, port, _ := net.SplitHostPort(strings.TrimPrefix(sink, "http://"))
			srv.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
				if strings.Contains(r.URL.Path, "/releases/tags/") {
					http.Redirect(w, r, tc.to(port), http.StatusMovedPermanently)
					return true
				}
				return false
			})
			_, err := d.ReleaseByTag(context.Background(), "octo", "demo", "v1.0.0")
			if err == nil {
				t.Fatal("no error")
			}
			mu.Lock()
			defer mu.Unlock()
			if len(seen) == 0 {
				t.Fatal("the redirect was not followed at all; the test proves nothing")
			}
			for _, a := range seen {
				if a != "" {
					t.Fatalf("the redirect target got Authorization %q", a)
				}
			}
		})
	}
}
