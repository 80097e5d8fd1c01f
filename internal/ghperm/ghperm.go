package ghperm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
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

// Validate checks scopes and levels against GitHub's: a known scope, read
// or write, and only write for id-token.
func (p Permissions) Validate() error {
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

// Need is the access an HTTP request with method needs: read for GET,
// HEAD and OPTIONS, write for every other method.
func Need(method string) Access {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return Read
	}
	return Write
}

// Check decides whether the caller behind ctx may use scope with need;
// use says what for. It returns nil to allow, and an error (typically a
// [*PermissionError]) to refuse.
type Check func(ctx context.Context, scope string, need Access, use string) error

// Transport returns a transport that sends a request only when check,
// called with the request's context, scope, [Need] of its method and
// "METHOD host/path" as the use, returns nil; otherwise the request's body
// is closed and check's error returned. rt nil means
// http.DefaultTransport.
func Transport(rt http.RoundTripper, scope string, check Check) http.RoundTripper {
	if rt == nil {
		rt = http.DefaultTransport
	}
	return &checkedTransport{rt: rt, scope: scope, check: check}
}

type checkedTransport struct {
	rt    http.RoundTripper
	scope string
	check Check
}

func (c *checkedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := c.check(req.Context(), c.scope, Need(req.Method), req.Method+" "+req.URL.Host+req.URL.Path); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	return c.rt.RoundTrip(req)
}
