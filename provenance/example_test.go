package provenance_test

import (
	"fmt"

	"github.com/tagship/tagship/provenance"
	"github.com/tagship/tagship/sign/signtest"
)

// A release job builds the provenance of its files from the GitHub Actions
// environment (os.Getenv on a runner; the double's environment here), then
// signs the statement with sign.Signer.SignDSSE(ctx, provenance.PayloadType, stmt).
func ExampleBuild_Statement() {
	env := signtest.Workflow{Repository: "octo-org/hello", Ref: "refs/tags/v1.2.3"}.Env()
	run, err := provenance.GitHubRunFromEnv(func(k string) string { return env[k] })
	if err != nil {
		fmt.Println(err)
		return
	}
	stmt, err := provenance.Build{Run: run}.Statement(provenance.Subject{
		Name: "hello-1.2.3.tar.gz", SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"})
	if err != nil {
		fmt.Println(err)
		return
	}
	p, _ := provenance.Parse(stmt)
	fmt.Println(p.BuildType)
	fmt.Println(p.BuilderID)
	fmt.Println(p.InvocationID)
	fmt.Println(p.Check(provenance.Expect{Repository: "octo-org/hello", Ref: "v1.2.3", WorkflowPath: ".github/workflows/release.yml"}))
	// Output:
	// https://actions.github.io/buildtypes/workflow/v1
	// https://github.com/octo-org/hello/.github/workflows/release.yml@refs/tags/v1.2.3
	// https://github.com/octo-org/hello/actions/runs/4242424242/attempts/1
	// <nil>
}
