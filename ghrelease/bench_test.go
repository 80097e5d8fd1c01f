package ghrelease

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/tagship/tagship/ghrelease/ghreleasetest"
)

const benchSize = 16 << 20

func benchFile(b *testing.B) string {
	b.Helper()
	p := filepath.Join(b.TempDir(), "big.tar.gz")
	if err := os.WriteFile(p, bytes.Repeat([]byte("0123456789abcdef"), benchSize/16), 0o644); err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkPublish: draft + one 16 MiB asset (hashed before and while
// uploading) + publish, against ghreleasetest. Compare with
// BenchmarkAnchorRawUpload, the same bytes POSTed with plain net/http.
func BenchmarkPublish(b *testing.B) {
	srv := ghreleasetest.New(b)
	path := benchFile(b)
	p, err := New(WithBaseURL(srv.BaseURL(), srv.UploadURL()), WithToken(srv.Token()), WithChecksumsAsset(""))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(benchSize)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := p.Publish(context.Background(), Release{Owner: "o", Repo: "r", Tag: fmt.Sprintf("v0.0.%d", i), Assets: []Asset{{Path: path}}}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAnchorRawUpload: the anchor — one POST of the file to the same
// server's upload endpoint, no API calls, no hashing.
func BenchmarkAnchorRawUpload(b *testing.B) {
	srv := ghreleasetest.New(b)
	path := benchFile(b)
	b.SetBytes(benchSize)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		rel := srv.AddRelease("o", "r", ghreleasetest.Release{Tag: fmt.Sprintf("v0.0.%d", i), Draft: true})
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%srepos/o/r/releases/%d/assets?name=big.tar.gz", srv.UploadURL(), rel.ID), f)
		req.ContentLength = benchSize
		req.Header.Set("Content-Type", "application/gzip")
		req.Header.Set("Authorization", "token "+srv.Token())
		resp, err := http.DefaultClient.Do(req)
		f.Close()
		if err != nil || resp.StatusCode != http.StatusCreated {
			b.Fatal(err, resp)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}
