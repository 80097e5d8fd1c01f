package sigstack

import (
	"bytes"
	"encoding/pem"
	"testing"
)

func TestFulcioChain(t *testing.T) {
	t.Parallel()
	cert := func(b byte) string {
		return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{b}}))
	}
	tests := []struct {
		name    string
		body    string
		want    string
		wantErr bool
	}{
		{"two certificates, first chain only",
			`{"chains":[{"certificates":["` + jsonEscape(cert(1)) + `","` + jsonEscape(cert(2)) + `"]},{"certificates":["` + jsonEscape(cert(3)) + `"]}]}`,
			cert(1) + cert(2), false},
		{"certificate without trailing newline",
			`{"chains":[{"certificates":["-----BEGIN CERTIFICATE-----\nAQ==\n-----END CERTIFICATE-----"]}]}`,
			"-----BEGIN CERTIFICATE-----\nAQ==\n-----END CERTIFICATE-----\n", false},
		{"not PEM", `{"chains":[{"certificates":["MIIB"]}]}`, "", true},
		{"not a certificate", `{"chains":[{"certificates":["` + jsonEscape(string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1}}))) + `"]}]}`, "", true},
		{"no chains", `{"chains":[]}`, "", true},
		{"empty chain", `{"chains":[{"certificates":[]}]}`, "", true},
		{"not JSON", `<html>`, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := fulcioChain([]byte(tc.body))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if string(got) != tc.want {
				t.Errorf("chain = %q, want %q", got, tc.want)
			}
		})
	}
}

// FuzzFulcioChain: any trust-bundle answer yields an error or a PEM file of
// CERTIFICATE blocks only, at least one.
func FuzzFulcioChain(f *testing.F) {
	f.Add([]byte(`{"chains":[{"certificates":["a","b\n"]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := fulcioChain(body)
		if err != nil {
			return
		}
		n := 0
		for rest := got; len(bytes.TrimSpace(rest)) > 0; n++ {
			var block *pem.Block
			block, rest = pem.Decode(rest)
			if block == nil || block.Type != "CERTIFICATE" {
				t.Fatalf("chain %q holds something other than certificates", got)
			}
		}
		if n == 0 {
			t.Fatalf("chain %q has no certificate", got)
		}
	})
}

func jsonEscape(s string) string {
	return string(bytes.ReplaceAll([]byte(s), []byte("\n"), []byte(`\n`)))
}
