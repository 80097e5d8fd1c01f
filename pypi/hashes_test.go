package pypi

import (
	"crypto/md5" //nolint:gosec // PyPI's legacy upload API still takes md5_digest
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"testing"

	"golang.org/x/crypto/blake2b"
)

// TestHashes checks the three digests against one-shot sums whatever the
// size hint (smaller, equal, larger than the data, or none) and however
// the data is cut into writes, and that the buffers stay within bounds.
func TestHashes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		size, hint  int
		chunk       int
		wantBufSize int
	}{
		{"empty", 0, 0, 1, minHashBufSize},
		{"tiny, exact hint", 100, 100, 7, minHashBufSize},
		{"small file, one buffer", 64 << 10, 64 << 10, 32 << 10, 64 << 10},
		{"hint too small: more buffers reused", 3<<20 + 5, 40 << 10, 1 << 16, 40 << 10},
		{"hint too large", 1000, 8 << 20, 333, hashBufSize},
		{"big file, big writes", 5<<20 + 1, 5<<20 + 1, 3 << 20, hashBufSize},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			data := make([]byte, tt.size)
			r := rand.New(rand.NewPCG(uint64(tt.size), 1))
			for i := range data {
				data[i] = byte(r.Uint32())
			}
			h := newHashes(int64(tt.hint))
			if h.bufSize != tt.wantBufSize {
				t.Errorf("buffer size %d, want %d", h.bufSize, tt.wantBufSize)
			}
			for p := data; len(p) > 0; {
				n := min(tt.chunk, len(p))
				if _, err := h.Write(p[:n]); err != nil {
					t.Fatal(err)
				}
				p = p[n:]
			}
			var d Distribution
			h.fill(&d)
			if h.allocated > hashBufs {
				t.Errorf("%d buffers allocated, want at most %d", h.allocated, hashBufs)
			}
			sha := sha256.Sum256(data)
			b2 := blake2b.Sum256(data)
			md := md5.Sum(data) //nolint:gosec
			if d.Size != int64(tt.size) || d.SHA256 != hex.EncodeToString(sha[:]) ||
				d.BLAKE2b256 != hex.EncodeToString(b2[:]) || d.MD5 != hex.EncodeToString(md[:]) {
				t.Errorf("got size %d sha256 %s blake2b %s md5 %s; want %d %x %x %x",
					d.Size, d.SHA256, d.BLAKE2b256, d.MD5, tt.size, sha, b2, md)
			}
		})
	}
}
