package verify

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// reportShape is a report without timings: artifacts in order, each with
// its checks and their outcomes.
func reportShape(r *Report) string {
	var b strings.Builder
	for _, a := range r.Artifacts {
		fmt.Fprintf(&b, "%s %s %s\n", a.Kind, a.Name, a.SHA256)
		for _, c := range a.Checks {
			fmt.Fprintf(&b, "  %s %s\n", c.Name, c.Status)
		}
	}
	return b.String()
}

// The report is the same whether the files are verified one at a time or
// concurrently, online and offline.
func TestVerifyReleaseConcurrencyDoesNotChangeTheReport(t *testing.T) {
	t.Parallel()
	f := newVerifyTFixture(t, verifyTOptions{})
	var online, offline []string
	for _, n := range []int{1, 16} {
		cfg := f.config()
		cfg.Concurrency = n
		cfg.DownloadDir = t.TempDir()
		r, err := Release(context.Background(), cfg)
		if err != nil {
			t.Fatalf("concurrency %d: %v\n%s", n, err, r)
		}
		online = append(online, reportShape(r))
		off := Config{Repository: verifyTRepo, Version: "v1.0.0", Dir: cfg.DownloadDir, Verifier: f.verifier, Concurrency: n}
		r2, err := Release(context.Background(), off)
		if err != nil {
			t.Fatalf("offline, concurrency %d: %v\n%s", n, err, r2)
		}
		offline = append(offline, reportShape(r2))
	}
	if online[0] != online[1] {
		t.Errorf("online reports differ:\n%s\n---\n%s", online[0], online[1])
	}
	if offline[0] != offline[1] {
		t.Errorf("offline reports differ:\n%s\n---\n%s", offline[0], offline[1])
	}
	if !strings.Contains(online[0], verifyTWheel) || !strings.Contains(offline[0], verifyTSdist) {
		t.Errorf("reports lack the distributions:\n%s\n%s", online[0], offline[0])
	}
}
