package ghworkflow

import (
	"errors"
	"fmt"
	"regexp"
	"runtime/debug"
	"strings"
)

// Pin is one GitHub Action at one release: a workflow refers to it by
// Commit, with Version as a trailing comment
// ("actions/checkout@3d3c42e5… # v7.0.1"), so that whoever can move the
// action's tags cannot change what the workflow runs.
type Pin struct {
	Repo    string // "actions/checkout"
	Version string // the release tag, "v7.0.1"
	Commit  string // the 40-hex commit the tag points to
}

// Major is the release's major tag, "v7".
func (a Pin) Major() string {
	major, _, _ := strings.Cut(a.Version, ".")
	return major
}

// The actions a rendered workflow uses.
const (
	Checkout         = "actions/checkout"
	SetupGo          = "actions/setup-go"
	SetupPython      = "actions/setup-python"
	UploadArtifact   = "actions/upload-artifact"
	DownloadArtifact = "actions/download-artifact"
	SetupQEMU        = "docker/setup-qemu-action"
	SetupBuildx      = "docker/setup-buildx-action"
)

// DefaultActions is the table of actions a rendered workflow pins, each
// with its release and commit. It returns a new slice on each call.
//
// To refresh a pin, take the newest release from the action's releases
// page, then the commit its tag points to (the peeled "^{}" line, when
// the tag is annotated):
//
//	git ls-remote https://github.com/actions/checkout 'refs/tags/v7.0.1*'
//
// and update Version and Commit here; `go test ./release -run Golden
// -update` rewrites the golden workflows, whose diff shows the change.
// Read the action's changes between the two commits before you do: the
// pin is what makes an update a reviewed change.
func DefaultActions() []Pin {
	return []Pin{
		{Checkout, "v7.0.1", "3d3c42e5aac5ba805825da76410c181273ba90b1"},
		{SetupGo, "v7.0.0", "b7ad1dad31e06c5925ef5d2fc7ad053ef454303e"},
		{SetupPython, "v7.0.0", "5fda3b95a4ea91299a34e894583c3862153e4b97"},
		{UploadArtifact, "v7.0.0", "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f"},
		{DownloadArtifact, "v8.0.1", "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c"},
		{SetupQEMU, "v4.0.0", "ce360397dd3f832beb865e1373c09c0e9f86d70a"},
		{SetupBuildx, "v4.0.0", "4d04d5d9486b7bd6fa91e7baf45bbb4f8b9deedd"},
	}
}

// Refs says how a workflow refers to actions.
type Refs int

const (
	// Commits pins each action by commit, the release as a comment
	// (default).
	Commits Refs = iota
	// Tags refers to each action by its release tag ("@v7.0.1").
	Tags
	// MajorTags refers to each action by its major tag ("@v7"), which
	// moves with every release of the action.
	MajorTags
)

// ErrNotPinned is the condition of an action that the workflow would run
// unpinned: not in the action table, or given with a reference that is not
// a commit while [Commits] are asked for.
var ErrNotPinned = errors.New("action not pinned by commit")

var (
	commitRE  = regexp.MustCompile(`^[0-9a-f]{40}$`)
	versionRE = regexp.MustCompile(`^v[0-9]+(\.[0-9]+){0,2}$`)
	repoRE    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9_.-]+$`)
	usesRE    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9_.-]+(/[A-Za-z0-9_./-]+)?$`)
	refRE     = regexp.MustCompile(`^[A-Za-z0-9_.][A-Za-z0-9_./-]*$`)
)

// ValidRef reports whether ref can follow "@" in a uses: value or a Go
// module query: letters, digits, '_', '.', '-' and '/', not starting with
// '-' or '/'. A module version ("v0.3.0", a pseudo-version) is one.
func ValidRef(ref string) bool { return refRE.MatchString(ref) }

func (a Pin) validate() error {
	if !repoRE.MatchString(a.Repo) {
		return fmt.Errorf("action %q: want OWNER/REPO", a.Repo)
	}
	if !versionRE.MatchString(a.Version) {
		return fmt.Errorf("action %s: version %q: want a release tag such as v7.0.1", a.Repo, a.Version)
	}
	if !commitRE.MatchString(a.Commit) {
		return fmt.Errorf("action %s %s: commit %q: want the full 40-hex commit SHA (git ls-remote https://github.com/%s 'refs/tags/%s*')",
			a.Repo, a.Version, a.Commit, a.Repo, a.Version)
	}
	return nil
}

// actionTable resolves uses: references.
type actionTable struct {
	pins map[string]Pin
	refs Refs
}

// newActionTable validates pins (a later pin of a repository replaces an
// earlier one) and refs.
func newActionTable(pins []Pin, refs Refs) (*actionTable, error) {
	t := &actionTable{pins: map[string]Pin{}, refs: refs}
	if refs < Commits || refs > MajorTags {
		return nil, fmt.Errorf("action refs %d: want commits (%d), tags (%d) or major tags (%d)", refs, Commits, Tags, MajorTags)
	}
	for _, a := range pins {
		if err := a.validate(); err != nil {
			return nil, err
		}
		t.pins[strings.ToLower(a.Repo)] = a
	}
	return t, nil
}

// uses returns the value of a uses: key and its trailing comment for the
// action "OWNER/REPO[/PATH]" or "OWNER/REPO[/PATH]@REF".
func (t *actionTable) uses(action string) (value, comment string, err error) {
	if name, ref, pinned := strings.Cut(action, "@"); pinned {
		if !usesRE.MatchString(name) || !refRE.MatchString(ref) {
			return "", "", fmt.Errorf("action %q: want OWNER/REPO[/PATH]@REF", action)
		}
		if t.refs == Commits && !commitRE.MatchString(ref) {
			return "", "", fmt.Errorf("action %q: %w: give OWNER/REPO (pinned from the action table) or OWNER/REPO@<40-hex commit>", action, ErrNotPinned)
		}
		return action, "", nil
	}
	if !usesRE.MatchString(action) {
		return "", "", fmt.Errorf("action %q: want OWNER/REPO[/PATH]", action)
	}
	parts := strings.SplitN(action, "/", 3)
	pin, ok := t.pins[strings.ToLower(parts[0]+"/"+parts[1])]
	if !ok {
		return "", "", fmt.Errorf("action %s: %w: it is not in the action table; add a pin for it", action, ErrNotPinned)
	}
	switch t.refs {
	case Tags:
		return action + "@" + pin.Version, "", nil
	case MajorTags:
		return action + "@" + pin.Major(), "", nil
	}
	return action + "@" + pin.Commit, pin.Version, nil
}

var goReleaseRE = regexp.MustCompile(`^[0-9]+\.[0-9]+(\.[0-9]+)?$`)

// ModuleVersion returns the version of module this binary was built with:
// the main module's version when the binary is the module's own (go
// install or go run of module/...@VERSION), else the version of the
// module as a dependency. Local builds, whose version is "(devel)" or has
// uncommitted changes ("+dirty"), and replaced modules have none: ok is
// false.
func ModuleVersion(module string) (version string, ok bool) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "", false
	}
	v := ""
	if bi.Main.Path == module {
		v = bi.Main.Version
	} else {
		for _, d := range bi.Deps {
			if d.Path == module {
				v = d.Version
				if d.Replace != nil {
					v = "" // a replaced module is not what the proxy serves
				}
			}
		}
	}
	if v == "" || v == "(devel)" || strings.Contains(v, "+dirty") {
		return "", false
	}
	return v, true
}

// GoVersion is the Go release of the running binary, "1.26.8", or "" when
// it is not a release (a development toolchain).
func GoVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	v := strings.TrimPrefix(bi.GoVersion, "go")
	if !goReleaseRE.MatchString(v) {
		return ""
	}
	return v
}
