package oci

import (
	"encoding/json"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

const fuzzDigest = "sha256:0000000000000000000000000000000000000000000000000000000000000001"

// FuzzSignaturePayloads feeds registry-controlled bytes to the parsers of
// both signature forms: they must never panic and must accept only
// documents naming the expected digest.
func FuzzSignaturePayloads(f *testing.F) {
	f.Add([]byte(`{"critical":{"identity":{"docker-reference":"r/x"},"image":{"docker-manifest-digest":"`+fuzzDigest+`"},"type":"cosign container image signature"},"optional":null}`), "application/vnd.in-toto+json")
	f.Add([]byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"`+fuzzDigest[7:]+`"}}],"predicateType":"https://sigstore.dev/cosign/sign/v1"}`), "application/vnd.in-toto+json")
	f.Add([]byte(`{"critical":null}`), "")
	f.Add([]byte(`[]`), "text/plain")
	h, _ := v1.NewHash(fuzzDigest)
	f.Fuzz(func(t *testing.T, payload []byte, payloadType string) {
		if err := checkSimpleSigning(payload, h); err == nil {
			var p simpleSigning
			if json.Unmarshal(payload, &p) != nil || p.Critical.Image.DockerManifestDigest != fuzzDigest {
				t.Fatalf("accepted a simple-signing payload not naming %s: %q", fuzzDigest, payload)
			}
		}
		if err := checkStatement(payloadType, payload, CosignSignPredicateType, h); err == nil {
			var st inTotoStatement
			if json.Unmarshal(payload, &st) != nil || st.PredicateType != CosignSignPredicateType {
				t.Fatalf("accepted a statement that is not a cosign signature: %q", payload)
			}
			ok := false
			for _, s := range st.Subject {
				ok = ok || s.Digest["sha256"] == h.Hex
			}
			if !ok {
				t.Fatalf("accepted a statement not naming %s: %q", fuzzDigest, payload)
			}
		}
	})
}

// FuzzLegacyBundle feeds registry-controlled cosign annotations to the
// bundle rebuilder: no panics, and nothing but a well-formed bundle.
func FuzzLegacyBundle(f *testing.F) {
	f.Add("MEUCIQ==", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", `{"SignedEntryTimestamp":"AA==","Payload":{"body":"e30=","integratedTime":1,"logIndex":0,"logID":"00"}}`, `{"SignedRFC3161Timestamp":"AA=="}`)
	f.Add("", "", "", "")
	f.Add("!!", "x", "{", "[]")
	f.Fuzz(func(t *testing.T, sig, cert, rekor, ts string) {
		ann := map[string]string{AnnotationSignature: sig, AnnotationCertificate: cert, AnnotationRekorBundle: rekor, AnnotationRFC3161Timestamp: ts}
		b, err := legacyBundle([]byte("{}"), ann)
		if err == nil && (b == nil || b.Bundle.GetMessageSignature() == nil) {
			t.Fatal("no error but no message-signature bundle")
		}
	})
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"0", "120", "-5", "Wed, 21 Oct 2015 07:28:00 GMT", "", "1e9", "99999999999999999999"} {
		f.Add(s)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		if d := parseRetryAfter(s, now); d < 0 {
			t.Fatalf("parseRetryAfter(%q) = %s, negative", s, d)
		}
	})
}
