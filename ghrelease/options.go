package ghrelease

import (
	"cmp"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/tagship/tagship/internal/safehttp"
)

// Option configures a [Publisher].
type Option func(*options) error

type options struct {
	client       *github.Client
	httpClient   *http.Client
	baseURL      string
	uploadURL    string
	token        string
	tokenSet     bool
	concurrency  int
	replace      bool
	logger       *slog.Logger
	retry        RetryPolicy
	checksums    string
	insecureHTTP bool
	sleep        func(time.Duration) <-chan time.Time
	progress     func(name string, done, total int64)
	red          *safehttp.Redactor // knows the token
	noReadBack   bool
}

// RetryPolicy says how GitHub calls are retried: on 5xx, 429, rate limits
// and connection errors, never on other 4xx.
type RetryPolicy struct {
	// Attempts is the total number of tries per call (≥ 1).
	Attempts int
	// Initial is the first backoff; it doubles up to Max, with jitter.
	Initial, Max time.Duration
	// MaxWait is the longest server-requested wait (Retry-After, rate-limit
	// reset) that is honoured; a longer one fails the call at once with an
	// error saying when to retry.
	MaxWait time.Duration
}

// defaultRetryPolicy is used unless WithRetry says otherwise.
func defaultRetryPolicy() RetryPolicy {
	return RetryPolicy{Attempts: 5, Initial: time.Second, Max: 30 * time.Second, MaxWait: 2 * time.Minute}
}

// WithGitHubClient uses a ready go-github client (its own authentication,
// base and upload URLs). It overrides WithBaseURL, WithToken and
// WithHTTPClient. Default: a client built from those options.
func WithGitHubClient(c *github.Client) Option {
	return func(o *options) error {
		if c == nil {
			return fmt.Errorf("ghrelease: WithGitHubClient(nil)")
		}
		o.client = c
		return nil
	}
}

// WithHTTPClient sets the HTTP client whose transport (TLS roots, proxy) is
// used; tagship adds authentication on top for the API hosts only.
// Default: a client with http.DefaultTransport.
func WithHTTPClient(c *http.Client) Option {
	return func(o *options) error {
		o.httpClient = c
		return nil
	}
}

// WithBaseURL points at GitHub Enterprise Server or a test double: api is the
// REST root ("https://ghe.example.com/api/v3/"), uploads the uploads root
// ("https://ghe.example.com/api/uploads/"). Both are used as given (a
// trailing slash is added). Plain http:// is refused unless the host is
// loopback or [WithInsecureHTTPUnsafe] is given.
// Default: https://api.github.com/ and https://uploads.github.com/.
func WithBaseURL(api, uploads string) Option {
	return func(o *options) error {
		o.baseURL, o.uploadURL = api, uploads
		return nil
	}
}

// WithInsecureHTTPUnsafe allows plain http:// base URLs to hosts that are
// not loopback: the token then crosses the network in clear text.
// Default: refused.
func WithInsecureHTTPUnsafe() Option {
	return func(o *options) error { o.insecureHTTP = true; return nil }
}

// WithToken sets the GitHub token, sent as "Authorization: token …" to the
// API and uploads hosts only (never to download redirects).
// Default: $GITHUB_TOKEN at New time.
func WithToken(token string) Option {
	return func(o *options) error {
		o.token, o.tokenSet = token, true
		return nil
	}
}

// WithConcurrency bounds concurrent asset uploads. Default: 4.
func WithConcurrency(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return fmt.Errorf("ghrelease: WithConcurrency(%d): expected at least 1", n)
		}
		o.concurrency = n
		return nil
	}
}

// WithReplaceAssets replaces an existing asset of the same name whose
// content differs (or cannot be compared without downloading it) instead of
// failing with an *AssetConflictError: the old asset is deleted, then the
// new one uploaded. Default: off — differing assets are an error.
func WithReplaceAssets() Option {
	return func(o *options) error { o.replace = true; return nil }
}

// WithLogger sets the logger for progress. Default: discard.
// WithLogger(nil) is the same as the default: nothing is logged.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		o.logger = cmp.Or(l, slog.New(slog.DiscardHandler))
		return nil
	}
}

// WithRetry sets the retry policy. Default: 5 attempts, backoff from 1s
// doubling to 30s with jitter, server-requested waits honoured up to 2
// minutes.
func WithRetry(p RetryPolicy) Option {
	return func(o *options) error {
		if p.Attempts < 1 || p.Initial < 0 || p.Max < p.Initial || p.MaxWait < 0 {
			return fmt.Errorf("ghrelease: WithRetry(%+v): expected Attempts ≥ 1 and 0 ≤ Initial ≤ Max, MaxWait ≥ 0", p)
		}
		o.retry = p
		return nil
	}
}

// WithChecksumsAsset names the checksums asset (sha256sum format, listing
// every asset). An empty name disables it. Default: [ChecksumsAssetName].
func WithChecksumsAsset(name string) Option {
	return func(o *options) error {
		if name != "" {
			if err := ValidateAssetName(name); err != nil {
				return err
			}
		}
		o.checksums = name
		return nil
	}
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func parseRoot(s, which string, insecure bool) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("ghrelease: %s URL %q: expected an absolute https:// URL", which, s)
	}
	if u.Scheme == "http" && !insecure && !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("%w: %s URL %q is plain http to a non-loopback host; use https, or WithInsecureHTTPUnsafe", ErrInsecureURL, which, s)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u, nil
}

// tokenTransport is the careful transport (internal/safehttp) with the
// token bound to the given roots' origins (scheme, host and port) only: it
// never reaches another origin, not even by a redirect, and every answer's
// reason phrase, headers and error text are redacted of it.
func tokenTransport(base http.RoundTripper, token string, insecure bool, red *safehttp.Redactor, roots ...*url.URL) *safehttp.Transport {
	opts := []safehttp.Option{safehttp.WithService("github"), safehttp.WithAllowHTTP(insecure), safehttp.WithRedactor(red)}
	if token != "" {
		seen := map[safehttp.Origin]bool{}
		for _, u := range roots {
			if o := safehttp.OriginOf(u); !seen[o] {
				seen[o] = true
				opts = append(opts, safehttp.WithCredential(safehttp.Credential{Origin: o, Value: "token " + token}))
			}
		}
	}
	return safehttp.New(base, opts...)
}

// redactToken makes o.red the Redactor of the token and passes the
// logger's records through it.
func (o *options) redactToken() {
	o.red = safehttp.NewRedactor(o.token)
	o.logger = slog.New(safehttp.RedactHandler(o.logger.Handler(), o.red))
}

func buildOptions(opts []Option) (options, error) {
	o := options{concurrency: 4, retry: defaultRetryPolicy(), checksums: ChecksumsAssetName, logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return o, err
		}
	}
	if o.sleep == nil {
		o.sleep = time.After
	}
	if o.client != nil {
		return o, nil
	}
	if !o.tokenSet {
		o.token = os.Getenv("GITHUB_TOKEN")
	}
	o.redactToken()
	if o.token == "" {
		return o, fmt.Errorf("%w: set GITHUB_TOKEN (a token with contents: write) or pass WithToken / WithGitHubClient", ErrNoToken)
	}
	if strings.ContainsAny(o.token, " \r\n\t") {
		return o, fmt.Errorf("ghrelease: the token contains white space; expected a single GitHub token")
	}
	base, upload := "https://api.github.com/", "https://uploads.github.com/"
	if o.baseURL != "" || o.uploadURL != "" {
		base, upload = o.baseURL, o.uploadURL
	}
	bu, err := parseRoot(base, "API", o.insecureHTTP)
	if err != nil {
		return o, err
	}
	uu, err := parseRoot(upload, "uploads", o.insecureHTTP)
	if err != nil {
		return o, err
	}
	hc := o.httpClient
	if hc == nil {
		hc = &http.Client{}
	}
	rt := hc.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	authed := &http.Client{
		Transport: tokenTransport(rt, o.token, o.insecureHTTP, o.red, bu, uu),
		Timeout:   hc.Timeout,
		Jar:       hc.Jar,
	}
	c := github.NewClient(authed)
	c.BaseURL, c.UploadURL = bu, uu
	o.client = c
	return o, nil
}

// WithProgress calls fn as an asset's bytes go out: at most once per MiB
// sent and once when the asset is complete, from the uploading goroutine
// (fn must be safe for concurrent use). A retried upload starts again from
// zero. Default: no progress reports.
func WithProgress(fn func(name string, done, total int64)) Option {
	return func(o *options) error { o.progress = fn; return nil }
}
