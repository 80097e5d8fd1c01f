package pypi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tagship/tagship/internal/safehttp"
	"github.com/tagship/tagship/pypi"
	"github.com/tagship/tagship/pypi/pypitest"
)

// TestUploadErrorQuotingTokenIsRedactedBeforeTruncation: an index that
// quotes the upload token (raw and in its Basic form) late in a long
// message, past where the message is shortened, leaks no part of it:
// secrets are cut before the message is.
func TestUploadErrorQuotingTokenIsRedactedBeforeTruncation(t *testing.T) {
	t.Parallel()
	const token = "pypi-AgEIcHlwaS5vcmcCJDk2YjQ3ZjU4LTlmMDgtNDc1Ny1iZWE4LTg1ZDBkMzk0OWQ0NAACKlszLCJhYmMiXQAABiDSecretTail"
	for _, pad := range []int{0, 450, 480, 495} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, pass, _ := r.BasicAuth()
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte("<html><body>" + strings.Repeat("x", pad) + " invalid credentials " + pass + " header " + r.Header.Get("Authorization") + "</body></html>"))
		}))
		var logs bytes.Buffer
		c, err := pypi.New(srv.URL, pypi.WithAPIToken(token), pypi.WithSkipExisting(false),
			pypi.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
		if err != nil {
			t.Fatal(err)
		}
		p, err := pypitest.WriteWheel(t.TempDir(), "demo", "1.0.0", 64)
		if err != nil {
			t.Fatal(err)
		}
		d, err := pypi.OpenDistribution(p)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Upload(context.Background(), d)
		srv.Close()
		if err == nil {
			t.Fatal("upload succeeded")
		}
		for _, out := range []string{err.Error(), logs.String()} {
			for i := 0; i+12 <= len(token); i += 6 {
				if strings.Contains(out, token[i:i+12]) {
					t.Fatalf("pad %d: %q of the token survives in %q", pad, token[i:i+12], out)
				}
			}
		}
	}
}

// TestDownloadCappedAtListedSize: an endless body for a file the index
// lists as 6 bytes is refused as it is read, and not retried.
func TestDownloadCappedAtListedSize(t *testing.T) {
	t.Parallel()
	data := []byte("wheel!")
	sum := sha256.Sum256(data)
	var hits int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		chunk := bytes.Repeat([]byte("y"), 4096)
		for range 1 << 14 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	x, err := pypi.NewIndex(srv.URL, pypi.WithRetry(pypi.RetryPolicy{Attempts: 3, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	f := pypi.IndexFile{Filename: "demo-1.0.0-py3-none-any.whl", URL: srv.URL + "/files/demo-1.0.0-py3-none-any.whl", SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data))}
	start := time.Now()
	_, err = x.Download(context.Background(), f, filepath.Join(t.TempDir(), f.Filename))
	if !errors.Is(err, safehttp.ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	if hits != 1 || time.Since(start) > 3*time.Second {
		t.Fatalf("%d requests in %s: an oversized answer is not retried or read to its end", hits, time.Since(start))
	}
}

// TestUploadSuccessNotBelieved: an HTML page answered with 200 to the
// upload (a proxy, a login page) is not success: the file must then be
// listed on the index with its hash, and here it is not.
func TestUploadSuccessNotBelieved(t *testing.T) {
	t.Parallel()
	e := newTPEnv(t)
	e.srv.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/legacy/" {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html><body>Welcome! Please sign in.</body></html>"))
			return true
		}
		return false
	})
	p, err := pypitest.WriteWheel(t.TempDir(), "demo", "1.0.0", 64)
	if err != nil {
		t.Fatal(err)
	}
	d, err := pypi.OpenDistribution(p)
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.client(t).Upload(context.Background(), d)
	if !errors.Is(err, pypi.ErrNotListed) {
		t.Fatalf("err = %v, results %+v: want ErrNotListed", err, res)
	}
	if len(res) != 0 {
		t.Fatalf("a result was recorded: %+v", res)
	}
}
