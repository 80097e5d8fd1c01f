package sign_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"testing"

	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"google.golang.org/protobuf/proto"

	"github.com/tagship/tagship/sign"
	"github.com/tagship/tagship/sign/signtest"
)

// conditions are the sentinels a tampering may be reported as; each row of
// TestTamperingNamesItsCause must match its own and no other (the log
// sentinels also match their parent ErrNotInLog, by design).
var conditions = []error{
	sign.ErrSignatureInvalid, sign.ErrUntrustedCertificate, sign.ErrLogEntryMismatch, sign.ErrInclusionProof,
	sign.ErrCheckpoint, sign.ErrTimestamp, sign.ErrDigestMismatch, sign.ErrCertificateExpired,
	sign.ErrIdentityMismatch, sign.ErrIssuerMismatch, sign.ErrKeyMismatch, sign.ErrInvalidBundle, sign.ErrVerification,
}

func flipLast(b []byte, fromEnd int) { b[len(b)-fromEnd] ^= 0x01 }

// TestTamperingNamesItsCause alters one part of a good bundle at a time
// and checks that verification fails with the sentinel of that part, with
// expected and found values filled — with Rekor v1 entries (body, signed
// entry timestamp, inclusion proof, checkpoint) and Rekor v2 entries
// (inclusion proof and checkpoint only; sigstore-go rebuilds a v2 entry
// from the bundle, so there is no separate body to alter).
func TestTamperingNamesItsCause(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	type row struct {
		name  string
		edit  func(b, earlier *bundle.Bundle) // earlier: another bundle from the same log
		want  error
		check string
		v2    bool // also run against a Rekor v2 bundle
	}
	rows := []row{
		{"signature", func(b, earlier *bundle.Bundle) { flipLast(b.GetMessageSignature().Signature, 3) }, sign.ErrSignatureInvalid, "signature", true},
		{"certificate", func(b, earlier *bundle.Bundle) { flipLast(b.VerificationMaterial.GetCertificate().RawBytes, 3) }, sign.ErrUntrustedCertificate, "certificate", true},
		{"log entry time", func(b, earlier *bundle.Bundle) { b.VerificationMaterial.TlogEntries[0].IntegratedTime++ }, sign.ErrLogEntryMismatch, "tlog", false},
		{"log entry body", func(b, earlier *bundle.Bundle) {
			e := b.VerificationMaterial.TlogEntries[0]
			e.CanonicalizedBody = []byte(strings.Replace(string(e.CanonicalizedBody), `"hashedrekord"`, `"hashedrekord" `, 1))
		}, sign.ErrLogEntryMismatch, "tlog", false},
		{"log entry of another bundle", func(b, earlier *bundle.Bundle) {
			b.VerificationMaterial.TlogEntries[0] = proto.Clone(earlier.VerificationMaterial.TlogEntries[0]).(*protorekor.TransparencyLogEntry)
		}, sign.ErrLogEntryMismatch, "tlog", true},
		{"inclusion proof", func(b, earlier *bundle.Bundle) {
			ip := b.VerificationMaterial.TlogEntries[0].InclusionProof
			flipLast(ip.Hashes[0], 1)
		}, sign.ErrInclusionProof, "inclusion-proof", true},
		{"checkpoint", func(b, earlier *bundle.Bundle) {
			cp := b.VerificationMaterial.TlogEntries[0].InclusionProof.Checkpoint
			// Alter the signed tree size line (the second line of the note).
			lines := strings.SplitN(cp.Envelope, "\n", 3)
			lines[1] += "0"
			cp.Envelope = strings.Join(lines, "\n")
		}, sign.ErrCheckpoint, "checkpoint", true},
		{"timestamp", func(b, earlier *bundle.Bundle) {
			flipLast(b.VerificationMaterial.TimestampVerificationData.Rfc3161Timestamps[0].SignedTimestamp, 3)
		}, sign.ErrTimestamp, "timestamp", true},
		{"digest", func(b, earlier *bundle.Bundle) { flipLast(b.GetMessageSignature().MessageDigest.Digest, 1) }, sign.ErrDigestMismatch, "digest", true},
	}
	for _, rekor := range []uint32{1, 2} {
		st := signtest.New(t, signtest.WithRekorVersion(rekor))
		s, err := st.NewSigner()
		if err != nil {
			t.Fatal(err)
		}
		// A signed timestamp is required, so an altered one cannot hide
		// behind a log's integrated time.
		v, err := st.NewVerifier(sign.WithSignedTimestampThreshold(1))
		if err != nil {
			t.Fatal(err)
		}
		// Two entries in the log, so inclusion proofs have a hash to alter.
		pre := sha256.Sum256([]byte("an earlier artifact"))
		earlier, err := s.SignDigest(ctx, pre[:])
		if err != nil {
			t.Fatal(err)
		}
		d := sha256.Sum256([]byte("the artifact"))
		good, err := s.SignDigest(ctx, d[:])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.VerifyDigest(ctx, good, d[:], st.Policy()); err != nil {
			t.Fatalf("untampered bundle: %v", err)
		}
		for _, tc := range rows {
			if rekor == 2 && !tc.v2 {
				continue
			}
			t.Run(fmt.Sprintf("%s/rekor-v%d", tc.name, rekor), func(t *testing.T) {
				t.Parallel()
				b := cloneBundle(t, good, func(b *bundle.Bundle) { tc.edit(b, earlier) })
				_, err := v.VerifyDigest(ctx, b, d[:], st.Policy())
				if !errors.Is(err, tc.want) {
					t.Fatalf("want %v, got %v", tc.want, err)
				}
				for _, other := range conditions {
					if other != tc.want && errors.Is(err, other) {
						t.Errorf("also matches %v: %v", other, err)
					}
				}
				var ve *sign.VerificationError
				if !errors.As(err, &ve) || ve.Check != tc.check || ve.Expected == "" || ve.Found == "" {
					t.Fatalf("want check %q with expected and found, got %v", tc.check, err)
				}
				if strings.Contains(err.Error(), "sha2_256") || strings.Contains(err.Error(), "SHA2_256") {
					t.Errorf("digest algorithm spelled two ways: %v", err)
				}
				t.Logf("%v", err)
			})
		}
	}
}
