package signtest_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/tagship/tagship/sign"
	"github.com/tagship/tagship/sign/signtest"
)

func Example() {
	st, err := signtest.NewServer(signtest.WithWorkflow(signtest.Workflow{Repository: "Metbcy/securescan", Ref: "v0.11.0"}))
	if err != nil {
		panic(err)
	}
	defer st.Close()
	fmt.Println(st.Identity())
	fmt.Println(st.Issuer())

	ctx := context.Background()
	signer, _ := st.NewSigner()
	verifier, _ := st.NewVerifier()
	d := sha256.Sum256([]byte("artifact"))
	b, err := signer.SignDigest(ctx, d[:])
	if err != nil {
		panic(err)
	}
	_, err = verifier.VerifyDigest(ctx, b, d[:], sign.GitHubReleasePolicy("Metbcy/securescan", "", "v0.11.0"))
	fmt.Println(err == nil, len(st.Entries()))
	// Output:
	// https://github.com/Metbcy/securescan/.github/workflows/release.yml@refs/tags/v0.11.0
	// https://token.actions.githubusercontent.com
	// true 1
}

// Make Fulcio fail twice with 503: the signer retries and succeeds.
func ExampleSigstore_AddFault() {
	st, _ := signtest.NewServer()
	defer st.Close()
	signer, _ := st.NewSigner()
	st.AddFault(signtest.Fulcio, signtest.Fault{Status: 503, Times: 2})
	d := sha256.Sum256([]byte("artifact"))
	_, err := signer.SignDigest(context.Background(), d[:])
	fmt.Println(err == nil, st.Requests(signtest.Fulcio))

	st.AddFault(signtest.Rekor, signtest.Fault{Status: 400, Times: signtest.Always})
	_, err = signer.SignDigest(context.Background(), d[:])
	var se *sign.ServiceError
	fmt.Println(errors.As(err, &se), se.Service)
	// Output:
	// true 3
	// true rekor
}

func ExampleWorkflow_Claims() {
	c := signtest.Workflow{Repository: "o/r", Ref: "v1.0.0", EventName: "release"}.Claims()
	fmt.Println(c["sub"])
	fmt.Println(c["job_workflow_ref"])
	fmt.Println(c["event_name"], c["ref_type"])
	// Output:
	// repo:o/r:ref:refs/tags/v1.0.0
	// o/r/.github/workflows/release.yml@refs/tags/v1.0.0
	// release tag
}
