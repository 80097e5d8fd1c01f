package oci

import (
	"context"
	"errors"
	"fmt"

	"github.com/tagship/tagship/sign"
)

// attestation is one predicate [WithAttestation] adds.
type attestation struct {
	predicateType string
	predicate     []byte
}

// WithAttestation makes [SignAndVerify] attach an in-toto statement of
// predicateType with predicate (JSON) to the pushed digest ([Attest]) and
// read it back ([VerifyAttestations]); give it once per predicate type.
// Default: no attestations, the signature only.
func WithAttestation(predicateType string, predicate []byte) Option {
	return func(o *options) error {
		if predicateType == "" {
			return errors.New("oci: WithAttestation needs a predicate type, e.g. https://slsa.dev/provenance/v1")
		}
		o.attestations = append(o.attestations, attestation{predicateType, predicate})
		return nil
	}
}

// SignedImage is what [SignAndVerify] wrote and read back.
type SignedImage struct {
	// Signature is the verification of the pushed digest's signature.
	Signature *VerifyResult
	// Attestations are the verified attestations, by predicate type.
	Attestations map[string]*AttestationResult
}

// SignAndVerify signs the image pushed describes (its digest, never the
// tag; see [Sign]) with signer, attaches the attestations of
// [WithAttestation] to that digest, and reads it all back as a user
// verifying the release would: through the tag, which must still point to
// the pushed digest ([ErrDigestMismatch] otherwise), the signature
// ([Verify]) and every attestation ([VerifyAttestations]) must verify for
// policy. A registry that accepts a write and serves something else, or
// a signer whose identity is not policy's, fails here, before anyone
// relies on the image. The caller checks the predicates themselves (for
// SLSA provenance: package provenance).
func SignAndVerify(ctx context.Context, signer *sign.Signer, pushed *PushResult, policy sign.Policy, verifier *sign.Verifier, opts ...Option) (*SignedImage, error) {
	o, err := newOptions(opts)
	if err != nil {
		return nil, err
	}
	digestRef, tagRef := pushed.DigestRef(), pushed.Repository+":"+pushed.Tag
	if _, err := Sign(ctx, signer, digestRef, opts...); err != nil {
		return nil, fmt.Errorf("sign %s: %w", digestRef, err)
	}
	pinned := append(opts[:len(opts):len(opts)], WithExpectedDigest(pushed.Digest))
	res := &SignedImage{Attestations: map[string]*AttestationResult{}}
	if res.Signature, err = Verify(ctx, tagRef, policy, verifier, pinned...); err != nil {
		return nil, fmt.Errorf("the signature of %s does not verify for %s: %w", tagRef, policy, err)
	}
	for _, a := range o.attestations {
		if _, err := Attest(ctx, signer, digestRef, a.predicateType, a.predicate, opts...); err != nil {
			return nil, fmt.Errorf("attest %s (%s): %w", digestRef, a.predicateType, err)
		}
	}
	for _, a := range o.attestations {
		ar, err := VerifyAttestations(ctx, tagRef, a.predicateType, policy, verifier, pinned...)
		if err != nil {
			return nil, fmt.Errorf("the %s attestation of %s does not verify for %s: %w", a.predicateType, tagRef, policy, err)
		}
		res.Attestations[a.predicateType] = ar
	}
	return res, nil
}
