package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tagship/tagship/release/releasetest"
)

// TestDistributedRelease runs the production main the way the exported
// workflow does: one process per job, in dependency order, sharing only the
// state directory and dist/ — against the in-process doubles.
func TestDistributedRelease(t *testing.T) {
	t.Parallel()
	env, err := releasetest.NewEnv()
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	if !strings.HasPrefix(env.GitHub.UploadURL(), strings.Replace(env.GitHub.BaseURL(), "/api/v3/", "/api/uploads/", 1)) {
		t.Fatalf("uploads URL %s is not derived from %s", env.GitHub.UploadURL(), env.GitHub.BaseURL())
	}
	dir := t.TempDir()
	if _, err := env.PrepareProject(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	// The project's own build, done here without Python; the main's build
	// step is then a no-op command.
	if err := releasetest.BuildDists(context.Background(), dir, filepath.Join(dir, "dist")); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(t.TempDir(), "trusted_root.json")
	sc := filepath.Join(t.TempDir(), "signing_config.json")
	if err := env.Sigstore.WriteTrustedRoot(root); err != nil {
		t.Fatal(err)
	}
	if err := env.Sigstore.WriteSigningConfig(sc); err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) string {
		if k == "GITHUB_TOKEN" {
			return env.GitHub.Token()
		}
		return env.Getenv(k)
	}
	plat, err := releasetest.ImageSources(filepath.Join(dir, "image"))
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"-dir", dir, "-build", "go version", "-image", env.ImageRepository(),
		"-platform-dir", "linux/amd64=" + plat[0].Layer.Dir, "-platform-dir", "linux/arm64=" + plat[1].Layer.Dir,
		"-index", env.PyPI.UploadURL(), "-trusted-root", root, "-signing-config", sc,
		"-github-api", env.GitHub.BaseURL(), "-state", filepath.Join(dir, ".tagship")}
	for _, job := range []string{"preflight", "build-wheel", "build-image", "publish-pypi", "publish-release"} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), append(args, "-job", job), getenv, &out, &errb); code != 0 {
			t.Fatalf("-job %s: exit %d\n%s\n%s", job, code, out.String(), errb.String())
		}
		if !strings.Contains(out.String(), job+" ") || !strings.Contains(out.String(), "succeeded") {
			t.Errorf("-job %s:\n%s", job, out.String())
		}
	}
	if n := len(env.PyPI.Files()); n != 2 {
		t.Errorf("%d files on the index", n)
	}
	owner, repo, _ := strings.Cut(env.Repository, "/")
	r, ok := env.GitHub.ReleaseByTag(owner, repo, env.Tag)
	if !ok || r.Draft || len(r.Assets) != 9 { // files, bundles, provenance, SBOM and SHA256SUMS with theirs
		t.Errorf("release: %+v", r)
	}
	// The whole pipeline again, in one process: everything is recorded.
	var out, errb bytes.Buffer
	if code := run(context.Background(), args, getenv, &out, &errb); code != 0 || strings.Count(out.String(), "reused") != 5 {
		t.Errorf("rerun: exit %d\n%s%s", code, out.String(), errb.String())
	}
}

func TestWorkflowAndPlan(t *testing.T) {
	t.Parallel()
	env := func(k string) string {
		return map[string]string{"GITHUB_REPOSITORY": "octo-org/octo-repo"}[k]
	}
	var out, errb bytes.Buffer
	args := []string{"-workflow", "-version", "v0.4.0", "-go-version", "1.26.8", "-image", "ghcr.io/octo-org/octo-repo",
		"-layout", "oci-layout", "-state", "x", "-build", "python3 -m build --outdir 'my dist'", "-python=none",
		"-pypi-project", "octo-repo", "-pypi-continue-on-error"}
	if code := run(context.Background(), args, env, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	wf := out.String()
	for _, must := range []string{"- 'v[0-9]+.[0-9]+.[0-9]+'", "name: pypi", "url: 'https://pypi.org/p/octo-repo'",
		"continue-on-error: true", "permissions: {}", "go-version: 1.26.8",
		// YAML doubles the single quotes of the shell's quoting.
		`run: 'go run github.com/tagship/tagship/examples/release@v0.4.0 -state .tagship -job build-image -image ghcr.io/octo-org/octo-repo -layout oci-layout -build ''python3 -m build --outdir ''\''''my dist''\'''''''`,
	} {
		if !strings.Contains(wf, must) {
			t.Errorf("workflow lacks %q:\n%s", must, wf)
		}
	}
	for _, mustNot := range []string{"setup-python", " -version", " -python", " -pypi-", " -go-version", "@v7\n"} {
		if strings.Contains(wf, mustNot) {
			t.Errorf("workflow has %q", mustNot)
		}
	}
	out.Reset()
	errb.Reset()
	if code := run(context.Background(), []string{"-workflow", "-actions", "major", "-version", "v0.4.0", "-go-version", "1.26"}, env, &out, &errb); code != 0 ||
		!strings.Contains(out.String(), "actions/checkout@v7\n") {
		t.Errorf("-actions major: exit %d %s", code, errb.String())
	}
	// A local build has no module version to name in the workflow.
	errb.Reset()
	if code := run(context.Background(), []string{"-workflow"}, env, &out, &errb); code != 1 || !strings.Contains(errb.String(), "-version") {
		t.Errorf("no version: exit %d %s", code, errb.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"-plan"}, env, &out, &errb); code != 0 || !strings.Contains(out.String(), "1. preflight") {
		t.Errorf("plan: exit %d\n%s%s", code, out.String(), errb.String())
	}
	if code := run(context.Background(), []string{"-plan"}, func(string) string { return "" }, &out, &errb); code != 2 || !strings.Contains(errb.String(), "OWNER/REPO") {
		t.Errorf("no repository: exit %d %s", code, errb.String())
	}
}
