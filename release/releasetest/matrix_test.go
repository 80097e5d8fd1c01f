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

func TestWheelTags(t *testing.T) {
	t.Parallel()
	all, err := releasetest.WheelTags(releasetest.MaxWheelTags)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, tag := range all {
		if seen[tag] {
			t.Errorf("tag %s twice", tag)
		}
		seen[tag] = true
	}
	first, _ := releasetest.WheelTags(3)
	for i, tag := range first {
		if tag != all[i] {
			t.Errorf("WheelTags(3)[%d] = %s, WheelTags(max)[%d] = %s: not a stable prefix", i, tag, i, all[i])
		}
	}
	for _, n := range []int{-1, releasetest.MaxWheelTags + 1} {
		if _, err := releasetest.WheelTags(n); err == nil {
			t.Errorf("WheelTags(%d) accepted", n)
		}
	}
}

// BuildMatrix writes valid platform wheels, one per tag, plus the sdist,
// reproducibly.
func TestBuildMatrix(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	if err := releasetest.WriteProject(dir, releasetest.Project{Version: "2.0.0"}); err != nil {
		t.Fatal(err)
	}
	tags, _ := releasetest.WheelTags(12)
	build := releasetest.BuildMatrix(tags...)
	outs := []string{t.TempDir(), t.TempDir()}
	for _, out := range outs {
		if err := build(ctx, dir, out); err != nil {
			t.Fatal(err)
		}
	}
	ents, _ := os.ReadDir(outs[0])
	if len(ents) != len(tags)+1 {
		t.Fatalf("%d files for %d tags + sdist", len(ents), len(tags))
	}
	sums := map[string]string{}
	for _, e := range ents {
		a, _ := os.ReadFile(filepath.Join(outs[0], e.Name()))
		b, _ := os.ReadFile(filepath.Join(outs[1], e.Name()))
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two builds differ", e.Name())
		}
		d, err := pypi.OpenDistribution(filepath.Join(outs[0], e.Name()))
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		if d.Name != "hello-release" || d.Version != "2.0.0" {
			t.Errorf("%s: %s %s", e.Name(), d.Name, d.Version)
		}
		if prev, ok := sums[d.SHA256]; ok {
			t.Errorf("%s and %s have the same bytes", prev, e.Name())
		}
		sums[d.SHA256] = e.Name()
	}
	for _, tag := range tags {
		name := "hello_release-2.0.0-" + tag + ".whl"
		d, err := pypi.OpenDistribution(filepath.Join(outs[0], name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if d.Filetype != "bdist_wheel" || d.PyVersion+"-"+d.ABITag+"-"+d.PlatformTag != tag {
			t.Errorf("%s: %s %s-%s-%s", name, d.Filetype, d.PyVersion, d.ABITag, d.PlatformTag)
		}
	}
	for _, bad := range [][]string{nil, {"cp312-cp312"}, {"py3-none-any", "py3-none-any"}} {
		if err := releasetest.BuildMatrix(bad...)(ctx, dir, t.TempDir()); err == nil {
			t.Errorf("BuildMatrix(%q) built", bad)
		}
	}
}

// The real tools accept the platform wheels: twine's metadata checks, and
// python3-packaging parsing the file name into the tags it was built for.
func TestBuildMatrixAcceptedByRealTools(t *testing.T) {
	t.Parallel()
	twine := interop.Tool(t, "twine")
	python := pythonWith(t, "packaging.utils")
	dir, out := t.TempDir(), t.TempDir()
	if err := releasetest.WriteProject(dir, releasetest.Project{}); err != nil {
		t.Fatal(err)
	}
	tags, _ := releasetest.WheelTags(releasetest.MaxWheelTags)
	if err := releasetest.BuildMatrix(tags...)(context.Background(), dir, out); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(out, "*"))
	if b, err := exec.Command(twine, append([]string{"check", "--strict"}, files...)...).CombinedOutput(); err != nil {
		t.Fatalf("twine check: %v\n%s", err, b)
	}
	const script = `import sys
from packaging.utils import parse_wheel_filename
for f in sys.argv[1:]:
    name, ver, build, tags = parse_wheel_filename(f)
    print(name, ver, ".".join(sorted(str(t) for t in tags)))`
	wheels, _ := filepath.Glob(filepath.Join(out, "*.whl"))
	for i := range wheels {
		wheels[i] = filepath.Base(wheels[i])
	}
	b, err := exec.Command(python, append([]string{"-c", script}, wheels...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("python3-packaging: %v\n%s", err, b)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != len(tags) {
		t.Fatalf("packaging parsed %d wheels, want %d:\n%s", len(lines), len(tags), b)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "hello-release 0.10.0 cp3") {
			t.Errorf("packaging: %q", l)
		}
	}
}

// pythonWith finds a Python 3 that can import module (Debian's
// /usr/bin/python3 with python3-packaging, when the first python3 on PATH
// has no packaging).
func pythonWith(t *testing.T, module string) string {
	t.Helper()
	var candidates []string
	if p, ok := interop.Lookup("python3"); ok {
		candidates = append(candidates, p)
	}
	for _, p := range append(candidates, "/usr/bin/python3") {
		if exec.Command(p, "-c", "import "+module).Run() == nil {
			return p
		}
	}
	msg := "interop: no python3 with the " + module + " module (apt-get install python3-packaging)"
	if interop.Required() {
		t.Fatal(msg + " — TAGSHIP_INTEROP=1 makes a missing tool a failure")
	}
	t.Skip(msg)
	return ""
}
