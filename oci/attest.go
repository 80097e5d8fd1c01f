package oci

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/sigstore/sigstore-go/pkg/bundle"

	"github.com/tagship/tagship/sign"
)

// Attestation media types and annotations (cosign attest).
const (
	// DSSEMediaType is the layer media type of a legacy cosign attestation
	// (a DSSE envelope, JSON).
	DSSEMediaType = "application/vnd.dsse.envelope.v1+json"
	// AnnotationPredicateType names the predicate type on a legacy
	// attestation layer.
	AnnotationPredicateType = "predicateType"
	// AnnotationBundlePredicateType names the predicate type on a bundle
	// referrer manifest.
	AnnotationBundlePredicateType = "dev.sigstore.bundle.predicateType"
	// AnnotationBundleContent says what a bundle referrer's bundle holds.
	AnnotationBundleContent = "dev.sigstore.bundle.content"
)

// ErrNoAttestation: no attestation of the predicate type exists for the
// image digest.
var ErrNoAttestation = errors.New("oci: no attestation of that predicate type for the image digest")

// AttestResult lists what [Attest] wrote.
type AttestResult struct {
	// Digest is the attested manifest digest.
	Digest v1.Hash
	// Statement is the signed in-toto statement.
	Statement []byte
	// LegacyTag is the cosign "sha256-<hex>.att" tag written (FormatLegacy).
	LegacyTag string
	// Referrer is the digest of the bundle referrer manifest (FormatBundle).
	Referrer v1.Hash
	// Bundle is the Sigstore bundle of the statement (the same signature
	// is stored in both forms).
	Bundle *bundle.Bundle
}

// Attest signs an in-toto Statement v1 about the manifest at digestRef
// ("REGISTRY/REPO@sha256:…", never a tag) — subject name REGISTRY/REPO,
// digest the manifest's, predicateType and predicate (a JSON object) as
// given — as a DSSE envelope with signer, and attaches it the way
// `cosign attest` does, in the formats of [WithFormats] (default both):
//
//   - FormatLegacy: cosign's "sha256-<hex>.att" tag, a manifest with one
//     layer per attestation (media type DSSEMediaType, the DSSE envelope as
//     JSON) annotated with an empty signature, the certificate (PEM), the
//     chain, the predicate type, an RFC 3161 timestamp over the envelope
//     when the signer has a timestamp authority, and the complete Sigstore
//     bundle. Existing attestations under that tag are kept.
//   - FormatBundle: the Sigstore bundle as an OCI 1.1 referrer (artifactType
//     BundleArtifactType) annotated with the predicate type, as `cosign
//     attest --new-bundle-format` writes it.
//
// `cosign verify-attestation --type <predicate type>` accepts both; see
// [VerifyAttestations] for tagship's own check.
func Attest(ctx context.Context, signer *sign.Signer, digestRef, predicateType string, predicate []byte, opts ...Option) (*AttestResult, error) {
	if signer == nil {
		return nil, errors.New("oci: Attest needs a *sign.Signer")
	}
	if predicateType == "" {
		return nil, errors.New("oci: Attest needs a predicate type")
	}
	o, err := newOptions(opts)
	if err != nil {
		return nil, err
	}
	d, err := name.NewDigest(digestRef, nameOptions(digestRef, o)...)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %v (attest REGISTRY/REPO@sha256:…, e.g. PushResult.DigestRef())", ErrNotDigest, digestRef, err)
	}
	var pred json.RawMessage
	if err := json.Unmarshal(predicate, &pred); err != nil || !bytes.HasPrefix(bytes.TrimSpace(predicate), []byte("{")) {
		return nil, fmt.Errorf("oci: the predicate must be a JSON object: %v", err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, predicate); err != nil {
		return nil, err
	}
	ropts, desc, err := headDigest(ctx, o, d)
	if err != nil {
		return nil, err
	}
	st := inTotoStatement{
		Type:          "https://in-toto.io/Statement/v1",
		Subject:       []inTotoSubject{{Name: d.Context().Name(), Digest: map[string]string{desc.Digest.Algorithm: desc.Digest.Hex}}},
		PredicateType: predicateType,
		Predicate:     compact.Bytes(),
	}
	payload, err := json.Marshal(st)
	if err != nil {
		return nil, err
	}
	b, err := signer.SignDSSE(ctx, InTotoPayloadType, payload)
	if err != nil {
		return nil, fmt.Errorf("oci: signing the %s attestation of %s: %w", predicateType, d.DigestStr(), err)
	}
	res := &AttestResult{Digest: desc.Digest, Statement: payload, Bundle: b}
	if o.formats&FormatLegacy != 0 {
		tag, err := attestLegacy(ctx, signer, d, b, predicateType, ropts)
		if err != nil {
			return nil, err
		}
		res.LegacyTag = tag
	}
	if o.formats&FormatBundle != 0 {
		ref, err := putBundleReferrer(d, *desc, b, predicateType, ropts)
		if err != nil {
			return nil, err
		}
		res.Referrer = ref
	}
	o.logger.Info("attested image digest", "digest", desc.Digest.String(), "predicateType", predicateType, "legacy", res.LegacyTag, "referrer", res.Referrer.String())
	return res, nil
}

// dsseEnvelope is the DSSE JSON envelope (base64 payload and signatures).
type dsseEnvelope struct {
	PayloadType string          `json:"payloadType"`
	Payload     string          `json:"payload"`
	Signatures  []dsseSignature `json:"signatures"`
}

type dsseSignature struct {
	KeyID string `json:"keyid"`
	Sig   string `json:"sig"`
}

func attestLegacy(ctx context.Context, signer *sign.Signer, d name.Digest, b *bundle.Bundle, predicateType string, ropts []remote.Option) (string, error) {
	env := b.Bundle.GetDsseEnvelope()
	if env == nil || len(env.GetSignatures()) != 1 {
		return "", errors.New("oci: signer returned a bundle without a singly signed DSSE envelope")
	}
	envJSON, err := json.Marshal(dsseEnvelope{PayloadType: env.GetPayloadType(), Payload: base64.StdEncoding.EncodeToString(env.GetPayload()),
		Signatures: []dsseSignature{{Sig: base64.StdEncoding.EncodeToString(env.GetSignatures()[0].GetSig())}}})
	if err != nil {
		return "", err
	}
	certDER := b.Bundle.GetVerificationMaterial().GetCertificate().GetRawBytes()
	if certDER == nil {
		return "", errors.New("oci: signer returned a bundle without a certificate (keyless signing expected)")
	}
	ann := map[string]string{
		AnnotationSignature:     "",
		AnnotationPredicateType: predicateType,
	}
	if err := addCertAnnotations(ann, b, certDER, signer); err != nil {
		return "", err
	}
	// cosign checks a legacy attestation's RFC 3161 timestamp against the
	// layer (the envelope), not the signature: get one over the envelope.
	if ts, err := signer.Timestamp(ctx, envJSON); err == nil {
		j, err := json.Marshal(struct{ SignedRFC3161Timestamp []byte }{ts})
		if err != nil {
			return "", err
		}
		ann[AnnotationRFC3161Timestamp] = string(j)
	} else if !errors.Is(err, sign.ErrConfig) {
		return "", fmt.Errorf("oci: timestamping the attestation of %s: %w", d.DigestStr(), err)
	}
	tag := cosignTag(d, ".att")
	if err := appendToCosignTag(tag, static.NewLayer(envJSON, DSSEMediaType), ann, "attestation", ropts); err != nil {
		return "", err
	}
	return tag.String(), nil
}

// putBundleReferrer uploads b as an OCI 1.1 referrer of subject, as cosign's
// --new-bundle-format does.
func putBundleReferrer(d name.Digest, subject v1.Descriptor, b *bundle.Bundle, predicateType string, ropts []remote.Option) (v1.Hash, error) {
	bj, err := b.MarshalJSON()
	if err != nil {
		return v1.Hash{}, err
	}
	cfg := static.NewLayer([]byte("{}"), emptyJSONMediaType)
	layer := static.NewLayer(bj, BundleArtifactType)
	for _, l := range []v1.Layer{cfg, layer} {
		if err := remote.WriteLayer(d.Context(), l, ropts...); err != nil {
			return v1.Hash{}, fmt.Errorf("oci: uploading bundle blob: %w", err)
		}
	}
	cfgDesc, _ := partialDescriptor(cfg)
	layerDesc, _ := partialDescriptor(layer)
	m := struct {
		SchemaVersion int               `json:"schemaVersion"`
		MediaType     types.MediaType   `json:"mediaType"`
		ArtifactType  string            `json:"artifactType"`
		Config        v1.Descriptor     `json:"config"`
		Layers        []v1.Descriptor   `json:"layers"`
		Subject       v1.Descriptor     `json:"subject"`
		Annotations   map[string]string `json:"annotations"`
	}{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		ArtifactType:  BundleArtifactType,
		Config:        cfgDesc,
		Layers:        []v1.Descriptor{layerDesc},
		Subject:       v1.Descriptor{MediaType: subject.MediaType, Digest: subject.Digest, Size: subject.Size},
		Annotations: map[string]string{
			"org.opencontainers.image.created": time.Now().UTC().Format(time.RFC3339),
			AnnotationBundleContent:            "dsse-envelope",
			AnnotationBundlePredicateType:      predicateType,
		},
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return v1.Hash{}, err
	}
	mh, _, err := v1.SHA256(bytes.NewReader(raw))
	if err != nil {
		return v1.Hash{}, err
	}
	if err := remote.Put(d.Context().Digest(mh.String()), rawManifest{raw, types.OCIManifestSchema1}, ropts...); err != nil {
		return v1.Hash{}, fmt.Errorf("oci: writing bundle referrer for %s: %w", d.DigestStr(), err)
	}
	return mh, nil
}
