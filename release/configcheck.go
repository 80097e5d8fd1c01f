package release

import (
	"errors"
	"fmt"

	"github.com/tagship/tagship/ghrelease"
	"github.com/tagship/tagship/preflight"
	"github.com/tagship/tagship/pypi"
)

// checkConfig validates, before the first job runs and without any
// network call, what would otherwise fail half-way through a release:
// every endpoint (the index and the GitHub API, https or loopback unless
// an …Unsafe option says otherwise; the image repository's syntax is
// oci.NormalizeRepository's, checked by newStandard just before), and —
// inside GitHub Actions — that the running workflow and repository are the
// configured identity (a mismatch makes every signature fail verification
// after the immutable image tag was pushed).
func checkConfig(cfg StandardConfig) []string {
	var problems []string
	if _, err := pypi.New(cfg.IndexURL, cfg.PyPIOptions...); err != nil {
		problems = append(problems, fmt.Sprintf("IndexURL %s: %v", cfg.IndexURL, err))
	}
	// A placeholder token (appended last, never sent: no call is made) so
	// that the endpoints are checked even where this job has no token.
	if _, err := ghrelease.New(append(append([]ghrelease.Option{}, cfg.GitHubOptions...), ghrelease.WithToken("config-check-only"))...); err != nil && !errors.Is(err, ghrelease.ErrNoToken) {
		problems = append(problems, fmt.Sprintf("GitHubOptions: %v", err))
	}
	for _, p := range preflight.WorkflowProblems(cfg.Getenv, cfg.Repository, cfg.WorkflowPath) {
		field := map[string]string{"GITHUB_REPOSITORY": "Repository", "GITHUB_WORKFLOW_REF": "WorkflowPath"}[p.Where]
		problems = append(problems, field+": "+p.String())
	}
	return problems
}
