package preflight_test

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/tagship/tagship/preflight"
)

func TestVersionFile(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, src, want string }{
		{"plain", "1.2.3\n", "1.2.3"},
		{"no newline", "1.2.3", "1.2.3"},
		{"crlf and blanks", "\r\n  1.2.3  \r\n\r\n", "1.2.3"},
		{"bom", "\ufeff1.2.3\n", "1.2.3"},
		{"as written", "v01.2.3\n", "v01.2.3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := preflight.VersionFile(writeFile(t, t.TempDir(), "VERSION", tc.src))
			got, err := src.Version(context.Background())
			if err != nil || got != tc.want {
				t.Fatalf("Version = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		name, src string
		is        error
	}{
		{"empty", "", preflight.ErrNoVersion},
		{"blank", " \n\r\n", preflight.ErrNoVersion},
		{"bom only", "\ufeff\n", preflight.ErrNoVersion},
		{"two lines", "1.2.3\n1.2.4\n", preflight.ErrManifest},
		{"cr separated", "1.2.3\r1.2.4", preflight.ErrManifest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := writeFile(t, t.TempDir(), "VERSION", tc.src)
			got, err := preflight.VersionFile(path).Version(context.Background())
			if !errors.Is(err, tc.is) {
				t.Fatalf("Version = %q, %v; want %v", got, err, tc.is)
			}
			var me *preflight.ManifestError
			if !errors.As(err, &me) || me.Path != path {
				t.Fatalf("error %v is not a *ManifestError naming %s", err, path)
			}
		})
	}
	_, err := preflight.VersionFile(filepath.Join(t.TempDir(), "VERSION")).Version(context.Background())
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := preflight.VersionFile("VERSION").Version(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled ctx: %v", err)
	}
	if _, err := preflight.Pyproject("pyproject.toml").Version(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled ctx: %v", err)
	}
}

func TestSetVersionFile(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ src, want string }{
		{"1.2.3\n", "2.0.0\n"},
		{"1.2.3", "2.0.0"},
		{"\ufeff 1.2.3 \r\n\r\n", "\ufeff 2.0.0 \r\n\r\n"},
	} {
		got, err := preflight.SetVersionFile([]byte(tc.src), "2.0.0")
		if err != nil || string(got) != tc.want {
			t.Errorf("SetVersionFile(%q) = %q, %v; want %q", tc.src, got, err, tc.want)
		}
	}
	for _, tc := range []struct {
		src, version string
		is           error
	}{
		{"", "1.0.0", preflight.ErrNoVersion},
		{"1\n2\n", "1.0.0", preflight.ErrManifest},
		{"1.0.0\n", "1.0.0\n2", preflight.ErrInvalidVersion},
		{"1.0.0\n", "1.0.0 ", preflight.ErrInvalidVersion},
	} {
		if got, err := preflight.SetVersionFile([]byte(tc.src), tc.version); !errors.Is(err, tc.is) {
			t.Errorf("SetVersionFile(%q, %q) = %q, %v; want %v", tc.src, tc.version, got, err, tc.is)
		}
	}
}

func TestFileSources(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, s := range []preflight.FileSource{
		preflight.Pyproject(writeFile(t, dir, "pyproject.toml", "[project]\nversion = '1.0.0' # keep\n")),
		preflight.VersionFile(writeFile(t, dir, "VERSION", "1.0.0\n")),
	} {
		if s.Name() != s.Path() {
			t.Errorf("Name %q != Path %q", s.Name(), s.Path())
		}
		src := readFile(t, s.Path())
		out, err := s.SetVersion(src, "1.1.0")
		if err != nil {
			t.Fatalf("%s: %v", s.Name(), err)
		}
		writeFile(t, dir, filepath.Base(s.Path()), string(out))
		if v, err := s.Version(context.Background()); err != nil || v != "1.1.0" {
			t.Fatalf("%s: read back %q, %v", s.Name(), v, err)
		}
	}
	// Errors from a FileSource name its own path.
	p := preflight.Pyproject(filepath.Join(dir, "sub", "pyproject.toml"))
	_, err := p.SetVersion([]byte("[project]\n"), "1.0.0")
	var me *preflight.ManifestError
	if !errors.As(err, &me) || me.Path != p.Path() || !errors.Is(err, preflight.ErrNoVersion) {
		t.Fatalf("SetVersion error %v does not name %s", err, p.Path())
	}
}
