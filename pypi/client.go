package pypi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tagship/tagship/internal/batch"
	"github.com/tagship/tagship/internal/safehttp"
	"github.com/tagship/tagship/sign"
)

// TokenSource returns a CI OIDC identity token for an audience (sign's
// token sources satisfy it).
type TokenSource interface {
	Token(ctx context.Context, audience string) (string, error)
}

// TokenSourceFunc adapts a function to TokenSource.
type TokenSourceFunc func(ctx context.Context, audience string) (string, error)

// Token calls f.
func (f TokenSourceFunc) Token(ctx context.Context, audience string) (string, error) {
	return f(ctx, audience)
}

// RetryPolicy controls retries of requests that failed with 5xx, 429 or
// a connection error.
type RetryPolicy struct {
	// Attempts is the total number of tries (≥ 1).
	Attempts int
	// MinBackoff is the first wait; each further wait doubles, up to
	// MaxBackoff, with jitter (50–100% of the value). Retry-After
	// overrides it (but never beyond MaxRetryAfter).
	MinBackoff, MaxBackoff time.Duration
	MaxRetryAfter          time.Duration
}

// DefaultRetryPolicy returns the default: 5 attempts, 1 s doubling to 30 s, Retry-After
// honoured up to 5 minutes.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{Attempts: 5, MinBackoff: time.Second, MaxBackoff: 30 * time.Second, MaxRetryAfter: 5 * time.Minute}
}

// Option configures a Client.
type Option func(*options) error

type options struct {
	tokenSource  TokenSource
	apiToken     string
	httpClient   *http.Client
	logger       *slog.Logger
	retry        RetryPolicy
	insecure     bool
	signer       DSSESigner
	writeAtt     bool
	skipExisting bool
	lookupURL    string
	remintWithin time.Duration
	userAgent    string
	progress     func(filename string, done, total int64)
	concurrency  int
}

// WithTokenSource enables Trusted Publishing: the client exchanges OIDC
// tokens from ts for short-lived upload tokens. Default: none (then
// WithAPIToken is required).
func WithTokenSource(ts TokenSource) Option {
	return func(o *options) error {
		if ts == nil {
			return errors.New("pypi: WithTokenSource(nil)")
		}
		o.tokenSource = ts
		return nil
	}
}

// WithAPIToken uploads with a classic API token ("pypi-…") instead of
// Trusted Publishing. Default: none.
func WithAPIToken(token string) Option {
	return func(o *options) error {
		if token == "" {
			return errors.New("pypi: WithAPIToken: empty token")
		}
		o.apiToken = token
		return nil
	}
}

// WithHTTPClient sets the HTTP client (its redirect policy is overridden:
// redirects are never followed). Default: a client with no overall
// timeout (uploads can be large) on a clone of http.DefaultTransport that
// waits at most 10 minutes for response headers.
func WithHTTPClient(hc *http.Client) Option {
	return func(o *options) error { o.httpClient = hc; return nil }
}

// WithLogger sets the logger. Default: discard.
// WithLogger(nil) is the same as the default: nothing is logged.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		o.logger = l
		return nil
	}
}

// WithRetry sets the retry policy. Default: DefaultRetryPolicy().
func WithRetry(p RetryPolicy) Option {
	return func(o *options) error {
		if p.Attempts < 1 {
			return errors.New("pypi: WithRetry: Attempts must be at least 1")
		}
		if p.MaxBackoff < p.MinBackoff {
			p.MaxBackoff = p.MinBackoff
		}
		o.retry = p
		return nil
	}
}

// WithInsecureHTTPUnsafe allows a plain http:// index URL on a
// non-loopback host: tokens and files then travel unencrypted. Default:
// only https://, or http:// to 127.0.0.1/::1/localhost.
func WithInsecureHTTPUnsafe() Option {
	return func(o *options) error { o.insecure = true; return nil }
}

// WithAttestations makes the client sign a PEP 740 publish attestation for
// each file with s, send it with the upload and write it to
// "<file>.publish.attestation". Default: no attestations.
func WithAttestations(s DSSESigner) Option {
	return func(o *options) error {
		if s == nil {
			return errors.New("pypi: WithAttestations(nil)")
		}
		o.signer = s
		return nil
	}
}

// WithoutAttestationFiles keeps attestations in the upload only, without
// writing "<file>.publish.attestation". Default: files are written.
func WithoutAttestationFiles() Option {
	return func(o *options) error { o.writeAtt = false; return nil }
}

// WithSkipExisting controls what happens when the index already has a
// file of the same name: true (the default) looks its hash up and reports
// Skipped when identical or a *ConflictError when different; false makes
// every "already exists" answer an *UploadError.
func WithSkipExisting(skip bool) Option {
	return func(o *options) error { o.skipExisting = skip; return nil }
}

// WithLookupURL sets the base URL used to look files up (PEP 691
// /simple/ and /pypi/…/json). Default: the index base URL, or
// https://pypi.org (https://test.pypi.org) for upload.pypi.org
// (test.pypi.org).
func WithLookupURL(u string) Option {
	return func(o *options) error { o.lookupURL = strings.TrimSuffix(u, "/"); return nil }
}

// WithProgress calls fn as a file's bytes go out: once as its upload starts
// (done 0), at most once per MiB sent and once when the file is complete.
// A retried upload starts again from zero. Files upload concurrently
// (WithConcurrency): fn must be safe for concurrent use. Default: no
// progress reports.
func WithProgress(fn func(filename string, done, total int64)) Option {
	return func(o *options) error { o.progress = fn; return nil }
}

// DefaultConcurrency is how many files Upload handles at once unless
// WithConcurrency says otherwise.
const DefaultConcurrency = 4

// WithConcurrency bounds how many files one Upload call handles at once
// (the skip-existing lookup, the PEP 740 attestation and the POST of each
// file). Results and errors do not depend on the order in which files
// finish. Default: DefaultConcurrency (4); 1 uploads one file after
// another, as twine does.
func WithConcurrency(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return fmt.Errorf("pypi: WithConcurrency(%d): expected at least 1", n)
		}
		o.concurrency = n
		return nil
	}
}

// WithUserAgent sets the User-Agent. Default "tagship-pypi".
func WithUserAgent(ua string) Option {
	return func(o *options) error { o.userAgent = ua; return nil }
}

// Client uploads distributions to one index. It is safe for concurrent
// use; each Upload call mints its own token.
type Client struct {
	base      string // scheme://host[/prefix], no trailing slash
	uploadURL string // base + "/legacy/"
	lookup    string
	o         options
	hc        *http.Client
	// red knows every credential the client has held (API token, OIDC
	// tokens, minted tokens and their Basic forms): server text is
	// redacted with it before it is truncated, logged or returned.
	red *safehttp.Redactor
}

// ErrInsecureURL: the index URL is plain http:// to a non-loopback host.
var ErrInsecureURL = errors.New("pypi: insecure index URL")

// New returns a client for the index at indexURL: the upload endpoint
// ("https://upload.pypi.org/legacy/") or the index base URL
// ("https://test.pypi.org", "http://127.0.0.1:8080"); "/legacy/" is
// appended when missing. Trusted Publishing endpoints are under the base
// URL ({base}/_/oidc/…).
func New(indexURL string, opts ...Option) (*Client, error) {
	o := options{
		retry:        DefaultRetryPolicy(),
		writeAtt:     true,
		skipExisting: true,
		remintWithin: 2 * time.Minute,
		userAgent:    "tagship-pypi",
		concurrency:  DefaultConcurrency,
	}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	u, err := url.Parse(indexURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("pypi: index URL %q: expected an absolute http(s) URL such as https://upload.pypi.org/legacy/", indexURL)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("pypi: index URL %q must not have a query, fragment or credentials", u.Redacted())
	}
	if u.Scheme == "http" && !o.insecure && !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("%w: %s uses plain http to a non-loopback host; use https (or WithInsecureHTTPUnsafe)", ErrInsecureURL, indexURL)
	}
	if o.lookupURL != "" {
		if _, err := safehttp.CheckEndpoint("PyPI lookup", o.lookupURL, o.insecure); err != nil {
			if errors.Is(err, safehttp.ErrInsecureURL) {
				return nil, fmt.Errorf("%w: %v", ErrInsecureURL, err)
			}
			return nil, fmt.Errorf("pypi: %v", err)
		}
	}
	p := strings.TrimSuffix(u.Path, "/")
	p = strings.TrimSuffix(p, "/legacy")
	base := u.Scheme + "://" + u.Host + p
	c := &Client{base: base, uploadURL: base + "/legacy/", o: o, red: safehttp.NewRedactor()}
	if o.apiToken != "" {
		c.red.AddBasic("__token__", o.apiToken)
	}
	switch {
	case o.lookupURL != "":
		c.lookup = o.lookupURL
	case u.Host == "upload.pypi.org":
		c.lookup = "https://pypi.org"
	default:
		c.lookup = base
	}
	hc := o.httpClient
	if hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		// Once a request is sent, an index that does not answer within
		// 10 minutes is treated as a connection failure (and retried).
		tr.ResponseHeaderTimeout = 10 * time.Minute
		hc = &http.Client{Transport: tr}
	}
	cp := *hc
	cp.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	// The careful transport under everything: https (or loopback) on every
	// hop, reason phrases, headers and error bodies redacted of every
	// credential sent.
	cp.Transport = safehttp.New(cp.Transport, safehttp.WithService("pypi"), safehttp.WithAllowHTTP(o.insecure), safehttp.WithRedactor(c.red))
	c.hc = &cp
	if o.logger == nil {
		c.o.logger = slog.New(slog.DiscardHandler)
	}
	c.o.logger = slog.New(safehttp.RedactHandler(c.o.logger.Handler(), c.red))
	return c, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// UploadURL returns the legacy upload endpoint the client posts to.
func (c *Client) UploadURL() string { return c.uploadURL }

// UploadStatus says what happened to a file.
type UploadStatus string

const (
	// Uploaded: the index accepted the file.
	Uploaded UploadStatus = "uploaded"
	// Skipped: the index already had an identical file (same sha256).
	Skipped UploadStatus = "skipped"
)

// UploadResult describes one uploaded (or skipped) file.
type UploadResult struct {
	Filename string
	Status   UploadStatus
	SHA256   string
	Size     int64
	// Attempts is the number of POSTs made for the file.
	Attempts int
	// AttestationPath is the "<file>.publish.attestation" written, if any.
	AttestationPath string
	Duration        time.Duration
}

// credential is the upload token in use for one Upload call, shared by
// the files it uploads concurrently.
type credential struct {
	mu      sync.Mutex
	token   string
	expires time.Time // zero for an API token
}

// current returns the token held.
func (cred *credential) current() string {
	cred.mu.Lock()
	defer cred.mu.Unlock()
	return cred.token
}

// Upload uploads dists, at most WithConcurrency files at a time, and
// returns one result per file uploaded or skipped, in the order of dists
// (whatever order they finish in). An identical file already on the index
// is skipped; one upload token serves the whole call. The first failure
// stops the call: no further file is started, the uploads in flight are
// cancelled, and the results of the files already handled are returned
// with the error (of that file; several files failing at once are joined
// in the order of dists).
func (c *Client) Upload(ctx context.Context, dists ...*Distribution) ([]UploadResult, error) {
	if c.o.tokenSource == nil && c.o.apiToken == "" {
		return nil, fmt.Errorf("%w: use WithTokenSource (Trusted Publishing) or WithAPIToken", ErrNoCredentials)
	}
	for _, d := range dists {
		if d == nil || d.Metadata == nil {
			return nil, errors.New("pypi: Upload: distribution not opened with OpenDistribution")
		}
	}
	var cred credential
	results := make([]UploadResult, len(dists))
	var existing map[string]string
	if c.o.skipExisting {
		// One read of the index for every file (a failed read leaves the
		// decision to each upload's answer).
		var err error
		if existing, err = c.listed(ctx, dists); err != nil {
			c.o.logger.Debug("pypi: could not list the files already on the index", "error", err)
		}
	}
	err := batch.Each(ctx, len(dists), c.o.concurrency, batch.FailFast, func(ctx context.Context, i int) error {
		d := dists[i]
		// Skip-existing before sending anything: an identical file already
		// on the index is not uploaded again (nor is a token minted for
		// it); a different one under the same name is a conflict. When the
		// index cannot be asked, the upload's own answer decides.
		if c.o.skipExisting {
			if remote := existing[d.Filename]; remote != "" {
				if !strings.EqualFold(remote, d.SHA256) {
					return &ConflictError{Filename: d.Filename, LocalSHA256: d.SHA256, RemoteSHA256: remote}
				}
				c.o.logger.Info("pypi: skipped, identical file already on the index", "file", d.Filename, "sha256", d.SHA256)
				results[i] = UploadResult{Filename: d.Filename, SHA256: d.SHA256, Size: d.Size, Status: Skipped}
				return nil
			}
		}
		if err := c.refresh(ctx, &cred); err != nil {
			return err
		}
		res, err := c.uploadOne(ctx, &cred, d)
		if err != nil {
			return err
		}
		results[i] = res
		return nil
	})
	return slices.DeleteFunc(results, func(r UploadResult) bool { return r.Status == "" }), err
}

// refresh mints a token when none is held or it expires within
// remintWithin (one mint at a time: concurrent files share the token).
func (c *Client) refresh(ctx context.Context, cred *credential) error {
	cred.mu.Lock()
	defer cred.mu.Unlock()
	if c.o.tokenSource == nil {
		cred.token = c.o.apiToken
		return nil
	}
	if cred.token != "" && time.Until(cred.expires) > c.o.remintWithin {
		return nil
	}
	tok, exp, err := c.Mint(ctx)
	if err != nil {
		return err
	}
	cred.token, cred.expires = tok, exp
	return nil
}

// Mint performs the Trusted Publishing exchange and returns the upload
// token and its expiry. The token is a secret: do not log it.
func (c *Client) Mint(ctx context.Context) (token string, expires time.Time, err error) {
	if c.o.tokenSource == nil {
		return "", time.Time{}, fmt.Errorf("%w: Mint needs WithTokenSource", ErrNoCredentials)
	}
	var aud struct {
		Audience string `json:"audience"`
	}
	status, body, err := c.doJSON(ctx, http.MethodGet, c.base+"/_/oidc/audience", nil)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("pypi: trusted publishing: getting the audience: %w", err)
	}
	if status != http.StatusOK || json.Unmarshal(body, &aud) != nil || aud.Audience == "" {
		return "", time.Time{}, fmt.Errorf("%w: GET %s/_/oidc/audience answered HTTP %d: the index does not support Trusted Publishing (or the index URL is wrong)", ErrTrustedPublishing, c.base, status)
	}
	var lastClaims TokenClaims
	for attempt := 1; ; attempt++ {
		// A fresh OIDC token per attempt: Warehouse refuses a reused jti.
		oidc, err := c.o.tokenSource.Token(ctx, aud.Audience)
		if err != nil {
			return "", time.Time{}, fmt.Errorf("pypi: trusted publishing: getting an OIDC token for audience %q: %w", aud.Audience, err)
		}
		c.red.Add(oidc)
		lastClaims = ParseTokenClaims(oidc)
		reqBody, _ := json.Marshal(map[string]string{"token": oidc})
		status, body, err := c.doJSON(ctx, http.MethodPost, c.base+"/_/oidc/mint-token", reqBody)
		retry, wait := c.shouldRetry(ctx, attempt, status, nil, err)
		if err != nil && !retry {
			return "", time.Time{}, fmt.Errorf("pypi: trusted publishing: minting a token: %w", err)
		}
		if retry {
			c.o.logger.Warn("pypi: retrying token exchange", "attempt", attempt, "status", status, "wait", wait)
			if err := sleep(ctx, wait); err != nil {
				return "", time.Time{}, err
			}
			continue
		}
		if status == http.StatusOK {
			var ok struct {
				Success bool   `json:"success"`
				Token   string `json:"token"`
				Expires int64  `json:"expires"`
			}
			if err := json.Unmarshal(body, &ok); err != nil || ok.Token == "" {
				return "", time.Time{}, fmt.Errorf("%w: mint-token answered 200 without a token", ErrTrustedPublishing)
			}
			c.red.AddBasic("__token__", ok.Token)
			exp := time.Now().Add(15 * time.Minute)
			if ok.Expires > 0 {
				exp = time.Unix(ok.Expires, 0)
			}
			c.o.logger.Info("pypi: minted an upload token via trusted publishing", "expires", exp.UTC().Format(time.RFC3339), "claims", lastClaims.String())
			return ok.Token, exp, nil
		}
		me := &MintError{Status: status, Claims: lastClaims}
		var fail struct {
			Message string     `json:"message"`
			Errors  []APIError `json:"errors"`
		}
		if json.Unmarshal(body, &fail) == nil {
			me.Errors = fail.Errors
			for i := range me.Errors {
				me.Errors[i].Description = c.red.Redact(me.Errors[i].Description)
			}
		}
		if len(me.Errors) == 0 {
			me.Errors = []APIError{{Code: "http-" + strconv.Itoa(status), Description: clip(oneLine(stripTags(c.red.Redact(string(body)))))}}
		}
		return "", time.Time{}, me
	}
}

func (c *Client) doJSON(ctx context.Context, method, u string, body []byte) (int, []byte, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, r)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.o.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return resp.StatusCode, nil, err
	}
	return resp.StatusCode, b, nil
}

// ParseTokenClaims decodes the payload of a JWT without verifying it and
// returns its non-secret claims (for error messages). A malformed token
// yields zero claims. It is a view of sign.ParseTokenClaims: a list
// audience is joined with commas, JobWorkflowRef falls back to the
// workflow_ref claim, and a payload over 64 KiB is not decoded.
func ParseTokenClaims(jwt string) TokenClaims {
	if _, rest, ok := strings.Cut(jwt, "."); ok {
		if payload, _, _ := strings.Cut(rest, "."); len(payload) > 64<<10 {
			return TokenClaims{}
		}
	}
	c, err := sign.ParseTokenClaims(jwt)
	if err != nil {
		return TokenClaims{}
	}
	tc := TokenClaims{
		Issuer: c.Issuer, Subject: c.Subject, Audience: strings.Join(c.Audience, ","),
		Repository: c.Repository, Workflow: c.Workflow, Ref: c.Ref, Environment: c.Environment,
		JobWorkflowRef: c.JobWorkflowRef,
	}
	if tc.JobWorkflowRef == "" {
		tc.JobWorkflowRef = c.WorkflowRef
	}
	return tc
}

// shouldRetry decides whether attempt (1-based) is retried and how long to
// wait first.
func (c *Client) shouldRetry(ctx context.Context, attempt, status int, h http.Header, err error) (bool, time.Duration) {
	if attempt >= c.o.retry.Attempts {
		return false, 0
	}
	if err != nil {
		// The caller's context ending stops everything; a request that
		// timed out on its own (the HTTP client's timeout, a stalled
		// server) is retried like a reset connection. A retried upload
		// cannot duplicate a file: the index refuses a second copy, and an
		// identical one is found and skipped.
		if ctx.Err() != nil || errors.Is(err, ErrFileChanged) || errors.Is(err, safehttp.ErrInsecureURL) || errors.Is(err, safehttp.ErrTooLarge) {
			return false, 0
		}
		return true, c.backoff(attempt)
	}
	if status == http.StatusTooManyRequests || status >= 500 {
		wait := c.backoff(attempt)
		if ra, ok := parseRetryAfter(h); ok {
			wait = min(ra, c.o.retry.MaxRetryAfter)
			if c.o.retry.MaxRetryAfter == 0 {
				wait = ra
			}
		}
		return true, wait
	}
	return false, 0
}

// policy is the client's RetryPolicy as the shared safehttp.Policy.
func (c *Client) policy() safehttp.Policy {
	r := c.o.retry
	return safehttp.Policy{Attempts: r.Attempts, MinBackoff: r.MinBackoff, MaxBackoff: r.MaxBackoff, MaxRetryAfter: r.MaxRetryAfter}
}

func (c *Client) backoff(attempt int) time.Duration { return c.policy().Backoff(attempt) }

func parseRetryAfter(h http.Header) (time.Duration, bool) {
	if h == nil {
		return 0, false
	}
	return safehttp.ParseRetryAfter(h.Get("Retry-After"), time.Now())
}

func sleep(ctx context.Context, d time.Duration) error { return safehttp.Sleep(ctx, d) }

var tagRe = regexp.MustCompile(`<[^>]*>`)

func stripTags(s string) string { return tagRe.ReplaceAllString(s, " ") }
