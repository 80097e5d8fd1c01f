package main

import (
	"context"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/tagship/tagship/sign"
)

// verifyBundle is the Sigstore conformance CLI protocol's verify command
// (github.com/sigstore/sigstore-conformance, docs/cli_protocol.md):
//
//	verify verify-bundle [--staging] --bundle FILE --certificate-identity ID --certificate-oidc-issuer URL [--trusted-root F] FILE_OR_DIGEST
//	verify verify-bundle [--staging] --bundle FILE --key PEM [--trusted-root F] FILE_OR_DIGEST
//
// FILE_OR_DIGEST is the artifact (for a DSSE bundle: a subject of its
// in-toto statement) or its digest "sha256:HEX" — a digest only when it has
// that form and is not a path on disk. Exit codes as run's.
func verifyBundle(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("verify-bundle", flag.ContinueOnError)
	fs.SetOutput(stderr)
	staging := fs.Bool("staging", false, "use the Sigstore staging instance (not supported: pass its --trusted-root)")
	bundlePath := fs.String("bundle", "", "the Sigstore bundle to verify (required)")
	identity := fs.String("certificate-identity", "", "exact certificate identity (SAN) the signer must have")
	issuer := fs.String("certificate-oidc-issuer", "", "exact OIDC issuer of the signer's identity")
	keyPath := fs.String("key", "", "PEM public key the bundle must be signed with (instead of an identity)")
	trustedRoot := fs.String("trusted-root", "", "trusted_root.json (default: public-good Sigstore via TUF)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: verify verify-bundle --bundle FILE (--certificate-identity ID --certificate-oidc-issuer URL | --key PEM) [--trusted-root F] FILE_OR_DIGEST")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	keyed := *keyPath != ""
	if fs.NArg() != 1 || *bundlePath == "" || keyed == (*identity != "" || *issuer != "") || (!keyed && (*identity == "" || *issuer == "")) {
		fs.Usage()
		return 2
	}
	if *staging {
		fmt.Fprintln(stderr, "verify-bundle: --staging is not supported: pass the staging instance's --trusted-root")
		return 2
	}

	policy := sign.Policy{Identity: *identity, Issuer: *issuer}
	if keyed {
		pub, err := sign.LoadPublicKey(*keyPath)
		if err != nil {
			fmt.Fprintln(stderr, "verify-bundle:", err)
			return 2
		}
		policy = sign.KeyPolicy(pub)
	}
	var vopts []sign.VerifierOption
	if *trustedRoot != "" {
		vopts = append(vopts, sign.WithVerifierTrustedRootFile(*trustedRoot))
	}
	v, err := sign.NewVerifier(vopts...)
	if err != nil {
		fmt.Fprintln(stderr, "verify-bundle:", err)
		return 2
	}

	target := fs.Arg(0)
	var res *sign.Verification
	if digest, ok := digestArg(target); ok {
		b, err := sign.LoadBundle(*bundlePath)
		if err != nil {
			fmt.Fprintln(stderr, "verify-bundle: FAILED:", err)
			return 1
		}
		res, err = v.VerifyDigest(ctx, b, digest, policy)
		if err != nil {
			fmt.Fprintln(stderr, "verify-bundle: FAILED:", err)
			return 1
		}
	} else {
		res, err = v.VerifyFile(ctx, target, *bundlePath, policy)
		if err != nil {
			fmt.Fprintln(stderr, "verify-bundle: FAILED:", err)
			return 1
		}
	}
	signer := res.Identity + " (" + res.Issuer + ")"
	if keyed {
		signer = "public key " + res.PublicKeyID
	}
	fmt.Fprintf(stdout, "Verified OK: %s sha256:%x signed by %s at %s (transparency log index %v)\n",
		target, res.SHA256, signer, res.SignedAt.UTC().Format("2006-01-02T15:04:05Z"), res.LogIndexes)
	return 0
}

// digestArg reads FILE_OR_DIGEST as the protocol says: a digest when it
// starts with "sha256:", has 64 hex digits after it and is not a path on
// disk; a file otherwise.
func digestArg(s string) ([]byte, bool) {
	h, ok := strings.CutPrefix(s, "sha256:")
	if !ok || len(h) != 64 {
		return nil, false
	}
	d, err := hex.DecodeString(h)
	if err != nil {
		return nil, false
	}
	if _, err := os.Stat(s); err == nil {
		return nil, false
	}
	return d, true
}
