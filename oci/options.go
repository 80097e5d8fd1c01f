package oci

import (
	"cmp"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/tagship/tagship/internal/safehttp"
)

// Option configures [Assemble], [Build], [Push], [Sign], [Verify] and
// [SignAndVerify]. Each option says which calls honour it; the others
// ignore it.
type Option func(*options) error

// Format selects the signature formats [Sign] writes.
type Format int

const (
	// FormatLegacy is cosign's classic "sha256-<hex>.sig" tag holding a
	// simple-signing payload with cosign annotations (what cosign v2
	// verifies by default).
	FormatLegacy Format = 1 << iota
	// FormatBundle is a Sigstore bundle v0.3 (DSSE in-toto statement with
	// predicate type https://sigstore.dev/cosign/sign/v1) attached as an
	// OCI 1.1 referrer, what cosign v3 (and v2 with --new-bundle-format)
	// writes and reads.
	FormatBundle
	// FormatAll writes both forms (the default).
	FormatAll = FormatLegacy | FormatBundle
)

type options struct {
	platforms        []string
	indexAnnotations map[string]string
	layerTime        time.Time
	tempDir          string

	keychain      authn.Keychain
	getenv        func(string) string
	insecureHTTP  bool
	mutableTag    bool
	jobs          int
	backoff       remote.Backoff
	maxRetryAfter time.Duration
	transport     http.RoundTripper
	logger        *slog.Logger
	progress      func(done, total int64)

	recursive      bool
	formats        Format
	expectedDigest v1.Hash
	attestations   []attestation
}

func newOptions(opts []Option) (*options, error) {
	o := &options{
		platforms: DefaultPlatforms(),
		layerTime: time.Unix(0, 0).UTC(),
		getenv:    os.Getenv,
		jobs:      4,
		backoff: remote.Backoff{
			Duration: 500 * time.Millisecond,
			Factor:   2,
			Jitter:   0.1,
			Steps:    5,
		},
		maxRetryAfter: 60 * time.Second,
		formats:       FormatAll,
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(o); err != nil {
			return nil, err
		}
	}
	if o.logger == nil {
		o.logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.transport == nil {
		o.transport = remote.DefaultTransport
	}
	// Every registry call sits on the careful transport: https (or
	// loopback) on every hop, credentials stripped from redirects to
	// another origin, and every credential sent (Basic, bearer) redacted
	// from reason phrases, headers and error bodies before
	// go-containerregistry quotes them in an error.
	red := safehttp.NewRedactor()
	o.logger = slog.New(safehttp.RedactHandler(o.logger.Handler(), red))
	o.transport = safehttp.New(o.transport, safehttp.WithService("registry"), safehttp.WithAllowHTTP(o.insecureHTTP), safehttp.WithRedactor(red))
	if o.keychain == nil {
		o.keychain = authn.NewMultiKeychain(authn.DefaultKeychain, GitHubKeychain(o.getenv))
	}
	return o, nil
}

// WithPlatforms sets the platforms [Assemble] expects, each
// "os/arch[/variant]" (e.g. "linux/arm/v7"); every one must be provided
// exactly once and no other is accepted. Default [DefaultPlatforms]().
func WithPlatforms(platforms ...string) Option {
	return func(o *options) error {
		if len(platforms) == 0 {
			return fmt.Errorf("oci: WithPlatforms needs at least one platform")
		}
		seen := map[string]bool{}
		for _, p := range platforms {
			pl, err := ParsePlatform(p)
			if err != nil {
				return err
			}
			if seen[platformString(pl)] {
				return &PlatformError{Platform: platformString(pl), Source: "WithPlatforms", Err: ErrPlatformDuplicate}
			}
			seen[platformString(pl)] = true
		}
		o.platforms = append([]string(nil), platforms...)
		return nil
	}
}

// WithIndexAnnotations sets annotations on the assembled index (e.g.
// org.opencontainers.image.source). Honoured by [Assemble]. Default none.
func WithIndexAnnotations(a map[string]string) Option {
	return func(o *options) error {
		o.indexAnnotations = make(map[string]string, len(a))
		for k, v := range a {
			o.indexAnnotations[k] = v
		}
		return nil
	}
}

// WithLayerTime sets the modification time of every entry in layers built
// from local files, and the created time of images built on an empty base.
// Honoured by [Assemble]. Default the Unix epoch (1970-01-01T00:00:00Z).
func WithLayerTime(t time.Time) Option {
	return func(o *options) error { o.layerTime = t.UTC(); return nil }
}

// WithTempDir sets where [Assemble] writes layers built from local files
// and [Build] the layout its builder writes. Default os.TempDir().
// [Index.Close] removes them.
func WithTempDir(dir string) Option {
	return func(o *options) error { o.tempDir = dir; return nil }
}

// WithKeychain sets the credentials source for registries. Honoured by
// every call that talks to a registry. Default: the docker config keychain
// (authn.DefaultKeychain) then [GitHubKeychain] for ghcr.io.
func WithKeychain(k authn.Keychain) Option {
	return func(o *options) error { o.keychain = k; return nil }
}

// WithEnv sets the environment lookup used by the default keychain
// (GITHUB_TOKEN, GITHUB_ACTOR), and by [Build] for the CI's credentials
// to redact from the builder's output. Default os.Getenv.
func WithEnv(getenv func(string) string) Option {
	return func(o *options) error { o.getenv = getenv; return nil }
}

// WithInsecureHTTPUnsafe allows plain HTTP to registries that are not on
// loopback. Default: plain HTTP only to 127.0.0.0/8, ::1 and localhost;
// every other registry is reached over HTTPS even where go-containerregistry
// would pick HTTP (RFC 1918 addresses, *.local).
func WithInsecureHTTPUnsafe() Option {
	return func(o *options) error { o.insecureHTTP = true; return nil }
}

// WithMutableTagUnsafe lets [Push] write a tag that is not a strict
// version tag vX.Y.Z (for example "latest"), and move an existing tag to a
// new digest. Default: only vX.Y.Z tags, never moved.
func WithMutableTagUnsafe() Option {
	return func(o *options) error { o.mutableTag = true; return nil }
}

// WithJobs bounds how many blobs [Push] uploads in parallel and how many
// sources [Assemble] loads (and layers it compresses) at once. Default 4.
func WithJobs(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return fmt.Errorf("oci: WithJobs(%d): need at least 1", n)
		}
		o.jobs = n
		return nil
	}
}

// WithRetryBackoff sets the backoff for retries on 408/429/5xx and
// connection errors. Default 500 ms doubling, 10% jitter, 5 attempts.
func WithRetryBackoff(b remote.Backoff) Option {
	return func(o *options) error {
		if b.Steps < 1 {
			return fmt.Errorf("oci: WithRetryBackoff: Steps must be at least 1")
		}
		o.backoff = b
		return nil
	}
}

// WithMaxRetryAfter caps how long a registry's Retry-After header may make
// a call wait before its retry. Default 60 s.
func WithMaxRetryAfter(d time.Duration) Option {
	return func(o *options) error { o.maxRetryAfter = d; return nil }
}

// WithTransport sets the base HTTP transport. Default
// go-containerregistry's remote.DefaultTransport (http.DefaultTransport
// with more idle connections per host, for parallel uploads).
func WithTransport(t http.RoundTripper) Option {
	return func(o *options) error { o.transport = t; return nil }
}

// WithProgress calls fn as Push sends layer bytes: done of total bytes to
// upload, at most once per MiB and once at the end; blobs the registry
// already has count as done. Default: no progress reports.
func WithProgress(fn func(done, total int64)) Option {
	return func(o *options) error { o.progress = fn; return nil }
}

// WithLogger sets the logger. Default: discard.
// WithLogger(nil) is the same as the default: nothing is logged.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		o.logger = cmp.Or(l, slog.New(slog.DiscardHandler))
		return nil
	}
}

// WithRecursive makes [Sign] also sign every platform manifest of an
// index, like cosign sign --recursive. Default: only the given digest.
func WithRecursive() Option {
	return func(o *options) error { o.recursive = true; return nil }
}

// WithFormats selects the signature formats [Sign] writes. Default
// [FormatAll].
func WithFormats(f Format) Option {
	return func(o *options) error {
		if f&FormatAll == 0 || f&^FormatAll != 0 {
			return fmt.Errorf("oci: WithFormats(%d): choose FormatLegacy, FormatBundle or both", f)
		}
		o.formats = f
		return nil
	}
}
