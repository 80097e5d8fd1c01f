package prepare_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/tagship/tagship/release/prepare"
)

// A dry run of the maintainer's checklist: what would change, and the git
// commands that follow. Nothing is written.
func ExampleRelease() {
	dir, err := os.MkdirTemp("", "prepare-example-*")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	files := map[string]string{
		"pyproject.toml": "[project]\nname = \"securescan\"\nversion = \"0.10.0\"  # released by tag\n",
		"CHANGELOG.md": `# Changelog

## [Unreleased]

### Added
- Multi-arch container image.

## [0.10.0] - 2026-01-02

### Added
- First release.

[Unreleased]: https://github.com/acme/securescan/compare/v0.10.0...HEAD
[0.10.0]: https://github.com/acme/securescan/releases/tag/v0.10.0
`,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			panic(err)
		}
	}

	res, err := prepare.Release(context.Background(), prepare.Config{
		Version:     "0.11.0",
		Dir:         dir,
		Now:         func() time.Time { return time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC) },
		DryRun:      true,
		NoGitUnsafe: true, // the temporary directory is not a git repository
	})
	if err != nil {
		panic(err)
	}
	for _, f := range res.Files {
		fmt.Println("would change", f.Path)
	}
	fmt.Print(res.Files[0].Diff()) // res.Diff() has every file
	fmt.Println("preflight OK:", res.Report.OK())
	for _, c := range res.Commands() {
		fmt.Println(c)
	}
	// Output:
	// would change pyproject.toml
	// would change CHANGELOG.md
	// --- a/pyproject.toml
	// +++ b/pyproject.toml
	// @@ -1,3 +1,3 @@
	//  [project]
	//  name = "securescan"
	// -version = "0.10.0"  # released by tag
	// +version = "0.11.0"  # released by tag
	// preflight OK: true
	// git add -- pyproject.toml CHANGELOG.md
	// git commit -m "Release v0.11.0" -- pyproject.toml CHANGELOG.md
	// git tag -a v0.11.0 -m "Release v0.11.0"
	// git push origin HEAD
	// git push origin refs/tags/v0.11.0
}
