// Package ocitest runs OCI registries for tests, like net/http/httptest:
// an in-process registry (go-containerregistry's pkg/registry) on
// 127.0.0.1 with fault injection and request accounting ([New]), and the
// real Debian docker-registry 2.8 in a subprocess, with or without htpasswd
// basic auth ([StartDockerRegistry]).
//
//	reg := ocitest.New(t, ocitest.WithReferrersAPI())
//	reg.AddFault(ocitest.Fault{Match: ocitest.MatchBlobUpload, Status: 503, RetryAfter: time.Second})
//	... push to reg.Host() + "/app:v1.0.0" ...
//	if n := reg.BlobsUploaded(); n != 0 { … } // or reg.Count(ocitest.IsBlobCommit, 201)
package ocitest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/tagship/tagship/internal/double"
	"github.com/tagship/tagship/internal/httpfault"
)

// Fault describes how to disturb matching requests: the module's one fault
// type (internal/httpfault). Match selects requests (nil: every one);
// Status answers with a registry-style JSON error body (with Message);
// Truncate serves the request but cuts its answer; Times 0 or 1 disturbs
// the next matching request, [Always] every one.
type Fault = httpfault.Fault

// Always as Fault.Times disturbs every matching request until ClearFaults.
const Always = httpfault.Always

// Request is one request the registry saw.
type Request struct {
	Method, Path, Query string
	// Status is the status answered (0 for a reset connection).
	Status int
	// Fault is true when an injected fault answered.
	Fault bool
}

// Option configures [New].
type Option func(*config)

type config struct {
	referrers  bool
	user, pass string
	blobDir    string
}

// WithReferrersAPI enables the OCI 1.1 referrers API. Default off, like
// docker-registry 2.8 (clients then use the referrers tag fallback).
func WithReferrersAPI() Option { return func(c *config) { c.referrers = true } }

// WithBasicAuth requires HTTP basic auth with user and pass on every
// request. Default: no auth.
func WithBasicAuth(user, pass string) Option {
	return func(c *config) { c.user, c.pass = user, pass }
}

// WithBlobDir stores blobs on disk under dir instead of in memory (use it
// for large blobs). Default in memory.
func WithBlobDir(dir string) Option { return func(c *config) { c.blobDir = dir } }

// Registry is an in-process OCI registry on 127.0.0.1.
type Registry struct {
	srv *httptest.Server
	cfg config

	mu       sync.Mutex
	faults   httpfault.Queue
	requests []Request
}

// New starts a registry for a test: it fails tb on error and closes the
// registry in tb.Cleanup.
func New(tb testing.TB, opts ...Option) *Registry {
	tb.Helper()
	return double.Start(tb, "ocitest", func() (*Registry, error) { return NewServer(opts...) })
}

// NewServer starts a registry outside a test (a sandbox, an Example, a
// benchmark driver). Call Close when done. In a test, use [New].
func NewServer(opts ...Option) (*Registry, error) {
	r := &Registry{}
	for _, o := range opts {
		o(&r.cfg)
	}
	ropts := []registry.Option{registry.WithReferrersSupport(r.cfg.referrers), registry.Logger(nullLogger())}
	if r.cfg.blobDir != "" {
		ropts = append(ropts, registry.WithBlobHandler(registry.NewDiskBlobHandler(r.cfg.blobDir)))
	}
	inner := registry.New(ropts...)
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.serve(inner, w, req)
	}))
	return r, nil
}

// Close stops the registry.
func (r *Registry) Close() { r.srv.Close() }

// Host returns "127.0.0.1:PORT", the registry part of references.
func (r *Registry) Host() string { return strings.TrimPrefix(r.srv.URL, "http://") }

// URL returns "http://127.0.0.1:PORT".
func (r *Registry) URL() string { return r.srv.URL }

// AddFault arms a fault; faults are tried in the order added.
func (r *Registry) AddFault(f Fault) { r.faults.Add("", f) }

// ClearFaults removes every pending fault.
func (r *Registry) ClearFaults() { r.faults.Clear() }

// Requests returns a copy of the requests seen so far.
func (r *Registry) Requests() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Request(nil), r.requests...)
}

// ResetRequests forgets the requests seen so far.
func (r *Registry) ResetRequests() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests = nil
}

// Count returns how many requests matched m and were answered with
// status (any status when status is 0).
func (r *Registry) Count(m func(Request) bool, status int) int {
	n := 0
	for _, q := range r.Requests() {
		if m(q) && (status == 0 || q.Status == status) {
			n++
		}
	}
	return n
}

// BlobsUploaded counts blob uploads the registry accepted (PUT
// …/blobs/uploads/… answered 201).
func (r *Registry) BlobsUploaded() int { return r.Count(IsBlobCommit, http.StatusCreated) }

// MatchBlobUpload matches every request of a blob upload (POST, PATCH,
// PUT under /blobs/uploads/). Use it as [Fault.Match].
func MatchBlobUpload(q *http.Request) bool { return strings.Contains(q.URL.Path, "/blobs/uploads/") }

// MatchManifestPut matches manifest writes (tags and digests).
func MatchManifestPut(q *http.Request) bool {
	return q.Method == http.MethodPut && strings.Contains(q.URL.Path, "/manifests/")
}

// MatchManifestRead matches GET and HEAD of manifests.
func MatchManifestRead(q *http.Request) bool {
	return (q.Method == http.MethodGet || q.Method == http.MethodHead) && strings.Contains(q.URL.Path, "/manifests/")
}

// IsBlobCommit reports whether a recorded request is the final PUT of a
// blob upload. Use it with [Registry.Count].
func IsBlobCommit(q Request) bool {
	return q.Method == http.MethodPut && strings.Contains(q.Path, "/blobs/uploads/")
}

// MatchTag matches requests for the manifest named tag.
func MatchTag(tag string) func(*http.Request) bool {
	return func(q *http.Request) bool { return strings.HasSuffix(q.URL.Path, "/manifests/"+tag) }
}

// MatchMethodPath matches a method (any when "") and a path containing sub.
func MatchMethodPath(method, sub string) func(*http.Request) bool {
	return func(q *http.Request) bool {
		return (method == "" || q.Method == method) && strings.Contains(q.URL.Path, sub)
	}
}

func (r *Registry) record(q Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests = append(r.requests, q)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (r *Registry) serve(inner http.Handler, w http.ResponseWriter, req *http.Request) {
	q := Request{Method: req.Method, Path: req.URL.Path, Query: req.URL.RawQuery}
	if r.cfg.user != "" {
		u, p, ok := req.BasicAuth()
		if !ok || u != r.cfg.user || p != r.cfg.pass {
			w.Header().Set("WWW-Authenticate", `Basic realm="ocitest"`)
			writeError(w, http.StatusUnauthorized, "UNAUTHORIZED", "authentication required")
			q.Status = http.StatusUnauthorized
			r.record(q)
			return
		}
	}
	if f, ok := r.faults.Take("", req); ok {
		q.Fault = true
		// A client that gives up does not cancel the fault: it is carried
		// out (and recorded) all the same.
		httpfault.Stall(req, f.Stall, nil)
		switch {
		case f.Reset:
			r.record(q)
			httpfault.DiscardBody(req, f.ResetAfter)
			httpfault.Reset(w)
			return
		case f.Status != 0:
			f.WriteHeaders(w.Header())
			code := "UNKNOWN"
			if f.Status == http.StatusTooManyRequests {
				code = "TOOMANYREQUESTS"
			}
			msg := f.Message
			if msg == "" {
				msg = "injected fault"
			}
			writeError(w, f.Status, code, msg)
			q.Status = f.Status
			r.record(q)
			return
		case f.Truncate:
			q.Status = httpfault.ServeTruncated(w, req, inner, f.Keep)
			r.record(q)
			httpfault.Abort()
		}
	}
	sw := &statusWriter{ResponseWriter: w}
	inner.ServeHTTP(sw, req)
	q.Status = sw.status
	r.record(q)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"errors":[{"code":%q,"message":%q}]}`, code, msg)
}
