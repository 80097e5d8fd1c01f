package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const changelogMD = `# Changelog

## [Unreleased]

### Added
- Multi-arch container image.

## [0.10.0] - 2026-01-02

### Added
- First release.

[Unreleased]: https://github.com/acme/app/compare/v0.10.0...HEAD
[0.10.0]: https://github.com/acme/app/releases/tag/v0.10.0
`

func project(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range map[string]string{
		"pyproject.toml": "[project]\nname = \"app\"\nversion = \"0.10.0\"\n",
		"CHANGELOG.md":   changelogMD,
		"README.md":      "# App\n<!-- tagship:whats-new -->\n<!-- /tagship:whats-new -->\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestRun(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		args    func(dir string) []string
		code    int
		out     []string
		errOut  string
		written bool
	}{
		{"dry run shows the diff", func(d string) []string {
			return []string{"-version", "0.11.0", "-dir", d, "-dry-run", "-no-git-unsafe", "-date", "2026-11-26"}
		}, 0, []string{"+version = \"0.11.0\"", "+## [0.11.0] - 2026-11-26", "+## What's new in v0.11.0", "git tag -a v0.11.0", "git push origin refs/tags/v0.11.0"}, "", false},
		{"write", func(d string) []string {
			return []string{"-version", "v0.11.0", "-dir", d, "-no-git-unsafe", "-date", "2026-11-26"}
		}, 0, []string{"updated pyproject.toml", "updated CHANGELOG.md", "updated README.md", "preflight for v0.11.0: OK", "git commit -m \"Release v0.11.0\""}, "", true},
		{"refused", func(d string) []string {
			return []string{"-version", "0.9.0", "-dir", d, "-no-git-unsafe"}
		}, 1, nil, "0.10.1 (patch), 0.11.0 (minor) or 1.0.0 (major)", false},
		{"not a git repository", func(d string) []string {
			return []string{"-version", "0.11.0", "-dir", d, "-dry-run"}
		}, 1, nil, "not a git repository", false},
		{"no version", func(d string) []string { return []string{"-dir", d} }, 2, nil, "usage", false},
		{"bad date", func(d string) []string { return []string{"-version", "0.11.0", "-date", "26/11/2026"} }, 2, nil, "YYYY-MM-DD", false},
		{"bad flag", func(d string) []string { return []string{"-nope"} }, 2, nil, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := project(t)
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tc.args(dir), &stdout, &stderr)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout.String(), stderr.String())
			}
			for _, o := range tc.out {
				if !strings.Contains(stdout.String(), o) {
					t.Errorf("stdout lacks %q:\n%s", o, stdout.String())
				}
			}
			if !strings.Contains(stderr.String(), tc.errOut) {
				t.Errorf("stderr lacks %q:\n%s", tc.errOut, stderr.String())
			}
			got, _ := os.ReadFile(filepath.Join(dir, "CHANGELOG.md"))
			if (string(got) != changelogMD) != tc.written {
				t.Errorf("CHANGELOG.md written: %v, want %v", string(got) != changelogMD, tc.written)
			}
		})
	}
}

// -git commits, tags and pushes to the remote. Not parallel: git's identity
// comes from the environment, as on a maintainer's machine.
func TestRunGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("GIT_AUTHOR_NAME", "Tagship Test")
	t.Setenv("GIT_AUTHOR_EMAIL", "test@tagship.invalid")
	t.Setenv("GIT_COMMITTER_NAME", "Tagship Test")
	t.Setenv("GIT_COMMITTER_EMAIL", "test@tagship.invalid")
	git := func(dir string, args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "init.defaultBranch=main"}, args...)...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	bare := t.TempDir()
	git(bare, "init", "-q", "--bare")
	dir := project(t)
	git(dir, "init", "-q")
	git(dir, "add", "-A")
	git(dir, "commit", "-q", "-m", "initial")
	git(dir, "remote", "add", "origin", bare)
	git(dir, "push", "-q", "origin", "main")

	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"-version", "0.11.0", "-dir", dir, "-git", "-date", "2026-11-26"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "ran: git push origin refs/tags/v0.11.0") {
		t.Errorf("stdout:\n%s", stdout.String())
	}
	if got, want := git(bare, "rev-parse", "v0.11.0^{commit}"), git(dir, "rev-parse", "HEAD"); got != want {
		t.Errorf("remote tag at %s, want %s", got, want)
	}
}
