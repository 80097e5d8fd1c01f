package release

import (
	"context"
	"fmt"
	"net/http"

	"github.com/tagship/tagship/internal/ghperm"
	"github.com/tagship/tagship/sign"
)

// Access is the level of a GitHub Actions token permission: [Read] or
// [Write].
type Access = ghperm.Access

// Access levels. "none" is never written: a scope a job does not list is
// not granted.
const (
	Read  = ghperm.Read
	Write = ghperm.Write
)

// The token permission scopes tagship's jobs use. The full list a job may
// declare is GitHub's (actions, attestations, checks, contents,
// deployments, discussions, id-token, issues, models, packages, pages,
// pull-requests, security-events, statuses).
const (
	// ScopeContents reads the repository (checkout) and, with write,
	// creates releases and uploads their assets.
	ScopeContents = ghperm.ScopeContents
	// ScopeIDToken with write lets the job mint OIDC ID tokens: keyless
	// signing (Fulcio) and PyPI Trusted Publishing. There is no read.
	ScopeIDToken = ghperm.ScopeIDToken
	// ScopePackages with write lets GITHUB_TOKEN push to ghcr.io.
	ScopePackages = ghperm.ScopePackages
)

// Permissions are the GitHub Actions token permissions a job is granted,
// scope to access, e.g. {ScopeContents: Read, ScopeIDToken: Write}. A scope
// that is not listed is not granted: an exported workflow grants nothing at
// the workflow level (permissions: {}), so a job has exactly what it lists.
//
// Allows(scope, need) reports whether they grant need on scope (write
// implies read); String lists them as "contents: read, id-token: write",
// or "nothing"; Validate checks them against GitHub's scopes and levels.
type Permissions = ghperm.Permissions

// ErrPermission is wrapped by every [*PermissionError].
var ErrPermission = ghperm.ErrPermission

// PermissionError reports a job that used a capability its declared
// [Permissions] do not grant (fields Job, Scope, Need, Have, Use). In the
// exported workflow the job would fail the same way (no OIDC token without
// id-token: write, 403 from GitHub without contents: write), only later
// and less clearly. It unwraps to [ErrPermission].
type PermissionError = ghperm.PermissionError

// withRunningJob is the context of j's Run: the running job of
// [ghperm.WithJob], whose granted uses emit [EventPermission] events.
func withRunningJob(ctx context.Context, j Job, emit func(Event)) context.Context {
	return ghperm.WithJob(ctx, j.Name, j.Permissions, func(scope string, need Access, use string) {
		emit(Event{Job: j.Name, Kind: EventPermission, Item: scope + ": " + string(need), Message: use})
	})
}

// JobPermissions returns the name and the granted permissions of the
// pipeline job whose Run ctx belongs to, and false outside a job.
func JobPermissions(ctx context.Context) (job string, granted Permissions, ok bool) {
	return ghperm.JobOf(ctx)
}

// Require checks, before a job uses a capability, that the job running
// with ctx was granted need on scope; use says what for ("sign the wheel").
// Granted uses are reported as [EventPermission] events; a use that is not
// granted returns a [*PermissionError]. Outside a pipeline job (a ctx not
// from [Job.Run]) there is nothing to check and Require returns nil.
//
// Code that reaches a credential through [CheckedTokenSource] or
// [CheckedTransport] is checked without calling Require itself.
func Require(ctx context.Context, scope string, need Access, use string) error {
	return ghperm.Require(ctx, scope, need, use)
}

// CheckedTokenSource returns a token source that hands ID tokens from ts
// only to pipeline jobs granted id-token: write (see [Require]); calls
// from outside a pipeline job pass through. Give it to the signer and to
// Trusted Publishing so that a job that signs or publishes without
// declaring the grant fails in-process, as it would in GitHub Actions.
func CheckedTokenSource(ts sign.TokenSource) sign.TokenSource { return checkedTokens{ts} }

type checkedTokens struct{ ts sign.TokenSource }

func (c checkedTokens) Token(ctx context.Context, audience string) (string, error) {
	if err := Require(ctx, ScopeIDToken, Write, "mint an OIDC ID token (audience "+audience+")"); err != nil {
		return "", fmt.Errorf("%w: %w", sign.ErrNoToken, err)
	}
	return c.ts.Token(ctx, audience)
}

// CheckedTransport returns a transport that sends a request made from a
// pipeline job only when the job is granted scope: read for GET, HEAD and
// OPTIONS, write for every other method. Wrap the transport of the client
// that carries GITHUB_TOKEN (ScopeContents for the GitHub API,
// ScopePackages for ghcr.io). rt nil means http.DefaultTransport.
func CheckedTransport(rt http.RoundTripper, scope string) http.RoundTripper {
	return ghperm.Transport(rt, scope, ghperm.Require)
}
