package sign

import (
	"fmt"
	"regexp"
	"strings"
)

// Policy is the identity a bundle must have been signed by. Identity (or
// IdentityRegexpLoose) and Issuer are required: there is no "any identity".
type Policy struct {
	// Identity is the exact certificate subject alternative name, e.g.
	// GitHubWorkflowIdentity(repo, DefaultWorkflowPath, tag).
	Identity string
	// Issuer is the exact OIDC issuer, e.g. GitHubActionsIssuer.
	Issuer string
	// IdentityRegexpLoose is a regular expression the SAN must match when
	// Identity is empty. It is looser than an exact identity: anchor it
	// (^…$) and prefer Identity.
	IdentityRegexpLoose string

	// Optional GitHub claim checks against the Fulcio certificate extensions.
	// Repository is "owner/name" (checked against the source repository URI
	// extension 1.3.6.1.4.1.57264.1.12).
	Repository string
	// Ref is the git ref, e.g. "refs/tags/v1.2.3" (extension .1.14).
	Ref string
	// EventName is the workflow trigger, e.g. "push" (extension .1.20).
	EventName string
	// WorkflowSHA is the commit the workflow ran on (extension .1.13).
	WorkflowSHA string
}

// GitHubReleasePolicy is the policy for a release built by the GitHub Actions
// workflow at workflowPath ("" means DefaultWorkflowPath) of repository
// ("owner/name") for tag ("v1.2.3"): exact SAN, exact GitHub issuer, and the
// repository and ref claims.
func GitHubReleasePolicy(repository, workflowPath, tag string) Policy {
	return Policy{
		Identity:   GitHubWorkflowIdentity(repository, workflowPath, tag),
		Issuer:     GitHubActionsIssuer,
		Repository: strings.Trim(repository, "/"),
		Ref:        tagRef(tag),
	}
}

// Validate reports whether p can be used for verification.
func (p Policy) Validate() error {
	if p.Identity == "" && p.IdentityRegexpLoose == "" {
		return fmt.Errorf("%w: no identity: set Policy.Identity to the exact certificate identity, e.g. %q (sign.GitHubWorkflowIdentity builds it)",
			ErrInvalidPolicy, GitHubWorkflowIdentity("OWNER/REPO", DefaultWorkflowPath, "vX.Y.Z"))
	}
	if p.Identity != "" && p.IdentityRegexpLoose != "" {
		return fmt.Errorf("%w: set either Identity or IdentityRegexpLoose, not both", ErrInvalidPolicy)
	}
	if p.IdentityRegexpLoose != "" {
		if _, err := regexp.Compile(p.IdentityRegexpLoose); err != nil {
			return fmt.Errorf("%w: IdentityRegexpLoose: %v", ErrInvalidPolicy, err)
		}
	}
	if p.Issuer == "" {
		return fmt.Errorf("%w: no issuer: set Policy.Issuer to the exact OIDC issuer, e.g. %q", ErrInvalidPolicy, GitHubActionsIssuer)
	}
	return nil
}

// String describes the policy for messages and release notes.
func (p Policy) String() string {
	id := p.Identity
	if id == "" {
		id = "~" + p.IdentityRegexpLoose
	}
	return fmt.Sprintf("identity %s issued by %s", id, p.Issuer)
}
