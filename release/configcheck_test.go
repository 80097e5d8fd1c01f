package release_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/tagship/tagship/ghrelease"
	"github.com/tagship/tagship/release"
)

// TestConfigCheckedFirst: endpoints, the image repository and the running
// workflow's identity are refused by Standard itself, before any job runs
// (and so before one publish job has gone public while the other fails).
func TestConfigCheckedFirst(t *testing.T) {
	t.Parallel()
	env, dir := prepared(t)
	for _, tc := range []struct {
		name   string
		mutate func(cfg *release.StandardConfig)
		want   string
	}{
		{"plain http index", func(c *release.StandardConfig) { c.IndexURL = "http://pypi.example.com/legacy/" }, "IndexURL"},
		{"index with credentials", func(c *release.StandardConfig) { c.IndexURL = "https://user:pw@pypi.example.com/legacy/" }, "IndexURL"},
		{"plain http GitHub", func(c *release.StandardConfig) {
			c.GitHubOptions = []ghrelease.Option{ghrelease.WithBaseURL("http://github.example.com/api/v3/", "http://github.example.com/api/uploads/"),
				ghrelease.WithHTTPClient(&http.Client{})}
		}, "GitHubOptions"},
		{"image repository with a tag", func(c *release.StandardConfig) { c.ImageRepository = "ghcr.io/octo-org/hello:latest" }, "ImageRepository"},
		{"another workflow is running", func(c *release.StandardConfig) {
			c.Getenv = envWith(c.Getenv, "GITHUB_WORKFLOW_REF", "octo-org/hello-release/.github/workflows/other.yml@refs/tags/v0.11.0")
		}, "WorkflowPath"},
		{"another repository is running", func(c *release.StandardConfig) {
			c.Getenv = envWith(c.Getenv, "GITHUB_REPOSITORY", "evil-org/hello-release")
		}, "Repository"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := env.Config(dir)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := release.Standard(cfg); err != nil {
				t.Fatalf("the unmodified config is refused: %v", err)
			}
			tc.mutate(&cfg)
			_, err = release.Standard(cfg)
			if !errors.Is(err, release.ErrInvalidPipeline) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrInvalidPipeline naming %s", err, tc.want)
			}
		})
	}
}

func envWith(base func(string) string, k, v string) func(string) string {
	return func(name string) string {
		if name == k {
			return v
		}
		if base == nil {
			return ""
		}
		return base(name)
	}
}
