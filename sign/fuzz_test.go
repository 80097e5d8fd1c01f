package sign_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tagship/tagship/sign"
)

func FuzzParseTokenClaims(f *testing.F) {
	f.Add("eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL3Rva2VuLmFjdGlvbnMuZ2l0aHVidXNlcmNvbnRlbnQuY29tIiwiYXVkIjoic2lnc3RvcmUiLCJleHAiOjE3MDAwMDAwMDB9.c2ln")
	f.Add("a.e30.c")
	f.Add("..")
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := sign.ParseTokenClaims(tok)
		if err == nil && c == nil {
			t.Fatal("nil claims without error")
		}
		if err == nil {
			_ = c.String()
		}
	})
}

func FuzzParseBundle(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.sigstore.json"))
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := sign.ParseBundle(data)
		if err == nil && b == nil {
			t.Fatal("nil bundle without error")
		}
	})
}

func FuzzParsePublicKeyPEM(f *testing.F) {
	f.Add([]byte("-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEJG59LTGZZ23sRy3uj2+tOKIWXkwe\nR3aZvJYjKwzHa4fz+Ql83hIvqrmJFaSNmSqVYDtO7q4867CWOWSimWWbwA==\n-----END PUBLIC KEY-----\n"))
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	f.Add([]byte("not pem"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pub, err := sign.ParsePublicKeyPEM(data)
		if err == nil {
			if pub == nil {
				t.Fatal("nil key without error")
			}
			if sign.PublicKeyID(pub) == "" {
				t.Fatalf("parsed key %T has no ID", pub)
			}
			_ = sign.KeyPolicy(pub).Validate()
		}
	})
}
