package httpfault

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestQueue(t *testing.T) {
	t.Parallel()
	get := httptest.NewRequest(http.MethodGet, "/a", nil)
	post := httptest.NewRequest(http.MethodPost, "/a", nil)
	var q Queue
	if _, ok := q.Take("x", get); ok {
		t.Fatal("empty queue gave a fault")
	}
	q.Add("x", Fault{Status: 503, Times: 2})
	q.Add("", Fault{Status: 500, Match: func(r *http.Request) bool { return r.Method == http.MethodPost }})
	q.Add("y", Fault{Status: 429, Times: Always})
	for i, want := range []struct {
		place string
		r     *http.Request
		ok    bool
		code  int
	}{
		{"x", get, true, 503},
		{"z", get, false, 0}, // the POST-only wildcard does not match a GET
		{"x", get, true, 503},
		{"x", get, false, 0}, // used up
		{"z", post, true, 500},
		{"z", post, false, 0},
		{"y", get, true, 429},
		{"y", get, true, 429},
	} {
		f, ok := q.Take(want.place, want.r)
		if ok != want.ok || f.Status != want.code {
			t.Fatalf("step %d: Take(%q) = %+v, %v; want %d, %v", i, want.place, f, ok, want.code, want.ok)
		}
	}
	q.Clear()
	if _, ok := q.Take("y", get); ok {
		t.Fatal("Clear left a fault armed")
	}
}

func TestFaultHelpers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		f       Fault
		n, keep int
	}{{Fault{}, 10, 5}, {Fault{TruncateAfter: 3}, 10, 3}, {Fault{TruncateAfter: 30}, 10, 10}} {
		if got := tc.f.Keep(tc.n); got != tc.keep {
			t.Errorf("%+v.Keep(%d) = %d, want %d", tc.f, tc.n, got, tc.keep)
		}
	}
	h := http.Header{}
	Fault{RetryAfter: 1500 * time.Millisecond, Header: http.Header{"x-extra": {"1"}}}.WriteHeaders(h)
	if h.Get("Retry-After") != "2" || h.Get("X-Extra") != "1" {
		t.Errorf("WriteHeaders: %v", h)
	}
	h = http.Header{}
	Fault{Header: http.Header{"Retry-After": {"0"}}}.WriteHeaders(h)
	if h.Get("Retry-After") != "0" {
		t.Errorf("a verbatim Retry-After: 0 was lost: %v", h)
	}
}
