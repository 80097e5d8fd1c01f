package oci

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tagship/tagship/sign"
)

func TestSignAndVerify(t *testing.T) {
	t.Parallel()
	slsa := WithAttestation(testSLSA, []byte(`{"buildDefinition": {"buildType": "x"}}`))
	sbom := WithAttestation(testCycloneDX, []byte(`{"bomFormat":"CycloneDX","specVersion":"1.5"}`))
	other := func(e *signEnv) sign.Policy {
		p := e.st.Policy()
		p.Identity = "https://github.com/evil/repo/.github/workflows/release.yml@refs/tags/v1.0.0"
		return p
	}
	for _, tc := range []struct {
		name     string
		opts     []Option
		policy   func(*signEnv) sign.Policy
		moveTag  bool
		wantAtts []string
		want     error
		wantText string
	}{
		{name: "signature only"},
		{name: "with attestations", opts: []Option{slsa, sbom}, wantAtts: []string{testSLSA, testCycloneDX}},
		{name: "signer is not the policy's identity", opts: []Option{slsa}, policy: other, want: sign.ErrIdentityMismatch, wantText: "the signature of"},
		{name: "tag moved after the push", moveTag: true, want: ErrDigestMismatch, wantText: "resolves to"},
		{name: "attestation without a type", opts: []Option{WithAttestation("", []byte(`{}`))}, wantText: "predicate type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newSignEnv(t)
			if tc.moveTag {
				if _, err := Push(ctx, twoPlatformIndex(t), e.ref, WithMutableTagUnsafe()); err != nil {
					t.Fatal(err)
				}
			}
			policy := e.st.Policy()
			if tc.policy != nil {
				policy = tc.policy(e)
			}
			res, err := SignAndVerify(ctx, e.signer, e.push, policy, e.verifier, append(tc.opts, testLogger(t))...)
			if tc.want != nil || tc.wantText != "" {
				if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) || !strings.Contains(err.Error(), tc.wantText) {
					t.Fatalf("err = %v, want %v mentioning %q", err, tc.want, tc.wantText)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Signature.Digest != e.push.Digest || len(res.Signature.Signatures) == 0 {
				t.Errorf("signature %+v, want one of %s", res.Signature, e.push.Digest)
			}
			if len(res.Attestations) != len(tc.wantAtts) {
				t.Errorf("attestations %v, want %v", res.Attestations, tc.wantAtts)
			}
			for _, pt := range tc.wantAtts {
				ar := res.Attestations[pt]
				if ar == nil || ar.Digest != e.push.Digest || len(ar.Attestations) == 0 || !strings.Contains(string(ar.Attestations[0].Statement), pt) {
					t.Errorf("%s: %+v", pt, ar)
				}
			}
			// What it read back, a user reads too.
			if _, err := Verify(ctx, e.ref, e.st.Policy(), e.verifier, WithExpectedDigest(e.push.Digest)); err != nil {
				t.Errorf("Verify after SignAndVerify: %v", err)
			}
		})
	}
}
