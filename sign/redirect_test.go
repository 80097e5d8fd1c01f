package sign_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tagship/tagship/sign"
	"github.com/tagship/tagship/sign/signtest"
)

// TestTokenNeverFollowsRedirect: Fulcio answering with a redirect to
// another origin (another port, plain http on another host name) never
// receives the OIDC token there, and a redirect that would replay the
// request body elsewhere is refused.
func TestTokenNeverFollowsRedirect(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		status int
		to     func(port string) string
	}{
		{"302 to another port", http.StatusFound, func(p string) string { return "http://127.0.0.1:" + p + "/api/v2/signingCert" }},
		{"302 to another host name", http.StatusFound, func(p string) string { return "http://localhost:" + p + "/api/v2/signingCert" }},
		{"307 with the body to another port", http.StatusTemporaryRedirect, func(p string) string { return "http://127.0.0.1:" + p + "/api/v2/signingCert" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := signtest.New(t)
			var leaked atomic.Value
			leaked.Store("")
			sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				leaked.Store(r.Header.Get("Authorization"))
				w.WriteHeader(http.StatusServiceUnavailable)
			}))
			defer sink.Close()
			_, port, _ := net.SplitHostPort(sink.Listener.Addr().String())
			st.SetHook(signtest.Fulcio, func(w http.ResponseWriter, r *http.Request) bool {
				http.Redirect(w, r, tc.to(port), tc.status)
				return true
			})
			s, err := st.NewSigner(sign.WithRetry(1, time.Millisecond, time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.SignFile(context.Background(), mkFile(t, t.TempDir(), "f", "data")); err == nil {
				t.Fatal("signing succeeded through a redirect")
			}
			if got := leaked.Load().(string); got != "" {
				t.Fatalf("the OIDC token reached the redirect target: %q", got[:min(len(got), 20)])
			}
		})
	}
}
