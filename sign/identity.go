package sign

import "strings"

// GitHubActionsIssuer is the OIDC issuer of GitHub Actions ID tokens, as it
// appears in Fulcio certificates.
const GitHubActionsIssuer = "https://token.actions.githubusercontent.com"

// DefaultWorkflowPath is the release workflow path assumed when none is given.
const DefaultWorkflowPath = ".github/workflows/release.yml"

// GitHubWorkflowIdentity returns the certificate identity (URI SAN) Fulcio
// issues to the workflow at workflowPath in repository ("owner/name") when run
// for tag, e.g.
//
//	GitHubWorkflowIdentity("Metbcy/securescan", ".github/workflows/release.yml", "v0.11.0")
//	== "https://github.com/Metbcy/securescan/.github/workflows/release.yml@refs/tags/v0.11.0"
//
// An empty workflowPath means DefaultWorkflowPath; a tag already starting with
// "refs/" is used as the ref as is.
func GitHubWorkflowIdentity(repository, workflowPath, tag string) string {
	if workflowPath == "" {
		workflowPath = DefaultWorkflowPath
	}
	workflowPath = strings.TrimPrefix(workflowPath, "/")
	return "https://github.com/" + strings.Trim(repository, "/") + "/" + workflowPath + "@" + tagRef(tag)
}

// tagRef turns "v1.2.3" into "refs/tags/v1.2.3"; full refs are kept.
func tagRef(tag string) string {
	if strings.HasPrefix(tag, "refs/") {
		return tag
	}
	return "refs/tags/" + tag
}
