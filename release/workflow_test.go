package release

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tagship/tagship/internal/interop"
)

var update = flag.Bool("update", false, "rewrite golden files")

// referenceShape is the reference release's five jobs, with the settings the
// standard pipeline gives them.
func referenceShape() []Job {
	return []Job{
		{Name: "preflight", Run: noop},
		{Name: "build-wheel", Needs: []string{"preflight"}, Run: noop, Paths: []string{"dist/"}},
		{Name: "build-image", Needs: []string{"preflight"}, Run: noop},
		{Name: "publish-pypi", Needs: []string{"build-wheel"}, Run: noop, Environment: "pypi",
			Permissions: map[string]string{"contents": "read", "id-token": "write"}},
		{Name: "publish-release", Needs: []string{"build-wheel", "build-image"}, Run: noop},
	}
}

func TestGitHubWorkflowGolden(t *testing.T) {
	t.Parallel()
	p, err := New(referenceShape())
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.GitHubWorkflow(WorkflowOptions{})
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "release.yml.golden")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./release -run Golden -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("workflow differs from %s (rerun with -update if intended):\n%s", golden, got)
	}
	for _, must := range []string{
		"- 'v[0-9]+.[0-9]+.[0-9]+'", "cancel-in-progress: true", "group: 'release-${{ github.ref }}'",
		"id-token: write", "environment: pypi", "needs: [build-wheel, build-image]",
	} {
		if !bytes.Contains(got, []byte(must)) {
			t.Errorf("workflow lacks %q", must)
		}
	}
	if bytes.Contains(got, []byte("workflow_dispatch")) || bytes.Contains(got, []byte(":latest")) {
		t.Error("workflow offers workflow_dispatch or a latest tag")
	}
}

func TestGitHubWorkflowRefusesUnsafeOptions(t *testing.T) {
	t.Parallel()
	p, _ := New(referenceShape())
	for _, o := range []WorkflowOptions{{Command: "go run .\nrm -rf /"}, {Name: "`x`"}} {
		if _, err := p.GitHubWorkflow(o); err == nil {
			t.Errorf("options %+v accepted", o)
		}
	}
}

// TestGitHubWorkflowActionlint runs the real actionlint over the export.
func TestGitHubWorkflowActionlint(t *testing.T) {
	t.Parallel()
	bin := interop.Tool(t, "actionlint")
	p, _ := New(referenceShape())
	wf, err := p.GitHubWorkflow(WorkflowOptions{Env: map[string]string{"GITHUB_TOKEN": "${{ secrets.GITHUB_TOKEN }}"}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, ".github", "workflows", "release.yml")
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, wf, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-no-color", path)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("actionlint: %v\n%s\n--- workflow ---\n%s", err, out, wf)
	}
	if v, err := exec.Command(bin, "-version").Output(); err == nil {
		t.Logf("actionlint %s: clean", strings.SplitN(string(v), "\n", 2)[0])
	}
}
