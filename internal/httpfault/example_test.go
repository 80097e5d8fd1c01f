package httpfault_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/tagship/tagship/internal/httpfault"
)

// A double's truncation fault: the handler runs in full, the client gets
// the full Content-Length but half the body, then the connection ends.
func ExampleServeTruncated() {
	answer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"id":42,"state":"uploaded"}`)
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpfault.ServeTruncated(w, r, answer, httpfault.Half)
		httpfault.Abort()
	}))
	defer srv.Close()

	resp, err := http.Get(srv.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	fmt.Println(resp.ContentLength, string(body), errors.Is(err, io.ErrUnexpectedEOF))
	// Output: 28 {"id":42,"stat true
}

func ExampleSetRetryAfter() {
	h := http.Header{}
	httpfault.SetRetryAfter(h, 1500*time.Millisecond)
	fmt.Println(h.Get("Retry-After"))
	// Output: 2
}
