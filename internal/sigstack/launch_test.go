package sigstack_test

import (
	"context"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/tagship/tagship/internal/interop"
	"github.com/tagship/tagship/internal/sigstack"
)

// TestLaunch starts the stack outside the test helper: it must be up when
// Launch returns, and Close must stop every service and remove its
// directory (and may be called twice).
func TestLaunch(t *testing.T) {
	for _, name := range []string{"cosign", "fulcio", "tesseract", "timestamp-server", "rekor-server"} {
		interop.Tool(t, name)
	}
	iss := newIssuer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := sigstack.Launch(ctx, iss.url, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(s.FulcioURL + "/api/v2/trustBundle")
	if err != nil {
		s.Close()
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, err := os.Stat(s.TrustedRootPath); err != nil {
		t.Error(err)
	}
	s.Close()
	s.Close()
	if _, err := os.Stat(s.Dir); !os.IsNotExist(err) {
		t.Errorf("stack directory %s still there after Close (stat: %v)", s.Dir, err)
	}
	client := &http.Client{Timeout: 2 * time.Second}
	if resp, err := client.Get(s.FulcioURL + "/api/v2/trustBundle"); err == nil {
		resp.Body.Close()
		t.Errorf("Fulcio still answers after Close")
	}
}

func TestLaunchRejectsBadIssuer(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"", "127.0.0.1:80", "ftp://127.0.0.1/"} {
		if s, err := sigstack.Launch(context.Background(), bad, nil); err == nil {
			s.Close()
			t.Errorf("Launch(%q) succeeded", bad)
		}
	}
}
