package preflight_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	toml "github.com/pelletier/go-toml/v2"

	"github.com/tagship/tagship/preflight"
)

func ExampleParseTag() {
	for _, tag := range []string{"v0.11.0", "v0.9.0-rc1", "v1.2", "v01.2.3", "1.2.3"} {
		version, err := preflight.ParseTag(tag)
		var te *preflight.TagError
		if errors.As(err, &te) {
			fmt.Printf("%-11s refused: %s\n", tag, te.Reason)
			continue
		}
		fmt.Printf("%-11s version %s\n", tag, version)
	}
	// Output:
	// v0.11.0     version 0.11.0
	// v0.9.0-rc1  refused: it has a pre-release suffix "-rc1"; pre-releases are not released from a strict tag
	// v1.2        refused: it has 2 numeric component(s), not the 3 of MAJOR.MINOR.PATCH (did you mean "v1.2.0"?)
	// v01.2.3     refused: MAJOR "01" has a leading zero (write "1")
	// 1.2.3       refused: it lacks the leading "v" (did you mean "v1.2.3"?)
}

func ExampleNormalizePEP440() {
	for _, v := range []string{"0.11.0", "v01.2.3", "1.0-RC.1", "2.0.post", "1.0+Ubuntu-1"} {
		n, err := preflight.NormalizePEP440(v)
		fmt.Println(v, "->", n, err)
	}
	// Output:
	// 0.11.0 -> 0.11.0 <nil>
	// v01.2.3 -> 1.2.3 <nil>
	// 1.0-RC.1 -> 1.0rc1 <nil>
	// 2.0.post -> 2.0.post0 <nil>
	// 1.0+Ubuntu-1 -> 1.0+ubuntu.1 <nil>
}

func ExampleSetPyprojectVersion() {
	src := []byte("[project]\r\n" +
		"name = 'securescan'\r\n" +
		"version = '0.10.2'   # bumped by the release checklist\r\n")
	out, err := preflight.SetPyprojectVersion(src, "0.11.0")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%q\n", out)

	_, err = preflight.SetPyprojectVersion([]byte("[project]\ndynamic = [\"version\"]\n"), "0.11.0")
	fmt.Println(errors.Is(err, preflight.ErrDynamicVersion))
	// Output:
	// "[project]\r\nname = 'securescan'\r\nversion = '0.11.0'   # bumped by the release checklist\r\n"
	// true
}

func ExampleCheck() {
	dir, err := os.MkdirTemp("", "preflight-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	must(os.WriteFile(filepath.Join(dir, "pyproject.toml"), []byte(
		"[project]\nname = \"securescan\"\nversion = \"0.11.0\"\n"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "CHANGELOG.md"), []byte(
		"# Changelog\n\n## [Unreleased]\n\n## [0.11.0] - 2026-11-20\n### Added\n- Multi-arch images.\n"), 0o644))

	// The release workflow, run by the push of tag v0.11.0.
	tagPush := map[string]string{
		"GITHUB_ACTIONS":    "true",
		"GITHUB_EVENT_NAME": "push",
		"GITHUB_REF":        "refs/tags/v0.11.0",
	}
	report, err := preflight.Check(context.Background(), preflight.Config{
		Dir:    dir,
		Getenv: func(k string) string { return tagPush[k] },
	})
	if err != nil {
		panic(err) // only a cancelled context gets here
	}
	fmt.Println(report.Tag, "OK:", report.OK())

	// The same workflow started by hand from main, for a tag whose version
	// was never written down: every problem is reported at once.
	dispatch := map[string]string{
		"GITHUB_ACTIONS":    "true",
		"GITHUB_EVENT_NAME": "workflow_dispatch",
		"GITHUB_REF":        "refs/heads/main",
	}
	report, err = preflight.Check(context.Background(), preflight.Config{
		Tag:    "v0.12.0",
		Dir:    dir,
		Getenv: func(k string) string { return dispatch[k] },
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(report.Tag, "OK:", report.OK())
	for _, p := range report.Problems {
		fmt.Printf("- %s: expected %s, found %s\n", p.Check, p.Expected, p.Found)
	}
	// Output:
	// v0.11.0 OK: true
	// v0.12.0 OK: false
	// - ci-event: expected push (of tag v0.12.0), found workflow_dispatch
	// - ci-event: expected refs/tags/v0.12.0, found refs/heads/main
	// - version: expected 0.12.0 (from tag v0.12.0), found "0.11.0"
	// - changelog: expected a section ## [0.12.0] - YYYY-MM-DD, found no section for 0.12.0 (latest is 0.11.0)
}

// cargoToml is a VersionSource for a Rust crate: [package].version of
// Cargo.toml.
type cargoToml struct{ path string }

func (c cargoToml) Name() string { return c.path }

func (c cargoToml) Version(ctx context.Context) (string, error) {
	src, err := os.ReadFile(c.path)
	if err != nil {
		return "", err
	}
	var m struct {
		Package struct {
			Version any `toml:"version"`
		} `toml:"package"`
	}
	if err := toml.Unmarshal(src, &m); err != nil {
		return "", fmt.Errorf("%s: %w", c.path, err)
	}
	switch v := m.Package.Version.(type) {
	case string:
		return v, nil
	case nil:
		return "", fmt.Errorf("%s: no [package].version: %w", c.path, preflight.ErrNoVersion)
	default:
		// version.workspace = true: the version lives in the workspace root.
		return "", fmt.Errorf("%s: [package].version is inherited from the workspace; check the workspace Cargo.toml instead: %w", c.path, preflight.ErrNoVersion)
	}
}

// packageJSON is a VersionSource for an npm package.
type packageJSON struct{ path string }

func (p packageJSON) Name() string { return p.path }

func (p packageJSON) Version(ctx context.Context) (string, error) {
	src, err := os.ReadFile(p.path)
	if err != nil {
		return "", err
	}
	var m struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(src, &m); err != nil {
		return "", fmt.Errorf("%s: %w", p.path, err)
	}
	if m.Version == "" {
		return "", fmt.Errorf("%s: no \"version\": %w", p.path, preflight.ErrNoVersion)
	}
	return m.Version, nil
}

// A project that ships a Python package, a Rust crate and an npm package
// checks all three manifests against the tag.
func ExampleVersionSource() {
	dir, err := os.MkdirTemp("", "preflight-sources")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	must(os.WriteFile(filepath.Join(dir, "pyproject.toml"), []byte("[project]\nversion = \"1.4.0\"\n"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "Cargo.toml"), []byte("[package]\nname = \"core\"\nversion = \"1.4.0\"\n"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"name": "ui", "version": "1.3.9"}`), 0o644))
	must(os.WriteFile(filepath.Join(dir, "CHANGELOG.md"), []byte("## [1.4.0] - 2026-11-26\n- New scanner.\n"), 0o644))

	report, err := preflight.Check(context.Background(), preflight.Config{
		Tag: "v1.4.0",
		Dir: dir,
		Sources: []preflight.VersionSource{
			preflight.Pyproject(filepath.Join(dir, "pyproject.toml")),
			cargoToml{filepath.Join(dir, "Cargo.toml")},
			packageJSON{filepath.Join(dir, "package.json")},
		},
		Getenv: func(string) string { return "" }, // not in GitHub Actions
	})
	if err != nil {
		panic(err)
	}
	for _, p := range report.Problems {
		fmt.Printf("%s: expected %s, found %s\n", filepath.Base(p.Where), p.Expected, p.Found)
	}
	// Output:
	// package.json: expected 1.4.0 (from tag v1.4.0), found "1.3.9"
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// PyprojectName reads the project a pyproject.toml declares, for example to
// check that a build produced distributions of this project only.
func ExamplePyprojectName() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "pyproject.toml")
	os.WriteFile(path, []byte("[project]\nname = \"hello-release\"\nversion = \"0.11.0\"\n"), 0o644)
	name, err := preflight.PyprojectName(path)
	fmt.Println(name, err)
	// Output:
	// hello-release <nil>
}

// A release tool checks, before its first job, that the running workflow is
// the one whose identity the release publishes.
func ExampleWorkflowProblems() {
	env := map[string]string{
		"GITHUB_REPOSITORY":   "octo-org/hello",
		"GITHUB_WORKFLOW_REF": "octo-org/hello/.github/workflows/ci.yml@refs/tags/v1.2.3",
	}
	for _, p := range preflight.WorkflowProblems(func(k string) string { return env[k] }, "octo-org/hello", ".github/workflows/release.yml") {
		fmt.Println(p.Where, "expected", p.Expected, "found", p.Found)
	}
	// Output:
	// GITHUB_WORKFLOW_REF expected octo-org/hello/.github/workflows/release.yml found octo-org/hello/.github/workflows/ci.yml
}
