package release

import "github.com/tagship/tagship/internal/ghworkflow"

// ActionPin is one GitHub Action at one release: the exported workflow
// refers to it by Commit, with Version as a trailing comment
// ("actions/checkout@3d3c42e5… # v7.0.1"), so that whoever can move the
// action's tags cannot change what the release workflow runs. Repo is
// "actions/checkout", Version the release tag ("v7.0.1"), Commit the
// 40-hex commit the tag points to; Major() is the release's major tag,
// "v7".
type ActionPin = ghworkflow.Pin

// The actions the exported workflow uses.
const (
	ActionCheckout         = ghworkflow.Checkout         // "actions/checkout"
	ActionSetupGo          = ghworkflow.SetupGo          // "actions/setup-go"
	ActionSetupPython      = ghworkflow.SetupPython      // "actions/setup-python"
	ActionUploadArtifact   = ghworkflow.UploadArtifact   // "actions/upload-artifact"
	ActionDownloadArtifact = ghworkflow.DownloadArtifact // "actions/download-artifact"
	ActionSetupQEMU        = ghworkflow.SetupQEMU        // "docker/setup-qemu-action"
	ActionSetupBuildx      = ghworkflow.SetupBuildx      // "docker/setup-buildx-action"
)

// DefaultActions is the table of actions the exported workflow pins, each
// with its release and commit. It returns a new slice on each call.
//
// The table lives in internal/ghworkflow/actions.go. To refresh a pin,
// take the commit the new release tag points to (git ls-remote), update
// it there, and run `go test ./release -run Golden -update`: the golden
// workflows' diff is the review (README, "Actions pinned by commit").
func DefaultActions() []ActionPin { return ghworkflow.DefaultActions() }

// ActionRefs says how an exported workflow refers to actions.
type ActionRefs = ghworkflow.Refs

const (
	// ActionCommits pins each action by commit, the release as a comment
	// (default).
	ActionCommits ActionRefs = ghworkflow.Commits
	// ActionTags refers to each action by its release tag ("@v7.0.1").
	ActionTags ActionRefs = ghworkflow.Tags
	// ActionMajorTags refers to each action by its major tag ("@v7"),
	// which moves with every release of the action.
	ActionMajorTags ActionRefs = ghworkflow.MajorTags
)

// ModulePath is tagship's module path.
const ModulePath = "github.com/tagship/tagship"

// ModuleVersion returns the version of tagship this binary was built with:
// the main module's version when the binary is tagship's own (go install
// or go run of github.com/tagship/tagship/...@VERSION), else the version
// of the tagship dependency. Local builds, whose version is "(devel)" or
// has uncommitted changes ("+dirty"), have none: ok is false.
func ModuleVersion() (version string, ok bool) { return ghworkflow.ModuleVersion(ModulePath) }
