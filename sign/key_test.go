package sign_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"testing"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"google.golang.org/protobuf/proto"

	"github.com/tagship/tagship/sign"
	"github.com/tagship/tagship/sign/signtest"
)

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func cloneBundle(t *testing.T, b *bundle.Bundle, edit func(b *bundle.Bundle)) *bundle.Bundle {
	t.Helper()
	c, err := bundle.NewBundle(proto.Clone(b.Bundle).(*protobundle.Bundle))
	if err != nil {
		t.Fatal(err)
	}
	edit(c)
	return c
}

// TestKeySigning: a Signer with WithSigningKey needs no token and no Fulcio,
// logs and timestamps every signature, and its bundles verify with a key
// policy — for files, digests and DSSE envelopes, with Rekor v1 and v2 and
// with ECDSA and RSA keys. The refusals name the right condition.
func TestKeySigning(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		rekor uint32
		key   crypto.Signer
	}{
		{"ecdsa rekor v1", 1, newKey(t)},
		{"ecdsa rekor v2", 2, newKey(t)},
		{"rsa rekor v1", 1, rsaKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := signtest.New(t, signtest.WithRekorVersion(tc.rekor))
			// No Fulcio URL and no token source: a key signer must not need them.
			s, err := sign.NewSigner(sign.WithSigningKey(tc.key), sign.WithRekorURL(st.RekorURL(), tc.rekor), sign.WithTSAURL(st.TSAURL()),
				sign.WithTrustedMaterial(st.TrustedRoot()))
			if err != nil {
				t.Fatal(err)
			}
			v, err := st.NewVerifier()
			if err != nil {
				t.Fatal(err)
			}
			pub := tc.key.Public()
			kp := sign.KeyPolicy(pub)
			art := mkFile(t, t.TempDir(), "pkg-1.0.0.tar.gz", "a release signed with a managed key")
			fs, err := s.SignFile(ctx, art)
			if err != nil {
				t.Fatal(err)
			}
			if fs.PublicKeyID != sign.PublicKeyID(pub) || fs.Identity != "" || st.TokensMinted() != 0 {
				t.Fatalf("file signature names key %q identity %q; %d tokens minted", fs.PublicKeyID, fs.Identity, st.TokensMinted())
			}
			vm := fs.Bundle.GetVerificationMaterial()
			if vm.GetPublicKey() == nil || vm.GetCertificate() != nil || len(vm.GetTlogEntries()) != 1 ||
				len(vm.GetTimestampVerificationData().GetRfc3161Timestamps()) != 1 {
				t.Fatalf("verification material %v: want a key hint, one log entry, one timestamp", vm)
			}
			res, err := v.VerifyFile(ctx, art, fs.BundlePath, kp)
			if err != nil {
				t.Fatalf("good key: %v", err)
			}
			if res.PublicKeyID != sign.PublicKeyID(pub) || res.Identity != "" || len(res.LogIndexes) != 1 || res.SignedAt.IsZero() {
				t.Fatalf("result %+v", res)
			}

			// Digest and DSSE.
			d := sha256.Sum256([]byte("image manifest"))
			db, err := s.SignDigest(ctx, d[:])
			if err != nil {
				t.Fatal(err)
			}
			if _, err := v.VerifyDigest(ctx, db, d[:], kp); err != nil {
				t.Fatalf("digest: %v", err)
			}
			stmt := []byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"x","digest":{"sha256":"` +
				strings.Repeat("ab", 32) + `"}}],"predicateType":"https://example.com/p","predicate":{}}`)
			eb, err := s.SignDSSE(ctx, "application/vnd.in-toto+json", stmt)
			if err != nil {
				t.Fatal(err)
			}
			dres, err := v.VerifyDSSE(ctx, eb, kp)
			if err != nil || string(dres.Payload) != string(stmt) {
				t.Fatalf("dsse: %v", err)
			}

			// Refusals.
			wrong := sign.KeyPolicy(newKey(t).Public())
			if _, err := v.VerifyFile(ctx, art, fs.BundlePath, wrong); !errors.Is(err, sign.ErrKeyMismatch) {
				t.Errorf("wrong key: want ErrKeyMismatch, got %v", err)
			}
			noHint := cloneBundle(t, db, func(b *bundle.Bundle) { b.VerificationMaterial.GetPublicKey().Hint = "" })
			if _, err := v.VerifyDigest(ctx, noHint, d[:], wrong); !errors.Is(err, sign.ErrSignatureInvalid) {
				t.Errorf("wrong key, bundle without a key hint: want ErrSignatureInvalid, got %v", err)
			}
			if _, err := v.VerifyDigest(ctx, noHint, d[:], kp); err != nil {
				t.Errorf("right key, bundle without a key hint: %v", err)
			}
			if _, err := v.VerifyDSSE(ctx, eb, wrong); !errors.Is(err, sign.ErrKeyMismatch) {
				t.Errorf("dsse, wrong key: want ErrKeyMismatch, got %v", err)
			}
			if _, err := v.VerifyFile(ctx, art, fs.BundlePath, st.Policy()); !errors.Is(err, sign.ErrIdentityMismatch) {
				t.Errorf("key bundle, identity policy: want ErrIdentityMismatch, got %v", err)
			}
			other := mkFile(t, t.TempDir(), "other", "another file")
			if _, err := v.VerifyFile(ctx, other, fs.BundlePath, kp); !errors.Is(err, sign.ErrDigestMismatch) {
				t.Errorf("other file: want ErrDigestMismatch, got %v", err)
			}

			// Key + trusted root: the key alone is not enough, the log
			// entries must come from a log of the verifier's trusted root.
			elsewhere, err := signtest.New(t).NewVerifier()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := elsewhere.VerifyFile(ctx, art, fs.BundlePath, kp); !errors.Is(err, sign.ErrNotInLog) {
				t.Errorf("key + another trusted root: want ErrNotInLog, got %v", err)
			}
		})
	}
}

// TestKeylessBundleToKeyPolicy: a keyless bundle offered to a key policy
// is refused as not signed by that key, whatever key is given, even the
// signer's own ephemeral one.
func TestKeylessBundleToKeyPolicy(t *testing.T) {
	t.Parallel()
	st := signtest.New(t)
	s, v := newPair(t, st)
	ctx := context.Background()
	art := mkFile(t, t.TempDir(), "f", "keyless")
	fs, err := s.SignFile(ctx, art)
	if err != nil {
		t.Fatal(err)
	}
	for _, pub := range []crypto.PublicKey{s.PublicKey(), newKey(t).Public()} {
		_, err := v.VerifyFile(ctx, art, fs.BundlePath, sign.KeyPolicy(pub))
		var ve *sign.VerificationError
		if !errors.Is(err, sign.ErrKeyMismatch) || !errors.As(err, &ve) || ve.Check != "key" || !strings.Contains(ve.Found, st.Identity()) {
			t.Fatalf("want ErrKeyMismatch naming the certificate identity, got %v", err)
		}
	}
}

func TestKeyPolicyValidation(t *testing.T) {
	t.Parallel()
	k := newKey(t)
	der, err := x509.MarshalPKIXPublicKey(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	pub, err := sign.ParsePublicKeyPEM(pemKey)
	if err != nil || !k.PublicKey.Equal(pub) {
		t.Fatalf("ParsePublicKeyPEM: %v", err)
	}
	for name, data := range map[string][]byte{
		"not pem":     []byte("nope"),
		"certificate": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		"garbage":     pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1, 2, 3}}),
	} {
		if _, err := sign.ParsePublicKeyPEM(data); !errors.Is(err, sign.ErrInvalidPolicy) {
			t.Errorf("%s: want ErrInvalidPolicy, got %v", name, err)
		}
	}
	mixed := sign.KeyPolicy(pub)
	mixed.Issuer = sign.GitHubActionsIssuer
	if err := mixed.Validate(); !errors.Is(err, sign.ErrInvalidPolicy) {
		t.Errorf("key + issuer: want ErrInvalidPolicy, got %v", err)
	}
	if err := sign.KeyPolicy(pub).Validate(); err != nil {
		t.Errorf("key policy: %v", err)
	}
	if got := sign.KeyPolicy(pub).String(); !strings.HasPrefix(got, "public key sha256:") {
		t.Errorf("String() = %q", got)
	}
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if _, err := sign.NewSigner(sign.WithSigningKey(p384)); !errors.Is(err, sign.ErrConfig) {
		t.Errorf("P-384 signing key: want ErrConfig, got %v", err)
	}
}
