package pypi_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tagship/tagship/pypi"
	"github.com/tagship/tagship/pypi/pypitest"
)

const (
	testRepo     = "octo/demo"
	testWorkflow = "release.yml"
	testEnv      = "pypi"
)

var fastRetry = pypi.RetryPolicy{Attempts: 4, MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, MaxRetryAfter: 2 * time.Second}

// tpEnv is a pypitest server with a trusted publisher and an issuer.
type tpEnv struct {
	srv    *pypitest.Server
	issuer *pypitest.Issuer
	claims pypitest.GitHubClaims
	// handed out OIDC tokens, to check they never leak
	mu     sync.Mutex
	tokens []string
}

func newTPEnv(t *testing.T, opts ...pypitest.Option) *tpEnv {
	t.Helper()
	iss, err := pypitest.NewIssuer("")
	if err != nil {
		t.Fatal(err)
	}
	all := append([]pypitest.Option{iss.Option(), pypitest.WithTrustedPublisher(pypitest.Publisher{Repository: testRepo, Workflow: testWorkflow, Environment: testEnv})}, opts...)
	srv, err := pypitest.NewServer(all...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return &tpEnv{srv: srv, issuer: iss, claims: pypitest.GitHubClaims{Repository: testRepo, Workflow: testWorkflow, Environment: testEnv, Ref: "refs/tags/v1.0.0"}}
}

func (e *tpEnv) Token(ctx context.Context, aud string) (string, error) {
	c := e.claims
	c.Audience = aud
	tok, err := e.issuer.GitHubToken(c)
	e.mu.Lock()
	e.tokens = append(e.tokens, tok)
	e.mu.Unlock()
	return tok, err
}

func (e *tpEnv) client(t *testing.T, opts ...pypi.Option) *pypi.Client {
	t.Helper()
	c, err := pypi.New(e.srv.UploadURL(), append([]pypi.Option{pypi.WithTokenSource(e), pypi.WithRetry(fastRetry)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func open(t testing.TB, p string) *pypi.Distribution {
	t.Helper()
	d, err := pypi.OpenDistribution(p)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestUploadTrustedPublishing(t *testing.T) {
	t.Parallel()
	env := newTPEnv(t)
	var logs bytes.Buffer
	c := env.client(t, pypi.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	dir := t.TempDir()
	w := open(t, makeWheel(t, dir, "demo", "1.0.0"))
	s := open(t, makeSdist(t, dir, "demo", "1.0.0"))
	res, err := c.Upload(context.Background(), w, s)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[0].Status != pypi.Uploaded || res[1].Status != pypi.Uploaded || res[0].Attempts != 1 {
		t.Fatalf("results %+v", res)
	}
	for _, d := range []*pypi.Distribution{w, s} {
		f, ok := env.srv.File(d.Filename)
		if !ok || f.SHA256 != d.SHA256 || f.BLAKE2b256 != d.BLAKE2b256 || f.Size != d.Size {
			t.Errorf("server has %+v for %s", f, d.Filename)
		}
	}
	if n := env.srv.MintCount(); n != 1 {
		t.Errorf("minted %d tokens, want 1 (reused across files)", n)
	}
	for _, tok := range env.tokens {
		if strings.Contains(logs.String(), tok) {
			t.Error("an OIDC token appeared in the logs")
		}
	}
	if strings.Contains(logs.String(), "pypi-") && strings.Contains(logs.String(), "token=pypi-") {
		t.Error("an upload token appeared in the logs")
	}
}

func TestUploadRemintsNearExpiry(t *testing.T) {
	t.Parallel()
	// Tokens that live 90 s are always within the 2-minute margin: each
	// file gets a fresh one.
	env := newTPEnv(t, pypitest.WithTokenLifetime(90*time.Second))
	c := env.client(t)
	dir := t.TempDir()
	ds := []*pypi.Distribution{open(t, makeWheel(t, dir, "demo", "1.0.0")), open(t, makeSdist(t, dir, "demo", "1.0.0"))}
	if _, err := c.Upload(context.Background(), ds...); err != nil {
		t.Fatal(err)
	}
	if n := env.srv.MintCount(); n != 2 {
		t.Errorf("minted %d tokens, want 2", n)
	}
}

func TestMintErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		opts     []pypitest.Option
		claims   func(*pypitest.GitHubClaims)
		reuse    bool
		wantCode string
		wantText []string
	}{
		{"wrong workflow", nil, func(c *pypitest.GitHubClaims) { c.Workflow = "ci.yml" }, false, "invalid-publisher",
			[]string{"workflow file name", "repository=octo/demo", "octo/demo/.github/workflows/ci.yml@refs/tags/v1.0.0", "environment=pypi"}},
		{"wrong environment", nil, func(c *pypitest.GitHubClaims) { c.Environment = "" }, false, "invalid-publisher", []string{"environment=(none)"}},
		{"wrong repository", nil, func(c *pypitest.GitHubClaims) { c.Repository = "evil/demo" }, false, "invalid-publisher", []string{"repository=evil/demo"}},
		{"expired token", nil, func(c *pypitest.GitHubClaims) { c.Lifetime = -time.Hour }, false, "invalid-token", []string{"could not verify"}},
		{"wrong audience", nil, func(c *pypitest.GitHubClaims) { c.Audience = "sigstore" }, false, "invalid-token", []string{"aud=sigstore"}},
		{"not enabled", []pypitest.Option{pypitest.WithTrustedPublishingDisabled()}, nil, false, "", []string{"does not support Trusted Publishing"}},
		{"reused token", nil, nil, true, "invalid-reuse-token", []string{"fresh token"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := newTPEnv(t, tt.opts...)
			var fixed string
			ts := pypi.TokenSourceFunc(func(ctx context.Context, aud string) (string, error) {
				if tt.reuse && fixed != "" {
					return fixed, nil
				}
				c := env.claims
				c.Audience = aud
				if tt.claims != nil {
					tt.claims(&c)
				}
				tok, err := env.issuer.GitHubToken(c)
				fixed = tok
				return tok, err
			})
			c, err := pypi.New(env.srv.URL, pypi.WithTokenSource(ts), pypi.WithRetry(fastRetry))
			if err != nil {
				t.Fatal(err)
			}
			if tt.reuse {
				if _, _, err := c.Mint(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			_, err = c.Upload(context.Background(), open(t, makeWheel(t, t.TempDir(), "demo", "1.0.0")))
			if !errors.Is(err, pypi.ErrTrustedPublishing) {
				t.Fatalf("err = %v, want ErrTrustedPublishing", err)
			}
			if tt.wantCode != "" {
				var me *pypi.MintError
				if !errors.As(err, &me) || me.Status != 422 || len(me.Errors) == 0 || me.Errors[0].Code != tt.wantCode {
					t.Fatalf("err = %#v, want MintError %s", err, tt.wantCode)
				}
			}
			for _, w := range tt.wantText {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if fixed != "" && strings.Contains(err.Error(), fixed) {
				t.Error("the OIDC token appears in the error")
			}
			if len(env.srv.Files()) != 0 {
				t.Error("a file was uploaded")
			}
		})
	}
}

func TestSkipExisting(t *testing.T) {
	t.Parallel()
	env := newTPEnv(t)
	c := env.client(t)
	ctx := context.Background()
	w := open(t, makeWheel(t, t.TempDir(), "demo", "1.0.0"))
	if _, err := c.Upload(ctx, w); err != nil {
		t.Fatal(err)
	}
	// An identical file already on the index is found before anything is
	// sent: no POST, no token minted.
	attempts, mints := env.srv.UploadAttempts(), env.srv.MintCount()
	res, err := c.Upload(ctx, w)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Status != pypi.Skipped || env.srv.UploadAttempts() != attempts || env.srv.MintCount() != mints {
		t.Errorf("status %s, uploads %d->%d, mints %d->%d: want skipped with nothing sent", res[0].Status,
			attempts, env.srv.UploadAttempts(), mints, env.srv.MintCount())
	}
	// When the index cannot be asked first, the upload's answer decides:
	// "already exists" (400, Warehouse's words) or 409 with the same
	// content is also a skip, after looking the file up.
	lookupDown := func() {
		env.srv.AddFault(pypitest.Fault{Match: pypitest.MatchPath("GET", "/simple/"), Status: 404})
		env.srv.AddFault(pypitest.Fault{Match: pypitest.MatchPath("GET", "/pypi/"), Status: 404})
	}
	lookupDown()
	env.srv.AddFault(pypitest.Fault{Match: pypitest.MatchPath("POST", "/legacy/"), Status: 400, Message: "400 File already exists ('demo-1.0.0-py3-none-any.whl', with blake2_256 hash 'x')."})
	res, err = c.Upload(ctx, w)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Status != pypi.Skipped {
		t.Errorf("status %s, want skipped", res[0].Status)
	}
	lookupDown()
	env.srv.AddFault(pypitest.Fault{Match: pypitest.MatchPath("POST", "/legacy/"), Status: 409})
	if res, err := c.Upload(ctx, w); err != nil || res[0].Status != pypi.Skipped {
		t.Fatalf("409: %v %+v", err, res)
	}
	// Different content under the same name: a conflict naming both hashes.
	other := open(t, makeWheel(t, t.TempDir(), "demo", "1.0.0", entry{Name: "demo/extra.py", Body: []byte("x = 1\n")}))
	_, err = c.Upload(ctx, other)
	var ce *pypi.ConflictError
	if !errors.As(err, &ce) || !errors.Is(err, pypi.ErrConflict) {
		t.Fatalf("err = %v, want ConflictError", err)
	}
	if ce.LocalSHA256 != other.SHA256 || ce.RemoteSHA256 != w.SHA256 || !strings.Contains(err.Error(), w.SHA256) || !strings.Contains(err.Error(), other.SHA256) {
		t.Errorf("conflict error %q lacks the hashes", err)
	}
	// When the PEP 691 page is unavailable the JSON API is used.
	env.srv.AddFault(pypitest.Fault{Match: pypitest.MatchPath("GET", "/simple/"), Status: 404, Times: -1})
	if res, err := c.Upload(ctx, w); err != nil || res[0].Status != pypi.Skipped {
		t.Fatalf("JSON API fallback: %v %+v", err, res)
	}
	// With skip-existing off the same answer is an UploadError.
	c2 := env.client(t, pypi.WithSkipExisting(false))
	_, err = c2.Upload(ctx, other)
	var ue *pypi.UploadError
	if !errors.As(err, &ue) || ue.Status != 400 || !strings.Contains(ue.Message, "File already exists") {
		t.Errorf("err = %v, want UploadError 400 File already exists", err)
	}
}

func TestUploadRetries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		faults       []pypitest.Fault
		wantErr      error
		wantAttempts int
		minDuration  time.Duration
	}{
		{"503 twice", []pypitest.Fault{{Match: pypitest.MatchPath("", "/legacy/"), Status: 503, Times: 2}}, nil, 3, 0},
		{"429 retry-after", []pypitest.Fault{{Match: pypitest.MatchPath("", "/legacy/"), Status: 429, RetryAfter: time.Second}}, nil, 2, 900 * time.Millisecond},
		{"connection reset mid-body", []pypitest.Fault{{Match: pypitest.MatchPath("", "/legacy/"), Reset: true, ResetAfter: 100}}, nil, 2, 0},
		{"500 forever", []pypitest.Fault{{Match: pypitest.MatchPath("", "/legacy/"), Status: 500, Times: -1}}, pypi.ErrUpload, 4, 0},
		{"403 not retried", []pypitest.Fault{{Match: pypitest.MatchPath("", "/legacy/"), Status: 403, Message: "Invalid API Token"}}, pypi.ErrUpload, 1, 0},
		{"400 not retried", []pypitest.Fault{{Match: pypitest.MatchPath("", "/legacy/"), Status: 400, Message: "bad"}}, pypi.ErrUpload, 1, 0},
		{"redirect", []pypitest.Fault{{Match: pypitest.MatchPath("", "/legacy/"), Status: 301}}, pypi.ErrRedirect, 1, 0},
		{"mint 502 then ok", []pypitest.Fault{{Match: pypitest.MatchPath("", "/_/oidc/mint-token"), Status: 502}}, nil, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := newTPEnv(t)
			for _, f := range tt.faults {
				env.srv.AddFault(f)
			}
			c := env.client(t)
			w := open(t, makeWheel(t, t.TempDir(), "demo", "1.0.0"))
			start := time.Now()
			res, err := c.Upload(context.Background(), w)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			} else if res[0].Attempts != tt.wantAttempts {
				t.Errorf("attempts %d, want %d", res[0].Attempts, tt.wantAttempts)
			}
			if got := env.srv.UploadAttempts(); got != tt.wantAttempts {
				t.Errorf("server saw %d POSTs, want %d", got, tt.wantAttempts)
			}
			if d := time.Since(start); d < tt.minDuration {
				t.Errorf("took %v, want at least %v (Retry-After)", d, tt.minDuration)
			}
		})
	}
}

func TestUploadRedirectMessage(t *testing.T) {
	t.Parallel()
	env := newTPEnv(t)
	env.srv.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/legacy/" {
			http.Redirect(w, r, "https://pypi.org/", http.StatusMovedPermanently)
			return true
		}
		return false
	})
	_, err := env.client(t).Upload(context.Background(), open(t, makeWheel(t, t.TempDir(), "demo", "1.0.0")))
	if !errors.Is(err, pypi.ErrRedirect) || !strings.Contains(err.Error(), "/legacy/") || !strings.Contains(err.Error(), "https://pypi.org/") {
		t.Fatalf("err = %v", err)
	}
}

func TestUploadAPIToken(t *testing.T) {
	t.Parallel()
	srv, err := pypitest.NewServer(pypitest.WithAPIToken("pypi-classic-secret"))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx := context.Background()
	d := open(t, makeSdist(t, t.TempDir(), "demo", "2.0"))
	c, _ := pypi.New(srv.URL, pypi.WithAPIToken("pypi-wrong"), pypi.WithRetry(fastRetry))
	_, err = c.Upload(ctx, d)
	var ue *pypi.UploadError
	if !errors.As(err, &ue) || ue.Status != 403 || strings.Contains(err.Error(), "pypi-wrong") {
		t.Fatalf("err = %v", err)
	}
	c, _ = pypi.New(srv.URL+"/legacy", pypi.WithAPIToken("pypi-classic-secret"))
	if _, err := c.Upload(ctx, d); err != nil {
		t.Fatal(err)
	}
	if _, err := pypi.New(srv.URL); err != nil {
		t.Fatal(err)
	}
	c, _ = pypi.New(srv.URL)
	if _, err := c.Upload(ctx, d); !errors.Is(err, pypi.ErrNoCredentials) {
		t.Errorf("err = %v, want ErrNoCredentials", err)
	}
}

func TestNewURLChecks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url    string
		opts   []pypi.Option
		upload string
		err    bool
	}{
		{"https://upload.pypi.org/legacy/", nil, "https://upload.pypi.org/legacy/", false},
		{"https://test.pypi.org", nil, "https://test.pypi.org/legacy/", false},
		{"http://127.0.0.1:8080/legacy", nil, "http://127.0.0.1:8080/legacy/", false},
		{"http://[::1]:8080/", nil, "http://[::1]:8080/legacy/", false},
		{"http://pypi.example.com/legacy/", nil, "", true},
		{"http://pypi.example.com/legacy/", []pypi.Option{pypi.WithInsecureHTTPUnsafe()}, "http://pypi.example.com/legacy/", false},
		{"ftp://x", nil, "", true},
		{"https://user:pw@x/", nil, "", true},
	}
	for _, tt := range tests {
		c, err := pypi.New(tt.url, tt.opts...)
		if (err != nil) != tt.err {
			t.Errorf("New(%q) err = %v", tt.url, err)
			continue
		}
		if err == nil && c.UploadURL() != tt.upload {
			t.Errorf("New(%q).UploadURL() = %q, want %q", tt.url, c.UploadURL(), tt.upload)
		}
		if err != nil && strings.Contains(err.Error(), "pw") {
			t.Errorf("error leaks the password: %v", err)
		}
	}
	if _, err := pypi.New("http://pypi.example.com/"); !errors.Is(err, pypi.ErrInsecureURL) {
		t.Errorf("err = %v, want ErrInsecureURL", err)
	}
}

func TestUploadFileChanged(t *testing.T) {
	t.Parallel()
	env := newTPEnv(t)
	dir := t.TempDir()
	p := makeWheel(t, dir, "demo", "1.0.0")
	d := open(t, p)
	// Replace the file after opening it.
	other := makeWheel(t, t.TempDir(), "demo", "1.0.0", entry{Name: "demo/x.py", Body: []byte("changed")})
	data, _ := os.ReadFile(other)
	os.WriteFile(p, data, 0o644)
	_, err := env.client(t).Upload(context.Background(), d)
	if !errors.Is(err, pypi.ErrFileChanged) {
		t.Fatalf("err = %v, want ErrFileChanged", err)
	}
	if n := env.srv.UploadAttempts(); n != 0 {
		t.Errorf("%d attempts; a changed file must not be sent", n)
	}
	if len(env.srv.Files()) != 0 {
		t.Error("the server stored a file")
	}
}

func TestParseTokenClaims(t *testing.T) {
	t.Parallel()
	iss, _ := pypitest.NewIssuer("")
	tok, _ := iss.GitHubToken(pypitest.GitHubClaims{Repository: "o/r", Workflow: "rel.yml", Ref: "refs/tags/v1", Environment: "prod"})
	c := pypi.ParseTokenClaims(tok)
	if c.Repository != "o/r" || c.Ref != "refs/tags/v1" || c.Environment != "prod" || c.JobWorkflowRef != "o/r/.github/workflows/rel.yml@refs/tags/v1" || c.Audience != "pypi" || c.Issuer != "https://token.actions.githubusercontent.com" {
		t.Errorf("claims %+v", c)
	}
	if (pypi.ParseTokenClaims("garbage") != pypi.TokenClaims{}) {
		t.Error("garbage gave claims")
	}
}

func TestUploadContextCancel(t *testing.T) {
	t.Parallel()
	env := newTPEnv(t)
	env.srv.AddFault(pypitest.Fault{Match: pypitest.MatchPath("", "/legacy/"), Stall: 30 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := env.client(t).Upload(ctx, open(t, makeWheel(t, t.TempDir(), "demo", "1.0.0")))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("cancellation took %v", d)
	}
}

func TestRetryAfterDate(t *testing.T) {
	t.Parallel()
	env := newTPEnv(t)
	env.srv.AddFault(pypitest.Fault{Match: pypitest.MatchPath("", "/legacy/"), Status: 503, Header: http.Header{"Retry-After": {time.Now().Add(2 * time.Second).UTC().Format(http.TimeFormat)}}})
	start := time.Now()
	res, err := env.client(t).Upload(context.Background(), open(t, makeWheel(t, t.TempDir(), "demo", "1.0.0")))
	if err != nil || res[0].Attempts != 2 {
		t.Fatalf("%v %+v", err, res)
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("Retry-After date not honoured: retried after %v", d)
	}
}
