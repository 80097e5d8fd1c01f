package sign_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tagship/tagship/internal/interop"
	"github.com/tagship/tagship/internal/sigstack"
	"github.com/tagship/tagship/sign"
	"github.com/tagship/tagship/sign/signtest"
)

// TestInteropRealSigstore proves issue 3's three interop claims against the
// real services (Fulcio with a TesseraCT CT log, Rekor v2, the timestamp
// authority — internal/sigstack) and the real cosign v2.6.5, both ways:
//
//  1. a bundle from our Signer.SignFile passes `cosign verify-blob` with
//     only --trusted-root and the identity (no --insecure-* flag);
//  2. a bundle from `cosign sign-blob` passes our Verifier.VerifyFile;
//  3. wrong identity, wrong issuer, tampered file and the bundle of another
//     file are refused by both cosign and us, whoever made the bundle.
//
// The OIDC issuer is signtest's, serving on 127.0.0.1 under its own URL, so
// Fulcio's github-workflow issuer type gets every GitHub claim. The tools'
// versions are logged by sigstack. Without the tools (tools/build.sh) the
// test skips; under TAGSHIP_INTEROP=1 it fails instead.
func TestInteropRealSigstore(t *testing.T) {
	iss := startIssuer(t)
	stack := sigstack.Start(t, iss.url)
	ctx := context.Background()
	dir := t.TempDir()
	tokenPath := filepath.Join(dir, "oidc-token")
	if err := os.WriteFile(tokenPath, []byte(iss.token), 0o600); err != nil {
		t.Fatal(err)
	}

	// The exact policy a consumer pins, with every GitHub claim check.
	policy := sign.Policy{
		Identity:    iss.workflow.Identity(),
		Issuer:      iss.url,
		Repository:  iss.workflow.Repository,
		Ref:         iss.workflow.Ref,
		EventName:   iss.workflow.EventName,
		WorkflowSHA: iss.workflow.SHA,
	}
	verifier, err := sign.NewVerifier(sign.WithVerifierTrustedRootFile(stack.TrustedRootPath))
	if err != nil {
		t.Fatal(err)
	}
	cosignVerify := func(t *testing.T, file, bundle, identity, issuer string) (string, error) {
		t.Helper()
		return stack.Cosign(t, "verify-blob",
			"--bundle", bundle,
			"--trusted-root", stack.TrustedRootPath,
			"--certificate-identity", identity,
			"--certificate-oidc-issuer", issuer,
			"--use-signed-timestamps",
			file)
	}

	// 1. Ours signs, the real cosign verifies.
	ours := writeFile(t, dir, "ours.tar.gz", "release artifact signed by tagship\n")
	signer, err := sign.NewSigner(
		sign.WithSigningConfigFile(stack.SigningConfigPath),
		sign.WithTrustedRootFile(stack.TrustedRootPath),
		// Tokens come from signtest's GitHub-Actions-style token endpoint
		// (ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN), as in a real workflow.
		sign.WithTokenSource(iss.tokens),
	)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := signer.SignFile(ctx, ours)
	if err != nil {
		t.Fatalf("SignFile against the real Fulcio + CT + Rekor v2 + TSA: %v", err)
	}
	if fs.BundlePath != ours+".sigstore.json" {
		t.Errorf("bundle written to %s, want %s", fs.BundlePath, ours+".sigstore.json")
	}
	t.Run("ours used the stack's services", func(t *testing.T) {
		// The signing config names Rekor v2 and the TSA: the bundle must
		// carry a hashedrekord v0.0.2 (Rekor v2) entry and an RFC 3161
		// timestamp, or cosign's acceptance below would prove less.
		vm := fs.Bundle.GetVerificationMaterial()
		entries := vm.GetTlogEntries()
		if len(entries) != 1 || entries[0].GetKindVersion().GetVersion() != "0.0.2" {
			t.Errorf("transparency-log entries %v, want one Rekor v2 (hashedrekord 0.0.2) entry", entries)
		}
		if n := len(vm.GetTimestampVerificationData().GetRfc3161Timestamps()); n != 1 {
			t.Errorf("RFC 3161 timestamps: %d, want 1", n)
		}
	})
	t.Run("ours signs, cosign verifies", func(t *testing.T) {
		if _, err := cosignVerify(t, ours, fs.BundlePath, policy.Identity, policy.Issuer); err != nil {
			t.Fatalf("cosign rejects our bundle: %v", err)
		}
		// And we accept our own bundle with the full claim policy.
		if _, err := verifier.VerifyFile(ctx, ours, fs.BundlePath, policy); err != nil {
			t.Fatalf("VerifyFile of our own bundle: %v", err)
		}
	})

	// 2. The real cosign signs, ours verifies.
	theirs := writeFile(t, dir, "theirs.whl", "release artifact signed by cosign\n")
	theirsBundle := theirs + ".sigstore.json"
	if _, err := stack.Cosign(t, "sign-blob", "--yes",
		"--signing-config", stack.SigningConfigPath,
		"--trusted-root", stack.TrustedRootPath,
		"--identity-token", tokenPath,
		"--new-bundle-format", "--bundle", theirsBundle,
		theirs); err != nil {
		t.Fatalf("cosign sign-blob against the stack: %v", err)
	}
	t.Run("cosign signs, ours verifies", func(t *testing.T) {
		res, err := verifier.VerifyFile(ctx, theirs, theirsBundle, policy)
		if err != nil {
			t.Fatalf("VerifyFile rejects cosign's bundle: %v", err)
		}
		if res.Identity != policy.Identity || res.Issuer != policy.Issuer {
			t.Errorf("verified identity %q issuer %q, want %q %q", res.Identity, res.Issuer, policy.Identity, policy.Issuer)
		}
		if len(res.LogIndexes) != 1 {
			t.Errorf("log entries %v, want exactly one Rekor v2 entry", res.LogIndexes)
		}
		hasTSA := false
		for _, ts := range res.Timestamps {
			hasTSA = hasTSA || ts.Kind == "TimestampAuthority"
		}
		if !hasTSA {
			t.Errorf("timestamps %+v, want an RFC 3161 timestamp from the TSA", res.Timestamps)
		}
	})

	// 3. Both refuse what they must, for bundles from either side.
	tampered := func(orig string) string {
		b, err := os.ReadFile(orig)
		if err != nil {
			t.Fatal(err)
		}
		return writeFile(t, dir, "tampered-"+filepath.Base(orig), string(b)+"x")
	}
	bundles := []struct {
		maker        string
		file, bundle string
		other        string // a file the bundle is not for
	}{
		{"tagship", ours, fs.BundlePath, theirs},
		{"cosign", theirs, theirsBundle, ours},
	}
	for _, b := range bundles {
		cases := []struct {
			name             string
			file             string
			identity, issuer string
			want             error  // our sentinel
			cosignSays       string // why cosign v2.6.5 refuses
		}{
			{"wrong identity", b.file, iss.otherIdentity(), policy.Issuer,
				sign.ErrIdentityMismatch, "expected SAN value"},
			{"wrong issuer", b.file, policy.Identity, "https://token.actions.githubusercontent.com",
				sign.ErrIssuerMismatch, "expected issuer value"},
			{"tampered file", tampered(b.file), policy.Identity, policy.Issuer,
				sign.ErrDigestMismatch, "invalid signature"},
			{"bundle of another file", b.other, policy.Identity, policy.Issuer,
				sign.ErrDigestMismatch, "invalid signature"},
		}
		for _, c := range cases {
			t.Run(b.maker+" bundle/"+c.name, func(t *testing.T) {
				// cosign must refuse, and for this reason: a refusal
				// caused by a broken setup would prove nothing.
				out, err := cosignVerify(t, c.file, b.bundle, c.identity, c.issuer)
				if err == nil {
					t.Error("cosign verify-blob accepted it")
				} else if !strings.Contains(out, c.cosignSays) {
					t.Errorf("cosign verify-blob refused, but not with %q", c.cosignSays)
				}
				p := policy
				p.Identity, p.Issuer = c.identity, c.issuer
				_, err = verifier.VerifyFile(ctx, c.file, b.bundle, p)
				if err == nil {
					t.Fatal("VerifyFile accepted it")
				}
				if !errors.Is(err, c.want) {
					t.Errorf("VerifyFile error %v, want %v", err, c.want)
				}
				var ve *sign.VerificationError
				if !errors.As(err, &ve) {
					t.Errorf("VerifyFile error %T, want a *sign.VerificationError naming the check", err)
				}
			})
		}
	}

	// cosign v3.1.3 (tools/bin/cosign3) must accept both bundles too; it
	// infers --use-signed-timestamps from the bundle.
	t.Run("cosign v3 verifies both", func(t *testing.T) {
		cosign3 := interop.Tool(t, "cosign3")
		mod, ver, _ := sigstack.ToolVersion(cosign3)
		t.Logf("cosign3: %s %s", mod, ver)
		for _, b := range bundles {
			if _, err := stack.RunCosign(t, cosign3, "verify-blob",
				"--bundle", b.bundle,
				"--trusted-root", stack.TrustedRootPath,
				"--certificate-identity", policy.Identity,
				"--certificate-oidc-issuer", policy.Issuer,
				b.file); err != nil {
				t.Errorf("cosign v3 rejects the %s bundle: %v", b.maker, err)
			}
		}
	})
}

// issuer is signtest's OIDC issuer running standalone for the real Fulcio.
type issuer struct {
	url      string
	token    string // a token for workflow, audience "sigstore"
	tokens   sign.TokenSource
	workflow signtest.Workflow
}

// otherIdentity is a plausible identity that did not sign: same repository,
// another tag.
func (iss *issuer) otherIdentity() string {
	return strings.Replace(iss.workflow.Identity(), "@refs/tags/", "@refs/tags/v9.9.9-not-", 1)
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// startIssuer starts signtest's in-process Sigstore for its OIDC issuer only,
// named after its own loopback URL so that the real Fulcio can fetch its
// discovery document and keys.
func startIssuer(t *testing.T) *issuer {
	t.Helper()
	st := signtest.New(t, signtest.WithIssuerSelfURL())
	tok, err := st.MintToken("sigstore")
	if err != nil {
		t.Fatal(err)
	}
	return &issuer{url: st.Issuer(), token: tok, tokens: st.TokenSource(), workflow: st.Workflow()}
}

// TestInteropKeyBundles: bundles signed with a caller's key
// (WithSigningKey) against the real Rekor v2 and TSA of the local stack —
// no Fulcio, no token — are verified by the real cosign v2.6.5 and v3.1.3
// with --key (a file's bundle with verify-blob, an in-toto statement's
// with verify-blob-attestation), and refused with another key.
func TestInteropKeyBundles(t *testing.T) {
	iss := startIssuer(t)
	stack := sigstack.Start(t, iss.url)
	var cosign3 string
	t.Run("cosign v3 present", func(t *testing.T) { cosign3 = interop.Tool(t, "cosign3") })
	ctx := context.Background()
	dir := t.TempDir()

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	writeKey := func(name string, pub crypto.PublicKey) string {
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		return writeFile(t, dir, name, string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})))
	}
	pubPath, otherPath := writeKey("key.pub", key.Public()), writeKey("other.pub", other.Public())

	signer, err := sign.NewSigner(
		sign.WithSigningKey(key),
		sign.WithSigningConfigFile(stack.SigningConfigPath),
		sign.WithTrustedRootFile(stack.TrustedRootPath),
	)
	if err != nil {
		t.Fatal(err)
	}
	art := writeFile(t, dir, "pkg-1.0.0.tar.gz", "signed with a managed key\n")
	fs, err := signer.SignFile(ctx, art)
	if err != nil {
		t.Fatalf("SignFile with a key against the real Rekor v2 + TSA: %v", err)
	}
	stmt := `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"pkg-1.0.0.tar.gz","digest":{"sha256":"` + fs.SHA256Hex() +
		`"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{"buildDefinition":{"buildType":"https://example.com/t"}}}`
	db, err := signer.SignDSSE(ctx, "application/vnd.in-toto+json", []byte(stmt))
	if err != nil {
		t.Fatal(err)
	}
	data, err := db.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	dsse := writeFile(t, dir, "statement.sigstore.json", string(data))
	vm := fs.Bundle.GetVerificationMaterial()
	if vm.GetPublicKey() == nil || len(vm.GetTlogEntries()) != 1 || vm.GetTlogEntries()[0].GetKindVersion().GetVersion() != "0.0.2" ||
		len(vm.GetTimestampVerificationData().GetRfc3161Timestamps()) != 1 {
		t.Fatalf("verification material %v: want a key hint, one Rekor v2 entry, one timestamp", vm)
	}

	for _, c := range []struct {
		name, bin string
		extra     []string
	}{
		{"cosign v2", stack.CosignPath(), []string{"--use-signed-timestamps", "--new-bundle-format"}},
		{"cosign v3", cosign3, nil},
	} {
		if c.bin == "" {
			continue
		}
		for _, tc := range []struct {
			name, cmd, bundle, key string
			ok                     bool
		}{
			{"file", "verify-blob", fs.BundlePath, pubPath, true},
			{"file, other key", "verify-blob", fs.BundlePath, otherPath, false},
			{"in-toto", "verify-blob-attestation", dsse, pubPath, true},
			{"in-toto, other key", "verify-blob-attestation", dsse, otherPath, false},
		} {
			t.Run(c.name+"/"+tc.name, func(t *testing.T) {
				args := []string{tc.cmd, "--bundle", tc.bundle, "--trusted-root", stack.TrustedRootPath, "--key", tc.key}
				if tc.cmd == "verify-blob-attestation" {
					args = append(args, "--type", "https://slsa.dev/provenance/v1")
				}
				_, err := stack.RunCosign(t, c.bin, append(append(args, c.extra...), art)...)
				if tc.ok && err != nil {
					t.Fatalf("%s refuses tagship's key bundle: %v", c.name, err)
				}
				if !tc.ok && err == nil {
					t.Fatalf("%s accepted another key", c.name)
				}
			})
		}
	}
}
