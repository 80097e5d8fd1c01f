package sign

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/tagship/tagship/internal/safehttp"
)

// StatusError is a service's final 5xx or 429 answer after all retries;
// its Body is the server's text, redacted (no token it quoted survives)
// and at most 64 KiB.
type StatusError = safehttp.StatusError

// maxRetryAfter caps a Sigstore service's Retry-After.
const maxRetryAfter = time.Minute

// serviceTransport is the transport of every Sigstore service call
// (Fulcio, Rekor, TSA), including the clients sigstore-go builds: the
// one careful client of internal/safehttp, retrying by the signer's policy,
// https (or loopback) on every redirect hop, the OIDC token never carried
// to another origin, server text redacted before it is logged or quoted.
func serviceTransport(base http.RoundTripper, service string, o *options) http.RoundTripper {
	return safehttp.New(base,
		safehttp.WithService(service),
		safehttp.WithRetry(safehttp.Policy{Attempts: o.attempts, MinBackoff: o.minBackoff, MaxBackoff: o.maxBackoff, MaxRetryAfter: maxRetryAfter}),
		safehttp.WithAttemptTimeout(o.requestTimeout/3),
		safehttp.WithAllowHTTP(o.insecure),
		safehttp.WithLogger(o.logger))
}

// safeClient returns hc on the careful transport (no retries: the token
// sources retry themselves), so a token endpoint's redirect cannot carry
// the request token to another origin or over plain http.
func safeClient(hc *http.Client) *http.Client {
	cp := *hc
	if _, ok := cp.Transport.(*safehttp.Transport); !ok {
		cp.Transport = safehttp.New(cp.Transport, safehttp.WithService("oidc"), safehttp.WithMaxBody(1<<20))
	}
	return &cp
}

// checkServiceURL enforces https except to loopback hosts (or when insecure
// is allowed).
func checkServiceURL(kind, raw string, insecure bool) error {
	if _, err := safehttp.CheckEndpoint(kind, raw, insecure); err != nil {
		if errors.Is(err, safehttp.ErrInsecureURL) {
			return fmt.Errorf("%w: %v (or WithInsecureHTTPUnsafe for a private test network)", ErrInsecureURL, err)
		}
		return fmt.Errorf("%w: %v", ErrConfig, err)
	}
	return nil
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
