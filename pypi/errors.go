package pypi

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors; test with errors.Is.
var (
	// ErrInvalidDistribution: a file is not a valid wheel or sdist
	// (carried by *DistributionError).
	ErrInvalidDistribution = errors.New("pypi: invalid distribution")
	// ErrInvalidMetadata: a core-metadata file cannot be parsed.
	ErrInvalidMetadata = errors.New("pypi: invalid core metadata")
	// ErrInvalidVersion: a string is not a PEP 440 version.
	ErrInvalidVersion = errors.New("pypi: invalid version")
	// ErrVersionMismatch: a distribution's version is not the release's.
	ErrVersionMismatch = errors.New("pypi: version mismatch")
	// ErrTrustedPublishing: the index refused to exchange the CI OIDC token
	// for an upload token (carried by *MintError).
	ErrTrustedPublishing = errors.New("pypi: trusted publishing token exchange failed")
	// ErrUpload: the index rejected an upload (carried by *UploadError).
	ErrUpload = errors.New("pypi: upload rejected")
	// ErrConflict: a file of the same name but different content is already
	// on the index (carried by *ConflictError).
	ErrConflict = errors.New("pypi: file already exists with different content")
	// ErrRedirect: the index answered an upload with a redirect, which means
	// the index URL is wrong.
	ErrRedirect = errors.New("pypi: upload was redirected")
	// ErrNoCredentials: neither a token source nor an API token was given.
	ErrNoCredentials = errors.New("pypi: no credentials")
	// ErrFileChanged: a distribution changed on disk after it was opened.
	ErrFileChanged = errors.New("pypi: distribution file changed after it was opened")
)

// DistributionError reports why a file is not a valid distribution. It
// matches ErrInvalidDistribution with errors.Is.
type DistributionError struct {
	Path   string
	Reason string
	Err    error // underlying cause, may be nil
}

func (e *DistributionError) Error() string {
	s := fmt.Sprintf("pypi: invalid distribution %s: %s", e.Path, e.Reason)
	if e.Err != nil {
		s += ": " + strings.TrimPrefix(e.Err.Error(), "pypi: ")
	}
	return s
}

// Unwrap returns ErrInvalidDistribution and the underlying cause.
func (e *DistributionError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrInvalidDistribution, e.Err}
	}
	return []error{ErrInvalidDistribution}
}

// MintError is a refused Trusted Publishing token exchange: the HTTP
// status, Warehouse's error codes and descriptions, the non-secret claims
// of the OIDC token that was presented, and advice on what to fix. It
// matches ErrTrustedPublishing.
type MintError struct {
	Status int
	Errors []APIError
	Claims TokenClaims
}

// APIError is one entry of Warehouse's {"errors": [...]} list.
type APIError struct {
	Code        string `json:"code"`
	Description string `json:"description"`
}

// TokenClaims are the non-secret claims of a CI OIDC token, shown in error
// messages to help fix a trusted-publisher configuration.
type TokenClaims struct {
	Issuer, Subject, Audience              string
	Repository, Workflow, Ref, Environment string
	JobWorkflowRef                         string
}

func (c TokenClaims) String() string {
	if (c == TokenClaims{}) {
		return ""
	}
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	add("repository", c.Repository)
	add("workflow_ref", c.JobWorkflowRef)
	if c.JobWorkflowRef == "" {
		add("workflow", c.Workflow)
	}
	add("ref", c.Ref)
	if c.Environment == "" {
		parts = append(parts, "environment=(none)")
	} else {
		add("environment", c.Environment)
	}
	add("iss", c.Issuer)
	add("sub", c.Subject)
	add("aud", c.Audience)
	return strings.Join(parts, " ")
}

func (e *MintError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "pypi: trusted publishing token exchange failed (HTTP %d)", e.Status)
	for _, ae := range e.Errors {
		fmt.Fprintf(&b, "; %s: %s", ae.Code, clip(oneLine(ae.Description)))
	}
	if advice := e.advice(); advice != "" {
		b.WriteString(". ")
		b.WriteString(advice)
	}
	if s := e.Claims.String(); s != "" {
		b.WriteString(" [token claims: ")
		b.WriteString(s)
		b.WriteString("]")
	}
	return b.String()
}

func (e *MintError) advice() string {
	for _, ae := range e.Errors {
		switch ae.Code {
		case "invalid-publisher":
			return "No trusted publisher on the index matches this workflow: on the project's Publishing settings, check the owner/repository, the workflow file name and the environment against the claims below (they must match exactly)"
		case "invalid-token":
			return "The index could not verify the CI OIDC token: check that it was requested for the audience the index announced and has not expired"
		case "invalid-reuse-token":
			return "This OIDC token was already exchanged once: request a fresh token for each exchange"
		case "not-enabled":
			return "Trusted publishing is disabled on this index: use an API token instead or ask the index administrators"
		case "invalid-payload":
			return "The index did not accept the request body: this is a client bug, please report it"
		}
	}
	return ""
}

// Unwrap returns ErrTrustedPublishing.
func (e *MintError) Unwrap() error { return ErrTrustedPublishing }

// UploadError is an upload the index rejected (after retries where
// retrying made sense). It matches ErrUpload.
type UploadError struct {
	Filename string
	Status   int
	Message  string // the index's message (HTML stripped, shortened)
}

func (e *UploadError) Error() string {
	msg := fmt.Sprintf("pypi: uploading %s failed: HTTP %d", e.Filename, e.Status)
	if e.Message != "" {
		msg += ": " + e.Message
	}
	switch e.Status {
	case 401:
		msg += " (check the API token, or the trusted publisher configuration)"
	case 403:
		msg += " (the token is not allowed to upload to this project)"
	}
	return msg
}

// Unwrap returns ErrUpload.
func (e *UploadError) Unwrap() error { return ErrUpload }

// ConflictError: the index already holds a file of this name with
// different content. It matches ErrConflict.
type ConflictError struct {
	Filename     string
	LocalSHA256  string
	RemoteSHA256 string // "" when the index did not list the file
}

func (e *ConflictError) Error() string {
	if e.RemoteSHA256 == "" {
		return fmt.Sprintf("pypi: %s already exists on the index, but the index does not list it for comparison (local sha256 %s); file names can never be reused on PyPI: bump the version", e.Filename, e.LocalSHA256)
	}
	return fmt.Sprintf("pypi: %s already exists on the index with sha256 %s, but the local file has sha256 %s; file names can never be reused on PyPI: rebuild reproducibly or bump the version", e.Filename, e.RemoteSHA256, e.LocalSHA256)
}

// Unwrap returns ErrConflict.
func (e *ConflictError) Unwrap() error { return ErrConflict }

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
