// Command verify checks a release file against its Sigstore bundle and the
// identity of the workflow that must have signed it: the exact certificate
// identity https://github.com/OWNER/REPO/<workflow>@refs/tags/<tag> and the
// GitHub Actions OIDC issuer, plus the repository and ref claims. It prints
// the identity and issuer it checked, the strings the release notes publish.
//
//	go run ./examples/verify -repo OWNER/REPO -tag v1.2.3 pkg-1.2.3.tar.gz
//	go run ./examples/verify -repo OWNER/REPO -tag v1.2.3 -bundle b.json -trusted-root trusted_root.json FILE
//
// Without -trusted-root it uses the public-good Sigstore trusted root via
// TUF (network).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

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
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	repo := fs.String("repo", "", "GitHub repository OWNER/REPO that released the file (required)")
	tag := fs.String("tag", "", "release tag, e.g. v1.2.3 (required)")
	workflow := fs.String("workflow", sign.DefaultWorkflowPath, "path of the release workflow in the repository")
	issuer := fs.String("issuer", sign.GitHubActionsIssuer, "OIDC issuer of the signing identity")
	bundle := fs.String("bundle", "", "bundle path (default: FILE.sigstore.json)")
	trustedRoot := fs.String("trusted-root", "", "trusted_root.json (default: public-good Sigstore via TUF)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: verify -repo OWNER/REPO -tag vX.Y.Z [flags] FILE")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 || *repo == "" || *tag == "" {
		fs.Usage()
		return 2
	}
	file := fs.Arg(0)
	if *bundle == "" {
		*bundle = sign.DefaultBundlePath(file)
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
	policy := sign.GitHubReleasePolicy(*repo, *workflow, *tag)
	policy.Issuer = *issuer
	fmt.Fprintf(stdout, "identity: %s\nissuer:   %s\n", policy.Identity, policy.Issuer)
	res, err := v.VerifyFile(ctx, file, *bundle, policy)
	if err != nil {
		fmt.Fprintln(stderr, "verify: FAILED:", err)
		return 1
	}
	fmt.Fprintf(stdout, "Verified OK: %s sha256:%x signed at %s (transparency log index %v)\n",
		file, res.SHA256, res.SignedAt.UTC().Format("2006-01-02T15:04:05Z"), res.LogIndexes)
	return 0
}
