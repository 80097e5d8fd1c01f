package oci

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/sigstore/sigstore-go/pkg/bundle"

	"github.com/tagship/tagship/sign"
)

// VerifiedAttestation is one attestation that passed verification.
type VerifiedAttestation struct {
	// Format is FormatLegacy (".att" tag) or FormatBundle (referrer).
	Format Format
	// Source is the attestation tag and layer, or the referrer digest.
	Source string
	// Statement is the verified in-toto statement (the DSSE payload).
	Statement []byte
	// Verification is what the sign package established.
	Verification *sign.Verification
}

// AttestationResult is the outcome of a successful [VerifyAttestations].
type AttestationResult struct {
	Reference    string
	Digest       v1.Hash
	Attestations []VerifiedAttestation
	// Rejected explains attestations of the type found but not accepted.
	Rejected []error
}

// VerifyAttestations resolves ref to its digest and verifies the
// attestations of predicateType attached to it in either form [Attest]
// writes: the DSSE signature for policy (through the complete Sigstore
// bundle, so transparency-log entries and timestamps are checked as for a
// file), the statement's predicate type, and a subject whose digest is the
// image digest. At least one must verify. Failures: [ErrNoAttestation] when
// none of the type exists, [ErrDigestMismatch] for statements about
// another digest (or a moved tag, see [WithExpectedDigest]), sign's
// sentinels for identity and trust failures. The caller checks the
// predicate itself (for SLSA provenance: package provenance).
func VerifyAttestations(ctx context.Context, ref, predicateType string, policy sign.Policy, verifier *sign.Verifier, opts ...Option) (*AttestationResult, error) {
	t, err := resolveVerifyTarget(ctx, "VerifyAttestations", ref, policy, verifier, opts)
	if err != nil {
		return nil, err
	}
	ropts, digest, d := t.ropts, t.digest, t.ref
	res := &AttestationResult{Reference: ref, Digest: digest}
	found := 0
	accept := func(format Format, src string, b *bundle.Bundle) {
		v, err := verifyAttestationBundle(ctx, b, predicateType, digest, policy, verifier)
		if err != nil {
			res.Rejected = append(res.Rejected, fmt.Errorf("%s: %w", src, err))
			return
		}
		res.Attestations = append(res.Attestations, VerifiedAttestation{Format: format, Source: src, Statement: v.Payload, Verification: v})
	}

	// Legacy cosign attestations.
	tag := cosignTag(d, ".att")
	img, err := remote.Image(tag, ropts...)
	switch {
	case err == nil:
		m, err := img.Manifest()
		if err != nil {
			return nil, fmt.Errorf("oci: reading %s: %w", tag, err)
		}
		for _, l := range m.Layers {
			if string(l.MediaType) != DSSEMediaType || l.Annotations[AnnotationPredicateType] != predicateType {
				continue
			}
			found++
			src := tag.String() + " layer " + l.Digest.String()
			b, err := legacyAttestationBundle(img, l)
			if err != nil {
				res.Rejected = append(res.Rejected, fmt.Errorf("%s: %w", src, err))
				continue
			}
			accept(FormatLegacy, src, b)
		}
	case isNotFound(err):
	default:
		return nil, fmt.Errorf("oci: reading attestations %s: %w", tag, err)
	}

	// Sigstore bundle referrers.
	refs, err := referrers(d, ropts)
	if err != nil {
		return nil, err
	}
	for _, desc := range refs {
		if pt := desc.Annotations[AnnotationBundlePredicateType]; pt != predicateType {
			continue
		}
		src := "referrer " + desc.Digest.String()
		b, err := readBundleReferrer(d.Context().Digest(desc.Digest.String()), ropts)
		if errors.Is(err, errNotBundle) {
			continue
		}
		found++
		if err != nil {
			res.Rejected = append(res.Rejected, fmt.Errorf("%s: %w", src, err))
			continue
		}
		accept(FormatBundle, src, b)
	}

	switch {
	case len(res.Attestations) > 0:
		return res, nil
	case found == 0:
		return nil, fmt.Errorf("%w: %s (%s) has no %s attestation (%s tag or bundle referrer); attach one with oci.Attest or cosign attest",
			ErrNoAttestation, ref, digest, predicateType, tag.TagStr())
	default:
		return nil, fmt.Errorf("oci: none of the %d %s attestations of %s (%s) is acceptable for %s: %w", found, predicateType, ref, digest, policy, errors.Join(res.Rejected...))
	}
}

// legacyAttestationBundle reads a ".att" layer: the envelope it holds must
// be the one in the complete Sigstore bundle stored beside it.
func legacyAttestationBundle(img v1.Image, l v1.Descriptor) (*bundle.Bundle, error) {
	raw := l.Annotations[AnnotationSigstoreBundle]
	if raw == "" {
		return nil, fmt.Errorf("%w: the layer carries no %s annotation (made by cosign itself?); verify it with cosign verify-attestation",
			sign.ErrInvalidBundle, AnnotationSigstoreBundle)
	}
	b, err := sign.ParseBundle([]byte(raw))
	if err != nil {
		return nil, err
	}
	envJSON, err := readBlob(img, l.Digest)
	if err != nil {
		return nil, err
	}
	var env dsseEnvelope
	if err := json.Unmarshal(envJSON, &env); err != nil {
		return nil, fmt.Errorf("%w: the layer is not a DSSE envelope: %v", sign.ErrInvalidBundle, err)
	}
	be := b.Bundle.GetDsseEnvelope()
	if be == nil || len(env.Signatures) != 1 || len(be.GetSignatures()) != 1 ||
		env.PayloadType != be.GetPayloadType() || env.Payload != base64.StdEncoding.EncodeToString(be.GetPayload()) ||
		env.Signatures[0].Sig != base64.StdEncoding.EncodeToString(be.GetSignatures()[0].GetSig()) {
		return nil, fmt.Errorf("%w: the layer's DSSE envelope differs from the one in its Sigstore bundle", sign.ErrSignatureInvalid)
	}
	return b, nil
}

func verifyAttestationBundle(ctx context.Context, b *bundle.Bundle, predicateType string, digest v1.Hash, policy sign.Policy, verifier *sign.Verifier) (*sign.Verification, error) {
	if b.Bundle.GetDsseEnvelope() == nil {
		return nil, fmt.Errorf("%w: bundle holds no DSSE envelope", sign.ErrInvalidBundle)
	}
	v, err := verifier.VerifyDSSE(ctx, b, policy)
	if err != nil {
		return nil, err
	}
	if err := checkStatement(v.PayloadType, v.Payload, predicateType, digest); err != nil {
		return nil, err
	}
	return v, nil
}
