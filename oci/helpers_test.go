package oci

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// fastRetry keeps fault tests quick.
var fastRetry = WithRetryBackoff(remote.Backoff{Duration: 5 * time.Millisecond, Factor: 2, Steps: 4})

func testLogger(t testing.TB) Option {
	if os.Getenv("TAGSHIP_OCI_DEBUG") != "" {
		return WithLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})))
	}
	return WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// writeTree creates files (path → content) under a new temp dir.
func writeTree(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, c := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// randomDir creates a dir with one random file of size n.
func randomDir(t testing.TB, n int64) string {
	t.Helper()
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "blob.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.CopyN(f, rand.Reader, n); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// twoPlatformIndex assembles a linux/amd64 + linux/arm64 index from small
// random directories.
func twoPlatformIndex(t testing.TB, opts ...Option) *Index {
	t.Helper()
	idx, err := Assemble(context.Background(), []PlatformSource{
		{Platform: "linux/amd64", Layer: LayerSpec{Dir: randomDir(t, 4096), Prefix: "/app"}},
		{Platform: "linux/arm64", Layer: LayerSpec{Dir: randomDir(t, 4096), Prefix: "/app"}},
	}, append([]Option{WithTempDir(t.TempDir())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	return idx
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
