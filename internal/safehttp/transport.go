package safehttp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// Credential is a header value bound to one origin: Transport adds it to
// requests to exactly that origin (scheme, host, port) and nowhere else,
// and learns it for redaction.
type Credential struct {
	Origin Origin
	Header string // "Authorization"
	Value  string // "Bearer …", "token …", "Basic …"
}

// Option configures a Transport.
type Option func(*Transport)

// WithAllowHTTP allows plain http:// to any host on every hop. Default:
// https, or http only to loopback hosts.
func WithAllowHTTP(allow bool) Option { return func(t *Transport) { t.allowHTTP = allow } }

// WithCredential binds a credential to its origin. Default: none.
func WithCredential(c Credential) Option {
	return func(t *Transport) {
		if c.Header == "" {
			c.Header = "Authorization"
		}
		t.creds = append(t.creds, c)
	}
}

// WithRedactor shares r: the transport adds every credential it sends to
// it and redacts with it. Default: a Redactor of its own (Redactor()).
func WithRedactor(r *Redactor) Option { return func(t *Transport) { t.red = r } }

// WithMaxBody caps every answer's body (0: no cap). Default: no cap;
// WithLimit narrows it per request. With WithRetry the default is 16 MiB.
func WithMaxBody(n int64) Option { return func(t *Transport) { t.maxBody = n } }

// WithRetry makes the transport retry by p: connection errors, 5xx, 429,
// Retry-After. Request bodies are replayed (GetBody, or buffered up to
// 32 MiB), and each answer is read whole within its attempt so that a
// connection dropped mid-body is retried too: for API calls, not
// streaming uploads or downloads. Default: no retries.
func WithRetry(p Policy) Option {
	return func(t *Transport) { p = p.Normalize(); t.policy = &p }
}

// WithAttemptTimeout bounds each attempt (0: none), so a stalled server is
// retried within the call's own deadline. Default: none.
func WithAttemptTimeout(d time.Duration) Option { return func(t *Transport) { t.attemptTimeout = d } }

// WithLogger logs retries (redacted). Default: discard.
func WithLogger(l *slog.Logger) Option { return func(t *Transport) { t.log = l } }

// WithService names the remote in logs and errors ("fulcio"). Default "remote".
func WithService(name string) Option { return func(t *Transport) { t.service = name } }

// Transport is the careful http.RoundTripper every tagship client sits
// on. See the package documentation for what it guarantees.
type Transport struct {
	base           http.RoundTripper
	allowHTTP      bool
	creds          []Credential
	red            *Redactor
	maxBody        int64
	policy         *Policy
	attemptTimeout time.Duration
	log            *slog.Logger
	service        string
}

// New returns a Transport over base (nil: a clone of
// http.DefaultTransport).
func New(base http.RoundTripper, opts ...Option) *Transport {
	if base == nil {
		base = http.DefaultTransport.(*http.Transport).Clone()
	}
	t := &Transport{base: base, service: "remote"}
	for _, o := range opts {
		o(t)
	}
	if t.red == nil {
		t.red = NewRedactor()
	}
	if t.log == nil {
		t.log = slog.New(slog.DiscardHandler)
	}
	t.log = slog.New(RedactHandler(t.log.Handler(), t.red))
	if t.policy != nil && t.maxBody == 0 {
		t.maxBody = 16 << 20
	}
	for _, c := range t.creds {
		t.red.AddAuthorization(c.Value)
	}
	return t
}

// Redactor returns the transport's Redactor: every credential it has
// sent is known to it.
func (t *Transport) Redactor() *Redactor { return t.red }

type limitKey struct{}

// WithLimit caps the body of answers to requests made with the returned
// context at n bytes (an expected size: an asset of 6 bytes is read as at
// most 6 bytes), in place of the transport's own cap.
func WithLimit(ctx context.Context, n int64) context.Context {
	return context.WithValue(ctx, limitKey{}, n)
}

var credentialHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie"}

// originalRequest follows a redirect chain back to the request the
// caller made.
func originalRequest(req *http.Request) *http.Request {
	for req.Response != nil && req.Response.Request != nil {
		req = req.Response.Request
	}
	return req
}

// prepare applies the hop and credential rules to one outgoing request.
func (t *Transport) prepare(req *http.Request) (*http.Request, error) {
	if err := CheckHop(req.URL, t.allowHTTP); err != nil {
		if req.Response != nil {
			return nil, fmt.Errorf("%s: redirect refused: %w", t.service, err)
		}
		return nil, fmt.Errorf("%s: %w", t.service, err)
	}
	origin := OriginOf(req.URL)
	r := req.Clone(req.Context())
	// sameOrigin: the request the caller made, or a redirect that stayed
	// on its origin.
	sameOrigin := true
	if req.Response != nil {
		if from := OriginOf(originalRequest(req).URL); from != origin {
			sameOrigin = false
			if req.Body != nil && req.Body != http.NoBody {
				return nil, fmt.Errorf("%s: %w: %s %s → %s with a request body", t.service, ErrRedirect, req.Method, from, origin)
			}
			for _, h := range credentialHeaders {
				r.Header.Del(h)
			}
			for _, c := range t.creds {
				r.Header.Del(c.Header)
			}
		}
	}
	for _, c := range t.creds {
		if c.Origin == origin && sameOrigin {
			r.Header.Set(c.Header, c.Value)
		} else if r.Header.Get(c.Header) == c.Value {
			r.Header.Del(c.Header)
		}
	}
	for _, h := range credentialHeaders[:2] {
		if v := r.Header.Get(h); v != "" {
			t.red.AddAuthorization(v)
		}
	}
	return r, nil
}

func (t *Transport) limit(ctx context.Context) int64 {
	n := t.maxBody
	if l, ok := ctx.Value(limitKey{}).(int64); ok && l >= 0 {
		n = l
	}
	return n
}

// maxErrorBody is how much of an error answer is kept (and redacted).
const maxErrorBody = 64 << 10

// finish redacts what the server said and caps the body.
func (t *Transport) finish(ctx context.Context, resp *http.Response) (*http.Response, error) {
	resp.Status = t.red.Redact(resp.Status)
	for k, vs := range resp.Header {
		for i, v := range vs {
			vs[i] = t.red.Redact(v)
		}
		resp.Header[k] = vs
	}
	if resp.StatusCode >= 400 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		resp.Body.Close()
		red := []byte(t.red.Redact(string(b)))
		resp.Body = io.NopCloser(bytes.NewReader(red))
		resp.ContentLength = int64(len(red))
		resp.Header.Del("Content-Length")
		return resp, nil
	}
	if n := t.limit(ctx); n > 0 && resp.StatusCode/100 == 2 && resp.Body != nil && resp.Body != http.NoBody {
		if resp.ContentLength > n {
			resp.Body.Close()
			return nil, fmt.Errorf("%s: %w: %s announced %d bytes, at most %d expected", t.service, ErrTooLarge, Safe(resp.Request.URL), resp.ContentLength, n)
		}
		resp.Body = &cappedBody{rc: resp.Body, left: n, n: n, what: t.service + ": " + Safe(resp.Request.URL)}
	}
	return resp, nil
}

// cappedBody fails a read past its cap instead of silently truncating.
type cappedBody struct {
	rc   io.ReadCloser
	left int64
	n    int64
	what string
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One more byte tells a body of exactly n from a longer one.
		var one [1]byte
		k, err := b.rc.Read(one[:])
		if k > 0 {
			return 0, fmt.Errorf("%w: %s: more than %d bytes", ErrTooLarge, b.what, b.n)
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	k, err := b.rc.Read(p)
	b.left -= int64(k)
	return k, err
}

func (b *cappedBody) Close() error { return b.rc.Close() }

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	r, err := t.prepare(req)
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	if t.policy == nil {
		resp, err := t.base.RoundTrip(r)
		if err != nil {
			return nil, t.red.Error(err)
		}
		return t.finish(r.Context(), resp)
	}
	return t.retry(r)
}

func (t *Transport) retry(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	getBody := req.GetBody
	if req.Body != nil && req.Body != http.NoBody && getBody == nil {
		b, err := io.ReadAll(io.LimitReader(req.Body, 32<<20))
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		getBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	}
	for attempt := 1; ; attempt++ {
		actx, cancel := ctx, context.CancelFunc(func() {})
		if t.attemptTimeout > 0 {
			actx, cancel = context.WithTimeout(ctx, t.attemptTimeout)
		}
		r := req.Clone(actx)
		if getBody != nil {
			body, err := getBody()
			if err != nil {
				cancel()
				return nil, err
			}
			r.Body = body
		}
		resp, err := t.base.RoundTrip(r)
		if err == nil {
			resp, err = t.finish(ctx, resp)
		}
		if err == nil {
			// Read the answer within the attempt, so that a connection
			// dropped mid-body is retried like any other.
			var body []byte
			body, err = io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				resp = nil
			} else {
				resp.Body = io.NopCloser(bytes.NewReader(body))
			}
		}
		if err != nil {
			if actx.Err() != nil && ctx.Err() == nil {
				err = fmt.Errorf("attempt timed out after %s: %w", t.attemptTimeout, err)
			}
			err = t.red.Error(err)
		}
		cancel()
		retry, wait, why := t.policy.Decide(ctx, attempt, resp, err)
		if !retry {
			if err == nil && Retryable(resp.StatusCode) && attempt >= t.policy.Attempts {
				// A final 5xx/429 becomes an error carrying the (redacted)
				// server text: callers such as sigstore-go's Fulcio client
				// would otherwise sleep and report a closed body.
				b, _ := io.ReadAll(resp.Body)
				return nil, &StatusError{Service: t.service, StatusCode: resp.StatusCode, Attempts: attempt, Body: strings.TrimSpace(string(b))}
			}
			if err != nil && attempt > 1 && ctx.Err() == nil && !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrInsecureURL) {
				return nil, fmt.Errorf("%s: giving up after %d attempts: %w", t.service, attempt, err)
			}
			return resp, err
		}
		t.log.LogAttrs(ctx, slog.LevelWarn, "request failed, retrying",
			slog.String("service", t.service), slog.String("url", Safe(req.URL)),
			slog.String("reason", why), slog.Int("attempt", attempt), slog.Duration("wait", wait))
		if err := Sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// StatusError is a service's final 5xx or 429 answer after all retries.
// Body is the answer's text, redacted and at most 64 KiB.
type StatusError struct {
	Service    string
	StatusCode int
	Attempts   int
	Body       string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s answered HTTP %d after %d attempts: %s", e.Service, e.StatusCode, e.Attempts, Truncate(e.Body, 512))
}
