package safehttp

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// dialAll sends every host name to the loopback port given in the URL, so
// that "fulcio.test", "evil.fulcio.test" and "127.0.0.1" are distinct
// origins served by local servers.
func dialAll(tls bool) *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		_, port, _ := net.SplitHostPort(addr)
		return (&net.Dialer{}).DialContext(ctx, network, "127.0.0.1:"+port)
	}
	tr.TLSClientConfig.InsecureSkipVerify = tls
	return tr
}

func TestRedirectCredentials(t *testing.T) {
	t.Parallel()
	var seen atomic.Value // Authorization on the redirect target
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Store(r.Header.Get("Authorization") + "|" + r.Header.Get("X-Other"))
		io.WriteString(w, "ok")
	}))
	defer target.Close()
	_, tport, _ := net.SplitHostPort(target.Listener.Addr().String())
	tlsTarget := httptest.NewTLSServer(target.Config.Handler)
	defer tlsTarget.Close()
	_, tlsPort, _ := net.SplitHostPort(tlsTarget.Listener.Addr().String())

	var redirectTo atomic.Value
	origin := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/final" {
			seen.Store(r.Header.Get("Authorization") + "|" + r.Header.Get("X-Other"))
			return
		}
		http.Redirect(w, r, redirectTo.Load().(string), http.StatusTemporaryRedirect)
	}))
	defer origin.Close()
	_, oport, _ := net.SplitHostPort(origin.Listener.Addr().String())
	base := "https://fulcio.test:" + oport

	cases := []struct {
		name, to  string
		method    string
		allowHTTP bool
		wantAuth  bool
		wantErr   error
	}{
		{"same origin keeps the credential", base + "/final", "GET", false, true, nil},
		{"https to http on loopback drops it", "http://127.0.0.1:" + tport + "/x", "GET", false, false, nil},
		{"https to http same host name", "http://fulcio.test:" + tport + "/x", "GET", true, false, nil},
		{"to a subdomain drops it", "https://evil.fulcio.test:" + tlsPort + "/x", "GET", false, false, nil},
		{"to another port drops it", "https://fulcio.test:" + tlsPort + "/x", "GET", false, false, nil},
		{"to plain http on a public host is refused", "http://fulcio.test:" + tport + "/x", "GET", false, false, ErrInsecureURL},
		{"a body never crosses origins", "https://fulcio.test:" + tlsPort + "/x", "POST", false, false, ErrRedirect},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Not parallel: the servers' redirect target is shared.
			redirectTo.Store(tc.to)
			seen.Store("")
			org, _ := ParseOrigin(base)
			tr := New(dialAll(true), WithAllowHTTP(tc.allowHTTP),
				WithCredential(Credential{Origin: org, Value: "Bearer oidc-secret-token-123456"}))
			hc := &http.Client{Transport: tr}
			var body io.Reader
			if tc.method == "POST" {
				body = strings.NewReader("csr")
			}
			req, _ := http.NewRequest(tc.method, base+"/start", body)
			req.Header.Set("X-Other", "kept")
			req.Header.Set("Cookie", "session=cookie-secret-1")
			resp, err := hc.Do(req)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				if s := seen.Load().(string); s != "" {
					t.Fatalf("the refused hop was still sent: %q", s)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			got := seen.Load().(string)
			auth, _, _ := strings.Cut(got, "|")
			if tc.wantAuth != (auth == "Bearer oidc-secret-token-123456") || !tc.wantAuth && auth != "" {
				t.Fatalf("Authorization at the target = %q (want sent: %v)", auth, tc.wantAuth)
			}
			if !strings.HasSuffix(got, "|kept") {
				t.Fatalf("other headers lost: %q", got)
			}
		})
	}
}

func TestCredentialBoundToOrigin(t *testing.T) {
	t.Parallel()
	var got atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Store(r.Header.Get("Authorization"))
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	org, _ := ParseOrigin("http://api.test:" + port)
	tr := New(dialAll(false), WithAllowHTTP(true), WithCredential(Credential{Origin: org, Value: "token ghp_secret123456"}))
	for _, tc := range []struct {
		url  string
		want string
	}{
		{"http://api.test:" + port + "/a", "token ghp_secret123456"},
		{"http://API.test:" + port + "/a", "token ghp_secret123456"},
		{"http://uploads.test:" + port + "/a", ""},
		{"http://127.0.0.1:" + port + "/a", ""},
	} {
		req, _ := http.NewRequest("GET", tc.url, nil)
		if tc.want == "" {
			// A caller that set the bound value by hand for another origin
			// does not get it through either.
			req.Header.Set("Authorization", "token ghp_secret123456")
		}
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if g := got.Load().(string); g != tc.want {
			t.Errorf("%s: Authorization %q, want %q", tc.url, g, tc.want)
		}
	}
}

func TestRedactorForms(t *testing.T) {
	t.Parallel()
	tok := "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOm8vcjpyZWY6cmVmcy90YWdzL3YxIn0.c2lnbmF0dXJlLXNlY3JldA"
	r := NewRedactor(tok)
	r.AddBasic("__token__", "pypi-AgEIcHlwaS5vcmcCJGFiY2RlZmdoaWprbG1ub3A")
	r.AddAuthorization("Basic " + base64.StdEncoding.EncodeToString([]byte("robot:registry-pass-42")))
	cases := []struct{ name, in, leak string }{
		{"raw", "token " + tok + " refused", tok[40:]},
		{"std base64", "saw " + base64.StdEncoding.EncodeToString([]byte(tok)), base64.StdEncoding.EncodeToString([]byte(tok))[20:50]},
		{"url base64", "saw " + base64.RawURLEncoding.EncodeToString([]byte(tok)), base64.RawURLEncoding.EncodeToString([]byte(tok))[20:50]},
		{"basic header", "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("__token__:pypi-AgEIcHlwaS5vcmcCJGFiY2RlZmdoaWprbG1ub3A")), "X190b2tlbl9fOnB5cGk"},
		{"password alone", "password pypi-AgEIcHlwaS5vcmcCJGFiY2RlZmdoaWprbG1ub3A", "CJGFiY2RlZmdoaWprbG1ub3A"},
		{"decoded basic from header", "user robot pass registry-pass-42", "registry-pass-42"},
		{"quoted prefix", "invalid token '" + tok[:60] + "...'", tok[20:60]},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out := r.Redact(tc.in)
			if strings.Contains(out, tc.leak) || !strings.Contains(out, Redacted) {
				t.Fatalf("Redact(%q) = %q: still contains %q", tc.in, out, tc.leak)
			}
			// Redacting before truncating leaves nothing of the secret at
			// any cut.
			for n := 1; n < len(tc.in); n += 7 {
				if s := r.RedactText(tc.in, n); strings.Contains(s, tc.leak) {
					t.Fatalf("RedactText(%d) = %q", n, s)
				}
			}
		})
	}
	if got := r.Redact("nothing secret here"); got != "nothing secret here" {
		t.Fatalf("plain text changed: %q", got)
	}
}

// TestServerTextRedacted: a reason phrase, a header and an error body
// quoting the credential reach the caller redacted.
func TestServerTextRedacted(t *testing.T) {
	t.Parallel()
	const tok = "Bearer oidc-token-that-is-secret-0123456789"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Echo", r.Header.Get("Authorization"))
		// Go's server writes a fixed reason phrase; hijack to send one that
		// quotes the token.
		conn, buf, _ := w.(http.Hijacker).Hijack()
		defer conn.Close()
		body := `{"error":"bad ` + r.Header.Get("Authorization") + `"}`
		fmt.Fprintf(buf, "HTTP/1.1 503 rejected %s\r\nX-Echo: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", r.Header.Get("Authorization"), r.Header.Get("Authorization"), len(body), body)
		buf.Flush()
	}))
	defer srv.Close()
	var logs bytes.Buffer
	org, _ := ParseOrigin(srv.URL)
	tr := New(nil, WithCredential(Credential{Origin: org, Value: tok}), WithRetry(Policy{Attempts: 2}),
		WithLogger(slog.New(slog.NewTextHandler(&logs, nil))), WithService("fulcio"))
	req, _ := http.NewRequest("POST", srv.URL, strings.NewReader("{}"))
	_, err := tr.RoundTrip(req)
	var se *StatusError
	if !errors.As(err, &se) || se.StatusCode != 503 {
		t.Fatalf("err = %v, want a StatusError 503", err)
	}
	for what, s := range map[string]string{"error": err.Error(), "body": se.Body, "log": logs.String()} {
		if strings.Contains(s, "that-is-secret") {
			t.Errorf("%s leaks the token: %s", what, s)
		}
	}
	if !strings.Contains(logs.String(), Redacted) {
		t.Errorf("the retry warning should quote the redacted reason phrase: %s", logs.String())
	}
}

func TestBodyCaps(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/endless":
			for i := 0; i < 1<<12; i++ {
				if _, err := w.Write(bytes.Repeat([]byte("A"), 1024)); err != nil {
					return
				}
			}
		case "/announced":
			w.Header().Set("Content-Length", "100000")
			w.Write(bytes.Repeat([]byte("B"), 100000))
		case "/exact":
			io.WriteString(w, "123456")
		}
	}))
	defer srv.Close()
	tr := New(nil)
	get := func(path string, limit int64) ([]byte, error) {
		req, _ := http.NewRequestWithContext(WithLimit(context.Background(), limit), "GET", srv.URL+path, nil)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		return io.ReadAll(resp.Body)
	}
	if _, err := get("/endless", 6); !errors.Is(err, ErrTooLarge) {
		t.Errorf("endless body for a 6-byte asset: err = %v, want ErrTooLarge", err)
	}
	if _, err := get("/announced", 6); !errors.Is(err, ErrTooLarge) {
		t.Errorf("announced size over the cap: err = %v", err)
	}
	if b, err := get("/exact", 6); err != nil || string(b) != "123456" {
		t.Errorf("exact size: %q %v", b, err)
	}
}

func TestRetryAfterAndPolicy(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 1:
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(429)
		case 2:
			w.WriteHeader(502)
		default:
			b, _ := io.ReadAll(r.Body)
			w.Write(b)
		}
	}))
	defer srv.Close()
	tr := New(nil, WithRetry(Policy{Attempts: 3, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond, MaxRetryAfter: 200 * time.Millisecond}))
	start := time.Now()
	req, _ := http.NewRequest("PUT", srv.URL, strings.NewReader("payload"))
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if string(b) != "payload" || n.Load() != 3 {
		t.Fatalf("body %q after %d requests", b, n.Load())
	}
	if d := time.Since(start); d < 200*time.Millisecond || d > 900*time.Millisecond {
		t.Fatalf("Retry-After 1 s capped at 200 ms: took %s", d)
	}
	// 4xx that means "you are wrong" is not retried.
	var m atomic.Int32
	srv2 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { m.Add(1); w.WriteHeader(403) }))
	defer srv2.Close()
	req, _ = http.NewRequest("GET", srv2.URL, nil)
	if resp, err := tr.RoundTrip(req); err != nil || resp.StatusCode != 403 || m.Load() != 1 {
		t.Fatalf("403: %v %v after %d", resp, err, m.Load())
	}
}

func TestReadJSON(t *testing.T) {
	t.Parallel()
	mk := func(status int, ct, body string) *http.Response {
		return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {ct}}, Body: io.NopCloser(strings.NewReader(body))}
	}
	var v struct {
		ID   int64 `json:"id"`
		Tag  string
		Body string
	}
	for _, tc := range []struct {
		name string
		resp *http.Response
		ok   bool
	}{
		{"valid", mk(200, "application/json; charset=utf-8", `{"id":1,"tag_name":"v1"}`), true},
		{"empty object", mk(200, "application/json", `{}`), false},
		{"html login page", mk(200, "text/html", `<html>sign in</html>`), false},
		{"null id", mk(200, "application/json", `{"id":null,"tag_name":"v1"}`), false},
		{"error status", mk(500, "application/json", `{"id":1,"tag_name":"v1"}`), false},
		{"too large", mk(200, "application/json", `{"id":1,"tag_name":"`+strings.Repeat("v", 200)+`"}`), false},
	} {
		err := ReadJSON(tc.resp, 100, &v, "id", "tag_name")
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v", tc.name, err)
		}
	}
}

func TestCheckEndpoint(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		raw   string
		allow bool
		want  error
	}{
		{"https://upload.pypi.org/legacy/", false, nil},
		{"http://127.0.0.1:8080", false, nil},
		{"http://[::1]:8080/", false, nil},
		{"http://pypi.internal/", false, ErrInsecureURL},
		{"http://pypi.internal/", true, nil},
		{"https://user:pw@pypi.org/", false, ErrBadURL},
		{"ftp://pypi.org/", false, ErrBadURL},
		{"pypi.org", false, ErrBadURL},
		{"https://pypi.org/?x=1", false, ErrBadURL},
	} {
		_, err := CheckEndpoint("index", tc.raw, tc.allow)
		if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.raw, err, tc.want)
		}
	}
}

func FuzzRedact(f *testing.F) {
	f.Add("token abcdefghijklmnopqrstuvwxyz0123456789 here", "abcdefghijklmnopqrstuvwxyz0123456789", 10)
	f.Add("Basic X190b2tlbl9f", "pypi-secret", 3)
	f.Fuzz(func(t *testing.T, text, secret string, n int) {
		if len(secret) < 2*prefixLen || n < 0 || n > 1<<16 {
			return
		}
		r := NewRedactor(secret)
		in := text + secret + text
		out := r.RedactText(in, n)
		if strings.Contains(out, secret) {
			t.Fatalf("secret survives: %q", out)
		}
		if strings.Contains(r.Redact(text+secret[:prefixLen+4]), secret[:prefixLen+4]) {
			t.Fatalf("a quoted prefix survives")
		}
	})
}

// muxListener serves TLS and plain HTTP on one port (the first byte of a
// TLS connection is 0x16), so that https://h:P and http://h:P, two
// origins on one host and port, can be told apart in a test.
type muxListener struct {
	net.Listener
	plain chan net.Conn
}

type peekConn struct {
	net.Conn
	first []byte
}

func (c *peekConn) Read(p []byte) (int, error) {
	if len(c.first) > 0 {
		n := copy(p, c.first)
		c.first = c.first[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

func (m *muxListener) Accept() (net.Conn, error) {
	for {
		c, err := m.Listener.Accept()
		if err != nil {
			return nil, err
		}
		b := make([]byte, 1)
		if _, err := io.ReadFull(c, b); err != nil {
			c.Close()
			continue
		}
		pc := &peekConn{Conn: c, first: b}
		if b[0] == 0x16 {
			return pc, nil
		}
		m.plain <- pc
	}
}

type chanListener struct {
	net.Listener
	ch   chan net.Conn
	done chan struct{}
	once *sync.Once
}

func (l chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l chanListener) Close() error { l.once.Do(func() { close(l.done) }); return nil }

func TestSchemeIsPartOfTheOrigin(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := &muxListener{Listener: ln, plain: make(chan net.Conn, 4)}
	var seen atomic.Value
	seen.Store("unset")
	plainSrv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Store(r.Header.Get("Authorization"))
	})}
	go plainSrv.Serve(chanListener{Listener: ln, ch: mux.plain, done: make(chan struct{}), once: new(sync.Once)})
	defer plainSrv.Close()
	tlsSrv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://"+ln.Addr().String()+"/downgraded", http.StatusFound)
	}))
	tlsSrv.Listener = mux
	tlsSrv.StartTLS()
	defer tlsSrv.Close()

	org, _ := ParseOrigin(tlsSrv.URL)
	tr := New(dialAll(true), WithCredential(Credential{Origin: org, Value: "token ghs_samehostsecret"}))
	resp, err := (&http.Client{Transport: tr}).Get(tlsSrv.URL + "/api")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := seen.Load().(string); got != "" {
		t.Fatalf("https→http on the same host and port carried Authorization %q", got)
	}
}

// TestRedactTokensSharingAPrefix: two JWTs share their header; both are
// cut whole, whichever is matched first.
func TestRedactTokensSharingAPrefix(t *testing.T) {
	t.Parallel()
	a := "eyJhbGciOiJFUzI1NiIsImtpZCI6IjEifQ.eyJhdWQiOiJzaWdzdG9yZSIsImp0aSI6IjEifQ.c2lnbmF0dXJlLWE"
	b := "eyJhbGciOiJFUzI1NiIsImtpZCI6IjEifQ.eyJhdWQiOiJzaWdzdG9yZSIsImp0aSI6IjIifQ.c2lnbmF0dXJlLWI"
	r := NewRedactor(a, b)
	for _, in := range []string{"x " + a + " y " + b, "x " + b + " y " + a, b[:70] + "…", a + b} {
		out := r.Redact(in)
		if strings.Contains(out, "c2lnbmF0dXJl") || strings.Contains(out, "aSI6I") {
			t.Fatalf("Redact(%q) = %q", in, out)
		}
	}
}
