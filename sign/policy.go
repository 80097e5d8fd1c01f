package sign

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// Policy is who a bundle must have been signed by: either a keyless
// identity — Identity (or IdentityRegexpLoose) and Issuer, both required,
// there is no "any identity" — or a public key (PublicKey, see KeyPolicy),
// never both. The log, timestamp and threshold rules of the Verifier apply
// to both forms.
type Policy struct {
	// PublicKey, when set, makes this a key policy: the bundle must carry
	// no certificate and its signature must verify with this key (ECDSA,
	// RSA or Ed25519 public key, as from ParsePublicKeyPEM). Identity,
	// Issuer and the claim checks must then be empty.
	PublicKey crypto.PublicKey

	// Identity is the exact certificate subject alternative name, e.g.
	// GitHubWorkflowIdentity(repo, DefaultWorkflowPath, tag).
	Identity string
	// Issuer is the exact OIDC issuer, e.g. GitHubActionsIssuer.
	Issuer string
	// IdentityRegexpLoose is a regular expression the SAN must match when
	// Identity is empty. It is looser than an exact identity: anchor it
	// (^…$) and prefer Identity.
	IdentityRegexpLoose string

	// Optional GitHub claim checks against the Fulcio certificate extensions.
	// Repository is "owner/name" (checked against the source repository URI
	// extension 1.3.6.1.4.1.57264.1.12).
	Repository string
	// Ref is the git ref, e.g. "refs/tags/v1.2.3" (extension .1.14).
	Ref string
	// EventName is the workflow trigger, e.g. "push" (extension .1.20).
	EventName string
	// WorkflowSHA is the commit the workflow ran on (extension .1.13).
	WorkflowSHA string
}

// GitHubReleasePolicy is the policy for a release built by the GitHub Actions
// workflow at workflowPath ("" means DefaultWorkflowPath) of repository
// ("owner/name") for tag ("v1.2.3"): exact SAN, exact GitHub issuer, and the
// repository and ref claims.
func GitHubReleasePolicy(repository, workflowPath, tag string) Policy {
	return Policy{
		Identity:   GitHubWorkflowIdentity(repository, workflowPath, tag),
		Issuer:     GitHubActionsIssuer,
		Repository: strings.Trim(repository, "/"),
		Ref:        tagRef(tag),
	}
}

// KeyPolicy is the policy for bundles signed with the private key of pub
// (a managed or KMS key, see WithSigningKey) instead of a Fulcio identity.
func KeyPolicy(pub crypto.PublicKey) Policy { return Policy{PublicKey: pub} }

// ParsePublicKeyPEM parses a PEM "PUBLIC KEY" (PKIX; the form `cosign
// public-key` and `openssl pkey -pubout` write) into an ECDSA, RSA or
// Ed25519 public key.
func ParsePublicKeyPEM(data []byte) (crypto.PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%w: no PEM block in public key", ErrInvalidPolicy)
	}
	if block.Type != "PUBLIC KEY" {
		return nil, fmt.Errorf("%w: PEM block %q, want \"PUBLIC KEY\"", ErrInvalidPolicy, block.Type)
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: public key: %v", ErrInvalidPolicy, err)
	}
	return pub, nil
}

// LoadPublicKey reads a PEM public key file (see ParsePublicKeyPEM).
func LoadPublicKey(path string) (crypto.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pub, err := ParsePublicKeyPEM(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return pub, nil
}

// PublicKeyID names a public key in messages: "sha256:" and the hex
// SHA-256 of its PKIX DER encoding ("" for a key that cannot be encoded).
func PublicKeyID(pub crypto.PublicKey) string {
	h, err := pkixSHA256(pub)
	if err != nil {
		return ""
	}
	return "sha256:" + hex.EncodeToString(h[:])
}

// publicKeyHint is the key hint a key-signed bundle carries: the base64
// SHA-256 of the PKIX DER encoding, as sigstore-go's keypairs compute it.
func publicKeyHint(pub crypto.PublicKey) string {
	h, err := pkixSHA256(pub)
	if err != nil {
		return ""
	}
	return base64.StdEncoding.EncodeToString(h[:])
}

// pkixSHA256 is the SHA-256 of pub's PKIX DER encoding.
func pkixSHA256(pub crypto.PublicKey) ([sha256.Size]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return [sha256.Size]byte{}, err
	}
	return sha256.Sum256(der), nil
}

// Validate reports whether p can be used for verification.
func (p Policy) Validate() error {
	if p.PublicKey != nil {
		if p.Identity != "" || p.IdentityRegexpLoose != "" || p.Issuer != "" ||
			p.Repository != "" || p.Ref != "" || p.EventName != "" || p.WorkflowSHA != "" {
			return fmt.Errorf("%w: a policy has either a public key or an identity and issuer, not both", ErrInvalidPolicy)
		}
		switch k := p.PublicKey.(type) {
		case *ecdsa.PublicKey, *rsa.PublicKey:
		default:
			if _, err := x509.MarshalPKIXPublicKey(k); err != nil {
				return fmt.Errorf("%w: unsupported public key type %T", ErrInvalidPolicy, k)
			}
		}
		return nil
	}
	if p.Identity == "" && p.IdentityRegexpLoose == "" {
		return fmt.Errorf("%w: no identity: set Policy.Identity to the exact certificate identity, e.g. %q (sign.GitHubWorkflowIdentity builds it)",
			ErrInvalidPolicy, GitHubWorkflowIdentity("OWNER/REPO", DefaultWorkflowPath, "vX.Y.Z"))
	}
	if p.Identity != "" && p.IdentityRegexpLoose != "" {
		return fmt.Errorf("%w: set either Identity or IdentityRegexpLoose, not both", ErrInvalidPolicy)
	}
	if p.IdentityRegexpLoose != "" {
		if _, err := regexp.Compile(p.IdentityRegexpLoose); err != nil {
			return fmt.Errorf("%w: IdentityRegexpLoose: %v", ErrInvalidPolicy, err)
		}
	}
	if p.Issuer == "" {
		return fmt.Errorf("%w: no issuer: set Policy.Issuer to the exact OIDC issuer, e.g. %q", ErrInvalidPolicy, GitHubActionsIssuer)
	}
	return nil
}

// String describes the policy for messages and release notes.
func (p Policy) String() string {
	if p.PublicKey != nil {
		return "public key " + PublicKeyID(p.PublicKey)
	}
	id := p.Identity
	if id == "" {
		id = "~" + p.IdentityRegexpLoose
	}
	return fmt.Sprintf("identity %s issued by %s", id, p.Issuer)
}
