package provenance

import (
	"context"
	"fmt"

	"github.com/sigstore/sigstore-go/pkg/bundle"

	"github.com/tagship/tagship/internal/atomicfile"
	"github.com/tagship/tagship/sign"
)

// DSSESigner signs a DSSE payload into a Sigstore bundle holding the
// envelope, the signing certificate and the log entries (sign.Signer
// satisfies it).
type DSSESigner interface {
	SignDSSE(ctx context.Context, payloadType string, payload []byte) (*bundle.Bundle, error)
}

// WriteBundle makes the provenance of a set of files: the statement of b
// for e.Subjects ([Build.Statement]), signed as DSSE by s, written as a
// Sigstore bundle (JSON) to path. The bundle is first checked as a user
// will check it — [Verify] with v, policy and e, on the bytes that are
// written — and a bundle that does not verify is never written: the error
// says why (sign's sentinels for the signature, [ErrSubject] or
// [ErrSource] for the statement). The file is replaced atomically, so a
// failed or cancelled call leaves an earlier bundle at path intact.
func WriteBundle(ctx context.Context, s DSSESigner, v *sign.Verifier, policy sign.Policy, path string, b Build, e Expect) error {
	stmt, err := b.Statement(e.Subjects...)
	if err != nil {
		return err
	}
	signed, err := s.SignDSSE(ctx, PayloadType, stmt)
	if err != nil {
		return fmt.Errorf("provenance: sign: %w", err)
	}
	data, err := signed.MarshalJSON()
	if err != nil {
		return fmt.Errorf("provenance: encode the bundle: %w", err)
	}
	written, err := sign.ParseBundle(data)
	if err != nil {
		return fmt.Errorf("provenance: the signed bundle does not read back: %w", err)
	}
	if _, _, err := Verify(ctx, v, written, policy, e); err != nil {
		return fmt.Errorf("provenance: the signed bundle does not verify: %w", err)
	}
	return atomicfile.WriteFile(path, data, 0o644)
}

// VerifyBundleFile is [Verify] for the bundle stored at path (as
// [WriteBundle] writes it, or as downloaded from a release). A file that
// cannot be read is returned as is (errors.Is fs.ErrNotExist for a
// missing one); one that is not a bundle matches sign.ErrInvalidBundle.
func VerifyBundleFile(ctx context.Context, v *sign.Verifier, path string, policy sign.Policy, e Expect) (*Provenance, *sign.Verification, error) {
	b, err := sign.LoadBundle(path)
	if err != nil {
		return nil, nil, err
	}
	return Verify(ctx, v, b, policy, e)
}
