package pypi_test

import (
	"context"
	"crypto/sha256"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/tagship/tagship/pypi"
	"github.com/tagship/tagship/pypi/pypitest"
)

// downloadBenchSetup uploads one large wheel (TAGSHIP_BENCH_SIZE_MB,
// default 64 MiB) to pypitest and returns the index and its file.
func downloadBenchSetup(b *testing.B) (*pypi.Index, pypi.IndexFile, int64) {
	size := benchSize(64)
	path, err := pypitest.WriteWheel(b.TempDir(), "benchpkg", "1.0.0", size)
	if err != nil {
		b.Fatal(err)
	}
	srv, err := pypitest.NewServer(pypitest.WithAPIToken("pypi-bench"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv.Close)
	d, err := pypi.OpenDistribution(path)
	if err != nil {
		b.Fatal(err)
	}
	c, _ := pypi.New(srv.UploadURL(), pypi.WithAPIToken("pypi-bench"))
	if _, err := c.Upload(context.Background(), d); err != nil {
		b.Fatal(err)
	}
	x, err := pypi.NewIndex(srv.URL)
	if err != nil {
		b.Fatal(err)
	}
	files, err := x.VersionFiles(context.Background(), "benchpkg", "1.0.0")
	if err != nil {
		b.Fatal(err)
	}
	return x, files[0], d.Size
}

// BenchmarkIndexDownload: Index.Download of one large wheel from pypitest
// on loopback (streamed to a file, hashed while written, renamed).
// Compare with BenchmarkIndexDownloadFloor on the same size.
func BenchmarkIndexDownload(b *testing.B) {
	x, f, size := downloadBenchSetup(b)
	dst := filepath.Join(b.TempDir(), f.Filename)
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		if _, err := x.Download(context.Background(), f, dst); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIndexDownloadFloor is the anchor: a plain GET of the same file
// copied into a file through sha256, without checks, temp file or rename.
func BenchmarkIndexDownloadFloor(b *testing.B) {
	_, f, size := downloadBenchSetup(b)
	dst := filepath.Join(b.TempDir(), f.Filename)
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		resp, err := http.Get(f.URL)
		if err != nil {
			b.Fatal(err)
		}
		out, err := os.Create(dst)
		if err != nil {
			b.Fatal(err)
		}
		h := sha256.New()
		if _, err := io.Copy(io.MultiWriter(out, h), resp.Body); err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		out.Close()
	}
}
