// Command verify checks a published release the way a downstream user
// would, pinned to the identity of the workflow that must have signed it:
// the exact certificate identity
// https://github.com/OWNER/REPO/<workflow>@refs/tags/vX.Y.Z and the GitHub
// Actions OIDC issuer. It prints the identity and issuer it pinned — the
// strings the release notes publish — then what it checked.
//
// Whole release (verify.Release): the wheel and sdist from the
// package index, their .sigstore.json bundles, SHA256SUMS and the SBOM from
// the GitHub release, and the container image by digest:
//
//	go run ./examples/verify -repo OWNER/REPO -version 1.2.3 \
//	    [-project NAME] [-index https://pypi.org] [-github-api https://api.github.com/] \
//	    [-image ghcr.io/owner/repo] [-trusted-root trusted_root.json] [-workflow .github/workflows/release.yml]
//
// A token for the GitHub API is optional (public repositories); it is read
// from $GITHUB_TOKEN, never from the command line. -download-dir keeps the
// files; -dir verifies offline from a directory of files already
// downloaded (pip download, gh release download).
//
// One file and its bundle:
//
//	go run ./examples/verify -repo OWNER/REPO -tag v1.2.3 pkg-1.2.3.tar.gz
//	go run ./examples/verify -repo OWNER/REPO -tag v1.2.3 -file FILE -bundle B -trusted-root trusted_root.json
//
// Without -trusted-root it uses the public-good Sigstore trusted root via
// TUF (network).
//
// It also speaks the Sigstore conformance CLI protocol
// (github.com/sigstore/sigstore-conformance, docs/cli_protocol.md), so a
// conformance runner can drive it like any other Sigstore client, with an
// identity or a public key:
//
//	go run ./examples/verify verify-bundle --bundle B --certificate-identity ID --certificate-oidc-issuer URL [--trusted-root F] FILE_OR_DIGEST
//	go run ./examples/verify verify-bundle --bundle B --key key.pub [--trusted-root F] FILE_OR_DIGEST
//
// FILE_OR_DIGEST is the artifact or its digest "sha256:HEX".
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/tagship/tagship/release/verify"
	"github.com/tagship/tagship/sign"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is main without the process: exit code 0 verified, 1 verification
// failed, 2 usage or configuration error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "verify-bundle" {
		return verifyBundle(ctx, args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	repo := fs.String("repo", "", "GitHub repository OWNER/REPO that released (required)")
	version := fs.String("version", "", "release version X.Y.Z (the tag is vX.Y.Z)")
	tag := fs.String("tag", "", "release tag vX.Y.Z (alternative to -version)")
	workflow := fs.String("workflow", sign.DefaultWorkflowPath, "path of the release workflow in the repository")
	issuer := fs.String("issuer", sign.GitHubActionsIssuer, "OIDC issuer of the signing identity")
	trustedRoot := fs.String("trusted-root", "", "trusted_root.json (default: public-good Sigstore via TUF)")
	// Whole release.
	project := fs.String("project", "", "PyPI project name (default: the REPO part of -repo)")
	index := fs.String("index", "https://pypi.org", "package index (base URL or simple API root)")
	githubAPI := fs.String("github-api", "https://api.github.com/", "GitHub REST API root (GitHub Enterprise: https://HOST/api/v3/); token from $GITHUB_TOKEN")
	image := fs.String("image", "", "container image repository REGISTRY/REPO (tag vX.Y.Z implied); empty: no image checks")
	dir := fs.String("dir", "", "verify offline from this directory of downloaded files")
	downloadDir := fs.String("download-dir", "", "keep the downloaded files in this directory")
	unsignedRecords := fs.Bool("unsigned-records-unsafe", false, "accept a release whose SHA256SUMS or SBOM has no .sigstore.json bundle (releases made before they were signed)")
	// One file.
	file := fs.String("file", "", "verify only this file against its bundle")
	bundle := fs.String("bundle", "", "bundle path of -file (default: FILE.sigstore.json)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: verify -repo OWNER/REPO -version X.Y.Z [-index URL] [-github-api URL] [-image REGISTRY/REPO] [flags]")
		fmt.Fprintln(stderr, "       verify -repo OWNER/REPO -tag vX.Y.Z [-bundle B] [flags] FILE   (or -file FILE)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *file == "" && fs.NArg() == 1 {
		*file = fs.Arg(0)
	}
	if *tag == "" && *version != "" {
		*tag = "v" + strings.TrimPrefix(*version, "v")
	}
	if fs.NArg() > 1 || (fs.NArg() == 1 && *file != fs.Arg(0)) || *repo == "" || *tag == "" {
		fs.Usage()
		return 2
	}

	var vopts []sign.VerifierOption
	if *trustedRoot != "" {
		vopts = append(vopts, sign.WithVerifierTrustedRootFile(*trustedRoot))
	}
	v, err := sign.NewVerifier(vopts...)
	if err != nil {
		fmt.Fprintln(stderr, "verify:", err)
		return 2
	}
	if *file != "" {
		policy := sign.GitHubReleasePolicy(*repo, *workflow, *tag)
		policy.Issuer = *issuer
		fmt.Fprintf(stdout, "identity: %s\nissuer:   %s\n", policy.Identity, policy.Issuer)
		if *bundle == "" {
			*bundle = sign.DefaultBundlePath(*file)
		}
		res, err := v.VerifyFile(ctx, *file, *bundle, policy)
		if err != nil {
			fmt.Fprintln(stderr, "verify: FAILED:", err)
			return 1
		}
		fmt.Fprintf(stdout, "Verified OK: %s sha256:%x signed at %s (transparency log index %v)\n",
			*file, res.SHA256, res.SignedAt.UTC().Format("2006-01-02T15:04:05Z"), res.LogIndexes)
		return 0
	}

	report, err := verify.Release(ctx, verify.Config{
		Repository:   *repo,
		Version:      strings.TrimPrefix(*tag, "v"),
		Project:      *project,
		IndexURL:     *index,
		GitHubAPI:    *githubAPI,
		Image:        *image,
		Verifier:     v,
		WorkflowPath: *workflow,
		Issuer:       *issuer,
		Dir:          *dir,
		DownloadDir:  *downloadDir,

		UnsignedRecordsUnsafe: *unsignedRecords,
	})
	if report == nil {
		fmt.Fprintln(stderr, "verify:", err)
		return 2
	}
	fmt.Fprint(stdout, report) // starts with the pinned identity and issuer
	if err != nil {
		fmt.Fprintf(stderr, "verify: FAILED: %d check(s) failed (see above)\n", len(report.Failures()))
		return 1
	}
	return 0
}
