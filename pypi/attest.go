package pypi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"google.golang.org/protobuf/encoding/protojson"
)

// PEP 740 constants.
const (
	// PublishPredicateType is the predicate type of a PyPI publish
	// attestation.
	PublishPredicateType = "https://docs.pypi.org/attestations/publish/v1"
	// InTotoPayloadType is the DSSE payload type of an in-toto statement.
	InTotoPayloadType = "application/vnd.in-toto+json"
	inTotoStatementV1 = "https://in-toto.io/Statement/v1"
)

// ErrAttestation: a PEP 740 attestation could not be produced.
var ErrAttestation = errors.New("pypi: attestation failed")

// DSSESigner signs a DSSE payload keyless and returns a Sigstore bundle
// holding a DSSE envelope, the signing certificate and transparency log
// entries (sign's Signer satisfies it).
type DSSESigner interface {
	SignDSSE(ctx context.Context, payloadType string, payload []byte) (*bundle.Bundle, error)
}

// Attestation is PyPI's attestation object (PEP 740, as pypi-attestations
// serialises it). Byte fields are base64 in JSON.
type Attestation struct {
	Version              int                  `json:"version"`
	VerificationMaterial VerificationMaterial `json:"verification_material"`
	Envelope             Envelope             `json:"envelope"`
}

// VerificationMaterial is the signing certificate (DER) and the
// transparency log entries (Sigstore protobuf JSON).
type VerificationMaterial struct {
	Certificate         []byte            `json:"certificate"`
	TransparencyEntries []json.RawMessage `json:"transparency_entries"`
}

// Envelope is the signed statement and its DSSE signature.
type Envelope struct {
	Statement []byte `json:"statement"`
	Signature []byte `json:"signature"`
}

// PublishStatement returns the in-toto Statement v1 of d's publish
// attestation: subject name = file name, digest sha256, predicate type
// PublishPredicateType, empty predicate.
func PublishStatement(d *Distribution) []byte {
	st := map[string]any{
		"_type": inTotoStatementV1,
		"subject": []map[string]any{{
			"name":   d.Filename,
			"digest": map[string]string{"sha256": d.SHA256},
		}},
		"predicateType": PublishPredicateType,
		"predicate":     map[string]any{},
	}
	b, _ := json.Marshal(st)
	return b
}

// Attest signs d's publish statement with s and converts the bundle to
// PyPI's attestation object.
func Attest(ctx context.Context, s DSSESigner, d *Distribution) (*Attestation, error) {
	stmt := PublishStatement(d)
	b, err := s.SignDSSE(ctx, InTotoPayloadType, stmt)
	if err != nil {
		return nil, fmt.Errorf("%w: signing the publish statement of %s: %w", ErrAttestation, d.Filename, err)
	}
	a, err := AttestationFromBundle(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrAttestation, d.Filename, err)
	}
	if string(a.Envelope.Statement) != string(stmt) {
		return nil, fmt.Errorf("%w: %s: the signer returned an envelope for a different statement", ErrAttestation, d.Filename)
	}
	return a, nil
}

// AttestationFromBundle converts a Sigstore bundle holding a DSSE
// envelope signed by a Fulcio-style certificate into PyPI's attestation
// object.
func AttestationFromBundle(b *bundle.Bundle) (*Attestation, error) {
	if b == nil || b.Bundle == nil {
		return nil, errors.New("empty bundle")
	}
	vm := b.GetVerificationMaterial()
	if vm == nil {
		return nil, errors.New("bundle has no verification material")
	}
	var cert []byte
	if c := vm.GetCertificate(); c != nil {
		cert = c.GetRawBytes()
	} else if ch := vm.GetX509CertificateChain(); ch != nil && len(ch.GetCertificates()) > 0 {
		cert = ch.GetCertificates()[0].GetRawBytes()
	}
	if len(cert) == 0 {
		return nil, errors.New("bundle has no signing certificate (PEP 740 needs keyless signing)")
	}
	env := b.GetDsseEnvelope()
	if env == nil {
		return nil, errors.New("bundle has no DSSE envelope")
	}
	if env.GetPayloadType() != InTotoPayloadType {
		return nil, fmt.Errorf("DSSE payload type %q, expected %q", env.GetPayloadType(), InTotoPayloadType)
	}
	if len(env.GetSignatures()) != 1 {
		return nil, fmt.Errorf("DSSE envelope has %d signatures, expected 1", len(env.GetSignatures()))
	}
	a := &Attestation{Version: 1}
	a.VerificationMaterial.Certificate = cert
	for _, e := range vm.GetTlogEntries() {
		js, err := protojson.Marshal(e)
		if err != nil {
			return nil, err
		}
		a.VerificationMaterial.TransparencyEntries = append(a.VerificationMaterial.TransparencyEntries, js)
	}
	if len(a.VerificationMaterial.TransparencyEntries) == 0 {
		return nil, errors.New("bundle has no transparency log entries")
	}
	a.Envelope.Statement = env.GetPayload()
	a.Envelope.Signature = env.GetSignatures()[0].GetSig()
	return a, nil
}

// Bundle converts the attestation back into a Sigstore bundle (v0.3,
// DSSE envelope), so that it can be verified with a Sigstore verifier
// (for example sign.Verifier.VerifyDSSE with a pinned identity).
func (a *Attestation) Bundle() (*bundle.Bundle, error) {
	if a.Version != 1 {
		return nil, fmt.Errorf("unsupported attestation version %d", a.Version)
	}
	var entries []*protorekor.TransparencyLogEntry
	for _, raw := range a.VerificationMaterial.TransparencyEntries {
		e := &protorekor.TransparencyLogEntry{}
		if err := protojson.Unmarshal(raw, e); err != nil {
			return nil, fmt.Errorf("transparency entry: %w", err)
		}
		entries = append(entries, e)
	}
	pb := &protobundle.Bundle{
		MediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
		VerificationMaterial: &protobundle.VerificationMaterial{
			Content: &protobundle.VerificationMaterial_Certificate{
				Certificate: &protocommon.X509Certificate{RawBytes: a.VerificationMaterial.Certificate},
			},
			TlogEntries: entries,
		},
		Content: &protobundle.Bundle_DsseEnvelope{DsseEnvelope: &protodsse.Envelope{
			Payload:     a.Envelope.Statement,
			PayloadType: InTotoPayloadType,
			Signatures:  []*protodsse.Signature{{Sig: a.Envelope.Signature}},
		}},
	}
	return bundle.NewBundle(pb)
}
