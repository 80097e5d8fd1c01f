package sign

import (
	"context"
	"fmt"

	sgsign "github.com/sigstore/sigstore-go/pkg/sign"
)

// Timestamp gets an RFC 3161 timestamp over data (SHA-256 of data in the
// request) from the first timestamp authority the Signer uses, with the
// same retries and per-call cancellation as signing. cosign's legacy
// attestation form (the ".att" tag) carries such a timestamp over the DSSE
// envelope, where a bundle carries one over the signature. It fails with
// ErrConfig when the Signer has no timestamp authority.
func (s *Signer) Timestamp(ctx context.Context, data []byte) ([]byte, error) {
	if len(s.tsaURL) == 0 {
		return nil, fmt.Errorf("%w: no timestamp authority configured (WithTSAURL or a signing config listing one)", ErrConfig)
	}
	return s.timestamp(ctx, 0, data)
}

// timestamp gets an RFC 3161 timestamp over data from the Signer's i-th
// timestamp authority.
func (s *Signer) timestamp(ctx context.Context, i int, data []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	tsa := sgsign.NewTimestampAuthority(&sgsign.TimestampAuthorityOptions{URL: s.tsaURL[i], Timeout: s.o.requestTimeout,
		Transport: ctxTransport{ctx: ctx, base: s.tsaRT}})
	ts, err := tsa.GetTimestamp(ctx, data)
	if err != nil {
		return nil, &ServiceError{Service: "tsa", URL: s.tsaURL[i], Err: err}
	}
	return ts, nil
}
