package pypi_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tagship/tagship/pypi"
	"github.com/tagship/tagship/pypi/pypitest"
)

var dlRetry = pypi.WithRetry(pypi.RetryPolicy{Attempts: 3, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, MaxRetryAfter: 10 * time.Millisecond})

// indexWith starts an index holding demo 1.0 (wheel + sdist) and demo 1.1
// (wheel) and returns it with the local 1.0 files.
func indexWith(t *testing.T) (srv *pypitest.Server, wheel, sdist *pypi.Distribution) {
	t.Helper()
	srv, err := pypitest.NewServer(pypitest.WithAPIToken("pypi-test"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	var ds []*pypi.Distribution
	for _, p := range []string{makeWheel(t, dir, "demo", "1.0"), makeSdist(t, dir, "demo", "1.0"), makeWheel(t, dir, "demo", "1.1")} {
		d, err := pypi.OpenDistribution(p)
		if err != nil {
			t.Fatal(err)
		}
		ds = append(ds, d)
	}
	c, err := pypi.New(srv.UploadURL(), pypi.WithAPIToken("pypi-test"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Upload(context.Background(), ds...); err != nil {
		t.Fatal(err)
	}
	return srv, ds[0], ds[1]
}

func fileSHA(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func noLeftovers(t *testing.T, dir string) {
	t.Helper()
	// Any hidden file is a temporary one (internal/atomicfile names them
	// ".<name>.tmp-*").
	ms, _ := filepath.Glob(filepath.Join(dir, ".*"))
	if len(ms) != 0 {
		t.Fatalf("partial files left behind: %v", ms)
	}
}

func TestIndexVersionFilesAndDownload(t *testing.T) {
	t.Parallel()
	srv, wheel, sdist := indexWith(t)
	for _, tc := range []struct {
		name     string
		html     bool
		indexURL string
		wantSize bool
	}{
		{"json", false, srv.URL, true},
		{"json via simple root", false, srv.SimpleURL(), true},
		{"html fallback", true, srv.URL, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Not parallel: the hook is server-wide.
			if tc.html {
				srv.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
					r.Header.Set("Accept", "text/html") // an index without PEP 691
					return false
				})
				defer srv.SetHook(nil)
			}
			x, err := pypi.NewIndex(tc.indexURL, dlRetry)
			if err != nil {
				t.Fatal(err)
			}
			if x.URL() != srv.URL {
				t.Errorf("URL() = %q, want %q", x.URL(), srv.URL)
			}
			files, err := x.VersionFiles(context.Background(), "Demo", "v1.0")
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]pypi.IndexFile{}
			for _, f := range files {
				got[f.Filename] = f
			}
			if len(files) != 2 || got[wheel.Filename].SHA256 != wheel.SHA256 || got[sdist.Filename].SHA256 != sdist.SHA256 {
				t.Fatalf("files = %+v", files)
			}
			if got[wheel.Filename].Filetype != "bdist_wheel" || got[sdist.Filename].Filetype != "sdist" || got[sdist.Filename].Version != "1.0" {
				t.Errorf("types/versions wrong: %+v", files)
			}
			if tc.wantSize != (got[wheel.Filename].Size == wheel.Size) {
				t.Errorf("size = %d (local %d), size expected: %v", got[wheel.Filename].Size, wheel.Size, tc.wantSize)
			}
			dir := t.TempDir()
			for _, f := range files {
				dst := filepath.Join(dir, f.Filename)
				res, err := x.Download(context.Background(), f, dst)
				if err != nil {
					t.Fatal(err)
				}
				if res.SHA256 != f.SHA256 || fileSHA(t, dst) != f.SHA256 || res.Attempts != 1 {
					t.Fatalf("download %+v", res)
				}
			}
			noLeftovers(t, dir)
		})
	}
}

func TestIndexDownloadFailures(t *testing.T) {
	t.Parallel()
	srv, wheel, _ := indexWith(t)
	x, err := pypi.NewIndex(srv.URL, dlRetry)
	if err != nil {
		t.Fatal(err)
	}
	files, err := x.VersionFiles(context.Background(), "demo", "1.0")
	if err != nil {
		t.Fatal(err)
	}
	var wf pypi.IndexFile
	for _, f := range files {
		if f.Filename == wheel.Filename {
			wf = f
		}
	}

	t.Run("replaced content", func(t *testing.T) {
		srv.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
			if strings.HasPrefix(r.URL.Path, "/files/") {
				w.Write([]byte("not the wheel"))
				return true
			}
			return false
		})
		defer srv.SetHook(nil)
		dir := t.TempDir()
		dst := filepath.Join(dir, wf.Filename)
		_, err := x.Download(context.Background(), wf, dst)
		var hm *pypi.HashMismatchError
		if !errors.Is(err, pypi.ErrHashMismatch) || !errors.As(err, &hm) || hm.Expected != wheel.SHA256 || hm.Found == wheel.SHA256 {
			t.Fatalf("err = %v", err)
		}
		if _, err := os.Stat(dst); !os.IsNotExist(err) {
			t.Fatalf("destination exists after a mismatch: %v", err)
		}
		noLeftovers(t, dir)
	})
	t.Run("retries 503 and truncation", func(t *testing.T) {
		srv.AddFault(pypitest.Fault{Match: pypitest.MatchPath(http.MethodGet, "/files/"), Status: 503, Header: http.Header{"Retry-After": {"0"}}})
		srv.AddFault(pypitest.Fault{Match: pypitest.MatchPath(http.MethodGet, "/files/"), Truncate: true, TruncateAfter: 10})
		dir := t.TempDir()
		res, err := x.Download(context.Background(), wf, filepath.Join(dir, wf.Filename))
		if err != nil {
			t.Fatal(err)
		}
		if res.Attempts != 2 || res.SHA256 != wheel.SHA256 { // the 503 never reaches the body handler
			t.Fatalf("res = %+v", res)
		}
		noLeftovers(t, dir)
	})
	t.Run("404 not retried", func(t *testing.T) {
		bad := wf
		bad.URL = srv.URL + "/files/" + strings.Repeat("0", 64) + "/" + wf.Filename
		_, err := x.Download(context.Background(), bad, filepath.Join(t.TempDir(), "x"))
		if err == nil || !strings.Contains(err.Error(), "404") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("no hash", func(t *testing.T) {
		nh := wf
		nh.SHA256 = ""
		if _, err := x.Download(context.Background(), nh, filepath.Join(t.TempDir(), "x")); !errors.Is(err, pypi.ErrNoHash) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("insecure download URL", func(t *testing.T) {
		ins := wf
		ins.URL = "http://files.example.org/" + wf.Filename
		if _, err := x.Download(context.Background(), ins, filepath.Join(t.TempDir(), "x")); !errors.Is(err, pypi.ErrInsecureURL) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("insecure redirect", func(t *testing.T) {
		srv.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
			if strings.HasPrefix(r.URL.Path, "/files/") {
				http.Redirect(w, r, "http://files.example.org/x.whl", http.StatusFound)
				return true
			}
			return false
		})
		defer srv.SetHook(nil)
		if _, err := x.Download(context.Background(), wf, filepath.Join(t.TempDir(), "x")); !errors.Is(err, pypi.ErrInsecureURL) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("unknown project and version", func(t *testing.T) {
		if _, err := x.VersionFiles(context.Background(), "nope", "1.0"); !errors.Is(err, pypi.ErrNotOnIndex) {
			t.Fatalf("err = %v", err)
		}
		if _, err := x.VersionFiles(context.Background(), "demo", "2.0"); !errors.Is(err, pypi.ErrNotOnIndex) || !strings.Contains(err.Error(), "1.1") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestNewIndexRefusesPlainHTTP(t *testing.T) {
	t.Parallel()
	if _, err := pypi.NewIndex("http://pypi.example.org/simple/"); !errors.Is(err, pypi.ErrInsecureURL) {
		t.Fatalf("err = %v", err)
	}
	if _, err := pypi.NewIndex("http://pypi.example.org", pypi.WithInsecureHTTPUnsafe()); err != nil {
		t.Fatal(err)
	}
	if _, err := pypi.NewIndex("pypi.org"); err == nil {
		t.Fatal("relative URL accepted")
	}
}

func TestParseSimplePageForms(t *testing.T) {
	t.Parallel()
	const page = "https://idx.example.org/simple/demo/"
	want := []pypi.IndexFile{
		{Filename: "demo-1.0-py3-none-any.whl", URL: "https://idx.example.org/files/ab/demo-1.0-py3-none-any.whl",
			SHA256: "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae", RequiresPython: ">=3.8"},
		{Filename: "demo-1.0.tar.gz", URL: "https://files.example.org/demo-1.0.tar.gz",
			SHA256: "fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9", Yanked: true, YankedReason: "broken build"},
	}
	for _, tc := range []struct{ file, ct string }{{"demo.json", pypi.SimpleJSONMediaType}, {"demo.html", "text/html; charset=utf-8"}} {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			b, err := os.ReadFile(filepath.Join("testdata", "simple", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := pypi.ParseSimplePage(tc.ct, b, page)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) < 2 {
				t.Fatalf("got %+v", got)
			}
			for i, w := range want {
				g := got[i]
				g.Hashes, g.Size = nil, 0
				if !reflect.DeepEqual(g, w) {
					t.Errorf("file %d:\n got %+v\nwant %+v", i, g, w)
				}
			}
		})
	}
	if _, err := pypi.ParseSimplePage("application/xml", nil, page); !errors.Is(err, pypi.ErrInvalidSimplePage) {
		t.Fatalf("err = %v", err)
	}
	if _, err := pypi.ParseSimplePage(pypi.SimpleJSONMediaType, []byte(`{"meta":{"api-version":"2.0"},"files":[]}`), page); !errors.Is(err, pypi.ErrInvalidSimplePage) {
		t.Fatalf("err = %v", err)
	}
}

func FuzzParseSimplePage(f *testing.F) {
	for _, s := range []struct{ file, ct string }{{"demo.json", pypi.SimpleJSONMediaType}, {"demo.html", "text/html"}} {
		b, err := os.ReadFile(filepath.Join("testdata", "simple", s.file))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(s.ct, b)
	}
	f.Fuzz(func(t *testing.T, ct string, data []byte) {
		files, err := pypi.ParseSimplePage(ct, data, "https://idx.example.org/simple/demo/")
		if err != nil {
			if !errors.Is(err, pypi.ErrInvalidSimplePage) {
				t.Fatalf("error %v does not wrap ErrInvalidSimplePage", err)
			}
			return
		}
		for _, f := range files {
			if f.SHA256 != "" && len(f.SHA256) != 64 {
				t.Fatalf("bad sha256 %q", f.SHA256)
			}
			if strings.Contains(f.URL, "#") {
				t.Fatalf("fragment kept in %q", f.URL)
			}
		}
	})
}
