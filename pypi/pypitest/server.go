package pypitest

import (
	"crypto"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/tagship/tagship/internal/double"
	"github.com/tagship/tagship/internal/httpfault"
)

// DefaultAudience is the OIDC audience the server announces, as PyPI does.
const DefaultAudience = "pypi"

// Publisher is a trusted publisher: which GitHub Actions workflow may mint
// upload tokens, and for which project.
type Publisher struct {
	// Issuer the OIDC token must come from; "" accepts the issuer
	// configured with WithIssuer/WithIssuerKeys.
	Issuer string
	// Repository is "owner/repo" (compared case-insensitively, like
	// Warehouse).
	Repository string
	// Workflow is the workflow file name, e.g. "release.yml".
	Workflow string
	// Environment, when not empty, must equal the token's environment
	// claim (case-insensitively). Empty accepts any environment.
	Environment string
	// Project, when not empty, scopes minted tokens to that project.
	Project string
}

// File is an uploaded distribution as the server stored it.
type File struct {
	Filename       string
	Project        string // as uploaded in the "name" field
	Version        string
	Filetype       string
	PyVersion      string
	RequiresPython string
	Size           int64
	SHA256         string
	BLAKE2b256     string
	MD5            string
	UploadTime     time.Time
	// Attestations is the raw "attestations" form field, if any.
	Attestations json.RawMessage
	// Form is the upload's form fields in the order received (content
	// excluded).
	Form []FormField
	path string
}

// FormField is one multipart form part. For a file part, Value is empty
// and Filename, ContentType and Size describe the file.
type FormField struct {
	Name        string
	Value       string
	Filename    string
	ContentType string
	Size        int64
}

// Capture is one request to /legacy/ as received, whatever its outcome:
// the form fields in order, the Basic-auth user name (never the
// password), and the status the server answered.
type Capture struct {
	User   string
	Fields []FormField
	Status int
}

// Fault makes the server misbehave for matching requests: the module's one
// fault type (internal/httpfault). Select requests with Match (see
// [MatchPath]; nil matches every request). Status answers text/plain with
// Message as the body; Reset drops the connection after reading ResetAfter
// bytes of the request body; Truncate cuts a normal answer after
// TruncateAfter bytes (half when 0). Faults are consumed in the order
// added; Times 0 or 1 means once, [Always] every time.
type Fault = httpfault.Fault

// Always as Fault.Times makes a fault fire on every matching request.
const Always = httpfault.Always

// MatchPath matches requests with method (any when "") whose path starts
// with prefix, e.g. MatchPath("POST", "/legacy/"), MatchPath("", "/files/").
func MatchPath(method, prefix string) func(*http.Request) bool {
	return func(r *http.Request) bool {
		return (method == "" || r.Method == method) && strings.HasPrefix(r.URL.Path, prefix)
	}
}

// Option configures a Server.
type Option func(*config) error

type config struct {
	audience       string
	publishers     []Publisher
	issuer         string
	discoveryURL   string
	issuerKeys     *jose.JSONWebKeySet
	discover       bool
	apiTokens      []string
	tpDisabled     bool
	lifetime       time.Duration
	attestVerifier func(AttestationCheck) error
	discard        bool
	logger         *slog.Logger
	dir            string
}

// WithAudience sets the audience /_/oidc/audience announces and mint-token
// requires. Default "pypi".
func WithAudience(aud string) Option {
	return func(c *config) error { c.audience = aud; return nil }
}

// WithTrustedPublisher registers a trusted publisher (repeatable). Without
// any, every mint-token request fails with invalid-publisher.
func WithTrustedPublisher(p Publisher) Option {
	return func(c *config) error {
		if p.Repository == "" || p.Workflow == "" {
			return errors.New("pypitest: a trusted publisher needs Repository and Workflow")
		}
		c.publishers = append(c.publishers, p)
		return nil
	}
}

// WithIssuer makes mint-token verify OIDC tokens issued by issuerURL,
// whose signing keys are fetched (at each exchange) from the jwks_uri of
// issuerURL + "/.well-known/openid-configuration" — as Warehouse does.
func WithIssuer(issuerURL string) Option {
	return func(c *config) error {
		c.issuer = strings.TrimSuffix(issuerURL, "/")
		c.discoveryURL = c.issuer
		c.discover = true
		return nil
	}
}

// WithIssuerDiscovery is WithIssuer for an issuer whose name (the "iss"
// claim, e.g. https://token.actions.githubusercontent.com) differs from the
// URL serving its discovery document (e.g. sign/signtest's IssuerURL).
func WithIssuerDiscovery(issuer, discoveryURL string) Option {
	return func(c *config) error {
		c.issuer = issuer
		c.discoveryURL = strings.TrimSuffix(discoveryURL, "/")
		c.discover = true
		return nil
	}
}

// WithIssuerKeys makes mint-token verify OIDC tokens from issuer with the
// given key set, without discovery.
func WithIssuerKeys(issuer string, keys jose.JSONWebKeySet) Option {
	return func(c *config) error {
		c.issuer = issuer
		c.issuerKeys = &keys
		c.discover = false
		return nil
	}
}

// WithIssuerPublicKey is WithIssuerKeys for a single public key (any kid).
func WithIssuerPublicKey(issuer string, key crypto.PublicKey) Option {
	return WithIssuerKeys(issuer, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key}}})
}

// WithAPIToken accepts token (a classic API token, any string) as the
// password of "__token__" for uploads to any project (repeatable).
func WithAPIToken(token string) Option {
	return func(c *config) error { c.apiTokens = append(c.apiTokens, token); return nil }
}

// WithTrustedPublishingDisabled makes mint-token answer not-enabled.
func WithTrustedPublishingDisabled() Option {
	return func(c *config) error { c.tpDisabled = true; return nil }
}

// WithTokenLifetime sets how long minted tokens live. Default 15 minutes.
func WithTokenLifetime(d time.Duration) Option {
	return func(c *config) error { c.lifetime = d; return nil }
}

// WithAttestationVerifier adds a check run on every PEP 740 attestation
// after the server's own checks (statement subject, digest, predicate
// type, DSSE signature by the certificate's key) passed: use it to verify
// the certificate chain, transparency log entries and signer identity
// (for example with sign's verifier). An error rejects the upload with
// Warehouse's "Invalid attestations supplied during upload" 400.
func WithAttestationVerifier(f func(AttestationCheck) error) Option {
	return func(c *config) error { c.attestVerifier = f; return nil }
}

// WithDiscardContent hashes uploaded files without storing them (for
// benchmarks); downloads then answer 410 Gone.
func WithDiscardContent() Option {
	return func(c *config) error { c.discard = true; return nil }
}

// WithDir stores uploaded files under dir instead of a temporary
// directory removed by Close.
func WithDir(dir string) Option {
	return func(c *config) error { c.dir = dir; return nil }
}

// WithLogger logs each request. Default: discard.
// WithLogger(nil) is the same as the default: nothing is logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		c.logger = l
		return nil
	}
}

// Server is a Warehouse-like index on 127.0.0.1.
type Server struct {
	// URL is the base URL, e.g. "http://127.0.0.1:41234". Upload to
	// URL + "/legacy/", install from URL + "/simple/".
	URL string

	cfg       config
	hs        *httptest.Server
	closed    chan struct{}
	closeOnce sync.Once
	dir       string
	ownDir    bool

	mu       sync.Mutex
	files    map[string]*File // by filename
	order    []string
	tokens   map[string]mintedToken
	jtis     map[string]bool
	captures []Capture
	attempts int
	mints    int
	faults   httpfault.Queue
	hook     func(http.ResponseWriter, *http.Request) bool
}

type mintedToken struct {
	project string // "" = any
	expires time.Time
	oidc    bool
}

// New starts a server for a test: it fails tb on error and closes the
// server in tb.Cleanup.
func New(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	return double.Start(tb, "pypitest", func() (*Server, error) { return NewServer(opts...) })
}

// NewServer starts a server on 127.0.0.1 outside a test (a sandbox, an
// Example, a benchmark driver). Call Close when done. In a test, use [New].
func NewServer(opts ...Option) (*Server, error) {
	s := &Server{
		cfg:    config{audience: DefaultAudience, lifetime: 15 * time.Minute},
		files:  map[string]*File{},
		tokens: map[string]mintedToken{},
		jtis:   map[string]bool{},
		closed: make(chan struct{}),
	}
	for _, o := range opts {
		if err := o(&s.cfg); err != nil {
			return nil, err
		}
	}
	if s.cfg.logger == nil {
		s.cfg.logger = slog.New(slog.DiscardHandler)
	}
	if s.cfg.dir != "" {
		s.dir = s.cfg.dir
	} else {
		d, err := os.MkdirTemp("", "pypitest-")
		if err != nil {
			return nil, err
		}
		s.dir, s.ownDir = d, true
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.hs = &httptest.Server{Listener: l, Config: &http.Server{Handler: s, ReadHeaderTimeout: 30 * time.Second}}
	s.hs.Start()
	s.URL = s.hs.URL
	return s, nil
}

// Close stops the server and removes stored files (unless WithDir).
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closed)
		s.hs.CloseClientConnections()
		s.hs.Close()
		if s.ownDir {
			os.RemoveAll(s.dir)
		}
	})
}

// UploadURL is URL + "/legacy/".
func (s *Server) UploadURL() string { return s.URL + "/legacy/" }

// SimpleURL is URL + "/simple/".
func (s *Server) SimpleURL() string { return s.URL + "/simple/" }

// AddFault queues a fault.
func (s *Server) AddFault(f Fault) { s.faults.Add("", f) }

// ClearFaults removes every fault not yet consumed.
func (s *Server) ClearFaults() { s.faults.Clear() }

// SetHook installs a function called first for every request; when it
// returns true it has handled the request. nil removes it.
func (s *Server) SetHook(h func(http.ResponseWriter, *http.Request) (handled bool)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hook = h
}

// Files returns the stored files in upload order.
func (s *Server) Files() []File {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]File, 0, len(s.order))
	for _, n := range s.order {
		out = append(out, *s.files[n])
	}
	return out
}

// File returns the stored file named filename.
func (s *Server) File(filename string) (File, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.files[filename]
	if !ok {
		return File{}, false
	}
	return *f, true
}

// Content opens a stored file's content.
func (s *Server) Content(filename string) (io.ReadCloser, error) {
	f, ok := s.File(filename)
	if !ok {
		return nil, fmt.Errorf("pypitest: no file %q", filename)
	}
	if f.path == "" {
		return nil, errors.New("pypitest: content was discarded (WithDiscardContent)")
	}
	return os.Open(f.path)
}

// UploadAttempts is the number of POST requests /legacy/ received.
func (s *Server) UploadAttempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts
}

// MintCount is the number of upload tokens minted.
func (s *Server) MintCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mints
}

// Captures returns every /legacy/ request's form fields, in order.
func (s *Server) Captures() []Capture {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Capture, len(s.captures))
	copy(out, s.captures)
	return out
}

// ExpireTokens makes every minted token expire now (to test re-minting).
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, t := range s.tokens {
		if t.oidc {
			t.expires = time.Now().Add(-time.Second)
			s.tokens[k] = t
		}
	}
}

// ServeHTTP routes requests.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.cfg.logger.Debug("pypitest request", "method", r.Method, "path", r.URL.Path)
	s.mu.Lock()
	hook := s.hook
	if r.Method == http.MethodPost && (r.URL.Path == "/legacy/" || r.URL.Path == "/legacy") {
		s.attempts++
	}
	s.mu.Unlock()
	if hook != nil && hook(w, r) {
		return
	}
	if f, ok := s.faults.Take("", r); ok {
		if s.applyFault(w, r, f) {
			return
		}
		if f.Truncate && f.TruncateAfter > 0 {
			tw := httpfault.NewTruncatingWriter(w, f.TruncateAfter)
			defer tw.AbortIfCut()
			w = tw
		}
	}
	s.route(w, r)
}

// applyFault carries out f and reports whether it answered the request
// (a truncation that streams is left to ServeHTTP).
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, f Fault) bool {
	if !httpfault.Stall(r, f.Stall, s.closed) {
		return true
	}
	switch {
	case f.Reset:
		httpfault.DiscardBody(r, f.ResetAfter)
		httpfault.Reset(w)
		return true
	case f.Status != 0:
		f.WriteHeaders(w.Header())
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(f.Status)
		io.WriteString(w, f.Message)
		return true
	case f.Truncate && f.TruncateAfter == 0:
		httpfault.ServeTruncated(w, r, http.HandlerFunc(s.route), f.Keep)
		httpfault.Abort()
	}
	return false
}

// route serves a request by its path.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == "/_/oidc/audience":
		s.handleAudience(w, r)
	case p == "/_/oidc/mint-token":
		s.handleMint(w, r)
	case p == "/legacy/" || p == "/legacy":
		s.handleUpload(w, r)
	case p == "/simple/" || p == "/simple":
		s.handleSimpleIndex(w, r)
	case strings.HasPrefix(p, "/simple/"):
		s.handleSimple(w, r, strings.Trim(strings.TrimPrefix(p, "/simple/"), "/"))
	case strings.HasPrefix(p, "/pypi/") && strings.HasSuffix(p, "/json"):
		s.handleJSON(w, r, strings.Split(strings.Trim(strings.TrimSuffix(strings.TrimPrefix(p, "/pypi/"), "/json"), "/"), "/"))
	case strings.HasPrefix(p, "/files/"):
		s.handleDownload(w, r, strings.TrimPrefix(p, "/files/"))
	default:
		http.NotFound(w, r)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return "pypi-" + base64.RawURLEncoding.EncodeToString(b)
}

func (s *Server) handleAudience(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		http.Error(w, "405 Method Not Allowed", http.StatusMethodNotAllowed)
		return
	}
	if s.cfg.tpDisabled {
		writeJSON(w, http.StatusForbidden, map[string]any{"message": "Trusted publishing functionality not enabled"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"audience": s.cfg.audience})
}

// storedFiles returns the files of a project (normalised name), sorted by
// filename.
func (s *Server) storedFiles(project string) []File {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []File
	for _, n := range s.order {
		f := s.files[n]
		if normalize(f.Project) == project {
			out = append(out, *f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Filename < out[j].Filename })
	return out
}

func (s *Server) fileURL(f File) string {
	return s.URL + "/files/" + f.SHA256 + "/" + f.Filename
}

func hexOK(s string, n int) bool {
	if len(s) != n {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}
