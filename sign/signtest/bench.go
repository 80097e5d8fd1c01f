package signtest

import (
	"context"
	"crypto/sha256"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// WriteRandomFile writes size pseudo-random bytes to path, streaming.
func WriteRandomFile(path string, size int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	var seed [32]byte
	r := rand.NewChaCha8(seed)
	if _, err := io.CopyN(f, r, size); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// BenchmarkSignFile measures sign.Signer.SignFile on a size-byte file
// against a fresh double (b.SetBytes(size), so `go test -bench` reports
// MB/s). Call it from a Benchmark function or testing.Benchmark; compare
// with BenchmarkSHA256Floor on the same size for the hashing-floor ratio.
func BenchmarkSignFile(b *testing.B, size int64) {
	st := New(b)
	s, err := st.NewSigner()
	if err != nil {
		b.Fatal(err)
	}
	p := filepath.Join(b.TempDir(), "artifact.bin")
	if err := WriteRandomFile(p, size); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	// First signature fetches the certificate: keep it out of the loop.
	if _, err := s.SignDigest(ctx, make([]byte, 32)); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.SignFile(ctx, p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSHA256Floor measures plain crypto/sha256 over a size-byte file
// read with the same 1 MiB buffer: the floor SignFile is compared with.
func BenchmarkSHA256Floor(b *testing.B, size int64) {
	p := filepath.Join(b.TempDir(), "artifact.bin")
	if err := WriteRandomFile(p, size); err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 1<<20)
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f, err := os.Open(p)
		if err != nil {
			b.Fatal(err)
		}
		h := sha256.New()
		if _, err := io.CopyBuffer(h, f, buf); err != nil {
			b.Fatal(err)
		}
		f.Close()
		h.Sum(nil)
	}
}
