package signtest

import (
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/tagship/tagship/internal/httpfault"
)

// Endpoint names one service of the double for fault injection and request
// counting.
type Endpoint string

// The endpoints of a Sigstore double.
const (
	// Issuer is the OIDC issuer: discovery, JWKS and the GitHub Actions
	// token endpoint.
	Issuer Endpoint = "issuer"
	// Fulcio is the certificate authority (/api/v2/signingCert, trust bundle).
	Fulcio Endpoint = "fulcio"
	// Rekor is the transparency logs (Rekor v1 and v2 APIs).
	Rekor Endpoint = "rekor"
	// TSA is the RFC 3161 timestamp authority (/api/v1/timestamp…).
	TSA Endpoint = "tsa"
)

// Always as Fault.Times makes a fault permanent (until ClearFaults).
const Always = -1

// Fault describes how the next requests to an endpoint misbehave. Fields
// combine: Stall first, then Reset, else Status, else Truncate of the real
// answer.
type Fault struct {
	// Status answers with this HTTP status and a JSON error body (0: none).
	Status int
	// RetryAfter adds a Retry-After header (whole seconds, rounded up).
	RetryAfter time.Duration
	// Reset closes the TCP connection abruptly (RST) without answering.
	Reset bool
	// Stall waits this long before handling (or until the client gives up).
	Stall time.Duration
	// Truncate sends the real answer's headers (with its full
	// Content-Length) but only half its body, then drops the connection.
	Truncate bool
	// Times is how many requests the fault affects: 0 or 1 means the next
	// one, Always means every one.
	Times int
}

type faultQueue struct {
	mu     sync.Mutex
	faults map[Endpoint][]*Fault
	hooks  map[Endpoint]func(http.ResponseWriter, *http.Request) bool
	count  map[Endpoint]int
}

func newFaultQueue() *faultQueue {
	return &faultQueue{faults: map[Endpoint][]*Fault{}, hooks: map[Endpoint]func(http.ResponseWriter, *http.Request) bool{}, count: map[Endpoint]int{}}
}

func (q *faultQueue) next(ep Endpoint) (*Fault, func(http.ResponseWriter, *http.Request) bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.count[ep]++
	hook := q.hooks[ep]
	fs := q.faults[ep]
	if len(fs) == 0 {
		return nil, hook
	}
	f := *fs[0]
	switch {
	case fs[0].Times == Always:
	case fs[0].Times > 1:
		fs[0].Times--
	default:
		q.faults[ep] = fs[1:]
	}
	return &f, hook
}

// wrap applies hooks and faults of ep around h.
func (q *faultQueue) wrap(ep Endpoint, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, hook := q.next(ep)
		if hook != nil && hook(w, r) {
			return
		}
		if f == nil {
			h.ServeHTTP(w, r)
			return
		}
		if f.Stall > 0 {
			// Read the body first: the server notices a client that gives
			// up only once the request body has been consumed.
			httpfault.BufferBody(r, 64<<20)
			if !httpfault.Stall(r, f.Stall, nil) {
				return
			}
		}
		switch {
		case f.Reset:
			httpfault.Reset(w)
			return
		case f.Status != 0:
			httpfault.SetRetryAfter(w.Header(), f.RetryAfter)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(f.Status)
			fmt.Fprintf(w, `{"code":%d,"message":"signtest: injected fault"}`, f.Status)
			return
		case f.Truncate:
			httpfault.ServeTruncated(w, r, h, httpfault.Half)
			httpfault.Abort()
		default:
			h.ServeHTTP(w, r)
		}
	})
}

// Fail queues a fault for the next requests to ep. Faults queue in order:
// Fail(Fulcio, Fault{Status: 503, Times: 2}) fails the next two Fulcio
// requests with 503.
func (s *Sigstore) Fail(ep Endpoint, f Fault) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.faults[ep] = append(s.faults.faults[ep], &f)
}

// ClearFaults drops all queued faults and hooks.
func (s *Sigstore) ClearFaults() {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.faults = map[Endpoint][]*Fault{}
	s.faults.hooks = map[Endpoint]func(http.ResponseWriter, *http.Request) bool{}
}

// SetHook installs h in front of ep (nil removes it). h sees every request
// first; returning true means it answered and the endpoint is skipped.
func (s *Sigstore) SetHook(ep Endpoint, h func(w http.ResponseWriter, r *http.Request) (handled bool)) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	if h == nil {
		delete(s.faults.hooks, ep)
		return
	}
	s.faults.hooks[ep] = h
}

// Requests returns how many requests ep received (including faulted ones).
func (s *Sigstore) Requests(ep Endpoint) int {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	return s.faults.count[ep]
}
