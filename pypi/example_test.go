package pypi_test

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tagship/tagship/pypi"
	"github.com/tagship/tagship/pypi/pypitest"
)

// exampleWheel writes a minimal wheel into dir and returns its path.
func exampleWheel(dir, name, version string) string {
	p := filepath.Join(dir, name+"-"+version+"-py3-none-any.whl")
	f, _ := os.Create(p)
	defer f.Close()
	zw := zip.NewWriter(f)
	di := name + "-" + version + ".dist-info/"
	w, _ := zw.Create(di + "METADATA")
	fmt.Fprintf(w, "Metadata-Version: 2.1\nName: %s\nVersion: %s\nSummary: Example\nRequires-Python: >=3.9\n\nLong description.\n", name, version)
	w, _ = zw.Create(di + "WHEEL")
	fmt.Fprint(w, "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
	zw.Close()
	return p
}

func ExampleOpenDistribution() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	d, err := pypi.OpenDistribution(exampleWheel(dir, "demo_pkg", "1.0.0"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d.Filename, d.Filetype, d.PyVersion)
	fmt.Println(d.Name, d.Version, d.Metadata.RequiresPython)
	fmt.Println(d.CheckVersion("v1.0.0") == nil, errors.Is(d.CheckVersion("v1.0.1"), pypi.ErrVersionMismatch))

	// A file whose name disagrees with its metadata is rejected.
	bad := filepath.Join(dir, "demo_pkg-2.0.0-py3-none-any.whl")
	os.Rename(d.Path, bad)
	_, err = pypi.OpenDistribution(bad)
	fmt.Println(errors.Is(err, pypi.ErrInvalidDistribution))
	// Output:
	// demo_pkg-1.0.0-py3-none-any.whl bdist_wheel py3
	// demo_pkg 1.0.0 >=3.9
	// true true
	// true
}

// Upload with Trusted Publishing: the client exchanges a CI OIDC token for
// an upload token, then streams the file to /legacy/. Here pypitest plays
// PyPI and its Issuer plays GitHub Actions.
func ExampleClient_Upload() {
	issuer, _ := pypitest.NewIssuer("")
	index, _ := pypitest.NewServer(issuer.Option(), pypitest.WithTrustedPublisher(pypitest.Publisher{
		Repository: "octo/demo", Workflow: "release.yml", Environment: "pypi",
	}))
	defer index.Close()

	// In GitHub Actions use sign's GitHub token source instead.
	ci := pypi.TokenSourceFunc(func(ctx context.Context, audience string) (string, error) {
		return issuer.GitHubToken(pypitest.GitHubClaims{Repository: "octo/demo", Workflow: "release.yml", Environment: "pypi", Audience: audience})
	})
	client, err := pypi.New(index.UploadURL(), pypi.WithTokenSource(ci))
	if err != nil {
		fmt.Println(err)
		return
	}
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	d, _ := pypi.OpenDistribution(exampleWheel(dir, "demo", "1.0.0"))

	ctx := context.Background()
	res, err := client.Upload(ctx, d)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res[0].Filename, res[0].Status)

	// Running the release again is safe: the index already has the file
	// (same sha256), so it is skipped without being sent or a token being
	// minted; a different file under the same name is a *ConflictError.
	res, _ = client.Upload(ctx, d)
	fmt.Println(res[0].Filename, res[0].Status)
	fmt.Println(len(index.Files()), index.MintCount())
	// Output:
	// demo-1.0.0-py3-none-any.whl uploaded
	// demo-1.0.0-py3-none-any.whl skipped
	// 1 1
}

// Trusted-publisher mismatches explain what to fix, with the token's
// non-secret claims.
func ExampleMintError() {
	issuer, _ := pypitest.NewIssuer("")
	index, _ := pypitest.NewServer(issuer.Option(), pypitest.WithTrustedPublisher(pypitest.Publisher{
		Repository: "octo/demo", Workflow: "release.yml",
	}))
	defer index.Close()
	ci := pypi.TokenSourceFunc(func(ctx context.Context, audience string) (string, error) {
		return issuer.GitHubToken(pypitest.GitHubClaims{Repository: "octo/demo", Workflow: "ci.yml", Ref: "refs/tags/v1.0.0", Audience: audience})
	})
	client, _ := pypi.New(index.URL, pypi.WithTokenSource(ci))
	_, _, err := client.Mint(context.Background())
	var me *pypi.MintError
	if errors.As(err, &me) {
		fmt.Println(me.Status, me.Errors[0].Code)
		fmt.Println(me.Claims.Repository, me.Claims.JobWorkflowRef)
	}
	// Output:
	// 422 invalid-publisher
	// octo/demo octo/demo/.github/workflows/ci.yml@refs/tags/v1.0.0
}

func ExampleNormalizeVersion() {
	for _, v := range []string{"v1.0.0", "1.0.0-RC1", "1.0-1", "2!1.0.DEV3"} {
		n, _ := pypi.NormalizeVersion(v)
		fmt.Println(n)
	}
	// Output:
	// 1.0.0
	// 1.0.0rc1
	// 1.0.post1
	// 2!1.0.dev3
}

// exampleSdist writes a minimal sdist into dir and returns its path.
func exampleSdist(dir, name, version string) string {
	p := filepath.Join(dir, name+"-"+version+".tar.gz")
	f, _ := os.Create(p)
	defer f.Close()
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	meta := fmt.Sprintf("Metadata-Version: 2.1\nName: %s\nVersion: %s\n", name, version)
	tw.WriteHeader(&tar.Header{Name: name + "-" + version + "/PKG-INFO", Mode: 0o644, Size: int64(len(meta))})
	tw.Write([]byte(meta))
	tw.Close()
	gz.Close()
	return p
}

// OpenDistDir takes what a build wrote into its dist directory as one
// release: every file of the version, of one project, a wheel and an
// sdist; CheckProject then refuses files of another project than the
// manifest's.
func ExampleOpenDistDir() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	exampleWheel(dir, "demo_pkg", "1.0.0")
	exampleSdist(dir, "demo_pkg", "1.0.0")
	dists, err := pypi.OpenDistDir(dir, "v1.0.0")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range dists {
		fmt.Println(d.Filename, d.Filetype)
	}
	fmt.Println(pypi.CheckProject("Demo-Pkg", dists...))
	fmt.Println(pypi.CheckProject("other", dists...))

	// A file of an earlier release left in the directory is refused.
	exampleWheel(dir, "demo_pkg", "0.9.0")
	_, err = pypi.OpenDistDir(dir, "v1.0.0")
	fmt.Println(errors.Is(err, pypi.ErrDist))
	// Output:
	// demo_pkg-1.0.0-py3-none-any.whl bdist_wheel
	// demo_pkg-1.0.0.tar.gz sdist
	// <nil>
	// pypi: bad dist directory: expected only files of project other, found demo_pkg-1.0.0-py3-none-any.whl (project demo_pkg), demo_pkg-1.0.0.tar.gz (project demo_pkg): remove them, or fix the build
	// true
}

// ProjectURL links a release to its project page on the public indexes.
func ExampleProjectURL() {
	fmt.Println(pypi.ProjectURL(pypi.DefaultUploadURL, "hello-release"))
	fmt.Println(pypi.ProjectURL(pypi.TestPyPIUploadURL, "hello-release"))
	fmt.Printf("%q\n", pypi.ProjectURL("https://pypi.example.com/legacy/", "hello-release"))
	// Output:
	// https://pypi.org/p/hello-release
	// https://test.pypi.org/p/hello-release
	// ""
}
