package release

import (
	"fmt"
	"regexp"
	"runtime/debug"
	"strings"
)

// ActionPin is one GitHub Action at one release: the exported workflow
// refers to it by Commit, with Version as a trailing comment
// ("actions/checkout@3d3c42e5… # v7.0.1"), so that whoever can move the
// action's tags cannot change what the release workflow runs.
type ActionPin struct {
	Repo    string // "actions/checkout"
	Version string // the release tag, "v7.0.1"
	Commit  string // the 40-hex commit the tag points to
}

// Major is the release's major tag, "v7".
func (a ActionPin) Major() string {
	major, _, _ := strings.Cut(a.Version, ".")
	return major
}

// The actions the exported workflow uses.
const (
	ActionCheckout         = "actions/checkout"
	ActionSetupGo          = "actions/setup-go"
	ActionSetupPython      = "actions/setup-python"
	ActionUploadArtifact   = "actions/upload-artifact"
	ActionDownloadArtifact = "actions/download-artifact"
	ActionSetupQEMU        = "docker/setup-qemu-action"
	ActionSetupBuildx      = "docker/setup-buildx-action"
)

// DefaultActions is the table of actions the exported workflow pins, each
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
func DefaultActions() []ActionPin {
	return []ActionPin{
		{ActionCheckout, "v7.0.1", "3d3c42e5aac5ba805825da76410c181273ba90b1"},
		{ActionSetupGo, "v7.0.0", "b7ad1dad31e06c5925ef5d2fc7ad053ef454303e"},
		{ActionSetupPython, "v7.0.0", "5fda3b95a4ea91299a34e894583c3862153e4b97"},
		{ActionUploadArtifact, "v7.0.0", "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f"},
		{ActionDownloadArtifact, "v8.0.1", "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c"},
		{ActionSetupQEMU, "v4.0.0", "ce360397dd3f832beb865e1373c09c0e9f86d70a"},
		{ActionSetupBuildx, "v4.0.0", "4d04d5d9486b7bd6fa91e7baf45bbb4f8b9deedd"},
	}
}

// ActionRefs says how an exported workflow refers to actions.
type ActionRefs int

const (
	// ActionCommits pins each action by commit, the release as a comment
	// (default).
	ActionCommits ActionRefs = iota
	// ActionTags refers to each action by its release tag ("@v7.0.1").
	ActionTags
	// ActionMajorTags refers to each action by its major tag ("@v7"),
	// which moves with every release of the action.
	ActionMajorTags
)

var (
	commitRE  = regexp.MustCompile(`^[0-9a-f]{40}$`)
	versionRE = regexp.MustCompile(`^v[0-9]+(\.[0-9]+){0,2}$`)
	repoRE    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9_.-]+$`)
)

func (a ActionPin) validate() error {
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
	pins map[string]ActionPin
	refs ActionRefs
}

func newActionTable(extra []ActionPin, refs ActionRefs) (*actionTable, error) {
	t := &actionTable{pins: map[string]ActionPin{}, refs: refs}
	if refs < ActionCommits || refs > ActionMajorTags {
		return nil, fmt.Errorf("release: ActionRefs %d is not one of ActionCommits, ActionTags, ActionMajorTags", refs)
	}
	for _, a := range append(DefaultActions(), extra...) {
		if err := a.validate(); err != nil {
			return nil, fmt.Errorf("release: %w", err)
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
			return "", "", fmt.Errorf("release: action %q: want OWNER/REPO[/PATH]@REF", action)
		}
		if t.refs == ActionCommits && !commitRE.MatchString(ref) {
			return "", "", fmt.Errorf("release: action %q is not pinned by commit: give OWNER/REPO (pinned from WorkflowOptions.Actions) or OWNER/REPO@<40-hex commit>", action)
		}
		return action, "", nil
	}
	if !usesRE.MatchString(action) {
		return "", "", fmt.Errorf("release: action %q: want OWNER/REPO[/PATH]", action)
	}
	parts := strings.SplitN(action, "/", 3)
	pin, ok := t.pins[strings.ToLower(parts[0]+"/"+parts[1])]
	if !ok {
		return "", "", fmt.Errorf("release: action %s is not in the action table: add an ActionPin for it to WorkflowOptions.Actions", action)
	}
	switch t.refs {
	case ActionTags:
		return action + "@" + pin.Version, "", nil
	case ActionMajorTags:
		return action + "@" + pin.Major(), "", nil
	}
	return action + "@" + pin.Commit, pin.Version, nil
}

var (
	usesRE      = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9_.-]+(/[A-Za-z0-9_./-]+)?$`)
	refRE       = regexp.MustCompile(`^[A-Za-z0-9_.][A-Za-z0-9_./-]*$`)
	goReleaseRE = regexp.MustCompile(`^[0-9]+\.[0-9]+(\.[0-9]+)?$`)
)

// ModulePath is tagship's module path.
const ModulePath = "github.com/tagship/tagship"

// ModuleVersion returns the version of tagship this binary was built with:
// the main module's version when the binary is tagship's own (go install
// or go run of github.com/tagship/tagship/...@VERSION), else the version
// of the tagship dependency. Local builds, whose version is "(devel)" or
// has uncommitted changes ("+dirty"), have none: ok is false.
func ModuleVersion() (version string, ok bool) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "", false
	}
	v := ""
	if bi.Main.Path == ModulePath {
		v = bi.Main.Version
	} else {
		for _, d := range bi.Deps {
			if d.Path == ModulePath {
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

// goVersion is the Go release of the exporting binary, "1.26.8", or "".
func goVersion() string {
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
