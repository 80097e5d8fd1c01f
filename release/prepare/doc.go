// Package prepare is the maintainer's checklist before the tag: [Release]
// automates the maintainer's pre-flight checklist of the
// reference release process for version X.Y.Z in a project directory:
//
//   - the manifest version (pyproject.toml [project].version or
//     [tool.poetry].version, or a plain VERSION file) is bumped with
//     preflight's targeted edit: every other byte stays identical;
//   - CHANGELOG.md is cut (changelog Cut): the [Unreleased] entries become
//     "## [X.Y.Z] - today" and the compare links are updated;
//   - an optional README callout between the lines
//     "<!-- tagship:whats-new -->" and "<!-- /tagship:whats-new -->" is
//     replaced by a "What's new in vX.Y.Z" heading, the release's notes (or
//     their first [Config.WhatsNewBullets] bullets) and a link to the
//     changelog section; without markers the README is left alone and
//     [Result.Notes] says so.
//
// It refuses, before writing anything and with a [*Error] saying what
// was expected, what was found and how to fix it: a version that is not a
// strict X.Y.Z ([ErrVersionNotStrict]), one not greater than the newest
// release or an existing higher tag ([ErrVersionNotGreater]), an empty
// [Unreleased] section ([ErrUnreleasedEmpty]), a manifest at a version that
// is neither the previous release nor X.Y.Z ([ErrManifestDirty]), a dynamic
// version ([ErrManifestDynamic]), and a tag vX.Y.Z that already exists
// locally or on the remote ([ErrTagExists]): tags are immutable, so Prepare
// never forces, moves or re-pushes a tag. Every refusal found is returned
// at once (errors.Join).
//
// The new contents are then checked with the very checks the release runs
// on the tag (preflight.Check for tag vX.Y.Z, CI environment blanked), so a
// tag pushed afterwards cannot fail preflight for metadata reasons; if they
// fail nothing is written ([ErrChecks]). Files are written
// all-or-nothing: each through a temporary file renamed over the original,
// and a failed rename restores the files already replaced.
//
// [Result.Diff] is the unified diff of the change (the dry run shows
// it, [Config.DryRun] writes nothing), and [Result.Commands]
// the git commands that follow: add, commit, annotated tag, push of the
// branch, push of this one tag — never --force, never --tags.
// [Config.RunGit] runs them in order, stops at the first failure and
// reports which ran ([*GitError]); it checks again, right before
// tagging, that the tag exists neither locally nor on the remote. git runs
// with a clean environment (no inherited GIT_DIR and the like, no prompts)
// and remote calls time out ([Config.RemoteTimeout]).
package prepare
