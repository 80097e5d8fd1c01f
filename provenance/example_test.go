package provenance_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tagship/tagship/provenance"
	"github.com/tagship/tagship/sign"
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

// WriteBundle signs the provenance of a release's files and writes it as a
// Sigstore bundle, once it verifies as users will verify it;
// VerifyBundleFile is their check. The Sigstore double stands in for
// GitHub Actions and the public Sigstore here.
func ExampleWriteBundle() {
	st, err := signtest.NewServer(signtest.WithWorkflow(signtest.Workflow{Repository: "octo-org/hello", Ref: "refs/tags/v1.2.3"}))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer st.Close()
	signer, _ := st.NewSigner()
	verifier, _ := st.NewVerifier()
	env := st.Workflow().Env()
	run, err := provenance.GitHubRunFromEnv(func(k string) string { return env[k] })
	if err != nil {
		fmt.Println(err)
		return
	}
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "hello-1.2.3.provenance.sigstore.json")
	policy := st.Policy() // the workflow's identity and the issuer
	expect := provenance.Expect{Repository: "octo-org/hello", Ref: "v1.2.3", WorkflowPath: sign.DefaultWorkflowPath,
		Subjects: []provenance.Subject{{Name: "hello-1.2.3.tar.gz", SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}}}
	ctx := context.Background()
	if err := provenance.WriteBundle(ctx, signer, verifier, policy, path, provenance.Build{Run: run}, expect); err != nil {
		fmt.Println(err)
		return
	}
	p, _, err := provenance.VerifyBundleFile(ctx, verifier, path, policy, expect)
	fmt.Println(err, p.Subjects[0])
	// Output:
	// <nil> hello-1.2.3.tar.gz sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
}
