// Package preflight is the release gate of a tag-triggered release: the
// cheap checks that run before anything is built, signed or published, so a
// release whose metadata is out of sync fails in seconds, with every problem
// listed at once.
//
// # Strict tags
//
// A release is triggered by pushing a strict release tag: "v" followed by
// MAJOR.MINOR.PATCH in ASCII decimal digits without leading zeros, and
// nothing else — v0.11.0, v1.2.3. [ParseTag] refuses everything else with a
// [*TagError] ([ErrInvalidTag]) saying why: pre-release tags (v0.9.0-rc1)
// are deliberately not released, build metadata (v1.2.3+meta), the semver
// shorthands v1 and v1.2, leading zeros (v01.2.3), a missing or doubled "v",
// whitespace and non-ASCII digits are refused. The tag, the package
// version, the image tag and the signing identity all carry the same
// X.Y.Z, so there is exactly one spelling of each release.
//
// # Version sources and PEP 440
//
// A [VersionSource] reads the version a project declares. [Pyproject] reads
// pyproject.toml ([PyprojectVersion]: [project].version, else
// [tool.poetry].version; [PyprojectName] reads the project's name the same
// way); [VersionFile] reads a one-line VERSION file. Other
// manifests (Cargo.toml, package.json, …) are a few lines of user code (see
// the VersionSource example). A dynamic version (PEP 621
// dynamic = ["version"], computed at build time by setuptools-scm, hatch-vcs
// or poetry-dynamic-versioning) cannot be checked before the build and is
// refused with [ErrDynamicVersion] and instructions.
//
// Versions are compared after PEP 440 normalisation ([NormalizePEP440]):
// case, a leading "v", leading zeros and the alternative spellings of
// pre/post/dev segments do not matter (01.2.3 is 1.2.3). Because the tag is
// strict, only a final release with exactly three release components
// matches it: 0.11 does not match v0.11.0 (PEP 440 calls them equal, but
// the built files would be named 0.11), and pre-releases, post-releases,
// dev releases, local versions and epochs never match. A version that
// matches only after normalisation is a warning, not an error.
//
// For the maintainer's release preparation, [SetPyprojectVersion] and
// [SetVersionFile] (and [FileSource.SetVersion]) bump the version with a
// targeted edit: every other byte of the file — comments, ordering,
// quoting style, line endings — stays identical.
//
// # The run trigger
//
// In GitHub Actions (GITHUB_ACTIONS=true), [Check] requires that the run was
// triggered by pushing the tag being released: GITHUB_EVENT_NAME=push and
// GITHUB_REF=refs/tags/<tag> (and, when set, GITHUB_WORKFLOW_REF ending in
// @refs/tags/<tag>). Keyless signatures carry the workflow's identity,
// …/.github/workflows/release.yml@<ref>, and the verification commands
// published with a release pin …@refs/tags/<tag>. A workflow_dispatch or
// branch run would sign as …@refs/heads/main, and every published
// verification command would fail, so such runs are refused. Failed jobs
// are retried by re-running the original tag-push run.
//
// # Reports
//
// [Check] runs every check — tag format, each version source against the
// tag, the changelog's dated, non-empty, not yanked section for the version
// (via package changelog), the run trigger — and returns a [Report] listing
// every [Problem] at once, each with what was expected, what was found and
// how to fix it. [Report.OK] and [Report.Err] (a [*CheckError] that
// unwraps to [ErrCheckFailed] and to each problem's condition) turn it into
// a decision; its String method renders it for humans. Check's own error is
// only for a cancelled context. The environment is read through
// [Config.Getenv], so tests never touch the process environment.
package preflight
