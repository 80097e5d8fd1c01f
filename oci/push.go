package oci

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/tagship/tagship/internal/safehttp"
	"github.com/tagship/tagship/preflight"
)

// Tag conditions; test with errors.Is.
var (
	// ErrTagNotVersion: the tag is not a strict vX.Y.Z version tag (e.g.
	// "latest", "v1.2", "v01.2.3", "v1.2.3-rc.1") and WithMutableTagUnsafe
	// was not given.
	ErrTagNotVersion = errors.New("oci: tag is not a strict vX.Y.Z version tag")
	// ErrTagConflict: the tag already points to another digest (see
	// [*TagConflictError]).
	ErrTagConflict = errors.New("oci: tag already points to a different digest")
)

// TagConflictError reports that an immutable tag already exists with
// another digest.
type TagConflictError struct {
	// Ref is the tag reference, e.g. "ghcr.io/o/r:v1.2.3".
	Ref string
	// Existing is the digest the tag points to in the registry.
	Existing v1.Hash
	// New is the digest that was to be pushed.
	New v1.Hash
}

func (e *TagConflictError) Error() string {
	return fmt.Sprintf("oci: %s already points to %s, refusing to move it to %s: release tags are immutable; publish a new version (or delete the tag in the registry if the old push was a mistake)", e.Ref, e.Existing, e.New)
}

func (e *TagConflictError) Unwrap() error { return ErrTagConflict }

// PushResult describes a finished push.
type PushResult struct {
	// Reference is "REGISTRY/REPO:TAG@sha256:…".
	Reference string
	// Repository is "REGISTRY/REPO".
	Repository string
	// Tag is the tag pushed.
	Tag string
	// Digest is the index digest.
	Digest v1.Hash
	// Platforms maps "os/arch[/variant]" to the platform manifest digest.
	Platforms map[string]v1.Hash
	// Unchanged is true when the tag already pointed to Digest and
	// nothing was written (idempotent rerun).
	Unchanged bool
	// Uploaded counts blobs (layers and configs) sent to the registry.
	Uploaded int
	// Skipped counts blobs the registry already had (or mounted).
	Skipped int
}

// DigestRef returns "REGISTRY/REPO@sha256:…", the reference to sign.
func (r *PushResult) DigestRef() string { return r.Repository + "@" + r.Digest.String() }

// CheckTag reports whether tag is a strict release tag vX.Y.Z (no leading
// zeros, no pre-release or build suffix). The rule is preflight's
// ([preflight.ParseTag]), the module's only definition of it; the error
// matches both [ErrTagNotVersion] and [preflight.ErrInvalidTag].
func CheckTag(tag string) error {
	if _, err := preflight.ParseTag(tag); err != nil {
		return fmt.Errorf("%w: got %q; push to REGISTRY/REPO:vX.Y.Z (e.g. v1.2.3), or pass WithMutableTagUnsafe to write a mutable tag: %w", ErrTagNotVersion, tag, err)
	}
	return nil
}

// Push writes idx to ref ("REGISTRY/REPO:vX.Y.Z") and returns the index
// and per-platform digests. Tags are immutable: when the tag already points
// to the same digest nothing is written (Unchanged); when it points to
// another digest Push fails with [*TagConflictError]. A tag that is not a
// strict version tag — "latest" included — is refused unless
// [WithMutableTagUnsafe] is given. Blobs already in the registry are not
// uploaded again; layers upload in parallel ([WithJobs]) and stream from
// their source; 408/429/5xx answers and connection errors are retried with
// backoff ([WithRetryBackoff]) honouring Retry-After.
func Push(ctx context.Context, idx v1.ImageIndex, ref string, opts ...Option) (*PushResult, error) {
	o, err := newOptions(opts)
	if err != nil {
		return nil, err
	}
	if strings.Contains(ref, "@") {
		return nil, fmt.Errorf("oci: push reference %q has a digest: give REGISTRY/REPO:vX.Y.Z", ref)
	}
	tag, err := name.NewTag(ref, append(nameOptions(ref, o), name.StrictValidation)...)
	if err != nil {
		return nil, fmt.Errorf("oci: push reference %q: %w (expected REGISTRY/REPO:vX.Y.Z)", ref, err)
	}
	if !o.mutableTag {
		if err := CheckTag(tag.TagStr()); err != nil {
			return nil, err
		}
	}
	digest, err := idx.Digest()
	if err != nil {
		return nil, fmt.Errorf("oci: index digest: %w", err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("oci: index manifest: %w", err)
	}
	res := &PushResult{
		Repository: tag.Context().Name(),
		Tag:        tag.TagStr(),
		Digest:     digest,
		Platforms:  map[string]v1.Hash{},
	}
	res.Reference = tag.Name() + "@" + digest.String()
	for _, d := range im.Manifests {
		if d.Platform == nil || isAttestation(d) {
			continue
		}
		res.Platforms[platformString(normalise(*d.Platform))] = d.Digest
	}

	c := &counters{}
	ropts, err := remoteOptions(ctx, o, c)
	if err != nil {
		return nil, err
	}
	existing, err := remote.Head(tag, ropts...)
	switch {
	case err == nil:
		if existing.Digest == digest {
			o.logger.Info("tag already points to this digest; nothing to push", "ref", tag.Name(), "digest", digest.String())
			res.Unchanged = true
			return res, nil
		}
		if !o.mutableTag {
			return nil, &TagConflictError{Ref: tag.Name(), Existing: existing.Digest, New: digest}
		}
		o.logger.Warn("moving mutable tag", "ref", tag.Name(), "from", existing.Digest.String(), "to", digest.String())
	case isNotFound(err):
	default:
		return nil, fmt.Errorf("oci: checking whether %s exists: %w", tag.Name(), withStatus(err))
	}

	start := time.Now()
	wopts, progressDone := withProgress(ropts, o.progress)
	err = remote.WriteIndex(tag, idx, wopts...)
	<-progressDone
	if err != nil {
		return nil, fmt.Errorf("oci: pushing %s: %w", tag.Name(), withStatus(err))
	}
	res.Uploaded = int(c.uploaded.Load())
	res.Skipped = int(c.existing.Load() + c.mounted.Load())
	o.logger.Info("pushed index", "ref", res.Reference, "uploaded", res.Uploaded, "skipped", res.Skipped, "elapsed", time.Since(start))
	return res, nil
}

// withProgress adds go-containerregistry's progress channel to opts when fn
// is set, forwarding updates to fn (at most once per MiB). The returned
// channel closes once the write has closed the updates and all are
// forwarded.
func withProgress(opts []remote.Option, fn func(done, total int64)) ([]remote.Option, <-chan struct{}) {
	done := make(chan struct{})
	if fn == nil {
		close(done)
		return opts, done
	}
	updates := make(chan v1.Update, 64)
	go func() {
		defer close(done)
		var last int64
		for u := range updates {
			if u.Error != nil {
				continue
			}
			if u.Complete-last >= 1<<20 || (u.Complete == u.Total && u.Complete != last) {
				last = u.Complete
				fn(u.Complete, u.Total)
			}
		}
	}()
	return append(append([]remote.Option(nil), opts...), remote.WithProgress(updates)), done
}

// withStatus names the HTTP status of a registry error: go-containerregistry
// leaves it out when the registry sent an error body ("UNKNOWN: …", one
// or more diagnostics), and writes it otherwise. Whether the text holds
// the status's digits says nothing: the request's URL may (a port 45033).
func withStatus(err error) error {
	var te *transport.Error
	if errors.As(err, &te) && te.StatusCode != 0 && len(te.Errors) > 0 {
		return fmt.Errorf("registry answered HTTP %d %s: %w", te.StatusCode, http.StatusText(te.StatusCode), err)
	}
	return err
}

func isNotFound(err error) bool {
	var te *transport.Error
	return errors.As(err, &te) && te.StatusCode == http.StatusNotFound
}

// nameOptions returns name options for a reference: plain HTTP is
// allowed for loopback registries or when WithInsecureHTTPUnsafe is given.
func nameOptions(ref string, o *options) []name.Option {
	reg := ref
	if i := strings.IndexByte(reg, '/'); i >= 0 {
		reg = reg[:i]
	}
	host := reg
	if h, _, err := net.SplitHostPort(reg); err == nil {
		host = h
	}
	if o.insecureHTTP || isLoopbackHost(host) {
		return []name.Option{name.Insecure}
	}
	return nil
}

func isLoopbackHost(host string) bool {
	host = strings.Trim(host, "[]")
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// retryStatusCodes are the answers worth another attempt.
var retryStatusCodes = []int{
	http.StatusRequestTimeout,
	http.StatusTooManyRequests,
	http.StatusInternalServerError,
	http.StatusBadGateway,
	http.StatusServiceUnavailable,
	http.StatusGatewayTimeout,
}

func retryable(err error) bool {
	// A deadline here is a request's own timeout (a stalled registry), not
	// the caller's: the predicate below stops once the caller's context is
	// done.
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var te *transport.Error
	if errors.As(err, &te) {
		for _, c := range retryStatusCodes {
			if te.StatusCode == c {
				return true
			}
		}
		return false
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, net.ErrClosed) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne)
}

func remoteOptions(ctx context.Context, o *options, c *counters) ([]remote.Option, error) {
	if c == nil {
		c = &counters{}
	}
	return []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(o.keychain),
		remote.WithTransport(&regTransport{base: o.transport, insecure: o.insecureHTTP, maxRetryAfter: o.maxRetryAfter, log: o.logger, c: c}),
		remote.WithJobs(o.jobs),
		remote.WithRetryBackoff(o.backoff),
		remote.WithRetryStatusCodes(retryStatusCodes...),
		remote.WithRetryPredicate(func(err error) bool { return ctx.Err() == nil && retryable(err) }),
		remote.WithUserAgent("tagship-oci"),
	}, nil
}

type counters struct {
	uploaded, existing, mounted atomic.Int64
}

// regTransport is the bottom transport for every registry call: it keeps
// plain HTTP on loopback (upgrading other hosts to HTTPS unless
// WithInsecureHTTPUnsafe), counts blob uploads and skips, and delays a
// 429/503 answer by its Retry-After so go-containerregistry's retry comes
// after the time the registry asked for.
type regTransport struct {
	base          http.RoundTripper
	insecure      bool
	maxRetryAfter time.Duration
	log           *slog.Logger
	c             *counters
}

func (t *regTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme == "http" && !t.insecure && !isLoopbackHost(req.URL.Hostname()) {
		req = req.Clone(req.Context())
		req.URL.Scheme = "https"
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		t.log.Debug("registry request failed", "method", req.Method, "host", req.URL.Host, "path", req.URL.Path, "err", err)
		return nil, err
	}
	p := req.URL.Path
	switch {
	case req.Method == http.MethodPut && strings.Contains(p, "/blobs/uploads/") && resp.StatusCode == http.StatusCreated:
		t.c.uploaded.Add(1)
	case req.Method == http.MethodHead && strings.Contains(p, "/blobs/") && resp.StatusCode == http.StatusOK:
		t.c.existing.Add(1)
	case req.Method == http.MethodPost && strings.Contains(p, "/blobs/uploads/") && req.URL.Query().Get("mount") != "" && resp.StatusCode == http.StatusCreated:
		t.c.mounted.Add(1)
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		if d := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); d > 0 {
			if d > t.maxRetryAfter {
				d = t.maxRetryAfter
			}
			t.log.Info("registry asked to retry later", "status", resp.StatusCode, "path", p, "wait", d)
			if err := safehttp.Sleep(req.Context(), d); err != nil {
				resp.Body.Close()
				return nil, err
			}
		}
	}
	return resp, nil
}

// parseRetryAfter reads a Retry-After value (delay-seconds or an HTTP
// date; 0 when absent or unreadable), by the shared rule of
// internal/safehttp.
func parseRetryAfter(v string, now time.Time) time.Duration {
	d, _ := safehttp.ParseRetryAfter(v, now)
	return d
}

// GitHubKeychain returns a keychain that answers for ghcr.io with the
// GITHUB_TOKEN from getenv, user GITHUB_ACTOR (or "x-access-token" when
// unset), and anonymously for every other registry or when no token is
// set. Combine it with others through authn.NewMultiKeychain.
func GitHubKeychain(getenv func(string) string) authn.Keychain {
	return githubKeychain{getenv: getenv}
}

type githubKeychain struct{ getenv func(string) string }

func (k githubKeychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	if r.RegistryStr() != "ghcr.io" {
		return authn.Anonymous, nil
	}
	tok := k.getenv("GITHUB_TOKEN")
	if tok == "" {
		return authn.Anonymous, nil
	}
	user := k.getenv("GITHUB_ACTOR")
	if user == "" {
		user = "x-access-token"
	}
	return authn.FromConfig(authn.AuthConfig{Username: user, Password: tok}), nil
}
