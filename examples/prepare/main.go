// Command prepare is the maintainer's checklist before a release tag, in
// one command: it bumps the version in pyproject.toml, cuts CHANGELOG.md
// ([Unreleased] becomes "## [X.Y.Z] - today", compare links updated),
// refreshes the README's "What's new in vX.Y.Z" callout (between
// <!-- tagship:whats-new --> and <!-- /tagship:whats-new -->), checks the
// result exactly as the release's preflight job will check the tag, and
// prints the git commands that follow (or runs them with -git).
//
// It refuses a version that is not greater than the last release, an empty
// [Unreleased] section, a manifest edited by hand, a dynamic version and a
// tag that already exists locally or on the remote (tags are immutable).
//
// Copy it into your repository and run it from the repository root:
//
//	go run ./examples/prepare -version 0.11.0 -dry-run   # show the diff
//	go run ./examples/prepare -version 0.11.0            # write, print the git commands
//	go run ./examples/prepare -version 0.11.0 -git       # write, commit, tag, push
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/tagship/tagship/release/prepare"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is main without the process: it returns the exit code (0 prepared,
// 1 refused or failed, 2 usage).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("prepare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	version := fs.String("version", "", "version to release, X.Y.Z (required)")
	dir := fs.String("dir", ".", "project root (the repository root)")
	manifest := fs.String("manifest", "pyproject.toml", "pyproject.toml (or a plain VERSION file) to bump, relative to -dir")
	changelog := fs.String("changelog", "CHANGELOG.md", "changelog to cut, relative to -dir")
	readme := fs.String("readme", "README.md", "README with the what's-new markers, relative to -dir")
	bullets := fs.Int("bullets", 0, "show only the first N bullets in the README callout (0: the whole section)")
	dryRun := fs.Bool("dry-run", false, "show the diff, write nothing")
	runGit := fs.Bool("git", false, "run the git commands: commit, tag, push")
	remote := fs.String("remote", "", `git remote to check for the tag and push to (default "origin" if it exists)`)
	date := fs.String("date", "", "release date YYYY-MM-DD (default: today)")
	commitMsg := fs.String("commit-message", prepare.DefaultMessage, "release commit message, a text/template seeing {{.Tag}}, {{.Version}}, {{.Date}}")
	tagMsg := fs.String("tag-message", prepare.DefaultMessage, "annotated tag message, a text/template seeing {{.Tag}}, {{.Version}}, {{.Date}}")
	noGit := fs.Bool("no-git-unsafe", false, "skip the git checks (the tag may already exist!): for a directory that is not a git work tree")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *version == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: prepare -version X.Y.Z [-dir .] [-dry-run] [-git] [-remote origin] [-date YYYY-MM-DD]")
		return 2
	}
	now := time.Now
	if *date != "" {
		d, err := time.Parse(time.DateOnly, *date)
		if err != nil {
			fmt.Fprintf(stderr, "prepare: -date %q: expected YYYY-MM-DD\n", *date)
			return 2
		}
		now = func() time.Time { return d }
	}

	res, err := prepare.Release(ctx, prepare.Config{
		Version:         *version,
		Dir:             *dir,
		Manifest:        *manifest,
		Changelog:       *changelog,
		Readme:          *readme,
		WhatsNewBullets: *bullets,
		Now:             now,
		DryRun:          *dryRun,
		RunGit:          *runGit,
		Remote:          *remote,
		NoGitUnsafe:     *noGit,
		CommitMessage:   *commitMsg,
		TagMessage:      *tagMsg,
	})
	var gitErr *prepare.GitError
	if err != nil && !errors.As(err, &gitErr) {
		fmt.Fprintln(stderr, err)
		return 1
	}

	if *dryRun {
		fmt.Fprint(stdout, res.Diff())
	} else {
		for _, f := range res.Files {
			fmt.Fprintf(stdout, "updated %s\n", f.Path)
		}
	}
	for _, n := range res.Notes {
		fmt.Fprintf(stdout, "note: %s\n", n)
	}
	fmt.Fprintf(stdout, "preflight for %s: OK\n", res.Tag)

	switch {
	case gitErr != nil:
		for _, c := range res.Ran {
			fmt.Fprintf(stdout, "ran: %s\n", c)
		}
		fmt.Fprintln(stderr, err)
		return 1
	case *runGit && !*dryRun:
		for _, c := range res.Ran {
			fmt.Fprintf(stdout, "ran: %s\n", c)
		}
		fmt.Fprintf(stdout, "released %s: the tag push starts the release workflow\n", res.Tag)
	default:
		where := ""
		if *dir != "." {
			where = " (in " + *dir + ")"
		}
		fmt.Fprintf(stdout, "next%s:\n", where)
		for _, c := range res.Commands() {
			fmt.Fprintf(stdout, "  %s\n", c)
		}
	}
	return 0
}
