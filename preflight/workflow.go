package preflight

import (
	"fmt"
	"strings"
)

// WorkflowProblems checks, inside GitHub Actions, that the running workflow
// is workflowPath of repository: keyless certificates name the workflow
// that runs, so a run in another repository or from another workflow file
// would sign with an identity other than the one the release publishes,
// and every signature would fail verification — after the immutable image
// tag was pushed. Release tooling calls it before its first job.
//
// It reads GITHUB_REPOSITORY and GITHUB_WORKFLOW_REF
// ("OWNER/REPO/PATH@REF") through getenv; what a runner does not set is
// not checked, so outside GitHub Actions there are no problems. Names are
// compared case-insensitively, as GitHub does.
func WorkflowProblems(getenv func(string) string, repository, workflowPath string) []Problem {
	var problems []Problem
	if repo := getenv("GITHUB_REPOSITORY"); repo != "" && !strings.EqualFold(repo, repository) {
		problems = append(problems, Problem{Check: CheckWorkflow, Where: "GITHUB_REPOSITORY",
			Expected: repository, Found: repo,
			Hint: fmt.Sprintf("signatures would name %s and fail verification; release from %s, or set the repository to %s", repo, repository, repo)})
	}
	if wr := getenv("GITHUB_WORKFLOW_REF"); wr != "" {
		// The workflow is what precedes "@REF"; a workflow file's name or
		// a ref may hold "@" too, so compare the prefix, not a cut.
		want := repository + "/" + workflowPath
		n := len(want)
		atWant := len(wr) > n && wr[n] == '@' && strings.EqualFold(wr[:n], want)
		if !atWant && !strings.EqualFold(wr, want) {
			got, _, _ := strings.Cut(wr, "@")
			problems = append(problems, Problem{Check: CheckWorkflow, Where: "GITHUB_WORKFLOW_REF",
				Expected: want, Found: got,
				Hint: fmt.Sprintf("its certificates would name another identity than the release publishes; set the workflow path to the running workflow (%s)", got)})
		}
	}
	return problems
}
