package sign_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/sigstore/sigstore-go/pkg/bundle"

	"github.com/tagship/tagship/sign"
	"github.com/tagship/tagship/sign/signtest"
)

// TestTransparencyLogThreshold: raising WithTransparencyLogThreshold makes a
// bundle with fewer entries (from distinct trusted logs) fail, and a bundle
// logged in two logs pass.
func TestTransparencyLogThreshold(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := signtest.New(t)
	d := sha256.Sum256([]byte("artifact"))
	// Both of the double's logs are in its trusted root.
	two, err := st.NewSigner(sign.WithRekorURL(st.RekorV2URL(), 2))
	if err != nil {
		t.Fatal(err)
	}
	b2, err := two.SignDigest(ctx, d[:])
	if err != nil {
		t.Fatal(err)
	}
	if n := len(b2.VerificationMaterial.TlogEntries); n != 2 {
		t.Fatalf("%d log entries, want 2", n)
	}
	one, err := st.NewSigner()
	if err != nil {
		t.Fatal(err)
	}
	b1, err := one.SignDigest(ctx, d[:])
	if err != nil {
		t.Fatal(err)
	}
	// The same log twice is not two logs.
	dup := cloneBundle(t, b1, func(b *bundle.Bundle) {
		b.VerificationMaterial.TlogEntries = append(b.VerificationMaterial.TlogEntries, b.VerificationMaterial.TlogEntries[0])
	})

	v1, err := st.NewVerifier()
	if err != nil {
		t.Fatal(err)
	}
	v2, err := st.NewVerifier(sign.WithTransparencyLogThreshold(2))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		v    *sign.Verifier
		b    *bundle.Bundle
		ok   bool
	}{
		{"threshold 1, one entry", v1, b1, true},
		{"threshold 1, two entries", v1, b2, true},
		{"threshold 2, two entries", v2, b2, true},
		{"threshold 2, one entry", v2, b1, false},
		{"threshold 2, one entry twice", v2, dup, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.v.VerifyDigest(ctx, tc.b, d[:], st.Policy())
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var ve *sign.VerificationError
			if !errors.Is(err, sign.ErrNotInLog) || !errors.As(err, &ve) || !strings.Contains(ve.Expected, "2 distinct") {
				t.Fatalf("want ErrNotInLog expecting 2 distinct logs, got %v", err)
			}
		})
	}
	if _, err := sign.NewVerifier(sign.WithTransparencyLogThreshold(0)); !errors.Is(err, sign.ErrConfig) {
		t.Errorf("threshold 0: want ErrConfig, got %v", err)
	}
}

// TestSCTThreshold: the Signer's WithSCTThreshold and the Verifier's
// WithVerifierSCTThreshold are enforced: the double's Fulcio embeds one
// SCT, so requiring two makes signing fail closed (no bundle written) and
// verification fail.
func TestSCTThreshold(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := signtest.New(t)
	dir := t.TempDir()

	art := mkFile(t, dir, "a", "artifact")
	s1, err := st.NewSigner(sign.WithSCTThreshold(1))
	if err != nil {
		t.Fatal(err)
	}
	fs, err := s1.SignFile(ctx, art)
	if err != nil {
		t.Fatalf("one SCT required, one embedded: %v", err)
	}

	strict := mkFile(t, dir, "b", "artifact")
	s2, err := st.NewSigner(sign.WithSCTThreshold(2))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s2.SignFile(ctx, strict); !errors.Is(err, sign.ErrUntrustedCertificate) {
		t.Fatalf("two SCTs required, one embedded: want ErrUntrustedCertificate, got %v", err)
	}
	if _, err := os.Stat(strict + ".sigstore.json"); !os.IsNotExist(err) {
		t.Fatalf("bundle written although self-verification failed: %v", err)
	}

	v, err := st.NewVerifier(sign.WithVerifierSCTThreshold(2))
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.VerifyFile(ctx, art, fs.BundlePath, st.Policy())
	var ve *sign.VerificationError
	if !errors.Is(err, sign.ErrUntrustedCertificate) || !errors.As(err, &ve) || !strings.Contains(ve.Expected, "2 embedded SCTs") {
		t.Fatalf("verifier requiring two SCTs: want ErrUntrustedCertificate, got %v", err)
	}
	if _, err := sign.NewSigner(sign.WithSCTThreshold(0)); !errors.Is(err, sign.ErrConfig) {
		t.Errorf("WithSCTThreshold(0): want ErrConfig, got %v", err)
	}
}
