package pypi_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tagship/tagship/pypi"
)

func TestOpenDistDir(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		setup   func(t *testing.T, dir string)
		version string
		want    []string // file names, in order; nil when an error is expected
		problem []string // substrings of the error
	}{
		{"wheel and sdist", func(t *testing.T, dir string) {
			makeWheel(t, dir, "demo", "1.0.0")
			makeSdist(t, dir, "demo", "1.0.0")
		}, "v1.0.0", []string{"demo-1.0.0-py3-none-any.whl", "demo-1.0.0.tar.gz"}, nil},
		{"other files and directories ignored", func(t *testing.T, dir string) {
			makeWheel(t, dir, "demo", "1.0.0")
			makeSdist(t, dir, "demo", "1.0.0")
			writeFile(t, dir, "demo-1.0.0.tar.gz.sigstore.json", []byte("{}"))
			if err := os.Mkdir(filepath.Join(dir, "sub.whl"), 0o755); err != nil {
				t.Fatal(err)
			}
		}, "1.0.0", []string{"demo-1.0.0-py3-none-any.whl", "demo-1.0.0.tar.gz"}, nil},
		{"a stale version", func(t *testing.T, dir string) {
			makeWheel(t, dir, "demo", "1.0.0")
			makeSdist(t, dir, "demo", "1.0.0")
			makeWheel(t, dir, "demo", "0.9.0")
		}, "1.0.0", nil, []string{"demo-0.9.0-py3-none-any.whl is version 0.9.0, not 1.0.0"}},
		{"two projects", func(t *testing.T, dir string) {
			makeWheel(t, dir, "demo", "1.0.0")
			makeSdist(t, dir, "demo", "1.0.0")
			makeWheel(t, dir, "other", "1.0.0")
		}, "1.0.0", nil, []string{"other-1.0.0-py3-none-any.whl belongs to project other", "one release publishes one project"}},
		{"no sdist", func(t *testing.T, dir string) { makeWheel(t, dir, "demo", "1.0.0") }, "1.0.0", nil, []string{"no sdist (*.tar.gz) for version 1.0.0"}},
		{"empty: every problem at once", func(*testing.T, string) {}, "1.0.0", nil, []string{"no wheel", "no sdist"}},
		{"an invalid distribution", func(t *testing.T, dir string) {
			makeWheel(t, dir, "demo", "1.0.0")
			makeSdist(t, dir, "demo", "1.0.0")
			writeFile(t, dir, "demo-1.0.0-py3-none-win32.whl", []byte("not a zip"))
		}, "1.0.0", nil, []string{"invalid distribution", "demo-1.0.0-py3-none-win32.whl"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			tc.setup(t, dir)
			dists, err := pypi.OpenDistDir(dir, tc.version)
			if tc.want == nil {
				if !errors.Is(err, pypi.ErrDist) {
					t.Fatalf("err = %v, want pypi.ErrDist", err)
				}
				for _, p := range tc.problem {
					if !strings.Contains(err.Error(), p) {
						t.Errorf("error %q does not say %q", err, p)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range dists {
				got = append(got, d.Filename)
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("missing directory", func(t *testing.T) {
		t.Parallel()
		if _, err := pypi.OpenDistDir(filepath.Join(t.TempDir(), "nope"), "1.0.0"); !errors.Is(err, pypi.ErrDist) || !errors.Is(err, os.ErrNotExist) && !strings.Contains(err.Error(), "no such file") {
			t.Fatalf("err = %v, want ErrDist naming the missing directory", err)
		}
	})
}

func TestCheckProject(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	wheel, err := pypi.OpenDistribution(makeWheel(t, dir, "demo_pkg", "1.0.0"))
	if err != nil {
		t.Fatal(err)
	}
	other, err := pypi.OpenDistribution(makeSdist(t, dir, "other", "1.0.0"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		project string
		dists   []*pypi.Distribution
		bad     string // "" = no error
	}{
		{"same name", "demo_pkg", []*pypi.Distribution{wheel}, ""},
		{"PEP 503 normalised", "Demo-Pkg", []*pypi.Distribution{wheel}, ""},
		{"no project checks nothing", "", []*pypi.Distribution{wheel, other}, ""},
		{"a stray file", "demo-pkg", []*pypi.Distribution{wheel, other}, "other-1.0.0.tar.gz (project other)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := pypi.CheckProject(tc.project, tc.dists...)
			if tc.bad == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, pypi.ErrDist) || !strings.Contains(err.Error(), tc.bad) || strings.Contains(err.Error(), wheel.Filename) {
				t.Fatalf("err = %v, want ErrDist naming only %s", err, tc.bad)
			}
		})
	}
}

func TestProjectURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ upload, project, want string }{
		{pypi.DefaultUploadURL, "hello", "https://pypi.org/p/hello"},
		{pypi.TestPyPIUploadURL, "hello", "https://test.pypi.org/p/hello"},
		{pypi.DefaultUploadURL, "", ""},
		{"https://pypi.example.com/legacy/", "hello", ""},
		{"http://127.0.0.1:8080/legacy/", "hello", ""},
	} {
		if got := pypi.ProjectURL(tc.upload, tc.project); got != tc.want {
			t.Errorf("ProjectURL(%q, %q) = %q, want %q", tc.upload, tc.project, got, tc.want)
		}
	}
}
