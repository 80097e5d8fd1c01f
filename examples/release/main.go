// Command release is the production main a project copies into its
// repository to release from GitHub Actions with tagship's standard
// pipeline: preflight → build-wheel, build-image → publish-pypi,
// publish-release.
//
// In a workflow exported by -workflow, each GitHub Actions job runs one
// pipeline job by name, handing results to the next jobs through the state
// directory (uploaded as a workflow artifact):
//
//	go run github.com/tagship/tagship/examples/release@VERSION -workflow \
//	    -image ghcr.io/OWNER/REPO -layout oci-layout > .github/workflows/release.yml
//	go run ./examples/release -state .tagship -job build-wheel   # in a job
//	go run ./examples/release -plan                              # dry run
//	go run ./examples/release                                    # every job, here
//
// Everything comes from the GitHub Actions environment: the repository
// (GITHUB_REPOSITORY), the tag (GITHUB_REF_NAME on a tag push), the OIDC
// token for keyless signing and Trusted Publishing (permissions: id-token:
// write), GITHUB_TOKEN for the release and ghcr.io. Flags name what the
// environment cannot: where the project's files are and how to build the
// image:
//
//	-dir .                          the repository root; every path below is relative to it
//	-manifest backend/pyproject.toml -changelog CHANGELOG.md -dist dist
//	-build 'cd backend && python3 -m build --outdir ../dist'   (sh -c, in -dir)
//	-image ghcr.io/OWNER/REPO -dockerfile backend/Dockerfile [-context backend] [-platforms linux/amd64,linux/arm64]
//	-image ghcr.io/OWNER/REPO -image-build 'CMD writing an OCI layout at $TAGSHIP_IMAGE_LAYOUT'
//	-image-needs-wheel              build-image runs after build-wheel and sees the dist files
//
// The endpoints default from the environment, so that one committed
// workflow runs against production, or against the doubles of
// examples/sandbox by environment alone: -trusted-root
// ($TAGSHIP_TRUSTED_ROOT), -signing-config ($TAGSHIP_SIGNING_CONFIG),
// -index ($TAGSHIP_INDEX_URL, the upload URL) and -github-api
// ($TAGSHIP_GITHUB_API).
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
	dir := fs.String("dir", ".", "repository root (the workspace); every other path is relative to it")
	manifest := fs.String("manifest", "pyproject.toml", "version source, relative to -dir: a pyproject.toml, or a plain VERSION file (e.g. backend/pyproject.toml)")
	changelogPath := fs.String("changelog", "CHANGELOG.md", "Keep a Changelog file, relative to -dir")
	dist := fs.String("dist", "dist", "where the build writes the wheel and sdist, relative to -dir")
	build := fs.String("build", "", "build command, run with sh -c in -dir (default: python3 -m build --outdir DIST PKG, PKG the -manifest's directory)")
	image := fs.String("image", "", "image repository, e.g. ghcr.io/OWNER/REPO (empty: no image)")
	fs.Var(&platforms, "platform-dir", "os/arch=DIR: a directory to add as the image's layer for that platform (repeatable)")
	layout := fs.String("layout", "", "an OCI image layout holding the platforms' images (instead of -platform-dir)")
	dockerfile := fs.String("dockerfile", "", "build the image from this Dockerfile (relative to -dir) with docker buildx")
	imageContext := fs.String("context", "", "with -dockerfile: the build context, relative to -dir (default: the Dockerfile's directory)")
	imageBuild := fs.String("image-build", "", "build the image with this command (sh -c in -dir), which must write an OCI layout at $TAGSHIP_IMAGE_LAYOUT")
	imagePlatforms := fs.String("platforms", "", "comma-separated platforms the image must hold (default linux/amd64,linux/arm64)")
	imageNeedsWheel := fs.Bool("image-needs-wheel", false, "build-image runs after build-wheel, with the signed wheel and sdist in -dist (an image that installs the built wheel)")
	// The endpoints default from the environment, so that the one
	// committed workflow runs against production or, by environment alone,
	// against a sandbox (go run ./examples/sandbox).
	index := fs.String("index", envOr(getenv, "TAGSHIP_INDEX_URL", release.DefaultIndexURL), "package index upload URL ($TAGSHIP_INDEX_URL)")
	trustedRoot := fs.String("trusted-root", getenv("TAGSHIP_TRUSTED_ROOT"), "Sigstore trusted_root.json ($TAGSHIP_TRUSTED_ROOT; default: the public-good root via TUF)")
	signingConfig := fs.String("signing-config", getenv("TAGSHIP_SIGNING_CONFIG"), "Sigstore signing_config.json ($TAGSHIP_SIGNING_CONFIG; default: the public-good services via TUF)")
	githubAPI := fs.String("github-api", getenv("TAGSHIP_GITHUB_API"), "GitHub API root, e.g. https://ghe.example.com/api/v3/ (uploads: .../api/uploads/) ($TAGSHIP_GITHUB_API; default github.com)")
	issuer := fs.String("issuer", "", "OIDC issuer the signing certificates must name (default GitHub Actions'; GitHub Enterprise Server: https://HOST/_services/token)")
	concurrency := fs.Int("concurrency", release.DefaultConcurrency, "how many files to sign, verify, attest and upload at once")
	state := fs.String("state", ".tagship", "state directory (results handed between jobs; reruns resume from it)")
	job := fs.String("job", "", "run only this job (as one GitHub Actions job of the exported workflow)")
	plan := fs.Bool("plan", false, "print what would be built, signed and published, and where; run nothing")
	workflow := fs.Bool("workflow", false, "print the pipeline as a GitHub Actions workflow")
	// Flags of the export only: they shape the workflow, not the jobs.
	version := fs.String("version", "", "with -workflow: the tagship version each job runs (go run "+release.DefaultCommandPackage+"@VERSION); default: this binary's module version")
	command := fs.String("command", "", "with -workflow: the command each job runs instead (e.g. \"go run ./cmd/release\")")
	goVersion := fs.String("go-version", "", "with -workflow: the Go version for actions/setup-go; default: this binary's")
	actionRefs := fs.String("actions", "commit", "with -workflow: how uses: refers to actions: commit (pinned, with the release as a comment), tag (v7.0.1) or major (v7)")
	python := fs.String("python", "3.x", "with -workflow: the python-version build-wheel sets up (then pip install build); none: the runner's Python")
	pypiProject := fs.String("pypi-project", "", "with -workflow: the project's name on PyPI, for the pypi environment's URL")
	pypiOptional := fs.Bool("pypi-continue-on-error", false, "with -workflow: the workflow succeeds even when publish-pypi fails")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "release: unexpected arguments %q\n", fs.Args())
		return 2
	}
	cfg := release.StandardConfig{
		Python: *python, PyPIProject: *pypiProject, PyPIContinueOnError: *pypiOptional,
		Dir: *dir, Repository: *repo, Tag: *tag, Getenv: getenv,
		Manifest: *manifest, Changelog: *changelogPath, DistDir: *dist,
		ImageRepository: *image, IndexURL: *index, Issuer: *issuer,
		Concurrency: *concurrency,
		PipelineOptions: []release.Option{
			release.WithStateDir(*state),
			release.WithLogger(slog.New(slog.NewTextHandler(stderr, nil))),
		},
	}
	if *build != "" {
		cfg.BuildCommand = []string{"sh", "-c", *build}
	}
	// Tokens only for the jobs granted id-token: write, as in GitHub Actions.
	tokens := release.CheckedTokenSource(sign.DefaultTokenSource(sign.WithTokenEnv(getenv)))
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
	var plats []string
	if *imagePlatforms != "" {
		plats = strings.Split(*imagePlatforms, ",")
	}
	switch {
	case *dockerfile != "" || *imageBuild != "":
		cfg.ImageBuild = release.ImageBuild{Command: *imageBuild, Dockerfile: *dockerfile, Context: *imageContext,
			Platforms: plats, NeedsWheel: *imageNeedsWheel}
	case *imageContext != "" || *imageNeedsWheel:
		fmt.Fprintln(stderr, "release: -context and -image-needs-wheel go with -dockerfile or -image-build")
		return 2
	case *layout != "":
		if plats == nil {
			plats = oci.DefaultPlatforms()
		}
		for _, p := range plats {
			cfg.Platforms = append(cfg.Platforms, oci.PlatformSource{Platform: p, Layout: *layout})
		}
	default:
		cfg.Platforms = platforms
	}
	if n := boolCount(*dockerfile != "" || *imageBuild != "", *layout != "", len(platforms) > 0); n > 1 {
		fmt.Fprintln(stderr, "release: give one image source: -dockerfile, -image-build, -layout or -platform-dir")
		return 2
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
		refs := map[string]release.ActionRefs{"commit": release.ActionCommits, "tag": release.ActionTags, "major": release.ActionMajorTags}
		r, ok := refs[*actionRefs]
		if !ok {
			fmt.Fprintf(stderr, "release: -actions %q: want commit, tag or major\n", *actionRefs)
			return 2
		}
		wf, err := p.GitHubWorkflow(release.WorkflowOptions{
			Command: *command, Version: *version, GoVersion: *goVersion, ActionRefs: r,
			Args: passThrough(args),
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

// envOr is getenv(key), or def when it is empty.
func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

func boolCount(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// exportOnly are the flags that the workflow sets itself (-job, -state)
// or that shape the export only: they are not passed to the jobs. The
// value says whether the flag takes a value.
var exportOnly = map[string]bool{
	"workflow": false, "plan": false, "pypi-continue-on-error": false,
	"job": true, "state": true, "version": true, "command": true, "go-version": true,
	"actions": true, "python": true, "pypi-project": true,
}

// passThrough keeps the flags that configure the release, as given, for
// the command each exported job runs (the export shell-quotes each one).
func passThrough(args []string) []string {
	var keep []string
	skipNext := false
	for _, a := range args {
		if skipNext {
			skipNext = false
			continue
		}
		if a == "--" || !strings.HasPrefix(a, "-") {
			keep = append(keep, a)
			continue
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if takesValue, ok := exportOnly[name]; ok {
			skipNext = takesValue && !hasValue
			continue
		}
		keep = append(keep, a)
	}
	return keep
}
