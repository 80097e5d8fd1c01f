package signtest

import "strings"

// Env returns the GitHub Actions default environment variables of the run
// w describes (https://docs.github.com/en/actions/reference/variables-reference),
// consistent with the claims of the tokens minted for it: GITHUB_ACTIONS,
// CI, GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_REPOSITORY_ID,
// GITHUB_REPOSITORY_OWNER, GITHUB_REPOSITORY_OWNER_ID, GITHUB_REF,
// GITHUB_REF_NAME, GITHUB_REF_TYPE, GITHUB_SHA, GITHUB_WORKFLOW,
// GITHUB_WORKFLOW_REF, GITHUB_WORKFLOW_SHA, GITHUB_EVENT_NAME,
// GITHUB_RUN_ID, GITHUB_RUN_NUMBER, GITHUB_RUN_ATTEMPT, GITHUB_ACTOR and
// RUNNER_ENVIRONMENT. What a job's steps see is what the run's OIDC token
// (and so the Fulcio certificate) says, as on a real runner.
func (w Workflow) Env() map[string]string {
	w = w.withDefaults()
	c := w.Claims()
	str := func(k string) string { s, _ := c[k].(string); return s }
	refName := w.Ref
	for _, p := range []string{"refs/tags/", "refs/heads/"} {
		refName = strings.TrimPrefix(refName, p)
	}
	return map[string]string{
		"GITHUB_ACTIONS":             "true",
		"CI":                         "true",
		"GITHUB_SERVER_URL":          "https://github.com",
		"GITHUB_REPOSITORY":          w.Repository,
		"GITHUB_REPOSITORY_ID":       w.RepositoryID,
		"GITHUB_REPOSITORY_OWNER":    w.owner(),
		"GITHUB_REPOSITORY_OWNER_ID": w.OwnerID,
		"GITHUB_REF":                 w.Ref,
		"GITHUB_REF_NAME":            refName,
		"GITHUB_REF_TYPE":            str("ref_type"),
		"GITHUB_SHA":                 w.SHA,
		"GITHUB_WORKFLOW":            str("workflow"),
		"GITHUB_WORKFLOW_REF":        str("workflow_ref"),
		"GITHUB_WORKFLOW_SHA":        str("workflow_sha"),
		"GITHUB_EVENT_NAME":          w.EventName,
		"GITHUB_RUN_ID":              w.RunID,
		"GITHUB_RUN_NUMBER":          str("run_number"),
		"GITHUB_RUN_ATTEMPT":         w.RunAttempt,
		"GITHUB_ACTOR":               w.Actor,
		"RUNNER_ENVIRONMENT":         w.RunnerEnvironment,
	}
}
