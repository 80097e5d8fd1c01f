package releasetest_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tagship/tagship/internal/interop"
	"github.com/tagship/tagship/pypi"
	"github.com/tagship/tagship/release/releasetest"
)

// BuildDists writes distributions that pass tagship's own validation, and
// the same project always builds to the same bytes.
func TestBuildDistsValidAndReproducible(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	if err := releasetest.WriteProject(dir, releasetest.Project{Version: "1.2.3", Dependencies: []string{"requests>=2"}}); err != nil {
		t.Fatal(err)
	}
	outs := []string{filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")}
	for _, out := range outs {
		if err := releasetest.BuildDists(ctx, dir, out); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"hello_release-1.2.3-py3-none-any.whl", "hello_release-1.2.3.tar.gz"} {
		a, err := os.ReadFile(filepath.Join(outs[0], name))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(filepath.Join(outs[1], name))
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two builds differ", name)
		}
		d, err := pypi.OpenDistribution(filepath.Join(outs[0], name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if d.Name != "hello-release" || d.Version != "1.2.3" || len(d.Metadata.RequiresDist) != 1 {
			t.Errorf("%s: %s %s %v", name, d.Name, d.Version, d.Metadata.RequiresDist)
		}
	}
	// A project without a static version cannot be built.
	os.WriteFile(filepath.Join(dir, "pyproject.toml"), []byte("[project]\nname = \"x\"\ndynamic = [\"version\"]\n"), 0o644)
	if err := releasetest.BuildDists(ctx, dir, t.TempDir()); err == nil {
		t.Error("built a project without a version")
	}
}

// The real tools accept the sample distributions: twine's own metadata
// checks, and Python importing the package straight from the wheel.
func TestBuildDistsAcceptedByRealTools(t *testing.T) {
	t.Parallel()
	twine := interop.Tool(t, "twine")
	python := interop.Tool(t, "python3")
	dir, out := t.TempDir(), t.TempDir()
	if err := releasetest.WriteProject(dir, releasetest.Project{}); err != nil {
		t.Fatal(err)
	}
	if err := releasetest.BuildDists(context.Background(), dir, out); err != nil {
		t.Fatal(err)
	}
	wheel := filepath.Join(out, "hello_release-0.10.0-py3-none-any.whl")
	sdist := filepath.Join(out, "hello_release-0.10.0.tar.gz")
	if b, err := exec.Command(twine, "check", "--strict", wheel, sdist).CombinedOutput(); err != nil {
		t.Fatalf("twine check: %v\n%s", err, b)
	}
	b, err := exec.Command(python, "-c", "import sys; sys.path.insert(0, sys.argv[1]); import hello_release; print(hello_release.hello('tagship'))", wheel).CombinedOutput()
	if err != nil || strings.TrimSpace(string(b)) != "hello, tagship" {
		t.Fatalf("python importing from the wheel: %v\n%s", err, b)
	}
}
