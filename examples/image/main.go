// Command image assembles a multi-platform OCI image index from
// per-platform build outputs, pushes it to an immutable version tag and
// signs its digest keylessly (GitHub Actions OIDC by default), in the
// formats cosign v2 and v3 verify. Copy it into your repository and adapt.
//
// Usage (in a release workflow with `permissions: id-token: write,
// packages: write` and GITHUB_TOKEN in the environment for ghcr.io):
//
//	go run ./examples/image \
//	    -platform-dir linux/amd64=dist/amd64 -platform-dir linux/arm64=dist/arm64 \
//	    -prefix /app -entrypoint /app/server \
//	    -ref ghcr.io/OWNER/REPO:v1.2.3
//
// or from a `docker buildx build --output type=oci,dest=img.tar,tar=false`
// layout directory:
//
//	go run ./examples/image -layout img -ref ghcr.io/OWNER/REPO:v1.2.3
//
// It prints one JSON object (index digest, per-platform digests, blobs
// uploaded and skipped, signatures) on stdout, so scripts can read it.
// Plain HTTP is used only for loopback registries, or for others with
// -insecure-registry. -sign=false pushes without signing.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/tagship/tagship/oci"
	"github.com/tagship/tagship/sign"
)

// pairs collects repeated "platform=value" flags.
type pairs []struct{ platform, value string }

func (p *pairs) String() string { return fmt.Sprint(*p) }
func (p *pairs) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" || v == "" {
		return fmt.Errorf("want PLATFORM=VALUE, e.g. linux/arm64=dist/arm64, got %q", s)
	}
	*p = append(*p, struct{ platform, value string }{k, v})
	return nil
}

type output struct {
	Reference  string            `json:"reference"`
	Digest     string            `json:"digest"`
	Platforms  map[string]string `json:"platforms"`
	Unchanged  bool              `json:"unchanged"`
	Uploaded   int               `json:"uploaded"`
	Skipped    int               `json:"skipped"`
	Signed     []string          `json:"signed,omitempty"`
	ElapsedSec float64           `json:"elapsed_seconds"`
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := realMain(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// realMain runs the command with args and returns the exit code: 0 done,
// 1 failure, 2 usage or platform/tag error, 3 tag conflict.
func realMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("image", flag.ContinueOnError)
	fl.SetOutput(stderr)
	var dirs, layouts, tarballs pairs
	fl.Var(&dirs, "platform-dir", "PLATFORM=DIR: a directory turned into a reproducible layer for PLATFORM (repeat per platform)")
	fl.Var(&layouts, "platform-layout", "PLATFORM=DIR: take PLATFORM's image from an OCI layout directory (repeatable)")
	fl.Var(&tarballs, "platform-tarball", "PLATFORM=FILE: take PLATFORM's image from a `docker save` tarball (repeatable)")
	layoutDir := fl.String("layout", "", "OCI layout directory holding every platform (e.g. docker buildx --output type=oci,tar=false)")
	base := fl.String("base", "", "base image reference for -platform-dir layers (default: empty base)")
	prefix := fl.String("prefix", "/", "where -platform-dir contents land in the image")
	entrypoint := fl.String("entrypoint", "", "entrypoint for -platform-dir images (space separated)")
	platforms := fl.String("platforms", strings.Join(oci.DefaultPlatforms(), ","), "expected platforms, comma separated")
	ref := fl.String("ref", "", "REGISTRY/REPO:vX.Y.Z to push to (required)")
	insecure := fl.Bool("insecure-registry", false, "allow plain HTTP to a non-loopback registry (unsafe)")
	jobs := fl.Int("jobs", 4, "parallel blob uploads")
	doSign := fl.Bool("sign", true, "sign the pushed index digest")
	recursive := fl.Bool("recursive", true, "also sign each platform manifest")
	signingConfig := fl.String("signing-config", "", "Sigstore signing_config.json (default: public-good via TUF)")
	trustedRoot := fl.String("trusted-root", "", "Sigstore trusted_root.json (default: public-good via TUF)")
	verbose := fl.Bool("v", false, "log progress to stderr")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if *ref == "" {
		fmt.Fprintln(stderr, "image: -ref REGISTRY/REPO:vX.Y.Z is required")
		fl.Usage()
		return 2
	}
	logger := slog.New(slog.DiscardHandler)
	if *verbose {
		logger = slog.New(slog.NewTextHandler(stderr, nil))
	}

	var sources []oci.PlatformSource
	var entry []string
	if *entrypoint != "" {
		entry = strings.Fields(*entrypoint)
	}
	for _, d := range dirs {
		sources = append(sources, oci.PlatformSource{Platform: d.platform, Remote: *base,
			Layer: oci.LayerSpec{Dir: d.value, Prefix: *prefix}, Entrypoint: entry})
	}
	for _, l := range layouts {
		sources = append(sources, oci.PlatformSource{Platform: l.platform, Layout: l.value})
	}
	for _, tb := range tarballs {
		sources = append(sources, oci.PlatformSource{Platform: tb.platform, Tarball: tb.value})
	}
	if *layoutDir != "" {
		sources = append(sources, oci.PlatformSource{Layout: *layoutDir})
	}

	opts := []oci.Option{
		oci.WithPlatforms(strings.Split(*platforms, ",")...),
		oci.WithJobs(*jobs),
		oci.WithLogger(logger),
	}
	if *insecure {
		opts = append(opts, oci.WithInsecureHTTPUnsafe())
	}

	if err := run(ctx, stdout, sources, *ref, opts, *doSign, *recursive, *signingConfig, *trustedRoot, logger); err != nil {
		fmt.Fprintln(stderr, "image:", err)
		var pe *oci.PlatformError
		var tc *oci.TagConflictError
		switch {
		case errors.As(err, &pe), errors.Is(err, oci.ErrTagNotVersion):
			return 2
		case errors.As(err, &tc):
			return 3
		}
		return 1
	}
	return 0
}

func run(ctx context.Context, stdout io.Writer, sources []oci.PlatformSource, ref string, opts []oci.Option,
	doSign, recursive bool, signingConfig, trustedRoot string, logger *slog.Logger) error {
	start := time.Now()
	// Fail before any work when the tag would be refused.
	if _, tag, ok := strings.Cut(ref[strings.LastIndexByte(ref, '/')+1:], ":"); ok {
		if err := oci.CheckTag(tag); err != nil {
			return err
		}
	}
	idx, err := oci.Assemble(ctx, sources, opts...)
	if err != nil {
		return err
	}
	defer idx.Close()

	res, err := oci.Push(ctx, idx, ref, opts...)
	if err != nil {
		return err
	}
	out := output{
		Reference: res.Reference, Digest: res.Digest.String(), Platforms: map[string]string{},
		Unchanged: res.Unchanged, Uploaded: res.Uploaded, Skipped: res.Skipped,
	}
	for p, d := range res.Platforms {
		out.Platforms[p] = d.String()
	}

	if doSign {
		var sopts []sign.Option
		if signingConfig != "" {
			sopts = append(sopts, sign.WithSigningConfigFile(signingConfig))
		}
		if trustedRoot != "" {
			sopts = append(sopts, sign.WithTrustedRootFile(trustedRoot))
		}
		sopts = append(sopts, sign.WithLogger(logger))
		signer, err := sign.NewSigner(sopts...) // GitHub Actions OIDC, else SIGSTORE_ID_TOKEN
		if err != nil {
			return err
		}
		if recursive {
			opts = append(opts, oci.WithRecursive())
		}
		sr, err := oci.Sign(ctx, signer, res.DigestRef(), opts...)
		if err != nil {
			return err
		}
		for _, t := range sr.Targets {
			out.Signed = append(out.Signed, t.Digest.String())
		}
	}
	out.ElapsedSec = time.Since(start).Seconds()
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
