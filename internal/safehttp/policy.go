package safehttp

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Policy is the one retry policy of every tagship client.
type Policy struct {
	// Attempts is the total number of tries (≥ 1).
	Attempts int
	// MinBackoff is the first wait; each further wait doubles up to
	// MaxBackoff, with jitter in [50%, 100%] of the value.
	MinBackoff, MaxBackoff time.Duration
	// MaxRetryAfter caps a server's Retry-After (0: no cap).
	MaxRetryAfter time.Duration
}

// Normalize returns p with Attempts ≥ 1 and MaxBackoff ≥ MinBackoff.
func (p Policy) Normalize() Policy {
	p.Attempts = max(p.Attempts, 1)
	p.MinBackoff = max(p.MinBackoff, 0)
	p.MaxBackoff = max(p.MaxBackoff, p.MinBackoff)
	return p
}

// Backoff is the wait before attempt+1 after attempt (1-based) failed.
func (p Policy) Backoff(attempt int) time.Duration {
	d := p.MinBackoff << max(attempt-1, 0)
	if d > p.MaxBackoff || d <= 0 {
		d = p.MaxBackoff
	}
	if d <= 0 {
		return 0
	}
	return d/2 + rand.N(d/2+1)
}

// Retryable reports whether an HTTP status is worth asking again: 5xx
// and 429 (and 408, a server giving up on a slow request).
func Retryable(status int) bool {
	return status >= 500 || status == http.StatusTooManyRequests || status == http.StatusRequestTimeout
}

// Decide says whether attempt (1-based), which ended with resp or err,
// is retried, after how long, and why (for logs). ctx ending stops
// retries; a request that timed out on its own (a stalled server) does
// not. Attempts exhausted: no retry.
func (p Policy) Decide(ctx context.Context, attempt int, resp *http.Response, err error) (retry bool, wait time.Duration, why string) {
	p = p.Normalize()
	if attempt >= p.Attempts || ctx.Err() != nil {
		return false, 0, ""
	}
	wait = p.Backoff(attempt)
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, ErrInsecureURL) || errors.Is(err, ErrRedirect) || errors.Is(err, ErrTooLarge) {
			return false, 0, ""
		}
		return true, wait, ConnReason(err)
	}
	if resp == nil || !Retryable(resp.StatusCode) {
		return false, 0, ""
	}
	if ra, ok := ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
		wait = ra
		if p.MaxRetryAfter > 0 {
			wait = min(wait, p.MaxRetryAfter)
		}
	}
	return true, wait, resp.Status
}

// ConnReason is a short description of a connection error for logs.
func ConnReason(err error) string {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) {
		return "timeout"
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	return "connection error: " + msg
}

// maxRetryAfterSeconds keeps absurd values from overflowing.
const maxRetryAfterSeconds = 24 * 60 * 60

// ParseRetryAfter reads a Retry-After value: delay-seconds or an HTTP
// date (relative to now). ok is false when v is absent or unreadable.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return 0, false
		}
		return time.Duration(min(n, maxRetryAfterSeconds)) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(t.Sub(now), 0), maxRetryAfterSeconds*time.Second), true
	}
	return 0, false
}

// Sleep waits d or until ctx ends.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
