package pypi_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tagship/tagship/internal/interop"
	"github.com/tagship/tagship/pypi"
	"github.com/tagship/tagship/pypi/pypitest"
)

// Interop tests run the real Debian tools (apt-get install twine
// python3-build python3-setuptools python3-wheel python3-pip).

const demoName, demoVersion = "tagshipdemo", "0.1.0"

// debianPython finds the python3 that runs twine (its shebang), which is
// the one with the build, setuptools and pip modules installed by apt.
func debianPython(t *testing.T, twine string) string {
	t.Helper()
	f, err := os.Open(twine)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	line, _ := bufio.NewReader(f).ReadString('\n')
	py := strings.TrimSpace(strings.TrimPrefix(line, "#!"))
	if fields := strings.Fields(py); len(fields) > 0 {
		py = fields[0]
	}
	if !filepath.IsAbs(py) {
		return interop.Tool(t, "python3")
	}
	return py
}

// buildDemo builds a wheel and sdist of a tiny project with
// python -m build --no-isolation (offline).
func buildDemo(t *testing.T, python string) (wheel, sdist string) {
	t.Helper()
	if err := exec.Command(python, "-c", "import build, setuptools, wheel").Run(); err != nil {
		if interop.Required() {
			t.Fatalf("%s lacks build/setuptools/wheel: apt-get install python3-build python3-setuptools python3-wheel", python)
		}
		t.Skipf("%s lacks build/setuptools/wheel (apt-get install python3-build python3-setuptools python3-wheel)", python)
	}
	dir := t.TempDir()
	files := map[string]string{
		"pyproject.toml": `[build-system]
requires = ["setuptools>=61", "wheel"]
build-backend = "setuptools.build_meta"

[project]
name = "` + demoName + `"
version = "` + demoVersion + `"
description = "A tiny package built by tagship's interop tests"
readme = "README.md"
requires-python = ">=3.8"
license = {text = "MIT"}
authors = [{name = "Tag Ship", email = "tagship@example.com"}]
maintainers = [{name = "Main Tainer", email = "maint@example.com"}]
keywords = ["release", "test"]
classifiers = [
    "Programming Language :: Python :: 3",
    "License :: OSI Approved :: MIT License",
]
dependencies = ["requests>=2.0", "packaging; python_version >= '3.8'"]

[project.optional-dependencies]
cli = ["rich"]

[project.urls]
Homepage = "https://example.com/tagshipdemo"
Source = "https://example.com/tagshipdemo/src"
`,
		"README.md":                   "# tagshipdemo\n\nSome *markdown* text.\n\n    indented code\n",
		"src/tagshipdemo/__init__.py": "__version__ = \"" + demoVersion + "\"\n",
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, "-m", "build", "--no-isolation", "--outdir", filepath.Join(dir, "dist"), dir)
	cmd.Env = append(os.Environ(), "PIP_NO_INDEX=1", "SOURCE_DATE_EPOCH=1700000000")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("python -m build: %v\n%s", err, out)
	}
	wheel = filepath.Join(dir, "dist", demoName+"-"+demoVersion+"-py3-none-any.whl")
	sdist = filepath.Join(dir, "dist", demoName+"-"+demoVersion+".tar.gz")
	for _, p := range []string{wheel, sdist} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("build did not produce %s: %v", p, err)
		}
	}
	return wheel, sdist
}

func twineUpload(t *testing.T, twine, url, token string, extra []string, files ...string) (string, error) {
	t.Helper()
	args := append([]string{"upload", "--repository-url", url, "-u", "__token__", "-p", token, "--non-interactive", "--disable-progress-bar"}, extra...)
	args = append(args, files...)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, twine, args...)
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "HOME="+home, "PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring", "NO_COLOR=1")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestInteropTwine(t *testing.T) {
	twine := interop.Tool(t, "twine")
	python := debianPython(t, twine)
	wheel, sdist := buildDemo(t, python)
	const token = "pypi-interop-classic-token"
	srv, err := pypitest.NewServer(pypitest.WithAPIToken(token))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	// Our parser agrees with what setuptools wrote.
	wd, err := pypi.OpenDistribution(wheel)
	if err != nil {
		t.Fatal(err)
	}
	sd, err := pypi.OpenDistribution(sdist)
	if err != nil {
		t.Fatal(err)
	}
	if wd.Name != demoName || wd.Version != demoVersion || len(wd.Metadata.RequiresDist) != 3 || wd.Metadata.RequiresPython != ">=3.8" {
		t.Errorf("wheel metadata %+v", wd.Metadata)
	}

	t.Run("twine uploads to pypitest", func(t *testing.T) {
		out, err := twineUpload(t, twine, srv.UploadURL(), token, nil, wheel, sdist)
		if err != nil {
			t.Fatalf("twine upload: %v\n%s", err, out)
		}
		for _, d := range []*pypi.Distribution{wd, sd} {
			f, ok := srv.File(d.Filename)
			if !ok || f.SHA256 != d.SHA256 {
				t.Errorf("pypitest did not store %s as uploaded by twine (%+v)", d.Filename, f)
			}
		}
	})

	t.Run("twine skip-existing", func(t *testing.T) {
		// The identical re-upload is answered 200, as on Warehouse.
		if out, err := twineUpload(t, twine, srv.UploadURL(), token, []string{"--skip-existing"}, wheel, sdist); err != nil {
			t.Fatalf("twine --skip-existing: %v\n%s", err, out)
		}
		// A different file under the same name: without --skip-existing
		// twine fails on Warehouse's 400 message; with it, twine (which
		// only compares names) skips it.
		other := makeWheel(t, t.TempDir(), demoName, demoVersion, entry{Name: "x.py", Body: []byte("1")})
		out, err := twineUpload(t, twine, srv.UploadURL(), token, nil, other)
		if err == nil || !strings.Contains(out, "File already exists") {
			t.Fatalf("twine accepted a conflicting file or missed the message: %v\n%s", err, out)
		}
		out, err = twineUpload(t, twine, srv.UploadURL(), token, []string{"--skip-existing"}, other)
		if err != nil || !strings.Contains(out, "Skipping") {
			t.Fatalf("twine --skip-existing did not skip: %v\n%s", err, out)
		}
		// Ours refuses: the hashes differ.
		c, _ := pypi.New(srv.UploadURL(), pypi.WithAPIToken(token))
		_, err = c.Upload(context.Background(), open(t, other))
		if err == nil || !strings.Contains(err.Error(), wd.SHA256) {
			t.Errorf("our client: %v, want a conflict naming %s", err, wd.SHA256)
		}
	})

	t.Run("twine with a trusted-publishing token", func(t *testing.T) {
		// Mint with our client, upload with twine: the minted token works
		// for any client, as on PyPI.
		iss, _ := pypitest.NewIssuer("")
		tp, err := pypitest.NewServer(iss.Option(), pypitest.WithTrustedPublisher(pypitest.Publisher{Repository: "o/r", Workflow: "release.yml", Project: demoName}))
		if err != nil {
			t.Fatal(err)
		}
		defer tp.Close()
		c, _ := pypi.New(tp.URL, pypi.WithTokenSource(pypi.TokenSourceFunc(func(ctx context.Context, aud string) (string, error) {
			return iss.GitHubToken(pypitest.GitHubClaims{Repository: "o/r", Workflow: "release.yml", Audience: aud})
		})))
		minted, _, err := c.Mint(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if out, err := twineUpload(t, twine, tp.UploadURL(), minted, nil, wheel, sdist); err != nil {
			t.Fatalf("twine: %v\n%s", err, out)
		}
		if len(tp.Files()) != 2 {
			t.Errorf("%d files", len(tp.Files()))
		}
	})

	t.Run("same form fields as twine", func(t *testing.T) {
		cap, err := pypitest.NewServer(pypitest.WithAPIToken(token))
		if err != nil {
			t.Fatal(err)
		}
		defer cap.Close()
		for _, d := range []*pypi.Distribution{wd, sd} {
			before := len(cap.Captures())
			if out, err := twineUpload(t, twine, cap.UploadURL(), token, nil, d.Path); err != nil {
				t.Fatalf("twine: %v\n%s", err, out)
			}
			// Skip-existing off: the same file is posted again (and
			// accepted as an identical re-upload) so both forms are seen.
			c, _ := pypi.New(cap.UploadURL(), pypi.WithAPIToken(token), pypi.WithSkipExisting(false))
			if _, err := c.Upload(context.Background(), d); err != nil {
				t.Fatal(err)
			}
			caps := cap.Captures()[before:]
			if len(caps) != 2 {
				t.Fatalf("%d captures", len(caps))
			}
			// Differences we accept, none at present: tagship adds
			// "attestations" (only with WithAttestations, not here) and
			// sends Metadata 2.4's license_expression/license_files when
			// present (twine 4.0.2 predates them; setuptools 66 writes
			// Metadata 2.1).
			tw, ours := caps[0], caps[1]
			if tw.User != "__token__" || ours.User != "__token__" {
				t.Errorf("users %q %q", tw.User, ours.User)
			}
			if a, b := formString(tw.Fields), formString(ours.Fields); a != b {
				t.Errorf("%s: form differs from twine's\ntwine:\n%s\nours:\n%s", d.Filename, a, b)
			}
		}
	})

	t.Run("pip downloads what we uploaded", func(t *testing.T) {
		srv2, err := pypitest.NewServer(pypitest.WithAPIToken(token))
		if err != nil {
			t.Fatal(err)
		}
		defer srv2.Close()
		c, _ := pypi.New(srv2.URL, pypi.WithAPIToken(token))
		if _, err := c.Upload(context.Background(), wd, sd); err != nil {
			t.Fatal(err)
		}
		for _, mode := range []struct {
			name string
			args []string
			d    *pypi.Distribution
		}{
			{"wheel", []string{"--only-binary", ":all:"}, wd},
			{"sdist", []string{"--no-binary", ":all:", "--no-build-isolation"}, sd},
		} {
			dest := t.TempDir()
			args := append([]string{"-m", "pip", "download", "--no-deps", "--no-cache-dir", "--disable-pip-version-check",
				"--index-url", srv2.SimpleURL(), "-d", dest}, mode.args...)
			args = append(args, demoName+"=="+demoVersion)
			cmd := exec.Command(python, args...)
			cmd.Env = append(os.Environ(), "PIP_CONFIG_FILE=/dev/null", "HOME="+t.TempDir())
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("pip download (%s): %v\n%s", mode.name, err, out)
			}
			data, err := os.ReadFile(filepath.Join(dest, mode.d.Filename))
			if err != nil {
				t.Fatalf("pip did not download %s: %v\n%s", mode.d.Filename, err, out)
			}
			sum := sha256.Sum256(data)
			if hex.EncodeToString(sum[:]) != mode.d.SHA256 {
				t.Errorf("%s: pip got sha256 %x, uploaded %s", mode.name, sum, mode.d.SHA256)
			}
		}
	})
}

func formString(fields []pypitest.FormField) string {
	var b strings.Builder
	for _, f := range fields {
		if f.Filename != "" || f.Name == "content" {
			fmt.Fprintf(&b, "%s: <file %s %s %d bytes>\n", f.Name, f.Filename, f.ContentType, f.Size)
			continue
		}
		fmt.Fprintf(&b, "%s: %q\n", f.Name, f.Value)
	}
	return b.String()
}
