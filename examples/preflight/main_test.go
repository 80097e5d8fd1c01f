package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("pyproject.toml", "[project]\nname = \"x\"\nversion = \"0.11.0\"\n")
	write("HISTORY.md", "# Changelog\n\n## [0.11.0] - 2026-11-20\n- Added things.\n")
	write("VERSION", "0.10.0\n")
	noEnv := func(string) string { return "" }

	for _, tc := range []struct {
		name string
		args []string
		env  func(string) string
		code int
		out  string
	}{
		{"ok", []string{"-tag", "v0.11.0", "-dir", dir, "-changelog", "HISTORY.md"}, noEnv, 0, "OK, 0 errors"},
		{"default changelog missing", []string{"-tag", "v0.11.0", "-dir", dir}, noEnv, 1, "CHANGELOG.md"},
		{"version file mismatch", []string{"-tag", "v0.11.0", "-dir", dir, "-changelog", "HISTORY.md", "-version-file", "VERSION"}, noEnv, 1, `found:    "0.10.0"`},
		{"tag from the environment", []string{"-dir", dir, "-changelog", "HISTORY.md"}, func(k string) string {
			return map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/tags/v0.11.0"}[k]
		}, 0, "preflight for tag v0.11.0: OK"},
		{"manual run refused", []string{"-tag", "v0.11.0", "-dir", dir, "-changelog", "HISTORY.md"}, func(k string) string {
			return map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "workflow_dispatch", "GITHUB_REF": "refs/heads/main"}[k]
		}, 1, "workflow_dispatch runs are refused"},
		{"no source", []string{"-tag", "v0.11.0", "-pyproject", ""}, noEnv, 2, ""},
		{"bad flag", []string{"-nope"}, noEnv, 2, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tc.args, tc.env, &stdout, &stderr)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String(), tc.out) {
				t.Fatalf("stdout does not contain %q:\n%s", tc.out, stdout.String())
			}
		})
	}
}
