package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const testDoc = `# Changelog

## [Unreleased]
### Added
- New thing.

## [1.0.0] - 2024-01-01
### Added
- First.

[Unreleased]: https://github.com/o/r/compare/v1.0.0...HEAD
[1.0.0]: https://github.com/o/r/releases/tag/v1.0.0
`

func writeDoc(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "CHANGELOG.md")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		doc      string
		args     []string // "FILE" is replaced by the changelog path
		code     int
		stdout   string // substring
		stderr   string // substring
		fileWant string // substring of the file afterwards
	}{
		{name: "extract", doc: testDoc, args: []string{"extract", "-version", "v1.0.0", "-file", "FILE"}, stdout: "### Added\n- First.\n"},
		{name: "extract missing", doc: testDoc, args: []string{"extract", "-version", "2.0.0", "-file", "FILE"}, code: 1, stderr: "no section for version 2.0.0"},
		{name: "extract needs version", doc: testDoc, args: []string{"extract", "-file", "FILE"}, code: 2, stderr: "-version is required"},
		{name: "cut prints", doc: testDoc, args: []string{"cut", "-version", "1.1.0", "-date", "2024-06-10", "-file", "FILE"},
			stdout: "## [Unreleased]\n\n## [1.1.0] - 2024-06-10\n### Added\n- New thing.", fileWant: "## [Unreleased]\n### Added"},
		{name: "cut writes", doc: testDoc, args: []string{"cut", "-version", "1.1.0", "-date", "2024-06-10", "-write", "-file", "FILE"},
			fileWant: "[1.1.0]: https://github.com/o/r/compare/v1.0.0...v1.1.0\n"},
		{name: "cut refuses", doc: testDoc, args: []string{"cut", "-version", "0.9.0", "-date", "2024-06-10", "-file", "FILE"}, code: 1, stderr: "expected a version greater than the newest release 1.0.0"},
		{name: "cut bad date", doc: testDoc, args: []string{"cut", "-version", "1.1.0", "-date", "10/06/2024", "-file", "FILE"}, code: 2, stderr: "expected YYYY-MM-DD"},
		{name: "lint clean", doc: testDoc, args: []string{"lint", "-file", "FILE"}},
		{name: "lint errors", doc: "## [1.0.0]\n### Misc\n- a\n", args: []string{"lint", "-file", "FILE"}, code: 1, stdout: ":1: error: release 1.0.0 has no date"},
		{name: "lint warnings only", doc: "## [1.0.0] - 2024-01-01\n### Misc\n- a\n", args: []string{"lint", "-file", "FILE"}, stdout: ":2: warning:"},
		{name: "duplicate", doc: "## [1.0.0]\n## [1.0.0]\n", args: []string{"lint", "-file", "FILE"}, code: 1, stderr: "line 2: duplicate release 1.0.0 (first at line 1)"},
		{name: "unknown command", doc: testDoc, args: []string{"publish"}, code: 2, stderr: "unknown command"},
		{name: "no command", doc: testDoc, args: nil, code: 2, stderr: "usage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := writeDoc(t, tt.doc)
			args := make([]string, len(tt.args))
			for i, a := range tt.args {
				args[i] = strings.ReplaceAll(a, "FILE", p)
			}
			var out, errb bytes.Buffer
			if code := run(args, &out, &errb); code != tt.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tt.code, errb.String())
			}
			if !strings.Contains(out.String(), tt.stdout) {
				t.Errorf("stdout %q lacks %q", out.String(), tt.stdout)
			}
			if !strings.Contains(errb.String(), tt.stderr) {
				t.Errorf("stderr %q lacks %q", errb.String(), tt.stderr)
			}
			got, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(got), tt.fileWant) {
				t.Errorf("file afterwards:\n%s\nlacks %q", got, tt.fileWant)
			}
		})
	}
}
