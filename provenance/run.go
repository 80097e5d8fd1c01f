package provenance

import (
	"fmt"
	"regexp"
	"strings"
)

// DefaultServerURL is GitHub's web address, the default GITHUB_SERVER_URL.
const DefaultServerURL = "https://github.com"

// GitHubRun is the GitHub Actions run that built a release: what the
// provenance records and what the run's OIDC token (and so the signing
// certificate) says about it.
type GitHubRun struct {
	// ServerURL is the GitHub web address. Default DefaultServerURL.
	ServerURL string
	// Repository is "OWNER/REPO".
	Repository string
	// RepositoryID and RepositoryOwnerID are GitHub's numeric IDs (stable
	// across renames); optional.
	RepositoryID      string
	RepositoryOwnerID string
	// Ref is the git ref the run was triggered for, "refs/tags/v1.2.3".
	Ref string
	// SHA is the commit the run built (40 hex digits).
	SHA string
	// WorkflowPath is the workflow file in the repository,
	// ".github/workflows/release.yml".
	WorkflowPath string
	// EventName is the trigger, "push".
	EventName string
	// RunID and RunAttempt identify the run ("4242", "1").
	RunID      string
	RunAttempt string
	// RunnerEnvironment is "github-hosted" or "self-hosted"; optional.
	RunnerEnvironment string
}

// ErrEnvironment: the GitHub Actions environment lacks what provenance
// needs (not running in GitHub Actions, or a malformed variable).
var ErrEnvironment = fmt.Errorf("provenance: incomplete GitHub Actions environment")

// EnvError lists the variables that are missing or malformed.
type EnvError struct {
	// Problems are "NAME: what is wrong" lines.
	Problems []string
}

func (e *EnvError) Error() string {
	return fmt.Sprintf("%v: %s (provenance describes a GitHub Actions run: run in GitHub Actions, or pass the run explicitly)",
		ErrEnvironment, strings.Join(e.Problems, "; "))
}

// Unwrap returns ErrEnvironment.
func (e *EnvError) Unwrap() error { return ErrEnvironment }

var (
	shaRE  = regexp.MustCompile(`^[0-9a-f]{40}$`)
	numRE  = regexp.MustCompile(`^[0-9]+$`)
	repoRE = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9_.-]{1,100}$`)
)

// GitHubRunFromEnv reads the run from the GitHub Actions default
// environment variables through getenv (os.Getenv in a job).
// GITHUB_WORKFLOW_REF ("OWNER/REPO/PATH@REF") gives the workflow path.
func GitHubRunFromEnv(getenv func(string) string) (GitHubRun, error) {
	r := GitHubRun{
		ServerURL:         getenv("GITHUB_SERVER_URL"),
		Repository:        getenv("GITHUB_REPOSITORY"),
		RepositoryID:      getenv("GITHUB_REPOSITORY_ID"),
		RepositoryOwnerID: getenv("GITHUB_REPOSITORY_OWNER_ID"),
		Ref:               getenv("GITHUB_REF"),
		SHA:               getenv("GITHUB_SHA"),
		EventName:         getenv("GITHUB_EVENT_NAME"),
		RunID:             getenv("GITHUB_RUN_ID"),
		RunAttempt:        getenv("GITHUB_RUN_ATTEMPT"),
		RunnerEnvironment: getenv("RUNNER_ENVIRONMENT"),
	}
	var problems []string
	if wr := getenv("GITHUB_WORKFLOW_REF"); wr == "" {
		problems = append(problems, "GITHUB_WORKFLOW_REF: not set")
	} else if p, ok := workflowPath(wr, r.Repository, r.Ref); ok {
		r.WorkflowPath = p
	} else {
		problems = append(problems, fmt.Sprintf("GITHUB_WORKFLOW_REF %q: expected %s/<path>@%s", wr, r.Repository, r.Ref))
	}
	if err := r.validate(problems); err != nil {
		return GitHubRun{}, err
	}
	if r.ServerURL == "" {
		r.ServerURL = DefaultServerURL
	}
	return r, nil
}

// workflowPath cuts "OWNER/REPO/" and "@REF" off a workflow ref (the path
// and the ref may both contain "@").
func workflowPath(workflowRef, repository, ref string) (string, bool) {
	rest, ok := strings.CutPrefix(workflowRef, repository+"/")
	if !ok || repository == "" {
		return "", false
	}
	p, ok := strings.CutSuffix(rest, "@"+ref)
	if !ok || p == "" || ref == "" {
		return "", false
	}
	return p, true
}

// Validate reports every missing or malformed field as an [*EnvError].
func (r GitHubRun) Validate() error { return r.validate(nil) }

func (r GitHubRun) validate(problems []string) error {
	if r.ServerURL != "" && !strings.HasPrefix(r.ServerURL, "https://") && !strings.HasPrefix(r.ServerURL, "http://") {
		problems = append(problems, fmt.Sprintf("GITHUB_SERVER_URL %q: expected an https:// URL", r.ServerURL))
	}
	if !repoRE.MatchString(r.Repository) {
		problems = append(problems, fmt.Sprintf("GITHUB_REPOSITORY %q: expected OWNER/REPO", r.Repository))
	}
	if !strings.HasPrefix(r.Ref, "refs/") {
		problems = append(problems, fmt.Sprintf("GITHUB_REF %q: expected a full ref, refs/tags/vX.Y.Z", r.Ref))
	}
	if !shaRE.MatchString(r.SHA) {
		problems = append(problems, fmt.Sprintf("GITHUB_SHA %q: expected a 40-hex commit", r.SHA))
	}
	if r.WorkflowPath == "" && problems == nil {
		problems = append(problems, "workflow path: empty")
	}
	if r.EventName == "" {
		problems = append(problems, "GITHUB_EVENT_NAME: not set")
	}
	if !numRE.MatchString(r.RunID) {
		problems = append(problems, fmt.Sprintf("GITHUB_RUN_ID %q: expected a number", r.RunID))
	}
	if !numRE.MatchString(r.RunAttempt) {
		problems = append(problems, fmt.Sprintf("GITHUB_RUN_ATTEMPT %q: expected a number", r.RunAttempt))
	}
	for _, id := range []struct{ name, v string }{{"GITHUB_REPOSITORY_ID", r.RepositoryID}, {"GITHUB_REPOSITORY_OWNER_ID", r.RepositoryOwnerID}} {
		if id.v != "" && !numRE.MatchString(id.v) {
			problems = append(problems, fmt.Sprintf("%s %q: expected a number", id.name, id.v))
		}
	}
	if len(problems) > 0 {
		return &EnvError{Problems: problems}
	}
	return nil
}

func (r GitHubRun) server() string {
	if r.ServerURL == "" {
		return DefaultServerURL
	}
	return strings.TrimSuffix(r.ServerURL, "/")
}

// RepositoryURL is "https://github.com/OWNER/REPO".
func (r GitHubRun) RepositoryURL() string { return r.server() + "/" + r.Repository }

// SourceURI is the resolved dependency of the build, in SPDX download
// location form: "git+https://github.com/OWNER/REPO@REF".
func (r GitHubRun) SourceURI() string { return "git+" + r.RepositoryURL() + "@" + r.Ref }

// BuilderID is "https://github.com/OWNER/REPO/PATH@REF": the workflow that
// built and signed, equal to the certificate identity Fulcio issues for the
// run (sign.GitHubWorkflowIdentity).
func (r GitHubRun) BuilderID() string {
	return r.server() + "/" + r.Repository + "/" + r.WorkflowPath + "@" + r.Ref
}

// InvocationID is the run's URL with its attempt:
// "https://github.com/OWNER/REPO/actions/runs/ID/attempts/N".
func (r GitHubRun) InvocationID() string {
	return r.RepositoryURL() + "/actions/runs/" + r.RunID + "/attempts/" + r.RunAttempt
}
