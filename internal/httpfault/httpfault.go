package httpfault

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"time"
)

// Reset drops the client connection with a TCP RST (hijack, SO_LINGER 0,
// close), so the client reads "connection reset by peer" without any
// answer. When the connection cannot be hijacked (HTTP/2), it panics with
// http.ErrAbortHandler, which makes net/http abort the stream instead.
// Over TLS the connection is closed without SO_LINGER.
func Reset(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		Abort()
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// Hangup hijacks the client connection and closes it normally (a FIN, or
// an RST if the kernel still holds unread request bytes), discarding any
// part of the answer net/http has not yet sent. It reports false, and does
// nothing, when the connection cannot be hijacked.
func Hangup(w http.ResponseWriter) bool {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return false
	}
	_ = conn.Close()
	return true
}

// Abort panics with http.ErrAbortHandler: net/http then closes the
// connection (HTTP/1) or resets the stream (HTTP/2) after what has been
// flushed, and logs nothing. Call it from the handler's goroutine.
func Abort() { panic(http.ErrAbortHandler) }

// DiscardBody reads and drops up to n bytes of the request body first
// (nothing when n <= 0), e.g. to reset a connection mid-upload.
func DiscardBody(r *http.Request, n int64) {
	if n > 0 {
		_, _ = io.CopyN(io.Discard, r.Body, n)
	}
}

// BufferBody reads up to limit bytes of the request body into memory now
// and replaces r.Body with them. net/http notices a client that gives up
// (and cancels r.Context) only once the request body has been consumed, so
// call it before Stall on requests with a body that must still be served
// afterwards.
func BufferBody(r *http.Request, limit int64) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, limit))
	r.Body = io.NopCloser(bytes.NewReader(body))
}

// Stall waits d before the request is handled. It returns early, with
// completed false, when the client gives up (r's context ends) or stop is
// closed (a nil stop never is); d <= 0 returns true at once. The request
// body is left alone: see BufferBody.
func Stall(r *http.Request, d time.Duration, stop <-chan struct{}) (completed bool) {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	case <-stop:
		return false
	}
}

// SetRetryAfter sets the Retry-After header to d in whole seconds, rounded
// up (1.5s is "2"). d <= 0 leaves the header alone.
func SetRetryAfter(h http.Header, d time.Duration) {
	if d > 0 {
		h.Set("Retry-After", strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10))
	}
}

// Half keeps half of an n-byte body (rounded down): the usual argument of
// ServeTruncated.
func Half(n int) int { return n / 2 }

// ServeTruncated serves r with h into memory — so h runs to completion and
// its effects happen — then sends h's status and headers with the full
// Content-Length but only the first keep(n) bytes of its n-byte body, and
// flushes them. h sees the headers already set on w. It returns the status
// h answered.
//
// The answer is still open: the caller must then end the connection (with
// Abort, Reset or Hangup) so that the client reads a short body.
func ServeTruncated(w http.ResponseWriter, r *http.Request, h http.Handler, keep func(n int) int) (status int) {
	rec := httptest.NewRecorder()
	for k, v := range w.Header() {
		rec.Header()[k] = v
	}
	h.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(rec.Code)
	n := min(max(keep(len(body)), 0), len(body))
	_, _ = w.Write(body[:n])
	_ = http.NewResponseController(w).Flush()
	return rec.Code
}

// ErrTruncated is what a TruncatingWriter's Write returns once it has cut
// the body.
var ErrTruncated = errors.New("httpfault: response body truncated")

// TruncatingWriter streams an answer through unchanged until n body bytes
// have been written, then flushes them and fails every later Write with
// ErrTruncated. Headers (Content-Length included, when the handler sets
// it) pass through as written. Unlike ServeTruncated it does not buffer
// the answer, so it suits large downloads.
//
//	tw := httpfault.NewTruncatingWriter(w, 10)
//	defer tw.AbortIfCut()
//	h.ServeHTTP(tw, r)
type TruncatingWriter struct {
	http.ResponseWriter
	left int64
	cut  bool
}

// NewTruncatingWriter wraps w to let n body bytes through.
func NewTruncatingWriter(w http.ResponseWriter, n int64) *TruncatingWriter {
	return &TruncatingWriter{ResponseWriter: w, left: n}
}

// Write passes p through until the limit, then reports ErrTruncated.
func (t *TruncatingWriter) Write(p []byte) (int, error) {
	if t.cut {
		return 0, ErrTruncated
	}
	if int64(len(p)) > t.left {
		n, _ := t.ResponseWriter.Write(p[:t.left])
		t.left = 0
		t.cut = true
		_ = http.NewResponseController(t.ResponseWriter).Flush()
		return n, ErrTruncated
	}
	t.left -= int64(len(p))
	return t.ResponseWriter.Write(p)
}

// Cut reports whether the body was longer than the limit and was cut.
func (t *TruncatingWriter) Cut() bool { return t.cut }

// AbortIfCut calls Abort when the body was cut, so the client sees the
// connection end before the announced length; an answer that fitted is
// left to finish normally. Defer it around the handler.
func (t *TruncatingWriter) AbortIfCut() {
	if t.cut {
		Abort()
	}
}
