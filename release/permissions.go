package release

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/tagship/tagship/sign"
)

// Access is the level of a GitHub Actions token permission.
type Access string

// Access levels. "none" is never written: a scope a job does not list is
// not granted.
const (
	Read  Access = "read"
	Write Access = "write"
)

// The token permission scopes tagship's jobs use. The full list a job may
// declare is GitHub's (actions, attestations, checks, contents,
// deployments, discussions, id-token, issues, models, packages, pages,
// pull-requests, security-events, statuses).
const (
	// ScopeContents reads the repository (checkout) and, with write,
	// creates releases and uploads their assets.
	ScopeContents = "contents"
	// ScopeIDToken with write lets the job mint OIDC ID tokens: keyless
	// signing (Fulcio) and PyPI Trusted Publishing. There is no read.
	ScopeIDToken = "id-token"
	// ScopePackages with write lets GITHUB_TOKEN push to ghcr.io.
	ScopePackages = "packages"
)

var knownScopes = map[string]bool{
	"actions": true, "attestations": true, "checks": true, ScopeContents: true, "deployments": true,
	"discussions": true, ScopeIDToken: true, "issues": true, "models": true, ScopePackages: true,
	"pages": true, "pull-requests": true, "security-events": true, "statuses": true,
}

// Permissions are the GitHub Actions token permissions a job is granted,
// scope to access, e.g. {ScopeContents: Read, ScopeIDToken: Write}. A scope
// that is not listed is not granted: an exported workflow grants nothing at
// the workflow level (permissions: {}), so a job has exactly what it lists.
type Permissions map[string]Access

// Allows reports whether p grants need on scope (write implies read).
func (p Permissions) Allows(scope string, need Access) bool {
	switch p[scope] {
	case Write:
		return true
	case Read:
		return need == Read
	}
	return false
}

// String lists the grants as "contents: read, id-token: write", sorted by
// scope, or "nothing".
func (p Permissions) String() string {
	if len(p) == 0 {
		return "nothing"
	}
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + string(p[k])
	}
	return strings.Join(parts, ", ")
}

// validate checks scopes and levels against GitHub's.
func (p Permissions) validate() error {
	for k, v := range p {
		if !knownScopes[k] {
			return fmt.Errorf("permission scope %q is not a GitHub Actions token scope", k)
		}
		if v != Read && v != Write {
			return fmt.Errorf("permission %s: %q: want %q or %q (leave a scope out to grant nothing)", k, v, Read, Write)
		}
		if k == ScopeIDToken && v != Write {
			return fmt.Errorf("permission id-token: %q: GitHub only grants id-token: write", v)
		}
	}
	return nil
}

// ErrPermission is wrapped by every [*PermissionError].
var ErrPermission = errors.New("release: permission not granted to the job")

// PermissionError reports a job that used a capability its declared
// [Permissions] do not grant. In the exported workflow the job would fail
// the same way (no OIDC token without id-token: write, 403 from GitHub
// without contents: write), only later and less clearly.
type PermissionError struct {
	Job   string      // the running job
	Scope string      // e.g. "id-token"
	Need  Access      // the access the use needs
	Have  Permissions // what the job declares
	Use   string      // what the job tried to do
}

func (e *PermissionError) Error() string {
	return fmt.Sprintf("release: job %s tried to %s, which needs %s: %s, but the job is granted %s; add %s: %s to its Permissions",
		e.Job, e.Use, e.Scope, e.Need, e.Have, e.Scope, e.Need)
}

// Unwrap returns ErrPermission.
func (e *PermissionError) Unwrap() error { return ErrPermission }

// runningJob is what the engine puts in the context of a job's Run.
type runningJob struct {
	name  string
	perms Permissions
	emit  func(Event)
}

type runningJobKey struct{}

func withRunningJob(ctx context.Context, j Job, emit func(Event)) context.Context {
	return context.WithValue(ctx, runningJobKey{}, &runningJob{name: j.Name, perms: j.Permissions, emit: emit})
}

// JobPermissions returns the name and the granted permissions of the
// pipeline job whose Run ctx belongs to, and false outside a job.
func JobPermissions(ctx context.Context) (job string, granted Permissions, ok bool) {
	rj, ok := ctx.Value(runningJobKey{}).(*runningJob)
	if !ok {
		return "", nil, false
	}
	return rj.name, rj.perms, true
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
	rj, ok := ctx.Value(runningJobKey{}).(*runningJob)
	if !ok {
		return nil
	}
	if !rj.perms.Allows(scope, need) {
		return &PermissionError{Job: rj.name, Scope: scope, Need: need, Have: rj.perms, Use: use}
	}
	rj.emit(Event{Job: rj.name, Kind: EventPermission, Item: scope + ": " + string(need), Message: use})
	return nil
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
	if rt == nil {
		rt = http.DefaultTransport
	}
	return &checkedTransport{rt: rt, scope: scope}
}

type checkedTransport struct {
	rt    http.RoundTripper
	scope string
}

func (c *checkedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	need := Write
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		need = Read
	}
	if err := Require(req.Context(), c.scope, need, req.Method+" "+req.URL.Host+req.URL.Path); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	return c.rt.RoundTrip(req)
}
