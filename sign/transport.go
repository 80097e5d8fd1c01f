package sign

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// retryTransport retries requests on connection errors, 5xx and 429,
// honouring Retry-After, with exponential backoff and jitter. It never
// retries other 4xx answers. Request bodies are replayed with GetBody (or
// buffered: Sigstore requests are small).
type retryTransport struct {
	base       http.RoundTripper
	service    string
	attempts   int
	minBackoff time.Duration
	maxBackoff time.Duration
	// attemptTimeout bounds one attempt (0: none), so that a stalled
	// server is retried within the call's own timeout.
	attemptTimeout time.Duration
	log            *slog.Logger
}

const maxRetryAfter = time.Minute

// maxAnswer bounds service answers read into memory (Sigstore answers are
// kilobytes; sigstore-go's clients read at most 10 MiB).
const maxAnswer = 16 << 20

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
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
	attempts := max(t.attempts, 1)
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
			// Read the (small) answer here, so that a connection dropped
			// mid-body is retried like any other connection error.
			var body []byte
			body, err = io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
			resp.Body.Close()
			if err != nil {
				resp = nil
			} else {
				resp.Body = io.NopCloser(bytes.NewReader(body))
			}
		}
		if err != nil && actx.Err() != nil && ctx.Err() == nil {
			err = fmt.Errorf("attempt timed out after %s: %w", t.attemptTimeout, err)
		}
		cancel()
		wait, retry, why := t.classify(ctx, attempt, resp, err)
		if !retry || ctx.Err() != nil {
			return resp, err
		}
		if attempt >= attempts {
			if resp != nil {
				// Turn a final 5xx/429 into an error carrying the server's
				// message: callers such as sigstore-go's Fulcio client would
				// otherwise sleep and report a closed body.
				body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
				resp.Body.Close()
				return nil, &StatusError{Service: t.service, StatusCode: resp.StatusCode, Attempts: attempt, Body: strings.TrimSpace(string(body))}
			}
			return nil, fmt.Errorf("%s: giving up after %d attempts: %w", t.service, attempt, err)
		}
		if resp != nil {
			io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
		}
		t.log.LogAttrs(ctx, slog.LevelWarn, "sigstore request failed, retrying",
			slog.String("service", t.service), slog.String("url", safeURL(req.URL)),
			slog.String("reason", why), slog.Int("attempt", attempt), slog.Duration("wait", wait))
		if err := sleepCtx(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// StatusError is a service's final 5xx or 429 answer after all retries.
type StatusError struct {
	Service    string
	StatusCode int
	Attempts   int
	Body       string // the answer's body, truncated to 4 KiB
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s answered HTTP %d after %d attempts: %s", e.Service, e.StatusCode, e.Attempts, truncate(e.Body, 512))
}

func (t *retryTransport) classify(ctx context.Context, attempt int, resp *http.Response, err error) (time.Duration, bool, string) {
	backoff := t.minBackoff << (attempt - 1)
	if backoff > t.maxBackoff || backoff <= 0 {
		backoff = t.maxBackoff
	}
	backoff = backoff/2 + rand.N(backoff/2+1)
	if err != nil {
		// The call's own context ending stops the retries; one attempt
		// timing out (a stalled server) does not.
		if ctx.Err() != nil || errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			return 0, false, ""
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return backoff, true, "timeout"
		}
		return backoff, true, connReason(err)
	}
	if resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests {
		return 0, false, ""
	}
	if ra := parseRetryAfter(resp.Header.Get("Retry-After")); ra > 0 {
		backoff = min(ra, maxRetryAfter)
	}
	return backoff, true, resp.Status
}

func connReason(err error) string {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	return "connection error: " + msg
}

func parseRetryAfter(v string) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return time.Until(t)
	}
	return 0
}

func safeURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	return u.Scheme + "://" + u.Host + u.Path
}

// checkServiceURL enforces https except to loopback hosts (or when insecure
// is allowed).
func checkServiceURL(kind, raw string, insecure bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%w: %s URL %q is not an absolute URL", ErrConfig, kind, raw)
	}
	if u.User != nil {
		return fmt.Errorf("%w: %s URL must not carry credentials", ErrConfig, kind)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if insecure || isLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("%w: %s URL %s uses plain http to a non-loopback host; use https (or WithInsecureHTTPUnsafe for a private test network)", ErrInsecureURL, kind, safeURL(u))
	default:
		return fmt.Errorf("%w: %s URL %s: scheme must be https", ErrConfig, kind, safeURL(u))
	}
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ctxTransport gives requests built without a context (by sigstore-go's
// Fulcio and TSA clients) the context of the call that created it. It lives
// only for that call.
type ctxTransport struct {
	ctx  context.Context
	base http.RoundTripper
}

func (t ctxTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	// Cancel when either the call's context or the request's own (the
	// client's timeout) is done.
	ctx, cancel := context.WithCancel(t.ctx)
	stop := context.AfterFunc(req.Context(), cancel)
	resp, err := t.base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		stop()
		cancel()
		// The request's own context ends when the client's timeout
		// passes; say so rather than a bare "context canceled".
		if rerr := req.Context().Err(); rerr != nil && t.ctx.Err() == nil {
			err = fmt.Errorf("%w (request timed out: %w)", err, rerr)
		}
		return nil, err
	}
	resp.Body = &cancelBody{ReadCloser: resp.Body, done: func() { stop(); cancel() }}
	return resp, nil
}

type cancelBody struct {
	io.ReadCloser
	done func()
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.done()
	return err
}
