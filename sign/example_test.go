package sign_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tagship/tagship/sign"
	"github.com/tagship/tagship/sign/signtest"
)

func ExampleGitHubWorkflowIdentity() {
	fmt.Println(sign.GitHubWorkflowIdentity("Metbcy/securescan", sign.DefaultWorkflowPath, "v0.11.0"))
	// Output: https://github.com/Metbcy/securescan/.github/workflows/release.yml@refs/tags/v0.11.0
}

func ExampleGitHubReleasePolicy() {
	p := sign.GitHubReleasePolicy("Metbcy/securescan", "", "v0.11.0")
	fmt.Println(p.Identity)
	fmt.Println(p.Issuer)
	fmt.Println(p.Repository, p.Ref)
	// Output:
	// https://github.com/Metbcy/securescan/.github/workflows/release.yml@refs/tags/v0.11.0
	// https://token.actions.githubusercontent.com
	// Metbcy/securescan refs/tags/v0.11.0
}

// Sign a release file and verify it as a consumer would, against the
// in-process Sigstore of package signtest. In a GitHub Actions job, drop
// SignerOptions: the signer then uses the job's OIDC token and the
// public-good Sigstore.
func ExampleSigner_SignFile() {
	st, err := signtest.NewServer(signtest.WithWorkflow(signtest.Workflow{Repository: "octo-org/octo-repo", Ref: "v1.2.3"}))
	if err != nil {
		panic(err)
	}
	defer st.Close()
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "octo-1.2.3.tar.gz")
	os.WriteFile(file, []byte("release"), 0o644)

	ctx := context.Background()
	signer, err := sign.NewSigner(st.SignerOptions()...)
	if err != nil {
		panic(err)
	}
	fs, err := signer.SignFile(ctx, file)
	if err != nil {
		panic(err)
	}
	fmt.Println(filepath.Base(fs.BundlePath))

	verifier, err := sign.NewVerifier(st.VerifierOptions()...)
	if err != nil {
		panic(err)
	}
	res, err := verifier.VerifyFile(ctx, file, fs.BundlePath, sign.GitHubReleasePolicy("octo-org/octo-repo", "", "v1.2.3"))
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Identity)
	fmt.Println(res.Issuer)

	_, err = verifier.VerifyFile(ctx, file, fs.BundlePath, sign.GitHubReleasePolicy("octo-org/octo-repo", "", "v1.2.4"))
	fmt.Println(errors.Is(err, sign.ErrIdentityMismatch))
	// Output:
	// octo-1.2.3.tar.gz.sigstore.json
	// https://github.com/octo-org/octo-repo/.github/workflows/release.yml@refs/tags/v1.2.3
	// https://token.actions.githubusercontent.com
	// true
}

// Sign an image manifest digest (the oci package does this) and verify by
// digest.
func ExampleSigner_SignDigest() {
	st, err := signtest.NewServer()
	if err != nil {
		panic(err)
	}
	defer st.Close()
	ctx := context.Background()
	signer, _ := st.NewSigner()
	verifier, _ := st.NewVerifier()
	digest := sha256.Sum256([]byte(`{"schemaVersion":2}`))
	b, err := signer.SignDigest(ctx, digest[:])
	if err != nil {
		panic(err)
	}
	res, err := verifier.VerifyDigest(ctx, b, digest[:], st.Policy())
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Certificate.Extensions.SourceRepositoryRef)
	// Output: refs/tags/v1.0.0
}

func ExampleVerificationError() {
	err := error(&sign.VerificationError{Check: "issuer", Expected: sign.GitHubActionsIssuer, Found: "https://accounts.google.com", Condition: sign.ErrIssuerMismatch})
	var ve *sign.VerificationError
	fmt.Println(errors.Is(err, sign.ErrIssuerMismatch), errors.As(err, &ve), ve.Check)
	// Output: true true issuer
}

// Sign with a key the project holds (here a fresh ECDSA key; in practice a
// KMS or HSM key behind crypto.Signer) instead of a keyless identity, and
// verify with its public key: the same log, timestamp and threshold rules
// apply, only the signer is named by key instead of identity.
func ExampleKeyPolicy() {
	st, err := signtest.NewServer()
	if err != nil {
		panic(err)
	}
	defer st.Close()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(key.Public())
	publicPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}) // what a project publishes

	ctx := context.Background()
	signer, err := sign.NewSigner(sign.WithSigningKey(key), // no token, no Fulcio
		sign.WithRekorURL(st.RekorURL(), 1), sign.WithTSAURL(st.TSAURL()), sign.WithTrustedMaterial(st.TrustedRoot()))
	if err != nil {
		panic(err)
	}
	digest := sha256.Sum256([]byte("release"))
	b, err := signer.SignDigest(ctx, digest[:])
	if err != nil {
		panic(err)
	}

	pub, err := sign.ParsePublicKeyPEM(publicPEM)
	if err != nil {
		panic(err)
	}
	verifier, _ := st.NewVerifier()
	res, err := verifier.VerifyDigest(ctx, b, digest[:], sign.KeyPolicy(pub))
	fmt.Println(err == nil, res.PublicKeyID == sign.PublicKeyID(pub), len(res.LogIndexes))

	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, err = verifier.VerifyDigest(ctx, b, digest[:], sign.KeyPolicy(other.Public()))
	fmt.Println(errors.Is(err, sign.ErrKeyMismatch))
	_, err = verifier.VerifyDigest(ctx, b, digest[:], st.Policy()) // an identity policy wants a certificate
	fmt.Println(errors.Is(err, sign.ErrIdentityMismatch))
	// Output:
	// true true 1
	// true
	// true
}
