package oci

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/tagship/tagship/oci/ocitest"
	"github.com/tagship/tagship/sign"
)

const (
	testSLSA      = "https://slsa.dev/provenance/v1"
	testCycloneDX = "https://cyclonedx.org/bom"
)

func TestAttestVerify(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		regOpt []ocitest.Option
		format Format
	}{
		{"both forms, referrers tag fallback", nil, FormatLegacy | FormatBundle},
		{"both forms, referrers API", []ocitest.Option{ocitest.WithReferrersAPI()}, FormatLegacy | FormatBundle},
		{"legacy only", nil, FormatLegacy},
		{"bundle only", nil, FormatBundle},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newSignEnv(t, tc.regOpt...)
			if _, err := Sign(ctx, e.signer, e.push.DigestRef(), testLogger(t)); err != nil {
				t.Fatal(err)
			}
			pred := []byte(`{"buildDefinition": {"buildType": "x"}, "runDetails": {"builder": {"id": "y"}}}`)
			ar, err := Attest(ctx, e.signer, e.push.DigestRef(), testSLSA, pred, WithFormats(tc.format), testLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Attest(ctx, e.signer, e.push.DigestRef(), testCycloneDX, []byte(`{"bomFormat":"CycloneDX","specVersion":"1.5"}`), WithFormats(tc.format)); err != nil {
				t.Fatal(err)
			}
			var st struct {
				Subject []struct {
					Name   string
					Digest map[string]string
				}
				PredicateType string
				Predicate     json.RawMessage
			}
			if err := json.Unmarshal(ar.Statement, &st); err != nil {
				t.Fatal(err)
			}
			repo := strings.TrimSuffix(e.ref, ":v1.0.0")
			if st.Subject[0].Name != repo || st.Subject[0].Digest["sha256"] != e.push.Digest.Hex || string(st.Predicate) != `{"buildDefinition":{"buildType":"x"},"runDetails":{"builder":{"id":"y"}}}` {
				t.Fatalf("statement %s", ar.Statement)
			}
			want := 0
			for _, f := range []Format{FormatLegacy, FormatBundle} {
				if tc.format&f != 0 {
					want++
				}
			}
			for _, pt := range []string{testSLSA, testCycloneDX} {
				res, err := VerifyAttestations(ctx, e.ref, pt, e.st.Policy(), e.verifier, WithExpectedDigest(e.push.Digest))
				if err != nil {
					t.Fatalf("%s: %v", pt, err)
				}
				if len(res.Attestations) != want || len(res.Rejected) != 0 {
					t.Fatalf("%s: %d verified (want %d), rejected %v", pt, len(res.Attestations), want, res.Rejected)
				}
				for _, a := range res.Attestations {
					if !strings.Contains(string(a.Statement), pt) || a.Verification.Identity != e.st.Identity() {
						t.Fatalf("%s: %+v", pt, a)
					}
				}
			}
			// Attestations are not signatures: Verify sees exactly the signatures.
			vr, err := Verify(ctx, e.ref, e.st.Policy(), e.verifier)
			if err != nil {
				t.Fatal(err)
			}
			if len(vr.Signatures) != 2 || len(vr.Rejected) != 0 {
				t.Fatalf("signatures %d, rejected %v", len(vr.Signatures), vr.Rejected)
			}
		})
	}
}

func TestVerifyAttestationsFailures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newSignEnv(t)
	if _, err := VerifyAttestations(ctx, e.ref, testSLSA, e.st.Policy(), e.verifier); !errors.Is(err, ErrNoAttestation) {
		t.Fatalf("unattested: err = %v, want ErrNoAttestation", err)
	}
	if _, err := Attest(ctx, e.signer, e.push.DigestRef(), testSLSA, []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	t.Run("other type", func(t *testing.T) {
		if _, err := VerifyAttestations(ctx, e.ref, testCycloneDX, e.st.Policy(), e.verifier); !errors.Is(err, ErrNoAttestation) {
			t.Fatalf("err = %v, want ErrNoAttestation", err)
		}
	})
	t.Run("other identity", func(t *testing.T) {
		p := e.st.Policy()
		p.Identity = "https://github.com/evil/repo/.github/workflows/release.yml@refs/tags/v1.0.0"
		if _, err := VerifyAttestations(ctx, e.ref, testSLSA, p, e.verifier); !errors.Is(err, sign.ErrIdentityMismatch) {
			t.Fatalf("err = %v, want sign.ErrIdentityMismatch", err)
		}
	})
	t.Run("tag moved", func(t *testing.T) {
		other, err := Push(ctx, twoPlatformIndex(t), e.reg.Host()+"/octo/app:v9.0.0")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := VerifyAttestations(ctx, e.ref, testSLSA, e.st.Policy(), e.verifier, WithExpectedDigest(other.Digest)); !errors.Is(err, ErrDigestMismatch) {
			t.Fatalf("err = %v, want ErrDigestMismatch", err)
		}
	})
	t.Run("attestations copied to another image", func(t *testing.T) {
		other, err := Push(ctx, twoPlatformIndex(t), e.reg.Host()+"/octo/app:v8.0.0")
		if err != nil {
			t.Fatal(err)
		}
		// Copy the .att manifest under the other digest's tag.
		src, _ := name.NewDigest(e.push.DigestRef())
		dst, _ := name.NewDigest(other.DigestRef())
		img, err := remote.Image(cosignTag(src, ".att"))
		if err != nil {
			t.Fatal(err)
		}
		if err := remote.Write(cosignTag(dst, ".att"), img); err != nil {
			t.Fatal(err)
		}
		if _, err := VerifyAttestations(ctx, other.DigestRef(), testSLSA, e.st.Policy(), e.verifier); !errors.Is(err, ErrDigestMismatch) {
			t.Fatalf("err = %v, want ErrDigestMismatch", err)
		}
	})
	t.Run("refuses a tag and a non-object predicate", func(t *testing.T) {
		if _, err := Attest(ctx, e.signer, e.ref, testSLSA, []byte(`{}`)); !errors.Is(err, ErrNotDigest) {
			t.Fatalf("err = %v, want ErrNotDigest", err)
		}
		if _, err := Attest(ctx, e.signer, e.push.DigestRef(), testSLSA, []byte(`[1]`)); err == nil {
			t.Fatal("accepted an array predicate")
		}
	})
}
