package releasetest_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/tagship/tagship/release/releasetest"
)

// A whole release, offline: the doubles, a prepared sample project, the
// standard pipeline, and what the services hold afterwards.
func ExampleEnv_Release() {
	ctx := context.Background()
	env, err := releasetest.NewEnv()
	if err != nil {
		panic(err)
	}
	defer env.Close()
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	if _, err := env.PrepareProject(ctx, dir); err != nil {
		panic(err)
	}
	report, err := env.Release(ctx, dir)
	if err != nil {
		panic(err)
	}
	for _, j := range report.Jobs {
		fmt.Println(j.Name, j.Status)
	}
	for _, f := range env.PyPI.Files() {
		fmt.Println("on the index:", f.Filename)
	}
	owner, repo, _ := strings.Cut(env.Repository, "/")
	r, _ := env.GitHub.ReleaseByTag(owner, repo, env.Tag)
	fmt.Println("release", r.Tag, "draft:", r.Draft, "assets:", len(r.Assets))
	// Unordered output:
	// preflight succeeded
	// build-wheel succeeded
	// build-image succeeded
	// publish-pypi succeeded
	// publish-release succeeded
	// on the index: hello_release-0.11.0-py3-none-any.whl
	// on the index: hello_release-0.11.0.tar.gz
	// release v0.11.0 draft: false assets: 9
}
