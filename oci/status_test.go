package oci

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// TestWithStatus: a registry error always names its HTTP status, whether
// go-containerregistry wrote it (no error body) or left it out (an error
// body, "UNKNOWN: …"), and whatever digits the request's URL holds: a
// loopback port such as 45033 once hid a 503.
func TestWithStatus(t *testing.T) {
	t.Parallel()
	req := func(method, rawURL string) *http.Request {
		u, err := url.Parse(rawURL)
		if err != nil {
			t.Fatal(err)
		}
		return &http.Request{Method: method, URL: u}
	}
	diag := []transport.Diagnostic{{Code: "UNKNOWN", Message: "injected fault"}}
	status := regexp.MustCompile(`\b503\b`)
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"error body", &transport.Error{StatusCode: 503, Errors: diag, Request: req(http.MethodGet, "http://127.0.0.1:8080/v2/o/r/manifests/v1.0.0")}},
		{"error body, 503 in the port", &transport.Error{StatusCode: 503, Errors: diag, Request: req(http.MethodGet, "http://127.0.0.1:45033/v2/o/r/manifests/v1.0.0")}},
		{"error body, 503 in the path", &transport.Error{StatusCode: 503, Errors: diag, Request: req(http.MethodGet, "http://r.example/v2/o/r5030/manifests/v1.0.0")}},
		{"no body (HEAD)", &transport.Error{StatusCode: 503, Request: req(http.MethodHead, "http://127.0.0.1:45033/v2/o/r/manifests/v1.0.0")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := withStatus(tc.err)
			if !status.MatchString(got.Error()) {
				t.Errorf("withStatus: %q does not name HTTP 503", got)
			}
			if strings.Count(got.Error(), "503 Service Unavailable") > 1 {
				t.Errorf("withStatus: %q names the status twice", got)
			}
			var te *transport.Error
			if !errors.As(got, &te) || te.StatusCode != 503 {
				t.Errorf("withStatus: %v no longer unwraps to the transport error", got)
			}
		})
	}
	if err := errors.New("not a registry error"); withStatus(err) != err {
		t.Error("withStatus changed an error that is not the registry's")
	}
}
