package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tagship/tagship/internal/interop"
	"github.com/tagship/tagship/internal/shell"
	"github.com/tagship/tagship/release/prepare"
	"github.com/tagship/tagship/release/releasetest"
)

var update = flag.Bool("update", false, "rewrite the golden workflows in testdata")

// buildHelperEnv makes the test binary a project's build command: with it
// set, the binary runs releasetest.BuildDists(PKG, DIST) — a real wheel and
// sdist, without Python — and exits. -build runs it through sh -c in the
// repository root, so relative PKG and DIST prove where the build runs.
const buildHelperEnv = "TAGSHIP_EXAMPLES_RELEASE_BUILD"

func TestMain(m *testing.M) {
	if os.Getenv(buildHelperEnv) == "1" {
		if len(os.Args) != 3 {
			os.Stderr.WriteString("build helper: want PKG DIST\n")
			os.Exit(2)
		}
		if err := releasetest.BuildDists(context.Background(), os.Args[1], os.Args[2]); err != nil {
			os.Stderr.WriteString("build helper: " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	flag.Parse()
	os.Exit(m.Run())
}

// buildCommand is a -build value that builds the package in pkg into dist,
// both relative to the repository root.
func buildCommand(t *testing.T, pkg, dist string) string {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return buildHelperEnv + "=1 " + shell.Single(exe) + " " + shell.Single(pkg) + " " + shell.Single(dist)
}

// TestLayouts releases projects of different shapes with the production
// main on the doubles: every path is relative to the repository root
// (-dir), the build runs there with sh -c, and the endpoints come from the
// TAGSHIP_* environment alone, as in a workflow run against the sandbox.
func TestLayouts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// pkg is where the Python package lives; changelog where the
		// changelog is, both relative to the repository root.
		pkg, changelog, dist string
		flags                []string
	}{
		{name: "root", pkg: ".", changelog: "CHANGELOG.md", dist: "dist"},
		{name: "reference: backend/pyproject.toml, root CHANGELOG.md", pkg: "backend", changelog: "CHANGELOG.md", dist: "dist",
			flags: []string{"-manifest", "backend/pyproject.toml"}},
		{name: "monorepo: changelog inside the package", pkg: "packages/hello", changelog: "packages/hello/CHANGELOG.md",
			dist: "packages/hello/dist with space",
			flags: []string{"-manifest", "packages/hello/pyproject.toml", "-changelog", "packages/hello/CHANGELOG.md",
				"-dist", "packages/hello/dist with space"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env, err := releasetest.NewEnv(releasetest.WithRepository("octo-org/layouts"), releasetest.WithTag("v0.11.0"))
			if err != nil {
				t.Fatal(err)
			}
			defer env.Close()
			root := t.TempDir()
			pkgDir := filepath.Join(root, tc.pkg)
			if err := releasetest.WriteProject(pkgDir, releasetest.Project{Repository: env.Repository}); err != nil {
				t.Fatal(err)
			}
			if want := filepath.Join(root, tc.changelog); want != filepath.Join(pkgDir, "CHANGELOG.md") {
				if err := os.Rename(filepath.Join(pkgDir, "CHANGELOG.md"), want); err != nil {
					t.Fatal(err)
				}
			}
			manifest := filepath.ToSlash(filepath.Join(tc.pkg, "pyproject.toml"))
			if _, err := prepare.Release(context.Background(), prepare.Config{Version: env.Tag, Dir: root,
				Manifest: manifest, Changelog: tc.changelog, Readme: filepath.Join(tc.pkg, "README.md"),
				NoGitUnsafe: true, Now: releasetest.PrepareDate}); err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			trustedRoot, signingConfig := filepath.Join(dir, "trusted_root.json"), filepath.Join(dir, "signing_config.json")
			if err := env.Sigstore.WriteTrustedRoot(trustedRoot); err != nil {
				t.Fatal(err)
			}
			if err := env.Sigstore.WriteSigningConfig(signingConfig); err != nil {
				t.Fatal(err)
			}
			getenv := func(k string) string {
				switch k {
				case "GITHUB_TOKEN":
					return env.GitHub.Token()
				case "TAGSHIP_TRUSTED_ROOT":
					return trustedRoot
				case "TAGSHIP_SIGNING_CONFIG":
					return signingConfig
				case "TAGSHIP_INDEX_URL":
					return env.PyPI.UploadURL()
				case "TAGSHIP_GITHUB_API":
					return env.GitHub.BaseURL()
				}
				return env.Getenv(k)
			}
			args := append([]string{"-dir", root, "-state", filepath.Join(dir, "state"),
				"-build", buildCommand(t, tc.pkg, tc.dist)}, tc.flags...)
			var out, errb bytes.Buffer
			if code := run(context.Background(), args, getenv, &out, &errb); code != 0 {
				t.Fatalf("exit %d\n%s\n%s", code, out.String(), errb.String())
			}
			// The build wrote into -dist under the root, and nowhere else.
			for _, f := range []string{"hello_release-0.11.0-py3-none-any.whl", "hello_release-0.11.0.tar.gz",
				"hello_release-0.11.0.tar.gz.sigstore.json", "release-notes.md"} {
				if _, err := os.Stat(filepath.Join(root, tc.dist, f)); err != nil {
					t.Errorf("%s: %v", f, err)
				}
			}
			if tc.pkg != "." {
				if _, err := os.Stat(filepath.Join(pkgDir, tc.pkg)); err == nil {
					t.Errorf("%s/%s exists: a path was taken relative to the package, not the root", tc.pkg, tc.pkg)
				}
			}
			if n := len(env.PyPI.Files()); n != 2 {
				t.Errorf("%d files on the index, want 2", n)
			}
			owner, repo, _ := strings.Cut(env.Repository, "/")
			r, ok := env.GitHub.ReleaseByTag(owner, repo, env.Tag)
			if !ok || r.Draft {
				t.Fatalf("release: %+v", r)
			}
			// The notes carry the section of the changelog named by -changelog.
			if !strings.Contains(r.Body, "The scanner no longer follows symlinks") {
				t.Errorf("notes lack the changelog section:\n%s", r.Body)
			}
		})
	}
}

// TestLayoutErrors: paths outside the repository root are refused before
// anything runs, with the flag's value in the message.
func TestLayoutErrors(t *testing.T) {
	t.Parallel()
	env := func(k string) string { return map[string]string{"GITHUB_REPOSITORY": "octo-org/octo-repo"}[k] }
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-changelog", "../CHANGELOG.md"}, `"../CHANGELOG.md" must be relative to Dir`},
		{[]string{"-manifest", "/abs/pyproject.toml"}, `"/abs/pyproject.toml" must be relative`},
		{[]string{"-image", "ghcr.io/o/r", "-dockerfile", "Dockerfile", "-layout", "x"}, "give one image source"},
		{[]string{"-image", "ghcr.io/o/r", "-dockerfile", "Dockerfile", "-image-build", "x"}, "Command or Dockerfile, not both"},
		{[]string{"-image-needs-wheel"}, "go with -dockerfile or -image-build"},
		{[]string{"-dockerfile", "Dockerfile"}, "ImageRepository is empty"},
		{[]string{"-image", "ghcr.io/o/r", "-image-build", "x", "-platforms", "linux"}, "platform \"linux\""},
	} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), append([]string{"-plan"}, tc.args...), env, &out, &errb); code != 2 || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%q: exit %d, want 2 and %q in:\n%s", tc.args, code, tc.want, errb.String())
		}
	}
}

// TestWorkflowGolden exports the workflow for the layouts and image
// builders a Python project uses; the golden files show the whole YAML,
// and actionlint (with shellcheck) checks each when it is installed.
func TestWorkflowGolden(t *testing.T) {
	t.Parallel()
	env := func(k string) string { return map[string]string{"GITHUB_REPOSITORY": "Octo-Org/octo-repo"}[k] }
	common := []string{"-workflow", "-version", "v0.4.0", "-go-version", "1.26.8"}
	tests := []struct {
		golden string
		args   []string
		must   []string
	}{
		{golden: "reference-dockerfile.yml", args: []string{"-manifest", "backend/pyproject.toml",
			"-image", "ghcr.io/Octo-Org/octo-repo", "-dockerfile", "backend/Dockerfile", "-context", "backend",
			"-platforms", "linux/amd64,linux/arm64", "-pypi-project", "octo-repo", "-pypi-continue-on-error"},
			must: []string{"docker/setup-qemu-action@", "docker/setup-buildx-action@", "-manifest backend/pyproject.toml",
				"-dockerfile backend/Dockerfile -context backend -platforms linux/amd64,linux/arm64"}},
		{golden: "image-build-quoting.yml", args: []string{"-manifest", "backend/pyproject.toml", "-python", "3.11",
			"-build", `cd backend && python3 -m build --no-isolation --outdir "../dist" && echo $HOME \ 'done'`,
			"-image", "ghcr.io/octo-org/octo-repo", "-image-needs-wheel",
			"-image-build", `buildah --storage-driver vfs build --manifest img -f backend/Dockerfile backend && buildah --storage-driver vfs manifest push --all img "oci:$TAGSHIP_IMAGE_LAYOUT"`},
			must: []string{"python-version: '3.11'", "-image-needs-wheel"}},
		{golden: "monorepo-layout.yml", args: []string{"-manifest", "packages/hello/pyproject.toml",
			"-changelog", "packages/hello/CHANGELOG.md", "-dist", "packages/hello/dist", "-python", "none",
			"-image", "ghcr.io/octo-org/octo-repo", "-layout", "oci layout"},
			must: []string{"path: packages/hello/dist/", "-layout ''oci layout''"}},
	}
	for _, tc := range tests {
		t.Run(tc.golden, func(t *testing.T) {
			t.Parallel()
			var out, errb bytes.Buffer
			if code := run(context.Background(), append(append([]string(nil), common...), tc.args...), env, &out, &errb); code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			wf := out.Bytes()
			for _, m := range tc.must {
				if !bytes.Contains(wf, []byte(m)) {
					t.Errorf("workflow lacks %q", m)
				}
			}
			if !strings.Contains(tc.golden, "dockerfile") && bytes.Contains(wf, []byte("docker/setup-")) {
				t.Errorf("docker setup steps without -dockerfile")
			}
			// Every run: line the shell sees holds each flag value as one
			// word: parse the job's command back with the shell and compare.
			checkRunWords(t, wf, tc.args)
			golden := filepath.Join("testdata", tc.golden)
			if *update {
				if err := os.WriteFile(golden, wf, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (go test ./examples/release -run WorkflowGolden -update writes it)", err)
			}
			if !bytes.Equal(wf, want) {
				t.Errorf("workflow differs from %s (rerun with -update if intended):\n%s", golden, wf)
			}
			actionlint(t, wf)
		})
	}
}

// checkRunWords evaluates the build-wheel job's run: line with a real
// shell (printing its words instead of running go) and checks that the
// passed-through flags arrive exactly as given.
func checkRunWords(t *testing.T, wf []byte, args []string) {
	t.Helper()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	// Find the run: line of build-wheel and undo YAML's single quoting.
	var line string
	for _, l := range strings.Split(string(wf), "\n") {
		l = strings.TrimSpace(l)
		if !strings.Contains(l, " -job build-wheel") {
			continue
		}
		line = l // a line of a block scalar (run: |) is the shell's as is
		if strings.HasPrefix(l, "run: ") {
			line = strings.TrimPrefix(l, "run: ")
			if strings.HasPrefix(line, "'") {
				line = strings.ReplaceAll(line[1:len(line)-1], "''", "'")
			}
		}
	}
	if line == "" {
		t.Fatal("no run: line for build-wheel")
	}
	// Replace the command (go run PKG@V) by printf, one word per line.
	_, rest, ok := strings.Cut(line, " -state ")
	if !ok {
		t.Fatalf("run line %q", line)
	}
	out, err := exec.Command(sh, "-c", `printf '%s\0' -state `+rest).Output()
	if err != nil {
		t.Fatalf("sh: %v", err)
	}
	words := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	want := append([]string{"-state", ".tagship", "-job", "build-wheel"}, passThrough(args)...)
	if strings.Join(words, "\n") != strings.Join(want, "\n") {
		t.Errorf("the shell sees\n%q\nwant\n%q", words, want)
	}
}

func actionlint(t *testing.T, wf []byte) {
	t.Helper()
	bin, ok := interop.Lookup("actionlint")
	if !ok {
		if interop.Required() {
			t.Fatal("actionlint not found (tools/build.sh builds it)")
		}
		t.Log("actionlint not found: not linted")
		return
	}
	shellcheck, err := exec.LookPath("shellcheck")
	if err != nil {
		if interop.Required() {
			t.Fatal("shellcheck not on PATH (apt-get install shellcheck)")
		}
		t.Log("shellcheck not on PATH: not linted")
		return
	}
	dir := t.TempDir()
	path := filepath.Join(dir, ".github", "workflows", "release.yml")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, wf, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-no-color", "-shellcheck", shellcheck, path)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("actionlint: %v\n%s", err, out)
	}
}
