// Command pypi-publish uploads wheels and sdists to PyPI the way
// pypa/gh-action-pypi-publish does — Trusted Publishing, PEP 740
// attestations — with a streaming upload and a skip-existing that compares
// hashes.
//
// In a GitHub Actions job with `permissions: id-token: write` whose
// workflow is registered as the project's trusted publisher, it needs no
// credentials:
//
//	go run ./examples/pypi-publish -attest dist/*
//
// Elsewhere, with a classic API token (read from $PYPI_API_TOKEN when
// -token is not given), against any index:
//
//	go run ./examples/pypi-publish -index https://test.pypi.org/legacy/ -token "$TOKEN" dist/*
//
// Exit code 0: every file uploaded or already there identically; 1: a file
// failed; 2: usage or configuration error.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"

	"github.com/tagship/tagship/pypi"
	"github.com/tagship/tagship/sign"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("pypi-publish", flag.ContinueOnError)
	fs.SetOutput(stderr)
	index := fs.String("index", "https://upload.pypi.org/legacy/", "upload URL of the index (the legacy API)")
	token := fs.String("token", "", "classic API token (default $PYPI_API_TOKEN; without either, Trusted Publishing via GitHub Actions OIDC)")
	attest := fs.Bool("attest", false, "sign a PEP 740 publish attestation per file (Sigstore keyless; needs Trusted Publishing)")
	tag := fs.String("tag", "", "release tag (e.g. v1.2.3): every file's version must match it")
	skipExisting := fs.Bool("skip-existing", true, "treat files already on the index with the same sha256 as done")
	signingConfig := fs.String("signing-config", "", "Sigstore signing_config.json for -attest (default: public-good via TUF)")
	trustedRoot := fs.String("trusted-root", "", "Sigstore trusted_root.json for -attest (default: public-good via TUF)")
	fulcio := fs.String("fulcio", "", "Fulcio URL for -attest (overrides the signing config)")
	rekor := fs.String("rekor", "", "Rekor v1 URL for -attest (overrides the signing config)")
	insecure := fs.Bool("insecure-http", false, "allow a plain http:// index on a non-loopback host (unsafe)")
	verbose := fs.Bool("v", false, "log requests and retries to stderr")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: pypi-publish [flags] FILE...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}

	var dists []*pypi.Distribution
	for _, p := range fs.Args() {
		d, err := pypi.OpenDistribution(p)
		if err != nil {
			fmt.Fprintln(stderr, "pypi-publish:", err)
			return 1
		}
		if *tag != "" {
			if err := d.CheckVersion(*tag); err != nil {
				fmt.Fprintln(stderr, "pypi-publish:", err)
				return 1
			}
		}
		dists = append(dists, d)
	}

	logger := slog.New(slog.DiscardHandler)
	if *verbose {
		logger = slog.New(slog.NewTextHandler(stderr, nil))
	}
	opts := []pypi.Option{pypi.WithLogger(logger), pypi.WithSkipExisting(*skipExisting)}
	if *insecure {
		opts = append(opts, pypi.WithInsecureHTTPUnsafe())
	}
	if *token == "" {
		*token = getenv("PYPI_API_TOKEN")
	}
	if *token != "" {
		opts = append(opts, pypi.WithAPIToken(*token))
	} else {
		opts = append(opts, pypi.WithTokenSource(sign.GitHubActionsTokenSource(sign.WithTokenEnv(getenv))))
	}
	if *attest {
		sopts := []sign.Option{sign.WithTokenSource(sign.DefaultTokenSource(sign.WithTokenEnv(getenv))), sign.WithLogger(logger)}
		if *signingConfig != "" {
			sopts = append(sopts, sign.WithSigningConfigFile(*signingConfig))
		}
		if *trustedRoot != "" {
			sopts = append(sopts, sign.WithTrustedRootFile(*trustedRoot))
		}
		if *fulcio != "" {
			sopts = append(sopts, sign.WithFulcioURL(*fulcio))
		}
		if *rekor != "" {
			sopts = append(sopts, sign.WithRekorURL(*rekor, 1))
		}
		signer, err := sign.NewSigner(sopts...)
		if err != nil {
			fmt.Fprintln(stderr, "pypi-publish:", err)
			return 2
		}
		opts = append(opts, pypi.WithAttestations(signer))
	}
	client, err := pypi.New(*index, opts...)
	if err != nil {
		fmt.Fprintln(stderr, "pypi-publish:", err)
		return 2
	}
	results, err := client.Upload(ctx, dists...)
	for _, r := range results {
		fmt.Fprintf(stdout, "%s %s sha256:%s (%d bytes, %d attempt(s), %s)\n", r.Status, r.Filename, r.SHA256, r.Size, r.Attempts, r.Duration.Round(1e6))
		if r.AttestationPath != "" {
			fmt.Fprintf(stdout, "  attestation: %s\n", r.AttestationPath)
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "pypi-publish:", err)
		return 1
	}
	return 0
}
