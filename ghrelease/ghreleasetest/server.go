package ghreleasetest

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/tagship/tagship/internal/double"
	"github.com/tagship/tagship/internal/httpfault"
)

// DefaultToken is the token a [Server] accepts unless [WithToken] says otherwise.
const DefaultToken = "ghreleasetest-token"

// MaxBodyLength is GitHub's limit on a release body, in characters.
const MaxBodyLength = 125000

// Option configures a [Server].
type Option func(*config)

type config struct {
	tls        bool
	token      string
	immutable  bool
	rateLimit  int
	maxPerPage int
}

// WithTLS serves HTTPS with a self-signed certificate for 127.0.0.1 (like
// httptest.NewTLSServer); [Server.CACertPEM] returns it. Default: plain HTTP
// on 127.0.0.1.
func WithTLS() Option { return func(c *config) { c.tls = true } }

// WithToken sets the only token the server accepts. Default: [DefaultToken].
func WithToken(token string) Option { return func(c *config) { c.token = token } }

// WithImmutableReleases enables GitHub's immutable releases setting: once a
// release is published its assets can be neither added nor deleted (422).
// Default: off, as on github.com.
func WithImmutableReleases() Option { return func(c *config) { c.immutable = true } }

// WithRateLimit sets X-RateLimit-Limit; once a server has answered that many
// requests it answers 403 with X-RateLimit-Remaining: 0 like GitHub.
// Default: 5000.
func WithRateLimit(limit int) Option { return func(c *config) { c.rateLimit = limit } }

// Route names one GitHub endpoint, for faults and the request log.
type Route string

// The routes the server knows.
const (
	RouteAny           Route = ""
	RouteListReleases  Route = "list-releases"
	RouteCreateRelease Route = "create-release"
	RouteGetRelease    Route = "get-release"
	RouteLatestRelease Route = "get-latest-release"
	RouteReleaseByTag  Route = "get-release-by-tag"
	RouteUpdateRelease Route = "update-release"
	RouteDeleteRelease Route = "delete-release"
	RouteListAssets    Route = "list-assets"
	RouteUploadAsset   Route = "upload-asset"
	RouteGetAsset      Route = "get-asset" // JSON or, with Accept: application/octet-stream, the bytes
	RouteUpdateAsset   Route = "update-asset"
	RouteDeleteAsset   Route = "delete-asset"
	RouteBrowserAsset  Route = "browser-download"
	RouteGraphQL       Route = "graphql"
	RouteMeta          Route = "meta"
	RouteUnknown       Route = "unknown"
)

// The rate-limit answers a [Fault] can give as its Kind, like GitHub's:
const (
	// PrimaryRateLimit: 403 (or Status, e.g. 429) with
	// X-RateLimit-Remaining: 0 and X-RateLimit-Reset = now + RetryAfter.
	PrimaryRateLimit = "primary-rate-limit"
	// SecondaryRateLimit: 403 (or Status, e.g. 429) with Retry-After and
	// GitHub's secondary-rate-limits documentation URL.
	SecondaryRateLimit = "secondary-rate-limit"
)

// Fault makes the server misbehave on matching requests (of the route it
// is added for, see [Server.AddFault]): the module's one fault type
// (internal/httpfault). Status answers with a GitHub-style JSON error
// carrying Message (default: the status text); Kind PrimaryRateLimit or
// SecondaryRateLimit answers like one of GitHub's rate limits; Reset reads
// half the request body, then drops the connection; Truncate serves the
// request normally (state changes happen) but cuts the answer in half
// while announcing its full length; a fault with only Stall set serves the
// request normally afterwards. Times 0 or 1 means once, [Always] forever.
type Fault = httpfault.Fault

// Always as Fault.Times makes a fault fire on every matching request.
const Always = httpfault.Always

// Release is a snapshot of a release held by the server.
type Release struct {
	ID              int64
	Owner, Repo     string
	Tag             string
	Name            string
	Body            string
	TargetCommitish string
	Draft           bool
	Prerelease      bool
	Immutable       bool
	// MakeLatest is the last make_latest value a client sent ("" if never).
	MakeLatest  string
	Latest      bool
	CreatedAt   time.Time
	PublishedAt time.Time // zero for drafts
	Assets      []Asset
}

// Asset is a snapshot of a release asset.
type Asset struct {
	ID          int64
	Name        string
	Label       string
	ContentType string
	Size        int64
	SHA256      string // hex of the stored bytes
}

// Request is one entry of the request log.
type Request struct {
	Method string
	Path   string
	Route  Route
	Status int
}

type release struct {
	Release
	assets []*asset
}

type asset struct {
	Asset
	data      []byte
	createdAt time.Time
	updatedAt time.Time
	downloads int
}

type repoKey struct{ owner, repo string }

// Server is a fake GitHub releases API. Create it with [NewServer].
type Server struct {
	// URL is the server's root, e.g. https://127.0.0.1:40123 (no slash).
	URL string

	cfg   config
	srv   *httptest.Server
	start time.Time

	mu        sync.Mutex
	nextID    int64
	releases  map[repoKey][]*release
	latest    map[repoKey]int64
	faults    httpfault.Queue
	hook      func(http.ResponseWriter, *http.Request) bool
	attempts  map[string]int
	requests  []Request
	used      int
	graphqlQs []string
}

// New starts a server for a test: it fails tb on error and closes the
// server in tb.Cleanup.
func New(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	return double.Start(tb, "ghreleasetest", func() (*Server, error) { return NewServer(opts...) })
}

// NewServer starts a server on 127.0.0.1 outside a test (a sandbox, an
// Example, a benchmark driver). Call Close when done. In a test, use [New].
func NewServer(opts ...Option) (*Server, error) {
	s := &Server{
		cfg:      config{token: DefaultToken, rateLimit: 5000, maxPerPage: 100},
		start:    time.Now(),
		nextID:   1000,
		releases: map[repoKey][]*release{},
		latest:   map[repoKey]int64{},
		attempts: map[string]int{},
	}
	for _, o := range opts {
		o(&s.cfg)
	}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	// Clients such as gh probe and drop connections: keep test logs clean.
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if s.cfg.tls {
		s.srv.StartTLS()
	} else {
		s.srv.Start()
	}
	s.URL = s.srv.URL
	return s, nil
}

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// Host is host:port, the value for GH_HOST.
func (s *Server) Host() string { u, _ := url.Parse(s.URL); return u.Host }

// BaseURL is the REST root go-github needs, ending in /api/v3/.
func (s *Server) BaseURL() string { return s.URL + "/api/v3/" }

// UploadURL is the uploads root go-github needs, ending in /api/uploads/.
func (s *Server) UploadURL() string { return s.URL + "/api/uploads/" }

// Token is the token the server accepts.
func (s *Server) Token() string { return s.cfg.token }

// CACertPEM is the PEM certificate to trust for a TLS server (nil without TLS).
func (s *Server) CACertPEM() []byte {
	if !s.cfg.tls {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.srv.Certificate().Raw})
}

// HTTPClient is an unauthenticated client that trusts the server's
// certificate.
func (s *Server) HTTPClient() *http.Client {
	if !s.cfg.tls {
		return &http.Client{}
	}
	pool := x509.NewCertPool()
	pool.AddCert(s.srv.Certificate())
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
}

// Client is a go-github client for this server, authenticated with the
// server's token (Bearer) and pointed at it with WithEnterpriseURLs.
func (s *Server) Client() *github.Client {
	c, err := github.NewClient(s.HTTPClient()).WithAuthToken(s.cfg.token).WithEnterpriseURLs(s.BaseURL(), s.UploadURL())
	if err != nil {
		panic("ghreleasetest: " + err.Error()) // URLs are ours: cannot happen
	}
	return c
}

// AddFault arms a fault for requests of route (RouteAny: every route).
// Faults apply in the order added; the first matching one with hits left
// wins.
func (s *Server) AddFault(route Route, f Fault) { s.faults.Add(string(route), f) }

// ClearFaults disarms every fault.
func (s *Server) ClearFaults() { s.faults.Clear() }

// SetHook installs a function that sees every request first (after
// authentication); returning true means it has answered. nil removes it.
func (s *Server) SetHook(h func(http.ResponseWriter, *http.Request) (handled bool)) {
	s.mu.Lock()
	s.hook = h
	s.mu.Unlock()
}

// UploadAttempts counts upload requests for an asset name (as requested,
// before any rewriting), faulted ones included.
func (s *Server) UploadAttempts(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts[name]
}

// Requests returns the request log.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// GraphQLQueries returns the GraphQL queries received.
func (s *Server) GraphQLQueries() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.graphqlQs...)
}

// Releases returns the repository's releases, drafts included, oldest first.
func (s *Server) Releases(owner, repo string) []Release {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Release
	for _, r := range s.releases[repoKey{owner, repo}] {
		out = append(out, s.snapshot(r))
	}
	return out
}

// ReleaseByTag returns the release for tag, drafts included.
func (s *Server) ReleaseByTag(owner, repo, tag string) (Release, bool) {
	for _, r := range s.Releases(owner, repo) {
		if r.Tag == tag {
			return r, true
		}
	}
	return Release{}, false
}

// AssetData returns a copy of an asset's bytes.
func (s *Server) AssetData(owner, repo string, assetID int64) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, a := s.findAsset(repoKey{owner, repo}, assetID)
	if a == nil {
		return nil, false
	}
	return bytes.Clone(a.data), true
}

// AddRelease stores a release as if created through the API and returns it
// with its ID. Zero CreatedAt means now; a non-draft gets PublishedAt.
func (s *Server) AddRelease(owner, repo string, r Release) Release {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := repoKey{owner, repo}
	rel := &release{Release: r}
	rel.ID = s.newID()
	rel.Owner, rel.Repo = owner, repo
	if rel.CreatedAt.IsZero() {
		rel.CreatedAt = time.Now().UTC()
	}
	if !rel.Draft && rel.PublishedAt.IsZero() {
		rel.PublishedAt = rel.CreatedAt
	}
	if !rel.Draft && s.cfg.immutable {
		rel.Immutable = true
	}
	rel.Assets = nil
	s.releases[k] = append(s.releases[k], rel)
	if !rel.Draft {
		s.applyLatest(k, rel, r.MakeLatest)
	}
	return s.snapshot(rel)
}

// AddAsset stores an asset on a release as if uploaded.
func (s *Server) AddAsset(owner, repo string, releaseID int64, name, contentType string, data []byte) (Asset, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rel := s.findRelease(repoKey{owner, repo}, releaseID)
	if rel == nil {
		return Asset{}, fmt.Errorf("ghreleasetest: no release %d in %s/%s", releaseID, owner, repo)
	}
	a := s.storeAsset(rel, RewriteAssetName(name), "", contentType, data)
	return a.Asset, nil
}

// assetNameSpecial is what GitHub's documentation ("About releases":
// "GitHub renames asset filenames that have special characters,
// non-alphanumeric characters, and leading or trailing periods") means by
// special characters, as observed on github.com: every character except
// ASCII letters, digits, '.', '_' and '-'.
var assetNameSpecial = regexp.MustCompile(`[^0-9A-Za-z._-]`)

// RewriteAssetName renames an asset file name the way GitHub does: every
// special character becomes '.', and leading and trailing periods are
// removed. An empty result becomes "default".
//
// This is the double's own reading of GitHub's behaviour, written apart
// from the client's rule (ghrelease.ValidateAssetName) on purpose: a test
// of ghrelease compares the two, so a wrong client rule is caught.
func RewriteAssetName(name string) string {
	out := strings.Trim(assetNameSpecial.ReplaceAllLiteralString(name, "."), ".")
	if out == "" {
		return "default"
	}
	return out
}

func (s *Server) newID() int64 { s.nextID++; return s.nextID }

func (s *Server) snapshot(r *release) Release {
	out := r.Release
	out.Latest = s.latest[repoKey{r.Owner, r.Repo}] == r.ID
	out.Assets = nil
	for _, a := range r.assets {
		out.Assets = append(out.Assets, a.Asset)
	}
	return out
}

func (s *Server) findRelease(k repoKey, id int64) *release {
	for _, r := range s.releases[k] {
		if r.ID == id {
			return r
		}
	}
	return nil
}

func (s *Server) findAsset(k repoKey, id int64) (*release, *asset) {
	for _, r := range s.releases[k] {
		for _, a := range r.assets {
			if a.ID == id {
				return r, a
			}
		}
	}
	return nil, nil
}

func (s *Server) storeAsset(rel *release, name, label, contentType string, data []byte) *asset {
	sum := sha256.Sum256(data)
	now := time.Now().UTC()
	a := &asset{Asset: Asset{ID: s.newID(), Name: name, Label: label, ContentType: contentType, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}, data: data, createdAt: now, updatedAt: now}
	rel.assets = append(rel.assets, a)
	return a
}

// applyLatest updates the repository's latest release per make_latest.
func (s *Server) applyLatest(k repoKey, rel *release, makeLatest string) {
	switch makeLatest {
	case "true":
		s.latest[k] = rel.ID
	case "false":
	default: // "legacy" or unset: the most recently created non-prerelease
		if rel.Prerelease {
			return
		}
		cur := s.findRelease(k, s.latest[k])
		if cur == nil || !rel.CreatedAt.Before(cur.CreatedAt) {
			s.latest[k] = rel.ID
		}
	}
}

// ---- HTTP ----

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (for Hijack).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

type route struct {
	name  Route
	owner string
	repo  string
	id    int64
	tag   string
	extra string
	isAPI bool
}

func parseRoute(r *http.Request) route {
	segs := strings.Split(strings.Trim(r.URL.EscapedPath(), "/"), "/")
	for i, s := range segs {
		if u, err := url.PathUnescape(s); err == nil {
			segs[i] = u
		}
	}
	rt := route{name: RouteUnknown}
	m := r.Method
	switch {
	case len(segs) >= 2 && segs[0] == "api" && segs[1] == "graphql" && m == http.MethodPost:
		rt.name, rt.isAPI = RouteGraphQL, true
		return rt
	case len(segs) == 2 && segs[0] == "api" && segs[1] == "v3":
		rt.name, rt.isAPI = RouteMeta, true
		return rt
	case len(segs) == 3 && segs[0] == "api" && segs[1] == "v3" && (segs[2] == "meta" || segs[2] == "rate_limit"):
		rt.name, rt.isAPI, rt.extra = RouteMeta, true, segs[2]
		return rt
	case len(segs) >= 6 && segs[0] == "api" && (segs[1] == "v3" || segs[1] == "uploads") && segs[2] == "repos" && segs[5] == "releases":
		rt.isAPI = true
		rt.owner, rt.repo = segs[3], segs[4]
		rest := segs[6:]
		upload := segs[1] == "uploads"
		id := func(s string) bool {
			n, err := strconv.ParseInt(s, 10, 64)
			rt.id = n
			return err == nil
		}
		switch {
		case upload:
			if len(rest) == 2 && rest[1] == "assets" && id(rest[0]) && m == http.MethodPost {
				rt.name = RouteUploadAsset
			}
		case len(rest) == 0 && m == http.MethodGet:
			rt.name = RouteListReleases
		case len(rest) == 0 && m == http.MethodPost:
			rt.name = RouteCreateRelease
		case len(rest) == 1 && rest[0] == "latest" && m == http.MethodGet:
			rt.name = RouteLatestRelease
		case len(rest) >= 2 && rest[0] == "tags" && m == http.MethodGet:
			rt.name, rt.tag = RouteReleaseByTag, strings.Join(rest[1:], "/")
		case len(rest) == 2 && rest[0] == "assets" && id(rest[1]):
			switch m {
			case http.MethodGet:
				rt.name = RouteGetAsset
			case http.MethodPatch:
				rt.name = RouteUpdateAsset
			case http.MethodDelete:
				rt.name = RouteDeleteAsset
			}
		case len(rest) == 2 && rest[1] == "assets" && id(rest[0]) && m == http.MethodGet:
			rt.name = RouteListAssets
		case len(rest) == 1 && id(rest[0]):
			switch m {
			case http.MethodGet:
				rt.name = RouteGetRelease
			case http.MethodPatch:
				rt.name = RouteUpdateRelease
			case http.MethodDelete:
				rt.name = RouteDeleteRelease
			}
		}
		return rt
	case len(segs) >= 6 && segs[2] == "releases" && segs[3] == "download" && m == http.MethodGet:
		rt.name = RouteBrowserAsset
		rt.owner, rt.repo, rt.tag, rt.extra = segs[0], segs[1], segs[4], strings.Join(segs[5:], "/")
		return rt
	}
	return rt
}

func (s *Server) serve(w0 http.ResponseWriter, r *http.Request) {
	w := &statusWriter{ResponseWriter: w0}
	rt := parseRoute(r)
	defer func() {
		s.mu.Lock()
		s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Route: rt.name, Status: w.status})
		s.mu.Unlock()
	}()

	s.mu.Lock()
	if rt.name == RouteUploadAsset {
		s.attempts[r.URL.Query().Get("name")]++
	}
	s.used++
	used := s.used
	s.mu.Unlock()
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(s.cfg.rateLimit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(max(0, s.cfg.rateLimit-used)))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(s.start.Add(time.Hour).Unix(), 10))
	h.Set("X-RateLimit-Used", strconv.Itoa(min(used, s.cfg.rateLimit)))
	h.Set("X-RateLimit-Resource", "core")
	h.Set("X-GitHub-Media-Type", "github.v3; format=json")
	h.Set("X-GitHub-Request-Id", fmt.Sprintf("0000:%06d", used))

	if rt.isAPI || rt.name == RouteBrowserAsset {
		if !s.authorized(r) {
			if rt.name == RouteBrowserAsset {
				writeError(w, http.StatusNotFound, "Not Found", nil)
				return
			}
			h.Set("WWW-Authenticate", `Bearer realm="GitHub"`)
			writeError(w, http.StatusUnauthorized, "Requires authentication", nil)
			return
		}
	}
	if used > s.cfg.rateLimit {
		writeError(w, http.StatusForbidden, "API rate limit exceeded for user.", nil, "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting")
		return
	}

	s.mu.Lock()
	hook := s.hook
	s.mu.Unlock()
	f, faulted := s.faults.Take(string(rt.name), r)

	if hook != nil && hook(w, r) {
		return
	}
	if faulted {
		if s.applyFault(w, r, rt, &f) {
			return
		}
	}
	s.route(w, r, rt)
}

// applyFault reports whether it has answered the request.
func (s *Server) applyFault(w *statusWriter, r *http.Request, rt route, f *Fault) bool {
	if !httpfault.Stall(r, f.Stall, nil) {
		return true
	}
	if f.Reset {
		n := f.ResetAfter
		if n == 0 {
			n = r.ContentLength / 2
		}
		httpfault.DiscardBody(r, n)
		httpfault.Hangup(w)
		w.status = -1
		return true
	}
	switch f.Kind {
	case PrimaryRateLimit:
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(f.RetryAfter).Add(time.Second).Unix(), 10))
		writeError(w, orStatus(f.Status, http.StatusForbidden), orMsg(f.Message, "API rate limit exceeded for user."), nil, "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting")
		return true
	case SecondaryRateLimit:
		f.WriteHeaders(w.Header())
		writeError(w, orStatus(f.Status, http.StatusForbidden), orMsg(f.Message, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."), nil, "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits")
		return true
	}
	if f.Status != 0 {
		f.WriteHeaders(w.Header())
		writeError(w, f.Status, orMsg(f.Message, http.StatusText(f.Status)), nil)
		return true
	}
	if f.Truncate {
		serve := func(w http.ResponseWriter, r *http.Request) { s.route(w, r, rt) }
		httpfault.ServeTruncated(w, r, http.HandlerFunc(serve), f.Keep)
		httpfault.Hangup(w)
		return true
	}
	return false // stall only: serve normally
}

func orStatus(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

func orMsg(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (s *Server) authorized(r *http.Request) bool {
	a := r.Header.Get("Authorization")
	var tok string
	switch {
	case strings.HasPrefix(a, "token "):
		tok = strings.TrimPrefix(a, "token ")
	case strings.HasPrefix(a, "Bearer "):
		tok = strings.TrimPrefix(a, "Bearer ")
	default:
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(s.cfg.token)) == 1
}

// ghError is one entry of GitHub's "errors" array.
type ghError struct {
	Resource string `json:"resource,omitempty"`
	Code     string `json:"code"`
	Field    string `json:"field,omitempty"`
	Message  string `json:"message,omitempty"`
}

func writeError(w http.ResponseWriter, status int, msg string, errs []ghError, doc ...string) {
	body := map[string]any{"message": msg, "documentation_url": "https://docs.github.com/rest"}
	if len(doc) > 0 {
		body["documentation_url"] = doc[0]
	}
	if errs != nil {
		body["errors"] = errs
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func validationFailed(w http.ResponseWriter, errs ...ghError) {
	writeError(w, http.StatusUnprocessableEntity, "Validation Failed", errs, "https://docs.github.com/rest/releases")
}

func (s *Server) route(w http.ResponseWriter, r *http.Request, rt route) {
	switch rt.name {
	case RouteGraphQL:
		s.graphql(w, r)
	case RouteMeta:
		switch rt.extra {
		case "rate_limit":
			s.mu.Lock()
			used := s.used
			s.mu.Unlock()
			core := map[string]any{"limit": s.cfg.rateLimit, "remaining": max(0, s.cfg.rateLimit-used), "used": used, "reset": s.start.Add(time.Hour).Unix()}
			writeJSON(w, http.StatusOK, map[string]any{"resources": map[string]any{"core": core}, "rate": core})
		default:
			writeJSON(w, http.StatusOK, map[string]any{"current_user_url": s.BaseURL() + "user", "installed_version": "3.12.0", "verifiable_password_authentication": false})
		}
	case RouteListReleases:
		s.listReleases(w, r, rt)
	case RouteCreateRelease:
		s.createRelease(w, r, rt)
	case RouteGetRelease, RouteLatestRelease, RouteReleaseByTag:
		s.getRelease(w, r, rt)
	case RouteUpdateRelease:
		s.updateRelease(w, r, rt)
	case RouteDeleteRelease:
		s.deleteRelease(w, r, rt)
	case RouteListAssets:
		s.listAssets(w, r, rt)
	case RouteUploadAsset:
		s.uploadAsset(w, r, rt)
	case RouteGetAsset, RouteUpdateAsset, RouteDeleteAsset:
		s.asset(w, r, rt)
	case RouteBrowserAsset:
		s.browserDownload(w, r, rt)
	default:
		writeError(w, http.StatusNotFound, "Not Found", nil)
	}
}

func (s *Server) graphql(w http.ResponseWriter, r *http.Request) {
	var q struct {
		Query     string            `json:"query"`
		Variables map[string]string `json:"variables"`
	}
	_ = json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&q)
	s.mu.Lock()
	s.graphqlQs = append(s.graphqlQs, q.Query)
	var rel *release
	if strings.Contains(q.Query, "release(tagName:") {
		for _, c := range s.releases[repoKey{q.Variables["owner"], q.Variables["name"]}] {
			if c.Tag == q.Variables["tagName"] {
				rel = c
			}
		}
	}
	s.mu.Unlock()
	if strings.Contains(q.Query, "release(tagName:") {
		// gh's RepositoryReleaseByTag: drafts are visible to GraphQL.
		var relJSON any
		if rel != nil {
			relJSON = map[string]any{"databaseId": rel.ID, "isDraft": rel.Draft}
		}
		writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"repository": map[string]any{"release": relJSON}}})
		return
	}
	// Anything else: an empty, error-free reply, which gh tolerates.
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{}})
}

// page extracts GitHub's page/per_page and writes the Link header.
func (s *Server) page(w http.ResponseWriter, r *http.Request, n int) (lo, hi int) {
	q := r.URL.Query()
	per := 30
	if v, err := strconv.Atoi(q.Get("per_page")); err == nil && v > 0 {
		per = min(v, s.cfg.maxPerPage)
	}
	page := 1
	if v, err := strconv.Atoi(q.Get("page")); err == nil && v > 0 {
		page = v
	}
	last := max(1, (n+per-1)/per)
	link := func(p int, rel string) string {
		u := *r.URL
		u.Scheme, u.Host = "", ""
		qq := u.Query()
		qq.Set("page", strconv.Itoa(p))
		qq.Set("per_page", strconv.Itoa(per))
		u.RawQuery = qq.Encode()
		return fmt.Sprintf(`<%s%s>; rel="%s"`, s.URL, u.String(), rel)
	}
	var links []string
	if page > 1 {
		links = append(links, link(page-1, "prev"), link(1, "first"))
	}
	if page < last {
		links = append(links, link(page+1, "next"), link(last, "last"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	lo = min((page-1)*per, n)
	hi = min(lo+per, n)
	return lo, hi
}

func (s *Server) listReleases(w http.ResponseWriter, r *http.Request, rt route) {
	s.mu.Lock()
	rels := s.releases[repoKey{rt.owner, rt.repo}]
	sorted := append([]*release(nil), rels...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].CreatedAt.After(sorted[j].CreatedAt) })
	lo, hi := s.page(w, r, len(sorted))
	out := make([]map[string]any, 0, hi-lo)
	for _, rel := range sorted[lo:hi] {
		out = append(out, s.releaseJSON(rel))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

type releaseRequest struct {
	TagName         *string `json:"tag_name"`
	TargetCommitish *string `json:"target_commitish"`
	Name            *string `json:"name"`
	Body            *string `json:"body"`
	Draft           *bool   `json:"draft"`
	Prerelease      *bool   `json:"prerelease"`
	MakeLatest      *string `json:"make_latest"`
}

func decodeReleaseRequest(w http.ResponseWriter, r *http.Request) (releaseRequest, bool) {
	var req releaseRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 4<<20)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON", nil)
		return req, false
	}
	if req.Body != nil && len([]rune(*req.Body)) > MaxBodyLength {
		validationFailed(w, ghError{Resource: "Release", Code: "custom", Field: "body", Message: "body is too long (maximum is 125000 characters)"})
		return req, false
	}
	if req.MakeLatest != nil {
		switch *req.MakeLatest {
		case "true", "false", "legacy":
		default:
			validationFailed(w, ghError{Resource: "Release", Code: "invalid", Field: "make_latest"})
			return req, false
		}
	}
	return req, true
}

func (s *Server) createRelease(w http.ResponseWriter, r *http.Request, rt route) {
	req, ok := decodeReleaseRequest(w, r)
	if !ok {
		return
	}
	if req.TagName == nil || *req.TagName == "" {
		validationFailed(w, ghError{Resource: "Release", Code: "missing_field", Field: "tag_name"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := repoKey{rt.owner, rt.repo}
	draft := req.Draft != nil && *req.Draft
	if !draft {
		for _, old := range s.releases[k] {
			if old.Tag == *req.TagName && !old.Draft {
				validationFailed(w, ghError{Resource: "Release", Code: "already_exists", Field: "tag_name"})
				return
			}
		}
	}
	rel := &release{}
	rel.ID = s.newID()
	rel.Owner, rel.Repo = rt.owner, rt.repo
	rel.Tag = *req.TagName
	rel.Name = deref(req.Name)
	rel.Body = deref(req.Body)
	rel.TargetCommitish = orMsg(deref(req.TargetCommitish), "main")
	rel.Draft = draft
	rel.Prerelease = req.Prerelease != nil && *req.Prerelease
	rel.MakeLatest = deref(req.MakeLatest)
	rel.CreatedAt = time.Now().UTC()
	if !draft {
		rel.PublishedAt = rel.CreatedAt
		rel.Immutable = s.cfg.immutable
	}
	s.releases[k] = append(s.releases[k], rel)
	if !draft {
		s.applyLatest(k, rel, rel.MakeLatest)
	}
	writeJSON(w, http.StatusCreated, s.releaseJSON(rel))
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (s *Server) getRelease(w http.ResponseWriter, _ *http.Request, rt route) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := repoKey{rt.owner, rt.repo}
	var rel *release
	switch rt.name {
	case RouteGetRelease:
		rel = s.findRelease(k, rt.id)
	case RouteLatestRelease:
		rel = s.findRelease(k, s.latest[k])
	case RouteReleaseByTag:
		for _, c := range s.releases[k] {
			if c.Tag == rt.tag && !c.Draft { // GitHub never returns drafts here
				rel = c
				break
			}
		}
	}
	if rel == nil {
		writeError(w, http.StatusNotFound, "Not Found", nil, "https://docs.github.com/rest/releases/releases")
		return
	}
	writeJSON(w, http.StatusOK, s.releaseJSON(rel))
}

func (s *Server) updateRelease(w http.ResponseWriter, r *http.Request, rt route) {
	req, ok := decodeReleaseRequest(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := repoKey{rt.owner, rt.repo}
	rel := s.findRelease(k, rt.id)
	if rel == nil {
		writeError(w, http.StatusNotFound, "Not Found", nil)
		return
	}
	if rel.Immutable && ((req.Draft != nil && *req.Draft) || (req.TagName != nil && *req.TagName != rel.Tag)) {
		validationFailed(w, ghError{Resource: "Release", Code: "custom", Field: "immutable", Message: "Cannot modify the tag or draft state of an immutable release."})
		return
	}
	if req.TagName != nil {
		rel.Tag = *req.TagName
	}
	if req.Name != nil {
		rel.Name = *req.Name
	}
	if req.Body != nil {
		rel.Body = *req.Body
	}
	if req.TargetCommitish != nil {
		rel.TargetCommitish = *req.TargetCommitish
	}
	if req.Prerelease != nil {
		rel.Prerelease = *req.Prerelease
	}
	if req.MakeLatest != nil {
		rel.MakeLatest = *req.MakeLatest
	}
	if req.Draft != nil && *req.Draft != rel.Draft {
		if !*req.Draft {
			for _, old := range s.releases[k] {
				if old != rel && old.Tag == rel.Tag && !old.Draft {
					validationFailed(w, ghError{Resource: "Release", Code: "already_exists", Field: "tag_name"})
					return
				}
			}
			rel.Draft = false
			rel.PublishedAt = time.Now().UTC()
			rel.Immutable = s.cfg.immutable
		} else {
			rel.Draft = true
			rel.PublishedAt = time.Time{}
			if s.latest[k] == rel.ID {
				delete(s.latest, k)
			}
		}
	}
	if !rel.Draft && (req.MakeLatest != nil || req.Draft != nil) {
		s.applyLatest(k, rel, deref(req.MakeLatest))
	}
	writeJSON(w, http.StatusOK, s.releaseJSON(rel))
}

func (s *Server) deleteRelease(w http.ResponseWriter, _ *http.Request, rt route) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := repoKey{rt.owner, rt.repo}
	for i, rel := range s.releases[k] {
		if rel.ID == rt.id {
			s.releases[k] = append(s.releases[k][:i:i], s.releases[k][i+1:]...)
			if s.latest[k] == rel.ID {
				delete(s.latest, k)
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	writeError(w, http.StatusNotFound, "Not Found", nil)
}

func (s *Server) listAssets(w http.ResponseWriter, r *http.Request, rt route) {
	s.mu.Lock()
	rel := s.findRelease(repoKey{rt.owner, rt.repo}, rt.id)
	if rel == nil {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "Not Found", nil)
		return
	}
	lo, hi := s.page(w, r, len(rel.assets))
	out := make([]map[string]any, 0, hi-lo)
	for _, a := range rel.assets[lo:hi] {
		out = append(out, s.assetJSON(rel, a))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) uploadAsset(w http.ResponseWriter, r *http.Request, rt route) {
	q := r.URL.Query()
	name := q.Get("name")
	if name == "" {
		validationFailed(w, ghError{Resource: "ReleaseAsset", Code: "missing_field", Field: "name"})
		return
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		validationFailed(w, ghError{Resource: "ReleaseAsset", Code: "missing_field", Field: "content_type"})
		return
	}
	if r.ContentLength < 0 {
		writeError(w, http.StatusLengthRequired, "Content-Length required", nil)
		return
	}
	s.mu.Lock()
	rel := s.findRelease(repoKey{rt.owner, rt.repo}, rt.id)
	immutable := rel != nil && rel.Immutable && !rel.Draft
	s.mu.Unlock()
	if rel == nil {
		writeError(w, http.StatusNotFound, "Not Found", nil)
		return
	}
	if immutable {
		validationFailed(w, ghError{Resource: "ReleaseAsset", Code: "custom", Field: "release", Message: "Cannot upload assets to an immutable release."})
		return
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, r.ContentLength+1))
	if err != nil || int64(len(data)) != r.ContentLength {
		// The client went away mid-body: nothing is stored, like GitHub.
		writeError(w, http.StatusBadRequest, "Request body did not match Content-Length", nil)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.findRelease(repoKey{rt.owner, rt.repo}, rt.id) == nil {
		writeError(w, http.StatusNotFound, "Not Found", nil)
		return
	}
	stored := RewriteAssetName(name)
	for _, a := range rel.assets {
		if a.Name == stored {
			validationFailed(w, ghError{Resource: "ReleaseAsset", Code: "already_exists", Field: "name"})
			return
		}
	}
	a := s.storeAsset(rel, stored, q.Get("label"), ct, data)
	writeJSON(w, http.StatusCreated, s.assetJSON(rel, a))
}

func (s *Server) asset(w http.ResponseWriter, r *http.Request, rt route) {
	s.mu.Lock()
	k := repoKey{rt.owner, rt.repo}
	rel, a := s.findAsset(k, rt.id)
	if a == nil {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "Not Found", nil)
		return
	}
	switch rt.name {
	case RouteGetAsset:
		if strings.Contains(r.Header.Get("Accept"), "application/octet-stream") {
			a.downloads++
			data, ct := a.data, a.ContentType
			s.mu.Unlock()
			w.Header().Set("Content-Type", orMsg(ct, "application/octet-stream"))
			w.Header().Set("Content-Length", strconv.Itoa(len(data)))
			w.Header().Set("Content-Disposition", "attachment; filename="+a.Name)
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(data)
			return
		}
		out := s.assetJSON(rel, a)
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, out)
	case RouteUpdateAsset:
		var req struct {
			Name  *string `json:"name"`
			Label *string `json:"label"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
			s.mu.Unlock()
			writeError(w, http.StatusBadRequest, "Problems parsing JSON", nil)
			return
		}
		if rel.Immutable {
			s.mu.Unlock()
			validationFailed(w, ghError{Resource: "ReleaseAsset", Code: "custom", Field: "release", Message: "Cannot modify assets of an immutable release."})
			return
		}
		if req.Name != nil {
			n := RewriteAssetName(*req.Name)
			for _, o := range rel.assets {
				if o != a && o.Name == n {
					s.mu.Unlock()
					validationFailed(w, ghError{Resource: "ReleaseAsset", Code: "already_exists", Field: "name"})
					return
				}
			}
			a.Name = n
		}
		if req.Label != nil {
			a.Label = *req.Label
		}
		a.updatedAt = time.Now().UTC()
		out := s.assetJSON(rel, a)
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, out)
	case RouteDeleteAsset:
		if rel.Immutable {
			s.mu.Unlock()
			validationFailed(w, ghError{Resource: "ReleaseAsset", Code: "custom", Field: "release", Message: "Cannot delete assets of an immutable release."})
			return
		}
		for i, o := range rel.assets {
			if o == a {
				rel.assets = append(rel.assets[:i:i], rel.assets[i+1:]...)
				break
			}
		}
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}
}

func (s *Server) browserDownload(w http.ResponseWriter, _ *http.Request, rt route) {
	s.mu.Lock()
	var data []byte
	var ct string
	found := false
	for _, rel := range s.releases[repoKey{rt.owner, rt.repo}] {
		if rel.Tag != rt.tag || rel.Draft {
			continue
		}
		for _, a := range rel.assets {
			if a.Name == rt.extra {
				a.downloads++
				data, ct, found = a.data, a.ContentType, true
			}
		}
	}
	s.mu.Unlock()
	if !found {
		writeError(w, http.StatusNotFound, "Not Found", nil)
		return
	}
	w.Header().Set("Content-Type", orMsg(ct, "application/octet-stream"))
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
}

func user() map[string]any {
	return map[string]any{"login": "ghreleasetest", "id": 1, "node_id": "MDQ6VXNlcjE=", "type": "User", "site_admin": false}
}

func ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}

// releaseJSON renders a release like GitHub's REST API. Callers hold s.mu.
func (s *Server) releaseJSON(rel *release) map[string]any {
	api := fmt.Sprintf("%s/api/v3/repos/%s/%s/releases/%d", s.URL, rel.Owner, rel.Repo, rel.ID)
	html := fmt.Sprintf("%s/%s/%s/releases/tag/%s", s.URL, rel.Owner, rel.Repo, url.PathEscape(rel.Tag))
	if rel.Draft {
		html = fmt.Sprintf("%s/%s/%s/releases/tag/untagged-%016x", s.URL, rel.Owner, rel.Repo, rel.ID)
	}
	assets := make([]map[string]any, 0, len(rel.assets))
	for _, a := range rel.assets {
		assets = append(assets, s.assetJSON(rel, a))
	}
	return map[string]any{
		"url":              api,
		"assets_url":       api + "/assets",
		"upload_url":       fmt.Sprintf("%s/api/uploads/repos/%s/%s/releases/%d/assets{?name,label}", s.URL, rel.Owner, rel.Repo, rel.ID),
		"html_url":         html,
		"id":               rel.ID,
		"node_id":          fmt.Sprintf("RE_%d", rel.ID),
		"author":           user(),
		"tag_name":         rel.Tag,
		"target_commitish": rel.TargetCommitish,
		"name":             rel.Name,
		"body":             rel.Body,
		"draft":            rel.Draft,
		"prerelease":       rel.Prerelease,
		"immutable":        rel.Immutable,
		"created_at":       ts(rel.CreatedAt),
		"published_at":     ts(rel.PublishedAt),
		"assets":           assets,
		"tarball_url":      fmt.Sprintf("%s/api/v3/repos/%s/%s/tarball/%s", s.URL, rel.Owner, rel.Repo, url.PathEscape(rel.Tag)),
		"zipball_url":      fmt.Sprintf("%s/api/v3/repos/%s/%s/zipball/%s", s.URL, rel.Owner, rel.Repo, url.PathEscape(rel.Tag)),
	}
}

func (s *Server) assetJSON(rel *release, a *asset) map[string]any {
	return map[string]any{
		"url":                  fmt.Sprintf("%s/api/v3/repos/%s/%s/releases/assets/%d", s.URL, rel.Owner, rel.Repo, a.ID),
		"browser_download_url": fmt.Sprintf("%s/%s/%s/releases/download/%s/%s", s.URL, rel.Owner, rel.Repo, url.PathEscape(rel.Tag), url.PathEscape(a.Name)),
		"id":                   a.ID,
		"node_id":              fmt.Sprintf("RA_%d", a.ID),
		"name":                 a.Name,
		"label":                a.Label,
		"uploader":             user(),
		"content_type":         a.ContentType,
		"state":                "uploaded",
		"size":                 a.Size,
		"download_count":       a.downloads,
		"created_at":           ts(a.createdAt),
		"updated_at":           ts(a.updatedAt),
	}
}
