package httpfault_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tagship/tagship/internal/httpfault"
)

// get serves one GET with h and returns the answer with its body read.
func get(t *testing.T, h http.HandlerFunc) (*http.Response, []byte, error) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get(srv.URL)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

func TestConnectionEnds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		h     http.HandlerFunc
		check func(error) bool
	}{
		{"reset sends RST", func(w http.ResponseWriter, r *http.Request) { httpfault.Reset(w) },
			func(err error) bool { return errors.Is(err, syscall.ECONNRESET) }},
		{"hangup closes", func(w http.ResponseWriter, r *http.Request) {
			if !httpfault.Hangup(w) {
				t.Error("Hangup could not hijack an HTTP/1 connection")
			}
		}, func(err error) bool { return errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) }},
		{"abort before an answer", func(w http.ResponseWriter, r *http.Request) { httpfault.Abort() },
			func(err error) bool { return err != nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, _, err := get(t, tt.h)
			if err == nil || !tt.check(err) {
				t.Fatalf("got %v, %v", resp, err)
			}
		})
	}
}

func TestResetAfterPartOfTheBody(t *testing.T) {
	t.Parallel()
	var read atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpfault.DiscardBody(r, 100)
		httpfault.DiscardBody(r, 0) // no-op
		n, _ := io.Copy(io.Discard, io.LimitReader(r.Body, 1))
		read.Store(100 + n)
		httpfault.Reset(w)
	}))
	defer srv.Close()
	resp, err := http.Post(srv.URL, "application/octet-stream", strings.NewReader(strings.Repeat("x", 1<<20)))
	if err == nil {
		resp.Body.Close()
		t.Fatal("no error after a reset")
	}
	if got := read.Load(); got != 101 {
		t.Errorf("server read %d bytes, want 100 discarded then 1 more", got)
	}
}

func TestStall(t *testing.T) {
	t.Parallel()
	closed := make(chan struct{})
	close(closed)
	tests := []struct {
		name      string
		d         time.Duration
		stop      <-chan struct{}
		clientTTL time.Duration
		want      bool
		minWait   time.Duration
	}{
		{"zero", 0, nil, 0, true, 0},
		{"elapses", 50 * time.Millisecond, nil, 0, true, 50 * time.Millisecond},
		{"client gives up", 10 * time.Second, nil, 50 * time.Millisecond, false, 0},
		{"stopped", 10 * time.Second, closed, 0, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := make(chan bool, 1)
			var waited atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				start := time.Now()
				got <- httpfault.Stall(r, tt.d, tt.stop)
				waited.Store(int64(time.Since(start)))
			}))
			defer srv.Close()
			ctx := context.Background()
			if tt.clientTTL > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.clientTTL)
				defer cancel()
			}
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
			}
			select {
			case g := <-got:
				if g != tt.want {
					t.Errorf("completed = %v, want %v", g, tt.want)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Stall did not return")
			}
			if w := time.Duration(waited.Load()); w < tt.minWait {
				t.Errorf("waited %v, want at least %v", w, tt.minWait)
			}
		})
	}
}

func TestBufferBodyLetsAStallNoticeTheClient(t *testing.T) {
	t.Parallel()
	got := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpfault.BufferBody(r, 1<<20)
		if httpfault.Stall(r, 10*time.Second, nil) {
			got <- "completed"
			return
		}
		b, _ := io.ReadAll(r.Body)
		got <- string(b)
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL, strings.NewReader("payload"))
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("the stalled request was answered")
	}
	select {
	case g := <-got:
		if g != "payload" {
			t.Errorf("after the stall the handler read %q, want the buffered body", g)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Stall did not notice the client giving up")
	}
}

func TestSetRetryAfter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, ""},
		{-time.Second, ""},
		{time.Nanosecond, "1"},
		{time.Second, "1"},
		{1500 * time.Millisecond, "2"},
		{30 * time.Second, "30"},
	}
	for _, tt := range tests {
		t.Run(tt.d.String(), func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			httpfault.SetRetryAfter(h, tt.d)
			if got := h.Get("Retry-After"); got != tt.want {
				t.Errorf("SetRetryAfter(%v) = %q, want %q", tt.d, got, tt.want)
			}
		})
	}
}

func TestServeTruncated(t *testing.T) {
	t.Parallel()
	const full = "0123456789abcdefghij"
	tests := []struct {
		name string
		keep func(int) int
		want string
	}{
		{"half", httpfault.Half, full[:10]},
		{"none", func(int) int { return 0 }, ""},
		{"clamped", func(n int) int { return n + 5 }, full},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var ran atomic.Int32
			inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ran.Add(1)
				if w.Header().Get("X-Before") != "set" {
					t.Error("the handler does not see headers set before")
				}
				w.Header().Set("X-Inner", "yes")
				w.WriteHeader(http.StatusCreated)
				io.WriteString(w, full)
			})
			resp, body, err := get(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Before", "set")
				if st := httpfault.ServeTruncated(w, r, inner, tt.keep); st != http.StatusCreated {
					t.Errorf("status %d, want 201", st)
				}
				httpfault.Abort()
			})
			if resp == nil {
				t.Fatalf("no answer: %v", err)
			}
			if resp.StatusCode != http.StatusCreated || resp.Header.Get("X-Inner") != "yes" || resp.Header.Get("X-Before") != "set" ||
				resp.Header.Get("Content-Length") != strconv.Itoa(len(full)) {
				t.Errorf("answer %d %v", resp.StatusCode, resp.Header)
			}
			if string(body) != tt.want {
				t.Errorf("body %q, want %q", body, tt.want)
			}
			if len(tt.want) < len(full) && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("err = %v, want unexpected EOF", err)
			}
			if ran.Load() != 1 {
				t.Errorf("handler ran %d times", ran.Load())
			}
		})
	}
}

func TestTruncatingWriter(t *testing.T) {
	t.Parallel()
	body := strings.Repeat("x", 100)
	tests := []struct {
		name    string
		limit   int64
		wantLen int
		wantErr error
	}{
		{"cut", 10, 10, io.ErrUnexpectedEOF},
		{"fits", 100, 100, nil},
		{"larger", 1000, 100, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var writeErr atomic.Value
			resp, b, err := get(t, func(w http.ResponseWriter, r *http.Request) {
				tw := httpfault.NewTruncatingWriter(w, tt.limit)
				defer tw.AbortIfCut()
				tw.Header().Set("Content-Length", strconv.Itoa(len(body)))
				for range 4 { // several writes: the cut may fall inside one
					if _, err := io.WriteString(tw, body[:25]); err != nil {
						writeErr.Store(err)
					}
				}
				if tw.Cut() != (tt.limit < int64(len(body))) {
					t.Errorf("Cut() = %v", tw.Cut())
				}
			})
			if resp == nil {
				t.Fatalf("no answer: %v", err)
			}
			if resp.Header.Get("Content-Length") != "100" || len(b) != tt.wantLen || !errors.Is(err, tt.wantErr) {
				t.Errorf("got %d bytes, CL %q, err %v; want %d, %v", len(b), resp.Header.Get("Content-Length"), err, tt.wantLen, tt.wantErr)
			}
			if we, _ := writeErr.Load().(error); (tt.wantErr != nil) != errors.Is(we, httpfault.ErrTruncated) {
				t.Errorf("handler's write error %v", we)
			}
		})
	}
}
