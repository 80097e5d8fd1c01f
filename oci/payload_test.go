package oci

import (
	"errors"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// TestSignedPayloads: the signed payload is read as cosign reads it, one
// JSON document and nothing after it, naming the image's digest.
func TestSignedPayloads(t *testing.T) {
	t.Parallel()
	h, err := v1.NewHash(fuzzDigest)
	if err != nil {
		t.Fatal(err)
	}
	simple := `{"critical":{"identity":{"docker-reference":"r/x"},"image":{"docker-manifest-digest":"` + fuzzDigest + `"},"type":"cosign container image signature"},"optional":null}`
	statement := func(predicate, hex string) string {
		return `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"r/x","digest":{"sha256":"` + hex + `"}}],"predicateType":"` + predicate + `","predicate":{}}`
	}
	other := strings.Repeat("2", 64)
	for _, tc := range []struct {
		name, payloadType, payload string
		statement                  bool
		want                       string // "" = accepted
		is                         error
	}{
		{name: "simple signing", payload: simple},
		{name: "simple signing, trailing newline", payload: simple + "\n"},
		{name: "simple signing, trailing bytes", payload: simple + "\xbbK@", want: "not a cosign simple-signing document"},
		{name: "simple signing, second document", payload: simple + simple, want: "not a cosign simple-signing document"},
		{name: "simple signing, other type", payload: strings.Replace(simple, "cosign container image signature", "x", 1), want: `payload type is "x"`},
		{name: "simple signing, other digest", payload: strings.Replace(simple, fuzzDigest, "sha256:"+other, 1), is: ErrDigestMismatch},
		{name: "statement", statement: true, payloadType: InTotoPayloadType, payload: statement(CosignSignPredicateType, h.Hex)},
		{name: "statement, trailing bytes", statement: true, payloadType: InTotoPayloadType, payload: statement(CosignSignPredicateType, h.Hex) + "x", want: "not an in-toto statement"},
		{name: "statement, payload type", statement: true, payloadType: "application/json", payload: statement(CosignSignPredicateType, h.Hex), want: "DSSE payload type"},
		{name: "statement, predicate", statement: true, payloadType: InTotoPayloadType, payload: statement("https://slsa.dev/provenance/v1", h.Hex), want: "predicate type"},
		{name: "statement, other subject", statement: true, payloadType: InTotoPayloadType, payload: statement(CosignSignPredicateType, other), is: ErrDigestMismatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var err error
			if tc.statement {
				err = checkStatement(tc.payloadType, []byte(tc.payload), CosignSignPredicateType, h)
			} else {
				err = checkSimpleSigning([]byte(tc.payload), h)
			}
			switch {
			case tc.want == "" && tc.is == nil:
				if err != nil {
					t.Fatalf("err = %v, want accepted", err)
				}
			case tc.is != nil:
				if !errors.Is(err, tc.is) {
					t.Fatalf("err = %v, want %v", err, tc.is)
				}
			case err == nil || !strings.Contains(err.Error(), tc.want):
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}
