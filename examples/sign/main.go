// Command sign signs release files keylessly with Sigstore: each FILE gets a
// FILE.sigstore.json bundle (protobuf bundle v0.3), the form `cosign
// verify-blob --bundle` and examples/verify check. One ephemeral key signs
// all files, up to -concurrency (default 32) at a time; every bundle is
// verified before it is written.
//
// In a GitHub Actions job with `permissions: id-token: write` it needs no
// flag: the OIDC token comes from the runner and the services from the
// public-good Sigstore (via TUF):
//
//	go run ./examples/sign dist/*.whl dist/*.tar.gz
//
// Against a private or local stack:
//
//	go run ./examples/sign -signing-config signing_config.json -trusted-root trusted_root.json FILE...
//	go run ./examples/sign -fulcio URL -rekor URL [-rekor-version 2 -tsa URL] -trusted-root trusted_root.json FILE...
//
// It also speaks the Sigstore conformance CLI protocol
// (github.com/sigstore/sigstore-conformance, docs/cli_protocol.md), so a
// conformance runner can drive it like any other Sigstore client:
//
//	go run ./examples/sign sign-bundle [--in-toto] --identity-token TOKEN --bundle FILE \
//	    [--trusted-root trusted_root.json] [--signing-config signing_config.json] FILE
//
// (--in-toto: FILE is an in-toto statement, signed as a DSSE envelope.)
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"

	"golang.org/x/sync/errgroup"

	"github.com/tagship/tagship/sign"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is main without the process: exit code 0 all signed, 1 a file failed,
// 2 usage or configuration error.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "sign-bundle" {
		return signBundle(ctx, args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("sign", flag.ContinueOnError)
	fs.SetOutput(stderr)
	signingConfig := fs.String("signing-config", "", "signing_config.json (v0.2) naming Fulcio, Rekor and TSAs (default: public-good via TUF)")
	trustedRoot := fs.String("trusted-root", "", "trusted_root.json to verify the bundles against (default: public-good via TUF)")
	fulcio := fs.String("fulcio", "", "Fulcio URL (overrides the signing config)")
	rekor := fs.String("rekor", "", "Rekor URL (overrides the signing config)")
	rekorVersion := fs.Uint("rekor-version", 1, "Rekor API version of -rekor: 1 or 2 (2 needs -tsa)")
	tsa := fs.String("tsa", "", "RFC 3161 timestamp authority URL, e.g. https://timestamp.example/api/v1/timestamp")
	verbose := fs.Bool("v", false, "log service calls to stderr")
	concurrency := fs.Int("concurrency", 32, "how many files to sign at once")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: sign [flags] FILE...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	if *concurrency < 1 {
		fmt.Fprintln(stderr, "sign: -concurrency must be at least 1")
		return 2
	}

	opts := []sign.Option{sign.WithTokenSource(sign.DefaultTokenSource(sign.WithTokenEnv(getenv)))}
	if *signingConfig != "" {
		opts = append(opts, sign.WithSigningConfigFile(*signingConfig))
	}
	if *trustedRoot != "" {
		opts = append(opts, sign.WithTrustedRootFile(*trustedRoot))
	}
	if *fulcio != "" {
		opts = append(opts, sign.WithFulcioURL(*fulcio))
	}
	if *rekor != "" {
		opts = append(opts, sign.WithRekorURL(*rekor, uint32(*rekorVersion)))
	}
	if *tsa != "" {
		opts = append(opts, sign.WithTSAURL(*tsa))
	}
	if *verbose {
		opts = append(opts, sign.WithLogger(slog.New(slog.NewTextHandler(stderr, nil))))
	}
	signer, err := sign.NewSigner(opts...)
	if err != nil {
		fmt.Fprintln(stderr, "sign:", err)
		return 2
	}

	// One Signer (one key, one certificate) signs the files concurrently:
	// each signature mostly waits on the transparency log, so files signed
	// together share that wait. Results print in argument order.
	files := fs.Args()
	results := make([]*sign.FileSignature, len(files))
	errs := make([]error, len(files))
	var g errgroup.Group
	g.SetLimit(*concurrency)
	for i, file := range files {
		g.Go(func() error {
			results[i], errs[i] = signer.SignFile(ctx, file)
			return nil // one file failing does not stop the others
		})
	}
	g.Wait()
	code := 0
	for i, res := range results {
		if errs[i] != nil {
			fmt.Fprintln(stderr, "sign:", errs[i])
			code = 1
			continue
		}
		fmt.Fprintf(stdout, "signed %s sha256:%s -> %s\n", res.Path, res.SHA256Hex(), res.BundlePath)
	}
	if id, iss := signer.Identity(); id != "" {
		fmt.Fprintf(stdout, "identity: %s\nissuer:   %s\n", id, iss)
	}
	return code
}
