package release

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/tagship/tagship/changelog"
	"github.com/tagship/tagship/ghrelease"
	"github.com/tagship/tagship/oci"
	"github.com/tagship/tagship/preflight"
	"github.com/tagship/tagship/pypi"
	"github.com/tagship/tagship/sign"

	"github.com/tagship/tagship/internal/safehttp"
)

// The jobs of the standard release, named as in the reference workflow.
const (
	JobPreflight      = "preflight"
	JobBuildWheel     = "build-wheel"
	JobBuildImage     = "build-image"
	JobPublishPyPI    = "publish-pypi"
	JobPublishRelease = "publish-release"
)

// DefaultIndexURL is PyPI's upload endpoint.
const DefaultIndexURL = "https://upload.pypi.org/legacy/"

// StandardConfig describes one project's release. Repository and a tag
// (Tag, or GITHUB_REF_NAME in GitHub Actions) are required; everything else
// has a default.
type StandardConfig struct {
	// Dir is the project root. Default ".".
	Dir string
	// Repository is the GitHub repository, "OWNER/REPO": it names the
	// signing identity and where the release is published.
	Repository string
	// Tag is the version tag being released, "v0.11.0". Default: the pushed
	// tag, from GITHUB_REF_NAME (GitHub Actions).
	Tag string
	// WorkflowPath is the release workflow in the repository, part of the
	// signing identity. Default sign.DefaultWorkflowPath.
	WorkflowPath string
	// Manifest is the version source, relative to Dir: a *.toml file is a
	// pyproject.toml, anything else a plain VERSION file. Default
	// "pyproject.toml".
	Manifest string
	// Changelog is the Keep a Changelog file, relative to Dir. Default
	// "CHANGELOG.md".
	Changelog string
	// Getenv reads the environment (the CI event guard, the tag). Default
	// os.Getenv.
	Getenv func(string) string

	// Build builds the distributions into distDir (absolute). Default: run
	// BuildCommand in Dir.
	Build func(ctx context.Context, dir, distDir string) error
	// BuildCommand is the project's build. Default
	// ["python3", "-m", "build", "--outdir", DistDir].
	BuildCommand []string
	// DistDir receives the wheel and sdist, relative to Dir. Default "dist".
	// It must hold only this version's files: stale files are an error.
	DistDir string
	// OutDir receives the release notes and the SBOM, relative to Dir.
	// Default DistDir.
	OutDir string

	// SignerOptions configure the keyless signer shared by the jobs of one
	// run (one ephemeral key). Default: GitHub Actions OIDC and the public
	// Sigstore.
	SignerOptions []sign.Option
	// VerifierOptions configure the verification that every signature
	// passes, with the published identity, before anything is published.
	// Default: the public-good trusted root.
	VerifierOptions []sign.VerifierOption

	// ImageRepository is where the image goes, "ghcr.io/owner/repo"; the
	// tag is always the release tag. Empty: no build-image job.
	ImageRepository string
	// Platforms are the per-platform image sources (see oci.Assemble).
	Platforms []oci.PlatformSource
	// OCIOptions are passed to oci.Assemble, Push, Sign and Verify.
	OCIOptions []oci.Option

	// IndexURL is the package index's upload URL. Default DefaultIndexURL.
	// SkipPyPI leaves out the publish-pypi job.
	IndexURL string
	SkipPyPI bool
	// PyPIOptions are passed to pypi.New. Default: Trusted Publishing with
	// the signer's token source is NOT implied; give
	// pypi.WithTokenSource(sign.DefaultTokenSource()) (Standard does when
	// this is empty).
	PyPIOptions []pypi.Option
	// Attestations sends PEP 740 publish attestations with each upload,
	// signed by the run's signer. Default on; turn off with
	// NoAttestations.
	NoAttestations bool

	// GitHubOptions are passed to ghrelease.New (token, base URL, …).
	GitHubOptions []ghrelease.Option
	// NotesOptions are passed to ghrelease.Notes (template, limits).
	NotesOptions []ghrelease.NotesOption
	// SkipGitHubRelease leaves out the publish-release job.
	SkipGitHubRelease bool

	// PipelineOptions are passed to New (state directory, events, logger,
	// parallelism).
	PipelineOptions []Option
}

// FileArtifact is a signed release file, handed from build-wheel to the
// publish jobs.
type FileArtifact struct {
	Path     string `json:"path"` // as found in DistDir
	Name     string `json:"name"`
	Filetype string `json:"filetype"` // bdist_wheel or sdist
	Size     int64  `json:"size"`
	SHA256   string `json:"sha256"`
	Bundle   string `json:"bundle"`
}

// PreflightResult is the output of the preflight job.
type PreflightResult struct {
	Tag     string `json:"tag"`
	Version string `json:"version"`
	Summary string `json:"summary"`
}

// BuildResult is the output of build-wheel.
type BuildResult struct {
	Project  string         `json:"project"`
	Version  string         `json:"version"`
	Files    []FileArtifact `json:"files"`
	Requires []string       `json:"requires,omitempty"`
	Identity string         `json:"identity"`
	Issuer   string         `json:"issuer"`
	Summary  string         `json:"summary"`
}

// ImageResult is the output of build-image.
type ImageResult struct {
	Reference  string            `json:"reference"` // REGISTRY/REPO:vX.Y.Z
	Repository string            `json:"repository"`
	Tag        string            `json:"tag"`
	Digest     string            `json:"digest"`
	Platforms  map[string]string `json:"platforms"`
	Uploaded   int               `json:"uploaded"`
	Skipped    int               `json:"skipped"`
	Unchanged  bool              `json:"unchanged"`
	Summary    string            `json:"summary"`
}

// PyPIResult is the output of publish-pypi.
type PyPIResult struct {
	Index   string           `json:"index"`
	Files   []PyPIFileResult `json:"files"`
	Summary string           `json:"summary"`
}

// PyPIFileResult is one file's upload.
type PyPIFileResult struct {
	Filename string `json:"filename"`
	Status   string `json:"status"` // uploaded or skipped
	SHA256   string `json:"sha256"`
}

// GitHubReleaseResult is the output of publish-release.
type GitHubReleaseResult struct {
	URL       string            `json:"url"`
	Notes     string            `json:"notes"` // path of the release notes written
	SBOM      string            `json:"sbom"`  // path of the SBOM written
	Assets    map[string]string `json:"assets"`
	Published bool              `json:"published"`
	Summary   string            `json:"summary"`
}

// Standard builds the reference release as a pipeline:
//
//	preflight ─┬─► build-wheel ─┬─► publish-pypi
//	           │                └─► publish-release
//	           └─► build-image ─────► publish-release
//
// build-wheel runs the build, validates every file in DistDir, signs each
// keyless and verifies the bundle with the published identity;
// build-image assembles the multi-arch index, pushes it under the release
// tag and signs it by digest; publish-pypi and publish-release check every
// signature again, with the identity that the release notes publish,
// before uploading anything.
func Standard(cfg StandardConfig) (*Pipeline, error) {
	s, err := newStandard(cfg)
	if err != nil {
		return nil, err
	}
	jobs := []Job{
		{Name: JobPreflight, Run: s.preflight, Fingerprint: s.fingerprint,
			Plan: func() []string {
				return []string{fmt.Sprintf("check tag %s against %s and %s; refuse a non-tag-push run", s.tag, s.cfg.Manifest, s.cfg.Changelog)}
			}},
		{Name: JobBuildWheel, Needs: []string{JobPreflight}, Run: s.buildWheel, Fingerprint: s.fingerprint,
			Paths: []string{filepath.ToSlash(s.cfg.DistDir) + "/"},
			Plan: func() []string {
				build := "run " + strings.Join(s.cfg.BuildCommand, " ")
				if s.cfg.Build != nil {
					build = "run the configured build function"
				}
				return []string{build + " in " + s.cfg.Dir,
					"validate every wheel and sdist in " + s.cfg.DistDir,
					"sign each keyless as " + s.identity() + " into <file>.sigstore.json, then verify it"}
			}},
	}
	releaseNeeds := []string{JobBuildWheel}
	if cfg.ImageRepository != "" {
		jobs = append(jobs, Job{Name: JobBuildImage, Needs: []string{JobPreflight}, Run: s.buildImage, Fingerprint: s.fingerprint,
			Plan: func() []string {
				var plats []string
				for _, p := range s.cfg.Platforms {
					plats = append(plats, p.Platform)
				}
				return []string{fmt.Sprintf("assemble an index for %s", strings.Join(plats, ", ")),
					"push " + s.imageRef() + " (immutable: an existing tag must already point to the same digest)",
					"sign the index digest keyless (cosign formats), then verify it"}
			}})
		releaseNeeds = append(releaseNeeds, JobBuildImage)
	}
	if !cfg.SkipPyPI {
		jobs = append(jobs, Job{Name: JobPublishPyPI, Needs: []string{JobBuildWheel}, Run: s.publishPyPI, Fingerprint: s.fingerprint,
			Environment: "pypi", Permissions: map[string]string{"contents": "read", "id-token": "write"},
			Plan: func() []string {
				return []string{"verify every bundle against " + s.identity(),
					"upload the wheel and sdist to " + s.cfg.IndexURL + " (Trusted Publishing; identical files already there are skipped)"}
			}})
	}
	if !cfg.SkipGitHubRelease {
		jobs = append(jobs, Job{Name: JobPublishRelease, Needs: releaseNeeds, Run: s.publishRelease, Fingerprint: s.fingerprint,
			Plan: func() []string {
				return []string{"verify every bundle against " + s.identity(),
					"write release notes (changelog section + verification commands) and a CycloneDX SBOM",
					"create or complete the draft release " + s.tag + " on github.com/" + s.cfg.Repository + ", upload assets, then publish"}
			}})
	}
	return New(jobs, cfg.PipelineOptions...)
}

// standard holds the configuration and the per-run shared signer.
type standard struct {
	cfg     StandardConfig
	tag     string
	version string

	// One signer per run (one ephemeral key for every file and the image)
	// and one verifier, made when first needed.
	getSigner   func() (*sign.Signer, error)
	getVerifier func() (*sign.Verifier, error)
}

func newStandard(cfg StandardConfig) (*standard, error) {
	if cfg.Getenv == nil {
		cfg.Getenv = os.Getenv
	}
	if cfg.Dir == "" {
		cfg.Dir = "."
	}
	if cfg.WorkflowPath == "" {
		cfg.WorkflowPath = sign.DefaultWorkflowPath
	}
	if cfg.Manifest == "" {
		cfg.Manifest = "pyproject.toml"
	}
	if cfg.Changelog == "" {
		cfg.Changelog = "CHANGELOG.md"
	}
	if cfg.DistDir == "" {
		cfg.DistDir = "dist"
	}
	if cfg.OutDir == "" {
		cfg.OutDir = cfg.DistDir
	}
	if len(cfg.BuildCommand) == 0 {
		cfg.BuildCommand = []string{"python3", "-m", "build", "--outdir", cfg.DistDir}
	}
	if cfg.IndexURL == "" {
		cfg.IndexURL = DefaultIndexURL
	}
	if len(cfg.PyPIOptions) == 0 {
		cfg.PyPIOptions = []pypi.Option{pypi.WithTokenSource(sign.DefaultTokenSource(sign.WithTokenEnv(cfg.Getenv)))}
	}
	var problems []string
	if strings.Count(cfg.Repository, "/") != 1 || strings.HasPrefix(cfg.Repository, "/") || strings.HasSuffix(cfg.Repository, "/") {
		problems = append(problems, fmt.Sprintf("Repository %q: want OWNER/REPO, e.g. \"octo-org/octo-repo\"", cfg.Repository))
	}
	tag := cfg.Tag
	if tag == "" && cfg.Getenv("GITHUB_REF_TYPE") == "tag" {
		tag = cfg.Getenv("GITHUB_REF_NAME")
	}
	if tag == "" {
		problems = append(problems, "no tag: set Tag (\"v0.11.0\"), or run on a tag push in GitHub Actions")
	}
	for _, p := range []string{cfg.DistDir, cfg.OutDir, cfg.Manifest, cfg.Changelog} {
		if filepath.IsAbs(p) || strings.HasPrefix(filepath.Clean(p), "..") {
			problems = append(problems, fmt.Sprintf("path %q must be relative to Dir and inside it", p))
		}
	}
	if cfg.ImageRepository != "" && len(cfg.Platforms) == 0 {
		problems = append(problems, "ImageRepository is set but Platforms is empty: give one source per platform (linux/amd64, linux/arm64)")
	}
	problems = append(problems, checkConfig(cfg)...)
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w: standard release config: %s", ErrInvalidPipeline, strings.Join(problems, "; "))
	}
	// The tag's format is preflight's to judge (with every other problem);
	// here it only has to name a version for the plan.
	version := strings.TrimPrefix(tag, "v")
	return &standard{cfg: cfg, tag: tag, version: version,
		getSigner:   sync.OnceValues(func() (*sign.Signer, error) { return sign.NewSigner(cfg.SignerOptions...) }),
		getVerifier: sync.OnceValues(func() (*sign.Verifier, error) { return sign.NewVerifier(cfg.VerifierOptions...) }),
	}, nil
}

func (s *standard) path(rel string) string { return filepath.Join(s.cfg.Dir, rel) }

func (s *standard) identity() string {
	return sign.GitHubWorkflowIdentity(s.cfg.Repository, s.cfg.WorkflowPath, s.tag)
}

func (s *standard) policy() sign.Policy {
	return sign.GitHubReleasePolicy(s.cfg.Repository, s.cfg.WorkflowPath, s.tag)
}

func (s *standard) imageRef() string { return s.cfg.ImageRepository + ":" + s.tag }

// fingerprint: the release is identified by its repository and tag; the
// needs' outputs (hashes, digests) are added by the pipeline.
func (s *standard) fingerprint(*Inputs) (string, error) {
	return s.cfg.Repository + "\n" + s.tag + "\n" + s.cfg.ImageRepository + "\n" + s.cfg.IndexURL, nil
}

func (s *standard) preflight(ctx context.Context, in *Inputs) (any, error) {
	src := preflight.Pyproject(s.path(s.cfg.Manifest))
	if !strings.HasSuffix(s.cfg.Manifest, ".toml") {
		src = preflight.VersionFile(s.path(s.cfg.Manifest))
	}
	rep, err := preflight.Check(ctx, preflight.Config{
		Tag: s.tag, Dir: s.cfg.Dir, Sources: []preflight.VersionSource{src},
		ChangelogPath: s.path(s.cfg.Changelog), Getenv: s.cfg.Getenv, Logger: in.Logger(),
	})
	if err != nil {
		return nil, err
	}
	if err := rep.Err(); err != nil {
		return nil, err
	}
	return PreflightResult{Tag: s.tag, Version: rep.Version,
		Summary: fmt.Sprintf("%s = %s = changelog section", s.tag, s.cfg.Manifest)}, nil
}

func (s *standard) buildWheel(ctx context.Context, in *Inputs) (any, error) {
	pf, err := Get[PreflightResult](in, JobPreflight)
	if err != nil {
		return nil, err
	}
	dist := s.path(s.cfg.DistDir)
	if err := os.MkdirAll(dist, 0o755); err != nil {
		return nil, err
	}
	absDist, err := filepath.Abs(dist)
	if err != nil {
		return nil, err
	}
	in.Log("build into %s", s.cfg.DistDir)
	if s.cfg.Build != nil {
		err = s.cfg.Build(ctx, s.cfg.Dir, absDist)
	} else {
		err = runBuildCommand(ctx, s.cfg.Dir, s.cfg.BuildCommand, s.cfg.Getenv, in)
	}
	if err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	dists, err := collectDists(dist, pf.Version)
	if err != nil {
		return nil, err
	}
	if err := checkDistProject(s.path(s.cfg.Manifest), dists); err != nil {
		return nil, err
	}
	signer, err := s.getSigner()
	if err != nil {
		return nil, err
	}
	verifier, err := s.getVerifier()
	if err != nil {
		return nil, err
	}
	res := BuildResult{Version: pf.Version, Identity: s.identity(), Issuer: sign.GitHubActionsIssuer}
	for _, d := range dists {
		bundlePath := sign.DefaultBundlePath(d.Path)
		// A bundle already next to the file that verifies for this very
		// file with the release identity is kept: signatures are not
		// deterministic, and re-signing would make a rerun's bundle differ
		// from the one already published.
		if _, err := verifier.VerifyFile(ctx, d.Path, bundlePath, s.policy()); err == nil {
			in.Log("%s: kept the existing bundle, which verifies", d.Filename)
		} else {
			fs, err := signer.SignFile(ctx, d.Path)
			if err != nil {
				return nil, fmt.Errorf("sign %s: %w", d.Filename, err)
			}
			bundlePath = fs.BundlePath
			if _, err := verifier.VerifyFile(ctx, d.Path, bundlePath, s.policy()); err != nil {
				os.Remove(bundlePath)
				return nil, fmt.Errorf("the bundle of %s does not verify with the identity the release notes publish (%s): %w", d.Filename, s.identity(), err)
			}
		}
		in.Progress(d.Filename, d.Size, d.Size)
		res.Files = append(res.Files, FileArtifact{Path: d.Path, Name: d.Filename, Filetype: d.Filetype,
			Size: d.Size, SHA256: d.SHA256, Bundle: bundlePath})
		res.Project = d.Name
		if d.Filetype == "bdist_wheel" && d.Metadata != nil {
			res.Requires = d.Metadata.RequiresDist
		}
	}
	res.Summary = fmt.Sprintf("%d files signed", len(res.Files))
	return res, nil
}

// runBuildCommand runs the project's build in dir without the CI's
// credentials in its environment (see buildEnviron), its output going to
// the job's log. Every known secret is cut from the output before a line
// is logged or the tail is shortened into the error.
func runBuildCommand(ctx context.Context, dir string, argv []string, getenv func(string) string, in *Inputs) error {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.WaitDelay = 5 * time.Second
	var secrets []string
	cmd.Env, secrets = buildEnviron(os.Environ(), getenv)
	red := safehttp.NewRedactor(secrets...)
	out, err := cmd.CombinedOutput()
	text := red.Redact(string(out))
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		if line != "" {
			in.Logger().Debug("build", slog.String("line", line))
		}
	}
	if err != nil {
		tail := text
		if len(tail) > 2000 {
			tail = "…" + tail[len(tail)-2000:]
		}
		return red.Error(fmt.Errorf("%s: %w\n%s", strings.Join(argv, " "), err, tail))
	}
	return nil
}

// ErrDist reports a dist directory that does not hold exactly this
// release's files.
var ErrDist = errors.New("release: bad dist directory")

// collectDists opens every wheel and sdist in dir and checks they are this
// version's, of one project, with at least one wheel and one sdist.
func collectDists(dir, version string) ([]*pypi.Distribution, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDist, err)
	}
	var dists []*pypi.Distribution
	var problems []string
	kinds := map[string]int{}
	for _, e := range ents {
		name := e.Name()
		if e.IsDir() || !(strings.HasSuffix(name, ".whl") || strings.HasSuffix(name, ".tar.gz")) {
			continue
		}
		d, err := pypi.OpenDistribution(filepath.Join(dir, name))
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if err := d.CheckVersion(version); err != nil {
			problems = append(problems, fmt.Sprintf("%s is version %s, not %s: remove files of other releases from %s before building", name, d.Version, version, dir))
			continue
		}
		if len(dists) > 0 && pypi.NormalizeName(d.Name) != pypi.NormalizeName(dists[0].Name) {
			problems = append(problems, fmt.Sprintf("%s belongs to project %s, but %s to %s: one release publishes one project", name, d.Name, dists[0].Filename, dists[0].Name))
			continue
		}
		kinds[d.Filetype]++
		dists = append(dists, d)
	}
	if kinds["bdist_wheel"] == 0 {
		problems = append(problems, "no wheel (*.whl) for version "+version+" in "+dir)
	}
	if kinds["sdist"] == 0 {
		problems = append(problems, "no sdist (*.tar.gz) for version "+version+" in "+dir)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrDist, strings.Join(problems, "; "))
	}
	sort.Slice(dists, func(i, j int) bool { return dists[i].Filename < dists[j].Filename })
	return dists, nil
}

func (s *standard) buildImage(ctx context.Context, in *Inputs) (any, error) {
	if _, err := Get[PreflightResult](in, JobPreflight); err != nil {
		return nil, err
	}
	idx, err := oci.Assemble(ctx, s.cfg.Platforms, s.cfg.OCIOptions...)
	if err != nil {
		return nil, err
	}
	defer idx.Close()
	pushOpts := append(append([]oci.Option(nil), s.cfg.OCIOptions...),
		oci.WithProgress(func(done, total int64) { in.Progress(s.imageRef(), done, total) }))
	pr, err := oci.Push(ctx, idx, s.imageRef(), pushOpts...)
	if err != nil {
		return nil, err
	}
	in.Log("pushed %s (%d blobs uploaded, %d already there)", pr.Reference, pr.Uploaded, pr.Skipped)
	signer, err := s.getSigner()
	if err != nil {
		return nil, err
	}
	if _, err := oci.Sign(ctx, signer, pr.DigestRef(), s.cfg.OCIOptions...); err != nil {
		return nil, fmt.Errorf("sign %s: %w", pr.DigestRef(), err)
	}
	verifier, err := s.getVerifier()
	if err != nil {
		return nil, err
	}
	opts := append(append([]oci.Option(nil), s.cfg.OCIOptions...), oci.WithExpectedDigest(pr.Digest))
	if _, err := oci.Verify(ctx, s.imageRef(), s.policy(), verifier, opts...); err != nil {
		return nil, fmt.Errorf("the image signature does not verify with the identity the release notes publish (%s): %w", s.identity(), err)
	}
	res := ImageResult{Reference: s.imageRef(), Repository: s.cfg.ImageRepository, Tag: s.tag, Digest: pr.Digest.String(),
		Platforms: map[string]string{}, Uploaded: pr.Uploaded, Skipped: pr.Skipped, Unchanged: pr.Unchanged}
	for p, h := range pr.Platforms {
		res.Platforms[p] = h.String()
	}
	res.Summary = fmt.Sprintf("%s@%s (%d platforms)", s.imageRef(), shortDigest(res.Digest), len(res.Platforms))
	return res, nil
}

func shortDigest(d string) string {
	if len(d) > 19 {
		return d[:19]
	}
	return d
}

// verifyArtifacts checks that every built file is still the file that was
// built (size and sha256) and that its bundle verifies with the published
// identity. It runs in each publish job, before anything is sent.
func (s *standard) verifyArtifacts(ctx context.Context, b BuildResult) error {
	verifier, err := s.getVerifier()
	if err != nil {
		return err
	}
	for _, f := range b.Files {
		sum, size, err := sign.SHA256File(ctx, f.Path)
		if err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
		if got := hex.EncodeToString(sum); got != f.SHA256 || size != f.Size {
			return fmt.Errorf("%s changed since it was built and signed: sha256 %s (%d bytes), expected %s (%d bytes); rebuild it (remove the state directory's %s.json)",
				f.Name, got, size, f.SHA256, f.Size, JobBuildWheel)
		}
		if _, err := verifier.VerifyFile(ctx, f.Path, f.Bundle, s.policy()); err != nil {
			return fmt.Errorf("%s: bundle does not verify with the identity %s: %w", f.Name, s.identity(), err)
		}
	}
	return nil
}

func (s *standard) publishPyPI(ctx context.Context, in *Inputs) (any, error) {
	b, err := Get[BuildResult](in, JobBuildWheel)
	if err != nil {
		return nil, err
	}
	if err := s.verifyArtifacts(ctx, b); err != nil {
		return nil, err
	}
	var dists []*pypi.Distribution
	for _, f := range b.Files {
		d, err := pypi.OpenDistribution(f.Path)
		if err != nil {
			return nil, err
		}
		dists = append(dists, d)
	}
	opts := append([]pypi.Option(nil), s.cfg.PyPIOptions...)
	opts = append(opts, pypi.WithLogger(in.Logger()), pypi.WithProgress(in.Progress))
	if !s.cfg.NoAttestations {
		signer, err := s.getSigner()
		if err != nil {
			return nil, err
		}
		opts = append(opts, pypi.WithAttestations(signer))
	}
	client, err := pypi.New(s.cfg.IndexURL, opts...)
	if err != nil {
		return nil, err
	}
	results, err := client.Upload(ctx, dists...)
	if err != nil {
		return nil, err
	}
	res := PyPIResult{Index: s.cfg.IndexURL}
	counts := map[string]int{}
	for _, r := range results {
		res.Files = append(res.Files, PyPIFileResult{Filename: r.Filename, Status: string(r.Status), SHA256: r.SHA256})
		counts[string(r.Status)]++
	}
	res.Summary = fmt.Sprintf("%d uploaded, %d skipped (identical)", counts[string(pypi.Uploaded)], counts[string(pypi.Skipped)])
	return res, nil
}

func (s *standard) publishRelease(ctx context.Context, in *Inputs) (any, error) {
	b, err := Get[BuildResult](in, JobBuildWheel)
	if err != nil {
		return nil, err
	}
	var img ImageResult
	if s.cfg.ImageRepository != "" {
		if img, err = Get[ImageResult](in, JobBuildImage); err != nil {
			return nil, err
		}
	}
	if err := s.verifyArtifacts(ctx, b); err != nil {
		return nil, err
	}
	if s.cfg.ImageRepository != "" {
		// The notes tell users to verify the image: check, as they will,
		// that the tag still points to the digest that was signed, and that
		// the signature verifies with the published identity.
		verifier, err := s.getVerifier()
		if err != nil {
			return nil, err
		}
		h, err := v1.NewHash(img.Digest)
		if err != nil {
			return nil, fmt.Errorf("image digest %q from %s: %w", img.Digest, JobBuildImage, err)
		}
		opts := append(append([]oci.Option(nil), s.cfg.OCIOptions...), oci.WithExpectedDigest(h))
		if _, err := oci.Verify(ctx, img.Reference, s.policy(), verifier, opts...); err != nil {
			return nil, fmt.Errorf("%s no longer verifies as built (identity %s, digest %s): %w", img.Reference, s.identity(), img.Digest, err)
		}
	}
	if err := s.adoptPublishedBundles(ctx, in, b); err != nil {
		return nil, err
	}
	src, err := os.ReadFile(s.path(s.cfg.Changelog))
	if err != nil {
		return nil, err
	}
	cl, err := changelog.Parse(src)
	if err != nil {
		return nil, err
	}
	nd := ghrelease.NotesData{Repository: s.cfg.Repository, Tag: s.tag, Version: b.Version,
		WorkflowPath: s.cfg.WorkflowPath, PythonPackage: b.Project, Image: img.Repository, ImageDigest: img.Digest}
	for _, f := range b.Files {
		nd.Files = append(nd.Files, f.Name)
	}
	if err := nd.UseChangelog(cl); err != nil {
		return nil, err
	}
	notes, err := ghrelease.Notes(nd, s.cfg.NotesOptions...)
	if err != nil {
		return nil, err
	}
	out := s.path(s.cfg.OutDir)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	notesPath := filepath.Join(out, "release-notes.md")
	if err := os.WriteFile(notesPath, []byte(notes), 0o644); err != nil {
		return nil, err
	}
	// The SBOM must be byte-identical on a rerun, or the asset would
	// conflict: fix its serial number and timestamp to the release.
	ts := time.Unix(0, 0).UTC()
	if r := cl.Release(b.Version); r != nil {
		if t, err := time.Parse("2006-01-02", r.Date); err == nil {
			ts = t
		}
	}
	var files []string
	assets := []ghrelease.Asset{}
	for _, f := range b.Files {
		files = append(files, f.Path, f.Bundle)
		assets = append(assets, ghrelease.Asset{Path: f.Path}, ghrelease.Asset{Path: f.Bundle})
	}
	sbom, err := ghrelease.SBOM(ctx, ghrelease.SBOMInput{Name: b.Project, Version: b.Version, Repository: s.cfg.Repository,
		Files: files, Image: img.Repository, ImageDigest: img.Digest, ImageTag: img.Tag, Requires: b.Requires,
		Timestamp: ts, SerialNumber: ghrelease.ReleaseSerialNumber(s.cfg.Repository, s.tag)})
	if err != nil {
		return nil, err
	}
	sbomPath := filepath.Join(out, ghrelease.SBOMAssetName(b.Project, b.Version))
	if err := os.WriteFile(sbomPath, sbom, 0o644); err != nil {
		return nil, err
	}
	assets = append(assets, ghrelease.Asset{Path: sbomPath})
	owner, repo, _ := strings.Cut(s.cfg.Repository, "/")
	pub, err := ghrelease.New(append(append([]ghrelease.Option(nil), s.cfg.GitHubOptions...),
		ghrelease.WithLogger(in.Logger()), ghrelease.WithProgress(in.Progress))...)
	if err != nil {
		return nil, err
	}
	r, err := pub.Publish(ctx, ghrelease.Release{Owner: owner, Repo: repo, Tag: s.tag, Name: s.tag, Body: notes, Assets: assets})
	if err != nil {
		return nil, err
	}
	res := GitHubReleaseResult{URL: r.HTMLURL, Notes: notesPath, SBOM: sbomPath, Assets: map[string]string{},
		Published: r.Published || r.AlreadyPublished}
	counts := map[string]int{}
	for _, a := range r.Assets {
		res.Assets[a.Name] = a.SHA256
		counts[string(a.Action)]++
	}
	res.Summary = fmt.Sprintf("%s: %d assets (%d uploaded, %d unchanged)", r.HTMLURL, len(r.Assets),
		counts[string(ghrelease.AssetUploaded)]+counts[string(ghrelease.AssetReplaced)], counts[string(ghrelease.AssetSkipped)])
	return res, nil
}

// adoptPublishedBundles handles a release that an earlier run (another
// machine, a "re-run all jobs") already attached bundles to. Signatures are
// not deterministic, so this run's bundles differ from those; when the
// published bundle verifies for this very file with the release identity,
// it is adopted in place of ours, so that the release, SHA256SUMS and the
// SBOM stay exactly as first published. A published bundle that does not
// verify is left for Publish to report as a conflict.
func (s *standard) adoptPublishedBundles(ctx context.Context, in *Inputs, b BuildResult) error {
	dl, err := ghrelease.NewDownloader(s.cfg.GitHubOptions...)
	if err != nil {
		return err
	}
	owner, repo, _ := strings.Cut(s.cfg.Repository, "/")
	rel, err := dl.ReleaseForTag(ctx, owner, repo, s.tag)
	if errors.Is(err, ghrelease.ErrNoRelease) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("looking for an earlier release of %s: %w", s.tag, err)
	}
	verifier, err := s.getVerifier()
	if err != nil {
		return err
	}
	for _, f := range b.Files {
		name := filepath.Base(f.Bundle)
		a, ok := rel.Asset(name)
		if !ok {
			continue
		}
		tmp := f.Bundle + ".published"
		got, err := dl.DownloadAsset(ctx, rel, a, tmp)
		if err != nil {
			return fmt.Errorf("reading %s from the release: %w", name, err)
		}
		ours, _, err := sign.SHA256File(ctx, f.Bundle)
		if err == nil && hex.EncodeToString(ours) == got.SHA256 {
			os.Remove(tmp)
			continue
		}
		if _, err := verifier.VerifyFile(ctx, f.Path, tmp, s.policy()); err != nil {
			os.Remove(tmp)
			in.Log("%s on the release does not verify for %s (%v); keeping this run's bundle", name, f.Name, err)
			continue
		}
		if err := os.Rename(tmp, f.Bundle); err != nil {
			os.Remove(tmp)
			return err
		}
		in.Log("%s: adopted the bundle already on the release, which verifies for this file", name)
	}
	return nil
}
