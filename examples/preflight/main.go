// Command preflight is the release gate of a tag-triggered release: it
// checks that the tag is a strict vX.Y.Z tag, that pyproject.toml (and any
// -version-file) declares that version, that the changelog has a dated,
// non-empty section for it and, in GitHub Actions, that the run was
// triggered by pushing that tag. It prints every problem at once and exits
// 1 when the release must not go ahead.
//
// Copy it into your repository and run it as the first job of the release
// workflow:
//
//	go run ./examples/preflight                      # in GitHub Actions: tag from GITHUB_REF
//	go run ./examples/preflight -tag v0.11.0 -dir .  # locally, before pushing the tag
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/tagship/tagship/preflight"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is main without the process: it returns the exit code (0 released
// may go ahead, 1 problems, 2 usage or cancelled).
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("preflight", flag.ContinueOnError)
	fs.SetOutput(stderr)
	tag := fs.String("tag", "", "release tag to check, e.g. v0.11.0 (default: from GITHUB_REF in GitHub Actions)")
	dir := fs.String("dir", ".", "project root")
	pyproject := fs.String("pyproject", "pyproject.toml", "pyproject.toml to compare with the tag, relative to -dir (empty: none)")
	versionFile := fs.String("version-file", "", "also compare a plain VERSION file, relative to -dir")
	changelog := fs.String("changelog", "CHANGELOG.md", "changelog path, relative to -dir")
	if err := fs.Parse(args); err != nil {
		return 2
	}

	var sources []preflight.VersionSource
	if *pyproject != "" {
		sources = append(sources, preflight.Pyproject(inDir(*dir, *pyproject)))
	}
	if *versionFile != "" {
		sources = append(sources, preflight.VersionFile(inDir(*dir, *versionFile)))
	}
	if len(sources) == 0 {
		fmt.Fprintln(stderr, "preflight: no version source: set -pyproject or -version-file")
		return 2
	}

	report, err := preflight.Check(ctx, preflight.Config{
		Tag:           *tag,
		Dir:           *dir,
		Sources:       sources,
		ChangelogPath: *changelog,
		Getenv:        getenv,
	})
	if err != nil {
		fmt.Fprintln(stderr, "preflight:", err)
		return 2
	}
	fmt.Fprint(stdout, report)
	if !report.OK() {
		return 1
	}
	return 0
}

func inDir(dir, path string) string {
	if filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(dir, path)
}
