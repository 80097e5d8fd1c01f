package sign_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tagship/tagship/sign"
	"github.com/tagship/tagship/sign/signtest"
)

// One Signer shared by many goroutines signing files, digests and DSSE
// statements at once (run with -race): every signature verifies, all carry
// the one certificate, which Fulcio issued once.
func TestSignerConcurrentUse(t *testing.T) {
	t.Parallel()
	for _, rekor := range []uint32{1, 2} {
		t.Run(fmt.Sprintf("rekor v%d", rekor), func(t *testing.T) {
			t.Parallel()
			st := signtest.New(t, signtest.WithRekorVersion(rekor))
			s, err := st.NewSigner()
			if err != nil {
				t.Fatal(err)
			}
			v, err := sign.NewVerifier(st.VerifierOptions()...)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			ctx := context.Background()
			const n = 12
			var wg sync.WaitGroup
			certs := make([][]byte, 3*n)
			errs := make([]error, 3*n)
			for i := range n {
				path := filepath.Join(dir, fmt.Sprintf("f%02d.whl", i))
				if err := os.WriteFile(path, []byte(fmt.Sprintf("file %d", i)), 0o644); err != nil {
					t.Fatal(err)
				}
				wg.Add(3)
				go func() {
					defer wg.Done()
					fs, err := s.SignFile(ctx, path)
					if err == nil {
						_, err = v.VerifyFile(ctx, path, fs.BundlePath, st.Policy())
						certs[3*i] = fs.Bundle.GetVerificationMaterial().GetCertificate().GetRawBytes()
					}
					errs[3*i] = err
				}()
				go func() {
					defer wg.Done()
					d := sha256.Sum256([]byte(fmt.Sprintf("digest %d", i)))
					b, err := s.SignDigest(ctx, d[:])
					if err == nil {
						_, err = v.VerifyDigest(ctx, b, d[:], st.Policy())
						certs[3*i+1] = b.GetVerificationMaterial().GetCertificate().GetRawBytes()
					}
					errs[3*i+1] = err
				}()
				go func() {
					defer wg.Done()
					d := sha256.Sum256([]byte(fmt.Sprintf("statement %d", i)))
					stmt := fmt.Sprintf(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"f%02d","digest":{"sha256":"%x"}}],"predicateType":"https://example.com/test/v1","predicate":{}}`, i, d)
					b, err := s.SignDSSE(ctx, "application/vnd.in-toto+json", []byte(stmt))
					if err == nil {
						certs[3*i+2] = b.GetVerificationMaterial().GetCertificate().GetRawBytes()
					}
					errs[3*i+2] = err
				}()
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("signature %d: %v", i, err)
				}
			}
			for i, c := range certs {
				if string(c) != string(certs[0]) || len(c) == 0 {
					t.Errorf("signature %d carries another certificate", i)
				}
			}
			if got := st.Requests(signtest.Fulcio); got != 1 {
				t.Errorf("Fulcio was asked %d times, want once for the shared key", got)
			}
		})
	}
}
