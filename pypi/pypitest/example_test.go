package pypitest_test

import (
	"context"
	"fmt"
	"net/http"
	"os"

	"github.com/tagship/tagship/pypi"
	"github.com/tagship/tagship/pypi/pypitest"
)

// A Warehouse-like index for tests: point twine, pip or pypi.Client at
// it; inspect what arrived.
func Example() {
	srv, err := pypitest.NewServer(pypitest.WithAPIToken("pypi-test"))
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	// twine upload --repository-url <srv.UploadURL()> -u __token__ -p pypi-test dist/*
	// pip download --index-url <srv.SimpleURL()> demo==1.0
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	d, err := wheelIn(dir, "demo", "1.0", "")
	if err != nil {
		panic(err)
	}
	c, _ := pypi.New(srv.UploadURL(), pypi.WithAPIToken("pypi-test"))
	if _, err := c.Upload(context.Background(), d); err != nil {
		panic(err)
	}
	f, _ := srv.File(d.Filename)
	fmt.Println(f.Filename, f.SHA256 == d.SHA256, srv.UploadAttempts())
	fmt.Println(srv.Captures()[0].Fields[0].Name, srv.Captures()[0].Fields[0].Value)
	// Output:
	// demo-1.0-py3-none-any.whl true 1
	// name demo
}

// Faults make the index misbehave: here two 503s with Retry-After, which
// the client retries.
func ExampleServer_AddFault() {
	srv, _ := pypitest.NewServer(pypitest.WithAPIToken("pypi-test"))
	defer srv.Close()
	srv.AddFault(pypitest.Fault{Match: pypitest.MatchPath(http.MethodPost, "/legacy/"), Status: 503, Header: http.Header{"Retry-After": {"0"}}, Times: 2})
	c, _ := pypi.New(srv.UploadURL(), pypi.WithAPIToken("pypi-test"))
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	d, _ := wheelIn(dir, "demo", "1.0", "")
	res, err := c.Upload(context.Background(), d)
	fmt.Println(err, res[0].Attempts, srv.UploadAttempts())
	// Output:
	// <nil> 3 3
}

// Trusted Publishing: the server verifies OIDC tokens from a configured
// issuer against a trusted publisher and mints short-lived tokens.
func ExampleIssuer() {
	iss, _ := pypitest.NewIssuer("")
	srv, _ := pypitest.NewServer(iss.Option(), pypitest.WithTrustedPublisher(pypitest.Publisher{
		Repository: "octo/demo", Workflow: "release.yml",
	}))
	defer srv.Close()
	ci := pypi.TokenSourceFunc(func(ctx context.Context, aud string) (string, error) {
		return iss.GitHubToken(pypitest.GitHubClaims{Repository: "octo/demo", Workflow: "release.yml", Audience: aud})
	})
	c, _ := pypi.New(srv.URL, pypi.WithTokenSource(ci))
	_, _, err := c.Mint(context.Background())
	fmt.Println(err, srv.MintCount())
	// Output:
	// <nil> 1
}
