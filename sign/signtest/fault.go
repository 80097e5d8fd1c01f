package signtest

import (
	"fmt"
	"net/http"
	"sync"

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
const Always = httpfault.Always

// Fault describes how the next requests to an endpoint misbehave: the
// module's one fault type (internal/httpfault). Fields combine: Stall
// first, then Reset, else Status (a JSON error body with Message), else
// Truncate of the real answer. Times: 0 or 1 means the next request,
// Always every one.
type Fault = httpfault.Fault

type faultQueue struct {
	httpfault.Queue
	mu    sync.Mutex
	hooks map[Endpoint]func(http.ResponseWriter, *http.Request) bool
	count map[Endpoint]int
}

func newFaultQueue() *faultQueue {
	return &faultQueue{hooks: map[Endpoint]func(http.ResponseWriter, *http.Request) bool{}, count: map[Endpoint]int{}}
}

func (q *faultQueue) next(ep Endpoint, r *http.Request) (*Fault, func(http.ResponseWriter, *http.Request) bool) {
	q.mu.Lock()
	q.count[ep]++
	hook := q.hooks[ep]
	q.mu.Unlock()
	f, ok := q.Take(string(ep), r)
	if !ok {
		return nil, hook
	}
	return &f, hook
}

// wrap applies hooks and faults of ep around h.
func (q *faultQueue) wrap(ep Endpoint, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, hook := q.next(ep, r)
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
			httpfault.DiscardBody(r, f.ResetAfter)
			httpfault.Reset(w)
			return
		case f.Status != 0:
			f.WriteHeaders(w.Header())
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(f.Status)
			msg := f.Message
			if msg == "" {
				msg = "signtest: injected fault"
			}
			fmt.Fprintf(w, `{"code":%d,"message":%q}`, f.Status, msg)
			return
		case f.Truncate:
			httpfault.ServeTruncated(w, r, h, f.Keep)
			httpfault.Abort()
		default:
			h.ServeHTTP(w, r)
		}
	})
}

// AddFault queues a fault for the next requests to ep. Faults queue in
// order: AddFault(Fulcio, Fault{Status: 503, Times: 2}) fails the next two
// Fulcio requests with 503.
func (s *Sigstore) AddFault(ep Endpoint, f Fault) { s.faults.Add(string(ep), f) }

// ClearFaults drops all queued faults and hooks.
func (s *Sigstore) ClearFaults() {
	s.faults.Clear()
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
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
