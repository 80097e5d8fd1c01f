package release_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/tagship/tagship/ghrelease"
	"github.com/tagship/tagship/ghrelease/ghreleasetest"
	"github.com/tagship/tagship/oci"
	"github.com/tagship/tagship/pypi"
	"github.com/tagship/tagship/pypi/pypitest"
	"github.com/tagship/tagship/release"
	"github.com/tagship/tagship/release/releasetest"
	"github.com/tagship/tagship/sign"
	"github.com/tagship/tagship/sign/signtest"
)

// Recognisable fake secrets.
const (
	fakeGitHubToken = "ghp_TAGSHIPFAKEgithubTOKENdoNotLeak0123456789"
	fakePyPIToken   = "pypi-TAGSHIPFAKEpypiAPItokenDoNotLeak0123456789"
)

// secrets collects every secret of a run, including the ones minted while
// it runs.
type secrets struct {
	mu   sync.Mutex
	vals map[string]string // secret -> what it is
}

func (s *secrets) add(what, v string) {
	if len(v) < 12 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.vals == nil {
		s.vals = map[string]string{}
	}
	s.vals[v] = what
	// The forms a secret travels in: a JWT's signature, Basic auth.
	if parts := strings.Split(v, "."); len(parts) == 3 && len(parts[2]) >= 16 {
		s.vals[parts[2]] = what + " (JWT signature)"
	}
	s.vals[base64.StdEncoding.EncodeToString([]byte("__token__:"+v))] = what + " (Basic auth)"
}

// scan reports every secret found in text, naming where.
func (s *secrets) scan(t *testing.T, where string, text []byte) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for v, what := range s.vals {
		if bytes.Contains(text, []byte(v)) {
			t.Errorf("%s leaks the %s", where, what)
			continue
		}
		// A secret cut short (a message truncated before it was
		// redacted) leaks too: look for any 16 characters of it — of a
		// JWT, of its signature (its header and claims are public, and
		// their base64 recurs in certificates).
		from := 0
		if strings.Count(v, ".") == 2 {
			from = strings.LastIndexByte(v, '.') + 1
		}
		for i := from; i+16 <= len(v); i += 8 {
			if bytes.Contains(text, []byte(v[i:i+16])) {
				t.Errorf("%s leaks part of the %s (%q…)", where, what, v[i:i+6])
				break
			}
		}
	}
}

// recordingTokens wraps a token source and records every token it hands
// out: the OIDC ID tokens the issuer mints.
type recordingTokens struct {
	ts  sign.TokenSource
	sec *secrets
}

func (r recordingTokens) Token(ctx context.Context, aud string) (string, error) {
	tok, err := r.ts.Token(ctx, aud)
	if err == nil {
		r.sec.add("OIDC ID token ("+aud+")", tok)
	}
	return tok, err
}

// TestSecretsNeverLeak runs the whole standard release with recognisable
// fake secrets — clean, with an API token, and with faults that make jobs
// fail and services echo the credentials they received — and scans every
// output: errors, the report, every slog line, every event, every file of
// the project and the state directory.
func TestSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		apiToken bool
		faults   func(env *releasetest.Env, sec *secrets)
		wantFail []string
	}{
		{name: "trusted publishing"},
		{name: "API token", apiToken: true},
		{name: "sigstore echoes the token", wantFail: []string{release.JobBuildWheel, release.JobBuildImage},
			faults: func(env *releasetest.Env, sec *secrets) {
				// Fulcio refuses, quoting the Authorization header back.
				env.Sigstore.SetHook(signtest.Fulcio, func(w http.ResponseWriter, r *http.Request) bool {
					if r.Method != http.MethodPost {
						return false
					}
					w.WriteHeader(http.StatusBadRequest)
					fmt.Fprintf(w, `{"code":400,"message":"bad token %s"}`, r.Header.Get("Authorization"))
					return true
				})
			}},
		{name: "index and GitHub echo the credentials", wantFail: []string{release.JobPublishPyPI, release.JobPublishRelease},
			faults: func(env *releasetest.Env, sec *secrets) {
				env.PyPI.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
					if r.URL.Path != "/legacy/" {
						return false
					}
					if _, pw, ok := r.BasicAuth(); ok {
						sec.add("minted PyPI token", pw)
					}
					w.WriteHeader(http.StatusForbidden)
					fmt.Fprintf(w, "Invalid or non-existent authentication information: %s", r.Header.Get("Authorization"))
					return true
				})
				env.GitHub.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
					if r.Method != http.MethodPost {
						return false
					}
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusUnauthorized)
					fmt.Fprintf(w, `{"message":"Bad credentials: %s","documentation_url":"https://docs.github.com/rest"}`, r.Header.Get("Authorization"))
					return true
				})
			}},
		{name: "reason phrases and headers quote the token", wantFail: []string{release.JobBuildWheel, release.JobBuildImage},
			faults: func(env *releasetest.Env, sec *secrets) {
				// Fulcio answers 503 with the Authorization header in its
				// reason phrase and in a header: the retry warnings log them.
				env.Sigstore.SetHook(signtest.Fulcio, func(w http.ResponseWriter, r *http.Request) bool {
					if r.Method != http.MethodPost {
						return false
					}
					auth := r.Header.Get("Authorization")
					conn, buf, err := w.(http.Hijacker).Hijack()
					if err != nil {
						return false
					}
					defer conn.Close()
					body := "unavailable for " + auth
					fmt.Fprintf(buf, "HTTP/1.1 503 Unavailable for %s\r\nX-Echo: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", auth, auth, len(body), body)
					buf.Flush()
					return true
				})
			}},
		{name: "long messages quote the token where they are cut", wantFail: []string{release.JobPublishPyPI, release.JobPublishRelease},
			faults: func(env *releasetest.Env, sec *secrets) {
				env.PyPI.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
					if r.URL.Path != "/legacy/" {
						return false
					}
					_, pw, ok := r.BasicAuth()
					if ok {
						sec.add("minted PyPI token", pw)
					}
					w.WriteHeader(http.StatusForbidden)
					fmt.Fprintf(w, "%s denied %s", strings.Repeat("x", 455), pw)
					return true
				})
				env.GitHub.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
					if r.Method != http.MethodPost {
						return false
					}
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusUnauthorized)
					fmt.Fprintf(w, `{"message":"%s %s","documentation_url":"https://docs.github.com/rest"}`, strings.Repeat("y", 500), r.Header.Get("Authorization"))
					return true
				})
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sec := &secrets{}
			popts := []releasetest.Option{releasetest.WithGitHubOptions(ghreleasetest.WithToken(fakeGitHubToken))}
			if tc.apiToken {
				popts = append(popts, releasetest.WithPyPIOptions(pypitest.WithAPIToken(fakePyPIToken)))
			}
			fc := faultWorld(t, popts...)
			env := fc.env
			sec.add("GitHub token", fakeGitHubToken)
			sec.add("PyPI API token", fakePyPIToken)
			sec.add("OIDC request token (ACTIONS_ID_TOKEN_REQUEST_TOKEN)", env.Sigstore.RequestToken())
			if tc.faults != nil {
				tc.faults(env, sec)
			} else {
				// Capture the upload tokens the index mints.
				env.PyPI.SetHook(func(_ http.ResponseWriter, r *http.Request) bool {
					if _, pw, ok := r.BasicAuth(); ok {
						sec.add("minted PyPI token", pw)
					}
					return false
				})
			}

			var logs bytes.Buffer
			var logMu sync.Mutex
			logger := slog.New(slog.NewJSONHandler(&lockedWriter{w: &logs, mu: &logMu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
			var events []release.Event
			var evMu sync.Mutex
			state := t.TempDir()
			cfg := faultConfig(t, env, fc.dir, state)
			tokens := recordingTokens{ts: sign.GitHubActionsTokenSource(sign.WithTokenEnv(env.Getenv)), sec: sec}
			cfg.SignerOptions = append(cfg.SignerOptions, sign.WithTokenSource(tokens), sign.WithLogger(logger))
			cfg.OCIOptions = append(cfg.OCIOptions, oci.WithLogger(logger))
			cfg.PyPIOptions = append(cfg.PyPIOptions, pypi.WithTokenSource(tokens))
			if tc.apiToken {
				cfg.NoAttestations = true // Warehouse takes them with Trusted Publishing only
				cfg.PyPIOptions = []pypi.Option{pypi.WithAPIToken(fakePyPIToken),
					pypi.WithRetry(pypi.RetryPolicy{Attempts: 2, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond})}
			}
			cfg.GitHubOptions = append(cfg.GitHubOptions, ghrelease.WithToken(fakeGitHubToken))
			cfg.PipelineOptions = []release.Option{release.WithStateDir(state), release.WithLogger(logger),
				release.WithEvents(func(e release.Event) { evMu.Lock(); events = append(events, e); evMu.Unlock() })}
			p, err := release.Standard(cfg)
			if err != nil {
				t.Fatal(err)
			}
			rep, runErr := p.Run(context.Background())
			if len(tc.wantFail) == 0 && runErr != nil {
				t.Fatalf("release: %v\n%s", runErr, rep.Table())
			}
			if len(tc.wantFail) > 0 {
				var re *release.RunError
				if !errors.As(runErr, &re) {
					t.Fatalf("want failed jobs %v, got %v", tc.wantFail, runErr)
				}
				for _, j := range tc.wantFail {
					if !contains(re.Failed, j) {
						t.Errorf("job %s did not fail: %v", j, runErr)
					}
				}
			}
			sec.mu.Lock()
			n := len(sec.vals)
			sec.mu.Unlock()
			if n < 8 {
				t.Fatalf("only %d secret forms collected: the capture is broken", n)
			}

			if runErr != nil {
				sec.scan(t, "the run's error", []byte(runErr.Error()))
			}
			sec.scan(t, "the report table", []byte(rep.Table()))
			for _, j := range rep.Jobs {
				if j.Err != nil {
					sec.scan(t, "job "+j.Name+"'s error", []byte(j.Err.Error()))
					sec.scan(t, "job "+j.Name+"'s error (%+v)", []byte(fmt.Sprintf("%+v", j.Err)))
				}
				sec.scan(t, "job "+j.Name+"'s output", j.Output)
			}
			logMu.Lock()
			if logs.Len() == 0 {
				t.Error("nothing was logged: the log capture is broken")
			}
			for i, line := range bytes.Split(logs.Bytes(), []byte("\n")) {
				sec.scan(t, fmt.Sprintf("log line %d", i+1), line)
			}
			logMu.Unlock()
			evMu.Lock()
			if len(events) == 0 {
				t.Error("no events: the event capture is broken")
			}
			for i, e := range events {
				sec.scan(t, fmt.Sprintf("event %d (%s %s)", i, e.Job, e.Kind), []byte(fmt.Sprintf("%+v", e)))
				if e.Err != nil {
					sec.scan(t, fmt.Sprintf("event %d's error", i), []byte(e.Err.Error()))
				}
			}
			evMu.Unlock()
			files := 0
			for _, root := range []string{fc.dir, state} {
				filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
					if err != nil || d.IsDir() {
						return err
					}
					b, err := os.ReadFile(path)
					if err != nil {
						t.Error(err)
						return nil
					}
					files++
					sec.scan(t, "file "+path, b)
					return nil
				})
			}
			if files < 5 {
				t.Errorf("only %d files scanned", files)
			}
		})
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// oneStep makes registry calls give up at once.
var oneStep = remote.Backoff{Duration: time.Millisecond, Factor: 1, Steps: 1}

// noNetwork is a transport that records requests and never sends them.
type noNetwork struct {
	mu   sync.Mutex
	seen []string
}

func (n *noNetwork) RoundTrip(r *http.Request) (*http.Response, error) {
	n.mu.Lock()
	n.seen = append(n.seen, r.URL.Scheme+"://"+r.URL.Host)
	n.mu.Unlock()
	return nil, errors.New("noNetwork: not sent")
}

func (n *noNetwork) requests() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.seen...)
}

// TestInsecureEndpointsRefused: plain http:// to a host that is not
// loopback is refused when the client is built — before any connection —
// unless the …Unsafe option asks for it; a registry that is not on
// loopback is only ever spoken to over https.
func TestInsecureEndpointsRefused(t *testing.T) {
	t.Parallel()
	ss := signtest.New(t)
	for _, host := range []string{"http://10.0.0.1", "http://example.com", "http://192.168.1.10:8080", "http://[fd00::1]"} {
		t.Run(host, func(t *testing.T) {
			t.Parallel()
			for _, svc := range []string{"Fulcio", "Rekor", "TSA"} {
				nn := &noNetwork{}
				opts := []sign.Option{sign.WithTokenSource(sign.StaticToken("x.y.z")), sign.WithTrustedMaterial(ss.TrustedRoot()),
					sign.WithHTTPClient(&http.Client{Transport: nn}),
					sign.WithFulcioURL(ss.FulcioURL()), sign.WithRekorURL(ss.RekorURL(), 1), sign.WithTSAURL(ss.TSAURL())}
				switch svc {
				case "Fulcio":
					opts = append(opts, sign.WithFulcioURL(host))
				case "Rekor":
					opts = []sign.Option{sign.WithTokenSource(sign.StaticToken("x.y.z")), sign.WithTrustedMaterial(ss.TrustedRoot()),
						sign.WithHTTPClient(&http.Client{Transport: nn}),
						sign.WithFulcioURL(ss.FulcioURL()), sign.WithRekorURL(host, 1), sign.WithTSAURL(ss.TSAURL())}
				case "TSA":
					opts = []sign.Option{sign.WithTokenSource(sign.StaticToken("x.y.z")), sign.WithTrustedMaterial(ss.TrustedRoot()),
						sign.WithHTTPClient(&http.Client{Transport: nn}),
						sign.WithFulcioURL(ss.FulcioURL()), sign.WithRekorURL(ss.RekorURL(), 1), sign.WithTSAURL(host + "/api/v1/timestamp")}
				}
				if _, err := sign.NewSigner(opts...); !errors.Is(err, sign.ErrInsecureURL) {
					t.Errorf("sign %s %s: want ErrInsecureURL, got %v", svc, host, err)
				}
				if _, err := sign.NewSigner(append(opts, sign.WithInsecureHTTPUnsafe())...); err != nil {
					t.Errorf("sign %s %s with WithInsecureHTTPUnsafe: %v", svc, host, err)
				}
				if r := nn.requests(); len(r) > 0 {
					t.Errorf("sign %s: requests sent while constructing: %v", svc, r)
				}
			}

			nn := &noNetwork{}
			if _, err := pypi.New(host+"/legacy/", pypi.WithAPIToken(fakePyPIToken), pypi.WithHTTPClient(&http.Client{Transport: nn})); err == nil {
				t.Errorf("pypi %s: accepted", host)
			} else if strings.Contains(err.Error(), fakePyPIToken) {
				t.Errorf("pypi: the error leaks the token: %v", err)
			}
			if _, err := pypi.New(host+"/legacy/", pypi.WithAPIToken(fakePyPIToken), pypi.WithHTTPClient(&http.Client{Transport: nn}), pypi.WithInsecureHTTPUnsafe()); err != nil {
				t.Errorf("pypi %s with WithInsecureHTTPUnsafe: %v", host, err)
			}

			gopts := []ghrelease.Option{ghrelease.WithBaseURL(host+"/api/v3/", host+"/api/uploads/"), ghrelease.WithToken(fakeGitHubToken),
				ghrelease.WithHTTPClient(&http.Client{Transport: nn})}
			if _, err := ghrelease.New(gopts...); !errors.Is(err, ghrelease.ErrInsecureURL) {
				t.Errorf("ghrelease %s: want ErrInsecureURL, got %v", host, err)
			} else if strings.Contains(err.Error(), fakeGitHubToken) {
				t.Errorf("ghrelease: the error leaks the token: %v", err)
			}
			if _, err := ghrelease.New(append(gopts, ghrelease.WithInsecureHTTPUnsafe())...); err != nil {
				t.Errorf("ghrelease %s with WithInsecureHTTPUnsafe: %v", host, err)
			}
			if r := nn.requests(); len(r) > 0 {
				t.Errorf("pypi/ghrelease: requests sent while constructing: %v", r)
			}

			// A registry has no scheme in its references: a non-loopback one
			// must be reached over https (go-containerregistry alone would
			// pick http for RFC 1918 addresses). The transport sends nothing.
			regHost := strings.TrimPrefix(host, "http://")
			ref := regHost + "/octo-org/hello:v1.0.0"
			v, err := sign.NewVerifier(ss.VerifierOptions()...)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			nn = &noNetwork{}
			_, err = oci.Verify(ctx, ref, sign.GitHubReleasePolicy("octo-org/hello", "", "v1.0.0"), v,
				oci.WithTransport(nn), oci.WithRetryBackoff(oneStep), oci.WithEnv(func(string) string { return "" }))
			if err == nil {
				t.Errorf("oci: verify of %s succeeded without a registry", ref)
			}
			for _, u := range nn.requests() {
				if strings.HasPrefix(u, "http://") {
					t.Errorf("oci: %s reached over plain http: %s", ref, u)
				}
			}
			if len(nn.requests()) == 0 {
				t.Errorf("oci: no request recorded: the check proves nothing")
			}
			nn = &noNetwork{}
			oci.Verify(ctx, ref, sign.GitHubReleasePolicy("octo-org/hello", "", "v1.0.0"), v,
				oci.WithTransport(nn), oci.WithRetryBackoff(oneStep), oci.WithInsecureHTTPUnsafe(), oci.WithEnv(func(string) string { return "" }))
			plain := false
			for _, u := range nn.requests() {
				plain = plain || strings.HasPrefix(u, "http://")
			}
			if !plain {
				t.Errorf("oci: WithInsecureHTTPUnsafe did not allow plain http to %s: %v", regHost, nn.requests())
			}
		})
	}
}

// TestTLSVerified: a GitHub API served over TLS by a CA the client does not
// trust is refused with a certificate error, and nothing is published;
// trusting the CA makes the same call work.
func TestTLSVerified(t *testing.T) {
	t.Parallel()
	gh := ghreleasetest.New(t, ghreleasetest.WithTLS(), ghreleasetest.WithToken(fakeGitHubToken))
	dir := t.TempDir()
	asset := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(asset, []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rel := ghrelease.Release{Owner: "octo-org", Repo: "hello", Tag: "v1.0.0", Assets: []ghrelease.Asset{{Path: asset}}}
	retry := ghrelease.WithRetry(ghrelease.RetryPolicy{Attempts: 3, Initial: time.Millisecond, Max: time.Millisecond, MaxWait: time.Second})
	ctx := context.Background()

	untrusting := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: x509.NewCertPool()}}}
	for name, hc := range map[string]*http.Client{"empty pool": untrusting, "system pool": {}} {
		p, err := ghrelease.New(ghrelease.WithBaseURL(gh.BaseURL(), gh.UploadURL()), ghrelease.WithToken(fakeGitHubToken), ghrelease.WithHTTPClient(hc), retry)
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.Publish(ctx, rel)
		var ua x509.UnknownAuthorityError
		var cv *tls.CertificateVerificationError
		if err == nil || !(errors.As(err, &ua) || errors.As(err, &cv)) {
			t.Errorf("%s: want a certificate error, got %v", name, err)
		} else if strings.Contains(err.Error(), fakeGitHubToken) {
			t.Errorf("%s: the error leaks the token: %v", name, err)
		}
	}
	if rs := gh.Releases("octo-org", "hello"); len(rs) != 0 {
		t.Fatalf("something was created through an untrusted connection: %+v", rs)
	}
	p, err := ghrelease.New(ghrelease.WithBaseURL(gh.BaseURL(), gh.UploadURL()), ghrelease.WithToken(fakeGitHubToken), ghrelease.WithHTTPClient(gh.HTTPClient()), retry)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Publish(ctx, rel); err != nil {
		t.Fatalf("trusting the CA: %v", err)
	}
}

// TestBuildRunsWithoutCredentials: the project's build runs without the
// CI's token variables in its environment, and whatever secret its output
// holds (here one it printed from its own argv) is cut out before the
// output reaches an error, an event, a log line or the state file. Not
// parallel: it sets the process environment the build inherits.
func TestBuildRunsWithoutCredentials(t *testing.T) {
	fc := faultWorld(t)
	env := fc.env
	sec := &secrets{}
	reqTok := env.Sigstore.RequestToken()
	t.Setenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", reqTok)
	t.Setenv("ACTIONS_ID_TOKEN_REQUEST_URL", env.Sigstore.TokenURL())
	t.Setenv("GITHUB_TOKEN", fakeGitHubToken)
	t.Setenv("PYPI_API_TOKEN", fakePyPIToken)
	t.Setenv("MY_DEPLOY_SECRET", "deploy-secret-value-0123456789")
	sec.add("OIDC request token (ACTIONS_ID_TOKEN_REQUEST_TOKEN)", reqTok)
	sec.add("GitHub token", fakeGitHubToken)
	sec.add("PyPI API token", fakePyPIToken)
	sec.add("a custom secret variable", "deploy-secret-value-0123456789")

	var logs bytes.Buffer
	var logMu sync.Mutex
	logger := slog.New(slog.NewJSONHandler(&lockedWriter{w: &logs, mu: &logMu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var events []release.Event
	var evMu sync.Mutex
	state := t.TempDir()
	cfg := faultConfig(t, env, fc.dir, state)
	cfg.Build = nil
	// The build prints its environment and, as a dependency that found a
	// token elsewhere would, the GitHub token itself; then fails.
	cfg.BuildCommand = []string{"sh", "-c", `env; echo "token from a file: ` + fakeGitHubToken + `"; echo "id token request: [$ACTIONS_ID_TOKEN_REQUEST_URL]"; exit 3`}
	cfg.PipelineOptions = []release.Option{release.WithStateDir(state), release.WithLogger(logger),
		release.WithEvents(func(e release.Event) { evMu.Lock(); events = append(events, e); evMu.Unlock() })}
	p, err := release.Standard(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rep, runErr := p.Run(context.Background())
	var re *release.RunError
	if !errors.As(runErr, &re) || !contains(re.Failed, release.JobBuildWheel) {
		t.Fatalf("want build-wheel to fail, got %v", runErr)
	}
	out := runErr.Error() + "\n" + rep.Table()
	logMu.Lock()
	out += "\n" + logs.String()
	logMu.Unlock()
	evMu.Lock()
	for _, e := range events {
		out += fmt.Sprintf("\n%+v", e)
	}
	evMu.Unlock()
	filepath.WalkDir(state, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(path)
			out += "\n" + string(b)
		}
		return err
	})
	sec.scan(t, "the run's outputs", []byte(out))
	if !strings.Contains(out, "PATH=") {
		t.Fatalf("the build's output was not captured; the test proves nothing:\n%s", out)
	}
	for _, name := range []string{"ACTIONS_ID_TOKEN_REQUEST_TOKEN=", "ACTIONS_ID_TOKEN_REQUEST_URL=", "GITHUB_TOKEN=", "PYPI_API_TOKEN=", "MY_DEPLOY_SECRET="} {
		if strings.Contains(out, name) {
			t.Errorf("the build saw %s in its environment", strings.TrimSuffix(name, "="))
		}
	}
	if !strings.Contains(out, "id token request: []") {
		t.Errorf("the build could reach the OIDC token endpoint")
	}
}
