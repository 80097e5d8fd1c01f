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
	githubAPI := fs.String("github-api", "", "GitHub Enterprise API root, e.g. https://ghe.example.com/api/v3/ (uploads: .../api/uploads/); default github.com")
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
		BuildCommand: strings.Fields(*build), ImageRepository: *image, IndexURL: *index,
		PipelineOptions: []release.Option{
			release.WithStateDir(*state),
			release.WithLogger(slog.New(slog.NewTextHandler(stderr, nil))),
		},
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
