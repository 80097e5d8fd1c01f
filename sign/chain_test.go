package sign

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"
)

// TestCheckChainNamesTimeProblems: a chain that is cryptographically sound
// but not valid when the leaf was issued names the certificate or trusted
// root window that excludes it; a chain to another CA says it does not
// chain. Both are ErrUntrustedCertificate.
func TestCheckChainNamesTimeProblems(t *testing.T) {
	t.Parallel()
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	newCA := func(name string, from, to time.Time) (*x509.Certificate, *ecdsa.PrivateKey) {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, NotBefore: from, NotAfter: to,
			IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := x509.ParseCertificate(der)
		return c, k
	}
	leafFrom := func(ca *x509.Certificate, caKey *ecdsa.PrivateKey, at time.Time) *x509.Certificate {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), NotBefore: at, NotAfter: at.Add(10 * time.Minute),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, k.Public(), caKey)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := x509.ParseCertificate(der)
		return c
	}
	trust := func(ca *x509.Certificate, from, to time.Time) root.TrustedMaterial {
		tr, err := root.NewTrustedRoot(root.TrustedRootMediaType01,
			[]root.CertificateAuthority{&root.FulcioCertificateAuthority{Root: ca, ValidityPeriodStart: from, ValidityPeriodEnd: to}},
			nil, nil, map[string]*root.TransparencyLog{})
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	ca, caKey := newCA("test-fulcio", day(2023, 1, 1), day(2024, 1, 1))
	other, otherKey := newCA("other-fulcio", day(2020, 1, 1), day(2040, 1, 1))

	for _, tc := range []struct {
		name  string
		leaf  *x509.Certificate
		tm    root.TrustedMaterial
		found string // "" when the chain must be accepted
	}{
		{"valid", leafFrom(ca, caKey, day(2023, 6, 1)), trust(ca, day(2023, 1, 1), time.Time{}), ""},
		{"after the CA certificate expired", leafFrom(ca, caKey, day(2030, 1, 1)), trust(ca, day(2023, 1, 1), time.Time{}),
			"outside the validity of CA certificate CN=test-fulcio (2023-01-01T00:00:00Z – 2024-01-01T00:00:00Z)"},
		{"outside the trusted root's window", leafFrom(ca, caKey, day(2023, 6, 1)), trust(ca, day(2023, 7, 1), time.Time{}),
			"outside its CA's validity in the trusted root (2023-07-01T00:00:00Z – open)"},
		{"another CA", leafFrom(other, otherKey, day(2023, 6, 1)), trust(ca, day(2023, 1, 1), time.Time{}),
			"issued by CN=other-fulcio that does not chain to them"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkChain(tc.leaf, tc.tm)
			if tc.found == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var ve *VerificationError
			if !errors.Is(err, ErrUntrustedCertificate) || !errors.As(err, &ve) || !strings.Contains(ve.Found, tc.found) {
				t.Fatalf("want ErrUntrustedCertificate finding %q, got %v", tc.found, err)
			}
		})
	}
}
