package release

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/tagship/tagship/changelog"
	"github.com/tagship/tagship/ghrelease"
	"github.com/tagship/tagship/oci"
	"github.com/tagship/tagship/preflight"
	"github.com/tagship/tagship/provenance"
	"github.com/tagship/tagship/pypi"
	"github.com/tagship/tagship/sign"

	"github.com/tagship/tagship/internal/buildcmd"
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
const DefaultIndexURL = pypi.DefaultUploadURL

// StandardConfig describes one project's release. Repository and a tag
// (Tag, or GITHUB_REF_NAME in GitHub Actions) are required; everything else
// has a default.
type StandardConfig struct {
	// Dir is the repository root (the workspace of a GitHub Actions job).
	// Every other path of the config is relative to it, so a package in a
	// subdirectory ("backend/pyproject.toml") and a changelog at the root
	// or inside the package both work. Default ".".
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
	// Issuer is the OIDC issuer of the signing certificates, which every
	// verification pins and the release notes publish. Default
	// sign.GitHubActionsIssuer (GitHub Enterprise Server and local test
	// Sigstores have their own).
	Issuer string
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
	// BuildCommand is the project's build, run in Dir. Default
	// ["python3", "-m", "build", "--outdir", DistDir, PKG] where PKG is the
	// manifest's directory ("." for a root pyproject.toml).
	BuildCommand []string
	// DistDir receives the wheel and sdist, relative to Dir. Default "dist".
	// It must hold only this version's files: stale files are an error.
	DistDir string
	// OutDir receives the release notes, the SBOM and SHA256SUMS (each
	// with its .sigstore.json bundle), relative to Dir.
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
	// tag is always the release tag. Empty: no build-image job. It is
	// validated and lowercased (oci.NormalizeRepository) before any job
	// runs.
	ImageRepository string
	// Platforms are the per-platform image sources (see oci.Assemble).
	// Leave empty when ImageBuild builds the image.
	Platforms []oci.PlatformSource
	// ImageBuild builds the image from the project's Dockerfile (or with
	// a command of its own) into an OCI layout that build-image then
	// assembles, checks, pushes and signs.
	ImageBuild ImageBuild
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
	// NoProvenance leaves out the SLSA v1 build provenance: by default
	// build-wheel signs one provenance statement for the wheel and sdist
	// (<project>-<version>.provenance.sigstore.json, attached to the
	// release) and build-image attests the image index with provenance and
	// a CycloneDX SBOM; both are filled from the GitHub Actions environment
	// (Getenv) and fail outside it.
	NoProvenance bool

	// GitHubOptions are passed to ghrelease.New (token, base URL, …).
	GitHubOptions []ghrelease.Option
	// NotesOptions are passed to ghrelease.Notes (template, limits).
	NotesOptions []ghrelease.NotesOption
	// SkipGitHubRelease leaves out the publish-release job.
	SkipGitHubRelease bool

	// PipelineOptions are passed to New (state directory, events, logger,
	// parallelism).
	PipelineOptions []Option

	// Python is the python-version the exported build-wheel job sets up
	// with actions/setup-python before `python -m pip install build`.
	// Default "3.x"; "none" leaves Python and the build's tools to the
	// runner.
	Python string
	// PyPIProject is the project's name on the index: the exported
	// publish-pypi job links its deployment to https://pypi.org/p/NAME
	// (test.pypi.org for TestPyPI). Empty: no link.
	PyPIProject string
	// PyPIContinueOnError lets the exported workflow succeed when
	// publish-pypi fails, as the reference project runs it. Default: a
	// failed upload fails the release.
	PyPIContinueOnError bool

	// Concurrency bounds how many files are signed, verified, attested
	// and uploaded to the index at once (see release/concurrent.go).
	// Default DefaultConcurrency (32); 1 handles one file after another.
	Concurrency int
}

// sourceDateEpochStep sets SOURCE_DATE_EPOCH, for reproducible builds, to
// the time of the tagged commit.
var sourceDateEpochStep = Step{Name: "Set SOURCE_DATE_EPOCH to the tagged commit's time",
	Run: `echo "SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)" >> "$GITHUB_ENV"`}

// pythonSteps sets up Python and the PyPA build frontend for build-wheel.
func pythonSteps(version string) []Step {
	if version == "none" {
		return nil
	}
	return []Step{
		{Name: "Set up Python", Uses: ActionSetupPython, With: map[string]string{"python-version": version}},
		{Name: "Install the build frontend", Run: "python -m pip install build"},
	}
}

// dockerSteps sets up QEMU (the other platforms' binaries) and buildx for
// build-image when it builds a Dockerfile with docker buildx.
func dockerSteps(b ImageBuild) []Step {
	if b.Dockerfile == "" {
		return nil
	}
	return []Step{
		{Name: "Set up QEMU", Uses: ActionSetupQEMU},
		{Name: "Set up Docker Buildx", Uses: ActionSetupBuildx},
	}
}

// ImageBuild says how build-image builds the image it pushes: in Dir,
// with oci.Build (see oci.LayoutBuild, whose fields these are). Set
// Command or Dockerfile; the layout must hold an image for each of
// Platforms.
type ImageBuild struct {
	// Command is run with "sh -c" and must write an OCI image layout at
	// $TAGSHIP_IMAGE_LAYOUT. Like the wheel's build it runs without the
	// CI's credentials.
	Command string
	// Dockerfile, relative to Dir, is built with docker buildx.
	Dockerfile string
	// Context is the build context, relative to Dir. Default: the
	// Dockerfile's directory.
	Context string
	// Platforms the image is built for and must hold. Default
	// oci.DefaultPlatforms() (linux/amd64, linux/arm64).
	Platforms []string
	// NeedsWheel makes build-image run after build-wheel, with the signed
	// distributions in DistDir, so the image can install the built wheel.
	NeedsWheel bool
}

func (b ImageBuild) set() bool { return b.Command != "" || b.Dockerfile != "" }

// layout is the oci.Build of b in dir.
func (b ImageBuild) layout(dir string) oci.LayoutBuild {
	return oci.LayoutBuild{Command: b.Command, Dockerfile: b.Dockerfile, Context: b.Context, Platforms: b.Platforms, Dir: dir}
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
	// Provenance is the Sigstore bundle of the DSSE-signed SLSA provenance
	// of Files ("" with NoProvenance).
	Provenance string `json:"provenance,omitempty"`
	Identity   string `json:"identity"`
	Issuer     string `json:"issuer"`
	Summary    string `json:"summary"`
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
	// Adopted: the tag already held this release's signed image (an
	// earlier run); nothing was built, pushed or signed.
	Adopted bool `json:"adopted,omitempty"`
	// Attestations are the predicate types attested on Digest (SLSA
	// provenance, CycloneDX SBOM).
	Attestations []string `json:"attestations,omitempty"`
	Summary      string   `json:"summary"`
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
	URL   string `json:"url"`
	Notes string `json:"notes"` // path of the release notes written
	SBOM  string `json:"sbom"`  // path of the SBOM written; its bundle is SBOM + ".sigstore.json"
	// Checksums is the path of the signed SHA256SUMS written (every other
	// asset, bundles and SBOM included); its bundle is Checksums +
	// ".sigstore.json".
	Checksums string `json:"checksums"`
	// Provenance is the path of the provenance bundle attached ("" with
	// NoProvenance).
	Provenance string            `json:"provenance,omitempty"`
	Assets     map[string]string `json:"assets"`
	Published  bool              `json:"published"`
	Summary    string            `json:"summary"`
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
// before uploading anything. publish-release writes the CycloneDX SBOM
// and SHA256SUMS (every other asset) into OutDir and signs both with the
// run's signer ("<file>.sigstore.json"), then publishes the files, all
// bundles, the SBOM and SHA256SUMS with notes that show how to verify each.
func Standard(cfg StandardConfig) (*Pipeline, error) {
	s, err := newStandard(cfg)
	if err != nil {
		return nil, err
	}
	jobs := []Job{
		{Name: JobPreflight, Run: s.preflight, Fingerprint: s.fingerprint,
			Permissions: Permissions{ScopeContents: Read}, Timeout: 10 * time.Minute,
			Plan: func() []string {
				return []string{fmt.Sprintf("check tag %s against %s and %s; refuse a non-tag-push run", s.tag, s.cfg.Manifest, s.cfg.Changelog)}
			}},
		{Name: JobBuildWheel, Needs: []string{JobPreflight}, Run: s.buildWheel, Fingerprint: s.fingerprint,
			Paths:       []string{s.workspacePath(s.cfg.DistDir) + "/"},
			Permissions: Permissions{ScopeContents: Read, ScopeIDToken: Write}, Timeout: 30 * time.Minute,
			Steps: append(pythonSteps(s.cfg.Python), sourceDateEpochStep),
			// Read-only here (contents: read): to find and adopt the files
			// an earlier run of this release already published.
			Secrets: map[string]string{"GITHUB_TOKEN": "GITHUB_TOKEN"},
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
		imageNeeds := []string{JobPreflight}
		if cfg.ImageBuild.NeedsWheel {
			imageNeeds = append(imageNeeds, JobBuildWheel)
		}
		jobs = append(jobs, Job{Name: JobBuildImage, Needs: imageNeeds, Run: s.buildImage, Fingerprint: s.fingerprint,
			Permissions: Permissions{ScopeContents: Read, ScopeIDToken: Write, ScopePackages: Write}, Timeout: 60 * time.Minute,
			Steps: append(dockerSteps(s.cfg.ImageBuild), sourceDateEpochStep), Secrets: map[string]string{"GITHUB_TOKEN": "GITHUB_TOKEN"},
			Plan: func() []string {
				var plan []string
				plats := s.cfg.ImageBuild.Platforms
				switch b := s.cfg.ImageBuild; {
				case b.Dockerfile != "":
					plan = append(plan, "build "+b.Dockerfile+" with docker buildx into an OCI layout")
				case b.Command != "":
					plan = append(plan, "run "+b.Command+" in "+s.cfg.Dir+" (it writes an OCI layout at $TAGSHIP_IMAGE_LAYOUT)")
				default:
					for _, p := range s.cfg.Platforms {
						plats = append(plats, p.Platform)
					}
				}
				return append(plan, "adopt "+s.imageRef()+" if an earlier run of this release already pushed and signed it",
					fmt.Sprintf("assemble an index for %s", strings.Join(plats, ", ")),
					"push "+s.imageRef()+" (immutable: an existing tag must already point to the same digest)",
					"sign the index digest keyless (cosign formats), then verify it")
			}})
		releaseNeeds = append(releaseNeeds, JobBuildImage)
	}
	if !cfg.SkipPyPI {
		jobs = append(jobs, Job{Name: JobPublishPyPI, Needs: []string{JobBuildWheel}, Run: s.publishPyPI, Fingerprint: s.fingerprint,
			Environment: "pypi", EnvironmentURL: pypi.ProjectURL(s.cfg.IndexURL, s.cfg.PyPIProject),
			Permissions: Permissions{ScopeIDToken: Write}, Timeout: 15 * time.Minute, ContinueOnError: cfg.PyPIContinueOnError,
			Plan: func() []string {
				return []string{"verify every bundle against " + s.identity(),
					"upload the wheel and sdist to " + s.cfg.IndexURL + " (Trusted Publishing; identical files already there are skipped)"}
			}})
	}
	if !cfg.SkipGitHubRelease {
		jobs = append(jobs, Job{Name: JobPublishRelease, Needs: releaseNeeds, Run: s.publishRelease, Fingerprint: s.fingerprint,
			Permissions: Permissions{ScopeContents: Write, ScopeIDToken: Write}, Timeout: 15 * time.Minute,
			Secrets: map[string]string{"GITHUB_TOKEN": "GITHUB_TOKEN"},
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
	if cfg.Issuer == "" {
		cfg.Issuer = sign.GitHubActionsIssuer
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
		if pkg := filepath.Dir(cfg.Manifest); pkg != "." {
			cfg.BuildCommand = append(cfg.BuildCommand, pkg)
		}
	}
	if cfg.IndexURL == "" {
		cfg.IndexURL = DefaultIndexURL
	}
	if cfg.Concurrency < 1 {
		cfg.Concurrency = DefaultConcurrency
	}
	if len(cfg.PyPIOptions) == 0 {
		cfg.PyPIOptions = []pypi.Option{pypi.WithTokenSource(CheckedTokenSource(sign.DefaultTokenSource(sign.WithTokenEnv(cfg.Getenv))))}
	}
	if cfg.Python == "" {
		cfg.Python = "3.x"
	}
	var problems []string
	if owner, repo, _ := strings.Cut(cfg.Repository, "/"); !ghrelease.ValidRepository(owner, repo) {
		problems = append(problems, fmt.Sprintf("Repository %q: want OWNER/REPO, e.g. \"octo-org/octo-repo\"", cfg.Repository))
	}
	tag := cfg.Tag
	if tag == "" && cfg.Getenv("GITHUB_REF_TYPE") == "tag" {
		tag = cfg.Getenv("GITHUB_REF_NAME")
	}
	if tag == "" {
		problems = append(problems, "no tag: set Tag (\"v0.11.0\"), or run on a tag push in GitHub Actions")
	}
	for _, p := range []string{cfg.DistDir, cfg.OutDir, cfg.Manifest, cfg.Changelog, cfg.ImageBuild.Dockerfile, cfg.ImageBuild.Context} {
		if filepath.IsAbs(p) || strings.HasPrefix(filepath.Clean(p), "..") {
			problems = append(problems, fmt.Sprintf("path %q must be relative to Dir (the repository root) and inside it", p))
		}
	}
	problems = append(problems, cfg.checkImage()...)
	if cfg.ImageRepository != "" {
		if norm, err := oci.NormalizeRepository(cfg.ImageRepository); err != nil {
			problems = append(problems, "ImageRepository: "+err.Error())
		} else {
			cfg.ImageRepository = norm
		}
	}
	if cfg.ImageBuild.set() && len(cfg.ImageBuild.Platforms) == 0 {
		cfg.ImageBuild.Platforms = oci.DefaultPlatforms()
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

// checkImage reports the image settings that cannot work together.
func (cfg *StandardConfig) checkImage() []string {
	b := cfg.ImageBuild
	var problems []string
	switch {
	case cfg.ImageRepository == "" && (b.set() || len(cfg.Platforms) > 0):
		problems = append(problems, "an image source is set but ImageRepository is empty: name where the image goes, e.g. \"ghcr.io/OWNER/REPO\"")
	case cfg.ImageRepository == "":
	case b.set() && len(cfg.Platforms) > 0:
		problems = append(problems, "set ImageBuild or Platforms, not both: ImageBuild's layout provides the platforms")
	case !b.set() && len(cfg.Platforms) == 0:
		problems = append(problems, "ImageRepository is set but nothing builds the image: set ImageBuild (a Dockerfile or a command writing an OCI layout) or Platforms (one source per platform: linux/amd64, linux/arm64)")
	}
	// Each problem of oci's check; its platforms are checked even when
	// nothing builds the image.
	if err, ok := b.layout(cfg.Dir).Check().(interface{ Unwrap() []error }); ok {
		for _, e := range err.Unwrap() {
			if pe := (*oci.PlatformError)(nil); b.set() || errors.As(e, &pe) {
				problems = append(problems, "ImageBuild: "+e.Error())
			}
		}
	}
	return problems
}

func (s *standard) path(rel string) string { return filepath.Join(s.cfg.Dir, rel) }

// workspacePath is rel (relative to Dir) relative to the process's working
// directory, the workspace that the exported workflow's artifacts are
// uploaded from.
func (s *standard) workspacePath(rel string) string {
	if filepath.IsAbs(s.cfg.Dir) {
		// An in-process run from anywhere: the exported workflow runs
		// from the repository root, so Dir stands for the workspace.
		return filepath.ToSlash(filepath.Clean(rel))
	}
	return filepath.ToSlash(filepath.Join(s.cfg.Dir, rel))
}

// signer hands the run's signer to a job granted id-token: write: the
// signer may hold a certificate from an earlier job's token, so the grant
// is checked here, at each use, and not only when a token is minted.
func (s *standard) signer(ctx context.Context, use string) (*sign.Signer, error) {
	if err := Require(ctx, ScopeIDToken, Write, use); err != nil {
		return nil, err
	}
	return s.getSigner()
}

func (s *standard) identity() string {
	return sign.GitHubWorkflowIdentity(s.cfg.Repository, s.cfg.WorkflowPath, s.tag)
}

func (s *standard) policy() sign.Policy {
	p := sign.GitHubReleasePolicy(s.cfg.Repository, s.cfg.WorkflowPath, s.tag)
	p.Issuer = s.cfg.Issuer
	return p
}

// ociOptionsAt is OCIOptions for a check that the image tag still points
// to digest.
func (s *standard) ociOptionsAt(digest v1.Hash) []oci.Option {
	return append(append([]oci.Option(nil), s.cfg.OCIOptions...), oci.WithExpectedDigest(digest))
}

func (s *standard) imageRef() string { return s.cfg.ImageRepository + ":" + s.tag }

// fingerprint: the release is identified by its repository and tag; the
// needs' outputs (hashes, digests) are added by the pipeline.
func (s *standard) fingerprint(*Inputs) (string, error) {
	return s.cfg.Repository + "\n" + s.tag + "\n" + s.cfg.ImageRepository + "\n" + s.cfg.IndexURL, nil
}

func (s *standard) preflight(ctx context.Context, in *Inputs) (any, error) {
	if err := Require(ctx, ScopeContents, Read, "read "+s.cfg.Manifest+" and "+s.cfg.Changelog+" from the repository"); err != nil {
		return nil, err
	}
	src := preflight.Pyproject(s.path(s.cfg.Manifest))
	if !strings.HasSuffix(s.cfg.Manifest, ".toml") {
		src = preflight.VersionFile(s.path(s.cfg.Manifest))
	}
	rep, err := preflight.Check(ctx, preflight.Config{
		Tag: s.tag, Dir: s.cfg.Dir, Sources: []preflight.VersionSource{src},
		ChangelogPath: s.path(s.cfg.Changelog), Getenv: s.cfg.Getenv, Logger: in.Logger(),
		Repository: s.cfg.Repository, WorkflowPath: s.cfg.WorkflowPath,
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
	started := time.Now()
	pf, err := Get[PreflightResult](in, JobPreflight)
	if err != nil {
		return nil, err
	}
	if err := Require(ctx, ScopeContents, Read, "build the distributions from the repository"); err != nil {
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
		err = buildcmd.Run(ctx, buildcmd.Command{Argv: s.cfg.BuildCommand, Dir: s.cfg.Dir, Getenv: s.cfg.Getenv, Log: buildLog(in)})
	}
	if err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	dists, err := pypi.OpenDistDir(dist, pf.Version)
	if err != nil {
		return nil, err
	}
	// Refuse, before anything is signed, files of another project than
	// the manifest's: a stray file must not be certified as this release.
	if strings.HasSuffix(s.cfg.Manifest, ".toml") {
		project, err := preflight.PyprojectName(s.path(s.cfg.Manifest))
		if err == nil {
			err = pypi.CheckProject(project, dists...)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.cfg.Manifest, err)
		}
	}
	if dists, err = s.adoptPublishedFiles(ctx, in, dists); err != nil {
		return nil, err
	}
	signer, err := s.signer(ctx, "sign the distributions keyless")
	if err != nil {
		return nil, err
	}
	verifier, err := s.getVerifier()
	if err != nil {
		return nil, err
	}
	res := BuildResult{Version: pf.Version, Identity: s.identity(), Issuer: s.cfg.Issuer}
	paths := make([]string, len(dists))
	for i, d := range dists { // in file name order (pypi.OpenDistDir)
		paths[i] = d.Path
		res.Files = append(res.Files, FileArtifact{Path: d.Path, Name: d.Filename, Filetype: d.Filetype,
			Size: d.Size, SHA256: d.SHA256})
		res.Project = d.Name
		if d.Filetype == "bdist_wheel" && d.Metadata != nil {
			res.Requires = d.Metadata.RequiresDist
		}
	}
	// Sign each file, or keep its bundle when that verifies; each file's
	// steps are the job's events.
	bundles, err := sign.SignFiles(ctx, signer, verifier, s.policy(), paths, sign.WithConcurrency(s.cfg.Concurrency),
		sign.WithFileEvents(func(e sign.FileEvent) {
			in.Log("%s", e)
			if d := dists[e.Index]; e.Step != sign.FileSigning {
				in.Progress(d.Filename, d.Size, d.Size)
			}
		}))
	if err != nil {
		return nil, err
	}
	for i := range res.Files {
		res.Files[i].Bundle = bundles[i]
	}
	res.Summary = fmt.Sprintf("%d files signed", len(res.Files))
	if !s.cfg.NoProvenance {
		p, err := s.fileProvenance(ctx, in, signer, verifier, res, started)
		if err != nil {
			return nil, err
		}
		res.Provenance = p
		res.Summary += ", provenance signed"
	}
	return res, nil
}

// provenanceExpect is what the provenance of files must say.
func (s *standard) provenanceExpect(files []FileArtifact) provenance.Expect {
	e := provenance.Expect{Repository: s.cfg.Repository, Ref: s.tag, WorkflowPath: s.cfg.WorkflowPath}
	for _, f := range files {
		e.Subjects = append(e.Subjects, provenance.Subject{Name: f.Name, SHA256: f.SHA256})
	}
	return e
}

// verifyProvenance checks the provenance bundle at path for files with the
// release identity.
func (s *standard) verifyProvenance(ctx context.Context, verifier *sign.Verifier, path string, files []FileArtifact) error {
	_, _, err := provenance.VerifyBundleFile(ctx, verifier, path, s.policy(), s.provenanceExpect(files))
	return err
}

// fileProvenance signs one SLSA provenance statement for the built files,
// from the GitHub Actions environment, into DistDir. A bundle already
// there that verifies for these very files is kept (as for file bundles).
func (s *standard) fileProvenance(ctx context.Context, in *Inputs, signer *sign.Signer, verifier *sign.Verifier, res BuildResult, started time.Time) (string, error) {
	path := filepath.Join(s.path(s.cfg.DistDir), ghrelease.ProvenanceAssetName(res.Project, res.Version))
	if err := s.verifyProvenance(ctx, verifier, path, res.Files); err == nil {
		in.Log("%s: kept the existing provenance, which verifies", filepath.Base(path))
		return path, nil
	}
	run, err := provenance.GitHubRunFromEnv(s.cfg.Getenv)
	if err != nil {
		return "", fmt.Errorf("provenance (set NoProvenance to release without it): %w", err)
	}
	b := provenance.Build{Run: run, StartedOn: started, FinishedOn: time.Now()}
	if err := provenance.WriteBundle(ctx, signer, verifier, s.policy(), path, b, s.provenanceExpect(res.Files)); err != nil {
		return "", fmt.Errorf("the provenance of the files, with the identity the release notes publish (%s): %w", s.identity(), err)
	}
	in.Log("signed SLSA provenance for %d files into %s", len(res.Files), filepath.Base(path))
	return path, nil
}

// buildLog sends a build's redacted output (see internal/buildcmd), line
// by line, to the job's log at debug level.
func buildLog(in *Inputs) func(line string) {
	return func(line string) { in.Logger().Debug("build", slog.String("line", line)) }
}

// ErrDist reports a dist directory that does not hold exactly this
// release's files (pypi.ErrDist).
var ErrDist = pypi.ErrDist

func (s *standard) buildImage(ctx context.Context, in *Inputs) (any, error) {
	if _, err := Get[PreflightResult](in, JobPreflight); err != nil {
		return nil, err
	}
	if err := Require(ctx, ScopeContents, Read, "build the image from the repository"); err != nil {
		return nil, err
	}
	verifier, err := s.getVerifier()
	if err != nil {
		return nil, err
	}
	if res, ok, err := s.adoptPublishedImage(ctx, in, verifier); err != nil || ok {
		return res, err
	}
	idx, err := s.assembleImage(ctx, in)
	if err != nil {
		return nil, err
	}
	defer idx.Close()
	attestations, attestOpts, err := s.imageAttestations(ctx, idx)
	if err != nil {
		return nil, err
	}
	pushOpts := append(append([]oci.Option(nil), s.cfg.OCIOptions...),
		oci.WithProgress(func(done, total int64) { in.Progress(s.imageRef(), done, total) }))
	if err := Require(ctx, ScopePackages, Write, "push "+s.imageRef()); err != nil {
		return nil, err
	}
	pr, err := oci.Push(ctx, idx, s.imageRef(), pushOpts...)
	if err != nil {
		return nil, err
	}
	in.Log("pushed %s (%d blobs uploaded, %d already there)", pr.Reference, pr.Uploaded, pr.Skipped)
	signer, err := s.signer(ctx, "sign the image keyless")
	if err != nil {
		return nil, err
	}
	signed, err := oci.SignAndVerify(ctx, signer, pr, s.policy(), verifier, append(append([]oci.Option(nil), s.cfg.OCIOptions...), attestOpts...)...)
	if err != nil {
		return nil, fmt.Errorf("the image, signed and read back with the identity the release notes publish (%s): %w", s.identity(), err)
	}
	if ar := signed.Attestations[provenance.PredicateType]; ar != nil {
		e := s.provenanceExpect(nil)
		e.Subjects = []provenance.Subject{{SHA256: pr.Digest.Hex}}
		for _, a := range ar.Attestations {
			if _, err := provenance.CheckStatement(a.Statement, a.Verification, e); err != nil {
				return nil, fmt.Errorf("image provenance: %w", err)
			}
		}
	}
	res := ImageResult{Reference: s.imageRef(), Repository: s.cfg.ImageRepository, Tag: s.tag, Digest: pr.Digest.String(),
		Platforms: map[string]string{}, Uploaded: pr.Uploaded, Skipped: pr.Skipped, Unchanged: pr.Unchanged, Attestations: attestations}
	for p, h := range pr.Platforms {
		res.Platforms[p] = h.String()
	}
	res.Summary = fmt.Sprintf("%s@%s (%d platforms)", s.imageRef(), shortDigest(res.Digest), len(res.Platforms))
	return res, nil
}

// imageAttestations are the predicate types, and the oci.WithAttestation
// options for oci.SignAndVerify, of SLSA provenance and a CycloneDX SBOM
// of the index; none with NoProvenance. They are made before the push, so
// that a release that cannot describe its image publishes nothing.
func (s *standard) imageAttestations(ctx context.Context, idx *oci.Index) ([]string, []oci.Option, error) {
	if s.cfg.NoProvenance {
		return nil, nil, nil
	}
	digest, err := idx.Digest()
	if err != nil {
		return nil, nil, err
	}
	run, err := provenance.GitHubRunFromEnv(s.cfg.Getenv)
	if err != nil {
		return nil, nil, fmt.Errorf("image provenance (set NoProvenance to release without it): %w", err)
	}
	pred, err := provenance.Build{Run: run, FinishedOn: time.Now()}.PredicateJSON()
	if err != nil {
		return nil, nil, err
	}
	_, name, _ := strings.Cut(s.cfg.Repository, "/")
	sbom, err := ghrelease.SBOM(ctx, ghrelease.SBOMInput{Name: name, Version: s.version, Repository: s.cfg.Repository,
		Image: s.cfg.ImageRepository, ImageDigest: digest.String(), ImageTag: s.tag,
		Timestamp: time.Unix(0, 0).UTC(), SerialNumber: ghrelease.ReleaseSerialNumber(s.cfg.Repository, s.tag+"+image")})
	if err != nil {
		return nil, nil, err
	}
	return []string{provenance.PredicateType, ghrelease.CycloneDXPredicateType},
		[]oci.Option{oci.WithAttestation(provenance.PredicateType, pred), oci.WithAttestation(ghrelease.CycloneDXPredicateType, sbom)}, nil
}

func shortDigest(d string) string {
	if len(d) > 19 {
		return d[:19]
	}
	return d
}

// verifyArtifacts checks that every built file is still the file that was
// built (size and sha256) and that its bundle verifies with the published
// identity (sign.VerifyFiles). It runs in each publish job, before
// anything is sent.
func (s *standard) verifyArtifacts(ctx context.Context, b BuildResult) error {
	verifier, err := s.getVerifier()
	if err != nil {
		return err
	}
	files := make([]sign.SignedFile, len(b.Files))
	for i, f := range b.Files {
		files[i] = sign.SignedFile{Path: f.Path, Size: f.Size, SHA256: f.SHA256, Bundle: f.Bundle}
	}
	err = sign.VerifyFiles(ctx, verifier, s.policy(), files, sign.WithConcurrency(s.cfg.Concurrency))
	if errors.Is(err, sign.ErrFileChanged) {
		return fmt.Errorf("%w; rebuild it (remove the state directory's %s.json)", err, JobBuildWheel)
	}
	return err
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
	opts := append([]pypi.Option{pypi.WithConcurrency(s.cfg.Concurrency)}, s.cfg.PyPIOptions...)
	opts = append(opts, pypi.WithLogger(in.Logger()), pypi.WithProgress(in.Progress))
	if !s.cfg.NoAttestations {
		signer, err := s.signer(ctx, "sign the PEP 740 publish attestations")
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
		opts := s.ociOptionsAt(h)
		if _, err := oci.Verify(ctx, img.Reference, s.policy(), verifier, opts...); err != nil {
			return nil, fmt.Errorf("%s no longer verifies as built (identity %s, digest %s): %w", img.Reference, s.identity(), img.Digest, err)
		}
	}
	if err := Require(ctx, ScopeContents, Write, "create and publish the GitHub release "+s.tag); err != nil {
		return nil, err
	}
	published, err := s.publishedRelease(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.adoptPublishedBundles(ctx, in, b, published); err != nil {
		return nil, err
	}
	if b.Provenance != "" {
		verifier, err := s.getVerifier()
		if err != nil {
			return nil, err
		}
		if err := s.verifyProvenance(ctx, verifier, b.Provenance, b.Files); err != nil {
			return nil, fmt.Errorf("%s does not verify for the built files with the identity %s: %w", filepath.Base(b.Provenance), s.identity(), err)
		}
	}
	src, err := os.ReadFile(s.path(s.cfg.Changelog))
	if err != nil {
		return nil, err
	}
	cl, err := changelog.Parse(src)
	if err != nil {
		return nil, err
	}
	asm := ghrelease.AssembleInput{Repository: s.cfg.Repository, Tag: s.tag, Project: b.Project, Version: b.Version,
		Requires: b.Requires, Provenance: b.Provenance, Image: img.Repository, ImageDigest: img.Digest, ImageTag: img.Tag,
		Changelog: cl, Identity: s.identity(), Issuer: s.cfg.Issuer, WorkflowPath: s.cfg.WorkflowPath, Dir: s.path(s.cfg.OutDir)}
	for _, f := range b.Files {
		asm.Files = append(asm.Files, ghrelease.SignedFile{Path: f.Path, Bundle: f.Bundle})
	}
	rel, err := ghrelease.Assemble(ctx, asm, func(ctx context.Context, path string) (string, error) {
		return s.signReleaseFile(ctx, in, path, published)
	}, s.cfg.NotesOptions...)
	if err != nil {
		return nil, err
	}
	pub, err := ghrelease.New(append(append([]ghrelease.Option(nil), s.cfg.GitHubOptions...),
		// SHA256SUMS is assembled and signed above: Publish must not add
		// an unsigned one of its own.
		ghrelease.WithChecksumsAsset(""), ghrelease.WithLogger(in.Logger()), ghrelease.WithProgress(in.Progress))...)
	if err != nil {
		return nil, err
	}
	r, err := pub.Publish(ctx, rel.Release)
	if err != nil {
		return nil, err
	}
	res := GitHubReleaseResult{URL: r.HTMLURL, Notes: rel.Notes, SBOM: rel.SBOM, Checksums: rel.Checksums, Provenance: b.Provenance, Assets: map[string]string{},
		Published: r.Published || r.AlreadyPublished, Summary: r.Summary()}
	for _, a := range r.Assets {
		res.Assets[a.Name] = a.SHA256
	}
	return res, nil
}

// signReleaseFile gives a file the release writes itself (the SBOM,
// SHA256SUMS) a "<path>.sigstore.json" bundle from the run's signer and
// returns its path. As for the distributions, a bundle that already
// verifies for the file with the release identity is kept — the local one
// from an earlier attempt, or the one already on the release — so a rerun
// publishes the same bytes.
func (s *standard) signReleaseFile(ctx context.Context, in *Inputs, path string, pr *publishedRelease) (string, error) {
	bundlePath := sign.DefaultBundlePath(path)
	verifier, err := s.getVerifier()
	if err != nil {
		return "", err
	}
	if adopted, err := s.adoptBundle(ctx, in, pr, path, bundlePath); err != nil || adopted {
		return bundlePath, err
	}
	if _, ok := sign.KeptBundle(ctx, verifier, s.policy(), path); ok {
		return bundlePath, nil
	}
	signer, err := s.signer(ctx, "sign "+filepath.Base(path))
	if err != nil {
		return "", err
	}
	return sign.SignVerified(ctx, signer, verifier, s.policy(), path)
}
