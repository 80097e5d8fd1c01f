package provenance

import (
	"context"
	"fmt"

	"github.com/sigstore/sigstore-go/pkg/bundle"

	"github.com/tagship/tagship/sign"
)

// Verify checks a Sigstore bundle holding DSSE-signed provenance: the
// signature, certificate and log entries for policy (sign.Verifier.VerifyDSSE:
// sign's sentinels on failure), the payload type, the statement ([Parse]),
// what e expects ([Provenance.Check]) and that the run that signed is the
// run the provenance names ([Provenance.CheckCertificate]). It returns the
// provenance and the signature's verification even when a check of the
// statement fails, so that callers can report what was found.
func Verify(ctx context.Context, v *sign.Verifier, b *bundle.Bundle, policy sign.Policy, e Expect) (*Provenance, *sign.Verification, error) {
	res, err := v.VerifyDSSE(ctx, b, policy)
	if err != nil {
		return nil, nil, err
	}
	if res.PayloadType != PayloadType {
		return nil, res, fmt.Errorf("%w: DSSE payload type %q, expected %q", ErrMalformed, res.PayloadType, PayloadType)
	}
	p, err := CheckStatement(res.Payload, res, e)
	return p, res, err
}

// CheckStatement checks a provenance statement whose signature is already
// verified (res, from sign.Verifier.VerifyDSSE or oci.VerifyAttestations):
// that it parses ([Parse]), says what e expects ([Provenance.Check]) and
// names the run that signed it ([Provenance.CheckCertificate]). The
// provenance comes back even when a check fails (nil when it does not
// parse), so that callers can report what was found.
func CheckStatement(statement []byte, res *sign.Verification, e Expect) (*Provenance, error) {
	p, err := Parse(statement)
	if err != nil {
		return nil, err
	}
	if err := p.Check(e); err != nil {
		return p, err
	}
	ext := res.Certificate.Extensions
	if err := p.CheckCertificate(CertificateFacts{BuildSignerURI: ext.BuildSignerURI, SourceRepositoryDigest: ext.SourceRepositoryDigest,
		RunInvocationURI: ext.RunInvocationURI}); err != nil {
		return p, err
	}
	return p, nil
}
