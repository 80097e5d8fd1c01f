package releasetest

import (
	"cmp"
	"context"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/tagship/tagship/ghrelease"
	"github.com/tagship/tagship/ghrelease/ghreleasetest"
	"github.com/tagship/tagship/internal/double"
	"github.com/tagship/tagship/oci"
	"github.com/tagship/tagship/pypi"
	"github.com/tagship/tagship/pypi/pypitest"
	"github.com/tagship/tagship/release"
	"github.com/tagship/tagship/release/prepare"
	"github.com/tagship/tagship/sign"
	"github.com/tagship/tagship/sign/signtest"
)

// Env is every remote service of a release, in process on 127.0.0.1: a
// Sigstore whose OIDC issuer mints GitHub Actions tokens for a tag-push run
// of Repository's release workflow, an OCI registry, a Warehouse-like index
// that trusts that workflow as a Trusted Publisher, and a GitHub releases
// API. Close it when done.
type Env struct {
	Repository string // "OWNER/REPO"
	Tag        string // "v0.11.0"

	Sigstore *signtest.Sigstore
	PyPI     *pypitest.Server
	GitHub   *ghreleasetest.Server
	// RegistryHost is "127.0.0.1:PORT" of the OCI registry (the embedded
	// one, or the one given with WithRegistry).
	RegistryHost string

	registry *httptest.Server
	closers  []func()
}

// Option configures [Start].
type Option func(*options) error

type options struct {
	repository string
	tag        string
	registry   string
	logger     *slog.Logger
	sigstore   []signtest.Option
	pypi       []pypitest.Option
	github     []ghreleasetest.Option
}

// WithRepository sets the GitHub repository released. Default
// "octo-org/hello-release".
func WithRepository(r string) Option {
	return func(o *options) error {
		if owner, repo, _ := strings.Cut(r, "/"); !ghrelease.ValidRepository(owner, repo) {
			return fmt.Errorf("releasetest: repository %q: want OWNER/REPO", r)
		}
		o.repository = r
		return nil
	}
}

// WithTag sets the tag the simulated run was triggered by. Default
// "v0.11.0".
func WithTag(tag string) Option {
	return func(o *options) error { o.tag = tag; return nil }
}

// WithRegistry pushes images to an external registry at host ("HOST:PORT",
// plain HTTP on loopback) instead of the embedded one.
func WithRegistry(host string) Option {
	return func(o *options) error { o.registry = host; return nil }
}

// WithLogger logs the doubles' requests. Default: discard.
// WithLogger(nil) is the same as the default: nothing is logged.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		o.logger = cmp.Or(l, slog.New(slog.DiscardHandler))
		return nil
	}
}

// WithSigstoreOptions, WithPyPIOptions and WithGitHubOptions pass options
// to the doubles (faults are set on the doubles themselves after Start).
func WithSigstoreOptions(opts ...signtest.Option) Option {
	return func(o *options) error { o.sigstore = append(o.sigstore, opts...); return nil }
}

// WithPyPIOptions passes options to the pypitest server.
func WithPyPIOptions(opts ...pypitest.Option) Option {
	return func(o *options) error { o.pypi = append(o.pypi, opts...); return nil }
}

// WithGitHubOptions passes options to the ghreleasetest server.
func WithGitHubOptions(opts ...ghreleasetest.Option) Option {
	return func(o *options) error { o.github = append(o.github, opts...); return nil }
}

// PyPIEnvironment is the GitHub deployment environment of the publish-pypi
// job, which the index's Trusted Publisher requires.
const PyPIEnvironment = "pypi"

// New starts every double for a test: it fails tb on error and closes
// them in tb.Cleanup.
func New(tb testing.TB, opts ...Option) *Env {
	tb.Helper()
	return double.Start(tb, "releasetest", func() (*Env, error) { return NewEnv(opts...) })
}

// NewEnv starts every double outside a test (the sandbox, the quickstart,
// an Example). Call Close when done. In a test, use [New].
func NewEnv(opts ...Option) (_ *Env, err error) {
	o := options{repository: "octo-org/hello-release", tag: "v0.11.0", logger: slog.New(slog.DiscardHandler)}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	e := &Env{Repository: o.repository, Tag: o.tag}
	defer func() {
		if err != nil {
			e.Close()
		}
	}()
	wf := signtest.Workflow{Repository: o.repository, WorkflowPath: sign.DefaultWorkflowPath,
		Ref: "refs/tags/" + o.tag, EventName: "push", Environment: PyPIEnvironment}
	e.Sigstore, err = signtest.NewServer(append([]signtest.Option{signtest.WithWorkflow(wf)}, o.sigstore...)...)
	if err != nil {
		return nil, fmt.Errorf("releasetest: sigstore: %w", err)
	}
	e.closers = append(e.closers, func() { e.Sigstore.Close() })

	pypiOpts := []pypitest.Option{
		pypitest.WithIssuerDiscovery(e.Sigstore.Issuer(), e.Sigstore.IssuerURL()),
		pypitest.WithTrustedPublisher(pypitest.Publisher{Issuer: e.Sigstore.Issuer(), Repository: o.repository,
			Workflow: filepath.Base(sign.DefaultWorkflowPath), Environment: PyPIEnvironment}),
		pypitest.WithLogger(o.logger),
	}
	e.PyPI, err = pypitest.NewServer(append(pypiOpts, o.pypi...)...)
	if err != nil {
		return nil, fmt.Errorf("releasetest: pypi: %w", err)
	}
	e.closers = append(e.closers, e.PyPI.Close)

	e.GitHub, err = ghreleasetest.NewServer(o.github...)
	if err != nil {
		return nil, fmt.Errorf("releasetest: github: %w", err)
	}
	e.closers = append(e.closers, e.GitHub.Close)

	if o.registry != "" {
		e.RegistryHost = o.registry
	} else {
		ln, lerr := net.Listen("tcp", "127.0.0.1:0")
		if lerr != nil {
			return nil, fmt.Errorf("releasetest: registry: %w", lerr)
		}
		e.registry = httptest.NewUnstartedServer(registry.New(registry.Logger(log.New(&stdLogger{l: o.logger}, "", 0))))
		e.registry.Listener.Close()
		e.registry.Listener = ln
		e.registry.Start()
		e.closers = append(e.closers, e.registry.Close)
		e.RegistryHost = strings.TrimPrefix(e.registry.URL, "http://")
	}
	return e, nil
}

// Close stops every double.
func (e *Env) Close() {
	for i := len(e.closers) - 1; i >= 0; i-- {
		e.closers[i]()
	}
	e.closers = nil
}

// Getenv is the environment of the simulated GitHub Actions run: a push of
// Tag to Repository running the release workflow, with the OIDC token
// request variables pointing at the Sigstore double.
func (e *Env) Getenv(key string) string {
	switch key {
	case "GITHUB_ACTIONS", "CI":
		return "true"
	case "GITHUB_EVENT_NAME":
		return "push"
	case "GITHUB_REF":
		return "refs/tags/" + e.Tag
	case "GITHUB_REF_NAME":
		return e.Tag
	case "GITHUB_REF_TYPE":
		return "tag"
	case "GITHUB_REPOSITORY":
		return e.Repository
	case "GITHUB_WORKFLOW_REF":
		return e.Repository + "/" + sign.DefaultWorkflowPath + "@refs/tags/" + e.Tag
	}
	// The rest of the run (GITHUB_SHA, GITHUB_RUN_ID, …) as the tokens of
	// the Sigstore double describe it, so provenance and certificate agree.
	if v, ok := e.Sigstore.Workflow().Env()[key]; ok {
		return v
	}
	return e.Sigstore.Getenv(key)
}

// ImageRepository is where the standard release pushes: REGISTRY/OWNER/REPO.
func (e *Env) ImageRepository() string {
	return e.RegistryHost + "/" + strings.ToLower(e.Repository)
}

// Config returns a standard release of the project in dir wired to the
// doubles: the build is [BuildDists], the images are [ImageSources], and
// every client trusts and talks to the doubles only.
func (e *Env) Config(dir string) (release.StandardConfig, error) {
	platforms, err := ImageSources(filepath.Join(dir, "image"))
	if err != nil {
		return release.StandardConfig{}, err
	}
	tokens := release.CheckedTokenSource(sign.GitHubActionsTokenSource(sign.WithTokenEnv(e.Getenv)))
	return release.StandardConfig{
		Dir:             dir,
		Repository:      e.Repository,
		Tag:             e.Tag,
		Getenv:          e.Getenv,
		Build:           BuildDists,
		SignerOptions:   append(e.Sigstore.SignerOptions(), sign.WithTokenSource(tokens)),
		VerifierOptions: e.Sigstore.VerifierOptions(),
		ImageRepository: e.ImageRepository(),
		Platforms:       platforms,
		IndexURL:        e.PyPI.UploadURL(),
		PyPIOptions:     []pypi.Option{pypi.WithTokenSource(tokens)},
		GitHubOptions: []ghrelease.Option{ghrelease.WithBaseURL(e.GitHub.BaseURL(), e.GitHub.UploadURL()),
			ghrelease.WithToken(e.GitHub.Token()), ghrelease.WithHTTPClient(e.GitHub.HTTPClient())},
		OCIOptions: []oci.Option{oci.WithEnv(e.Getenv)},
	}, nil
}

// ImageSources writes a tiny root filesystem per platform under dir and
// returns linux/amd64 and linux/arm64 sources built from them (reproducible
// layers on an empty base).
func ImageSources(dir string) ([]oci.PlatformSource, error) {
	var out []oci.PlatformSource
	for _, p := range oci.DefaultPlatforms() {
		root := filepath.Join(dir, strings.ReplaceAll(p, "/", "-"))
		files := map[string]string{
			"etc/os-release": "NAME=\"tagship sample\"\nID=tagship\n",
			"app/PLATFORM":   p + "\n",
			"app/hello.py":   "print('hello from " + p + "')\n",
		}
		for rel, content := range files {
			path := filepath.Join(root, rel)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return nil, err
			}
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				return nil, err
			}
		}
		out = append(out, oci.PlatformSource{Platform: p, Layer: oci.LayerSpec{Dir: root},
			Cmd: []string{"python3", "/app/hello.py"}})
	}
	return out, nil
}

// stdLogger adapts a slog.Logger for go-containerregistry's registry, which
// takes a *log.Logger.
type stdLogger struct{ l *slog.Logger }

func (s *stdLogger) Write(p []byte) (int, error) {
	s.l.Debug("registry", slog.String("line", strings.TrimSpace(string(p))))
	return len(p), nil
}

// PrepareDate returns the release date PrepareProject writes into the
// changelog, 2026-11-26, fixed so that every preparation of the sample
// project — on any machine, on any day — yields the same bytes.
func PrepareDate() time.Time { return time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC) }

// PrepareProject writes the sample project into dir and prepares it for
// the env's tag as a maintainer would before pushing it: prepare.Release
// bumps the manifest and cuts the changelog (dated PrepareDate()).
func (e *Env) PrepareProject(ctx context.Context, dir string) (*prepare.Result, error) {
	if err := WriteProject(dir, Project{Repository: e.Repository}); err != nil {
		return nil, err
	}
	return prepare.Release(ctx, prepare.Config{Version: e.Tag, Dir: dir, NoGitUnsafe: true,
		Now: PrepareDate})
}

// Release runs the standard release of the project in dir on the doubles
// ([Env.Config]), with opts added to the pipeline's options.
func (e *Env) Release(ctx context.Context, dir string, opts ...release.Option) (*release.Report, error) {
	cfg, err := e.Config(dir)
	if err != nil {
		return nil, err
	}
	cfg.PipelineOptions = append(cfg.PipelineOptions, opts...)
	p, err := release.Standard(cfg)
	if err != nil {
		return nil, err
	}
	return p.Run(ctx)
}
