package oci

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/tagship/tagship/sign"
)

// Media types, annotation keys and constants of the cosign formats.
const (
	// SimpleSigningMediaType is the layer media type of a legacy cosign
	// signature payload.
	SimpleSigningMediaType = "application/vnd.dev.cosign.simplesigning.v1+json"
	// BundleArtifactType is the artifactType of a Sigstore bundle referrer.
	BundleArtifactType = "application/vnd.dev.sigstore.bundle.v0.3+json"
	// CosignSignPredicateType is the in-toto predicate type cosign uses for
	// image signatures in the bundle form.
	CosignSignPredicateType = "https://sigstore.dev/cosign/sign/v1"
	// InTotoPayloadType is the DSSE payload type of in-toto statements.
	InTotoPayloadType = "application/vnd.in-toto+json"

	AnnotationSignature        = "dev.cosignproject.cosign/signature"
	AnnotationCertificate      = "dev.sigstore.cosign/certificate"
	AnnotationChain            = "dev.sigstore.cosign/chain"
	AnnotationRekorBundle      = "dev.sigstore.cosign/bundle"
	AnnotationRFC3161Timestamp = "dev.sigstore.cosign/rfc3161timestamp"
	// AnnotationSigstoreBundle carries, on a legacy signature layer, the
	// complete Sigstore bundle of that signature (cosign ignores it;
	// [Verify] uses it to check the transparency-log entry and timestamps,
	// which the cosign annotations cannot carry for Rekor v2).
	AnnotationSigstoreBundle = "dev.tagship.oci/sigstore-bundle"

	simpleSigningType  = "cosign container image signature"
	emptyJSONMediaType = "application/vnd.oci.empty.v1+json"
)

// Verification conditions; test with errors.Is. Identity, issuer and
// trust failures are the sign package's sentinels (sign.ErrIdentityMismatch,
// sign.ErrIssuerMismatch, …), wrapped unchanged.
var (
	// ErrNoSignature: no signature of either form exists for the digest.
	ErrNoSignature = errors.New("oci: no signature for the image digest")
	// ErrDigestMismatch: a signature exists but covers another digest, or
	// the reference resolves to another digest than expected (a tag moved).
	ErrDigestMismatch = errors.New("oci: signature does not cover the image digest")
	// ErrNotDigest: Sign was given a tag instead of REPO@sha256:….
	ErrNotDigest = errors.New("oci: reference is not by digest")
)

// SignedTarget is one manifest [Sign] signed.
type SignedTarget struct {
	// Digest is the signed manifest digest.
	Digest v1.Hash
	// LegacyTag is the cosign "sha256-<hex>.sig" tag written (FormatLegacy).
	LegacyTag string
	// LegacyBundle is the Sigstore bundle of the legacy signature.
	LegacyBundle *bundle.Bundle
	// Referrer is the digest of the bundle referrer manifest (FormatBundle).
	Referrer v1.Hash
	// Bundle is the Sigstore bundle attached as a referrer.
	Bundle *bundle.Bundle
}

// SignResult lists what [Sign] wrote.
type SignResult struct {
	// Targets is the signed index (first) and, with WithRecursive, each
	// platform manifest.
	Targets []SignedTarget
}

// Sign signs the manifest at digestRef ("REGISTRY/REPO@sha256:…") with
// signer — the digest, never a tag — and writes the signature to the
// registry in the formats of [WithFormats] (default both):
//
//   - FormatLegacy: cosign's "sha256-<hex>.sig" tag, a manifest whose layer is
//     the simple-signing payload {"critical":{"identity":{"docker-reference":
//     REPO},"image":{"docker-manifest-digest":DIGEST},"type":"cosign container
//     image signature"},"optional":null}, annotated with the base64
//     signature, the certificate (PEM), the chain, the RFC 3161 timestamp, the
//     Rekor v1 bundle when the log returned a signed entry timestamp, and the
//     full Sigstore bundle. Existing signatures under that tag are kept.
//   - FormatBundle: a Sigstore bundle v0.3 over the DSSE in-toto statement
//     {"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":HEX}}],
//     "predicateType":"https://sigstore.dev/cosign/sign/v1"}, attached as
//     an OCI 1.1 referrer (artifactType BundleArtifactType, subject = the
//     signed manifest); go-containerregistry maintains the "sha256-<hex>"
//     referrers tag on registries without the referrers API.
//
// With [WithRecursive] each platform manifest of an index is signed too.
func Sign(ctx context.Context, signer *sign.Signer, digestRef string, opts ...Option) (*SignResult, error) {
	if signer == nil {
		return nil, errors.New("oci: Sign needs a *sign.Signer")
	}
	o, err := newOptions(opts)
	if err != nil {
		return nil, err
	}
	d, err := name.NewDigest(digestRef, nameOptions(digestRef, o)...)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %v (sign REGISTRY/REPO@sha256:…, e.g. PushResult.DigestRef())", ErrNotDigest, digestRef, err)
	}
	ropts, desc, err := headDigest(ctx, o, d)
	if err != nil {
		return nil, err
	}
	targets := []v1.Descriptor{*desc}
	if o.recursive && desc.MediaType.IsIndex() {
		idx, err := remote.Index(d, ropts...)
		if err != nil {
			return nil, fmt.Errorf("oci: reading index %s: %w", d, err)
		}
		im, err := idx.IndexManifest()
		if err != nil {
			return nil, err
		}
		for _, m := range im.Manifests {
			if !isAttestation(m) {
				targets = append(targets, m)
			}
		}
	}
	res := &SignResult{}
	for _, t := range targets {
		st := SignedTarget{Digest: t.Digest}
		td := d.Context().Digest(t.Digest.String())
		if o.formats&FormatLegacy != 0 {
			tag, b, err := signLegacy(ctx, signer, td, ropts)
			if err != nil {
				return nil, err
			}
			st.LegacyTag, st.LegacyBundle = tag, b
		}
		if o.formats&FormatBundle != 0 {
			ref, b, err := signBundle(ctx, signer, td, t, ropts)
			if err != nil {
				return nil, err
			}
			st.Referrer, st.Bundle = ref, b
		}
		o.logger.Info("signed image digest", "digest", t.Digest.String(), "legacy", st.LegacyTag, "referrer", st.Referrer.String())
		res.Targets = append(res.Targets, st)
	}
	return res, nil
}

// simpleSigning is cosign's payload format (field order matters only for
// humans; the signature covers the exact bytes).
type simpleSigning struct {
	Critical struct {
		Identity struct {
			DockerReference string `json:"docker-reference"`
		} `json:"identity"`
		Image struct {
			DockerManifestDigest string `json:"docker-manifest-digest"`
		} `json:"image"`
		Type string `json:"type"`
	} `json:"critical"`
	Optional map[string]any `json:"optional"`
}

// cosignTag is cosign's tag for d's signatures (".sig") or attestations
// (".att"): "sha256-<hex>" and the suffix.
func cosignTag(d name.Digest, suffix string) name.Tag {
	return d.Context().Tag(strings.Replace(d.DigestStr(), ":", "-", 1) + suffix)
}

// appendToCosignTag appends layer, with its annotations, to the image at
// tag (an empty OCI image when the tag does not exist yet) and writes it
// back. what names the layer in errors ("signature", "attestation").
func appendToCosignTag(tag name.Tag, layer v1.Layer, ann map[string]string, what string, ropts []remote.Option) error {
	base, err := remote.Image(tag, ropts...)
	switch {
	case err == nil:
	case isNotFound(err):
		base = mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	default:
		return fmt.Errorf("oci: reading existing %ss %s: %w", what, tag, err)
	}
	img, err := mutate.Append(base, mutate.Addendum{Layer: layer, Annotations: ann})
	if err != nil {
		return err
	}
	if err := remote.Write(tag, img, ropts...); err != nil {
		return fmt.Errorf("oci: writing %s %s: %w", what, tag, err)
	}
	return nil
}

// addCertAnnotations sets the annotations a cosign signature and a cosign
// attestation share: the signing certificate (PEM), its chain to a
// trusted root when one is known, and the complete Sigstore bundle.
func addCertAnnotations(ann map[string]string, b *bundle.Bundle, certDER []byte, signer *sign.Signer) error {
	full, err := b.MarshalJSON()
	if err != nil {
		return err
	}
	ann[AnnotationCertificate] = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certDER}))
	ann[AnnotationSigstoreBundle] = string(full)
	if cert, err := x509.ParseCertificate(certDER); err == nil {
		if chain := chainFor(cert, signer.TrustedMaterial()); chain != "" {
			ann[AnnotationChain] = chain
		}
	}
	return nil
}

func signLegacy(ctx context.Context, signer *sign.Signer, d name.Digest, ropts []remote.Option) (string, *bundle.Bundle, error) {
	var p simpleSigning
	p.Critical.Identity.DockerReference = d.Context().Name()
	p.Critical.Image.DockerManifestDigest = d.DigestStr()
	p.Critical.Type = simpleSigningType
	payload, err := json.Marshal(p)
	if err != nil {
		return "", nil, err
	}
	sum := sha256.Sum256(payload)
	b, err := signer.SignDigest(ctx, sum[:])
	if err != nil {
		return "", nil, fmt.Errorf("oci: signing %s: %w", d.DigestStr(), err)
	}
	ann, err := legacyAnnotations(b, signer)
	if err != nil {
		return "", nil, err
	}
	tag := cosignTag(d, ".sig")
	if err := appendToCosignTag(tag, static.NewLayer(payload, SimpleSigningMediaType), ann, "signature", ropts); err != nil {
		return "", nil, err
	}
	return tag.String(), b, nil
}

// legacyAnnotations converts a message-signature bundle into cosign's
// signature layer annotations.
func legacyAnnotations(b *bundle.Bundle, signer *sign.Signer) (map[string]string, error) {
	pb := b.Bundle
	ms := pb.GetMessageSignature()
	if ms == nil {
		return nil, errors.New("oci: signer returned a bundle without a message signature")
	}
	certDER := pb.GetVerificationMaterial().GetCertificate().GetRawBytes()
	if certDER == nil {
		if chain := pb.GetVerificationMaterial().GetX509CertificateChain().GetCertificates(); len(chain) > 0 {
			certDER = chain[0].GetRawBytes()
		}
	}
	if certDER == nil {
		return nil, errors.New("oci: signer returned a bundle without a certificate (keyless signing expected)")
	}
	ann := map[string]string{AnnotationSignature: base64.StdEncoding.EncodeToString(ms.GetSignature())}
	if err := addCertAnnotations(ann, b, certDER, signer); err != nil {
		return nil, err
	}
	if ts := pb.GetVerificationMaterial().GetTimestampVerificationData().GetRfc3161Timestamps(); len(ts) > 0 {
		j, err := json.Marshal(struct{ SignedRFC3161Timestamp []byte }{ts[0].GetSignedTimestamp()})
		if err != nil {
			return nil, err
		}
		ann[AnnotationRFC3161Timestamp] = string(j)
	}
	for _, e := range pb.GetVerificationMaterial().GetTlogEntries() {
		set := e.GetInclusionPromise().GetSignedEntryTimestamp()
		if len(set) == 0 {
			continue // Rekor v2: no signed entry timestamp, no cosign v1 bundle
		}
		rb := struct {
			SignedEntryTimestamp []byte
			Payload              struct {
				Body           string `json:"body"`
				IntegratedTime int64  `json:"integratedTime"`
				LogIndex       int64  `json:"logIndex"`
				LogID          string `json:"logID"`
			}
		}{SignedEntryTimestamp: set}
		rb.Payload.Body = base64.StdEncoding.EncodeToString(e.GetCanonicalizedBody())
		rb.Payload.IntegratedTime = e.GetIntegratedTime()
		rb.Payload.LogIndex = e.GetLogIndex()
		rb.Payload.LogID = hex.EncodeToString(e.GetLogId().GetKeyId())
		j, err := json.Marshal(rb)
		if err != nil {
			return nil, err
		}
		ann[AnnotationRekorBundle] = string(j)
		break
	}
	return ann, nil
}

// chainFor returns the PEM chain (intermediates, root) of the trusted
// Fulcio CA that issued cert, or "" when none is found.
func chainFor(cert *x509.Certificate, tm root.TrustedMaterial) string {
	if tm == nil {
		return ""
	}
	for _, ca := range tm.FulcioCertificateAuthorities() {
		fca, ok := ca.(*root.FulcioCertificateAuthority)
		if !ok || fca.Root == nil {
			continue
		}
		chain := append(append([]*x509.Certificate{}, fca.Intermediates...), fca.Root)
		if cert.CheckSignatureFrom(chain[0]) != nil {
			continue
		}
		var buf bytes.Buffer
		for _, c := range chain {
			pem.Encode(&buf, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
		}
		return buf.String()
	}
	return ""
}

type inTotoSubject struct {
	Name   string            `json:"name,omitempty"`
	Digest map[string]string `json:"digest"`
}

type inTotoStatement struct {
	Type          string          `json:"_type"`
	Subject       []inTotoSubject `json:"subject"`
	PredicateType string          `json:"predicateType"`
	Predicate     json.RawMessage `json:"predicate,omitempty"`
}

// rawManifest is a manifest pushed as is.
type rawManifest struct {
	raw []byte
	mt  types.MediaType
}

func (r rawManifest) RawManifest() ([]byte, error)        { return r.raw, nil }
func (r rawManifest) MediaType() (types.MediaType, error) { return r.mt, nil }

func signBundle(ctx context.Context, signer *sign.Signer, d name.Digest, subject v1.Descriptor, ropts []remote.Option) (v1.Hash, *bundle.Bundle, error) {
	h, err := v1.NewHash(d.DigestStr())
	if err != nil {
		return v1.Hash{}, nil, err
	}
	st := inTotoStatement{
		Type:          "https://in-toto.io/Statement/v1",
		Subject:       []inTotoSubject{{Digest: map[string]string{h.Algorithm: h.Hex}}},
		PredicateType: CosignSignPredicateType,
	}
	payload, err := json.Marshal(st)
	if err != nil {
		return v1.Hash{}, nil, err
	}
	b, err := signer.SignDSSE(ctx, InTotoPayloadType, payload)
	if err != nil {
		return v1.Hash{}, nil, fmt.Errorf("oci: signing %s: %w", d.DigestStr(), err)
	}
	mh, err := putBundleReferrer(d, subject, b, CosignSignPredicateType, ropts)
	if err != nil {
		return v1.Hash{}, nil, err
	}
	return mh, b, nil
}

func partialDescriptor(l v1.Layer) (v1.Descriptor, error) {
	dg, err := l.Digest()
	if err != nil {
		return v1.Descriptor{}, err
	}
	sz, err := l.Size()
	if err != nil {
		return v1.Descriptor{}, err
	}
	mt, err := l.MediaType()
	if err != nil {
		return v1.Descriptor{}, err
	}
	return v1.Descriptor{MediaType: mt, Digest: dg, Size: sz}, nil
}

// headDigest looks up the manifest d names, with the registry options
// later calls reuse, and refuses an answer for another digest.
func headDigest(ctx context.Context, o *options, d name.Digest) ([]remote.Option, *v1.Descriptor, error) {
	ropts, err := remoteOptions(ctx, o, nil)
	if err != nil {
		return nil, nil, err
	}
	desc, err := remote.Head(d, ropts...)
	if err != nil {
		return nil, nil, fmt.Errorf("oci: looking up %s: %w", d, err)
	}
	if desc.Digest.String() != d.DigestStr() {
		return nil, nil, fmt.Errorf("%w: registry answered %s for %s", ErrDigestMismatch, desc.Digest, d)
	}
	return ropts, desc, nil
}
