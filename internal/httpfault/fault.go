package httpfault

import (
	"net/http"
	"sync"
	"time"
)

// Always as [Fault.Times] makes a fault fire on every matching request
// until the double's faults are cleared.
const Always = -1

// Fault is how a test double misbehaves on matching requests. Every double
// of the module (sign/signtest, oci/ocitest, pypi/pypitest,
// ghrelease/ghreleasetest) takes this one type, under its own name
// (signtest.Fault and so on are aliases). Fields combine in this order:
// Stall first; then Reset; else Status; else Truncate of the real answer;
// a fault with only Stall set serves the request normally afterwards.
type Fault struct {
	// Match selects the requests to disturb; nil matches every request
	// (that reaches the place the fault was added for: a signtest
	// endpoint, a ghreleasetest route).
	Match func(*http.Request) bool
	// Stall waits this long before handling the request (or until the
	// client gives up).
	Stall time.Duration
	// Reset drops the connection without an answer, after reading
	// ResetAfter bytes of the request body (the double's default when 0).
	Reset      bool
	ResetAfter int64
	// Status, when not zero, answers with this status code and the
	// double's native error body carrying Message (the double's default
	// message when "").
	Status  int
	Message string
	// Kind names one of the double's canned answers in place of the plain
	// Status one (ghreleasetest: PrimaryRateLimit, SecondaryRateLimit);
	// "" for none.
	Kind string
	// RetryAfter sets the Retry-After header of a Status answer, in whole
	// seconds rounded up (none when 0; use Header for "0" or an HTTP date).
	RetryAfter time.Duration
	// Header holds extra headers sent verbatim with a Status answer.
	Header http.Header
	// Truncate serves the request for real (its effects happen) but sends
	// only TruncateAfter bytes of the answer's body (half when 0) while
	// announcing its full length, then drops the connection.
	Truncate      bool
	TruncateAfter int64
	// Times is how many matching requests the fault disturbs: 0 or 1 the
	// next one, n the next n, [Always] every one.
	Times int
}

// WriteHeaders sets f's Retry-After and extra headers on h, for a Status
// answer.
func (f Fault) WriteHeaders(h http.Header) {
	SetRetryAfter(h, f.RetryAfter)
	for k, vs := range f.Header {
		h[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
	}
}

// Keep is the TruncateAfter rule as a function for [ServeTruncated]: the
// first TruncateAfter bytes, or half when TruncateAfter is 0.
func (f Fault) Keep(n int) int {
	if f.TruncateAfter > 0 {
		return int(min(f.TruncateAfter, int64(n)))
	}
	return Half(n)
}

// Queue is a double's armed faults, in the order they were added. It is
// safe for concurrent use; the zero value is empty.
type Queue struct {
	mu      sync.Mutex
	entries []*queued
}

type queued struct {
	place string
	f     Fault
	left  int // < 0: always
}

// Add arms f for requests at place, the double's name for where a request
// goes (an endpoint, a route); "" means every place.
func (q *Queue) Add(place string, f Fault) {
	left := f.Times
	if left == 0 {
		left = 1
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.entries = append(q.entries, &queued{place: place, f: f, left: left})
}

// Clear disarms every fault.
func (q *Queue) Clear() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.entries = nil
}

// Take returns the first armed fault for place whose Match accepts r, and
// uses up one of its Times; ok is false when none applies.
func (q *Queue) Take(place string, r *http.Request) (f Fault, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, e := range q.entries {
		if e.place != "" && e.place != place {
			continue
		}
		if e.f.Match != nil && !e.f.Match(r) {
			continue
		}
		if e.left > 0 {
			e.left--
			if e.left == 0 {
				q.entries = append(q.entries[:i:i], q.entries[i+1:]...)
			}
		}
		return e.f, true
	}
	return Fault{}, false
}
