package ghrelease

import (
	"errors"
	"fmt"
)

// Conditions, for errors.Is.
var (
	// ErrNoChangelogSection: the changelog has no section for the version.
	ErrNoChangelogSection = errors.New("ghrelease: no changelog section for the version")
	// ErrInvalidNotesData: a NotesData field is malformed.
	ErrInvalidNotesData = errors.New("ghrelease: invalid notes data")
	// ErrNotesTooLong: the notes cannot fit GitHub's body limit even with
	// the changelog shortened to nothing.
	ErrNotesTooLong = errors.New("ghrelease: release notes too long")
	// ErrInvalidRelease: the Release given to Publish is malformed (missing
	// owner/repo/tag, body over the limit, duplicate asset names, …).
	ErrInvalidRelease = errors.New("ghrelease: invalid release")
	// ErrInvalidAssetName: GitHub would rename the asset (characters outside
	// [A-Za-z0-9._-], leading or trailing periods).
	ErrInvalidAssetName = errors.New("ghrelease: invalid asset name")
	// ErrAssetConflict: an asset with the same name but other content is
	// already on the release. The error is an *AssetConflictError.
	ErrAssetConflict = errors.New("ghrelease: asset already exists with different content")
	// ErrImmutableRelease: the release is published and immutable (GitHub's
	// immutable releases setting): its assets can no longer change.
	ErrImmutableRelease = errors.New("ghrelease: release is immutable")
	// ErrAmbiguousRelease: several draft releases exist for the tag.
	ErrAmbiguousRelease = errors.New("ghrelease: several draft releases for the tag")
	// ErrNoToken: no token was given and GITHUB_TOKEN is empty.
	ErrNoToken = errors.New("ghrelease: no GitHub token")
	// ErrAssetChanged: a file changed between hashing and uploading, or
	// GitHub stored something other than what was sent.
	ErrAssetChanged = errors.New("ghrelease: asset changed during upload")
	// ErrInsecureURL: a plain http:// URL to a host that is not loopback.
	ErrInsecureURL = errors.New("ghrelease: insecure URL")
)

// AssetConflictError reports an existing asset whose content differs from
// the local file. It matches ErrAssetConflict.
type AssetConflictError struct {
	Name string
	// LocalSHA256 and RemoteSHA256 are hex; RemoteSHA256 is empty when the
	// sizes differ already and the remote asset was not downloaded.
	LocalSHA256, RemoteSHA256 string
	LocalSize, RemoteSize     int64
}

func (e *AssetConflictError) Error() string {
	remote := e.RemoteSHA256
	if remote == "" {
		remote = "(not downloaded)"
	}
	return fmt.Sprintf("ghrelease: asset %q already exists on the release with different content: expected sha256 %s (%d bytes), found sha256 %s (%d bytes); delete the asset, or publish with WithReplaceAssets to replace it",
		e.Name, e.LocalSHA256, e.LocalSize, remote, e.RemoteSize)
}

// Is makes errors.Is(err, ErrAssetConflict) true.
func (e *AssetConflictError) Is(target error) bool { return target == ErrAssetConflict }

// APIError is a GitHub API failure after retries, with the call that failed.
type APIError struct {
	Op         string // e.g. "upload asset securescan-1.0.0.tar.gz"
	StatusCode int    // 0 for transport errors
	Attempts   int
	Err        error
}

func (e *APIError) Error() string {
	if e.StatusCode != 0 {
		return fmt.Sprintf("ghrelease: %s: HTTP %d after %d attempt(s): %v", e.Op, e.StatusCode, e.Attempts, e.Err)
	}
	return fmt.Sprintf("ghrelease: %s: after %d attempt(s): %v", e.Op, e.Attempts, e.Err)
}

func (e *APIError) Unwrap() error { return e.Err }
