package preflight_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tagship/tagship/preflight"
)

const goodChangelog = `# Changelog

All notable changes to this project are documented here.

## [Unreleased]

## [0.11.0] - 2026-11-20
### Added
- Multi-arch container images.

## [0.10.2] - 2026-10-01
### Fixed
- Crash on empty input.

[Unreleased]: https://github.com/Metbcy/securescan/compare/v0.11.0...HEAD
[0.11.0]: https://github.com/Metbcy/securescan/compare/v0.10.2...v0.11.0
[0.10.2]: https://github.com/Metbcy/securescan/releases/tag/v0.10.2
`

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// project writes a pyproject.toml with the given version (omitted when
// version is "") and a CHANGELOG.md (omitted when changelog is "").
func project(t *testing.T, version, changelog string) string {
	t.Helper()
	dir := t.TempDir()
	if version != "" {
		writeFile(t, dir, "pyproject.toml", "[project]\nname = \"securescan\"\nversion = \""+version+"\"\n")
	}
	if changelog != "" {
		writeFile(t, dir, "CHANGELOG.md", changelog)
	}
	return dir
}

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

// tagPush is the environment of a GitHub Actions run for a push of tag.
func tagPush(tag string) func(string) string {
	return env(
		"GITHUB_ACTIONS", "true",
		"GITHUB_EVENT_NAME", "push",
		"GITHUB_REF", "refs/tags/"+tag,
		"GITHUB_REF_NAME", tag,
		"GITHUB_REF_TYPE", "tag",
		"GITHUB_REPOSITORY", "Metbcy/securescan",
		"GITHUB_WORKFLOW_REF", "Metbcy/securescan/.github/workflows/release.yml@refs/tags/"+tag,
	)
}

func check(t *testing.T, cfg preflight.Config) *preflight.Report {
	t.Helper()
	if cfg.Getenv == nil {
		cfg.Getenv = env() // never read the real environment in tests
	}
	r, err := preflight.Check(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	return r
}

// problem finds the one problem of the given check at where (substring).
func problem(t *testing.T, r *preflight.Report, check, where string) preflight.Problem {
	t.Helper()
	var found []preflight.Problem
	for _, p := range r.Problems {
		if p.Check == check && strings.Contains(p.Where, where) {
			found = append(found, p)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want exactly one %s problem at %q, got %d in:\n%s", check, where, len(found), r)
	}
	return found[0]
}

func contains(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s %q does not contain %q", what, s, sub)
		}
	}
}

func TestCheckOK(t *testing.T) {
	t.Parallel()
	dir := project(t, "0.11.0", goodChangelog)
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	r := check(t, preflight.Config{Tag: "v0.11.0", Dir: dir, Logger: logger})
	if n := strings.Count(logs.String(), "preflight check passed"); n != len(r.Passed) || n != 4 {
		t.Errorf("%d debug records for %d passed checks:\n%s", n, len(r.Passed), logs.String())
	}
	if !r.OK() || len(r.Problems) != 0 || r.Err() != nil {
		t.Fatalf("want OK, got:\n%s", r)
	}
	if r.Tag != "v0.11.0" || r.Version != "0.11.0" {
		t.Fatalf("Tag %q Version %q", r.Tag, r.Version)
	}
	checks := map[string]bool{}
	for _, p := range r.Passed {
		checks[p.Check] = true
	}
	for _, c := range []string{preflight.CheckTag, preflight.CheckVersion, preflight.CheckChangelog, preflight.CheckEvent} {
		if !checks[c] {
			t.Errorf("check %s not reported as passed:\n%s", c, r)
		}
	}
	contains(t, "report", r.String(), "preflight for tag v0.11.0: OK, 0 errors, 0 warnings", "CHANGELOG.md:7", "0.11.0 matches the tag")
}

func TestCheckActionsTagPush(t *testing.T) {
	t.Parallel()
	dir := project(t, "0.11.0", goodChangelog)
	r := check(t, preflight.Config{Dir: dir, Getenv: tagPush("v0.11.0")})
	if !r.OK() || len(r.Problems) != 0 {
		t.Fatalf("want OK, got:\n%s", r)
	}
	if r.Tag != "v0.11.0" {
		t.Fatalf("tag not derived from GITHUB_REF: %q", r.Tag)
	}
	// GITHUB_REF_NAME is used when only it says which tag.
	r = check(t, preflight.Config{Dir: dir, Getenv: env(
		"GITHUB_ACTIONS", "true", "GITHUB_EVENT_NAME", "push",
		"GITHUB_REF_TYPE", "tag", "GITHUB_REF_NAME", "v0.11.0")})
	if r.Tag != "v0.11.0" {
		t.Fatalf("tag not derived from GITHUB_REF_NAME: %q\n%s", r.Tag, r)
	}
	problem(t, r, preflight.CheckEvent, "GITHUB_REF") // GITHUB_REF itself is missing
}

// TestCheckReportsEverything breaks every check at once: all problems are
// in the one report.
func TestCheckReportsEverything(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "pyproject.toml", "[project]\nname = \"x\"\ndynamic = [\"version\"]\n")
	r := check(t, preflight.Config{
		Tag: "v0.12.0-rc1",
		Dir: dir,
		Getenv: env(
			"GITHUB_ACTIONS", "true",
			"GITHUB_EVENT_NAME", "workflow_dispatch",
			"GITHUB_REF", "refs/heads/main",
			"GITHUB_WORKFLOW_REF", "Metbcy/securescan/.github/workflows/release.yml@refs/heads/main",
		),
	})
	if r.OK() {
		t.Fatalf("want problems:\n%s", r)
	}
	if len(r.Problems) != 5 {
		t.Fatalf("want 5 problems, got %d:\n%s", len(r.Problems), r)
	}
	tag := problem(t, r, preflight.CheckTag, "")
	contains(t, "tag problem", tag.Found, "pre-release")
	ev := problem(t, r, preflight.CheckEvent, "GITHUB_EVENT_NAME")
	if ev.Found != "workflow_dispatch" {
		t.Errorf("Found %q", ev.Found)
	}
	contains(t, "workflow_dispatch fix", ev.Hint,
		"workflow_dispatch runs are refused on purpose",
		"https://github.com/Metbcy/securescan/.github/workflows/release.yml@refs/heads/main",
		"@refs/tags/v0.12.0-rc1",
		"verification commands")
	ref := problem(t, r, preflight.CheckEvent, "GITHUB_REF")
	if ref.Expected != "refs/tags/v0.12.0-rc1" || ref.Found != "refs/heads/main" {
		t.Errorf("ref problem %+v", ref)
	}
	ver := problem(t, r, preflight.CheckVersion, "pyproject.toml")
	contains(t, "dynamic version problem", ver.Found, "computed at build time")
	cl := problem(t, r, preflight.CheckChangelog, "CHANGELOG.md")
	if cl.Found != "no such file" {
		t.Errorf("changelog Found %q", cl.Found)
	}

	err := r.Err()
	var ce *preflight.CheckError
	if !errors.As(err, &ce) || ce.Report != r {
		t.Fatalf("Err() = %T %v", err, err)
	}
	for _, target := range []error{preflight.ErrCheckFailed, preflight.ErrInvalidTag, preflight.ErrDynamicVersion, fs.ErrNotExist} {
		if !errors.Is(err, target) {
			t.Errorf("errors.Is(Err(), %v) = false", target)
		}
	}
	contains(t, "CheckError", err.Error(), "5 problems blocking the release of v0.12.0-rc1", "\n  1. tag", "\n  5. changelog")
	s := r.String()
	contains(t, "report", s, "FAILED, 5 errors, 0 warnings", "expected:", "found:", "fix:")
	if strings.Count(s, "FAIL  ") != 5 {
		t.Errorf("report does not show 5 problems:\n%s", s)
	}
}

func TestCheckBranchRun(t *testing.T) {
	t.Parallel()
	dir := project(t, "0.11.0", goodChangelog)
	r := check(t, preflight.Config{Dir: dir, Getenv: env(
		"GITHUB_ACTIONS", "true", "GITHUB_EVENT_NAME", "push",
		"GITHUB_REF", "refs/heads/main", "GITHUB_REF_NAME", "main", "GITHUB_REF_TYPE", "branch",
		"GITHUB_REPOSITORY", "o/r")})
	if r.OK() {
		t.Fatalf("a branch run passed:\n%s", r)
	}
	tag := problem(t, r, preflight.CheckTag, "GITHUB_REF")
	contains(t, "tag fix", tag.Hint, "tags: ['v[0-9]+.[0-9]+.[0-9]+']")
	ref := problem(t, r, preflight.CheckEvent, "GITHUB_REF")
	contains(t, "ref fix", ref.Hint, "https://github.com/o/r/.github/workflows/release.yml@refs/heads/main", "refs/tags/vX.Y.Z")
	if len(r.Problems) != 2 {
		t.Fatalf("want 2 problems:\n%s", r)
	}
	// Without a tag the manifest version is looked up in the changelog.
	problemsAt := func(c string) int {
		n := 0
		for _, p := range r.Problems {
			if p.Check == c {
				n++
			}
		}
		return n
	}
	if problemsAt(preflight.CheckChangelog) != 0 || problemsAt(preflight.CheckVersion) != 0 {
		t.Fatalf("unexpected problems:\n%s", r)
	}
}

func TestCheckRefMismatch(t *testing.T) {
	t.Parallel()
	dir := project(t, "0.11.0", goodChangelog)
	r := check(t, preflight.Config{Tag: "v0.11.0", Dir: dir, Getenv: tagPush("v0.10.2")})
	p := problem(t, r, preflight.CheckEvent, "GITHUB_REF")
	if p.Expected != "refs/tags/v0.11.0" || p.Found != "refs/tags/v0.10.2" {
		t.Fatalf("%+v", p)
	}
	// A reusable workflow called from a branch signs with the branch identity.
	e := tagPush("v0.11.0")
	r = check(t, preflight.Config{Dir: dir, Getenv: func(k string) string {
		if k == "GITHUB_WORKFLOW_REF" {
			return "Metbcy/securescan/.github/workflows/release.yml@refs/heads/dev"
		}
		return e(k)
	}})
	p = problem(t, r, preflight.CheckEvent, "GITHUB_WORKFLOW_REF")
	contains(t, "workflow ref fix", p.Hint, "https://github.com/Metbcy/securescan/.github/workflows/release.yml@refs/heads/dev")
	if len(r.Problems) != 1 {
		t.Fatalf("want 1 problem:\n%s", r)
	}
}

func TestCheckNoTag(t *testing.T) {
	t.Parallel()
	dir := project(t, "0.10.2", goodChangelog)
	r := check(t, preflight.Config{Dir: dir})
	p := problem(t, r, preflight.CheckTag, "Config.Tag")
	contains(t, "fix", p.Hint, "-tag v1.2.3")
	if len(r.Problems) != 1 || r.Tag != "" {
		t.Fatalf("want only the tag problem:\n%s", r)
	}
	// The changelog was still checked, for the manifest's version.
	var saw bool
	for _, p := range r.Passed {
		saw = saw || (p.Check == preflight.CheckChangelog && strings.Contains(p.Detail, "0.10.2"))
	}
	if !saw {
		t.Fatalf("changelog not checked for 0.10.2:\n%s", r)
	}
	contains(t, "report", r.String(), "preflight for tag (none): FAILED, 1 error, 0 warnings")
}

func TestCheckVersions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		manifest string
		warning  bool     // only a warning: the release goes ahead
		found    []string // substrings of Problem.Found; nil: no problem
	}{
		{manifest: "0.11.0"},
		{manifest: "0.10.2", found: []string{`"0.10.2"`}},
		{manifest: "0.11", found: []string{"2 release components", "PEP 440 calls 0.11 and 0.11.0 equal", "tag is strict X.Y.Z"}},
		{manifest: "0.11.0.0", found: []string{"4 release components"}},
		{manifest: "0.11.0rc1", found: []string{"pre-release versions cannot be released from a strict vX.Y.Z tag"}},
		{manifest: "0.11.0.dev3", found: []string{"pre-release versions cannot be released"}},
		{manifest: "0.11.0.post1", found: []string{"post-releases cannot be released"}},
		{manifest: "0.11.0+ubuntu1", found: []string{"local version label +ubuntu1"}},
		{manifest: "1!0.11.0", found: []string{"epoch 1!"}},
		{manifest: "not a version", found: []string{"invalid PEP 440 version"}},
		{manifest: "0.011.0", warning: true, found: []string{`"0.011.0"`}},
		{manifest: "v0.11.0", warning: true, found: []string{`"v0.11.0"`}},
		{manifest: " 0.11.0 ", warning: true, found: []string{`" 0.11.0 "`}},
	} {
		t.Run(tc.manifest, func(t *testing.T) {
			t.Parallel()
			dir := project(t, tc.manifest, goodChangelog)
			r := check(t, preflight.Config{Tag: "v0.11.0", Dir: dir})
			if tc.found == nil {
				if len(r.Problems) != 0 {
					t.Fatalf("want no problem:\n%s", r)
				}
				return
			}
			p := problem(t, r, preflight.CheckVersion, "pyproject.toml")
			contains(t, "Found", p.Found, tc.found...)
			if (p.Severity == preflight.SeverityWarning) != tc.warning || r.OK() != tc.warning {
				t.Fatalf("severity %v, OK %v; want warning=%v:\n%s", p.Severity, r.OK(), tc.warning, r)
			}
			if !tc.warning {
				contains(t, "Fix", p.Hint, `to "0.11.0"`, "tag that commit v0.11.0")
				if len(r.Problems) != 1 {
					t.Fatalf("want 1 problem:\n%s", r)
				}
			} else {
				contains(t, "Fix", p.Hint, `write "0.11.0"`)
				if r.Err() != nil {
					t.Fatalf("a warning made Err() non-nil: %v", r.Err())
				}
				// Next to a blocking problem, the warning is listed too.
				r.Problems = append(r.Problems, preflight.Problem{Check: "x", Expected: "a", Found: "b", Hint: "c"})
				contains(t, "CheckError", r.Err().Error(), "1 problem blocking", "\n  1. x: expected a, found b; fix: c", "\n  - warning (not blocking): version (")
			}
		})
	}
}

func TestCheckMultipleSources(t *testing.T) {
	t.Parallel()
	dir := project(t, "0.11.0", goodChangelog)
	version := writeFile(t, dir, "VERSION", "0.10.2\n")
	missing := filepath.Join(dir, "package.json")
	r := check(t, preflight.Config{Tag: "v0.11.0", Dir: dir, Getenv: tagPush("v0.11.0"), Sources: []preflight.VersionSource{
		preflight.Pyproject(filepath.Join(dir, "pyproject.toml")),
		preflight.VersionFile(version),
		preflight.VersionFile(missing),
	}})
	if len(r.Problems) != 2 {
		t.Fatalf("want 2 problems:\n%s", r)
	}
	p := problem(t, r, preflight.CheckVersion, "VERSION")
	if p.Expected != "0.11.0 (from tag v0.11.0)" || p.Found != `"0.10.2"` {
		t.Fatalf("%+v", p)
	}
	// In Actions the tag is pushed already: never move it.
	contains(t, "fix", p.Hint, "already pushed", "never moved", "e.g. 0.11.1, and push tag v0.11.1")
	m := problem(t, r, preflight.CheckVersion, "package.json")
	if !errors.Is(m.Condition, fs.ErrNotExist) {
		t.Fatalf("Err = %v", m.Condition)
	}
}

func TestCheckChangelog(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, changelog string
		where           string
		found, fix      []string
	}{
		{"no section", "# Changelog\n\n## [Unreleased]\n\n## [0.10.2] - 2026-10-01\n- x\n",
			"CHANGELOG.md", []string{"no section for 0.11.0 (latest is 0.10.2)"}, []string{"add a section ## [0.11.0] - YYYY-MM-DD"}},
		{"unreleased notes not cut", "# Changelog\n\n## [Unreleased]\n### Added\n- y\n\n## [0.10.2] - 2026-10-01\n- x\n",
			"CHANGELOG.md", []string{"no section for 0.11.0"}, []string{"move the [Unreleased] notes", "prepare.Release"}},
		{"empty changelog", "# Changelog\n",
			"CHANGELOG.md", []string{"no released sections"}, nil},
		{"undated", "# Changelog\n\n## [0.11.0]\n- x\n",
			"CHANGELOG.md:3", []string{"no date"}, []string{"## [0.11.0] - 20"}},
		{"bad date", "# Changelog\n\n## [0.11.0] - 20/11/2026\n- x\n",
			"CHANGELOG.md:3", []string{`"20/11/2026"`}, []string{"YYYY-MM-DD"}},
		{"impossible date", "# Changelog\n\n## [0.11.0] - 2026-02-30\n- x\n",
			"CHANGELOG.md:3", []string{`"2026-02-30"`}, nil},
		{"yanked", "# Changelog\n\n## [0.11.0] - 2026-11-20 [YANKED]\n- x\n",
			"CHANGELOG.md:3", []string{"[YANKED]"}, []string{"release the next version"}},
		{"empty section", "# Changelog\n\n## [0.11.0] - 2026-11-20\n\n## [0.10.2] - 2026-10-01\n- x\n",
			"CHANGELOG.md:3", []string{"an empty section"}, []string{"describe the changes of 0.11.0"}},
		{"only headings", "# Changelog\n\n## [0.11.0] - 2026-11-20\n### Added\n### Fixed\n\n## [0.10.2] - 2026-10-01\n- x\n",
			"CHANGELOG.md:3", []string{"only headings or comments"}, []string{"describe the changes of 0.11.0"}},
		{"only a comment", "# Changelog\n\n## [0.11.0] - 2026-11-20\n<!-- TODO: notes -->\n\n## [0.10.2] - 2026-10-01\n- x\n",
			"CHANGELOG.md:3", []string{"only headings or comments"}, nil},
		{"unclosed fence", "# Changelog\n\n## [0.11.0] - 2026-11-20\n### Added\n- x\n\n~~~~\ncode\n```\n",
			"CHANGELOG.md:3", []string{"code fence ~~~~", "never closed"}, []string{"close it"}},
		{"unclosed comment", "# Changelog\n\n## [0.11.0] - 2026-11-20\n### Added\n- x\n\n<!--\nnot yet\n",
			"CHANGELOG.md:3", []string{"HTML comment"}, []string{"close it"}},
		{"duplicate versions", "# Changelog\n\n## [0.11.0] - 2026-11-20\n- a\n\n## [0.11.0] - 2026-11-21\n- b\n",
			"CHANGELOG.md", []string{"3", "6"}, []string{"fix"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := project(t, "0.11.0", tc.changelog)
			r := check(t, preflight.Config{Tag: "v0.11.0", Dir: dir})
			if r.OK() || len(r.Problems) != 1 {
				t.Fatalf("want exactly 1 problem:\n%s", r)
			}
			p := problem(t, r, preflight.CheckChangelog, tc.where)
			contains(t, "Found", p.Found, tc.found...)
			contains(t, "Fix", p.Hint, tc.fix...)
		})
	}
	// v-prefixed headings, a CRLF file and a custom relative path.
	dir := project(t, "0.11.0", "")
	writeFile(t, dir, "docs/HISTORY.md", strings.ReplaceAll("# Changelog\n\n## [v0.11.0] – 2026-11-20\n### Changed\n- z\n", "\n", "\r\n"))
	r := check(t, preflight.Config{Tag: "v0.11.0", Dir: dir, ChangelogPath: "docs/HISTORY.md"})
	if !r.OK() || len(r.Problems) != 0 {
		t.Fatalf("want OK:\n%s", r)
	}
}

// Messages name the repository being released and the project's own
// commands, never placeholders or paths of tagship's own repository.
func TestCheckMessagesNameTheProject(t *testing.T) {
	t.Parallel()
	dir := project(t, "0.11.0", "# Changelog\n\n## [Unreleased]\n### Added\n- y\n\n## [0.10.2] - 2026-10-01\n- x\n")
	// A branch run whose environment does not name the repository (as in a
	// simulated run): Config does.
	r := check(t, preflight.Config{Dir: dir, Tag: "v0.11.0", Repository: "Metbcy/securescan", WorkflowPath: ".github/workflows/publish.yml",
		PrepareCommand: "make release-prep VERSION=0.11.0",
		Getenv:         env("GITHUB_ACTIONS", "true", "GITHUB_EVENT_NAME", "push", "GITHUB_REF", "refs/heads/main")})
	ref := problem(t, r, preflight.CheckEvent, "GITHUB_REF")
	contains(t, "ref fix", ref.Hint, "https://github.com/Metbcy/securescan/.github/workflows/publish.yml@refs/heads/main",
		"https://github.com/Metbcy/securescan/.github/workflows/publish.yml@refs/tags/v0.11.0")
	cl := problem(t, r, preflight.CheckChangelog, "CHANGELOG.md")
	contains(t, "changelog fix", cl.Hint, "e.g. make release-prep VERSION=0.11.0")
	for _, p := range r.Problems {
		for _, bad := range []string{"OWNER/REPO", "./examples/", "examples/"} {
			if strings.Contains(p.String(), bad) {
				t.Errorf("%s mentions %q: %s", p.Check, bad, p)
			}
		}
	}
}

type cancelSource struct{ cancel context.CancelFunc }

func (cancelSource) Name() string { return "cancel" }
func (s cancelSource) Version(ctx context.Context) (string, error) {
	s.cancel()
	return "", fmt.Errorf("reading: %w", ctx.Err())
}

func TestCheckCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if r, err := preflight.Check(ctx, preflight.Config{Tag: "v1.0.0", Getenv: env()}); !errors.Is(err, context.Canceled) || r != nil {
		t.Fatalf("Check = %v, %v; want context.Canceled", r, err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	r, err := preflight.Check(ctx, preflight.Config{Tag: "v1.0.0", Getenv: env(), Sources: []preflight.VersionSource{cancelSource{cancel}}})
	if !errors.Is(err, context.Canceled) || r != nil {
		t.Fatalf("Check = %v, %v; want context.Canceled", r, err)
	}
}

func TestCheckOtherEventOnTag(t *testing.T) {
	t.Parallel()
	dir := project(t, "0.11.0", goodChangelog)
	e := tagPush("v0.11.0")
	r := check(t, preflight.Config{Dir: dir, Getenv: func(k string) string {
		if k == "GITHUB_EVENT_NAME" {
			return "release"
		}
		return e(k)
	}})
	p := problem(t, r, preflight.CheckEvent, "GITHUB_EVENT_NAME")
	contains(t, "fix", p.Hint, "releases run only from the push of the tag", "a release run would publish a second time")
	if len(r.Problems) != 1 {
		t.Fatalf("want 1 problem:\n%s", r)
	}
}

func TestCheckOddConfigs(t *testing.T) {
	t.Parallel()
	// A nil source is reported, not a panic; a 2-component version without a
	// tag is still not X.Y.Z.
	dir := project(t, "0.11", goodChangelog)
	r := check(t, preflight.Config{Tag: "not-a-tag", Dir: dir, Sources: []preflight.VersionSource{
		nil, preflight.Pyproject(filepath.Join(dir, "pyproject.toml")),
	}})
	problem(t, r, preflight.CheckVersion, "Config.Sources[0]")
	p := problem(t, r, preflight.CheckVersion, "pyproject.toml")
	contains(t, "Found", p.Found, "2 release components (0.11); a strict vX.Y.Z tag needs exactly 3")
	problem(t, r, preflight.CheckTag, "")
	// The changelog could not be matched to any version, but it parsed.
	if len(r.Problems) != 3 {
		t.Fatalf("want 3 problems:\n%s", r)
	}
}

func TestSeverityString(t *testing.T) {
	t.Parallel()
	if preflight.SeverityError.String() != "error" || preflight.SeverityWarning.String() != "warning" || preflight.Severity(7).String() != "Severity(7)" {
		t.Fatal("Severity.String")
	}
	var zero preflight.Problem
	if zero.Severity != preflight.SeverityError {
		t.Fatal("the zero Severity must block the release")
	}
}
