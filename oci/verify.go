package oci

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	"github.com/sigstore/sigstore-go/pkg/bundle"

	"github.com/tagship/tagship/sign"
)

var errNotBundle = errors.New("oci: referrer is not a Sigstore bundle")

// maxSignatureBlob bounds the size of a signature payload or bundle read
// from a registry.
const maxSignatureBlob = 4 << 20

// VerifiedSignature is one signature that passed verification.
type VerifiedSignature struct {
	// Format is FormatLegacy or FormatBundle.
	Format Format
	// Source is the legacy signature tag or the referrer manifest digest.
	Source string
	// Verification is what the sign package established (identity,
	// issuer, timestamps, log entries).
	Verification *sign.Verification
}

// VerifyResult is the outcome of a successful [Verify].
type VerifyResult struct {
	// Reference is the verified reference as given.
	Reference string
	// Digest is the digest the reference resolved to, which the signatures
	// cover.
	Digest v1.Hash
	// Signatures are the signatures that verified (at least one).
	Signatures []VerifiedSignature
	// Rejected explains signatures found but not accepted (other
	// identities, other digests); informational.
	Rejected []error
}

// WithExpectedDigest makes [Verify] fail with [ErrDigestMismatch] when the
// reference resolves to another digest (e.g. a release tag re-pointed after
// the release recorded its digest). Default: no expectation.
func WithExpectedDigest(h v1.Hash) Option {
	return func(o *options) error { o.expectedDigest = h; return nil }
}

// Verify resolves ref (a tag or digest) to its digest, reads the
// signatures of both forms written by [Sign] (or by cosign in the bundle
// form), and checks that at least one covers exactly that digest and was
// made by the identity and issuer of policy, using verifier for the trust
// root, transparency-log and timestamp checks. Failures say what failed:
// [ErrNoSignature] when there is none, [ErrDigestMismatch] when signatures
// cover another digest (or the tag moved, see [WithExpectedDigest]), and
// the sign package's sentinels (sign.ErrIdentityMismatch,
// sign.ErrIssuerMismatch, …) for identity and trust failures.
//
// Legacy signatures are verified through the complete Sigstore bundle that
// [Sign] stores beside the cosign annotations; for legacy signatures made
// by cosign itself the bundle is rebuilt from the cosign annotations
// (certificate, signature, Rekor v1 signed entry timestamp, RFC 3161
// timestamp) — with a Rekor v2 log there is no log evidence in them and
// they fail the log check (sign.ErrNotInLog). Bundle
// signatures made by cosign v3 verify; those made by cosign v2.6.5 against
// Rekor v2 record a dsse v0.0.2 log entry that the Rekor v2 client library
// linked here (rekor-tiles v2.3.0) no longer parses, and are rejected.
func Verify(ctx context.Context, ref string, policy sign.Policy, verifier *sign.Verifier, opts ...Option) (*VerifyResult, error) {
	t, err := resolveVerifyTarget(ctx, "Verify", ref, policy, verifier, opts)
	if err != nil {
		return nil, err
	}
	ropts, digest, d := t.ropts, t.digest, t.ref
	res := &VerifyResult{Reference: ref, Digest: digest}
	found := 0

	// Legacy cosign signatures.
	tag := cosignTag(d, ".sig")
	img, err := remote.Image(tag, ropts...)
	switch {
	case err == nil:
		m, err := img.Manifest()
		if err != nil {
			return nil, fmt.Errorf("oci: reading %s: %w", tag, err)
		}
		for _, l := range m.Layers {
			if string(l.MediaType) != SimpleSigningMediaType {
				continue
			}
			found++
			src := tag.String() + " layer " + l.Digest.String()
			payload, err := readBlob(img, l.Digest)
			if err != nil {
				res.Rejected = append(res.Rejected, fmt.Errorf("%s: %w", src, err))
				continue
			}
			v, err := verifyLegacy(ctx, payload, l.Annotations, digest, policy, verifier)
			if err != nil {
				res.Rejected = append(res.Rejected, fmt.Errorf("legacy signature %s: %w", src, err))
				continue
			}
			res.Signatures = append(res.Signatures, VerifiedSignature{Format: FormatLegacy, Source: src, Verification: v})
		}
	case isNotFound(err):
	default:
		return nil, fmt.Errorf("oci: reading signatures %s: %w", tag, err)
	}

	// Sigstore bundle referrers.
	refs, err := referrers(d, ropts)
	if err != nil {
		return nil, err
	}
	for _, desc := range refs {
		// Registries report artifactType, or (like go-containerregistry's
		// pkg/registry) the config media type; look at every candidate
		// and let the layer media type decide, as cosign does.
		if at := desc.ArtifactType; at != "" && at != emptyJSONMediaType && !strings.HasPrefix(at, "application/vnd.dev.sigstore.bundle") {
			continue
		}
		if pt := desc.Annotations[AnnotationBundlePredicateType]; pt != "" && pt != CosignSignPredicateType {
			continue // an attestation (oci.Attest), not a signature
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
		v, err := verifyBundleForm(ctx, b, digest, policy, verifier)
		if err != nil {
			res.Rejected = append(res.Rejected, fmt.Errorf("bundle %s: %w", src, err))
			continue
		}
		res.Signatures = append(res.Signatures, VerifiedSignature{Format: FormatBundle, Source: src, Verification: v})
	}

	switch {
	case len(res.Signatures) > 0:
		return res, nil
	case found == 0:
		return nil, fmt.Errorf("%w: %s (%s) has no cosign signature (%s) and no Sigstore bundle referrer; sign it with oci.Sign or cosign sign", ErrNoSignature, ref, digest, tag.TagStr())
	default:
		return nil, fmt.Errorf("oci: none of the %d signatures of %s (%s) is acceptable for %s: %w", found, ref, digest, policy, errors.Join(res.Rejected...))
	}
}

func readBlob(img v1.Image, h v1.Hash) ([]byte, error) {
	l, err := img.LayerByDigest(h)
	if err != nil {
		return nil, err
	}
	rc, err := l.Compressed()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxSignatureBlob+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxSignatureBlob {
		return nil, fmt.Errorf("signature blob larger than %d bytes", maxSignatureBlob)
	}
	if sum := sha256.Sum256(b); fmt.Sprintf("%x", sum) != h.Hex {
		return nil, fmt.Errorf("blob content does not match its digest %s", h)
	}
	return b, nil
}

func readBundleReferrer(d name.Digest, ropts []remote.Option) (*bundle.Bundle, error) {
	img, err := remote.Image(d, ropts...)
	if err != nil {
		return nil, err
	}
	m, err := img.Manifest()
	if err != nil {
		return nil, err
	}
	if len(m.Layers) != 1 || !strings.HasPrefix(string(m.Layers[0].MediaType), "application/vnd.dev.sigstore.bundle") {
		return nil, errNotBundle
	}
	raw, err := readBlob(img, m.Layers[0].Digest)
	if err != nil {
		return nil, err
	}
	return sign.ParseBundle(raw)
}

// checkSimpleSigning parses a legacy payload and checks it names digest.
func checkSimpleSigning(payload []byte, digest v1.Hash) error {
	var p simpleSigning
	// json.Unmarshal, as cosign reads it: one document, nothing after it.
	if err := json.Unmarshal(payload, &p); err != nil {
		return fmt.Errorf("payload is not a cosign simple-signing document: %v", err)
	}
	if p.Critical.Type != simpleSigningType {
		return fmt.Errorf("payload type is %q, expected %q", p.Critical.Type, simpleSigningType)
	}
	if p.Critical.Image.DockerManifestDigest != digest.String() {
		return fmt.Errorf("%w: the signature covers %s, the image is %s", ErrDigestMismatch, p.Critical.Image.DockerManifestDigest, digest)
	}
	return nil
}

func verifyLegacy(ctx context.Context, payload []byte, ann map[string]string, digest v1.Hash, policy sign.Policy, verifier *sign.Verifier) (*sign.Verification, error) {
	if err := checkSimpleSigning(payload, digest); err != nil {
		return nil, err
	}
	var b *bundle.Bundle
	var err error
	if raw := ann[AnnotationSigstoreBundle]; raw != "" {
		b, err = sign.ParseBundle([]byte(raw))
	} else {
		// Made by cosign: rebuild the bundle from its annotations.
		b, err = legacyBundle(payload, ann)
	}
	if err != nil {
		return nil, err
	}
	ms := b.Bundle.GetMessageSignature()
	if ms == nil {
		return nil, fmt.Errorf("%w: legacy signature bundle holds no message signature", sign.ErrInvalidBundle)
	}
	if got := ann[AnnotationSignature]; got != base64.StdEncoding.EncodeToString(ms.GetSignature()) {
		return nil, fmt.Errorf("%w: the %s annotation differs from the signature in the bundle", sign.ErrSignatureInvalid, AnnotationSignature)
	}
	sum := sha256.Sum256(payload)
	return verifier.VerifyDigest(ctx, b, sum[:], policy)
}

func verifyBundleForm(ctx context.Context, b *bundle.Bundle, digest v1.Hash, policy sign.Policy, verifier *sign.Verifier) (*sign.Verification, error) {
	env := b.Bundle.GetDsseEnvelope()
	if env == nil {
		return nil, fmt.Errorf("%w: bundle holds no DSSE envelope (cosign image signatures are DSSE in-toto statements)", sign.ErrInvalidBundle)
	}
	if err := checkStatement(env.GetPayloadType(), env.GetPayload(), CosignSignPredicateType, digest); err != nil {
		return nil, err
	}
	v, err := verifier.VerifyDSSE(ctx, b, policy)
	if err != nil {
		return nil, err
	}
	// Check what was actually verified, not only the unverified copy.
	if err := checkStatement(v.PayloadType, v.Payload, CosignSignPredicateType, digest); err != nil {
		return nil, err
	}
	return v, nil
}

// checkStatement parses a DSSE payload as one in-toto statement and checks
// its payload type, its predicate type and that a subject names digest.
func checkStatement(payloadType string, payload []byte, predicateType string, digest v1.Hash) error {
	if payloadType != InTotoPayloadType {
		return fmt.Errorf("DSSE payload type is %q, expected %q", payloadType, InTotoPayloadType)
	}
	var st inTotoStatement
	if err := json.Unmarshal(payload, &st); err != nil {
		return fmt.Errorf("DSSE payload is not an in-toto statement: %v", err)
	}
	if st.PredicateType != predicateType {
		return fmt.Errorf("statement predicate type is %q, expected %q", st.PredicateType, predicateType)
	}
	var seen []string
	for _, s := range st.Subject {
		if s.Digest[digest.Algorithm] == digest.Hex {
			return nil
		}
		for alg, hx := range s.Digest {
			seen = append(seen, alg+":"+hx)
		}
	}
	return fmt.Errorf("%w: the statement's subjects are %v, the image is %s", ErrDigestMismatch, seen, digest)
}

// legacyBundle rebuilds a Sigstore bundle (v0.1, inclusion promise) from
// the cosign annotations of a legacy signature made by cosign itself:
// certificate, signature, Rekor v1 bundle (signed entry timestamp) and
// RFC 3161 timestamp. Without a Rekor bundle annotation (Rekor v2 logs) the
// rebuilt bundle has no log entry and fails the verifier's log check.
func legacyBundle(payload []byte, ann map[string]string) (*bundle.Bundle, error) {
	sig, err := base64.StdEncoding.DecodeString(ann[AnnotationSignature])
	if err != nil || len(sig) == 0 {
		return nil, fmt.Errorf("%w: %s annotation missing or not base64", sign.ErrInvalidBundle, AnnotationSignature)
	}
	block, _ := pem.Decode([]byte(ann[AnnotationCertificate]))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("%w: %s annotation holds no PEM certificate (key-based cosign signatures are not supported)", sign.ErrInvalidBundle, AnnotationCertificate)
	}
	sum := sha256.Sum256(payload)
	vm := &protobundle.VerificationMaterial{
		Content: &protobundle.VerificationMaterial_X509CertificateChain{X509CertificateChain: &protocommon.X509CertificateChain{
			Certificates: []*protocommon.X509Certificate{{RawBytes: block.Bytes}},
		}},
	}
	if raw := ann[AnnotationRekorBundle]; raw != "" {
		var rb struct {
			SignedEntryTimestamp []byte
			Payload              struct {
				Body           string `json:"body"`
				IntegratedTime int64  `json:"integratedTime"`
				LogIndex       int64  `json:"logIndex"`
				LogID          string `json:"logID"`
			}
		}
		if err := json.Unmarshal([]byte(raw), &rb); err != nil {
			return nil, fmt.Errorf("%w: %s annotation: %v", sign.ErrInvalidBundle, AnnotationRekorBundle, err)
		}
		body, err := base64.StdEncoding.DecodeString(rb.Payload.Body)
		if err != nil {
			return nil, fmt.Errorf("%w: %s annotation body: %v", sign.ErrInvalidBundle, AnnotationRekorBundle, err)
		}
		logID, err := hex.DecodeString(rb.Payload.LogID)
		if err != nil {
			return nil, fmt.Errorf("%w: %s annotation log ID: %v", sign.ErrInvalidBundle, AnnotationRekorBundle, err)
		}
		var kind struct {
			Kind       string `json:"kind"`
			APIVersion string `json:"apiVersion"`
		}
		if err := json.Unmarshal(body, &kind); err != nil {
			return nil, fmt.Errorf("%w: %s annotation body is not a Rekor entry: %v", sign.ErrInvalidBundle, AnnotationRekorBundle, err)
		}
		vm.TlogEntries = []*protorekor.TransparencyLogEntry{{
			LogIndex:          rb.Payload.LogIndex,
			LogId:             &protocommon.LogId{KeyId: logID},
			KindVersion:       &protorekor.KindVersion{Kind: kind.Kind, Version: kind.APIVersion},
			IntegratedTime:    rb.Payload.IntegratedTime,
			InclusionPromise:  &protorekor.InclusionPromise{SignedEntryTimestamp: rb.SignedEntryTimestamp},
			CanonicalizedBody: body,
		}}
	}
	if raw := ann[AnnotationRFC3161Timestamp]; raw != "" {
		var ts struct{ SignedRFC3161Timestamp []byte }
		if err := json.Unmarshal([]byte(raw), &ts); err != nil {
			return nil, fmt.Errorf("%w: %s annotation: %v", sign.ErrInvalidBundle, AnnotationRFC3161Timestamp, err)
		}
		vm.TimestampVerificationData = &protobundle.TimestampVerificationData{
			Rfc3161Timestamps: []*protocommon.RFC3161SignedTimestamp{{SignedTimestamp: ts.SignedRFC3161Timestamp}},
		}
	}
	pb := &protobundle.Bundle{
		MediaType:            "application/vnd.dev.sigstore.bundle+json;version=0.1",
		VerificationMaterial: vm,
		Content: &protobundle.Bundle_MessageSignature{MessageSignature: &protocommon.MessageSignature{
			MessageDigest: &protocommon.HashOutput{Algorithm: protocommon.HashAlgorithm_SHA2_256, Digest: sum[:]},
			Signature:     sig,
		}},
	}
	b, err := bundle.NewBundle(pb)
	if err != nil {
		return nil, fmt.Errorf("%w: rebuilding a bundle from cosign annotations: %v", sign.ErrInvalidBundle, err)
	}
	return b, nil
}

// verifyTarget is what Verify and VerifyAttestations check: the digest a
// reference resolves to, with the options and registry access to read
// what is attached to it.
type verifyTarget struct {
	ropts  []remote.Option
	digest v1.Hash
	ref    name.Digest
}

// resolveVerifyTarget checks fn's arguments and resolves ref to the digest
// whose signatures or attestations are verified, refusing one other than
// WithExpectedDigest's.
func resolveVerifyTarget(ctx context.Context, fn, ref string, policy sign.Policy, verifier *sign.Verifier, opts []Option) (*verifyTarget, error) {
	if verifier == nil {
		return nil, errors.New("oci: " + fn + " needs a *sign.Verifier")
	}
	if err := policy.Validate(); err != nil {
		return nil, err
	}
	o, err := newOptions(opts)
	if err != nil {
		return nil, err
	}
	r, err := name.ParseReference(ref, append(nameOptions(ref, o), name.StrictValidation)...)
	if err != nil {
		return nil, fmt.Errorf("oci: reference %q: %w (expected REGISTRY/REPO:TAG or REGISTRY/REPO@sha256:…)", ref, err)
	}
	ropts, err := remoteOptions(ctx, o, nil)
	if err != nil {
		return nil, err
	}
	var digest v1.Hash
	if d, ok := r.(name.Digest); ok {
		digest, err = v1.NewHash(d.DigestStr())
		if err != nil {
			return nil, err
		}
	} else {
		desc, err := remote.Head(r, ropts...)
		if err != nil {
			return nil, fmt.Errorf("oci: resolving %s: %w", ref, err)
		}
		digest = desc.Digest
	}
	if o.expectedDigest != (v1.Hash{}) && o.expectedDigest != digest {
		return nil, fmt.Errorf("%w: %s resolves to %s but %s was expected (released); the tag was moved or the wrong image is referenced", ErrDigestMismatch, ref, digest, o.expectedDigest)
	}
	return &verifyTarget{ropts: ropts, digest: digest, ref: r.Context().Digest(digest.String())}, nil
}

// referrers lists the manifests that refer to d (the registry's referrers
// API, or the "sha256-<hex>" fallback tag).
func referrers(d name.Digest, ropts []remote.Option) ([]v1.Descriptor, error) {
	idx, err := remote.Referrers(d, ropts...)
	if err != nil {
		return nil, fmt.Errorf("oci: listing referrers of %s: %w", d, err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("oci: listing referrers of %s: %w", d, err)
	}
	return im.Manifests, nil
}
