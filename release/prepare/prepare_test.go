package prepare

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tagship/tagship/changelog"
	"github.com/tagship/tagship/preflight"
)

var prepareDate = time.Date(2026, 11, 26, 15, 4, 5, 0, time.UTC)

func prepareNow() time.Time { return prepareDate }

const prepareChangelog = `# Changelog

All notable changes to this project are documented here.

## [Unreleased]

### Added
- Multi-arch container image ([#12]).
- Sigstore bundles for every file.

### Fixed
- Upload retries honour Retry-After.

## [0.10.0] - 2026-01-02

### Added
- First release.

[Unreleased]: https://github.com/acme/app/compare/v0.10.0...HEAD
[0.10.0]: https://github.com/acme/app/releases/tag/v0.10.0
[#12]: https://github.com/acme/app/pull/12
`

// The changelog as Cut must leave it for 0.11.0 on prepareDate.
const prepareChangelogCut = `# Changelog

All notable changes to this project are documented here.

## [Unreleased]

## [0.11.0] - 2026-11-26

### Added
- Multi-arch container image ([#12]).
- Sigstore bundles for every file.

### Fixed
- Upload retries honour Retry-After.

## [0.10.0] - 2026-01-02

### Added
- First release.

[Unreleased]: https://github.com/acme/app/compare/v0.11.0...HEAD
[0.11.0]: https://github.com/acme/app/compare/v0.10.0...v0.11.0
[0.10.0]: https://github.com/acme/app/releases/tag/v0.10.0
[#12]: https://github.com/acme/app/pull/12
`

// A pyproject.toml with comments, odd quoting and a decoy version.
const preparePyproject = `# SecureScan   build metadata
[build-system]
requires = ["hatchling>=1.24"]   # pinned
build-backend = "hatchling.build"

[project]
name='securescan'
description = """A [project]
version = "1.0.0" inside a multi-line string"""
version     =   '0.10.0'    # bumped by the release checklist
dependencies = [
  "httpx >= 0.27",  # version = "0.1"
]

[tool.other]
version = "9.9.9"
`

const preparePoetry = "[tool.poetry]\nname = \"securescan\"\nversion = \"0.10.0\"  # poetry\ndescription = \"x\"\n\n[tool.poetry.dependencies]\npython = \"^3.11\"\n"

const prepareReadme = `# SecureScan

<!-- tagship:whats-new -->
## What's new in v0.10.0

- First release.
<!-- /tagship:whats-new -->

## Install

` + "```" + `
<!-- tagship:whats-new -->
not a marker: inside a code block
` + "```" + `
`

const prepareReadmeCut = `# SecureScan

<!-- tagship:whats-new -->
## What's new in v0.11.0

### Added
- Multi-arch container image ([#12]).
- Sigstore bundles for every file.

### Fixed
- Upload retries honour Retry-After.

[#12]: https://github.com/acme/app/pull/12

See [CHANGELOG.md](CHANGELOG.md#0110---2026-11-26) for the full release notes.
<!-- /tagship:whats-new -->

## Install

` + "```" + `
<!-- tagship:whats-new -->
not a marker: inside a code block
` + "```" + `
`

func prepareProject(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// prepareSnapshot reads every file under dir.
func prepareSnapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" {
				return filepath.SkipDir
			}
			return nil
		}
		b, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		out[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func prepareSameFiles(t *testing.T, before, after map[string]string) {
	t.Helper()
	for name, b := range before {
		if a, ok := after[name]; !ok || a != b {
			t.Errorf("%s changed:\n%s", name, unifiedDiff("before", "after", []byte(b), []byte(a)))
		}
	}
	for name := range after {
		if _, ok := before[name]; !ok {
			t.Errorf("new file %s left behind", name)
		}
	}
}

func TestPrepareProjects(t *testing.T) {
	t.Parallel()
	crlf := func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }
	for _, tc := range []struct {
		name    string
		files   map[string]string
		cfg     Config
		want    map[string]string // expected new contents of the files that change
		notes   []string          // substrings expected in Notes
		changed []string          // Files, in order
	}{
		{
			name:    "pyproject with comments, odd quoting and README markers",
			files:   map[string]string{"pyproject.toml": preparePyproject, "CHANGELOG.md": prepareChangelog, "README.md": prepareReadme},
			want:    map[string]string{"pyproject.toml": strings.Replace(preparePyproject, "'0.10.0'", "'0.11.0'", 1), "CHANGELOG.md": prepareChangelogCut, "README.md": prepareReadmeCut},
			changed: []string{"pyproject.toml", "CHANGELOG.md", "README.md"},
		},
		{
			name:    "poetry, v-prefixed version, no README",
			files:   map[string]string{"pyproject.toml": preparePoetry, "CHANGELOG.md": prepareChangelog},
			cfg:     Config{Version: "v0.11.0"},
			want:    map[string]string{"pyproject.toml": strings.Replace(preparePoetry, `"0.10.0"`, `"0.11.0"`, 1), "CHANGELOG.md": prepareChangelogCut},
			notes:   []string{"no README.md"},
			changed: []string{"pyproject.toml", "CHANGELOG.md"},
		},
		{
			name:    "CRLF changelog and README, BOM",
			files:   map[string]string{"pyproject.toml": crlf(preparePoetry), "CHANGELOG.md": "\ufeff" + crlf(prepareChangelog), "README.md": crlf(prepareReadme)},
			want:    map[string]string{"pyproject.toml": crlf(strings.Replace(preparePoetry, `"0.10.0"`, `"0.11.0"`, 1)), "CHANGELOG.md": "\ufeff" + crlf(prepareChangelogCut), "README.md": crlf(prepareReadmeCut)},
			changed: []string{"pyproject.toml", "CHANGELOG.md", "README.md"},
		},
		{
			name:    "README without markers is left alone",
			files:   map[string]string{"pyproject.toml": preparePoetry, "CHANGELOG.md": prepareChangelog, "README.md": "# App\n\nNo callout here.\n"},
			want:    map[string]string{"CHANGELOG.md": prepareChangelogCut},
			notes:   []string{"README.md has no <!-- tagship:whats-new -->"},
			changed: []string{"pyproject.toml", "CHANGELOG.md"},
		},
		{
			// Modelled on the reference project's CHANGELOG.md (and Keep a
			// Changelog files in the wild): a placeholder comment and blank
			// lines under [Unreleased] stay where the maintainer put them;
			// only the entries move into the new section.
			name: "comments and blank lines under [Unreleased] stay",
			files: map[string]string{"pyproject.toml": preparePoetry, "CHANGELOG.md": "# Changelog\n\n" +
				"All notable changes to this project will be documented in this file.\n\n" +
				"The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/),\n" +
				"and this project adheres to [Semantic Versioning](https://semver.org/spec/v2.0.0.html).\n\n" +
				"## [Unreleased]\n\n<!-- New features land here on each PR. -->\n\n\n" +
				"### Added\n\n- SARIF output.\n\n### Fixed\n\n- Windows paths.\n\n" +
				"## [0.10.0] - 2026-01-02\n\n### Added\n\n- First release.\n"},
			want: map[string]string{"CHANGELOG.md": "# Changelog\n\n" +
				"All notable changes to this project will be documented in this file.\n\n" +
				"The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/),\n" +
				"and this project adheres to [Semantic Versioning](https://semver.org/spec/v2.0.0.html).\n\n" +
				"## [Unreleased]\n\n<!-- New features land here on each PR. -->\n\n\n" +
				"## [0.11.0] - 2026-11-26\n\n" +
				"### Added\n\n- SARIF output.\n\n### Fixed\n\n- Windows paths.\n\n" +
				"## [0.10.0] - 2026-01-02\n\n### Added\n\n- First release.\n"},
			notes:   []string{"no README.md"},
			changed: []string{"pyproject.toml", "CHANGELOG.md"},
		},
		{
			name: "reference layout: backend/pyproject.toml, docs/README.md, bullets",
			files: map[string]string{
				"backend/pyproject.toml": preparePyproject, "CHANGELOG.md": prepareChangelog,
				"docs/README.md": "Intro\n<!--tagship:whats-new-->\n### Old\n<!--   /tagship:whats-new   -->\n",
			},
			cfg: Config{Manifest: "backend/pyproject.toml", Readme: "docs/README.md", WhatsNewBullets: 2},
			want: map[string]string{
				"backend/pyproject.toml": strings.Replace(preparePyproject, "'0.10.0'", "'0.11.0'", 1),
				"docs/README.md": "Intro\n<!--tagship:whats-new-->\n### What's new in v0.11.0\n\n" +
					"- Multi-arch container image ([#12]).\n- Sigstore bundles for every file.\n\n" +
					"[#12]: https://github.com/acme/app/pull/12\n\n" +
					"See [CHANGELOG.md](../CHANGELOG.md#0110---2026-11-26) for the full release notes (1 more).\n" +
					"<!--   /tagship:whats-new   -->\n",
			},
			changed: []string{"backend/pyproject.toml", "CHANGELOG.md", "docs/README.md"},
		},
		{
			name:    "VERSION file",
			files:   map[string]string{"VERSION": "0.10.0\n", "CHANGELOG.md": prepareChangelog},
			cfg:     Config{Manifest: "VERSION"},
			want:    map[string]string{"VERSION": "0.11.0\n"},
			changed: []string{"VERSION", "CHANGELOG.md"},
		},
		{
			name:    "manifest already bumped by hand to the new version",
			files:   map[string]string{"pyproject.toml": strings.Replace(preparePoetry, "0.10.0", "0.11.0", 1), "CHANGELOG.md": prepareChangelog},
			notes:   []string{"pyproject.toml already declares 0.11.0"},
			changed: []string{"CHANGELOG.md"},
		},
		{
			name:    "manifest spelling 0.10 of the last release",
			files:   map[string]string{"pyproject.toml": strings.Replace(preparePoetry, "0.10.0", "0.10", 1), "CHANGELOG.md": prepareChangelog},
			want:    map[string]string{"pyproject.toml": strings.Replace(preparePoetry, `"0.10.0"`, `"0.11.0"`, 1)},
			changed: []string{"pyproject.toml", "CHANGELOG.md"},
		},
		{
			name: "first release",
			files: map[string]string{
				"pyproject.toml": "[project]\nname = \"x\"\nversion = \"0.0.0\"\n",
				"CHANGELOG.md":   "# Changelog\n\n## [Unreleased]\n\n- Everything.\n",
			},
			cfg:     Config{Version: "0.1.0"},
			want:    map[string]string{"pyproject.toml": "[project]\nname = \"x\"\nversion = \"0.1.0\"\n"},
			notes:   []string{"first release"},
			changed: []string{"pyproject.toml", "CHANGELOG.md"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := prepareProject(t, tc.files)
			cfg := tc.cfg
			cfg.Dir = dir
			cfg.Now = prepareNow
			cfg.NoGitUnsafe = true
			if cfg.Version == "" {
				cfg.Version = "0.11.0"
			}
			res, err := Release(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Written || res.Report == nil || !res.Report.OK() {
				t.Fatalf("written %v, report %v", res.Written, res.Report)
			}
			var got []string
			for _, f := range res.Files {
				got = append(got, f.Path)
				if f.Old == nil || string(f.Old) != tc.files[f.Path] {
					t.Errorf("%s: Old is not the original content", f.Path)
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.changed, ",") {
				t.Errorf("changed files %v, want %v", got, tc.changed)
			}
			after := prepareSnapshot(t, dir)
			for name, old := range tc.files {
				want, ok := tc.want[name]
				if !ok {
					for _, f := range res.Files {
						if f.Path == name {
							want, ok = string(f.New), true
						}
					}
				}
				if !ok {
					want = old // untouched: byte-identical
				}
				if after[name] != want {
					t.Errorf("%s:\n%s", name, unifiedDiff("want", "got", []byte(want), []byte(after[name])))
				}
			}
			if len(after) != len(tc.files) {
				t.Errorf("files after prepare: %v", after)
			}
			for _, n := range tc.notes {
				if !strings.Contains(strings.Join(res.Notes, "\n"), n) {
					t.Errorf("notes %q lack %q", res.Notes, n)
				}
			}
			// The diff turns the old files into the new ones.
			for _, f := range res.Files {
				applied, err := prepareApplyDiff(f.Old, f.Diff())
				if err != nil || !bytes.Equal(applied, f.New) {
					t.Errorf("%s: diff does not apply: %v\n%s", f.Path, err, f.Diff())
				}
			}
			// What preflight will run on the tag passes on the written files.
			manifest := tc.cfg.Manifest
			if manifest == "" {
				manifest = "pyproject.toml"
			}
			var src preflight.VersionSource = preflight.Pyproject(filepath.Join(dir, filepath.FromSlash(manifest)))
			if manifest == "VERSION" {
				src = preflight.VersionFile(filepath.Join(dir, "VERSION"))
			}
			rep, err := preflight.Check(context.Background(), preflight.Config{
				Tag: "v" + strings.TrimPrefix(cfg.Version, "v"), Dir: dir, Sources: []preflight.VersionSource{src},
				Getenv: func(string) string { return "" },
			})
			if err != nil || !rep.OK() {
				t.Fatalf("preflight after prepare: %v\n%v", err, rep)
			}
		})
	}
}

func TestPrepareDryRunWritesNothing(t *testing.T) {
	t.Parallel()
	files := map[string]string{"pyproject.toml": preparePyproject, "CHANGELOG.md": prepareChangelog, "README.md": prepareReadme}
	dir := prepareProject(t, files)
	before := prepareSnapshot(t, dir)
	mtimes := map[string]time.Time{}
	for name := range files {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		mtimes[name] = st.ModTime()
	}
	res, err := Release(context.Background(), Config{Version: "0.11.0", Dir: dir, Now: prepareNow, DryRun: true, NoGitUnsafe: true})
	if err != nil {
		t.Fatal(err)
	}
	prepareSameFiles(t, before, prepareSnapshot(t, dir))
	for name := range files {
		st, _ := os.Stat(filepath.Join(dir, name))
		if !st.ModTime().Equal(mtimes[name]) {
			t.Errorf("%s: modified time changed in a dry run", name)
		}
	}
	if res.Written || len(res.Files) != 3 {
		t.Fatalf("written %v, %d files", res.Written, len(res.Files))
	}
	if string(res.Files[1].New) != prepareChangelogCut || string(res.Files[2].New) != prepareReadmeCut {
		t.Fatalf("dry run computed other contents:\n%s", res.Diff())
	}
	diff := res.Diff()
	for _, want := range []string{"--- a/pyproject.toml\n+++ b/pyproject.toml\n", "-version     =   '0.10.0'", "+## [0.11.0] - 2026-11-26\n", "--- a/README.md\n"} {
		if !strings.Contains(diff, want) {
			t.Errorf("diff lacks %q:\n%s", want, diff)
		}
	}
	// The dry run's diff is what a real run then writes: git apply agrees.
	if _, err := exec.LookPath("git"); err == nil {
		cmd := exec.Command("git", "apply", "--check", "-")
		cmd.Dir = dir
		cmd.Stdin = strings.NewReader(diff)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git apply --check: %v\n%s", err, out)
		}
	}
	if got := res.Commands(); len(got) != 5 || got[2] != `git tag -a v0.11.0 -m "Release v0.11.0"` {
		t.Fatalf("commands %q", got)
	}
}

func TestPrepareRefusals(t *testing.T) {
	t.Parallel()
	ok := map[string]string{"pyproject.toml": preparePoetry, "CHANGELOG.md": prepareChangelog}
	with := func(name, content string) map[string]string {
		m := map[string]string{}
		for k, v := range ok {
			m[k] = v
		}
		if content == "" {
			delete(m, name)
		} else {
			m[name] = content
		}
		return m
	}
	emptyUnreleased := strings.Replace(prepareChangelog, prepareChangelog[strings.Index(prepareChangelog, "### Added"):strings.Index(prepareChangelog, "## [0.10.0]")], "", 1)
	for _, tc := range []struct {
		name    string
		files   map[string]string
		version string
		cfg     Config
		want    []error
		msg     []string // substrings of the error
	}{
		{name: "not X.Y.Z", files: ok, version: "0.11", want: []error{ErrVersionNotStrict}, msg: []string{"expected a strict release version X.Y.Z"}},
		{name: "pre-release", files: ok, version: "v0.11.0-rc1", want: []error{ErrVersionNotStrict}, msg: []string{"pre-release"}},
		{name: "leading zero", files: ok, version: "0.011.0", want: []error{ErrVersionNotStrict}},
		{name: "double v", files: ok, version: "vv0.11.0", want: []error{ErrVersionNotStrict}},
		{name: "empty version", files: ok, version: "", want: []error{ErrVersionNotStrict}},
		{name: "lower than last release", files: ok, version: "0.9.0", want: []error{ErrVersionNotGreater, changelog.ErrVersionNotGreater},
			msg: []string{"expected a version greater than 0.10.0", "found 0.9.0", "0.10.1 (patch), 0.11.0 (minor) or 1.0.0 (major)"}},
		{name: "the last release again", files: ok, version: "0.10.0", want: []error{ErrVersionNotGreater}, msg: []string{"0.10.0 already has a section"}},
		{name: "empty Unreleased", files: with("CHANGELOG.md", emptyUnreleased), version: "0.11.0", want: []error{ErrUnreleasedEmpty, changelog.ErrEmptyUnreleased},
			msg: []string{"found an empty [Unreleased] section", "CHANGELOG.md:5"}},
		{name: "no Unreleased", files: with("CHANGELOG.md", "# Changelog\n\n## [0.10.0] - 2026-01-02\n\n- First.\n"), version: "0.11.0", want: []error{ErrUnreleasedEmpty, changelog.ErrNoUnreleased}},
		{name: "no changelog", files: with("CHANGELOG.md", ""), version: "0.11.0", want: []error{os.ErrNotExist}, msg: []string{"no such file"}},
		{name: "manifest bumped by hand to something else", files: with("pyproject.toml", strings.Replace(preparePoetry, "0.10.0", "0.10.7", 1)), version: "0.11.0",
			want: []error{ErrManifestDirty}, msg: []string{`expected "0.10.0" (the newest release in CHANGELOG.md) or "0.11.0"`, `found "0.10.7"`, "set it back"}},
		{name: "dynamic version", files: with("pyproject.toml", "[project]\nname = \"x\"\ndynamic = [\"version\"]\n\n[tool.setuptools_scm]\n"), version: "0.11.0",
			want: []error{ErrManifestDynamic, preflight.ErrDynamicVersion}, msg: []string{"dynamic"}},
		{name: "no manifest", files: with("pyproject.toml", ""), version: "0.11.0", want: []error{os.ErrNotExist}},
		{name: "unpaired README marker", files: with("README.md", "x\n<!-- tagship:whats-new -->\nold\n"), version: "0.11.0", want: []error{ErrReadmeMarkers}, msg: []string{"README.md:2"}},
		{name: "README end marker first", files: with("README.md", "<!-- /tagship:whats-new -->\n<!-- tagship:whats-new -->\n"), version: "0.11.0", want: []error{ErrReadmeMarkers}},
		{name: "two README callouts", files: with("README.md", "<!-- tagship:whats-new -->\n<!-- /tagship:whats-new -->\n<!-- tagship:whats-new -->\n<!-- /tagship:whats-new -->\n"), version: "0.11.0", want: []error{ErrReadmeMarkers}},
		{name: "every refusal at once", files: map[string]string{"pyproject.toml": strings.Replace(preparePoetry, "0.10.0", "0.3.0", 1), "CHANGELOG.md": emptyUnreleased}, version: "0.11.0",
			want: []error{ErrManifestDirty, ErrUnreleasedEmpty}},
		{name: "not a git repository", files: ok, version: "0.11.0", cfg: Config{NoGitUnsafe: false}, want: []error{ErrNotGitRepo}, msg: []string{"NoGitUnsafe"}},
		{name: "RunGit without git checks", files: ok, version: "0.11.0", cfg: Config{NoGitUnsafe: true, RunGit: true}, want: []error{ErrConfig}},
		{name: "changelog outside Dir", files: ok, version: "0.11.0", cfg: Config{NoGitUnsafe: true, Changelog: "../CHANGELOG.md"}, want: []error{ErrConfig}},
		{name: "date preflight refuses", files: ok, version: "0.11.0", cfg: Config{NoGitUnsafe: true, Now: func() time.Time { return time.Date(10000, 1, 2, 0, 0, 0, 0, time.UTC) }},
			want: []error{ErrChecks, preflight.ErrCheckFailed}, msg: []string{"ISO 8601"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := prepareProject(t, tc.files)
			before := prepareSnapshot(t, dir)
			cfg := tc.cfg
			cfg.Version, cfg.Dir = tc.version, dir
			if cfg.Now == nil {
				cfg.Now = prepareNow
			}
			if tc.name != "not a git repository" {
				cfg.NoGitUnsafe = true
			}
			res, err := Release(context.Background(), cfg)
			if err == nil || res != nil {
				t.Fatalf("Prepare = %v, %v; want a refusal", res, err)
			}
			for _, w := range tc.want {
				if !errors.Is(err, w) {
					t.Errorf("error is not %v: %v", w, err)
				}
			}
			var pe *Error
			if !errors.As(err, &pe) || pe.Expected == "" || pe.Hint == "" {
				t.Errorf("want a *Error with Expected and Fix: %#v", err)
			}
			for _, m := range tc.msg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error lacks %q:\n%v", m, err)
				}
			}
			if strings.Contains(err.Error(), "tok3n") {
				t.Errorf("credentials in the error: %v", err)
			}
			prepareSameFiles(t, before, prepareSnapshot(t, dir))
		})
	}
}

// The files already replaced are restored when a later rename fails, and no
// temporary file is left behind.
func TestPrepareWriteFailureRestores(t *testing.T) {
	t.Parallel()
	files := map[string]string{"pyproject.toml": preparePyproject, "CHANGELOG.md": prepareChangelog, "README.md": prepareReadme}
	for fail := 1; fail <= 3; fail++ {
		t.Run(strconv.Itoa(fail), func(t *testing.T) {
			t.Parallel()
			dir := prepareProject(t, files)
			before := prepareSnapshot(t, dir)
			n := 0
			cfg := Config{Version: "0.11.0", Dir: dir, Now: prepareNow, NoGitUnsafe: true}
			cfg.rename = func(from, to string) error {
				n++
				if n == fail {
					return fmt.Errorf("disk full (injected)")
				}
				return os.Rename(from, to)
			}
			res, err := Release(context.Background(), cfg)
			if err == nil || res != nil || !strings.Contains(err.Error(), "injected") || !strings.Contains(err.Error(), "restored") {
				t.Fatalf("Prepare = %v, %v", res, err)
			}
			prepareSameFiles(t, before, prepareSnapshot(t, dir))
		})
	}
}

// A file edited while Prepare runs is not overwritten.
func TestPrepareFileChangedMeanwhile(t *testing.T) {
	t.Parallel()
	dir := prepareProject(t, map[string]string{"pyproject.toml": preparePoetry, "CHANGELOG.md": prepareChangelog})
	edited := prepareChangelog + "\nEdited meanwhile.\n"
	res, err := Release(context.Background(), Config{Version: "0.11.0", Dir: dir, NoGitUnsafe: true, Now: func() time.Time {
		// Called after the changelog was read.
		if err := os.WriteFile(filepath.Join(dir, "CHANGELOG.md"), []byte(edited), 0o644); err != nil {
			t.Error(err)
		}
		return prepareDate
	}})
	if !errors.Is(err, ErrFileChanged) || res != nil {
		t.Fatalf("Prepare = %v, %v; want ErrFileChanged", res, err)
	}
	prepareSameFiles(t, map[string]string{"pyproject.toml": preparePoetry, "CHANGELOG.md": edited}, prepareSnapshot(t, dir))
}

// ---- git ----

// prepareGitEnvTest makes git work on a fresh machine, whatever the global
// configuration.
func prepareGitEnvTest(home string) []string {
	return []string{
		"GIT_AUTHOR_NAME=Tagship Test", "GIT_AUTHOR_EMAIL=test@tagship.invalid",
		"GIT_COMMITTER_NAME=Tagship Test", "GIT_COMMITTER_EMAIL=test@tagship.invalid",
		"GIT_CONFIG_GLOBAL=" + filepath.Join(home, "gitconfig"), "GIT_CONFIG_NOSYSTEM=1",
		"HOME=" + home,
	}
}

func prepareGitT(t *testing.T, dir string, args ...string) string {
	t.Helper()
	full := append([]string{
		"-c", "user.name=Tagship Test", "-c", "user.email=test@tagship.invalid",
		"-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false",
	}, args...)
	cmd := exec.Command("git", full...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "LC_ALL=C"}, prepareGitEnvTest(t.TempDir())...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// prepareRepo creates a work tree with the project committed on main and
// a bare "remote" repository as origin, with main pushed.
func prepareRepo(t *testing.T, files map[string]string) (work, bare string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	bare = t.TempDir()
	prepareGitT(t, bare, "init", "-q", "--bare")
	work = prepareProject(t, files)
	prepareGitT(t, work, "init", "-q")
	prepareGitT(t, work, "add", "-A")
	prepareGitT(t, work, "commit", "-q", "-m", "initial")
	prepareGitT(t, work, "tag", "-a", "v0.10.0", "-m", "v0.10.0")
	prepareGitT(t, work, "remote", "add", "origin", bare)
	prepareGitT(t, work, "push", "-q", "origin", "main", "refs/tags/v0.10.0")
	return work, bare
}

func prepareGitCfg(work string, t *testing.T) Config {
	return Config{Version: "0.11.0", Dir: work, Now: prepareNow, GitEnv: prepareGitEnvTest(t.TempDir()), RemoteTimeout: 20 * time.Second}
}

func TestPrepareGitTagChecks(t *testing.T) {
	t.Parallel()
	files := map[string]string{"pyproject.toml": preparePoetry, "CHANGELOG.md": prepareChangelog}
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, work, bare string, cfg *Config)
		want  error
		msg   string
	}{
		{"local tag exists", func(t *testing.T, work, bare string, cfg *Config) {
			prepareGitT(t, work, "tag", "v0.11.0")
		}, ErrTagExists, "exists locally"},
		{"tag exists on the remote only", func(t *testing.T, work, bare string, cfg *Config) {
			prepareGitT(t, work, "tag", "v0.11.0")
			prepareGitT(t, work, "push", "-q", "origin", "refs/tags/v0.11.0")
			prepareGitT(t, work, "tag", "-d", "v0.11.0")
		}, ErrTagExists, "already exists on origin"},
		{"tag exists on an explicit remote", func(t *testing.T, work, bare string, cfg *Config) {
			other := t.TempDir()
			prepareGitT(t, other, "init", "-q", "--bare")
			prepareGitT(t, work, "remote", "add", "upstream", other)
			prepareGitT(t, work, "tag", "v0.11.0")
			prepareGitT(t, work, "push", "-q", "upstream", "refs/tags/v0.11.0")
			prepareGitT(t, work, "tag", "-d", "v0.11.0")
			cfg.Remote = "upstream"
		}, ErrTagExists, "on upstream"},
		{"a higher tag exists", func(t *testing.T, work, bare string, cfg *Config) {
			prepareGitT(t, work, "tag", "v0.12.0")
		}, ErrVersionNotGreater, "tag v0.12.0 exists"},
		{"unknown remote", func(t *testing.T, work, bare string, cfg *Config) {
			cfg.Remote = "nope"
		}, ErrRemoteCheck, `no remote "nope" (remotes: origin)`},
		{"unreachable remote", func(t *testing.T, work, bare string, cfg *Config) {
			prepareGitT(t, work, "remote", "set-url", "origin", filepath.Join(bare, "missing"))
		}, ErrRemoteCheck, "reachable"},
		{"remote times out", func(t *testing.T, work, bare string, cfg *Config) {
			prepareGitT(t, work, "remote", "set-url", "origin", "ssh://git.invalid/o/r.git")
			cfg.GitEnv = append(cfg.GitEnv, "GIT_SSH_COMMAND=sh -c 'exec sleep 5' --")
			cfg.RemoteTimeout = 300 * time.Millisecond
		}, ErrRemoteCheck, "timed out after 300ms"},
		{"RunGit without a remote", func(t *testing.T, work, bare string, cfg *Config) {
			prepareGitT(t, work, "remote", "remove", "origin")
			cfg.RunGit = true
		}, ErrRemoteCheck, "a remote to push the release to"},
		{"RunGit on a detached HEAD", func(t *testing.T, work, bare string, cfg *Config) {
			prepareGitT(t, work, "checkout", "-q", "--detach")
			cfg.RunGit = true
		}, ErrGitCommand, "detached HEAD"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			work, bare := prepareRepo(t, files)
			cfg := prepareGitCfg(work, t)
			tc.setup(t, work, bare, &cfg)
			before := prepareSnapshot(t, work)
			res, err := Release(context.Background(), cfg)
			if !errors.Is(err, tc.want) || res != nil {
				t.Fatalf("Prepare = %v, %v; want %v", res, err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error lacks %q: %v", tc.msg, err)
			}
			prepareSameFiles(t, before, prepareSnapshot(t, work))
		})
	}
}

func TestPrepareGitNoRemoteIsNoted(t *testing.T) {
	t.Parallel()
	work, _ := prepareRepo(t, map[string]string{"pyproject.toml": preparePoetry, "CHANGELOG.md": prepareChangelog})
	prepareGitT(t, work, "remote", "remove", "origin")
	cfg := prepareGitCfg(work, t)
	cfg.DryRun = true
	res, err := Release(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(res.Notes, "\n"), "no remote origin") || res.Branch != "main" {
		t.Fatalf("notes %q, branch %q", res.Notes, res.Branch)
	}
}

func TestPrepareRunGit(t *testing.T) {
	t.Parallel()
	work, bare := prepareRepo(t, map[string]string{"pyproject.toml": preparePyproject, "CHANGELOG.md": prepareChangelog, "README.md": prepareReadme, "other.txt": "x\n"})
	// Unrelated staged work is not swept into the release commit.
	if err := os.WriteFile(filepath.Join(work, "other.txt"), []byte("staged, not released\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	prepareGitT(t, work, "add", "other.txt")
	cfg := prepareGitCfg(work, t)
	cfg.RunGit = true
	res, err := Release(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"git add -- pyproject.toml CHANGELOG.md README.md",
		`git commit -m "Release v0.11.0" -- pyproject.toml CHANGELOG.md README.md`,
		`git tag -a v0.11.0 -m "Release v0.11.0"`,
		"git push origin main",
		"git push origin refs/tags/v0.11.0",
	}
	if strings.Join(res.Ran, "\n") != strings.Join(want, "\n") || strings.Join(res.Commands(), "\n") != strings.Join(want, "\n") {
		t.Fatalf("ran:\n%s\ncommands:\n%s", strings.Join(res.Ran, "\n"), strings.Join(res.Commands(), "\n"))
	}
	for _, c := range res.Commands() {
		if strings.Contains(c, "--force") || strings.Contains(c, " -f") || strings.Contains(c, "--tags") || strings.Contains(c, "+") {
			t.Errorf("unsafe command %q", c)
		}
	}
	head := prepareGitT(t, work, "rev-parse", "HEAD")
	if got := prepareGitT(t, bare, "rev-parse", "main"); got != head {
		t.Errorf("remote main %s, want %s", got, head)
	}
	if got := prepareGitT(t, bare, "rev-parse", "v0.11.0^{commit}"); got != head {
		t.Errorf("remote tag points to %s, want %s", got, head)
	}
	if typ := prepareGitT(t, bare, "cat-file", "-t", "refs/tags/v0.11.0"); typ != "tag" {
		t.Errorf("tag is %s, want an annotated tag", typ)
	}
	if msg := prepareGitT(t, work, "log", "-1", "--format=%s"); msg != "Release v0.11.0" {
		t.Errorf("commit message %q", msg)
	}
	if files := prepareGitT(t, work, "show", "--name-only", "--format=", "HEAD"); files != "CHANGELOG.md\nREADME.md\npyproject.toml" {
		t.Errorf("committed files %q", files)
	}
	if st := prepareGitT(t, work, "status", "--porcelain"); st != "M  other.txt" {
		t.Errorf("status %q: the unrelated staged change should stay staged", st)
	}
	if got := prepareGitT(t, work, "show", "HEAD:CHANGELOG.md"); got != strings.TrimSpace(prepareChangelogCut) {
		t.Errorf("committed changelog:\n%s", got)
	}

	// Preparing the same version again is refused: the tag is immutable.
	again := prepareGitCfg(work, t)
	_, err = Release(context.Background(), again)
	if !errors.Is(err, ErrTagExists) || !errors.Is(err, ErrVersionNotGreater) {
		t.Fatalf("second prepare: %v", err)
	}
}

// RunGit stops at the first failure and says what ran and what is left.
func TestPrepareRunGitPushRejected(t *testing.T) {
	t.Parallel()
	work, bare := prepareRepo(t, map[string]string{"pyproject.toml": preparePoetry, "CHANGELOG.md": prepareChangelog})
	hook := filepath.Join(bare, "hooks", "pre-receive")
	if err := os.WriteFile(hook, []byte("#!/bin/sh\necho 'protected branch: https://user:s3cret@example.invalid/x' >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := prepareGitCfg(work, t)
	cfg.RunGit = true
	res, err := Release(context.Background(), cfg)
	var ge *GitError
	if !errors.As(err, &ge) || !errors.Is(err, ErrGitCommand) || res == nil || !res.Written {
		t.Fatalf("Prepare = %v, %v", res, err)
	}
	if ge.Command != "git push origin main" || len(ge.Ran) != 3 || len(res.Ran) != 3 || len(ge.Remaining) != 2 {
		t.Fatalf("failed %q, ran %q, remaining %q", ge.Command, ge.Ran, ge.Remaining)
	}
	if !strings.Contains(err.Error(), "protected branch") || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error should carry the remote's message, without credentials: %v", err)
	}
	// The tag was not pushed.
	cmd := exec.Command("git", "rev-parse", "-q", "--verify", "refs/tags/v0.11.0")
	cmd.Dir = bare
	if cmd.Run() == nil {
		t.Error("tag pushed although the branch push failed")
	}
}

// The tag is checked again right before tagging: one pushed meanwhile by
// someone else stops RunGit before `git tag`.
func TestPrepareRunGitRechecksTag(t *testing.T) {
	t.Parallel()
	work, bare := prepareRepo(t, map[string]string{"pyproject.toml": preparePoetry, "CHANGELOG.md": prepareChangelog})
	other := t.TempDir()
	prepareGitT(t, other, "clone", "-q", bare, ".")
	cfg := prepareGitCfg(work, t)
	cfg.RunGit = true
	raced := false
	cfg.rename = func(from, to string) error {
		if !raced {
			raced = true
			prepareGitT(t, other, "tag", "v0.11.0")
			prepareGitT(t, other, "push", "-q", "origin", "refs/tags/v0.11.0")
		}
		return os.Rename(from, to)
	}
	res, err := Release(context.Background(), cfg)
	var ge *GitError
	if !errors.As(err, &ge) || !errors.Is(err, ErrTagExists) {
		t.Fatalf("Prepare = %v, %v; want a GitError wrapping ErrTagExists", res, err)
	}
	if ge.Command != `git tag -a v0.11.0 -m "Release v0.11.0"` || len(res.Ran) != 2 {
		t.Fatalf("failed at %q after %q", ge.Command, res.Ran)
	}
	cmd := exec.Command("git", "rev-parse", "-q", "--verify", "refs/tags/v0.11.0")
	cmd.Dir = work
	if cmd.Run() == nil {
		t.Error("tag created locally although it exists on the remote")
	}
}

func TestPrepareGitEnvIsClean(t *testing.T) {
	t.Parallel()
	env := prepareGitEnv([]string{"GIT_SSH_COMMAND=ssh -i key"})
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_CONFIG_PARAMETERS":
			t.Errorf("%s inherited", k)
		}
	}
	joined := strings.Join(env, "\n")
	for _, want := range []string{"GIT_TERMINAL_PROMPT=0", "LC_ALL=C", "GIT_SSH_COMMAND=ssh -i key"} {
		if !strings.Contains(joined, want) {
			t.Errorf("env lacks %s", want)
		}
	}
	if got := prepareRedact("fatal: unable to access 'https://bob:ghp_abc@github.com/o/r/'"); strings.Contains(got, "ghp_abc") || !strings.Contains(got, "https://***@github.com") {
		t.Errorf("redact: %s", got)
	}
}

func TestPrepareSlug(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"## [0.11.0] - 2026-11-26":                           "0110---2026-11-26",
		"## v1.2.0 – 2024-05-01":                             "v120--2024-05-01",
		"## [1.2.0](https://x.invalid/c/a...b) (2024-05-01)": "120-2024-05-01",
		"## 1.0.0 (2024-01-01) [YANKED]":                     "100-2024-01-01-yanked",
	} {
		if got := prepareSlug(in); got != want {
			t.Errorf("slug(%q) = %q, want %q", in, got, want)
		}
	}
}

// ---- diff ----

// prepareApplyDiff applies a unified diff of one file to old, checking
// every context and removed line and the hunk counts.
// testLines splits s into lines, each with its "\n" (the last may have
// none).
func testLines(s []byte) []string {
	l := strings.SplitAfter(string(s), "\n")
	if n := len(l); n > 0 && l[n-1] == "" {
		l = l[:n-1]
	}
	return l
}

func prepareApplyDiff(old []byte, diff string) ([]byte, error) {
	if diff == "" {
		return old, nil
	}
	a := testLines(old)
	d := testLines([]byte(diff))
	if len(d) < 2 || !strings.HasPrefix(d[0], "--- ") || !strings.HasPrefix(d[1], "+++ ") {
		return nil, fmt.Errorf("no file header")
	}
	var out []string
	pos := 0 // next line of a to copy
	i := 2
	for i < len(d) {
		var oStart, oc, ns, nc int
		h := strings.TrimSuffix(d[i], "\n")
		parse := func(s string) (int, int, error) {
			start, count, found := strings.Cut(s, ",")
			st, err := strconv.Atoi(start)
			if err != nil {
				return 0, 0, err
			}
			if !found {
				return st, 1, nil
			}
			c, err := strconv.Atoi(count)
			return st, c, err
		}
		f := strings.Fields(h)
		if len(f) != 4 || f[0] != "@@" || f[3] != "@@" || f[1][0] != '-' || f[2][0] != '+' {
			return nil, fmt.Errorf("bad hunk header %q", h)
		}
		var err error
		if oStart, oc, err = parse(f[1][1:]); err != nil {
			return nil, err
		}
		if ns, nc, err = parse(f[2][1:]); err != nil {
			return nil, err
		}
		start := oStart - 1
		if oc == 0 {
			start = oStart
		}
		if start < pos {
			return nil, fmt.Errorf("hunk %q overlaps", h)
		}
		out = append(out, a[pos:start]...)
		if ns != len(out)+1 && !(nc == 0 && ns == len(out)) {
			return nil, fmt.Errorf("hunk %q: new start %d, but %d lines precede it", h, ns, len(out))
		}
		pos = start
		i++
		gotO, gotN := 0, 0
		for i < len(d) && !strings.HasPrefix(d[i], "@@") {
			kind, line := d[i][0], d[i][1:]
			if i+1 < len(d) && d[i+1] == "\\ No newline at end of file\n" {
				line = strings.TrimSuffix(line, "\n")
				i++
			}
			switch kind {
			case ' ', '-':
				if pos >= len(a) || a[pos] != line {
					return nil, fmt.Errorf("hunk %q: line %d does not match", h, pos+1)
				}
				pos++
				gotO++
				if kind == ' ' {
					out = append(out, line)
					gotN++
				}
			case '+':
				out = append(out, line)
				gotN++
			default:
				return nil, fmt.Errorf("bad line %q", d[i])
			}
			i++
		}
		if gotO != oc || gotN != nc {
			return nil, fmt.Errorf("hunk %q has %d/%d lines", h, gotO, gotN)
		}
	}
	out = append(out, a[pos:]...)
	return []byte(strings.Join(out, "")), nil
}

func TestDiffGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, old, new, want string }{
		{"equal", "a\nb\n", "a\nb\n", ""},
		{"one line changed", "a\nb\nc\n", "a\nB\nc\n", "--- o\n+++ n\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"},
		{"insert at start", "b\n", "a\nb\n", "--- o\n+++ n\n@@ -1 +1,2 @@\n+a\n b\n"},
		{"from empty", "", "a\n", "--- o\n+++ n\n@@ -0,0 +1 @@\n+a\n"},
		{"to empty", "a\nb\n", "", "--- o\n+++ n\n@@ -1,2 +0,0 @@\n-a\n-b\n"},
		{"missing final newline", "a\nb", "a\nb\n", "--- o\n+++ n\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n"},
		{"two hunks", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n", "x\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\ny\n",
			"--- o\n+++ n\n@@ -1,4 +1,4 @@\n-1\n+x\n 2\n 3\n 4\n@@ -9,4 +9,4 @@\n 9\n 10\n 11\n-12\n+y\n"},
		{"close changes merge", "1\n2\n3\n4\n5\n6\n7\n8\n", "x\n2\n3\n4\n5\n6\n7\ny\n",
			"--- o\n+++ n\n@@ -1,8 +1,8 @@\n-1\n+x\n 2\n 3\n 4\n 5\n 6\n 7\n-8\n+y\n"},
		{"pure insertion inside", "a\nb\nc\nd\ne\nf\ng\nh\n", "a\nb\nc\nd\nX\ne\nf\ng\nh\n", "--- o\n+++ n\n@@ -2,6 +2,7 @@\n b\n c\n d\n+X\n e\n f\n g\n"},
		{"CRLF kept", "a\r\nb\r\n", "a\r\nc\r\n", "--- o\n+++ n\n@@ -1,2 +1,2 @@\n a\r\n-b\r\n+c\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := unifiedDiff("o", "n", []byte(tc.old), []byte(tc.new))
			if got != tc.want {
				t.Fatalf("got:\n%s\nwant:\n%s", got, tc.want)
			}
			applied, err := prepareApplyDiff([]byte(tc.old), got)
			if err != nil || string(applied) != tc.new {
				t.Fatalf("apply: %v: %q", err, applied)
			}
		})
	}
}

// Random edits: the diff applies (with the test's own applier and with
// patch(1) when installed).
func TestDiffRandom(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewSource(9))
	words := []string{"a\n", "b\n", "c\n", "d\n", "e\n", "", "f"}
	gen := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			w := words[rng.Intn(len(words)-2)]
			b.WriteString(w)
		}
		if rng.Intn(4) == 0 {
			b.WriteString("tail") // no final newline
		}
		return b.String()
	}
	patch, _ := exec.LookPath("patch")
	for i := 0; i < 300; i++ {
		old, updated := gen(rng.Intn(30)), gen(rng.Intn(30))
		d := unifiedDiff("a/f", "b/f", []byte(old), []byte(updated))
		applied, err := prepareApplyDiff([]byte(old), d)
		if err != nil || string(applied) != updated {
			t.Fatalf("case %d: %v\nold %q\nnew %q\ndiff:\n%s", i, err, old, updated, d)
		}
		if patch != "" && i%30 == 0 && d != "" {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "f"), []byte(old), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(patch, "-s", "-p1", "--no-backup-if-mismatch")
			cmd.Dir = dir
			cmd.Stdin = strings.NewReader(d)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("patch: %v\n%s\n%s", err, out, d)
			}
			got, _ := os.ReadFile(filepath.Join(dir, "f"))
			if string(got) != updated {
				t.Fatalf("patch(1) gave %q, want %q", got, updated)
			}
		}
	}
}

// Completely different large inputs stay bounded and correct.
func TestDiffLargeFallback(t *testing.T) {
	t.Parallel()
	var a, b strings.Builder
	for i := 0; i < 3000; i++ {
		fmt.Fprintf(&a, "old %d\n", i)
		fmt.Fprintf(&b, "new %d\n", i)
	}
	d := unifiedDiff("a", "b", []byte(a.String()), []byte(b.String()))
	applied, err := prepareApplyDiff([]byte(a.String()), d)
	if err != nil || string(applied) != b.String() {
		t.Fatalf("fallback diff does not apply: %v", err)
	}
}

func FuzzDiff(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.*")) // the seed files, not fuzz/
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, bytes.ReplaceAll(b, []byte("0.10.0"), []byte("0.11.0")))
	}
	f.Add([]byte("a\nb"), []byte("a\r\nb\n"))
	f.Fuzz(func(t *testing.T, old, updated []byte) {
		d := unifiedDiff("a/f", "b/f", old, updated)
		applied, err := prepareApplyDiff(old, d)
		if err != nil || !bytes.Equal(applied, updated) {
			t.Fatalf("%v\nold %q\nnew %q\n%s", err, old, updated, d)
		}
	})
}

// The README callout parser: anything outside the markers is kept byte for
// byte, and a README without markers is never changed.
func FuzzPrepareWhatsNew(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.md"))
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(prepareReadme))
	f.Fuzz(func(t *testing.T, src []byte) {
		m, found, err := prepareFindMarkers(src)
		if err != nil || !found {
			if err != nil && !errors.Is(err, ErrReadmeMarkers) {
				t.Fatalf("error %v is not ErrReadmeMarkers", err)
			}
			return
		}
		out := string(m.replace("## What's new in v1.0.0\n\nX\n"))
		var head, tail string
		for _, l := range m.lines[:m.open+1] {
			head += l
		}
		for _, l := range m.lines[m.close:] {
			tail += l
		}
		if !strings.HasPrefix(out, head) || !strings.HasSuffix(out, tail) || !strings.HasPrefix(string(src), head) || !strings.HasSuffix(string(src), tail) {
			t.Fatalf("text outside the markers changed:\n%q\n%q", src, out)
		}
		again, found2, err := prepareFindMarkers([]byte(out))
		if err != nil || !found2 || again.open != m.open {
			t.Fatalf("markers lost after replace: %v %v", found2, err)
		}
	})
}

func TestPrepareCallout(t *testing.T) {
	t.Parallel()
	body := "### Added\n- One\n  continued.\n- Two\n\n```\n- not an item\n```\n\n### Fixed\n* Three\n+ Four"
	for _, tc := range []struct {
		name    string
		level   int
		bullets int
		want    string
	}{
		{"whole body below a level-2 heading", 2, 0,
			"## What's new in v1.0.0\n\n" + body + "\n\nSee [CHANGELOG.md](CHANGELOG.md#x) for the full release notes.\n"},
		{"headings pushed below a level-3 heading", 3, 0,
			"### What's new in v1.0.0\n\n" + strings.ReplaceAll(body, "### ", "#### ") + "\n\nSee [CHANGELOG.md](CHANGELOG.md#x) for the full release notes.\n"},
		{"first two bullets, continuation kept", 2, 2,
			"## What's new in v1.0.0\n\n- One\n  continued.\n- Two\n\nSee [CHANGELOG.md](CHANGELOG.md#x) for the full release notes (2 more).\n"},
		{"more bullets asked than there are", 2, 10,
			"## What's new in v1.0.0\n\n- One\n  continued.\n- Two\n* Three\n+ Four\n\nSee [CHANGELOG.md](CHANGELOG.md#x) for the full release notes.\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := prepareCallout(tc.level, "v1.0.0", body, "", tc.bullets, "CHANGELOG.md", "CHANGELOG.md#x")
			if got != tc.want {
				t.Fatalf("got:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

// The commit and tag messages are templates (Config.CommitMessage and
// TagMessage); a template that does not render is refused before anything
// is written.
func TestPrepareMessageTemplates(t *testing.T) {
	t.Parallel()
	work, _ := prepareRepo(t, map[string]string{"pyproject.toml": preparePoetry, "CHANGELOG.md": prepareChangelog})
	cfg := prepareGitCfg(work, t)
	cfg.RunGit = true
	cfg.CommitMessage = "chore(release): {{.Version}} ({{.Date}})"
	cfg.TagMessage = "securescan {{.Tag}}"
	res, err := Release(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(res.Commands(), "\n"); !strings.Contains(got, `git commit -m "chore(release): 0.11.0 (2026-11-26)"`) ||
		!strings.Contains(got, `git tag -a v0.11.0 -m "securescan v0.11.0"`) {
		t.Errorf("commands:\n%s", got)
	}
	if msg := prepareGitT(t, work, "log", "-1", "--format=%s"); msg != "chore(release): 0.11.0 (2026-11-26)" {
		t.Errorf("commit message %q", msg)
	}
	if msg := prepareGitT(t, work, "tag", "-l", "--format=%(contents:subject)", "v0.11.0"); msg != "securescan v0.11.0" {
		t.Errorf("tag message %q", msg)
	}

	for _, tc := range []struct{ field, tmpl string }{
		{"CommitMessage", "{{.Nope}}"},
		{"TagMessage", "{{.Tag"},
		{"CommitMessage", "  {{/* nothing */}}  "},
	} {
		dir := t.TempDir()
		for n, c := range map[string]string{"pyproject.toml": preparePoetry, "CHANGELOG.md": prepareChangelog} {
			os.WriteFile(filepath.Join(dir, n), []byte(c), 0o644)
		}
		cfg := Config{Version: "0.11.0", Dir: dir, Now: prepareNow, NoGitUnsafe: true}
		if tc.field == "CommitMessage" {
			cfg.CommitMessage = tc.tmpl
		} else {
			cfg.TagMessage = tc.tmpl
		}
		_, err := Release(context.Background(), cfg)
		var pe *Error
		if !errors.Is(err, ErrConfig) || !errors.As(err, &pe) || pe.Where != "Config."+tc.field {
			t.Errorf("%s %q: err = %v, want ErrConfig naming it", tc.field, tc.tmpl, err)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, "CHANGELOG.md")); string(b) != prepareChangelog {
			t.Errorf("%s %q: the changelog was written", tc.field, tc.tmpl)
		}
	}
}
