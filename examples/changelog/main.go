// Command changelog extracts, cuts and lints a Keep a Changelog file.
// Copy it into your repository's tools and adapt as needed.
//
//	changelog extract -version 0.11.0 [-file CHANGELOG.md]   # print the release notes
//	changelog cut -version 0.12.0 [-date 2024-06-10] [-write] # release [Unreleased]
//	changelog lint [-file CHANGELOG.md]                       # exit 1 on errors
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/tagship/tagship/changelog"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

const usage = "usage: changelog extract|cut|lint [flags]; run \"changelog CMD -h\" for the flags"

// run executes one command and returns the exit code: 0 ok, 1 failure,
// 2 usage error.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	cmd := args[0]
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("file", "CHANGELOG.md", "changelog file")
	var version, date string
	var write bool
	switch cmd {
	case "extract":
		fs.StringVar(&version, "version", "", "version whose section to print, e.g. 0.11.0 or v0.11.0 (required)")
	case "cut":
		fs.StringVar(&version, "version", "", "version to release, e.g. 0.12.0 (required)")
		fs.StringVar(&date, "date", time.Now().UTC().Format(time.DateOnly), "release date, YYYY-MM-DD")
		fs.BoolVar(&write, "write", false, "rewrite -file in place instead of printing the result")
	case "lint":
	default:
		fmt.Fprintf(stderr, "unknown command %q\n%s\n", cmd, usage)
		return 2
	}
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if cmd != "lint" && version == "" {
		fmt.Fprintf(stderr, "%s: -version is required\n", cmd)
		return 2
	}
	src, err := os.ReadFile(*file)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	c, err := changelog.Parse(src)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", *file, err)
		return 1
	}
	switch cmd {
	case "extract":
		r := c.Release(version)
		if r == nil {
			fmt.Fprintf(stderr, "%s: no section for version %s; add \"## [%s] - YYYY-MM-DD\" or run cut\n", *file, version, version)
			return 1
		}
		fmt.Fprintln(stdout, r.Body)
	case "cut":
		d, err := time.Parse(time.DateOnly, date)
		if err != nil {
			fmt.Fprintf(stderr, "cut: -date %q: expected YYYY-MM-DD\n", date)
			return 2
		}
		if err := c.Cut(version, d); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", *file, err)
			return 1
		}
		if !write {
			stdout.Write(c.Bytes())
			return 0
		}
		st, err := os.Stat(*file)
		if err == nil {
			err = os.WriteFile(*file, c.Bytes(), st.Mode().Perm())
		}
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
	case "lint":
		fds := c.Lint()
		for _, f := range fds {
			fmt.Fprintf(stdout, "%s:%d: %s: %s (%s)\n", *file, f.Line, f.Severity, f.Message, f.Code)
		}
		if changelog.HasErrors(fds) {
			return 1
		}
	}
	return 0
}
