// Command quickstart runs a whole tag-triggered release end to end, offline:
// it generates a sample Python project, prepares v0.11.0 the way a
// maintainer would (bump, cut the changelog), starts in-process stand-ins
// for every remote service (Sigstore, an OCI registry, PyPI, GitHub), runs
// the standard release pipeline — preflight, build and sign the wheel and
// sdist, build, push and sign a two-platform image, publish to PyPI with
// Trusted Publishing, publish the GitHub Release — and then verifies
// everything as a downstream user would.
//
//	go run ./examples/quickstart                 # in a temporary directory
//	go run ./examples/quickstart -out ./release  # keep every output
//	go run ./examples/quickstart -registry 127.0.0.1:5000
//
// The stand-in OIDC issuer presents itself as GitHub Actions', so the
// verification commands printed at the end are exactly the production ones,
// plus --trusted-root trusted_root.json (the stand-in Sigstore's root).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/tagship/tagship/release"
	"github.com/tagship/tagship/release/prepare"
	"github.com/tagship/tagship/release/releasetest"
	"github.com/tagship/tagship/release/verify"
	"github.com/tagship/tagship/sign"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// Manifest is release.json: where everything the release produced is,
// relative to the output directory.
type Manifest struct {
	Version      string     `json:"version"`
	Tag          string     `json:"tag"`
	Repository   string     `json:"repository"`
	Identity     string     `json:"identity"`
	Issuer       string     `json:"issuer"`
	TrustedRoot  string     `json:"trusted_root"`
	Artifacts    []Artifact `json:"artifacts"`
	Image        Image      `json:"image"`
	ReleaseNotes string     `json:"release_notes"`
	SBOM         string     `json:"sbom"`      // the CycloneDX SBOM; its bundle is SBOM + ".sigstore.json"
	Checksums    string     `json:"checksums"` // SHA256SUMS; its bundle is Checksums + ".sigstore.json"
	// Provenance is the Sigstore bundle holding the DSSE-signed SLSA v1
	// provenance of the wheel and sdist.
	Provenance string `json:"provenance"`
	Workflow   string `json:"workflow"`
	ReleaseURL string `json:"release_url"`
}

// Artifact is a signed release file.
type Artifact struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Bundle string `json:"bundle"`
}

// Image is the pushed, signed image.
type Image struct {
	Reference string `json:"reference"`
	Digest    string `json:"digest"`
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "keep every output in this directory (default: a temporary directory, removed at exit)")
	registry := fs.String("registry", "", "push the image to this registry (HOST:PORT, plain HTTP on loopback) instead of the embedded one")
	verbose := fs.Bool("v", false, "log every event")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "quickstart: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if err := quickstart(ctx, *out, *registry, *verbose, stdout); err != nil {
		fmt.Fprintf(stderr, "quickstart: %v\n", err)
		return 1
	}
	return 0
}

func quickstart(ctx context.Context, out, registry string, verbose bool, w io.Writer) error {
	start := time.Now()
	dir := out
	if dir == "" {
		tmp, err := os.MkdirTemp("", "tagship-quickstart-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if ents, _ := os.ReadDir(dir); len(ents) > 0 {
		return fmt.Errorf("output directory %s is not empty: give a new or empty directory", dir)
	}

	var opts []releasetest.Option
	if registry != "" {
		opts = append(opts, releasetest.WithRegistry(registry))
	}
	env, err := releasetest.NewEnv(opts...)
	if err != nil {
		return err
	}
	defer env.Close()
	fmt.Fprintf(w, "tagship quickstart: releasing %s of github.com/%s in %s\n", env.Tag, env.Repository, dir)
	fmt.Fprintf(w, "  stand-ins on 127.0.0.1: Sigstore %s, registry %s, PyPI %s, GitHub %s\n\n",
		env.Sigstore.FulcioURL(), env.RegistryHost, env.PyPI.URL, env.GitHub.URL)

	// 1. The maintainer's side: a project at 0.10.0 with an Unreleased
	// section, prepared for v0.11.0 before the tag is pushed.
	if err := releasetest.WriteProject(dir, releasetest.Project{Repository: env.Repository}); err != nil {
		return err
	}
	prep, err := prepare.Release(ctx, prepare.Config{Version: env.Tag, Dir: dir, NoGitUnsafe: true})
	if err != nil {
		return fmt.Errorf("prepare: %w", err)
	}
	fmt.Fprintf(w, "prepare %s: ", env.Tag)
	for i, f := range prep.Files {
		if i > 0 {
			fmt.Fprint(w, ", ")
		}
		fmt.Fprint(w, f.Path)
	}
	fmt.Fprintf(w, " updated; then: %s\n\n", strings.Join(prep.Commands(), " && "))

	// 2. The tag push: the standard release on the stand-ins.
	cfg, err := env.Config(dir)
	if err != nil {
		return err
	}
	cfg.OutDir = "."
	var logger *slog.Logger
	if verbose {
		logger = slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	progress := &progressPrinter{w: w}
	cfg.PipelineOptions = []release.Option{release.WithEvents(progress.event), release.WithStateDir(filepath.Join(dir, ".tagship"))}
	if logger != nil {
		cfg.PipelineOptions = append(cfg.PipelineOptions, release.WithLogger(logger))
	}
	p, err := release.Standard(cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "plan:\n%s\n", indent(release.FormatPlan(p.Plan()), "  "))
	report, runErr := p.Run(ctx)
	if report != nil {
		fmt.Fprintf(w, "\n%s\n", report.Table())
	}
	if runErr != nil {
		return runErr
	}

	// 3. Outputs: the trust root, the workflow, release.json.
	m, err := writeOutputs(dir, env, p, report)
	if err != nil {
		return err
	}

	// 4. The downstream user's side.
	fmt.Fprintf(w, "verifying %s as a downstream user would (identity %s, issuer %s):\n", env.Tag, m.Identity, m.Issuer)
	if err := verifyRelease(ctx, dir, env, m, w); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nverify it yourself with the real tools (the commands the release notes publish, plus --trusted-root):\n")
	signed := []string{}
	for _, a := range m.Artifacts {
		signed = append(signed, a.Path)
	}
	for _, p := range append(signed, m.Checksums, m.SBOM) {
		fmt.Fprintf(w, "  cosign verify-blob --use-signed-timestamps --trusted-root %s --bundle %s.sigstore.json --certificate-identity '%s' --certificate-oidc-issuer '%s' %s\n",
			m.TrustedRoot, p, m.Identity, m.Issuer, p)
	}
	fmt.Fprintf(w, "  cosign verify --use-signed-timestamps --trusted-root %s --allow-http-registry --certificate-identity '%s' --certificate-oidc-issuer '%s' %s@%s\n",
		m.TrustedRoot, m.Identity, m.Issuer, strings.Split(m.Image.Reference, ":v")[0], m.Image.Digest)
	if out != "" {
		fmt.Fprintf(w, "\noutputs in %s: release.json, %s, %s, %s and %s with their .sigstore.json bundles, workflow.yml, dist/\n", dir, m.TrustedRoot, m.ReleaseNotes, m.Checksums, m.SBOM)
	}
	fmt.Fprintf(w, "\nrelease %s done in %s\n", env.Tag, time.Since(start).Round(time.Millisecond))
	return nil
}

func writeOutputs(dir string, env *releasetest.Env, p *release.Pipeline, report *release.Report) (*Manifest, error) {
	var build release.BuildResult
	var image release.ImageResult
	var gh release.GitHubReleaseResult
	for _, x := range []struct {
		job string
		v   any
	}{{release.JobBuildWheel, &build}, {release.JobBuildImage, &image}, {release.JobPublishRelease, &gh}} {
		j, ok := report.Job(x.job)
		if !ok {
			return nil, fmt.Errorf("no %s in the report", x.job)
		}
		if err := json.Unmarshal(j.Output, x.v); err != nil {
			return nil, fmt.Errorf("output of %s: %w", x.job, err)
		}
	}
	rel := func(p string) string {
		r, err := filepath.Rel(dir, p)
		if err != nil {
			return p
		}
		return filepath.ToSlash(r)
	}
	m := &Manifest{Version: build.Version, Tag: env.Tag, Repository: env.Repository, Identity: build.Identity, Issuer: build.Issuer,
		TrustedRoot: "trusted_root.json", Image: Image{Reference: image.Reference, Digest: image.Digest},
		ReleaseNotes: rel(gh.Notes), SBOM: rel(gh.SBOM), Checksums: rel(gh.Checksums), Provenance: rel(build.Provenance), Workflow: "workflow.yml", ReleaseURL: gh.URL}
	for _, f := range build.Files {
		m.Artifacts = append(m.Artifacts, Artifact{Path: rel(f.Path), SHA256: f.SHA256, Bundle: rel(f.Bundle)})
	}
	if err := env.Sigstore.WriteTrustedRoot(filepath.Join(dir, m.TrustedRoot)); err != nil {
		return nil, err
	}
	// The workflow's jobs run this very version of tagship; a local build
	// has none, and then names the newest release.
	version, ok := release.ModuleVersion()
	if !ok {
		version = "latest"
	}
	wf, err := p.GitHubWorkflow(release.WorkflowOptions{Version: version})
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, m.Workflow), wf, 0o644); err != nil {
		return nil, err
	}
	js, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	return m, os.WriteFile(filepath.Join(dir, "release.json"), append(js, '\n'), 0o644)
}

// verifyRelease checks the published release from the outside, from nothing but
// the repository, the version and where the index, GitHub and the registry
// are: verify.Release downloads the files from the index and the
// bundles, SHA256SUMS and SBOM from the release, and checks every signature
// against the pinned identity and every hash against every record.
func verifyRelease(ctx context.Context, dir string, env *releasetest.Env, m *Manifest, w io.Writer) error {
	v, err := sign.NewVerifier(sign.WithVerifierTrustedRootFile(filepath.Join(dir, m.TrustedRoot)))
	if err != nil {
		return err
	}
	report, err := verify.Release(ctx, verify.Config{
		Repository: m.Repository, Version: m.Version, Project: "hello-release",
		IndexURL: env.PyPI.URL, GitHubAPI: env.GitHub.BaseURL(), GitHubToken: env.GitHub.Token(),
		Image: strings.TrimSuffix(m.Image.Reference, ":"+m.Tag), Verifier: v,
	})
	if report != nil {
		fmt.Fprint(w, indent(report.String(), "  ")+"\n")
	}
	return err
}

// progressPrinter prints one line per job start and finish.
type progressPrinter struct {
	mu sync.Mutex
	w  io.Writer
}

func (p *progressPrinter) event(e release.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch e.Kind {
	case release.EventStarted:
		fmt.Fprintf(p.w, "  ▶ %-16s started\n", e.Job)
	case release.EventLog:
		fmt.Fprintf(p.w, "    %-16s %s\n", e.Job, e.Message)
	case release.EventFinished:
		mark := "✓"
		if !e.Status.Done() {
			mark = "✗"
		}
		detail := e.Reason
		if e.Err != nil {
			detail = e.Err.Error()
		}
		fmt.Fprintf(p.w, "  %s %-16s %s %s %s\n", mark, e.Job, e.Status, e.Duration.Round(time.Millisecond), detail)
	}
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n")
}
