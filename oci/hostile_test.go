package oci

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
)

// TestRegistryErrorQuotingCredentialsIsRedacted: a registry whose error
// answers (body, reason phrase, a header) quote the Authorization header
// it received leaks neither the password nor its Basic form into the
// error or the log.
func TestRegistryErrorQuotingCredentialsIsRedacted(t *testing.T) {
	t.Parallel()
	const user, pass = "ci-robot", "registry-s3cret-password-0042"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		if auth == "" {
			w.Header().Set("WWW-Authenticate", `Basic realm="hostile"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if r.Method == http.MethodHead || r.URL.Path == "/v2/" {
			w.WriteHeader(map[bool]int{true: http.StatusNotFound, false: http.StatusOK}[r.Method == http.MethodHead])
			return
		}
		_, p, _ := r.BasicAuth()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Debug-Auth", auth)
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, `{"errors":[{"code":"DENIED","message":"denied for Authorization: %s (password %s)"}]}`, auth, p)
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	var logs bytes.Buffer
	kc := staticKeychain{host, authn.AuthConfig{Username: user, Password: pass}}
	_, err := Push(context.Background(), twoPlatformIndex(t), host+"/app:v1.0.0", WithKeychain(kc),
		WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		fastRetry)
	if err == nil {
		t.Fatal("push succeeded")
	}
	basic := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	for what, out := range map[string]string{"error": err.Error(), "log": logs.String()} {
		if strings.Contains(out, pass[:16]) || strings.Contains(out, basic[:16]) {
			t.Fatalf("%s leaks the registry credentials: %s", what, out)
		}
	}
	if !strings.Contains(err.Error(), "DENIED") {
		t.Fatalf("the registry's own message is lost: %v", err)
	}
}
