// Command release is the production main a project copies into its
// repository to release from GitHub Actions with tagship's standard
// pipeline: preflight → build-wheel, build-image → publish-pypi,
// publish-release.
//
// In a workflow exported by -workflow, each GitHub Actions job runs one
// pipeline job by name, handing results to the next jobs through the state
// directory (uploaded as a workflow artifact):
//
//	go run ./examples/release -workflow > .github/workflows/release.yml
//	go run ./examples/release -state .tagship -job build-wheel   # in a job
//	go run ./examples/release -plan                              # dry run
//	go run ./examples/release                                    # every job, here
//
// Everything comes from the GitHub Actions environment: the repository
// (GITHUB_REPOSITORY), the tag (GITHUB_REF_NAME on a tag push), the OIDC
// token for keyless signing and Trusted Publishing (permissions: id-token:
// write), GITHUB_TOKEN for the release and ghcr.io. Flags name what the
// environment cannot: the image sources and where to push.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"

	"github.com/tagship/tagship/ghrelease"
	"github.com/tagship/tagship/oci"
	"github.com/tagship/tagship/pypi"
	"github.com/tagship/tagship/release"
	"github.com/tagship/tagship/sign"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// platformFlag collects -platform-dir os/arch=DIR values.
type platformFlag []oci.PlatformSource

func (p *platformFlag) String() string { return "" }

func (p *platformFlag) Set(v string) error {
	plat, dir, ok := strings.Cut(v, "=")
	if !ok || plat == "" || dir == "" {
		return fmt.Errorf("want os/arch=DIR, e.g. linux/arm64=build/rootfs-arm64")
	}
	*p = append(*p, oci.PlatformSource{Platform: plat, Layer: oci.LayerSpec{Dir: dir}})
	return nil
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("release", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var platforms platformFlag
	repo := fs.String("repo", getenv("GITHUB_REPOSITORY"), "GitHub repository OWNER/REPO")
	tag := fs.String("tag", "", "tag to release (default: the pushed tag, GITHUB_REF_NAME)")
	dir := fs.String("dir", ".", "project root")
	build := fs.String("build", "python3 -m build --outdir dist", "build command (run in -dir, split on spaces)")
	image := fs.String("image", "", "image repository, e.g. ghcr.io/OWNER/REPO (empty: no image)")
	fs.Var(&platforms, "platform-dir", "os/arch=DIR: a directory to add as the image's layer for that platform (repeatable)")
	layout := fs.String("layout", "", "an OCI image layout holding the platforms' images (instead of -platform-dir)")
	index := fs.String("index", release.DefaultIndexURL, "package index upload URL")
	trustedRoot := fs.String("trusted-root", "", "Sigstore trusted_root.json (default: the public-good root via TUF)")
	signingConfig := fs.String("signing-config", "", "Sigstore signing_config.json (default: the public-good services via TUF)")
	issuer := fs.String("issuer", "", "OIDC issuer the signing certificates must name (default GitHub Actions'; GitHub Enterprise Server: https://HOST/_services/token)")
	githubAPI := fs.String("github-api", "", "GitHub Enterprise API root, e.g. https://ghe.example.com/api/v3/ (uploads: .../api/uploads/); default github.com")
	concurrency := fs.Int("concurrency", release.DefaultConcurrency, "how many files to sign, verify, attest and upload at once")
	state := fs.String("state", ".tagship", "state directory (results handed between jobs; reruns resume from it)")
	job := fs.String("job", "", "run only this job (as one GitHub Actions job of the exported workflow)")
	plan := fs.Bool("plan", false, "print what would be built, signed and published, and where; run nothing")
	workflow := fs.Bool("workflow", false, "print the pipeline as a GitHub Actions workflow")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "release: unexpected arguments %q\n", fs.Args())
		return 2
	}
	cfg := release.StandardConfig{
		Dir: *dir, Repository: *repo, Tag: *tag, Getenv: getenv,
		BuildCommand: strings.Fields(*build), ImageRepository: *image, IndexURL: *index, Issuer: *issuer,
		Concurrency: *concurrency,
		PipelineOptions: []release.Option{
			release.WithStateDir(*state),
			release.WithLogger(slog.New(slog.NewTextHandler(stderr, nil))),
		},
	}
	tokens := sign.DefaultTokenSource(sign.WithTokenEnv(getenv))
	cfg.SignerOptions = []sign.Option{sign.WithTokenSource(tokens)}
	cfg.PyPIOptions = []pypi.Option{pypi.WithTokenSource(tokens)}
	if *signingConfig != "" {
		cfg.SignerOptions = append(cfg.SignerOptions, sign.WithSigningConfigFile(*signingConfig))
	}
	if *trustedRoot != "" {
		cfg.SignerOptions = append(cfg.SignerOptions, sign.WithTrustedRootFile(*trustedRoot))
		cfg.VerifierOptions = append(cfg.VerifierOptions, sign.WithVerifierTrustedRootFile(*trustedRoot))
	}
	cfg.GitHubOptions = []ghrelease.Option{ghrelease.WithToken(getenv("GITHUB_TOKEN"))}
	if *githubAPI != "" {
		api := strings.TrimSuffix(*githubAPI, "/") + "/"
		cfg.GitHubOptions = append(cfg.GitHubOptions, ghrelease.WithBaseURL(api, strings.Replace(api, "/api/v3/", "/api/uploads/", 1)))
	}
	cfg.OCIOptions = []oci.Option{oci.WithEnv(getenv)}
	if *image != "" {
		cfg.Platforms = platforms
		if *layout != "" {
			cfg.Platforms = nil
			for _, p := range oci.DefaultPlatforms() {
				cfg.Platforms = append(cfg.Platforms, oci.PlatformSource{Platform: p, Layout: *layout})
			}
		}
	}
	if (*plan || *workflow) && cfg.Tag == "" {
		cfg.Tag = "vX.Y.Z" // only named in the plan or workflow comments
	}
	p, err := release.Standard(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "release: %v\n", err)
		return 2
	}
	switch {
	case *workflow:
		wf, err := p.GitHubWorkflow(release.WorkflowOptions{
			Command: "go run ./examples/release" + passThrough(args),
		})
		if err != nil {
			fmt.Fprintf(stderr, "release: %v\n", err)
			return 1
		}
		stdout.Write(wf)
		return 0
	case *plan:
		fmt.Fprint(stdout, release.FormatPlan(p.Plan()))
		return 0
	}
	var report *release.Report
	if *job != "" {
		report, err = p.RunJob(ctx, *job)
	} else {
		report, err = p.Run(ctx)
	}
	if report != nil {
		fmt.Fprint(stdout, report.Table())
	}
	if err != nil {
		fmt.Fprintf(stderr, "release: %v\n", err)
		return 1
	}
	return 0
}

// passThrough keeps the flags that configure the release (not -workflow,
// -job, -state, -plan, which the workflow sets itself) for the command each
// exported job runs.
func passThrough(args []string) string {
	var keep []string
	skipNext := false
	for _, a := range args {
		if skipNext {
			skipNext = false
			continue
		}
		name := strings.TrimLeft(a, "-")
		name, _, hasValue := strings.Cut(name, "=")
		switch name {
		case "workflow", "plan":
			continue
		case "job", "state":
			skipNext = !hasValue
			continue
		}
		keep = append(keep, a)
	}
	if len(keep) == 0 {
		return ""
	}
	return " " + strings.Join(keep, " ")
}
