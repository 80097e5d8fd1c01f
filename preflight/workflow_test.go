package preflight_test

import (
	"strings"
	"testing"

	"github.com/tagship/tagship/preflight"
)

func TestWorkflowProblems(t *testing.T) {
	t.Parallel()
	const wf = ".github/workflows/release.yml"
	for _, tc := range []struct {
		name  string
		env   map[string]string
		wf    string   // the workflow path; default wf
		where []string // the problems' Where, in order
		found []string
	}{
		{name: "outside GitHub Actions", env: nil},
		{name: "the configured workflow", env: map[string]string{"GITHUB_REPOSITORY": "octo-org/hello",
			"GITHUB_WORKFLOW_REF": "octo-org/hello/.github/workflows/release.yml@refs/tags/v1.2.3"}},
		{name: "names compared as GitHub does", env: map[string]string{"GITHUB_REPOSITORY": "Octo-Org/Hello",
			"GITHUB_WORKFLOW_REF": "Octo-Org/Hello/.github/workflows/release.yml@refs/tags/v1.2.3"}},
		{name: "an @ in the workflow's name and in the ref", env: map[string]string{"GITHUB_WORKFLOW_REF": "octo-org/hello/.github/workflows/release@v2.yml@refs/tags/v1.2.3@x"},
			wf: ".github/workflows/release@v2.yml"},
		{name: "no ref", env: map[string]string{"GITHUB_WORKFLOW_REF": "octo-org/hello/.github/workflows/release.yml"}},
		{name: "the workflow's name only begins the same", env: map[string]string{"GITHUB_WORKFLOW_REF": "octo-org/hello/.github/workflows/release.yml.bak@refs/tags/v1.2.3"},
			where: []string{"GITHUB_WORKFLOW_REF"}, found: []string{"octo-org/hello/.github/workflows/release.yml.bak"}},
		{name: "another repository", env: map[string]string{"GITHUB_REPOSITORY": "octo-org/other",
			"GITHUB_WORKFLOW_REF": "octo-org/other/.github/workflows/release.yml@refs/tags/v1.2.3"},
			where: []string{"GITHUB_REPOSITORY", "GITHUB_WORKFLOW_REF"},
			found: []string{"octo-org/other", "octo-org/other/.github/workflows/release.yml"}},
		{name: "another workflow file", env: map[string]string{"GITHUB_REPOSITORY": "octo-org/hello",
			"GITHUB_WORKFLOW_REF": "octo-org/hello/.github/workflows/ci.yml@refs/heads/main"},
			where: []string{"GITHUB_WORKFLOW_REF"}, found: []string{"octo-org/hello/.github/workflows/ci.yml"}},
		{name: "a workflow ref without a ref", env: map[string]string{"GITHUB_WORKFLOW_REF": "octo-org/hello/.github/workflows/ci.yml"},
			where: []string{"GITHUB_WORKFLOW_REF"}, found: []string{"octo-org/hello/.github/workflows/ci.yml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := wf
			if tc.wf != "" {
				path = tc.wf
			}
			got := preflight.WorkflowProblems(func(k string) string { return tc.env[k] }, "octo-org/hello", path)
			if len(got) != len(tc.where) {
				t.Fatalf("problems %v, want %d", got, len(tc.where))
			}
			for i, p := range got {
				if p.Check != preflight.CheckWorkflow || p.Where != tc.where[i] || p.Found != tc.found[i] || p.Expected == "" || p.Hint == "" {
					t.Errorf("problem %d: %+v, want Where %s and Found %s", i, p, tc.where[i], tc.found[i])
				}
				if !strings.Contains(p.String(), "expected ") {
					t.Errorf("problem %d: %s", i, p)
				}
			}
		})
	}
}
