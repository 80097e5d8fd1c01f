package sign

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	rekorv2verify "github.com/sigstore/rekor-tiles/v2/pkg/verify"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/tlog"
	"github.com/sigstore/sigstore-go/pkg/tuf"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
	tlogformats "github.com/transparency-dev/formats/log"
)

// maxBundleSize bounds bundle files read by VerifyFile and LoadBundle.
const maxBundleSize = 32 << 20

// VerifierOption configures a Verifier.
type VerifierOption func(*verifierSetup) error

type verifierSetup struct {
	trusted         root.TrustedMaterial
	trustedRootFile string
	cfg             verifierConfig
	logger          *slog.Logger
}

type verifierConfig struct {
	tlog       int // transparency-log entries required
	signedTS   int // RFC 3161 timestamps required
	observerTS int // signed timestamps or log integrated times required
	sct        int // SCTs required; -1: 1 if the trusted root lists a CT log
}

// WithVerifierTrustedRootFile reads trust material from a trusted_root.json
// (the file `cosign --trusted-root` takes). Default: the public-good Sigstore
// trusted root, fetched and refreshed through TUF (needs network).
func WithVerifierTrustedRootFile(path string) VerifierOption {
	return func(s *verifierSetup) error { s.trustedRootFile = path; return nil }
}

// WithVerifierTrustedMaterial uses tm as trust material (see
// WithVerifierTrustedRootFile).
func WithVerifierTrustedMaterial(tm root.TrustedMaterial) VerifierOption {
	return func(s *verifierSetup) error {
		if tm == nil {
			return fmt.Errorf("%w: WithVerifierTrustedMaterial(nil)", ErrConfig)
		}
		s.trusted = tm
		return nil
	}
}

// WithTransparencyLogThreshold sets how many transparency-log entries (from
// distinct trusted logs) a bundle needs (default 1).
func WithTransparencyLogThreshold(n int) VerifierOption {
	return func(s *verifierSetup) error {
		if n < 1 {
			return fmt.Errorf("%w: transparency-log threshold %d: at least 1 is required", ErrConfig, n)
		}
		s.cfg.tlog = n
		return nil
	}
}

// WithSignedTimestampThreshold sets how many RFC 3161 timestamps from
// trusted timestamp authorities a bundle needs (default 0: a log's
// integrated time is enough as signing time).
func WithSignedTimestampThreshold(n int) VerifierOption {
	return func(s *verifierSetup) error {
		if n < 0 {
			return fmt.Errorf("%w: signed-timestamp threshold %d", ErrConfig, n)
		}
		s.cfg.signedTS = n
		return nil
	}
}

// WithObserverTimestampThreshold sets how many trusted signing times
// (RFC 3161 timestamps or Rekor v1 integrated times) a bundle needs
// (default 1).
func WithObserverTimestampThreshold(n int) VerifierOption {
	return func(s *verifierSetup) error {
		if n < 1 {
			return fmt.Errorf("%w: observer-timestamp threshold %d: at least 1 is required", ErrConfig, n)
		}
		s.cfg.observerTS = n
		return nil
	}
}

// WithVerifierSCTThreshold sets how many signed certificate timestamps from
// trusted CT logs the certificate must embed (default: 1 when the trusted
// root lists a CT log, else 0; there is no opt-out besides a trusted root
// without CT logs).
func WithVerifierSCTThreshold(n int) VerifierOption {
	return func(s *verifierSetup) error {
		if n < 1 {
			return fmt.Errorf("%w: SCT threshold %d", ErrConfig, n)
		}
		s.cfg.sct = n
		return nil
	}
}

// WithVerifierLogger sets the logger (default: discard).
func WithVerifierLogger(l *slog.Logger) VerifierOption {
	return func(s *verifierSetup) error {
		if l == nil {
			return fmt.Errorf("%w: WithVerifierLogger(nil)", ErrConfig)
		}
		s.logger = l
		return nil
	}
}

// Verifier checks bundles against a trusted root and an identity Policy.
// It is safe for concurrent use. Verification is CPU work on data already
// in memory, so a Verifier runs at most GOMAXPROCS verifications at once
// and the other callers wait their turn (or for their context): more at
// once would not finish sooner, only hold more memory.
type Verifier struct {
	trusted root.TrustedMaterial
	cfg     verifierConfig
	sev     *verify.Verifier
	log     *slog.Logger
	slots   chan struct{} // one per verification in progress
}

// Verification is what a successful verification established.
type Verification struct {
	// Identity and Issuer are the verified certificate SAN and OIDC issuer
	// (keyless bundles).
	Identity string
	Issuer   string
	// Certificate summarises the signing certificate, including the Fulcio
	// GitHub extensions (Certificate.Extensions).
	Certificate certificate.Summary
	// PublicKeyID names the policy's public key ("sha256:HEX", see
	// PublicKeyID) when the bundle was verified with a key policy; Identity,
	// Issuer and Certificate are then empty.
	PublicKeyID string
	// SHA256 is the verified artifact digest (nil for VerifyDSSE).
	SHA256 []byte
	// PayloadType and Payload are the DSSE envelope contents (DSSE bundles).
	PayloadType string
	Payload     []byte
	// Timestamps are the verified signing times (RFC 3161 and log
	// integrated times); SignedAt is the earliest.
	Timestamps []VerifiedTimestamp
	SignedAt   time.Time
	// LogIndexes are the indexes of the bundle's transparency-log entries.
	LogIndexes []int64
	// Result is sigstore-go's full result.
	Result *verify.VerificationResult
}

// VerifiedTimestamp is one verified signing time.
type VerifiedTimestamp struct {
	Kind string // "Tlog" or "TimestampAuthority"
	URI  string
	Time time.Time
}

// NewVerifier builds a Verifier. Without a trust option it loads the
// public-good Sigstore trusted root through TUF (network; cached under
// $HOME/.sigstore), which cannot work offline: pass
// WithVerifierTrustedRootFile there.
func NewVerifier(opts ...VerifierOption) (*Verifier, error) {
	s := &verifierSetup{cfg: verifierConfig{tlog: 1, observerTS: 1, sct: -1}, logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, o := range opts {
		if err := o(s); err != nil {
			return nil, err
		}
	}
	tm := s.trusted
	if tm == nil && s.trustedRootFile != "" {
		tr, err := root.NewTrustedRootFromPath(s.trustedRootFile)
		if err != nil {
			return nil, fmt.Errorf("%w: trusted root %s: %v", ErrConfig, s.trustedRootFile, err)
		}
		tm = tr
	}
	if tm == nil {
		live, err := root.NewLiveTrustedRoot(tuf.DefaultOptions())
		if err != nil {
			return nil, fmt.Errorf("%w: loading the public-good trusted root via TUF failed (offline? pass WithVerifierTrustedRootFile): %v", ErrConfig, err)
		}
		tm = live
	}
	return newVerifier(tm, s.cfg, s.logger)
}

func newVerifier(tm root.TrustedMaterial, cfg verifierConfig, log *slog.Logger) (*Verifier, error) {
	if cfg.sct < 0 {
		cfg.sct = 0
		if len(tm.CTLogs()) > 0 {
			cfg.sct = 1
		}
	}
	sev, err := verify.NewVerifier(tm, sigstoreOptions(cfg)...)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	return &Verifier{trusted: tm, cfg: cfg, sev: sev, log: log, slots: make(chan struct{}, runtime.GOMAXPROCS(0))}, nil
}

// sigstoreOptions turns the thresholds into sigstore-go verifier options.
func sigstoreOptions(cfg verifierConfig) []verify.VerifierOption {
	var vo []verify.VerifierOption
	if cfg.tlog > 0 {
		vo = append(vo, verify.WithTransparencyLog(cfg.tlog))
	}
	if cfg.signedTS > 0 {
		vo = append(vo, verify.WithSignedTimestamps(cfg.signedTS))
	}
	if cfg.observerTS > 0 {
		vo = append(vo, verify.WithObserverTimestamps(cfg.observerTS))
	}
	if cfg.sct > 0 {
		vo = append(vo, verify.WithSignedCertificateTimestamps(cfg.sct))
	}
	if cfg.tlog == 0 && cfg.signedTS == 0 && cfg.observerTS == 0 {
		vo = append(vo, verify.WithCurrentTime())
	}
	return vo
}

// keyVerifier is the Verifier's sigstore-go verifier for a key policy: the
// trust material gains pub (whatever key hint the bundle names: the hint is
// not trusted, the key is), and no SCT is required (a key has none). Log
// and timestamp thresholds are the Verifier's.
func (v *Verifier) keyVerifier(pub crypto.PublicKey) (root.TrustedMaterial, *verify.Verifier, error) {
	sv, err := signature.LoadDefaultVerifier(pub)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: public key: %v", ErrInvalidPolicy, err)
	}
	key := root.NewExpiringKey(sv, time.Time{}, time.Time{})
	km := root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) { return key, nil })
	tm := root.TrustedMaterialCollection{v.trusted, km}
	cfg := v.cfg
	cfg.sct = 0
	sev, err := verify.NewVerifier(tm, sigstoreOptions(cfg)...)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	return tm, sev, nil
}

// TrustedMaterial returns the Verifier's trust material.
func (v *Verifier) TrustedMaterial() root.TrustedMaterial { return v.trusted }

// LoadBundle reads a Sigstore bundle (JSON, v0.1–v0.3) from path.
func LoadBundle(path string) (*bundle.Bundle, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxBundleSize+1))
	if err != nil {
		return nil, err
	}
	return ParseBundle(data)
}

// ParseBundle parses a Sigstore bundle from its JSON form.
func ParseBundle(data []byte) (*bundle.Bundle, error) {
	if len(data) > maxBundleSize {
		return nil, &VerificationError{Check: "bundle", Condition: ErrInvalidBundle, Err: fmt.Errorf("bundle larger than %d bytes", maxBundleSize)}
	}
	b := &bundle.Bundle{}
	if err := b.UnmarshalJSON(data); err != nil {
		return nil, &VerificationError{Check: "bundle", Condition: ErrInvalidBundle, Err: err}
	}
	return b, nil
}

// VerifyFile verifies that the bundle at bundlePath signs the file at path
// for the policy's identity. The file is hashed while streamed.
func (v *Verifier) VerifyFile(ctx context.Context, path, bundlePath string, p Policy) (*Verification, error) {
	return v.verifyFile(ctx, path, bundlePath, nil, p)
}

// verifyFile is VerifyFile for a caller that has already hashed the file
// (digest, its SHA-256); nil hashes it here, once the bundle has loaded.
func (v *Verifier) verifyFile(ctx context.Context, path, bundlePath string, digest []byte, p Policy) (*Verification, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	b, err := LoadBundle(bundlePath)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", bundlePath, err)
	}
	if digest == nil {
		if digest, _, err = SHA256File(ctx, path); err != nil {
			return nil, err
		}
	}
	res, err := v.verify(ctx, b, digest, p)
	if err != nil {
		return nil, fmt.Errorf("verifying %s with %s: %w", path, bundlePath, err)
	}
	return res, nil
}

// VerifyDigest verifies that b signs the artifact whose SHA-256 digest is
// given (a message signature, or an in-toto statement with that subject).
func (v *Verifier) VerifyDigest(ctx context.Context, b *bundle.Bundle, sha256Digest []byte, p Policy) (*Verification, error) {
	if len(sha256Digest) != sha256.Size {
		return nil, fmt.Errorf("%w: want a %d-byte SHA-256 digest, got %d bytes", ErrConfig, sha256.Size, len(sha256Digest))
	}
	return v.verify(ctx, b, sha256Digest, p)
}

// VerifyDSSE verifies a DSSE bundle's signature, certificate, log entries and
// identity, and returns the payload type and payload for the caller's own
// checks (for an in-toto statement: its subjects and predicate). It does not
// check what the payload refers to.
func (v *Verifier) VerifyDSSE(ctx context.Context, b *bundle.Bundle, p Policy) (*Verification, error) {
	return v.verify(ctx, b, nil, p)
}

func (v *Verifier) verify(ctx context.Context, b *bundle.Bundle, digest []byte, p Policy) (*Verification, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case v.slots <- struct{}{}:
		defer func() { <-v.slots }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if b == nil || b.Bundle == nil {
		return nil, &VerificationError{Check: "bundle", Condition: ErrInvalidBundle, Err: errors.New("nil bundle")}
	}
	vc, err := b.VerificationContent()
	if err != nil {
		return nil, &VerificationError{Check: "bundle", Condition: ErrInvalidBundle, Err: err}
	}
	cert := vc.Certificate()
	var (
		sum    certificate.Summary
		tm     = v.trusted
		sev    = v.sev
		policy verify.PolicyOption
	)
	if p.PublicKey != nil {
		if cert != nil {
			return nil, &VerificationError{Check: "key", Expected: "a signature by public key " + PublicKeyID(p.PublicKey),
				Found:     "a Fulcio certificate for " + certSAN(cert) + " (signed keylessly)",
				Condition: ErrKeyMismatch, Hint: "verify keyless bundles with the signer's identity and OIDC issuer"}
		}
		if vc.PublicKey() == nil {
			return nil, &VerificationError{Check: "bundle", Condition: ErrInvalidBundle, Err: errors.New("neither a certificate nor a public key")}
		}
		if tm, sev, err = v.keyVerifier(p.PublicKey); err != nil {
			return nil, err
		}
		policy = verify.WithKey()
	} else {
		if cert == nil {
			found := "no certificate: signed with a public key"
			if pk := vc.PublicKey(); pk != nil && pk.Hint() != "" {
				found += " (key hint " + pk.Hint() + ")"
			}
			return nil, &VerificationError{Check: "identity", Expected: p.String(), Found: found, Condition: ErrIdentityMismatch,
				Hint: "the bundle was signed with a long-lived key, not keylessly: verify it with that public key (sign.KeyPolicy)"}
		}
		// The chain first: the identity in a certificate no trusted CA
		// issued means nothing, and an altered certificate must be named
		// as such, not as another identity.
		if err := checkChain(cert, tm); err != nil {
			return nil, err
		}
		if sum, err = certificate.SummarizeCertificate(cert); err != nil {
			return nil, &VerificationError{Check: "certificate", Condition: ErrUntrustedCertificate, Err: err}
		}
		if err := checkPolicy(p, sum); err != nil {
			return nil, err
		}
		id, err := sigstoreIdentity(p)
		if err != nil {
			return nil, err
		}
		policy = verify.WithCertificateIdentity(id)
	}
	sc, err := b.SignatureContent()
	if err != nil {
		return nil, &VerificationError{Check: "bundle", Condition: ErrInvalidBundle, Err: err}
	}
	if ms := sc.MessageSignatureContent(); ms != nil {
		if digest == nil {
			return nil, &VerificationError{Check: "bundle", Expected: "a DSSE envelope", Found: "a message signature", Condition: ErrInvalidBundle,
				Hint: "use VerifyFile or VerifyDigest for message signatures"}
		}
		if ms.DigestAlgorithm() != "SHA2_256" || !bytes.Equal(ms.Digest(), digest) {
			return nil, &VerificationError{Check: "digest", Expected: "sha256:" + hex.EncodeToString(digest),
				Found: digestName(ms.DigestAlgorithm()) + ":" + hex.EncodeToString(ms.Digest()), Condition: ErrDigestMismatch,
				Hint: "the bundle belongs to another file, or the file changed after signing"}
		}
	}

	art := verify.WithoutArtifactUnsafe()
	if digest != nil {
		art = verify.WithArtifactDigest("sha256", digest)
	}
	res, err := sev.Verify(b, verify.NewPolicy(art, policy))
	if err != nil {
		return nil, v.diagnose(err, b, vc, sc, digest, p, tm)
	}
	out := &Verification{Result: res}
	if cert != nil {
		out.Identity, out.Issuer, out.Certificate = sum.SubjectAlternativeName, sum.Extensions.Issuer, sum
	} else {
		out.PublicKeyID = PublicKeyID(p.PublicKey)
	}
	if digest != nil {
		out.SHA256 = bytes.Clone(digest)
	}
	if env := sc.EnvelopeContent(); env != nil {
		if raw := env.RawEnvelope(); raw != nil {
			out.PayloadType = raw.PayloadType
			out.Payload, err = base64.StdEncoding.DecodeString(raw.Payload)
			if err != nil {
				return nil, &VerificationError{Check: "bundle", Condition: ErrInvalidBundle, Err: err}
			}
		}
	}
	for _, ts := range res.VerifiedTimestamps {
		out.Timestamps = append(out.Timestamps, VerifiedTimestamp{Kind: ts.Type, URI: ts.URI, Time: ts.Timestamp})
	}
	sort.Slice(out.Timestamps, func(i, j int) bool { return out.Timestamps[i].Time.Before(out.Timestamps[j].Time) })
	if len(out.Timestamps) > 0 {
		out.SignedAt = out.Timestamps[0].Time
	}
	if entries, err := b.TlogEntries(); err == nil {
		for _, e := range entries {
			out.LogIndexes = append(out.LogIndexes, e.LogIndex())
		}
	}
	if cert != nil {
		v.log.Info("sigstore bundle verified", slog.String("identity", out.Identity), slog.String("issuer", out.Issuer))
	} else {
		v.log.Info("sigstore bundle verified", slog.String("public_key", out.PublicKeyID))
	}
	return out, nil
}

// digestName spells a protobuf hash algorithm the way this package does
// everywhere: "sha256", "sha384", "sha512".
func digestName(alg string) string {
	switch alg {
	case "SHA2_256":
		return "sha256"
	case "SHA2_384":
		return "sha384"
	case "SHA2_512":
		return "sha512"
	case "":
		return "unknown"
	}
	return strings.ToLower(alg)
}

// checkPolicy compares the certificate with the policy, naming the first
// failing check.
func checkPolicy(p Policy, sum certificate.Summary) error {
	switch {
	case p.Identity != "" && sum.SubjectAlternativeName != p.Identity:
		return &VerificationError{Check: "identity", Expected: p.Identity, Found: sum.SubjectAlternativeName, Condition: ErrIdentityMismatch,
			Hint: "the bundle was signed by another workflow, repository or ref"}
	case p.IdentityRegexpLoose != "":
		re, err := regexp.Compile(p.IdentityRegexpLoose)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrInvalidPolicy, err)
		}
		if !re.MatchString(sum.SubjectAlternativeName) {
			return &VerificationError{Check: "identity", Expected: "~" + p.IdentityRegexpLoose, Found: sum.SubjectAlternativeName, Condition: ErrIdentityMismatch}
		}
	}
	if sum.Extensions.Issuer != p.Issuer {
		return &VerificationError{Check: "issuer", Expected: p.Issuer, Found: sum.Extensions.Issuer, Condition: ErrIssuerMismatch}
	}
	ext := sum.Extensions
	if p.Repository != "" {
		want := "https://github.com/" + strings.Trim(p.Repository, "/")
		if ext.SourceRepositoryURI != want {
			return &VerificationError{Check: "repository", Expected: want, Found: ext.SourceRepositoryURI, Condition: ErrClaimMismatch}
		}
	}
	if p.Ref != "" && ext.SourceRepositoryRef != p.Ref {
		return &VerificationError{Check: "ref", Expected: p.Ref, Found: ext.SourceRepositoryRef, Condition: ErrClaimMismatch}
	}
	if p.EventName != "" && ext.BuildTrigger != p.EventName {
		return &VerificationError{Check: "event", Expected: p.EventName, Found: ext.BuildTrigger, Condition: ErrClaimMismatch}
	}
	if p.WorkflowSHA != "" && !strings.EqualFold(ext.SourceRepositoryDigest, p.WorkflowSHA) {
		return &VerificationError{Check: "workflow-sha", Expected: p.WorkflowSHA, Found: ext.SourceRepositoryDigest, Condition: ErrClaimMismatch}
	}
	return nil
}

// sigstoreIdentity mirrors the policy for sigstore-go (defence in depth).
func sigstoreIdentity(p Policy) (verify.CertificateIdentity, error) {
	san, err := verify.NewSANMatcher(p.Identity, p.IdentityRegexpLoose)
	if err != nil {
		return verify.CertificateIdentity{}, fmt.Errorf("%w: %v", ErrInvalidPolicy, err)
	}
	iss, err := verify.NewIssuerMatcher(p.Issuer, "")
	if err != nil {
		return verify.CertificateIdentity{}, fmt.Errorf("%w: %v", ErrInvalidPolicy, err)
	}
	ext := certificate.Extensions{SourceRepositoryRef: p.Ref, BuildTrigger: p.EventName, SourceRepositoryDigest: strings.ToLower(p.WorkflowSHA)}
	if p.Repository != "" {
		ext.SourceRepositoryURI = "https://github.com/" + strings.Trim(p.Repository, "/")
	}
	id, err := verify.NewCertificateIdentity(san, iss, ext)
	if err != nil {
		return verify.CertificateIdentity{}, fmt.Errorf("%w: %v", ErrInvalidPolicy, err)
	}
	return id, nil
}

// diagnose maps a sigstore-go verification failure to the condition that
// caused it. sigstore-go checks the log entries first, and a log entry
// commits to the signature and certificate, so an altered signature or
// certificate first shows as a log failure: before blaming the log,
// diagnose checks the certificate chain and the signature on their own,
// then the log entry, its inclusion proof and its checkpoint.
func (v *Verifier) diagnose(err error, b *bundle.Bundle, vc verify.VerificationContent, sc verify.SignatureContent, digest []byte, p Policy, tm root.TrustedMaterial) error {
	msg := err.Error()
	cert := vc.Certificate()
	switch {
	case strings.Contains(msg, "outside certificate validity") || strings.Contains(msg, "outside of public key validity"):
		return validityError(err, b, cert, tm)
	case strings.HasPrefix(msg, "failed to verify log inclusion"):
		// The certificate chain was checked before (verify).
		if e := checkSignature(sc, vc, tm, p); e != nil {
			return e
		}
		return v.logError(err, b, tm)
	case strings.HasPrefix(msg, "failed to verify timestamps"):
		return v.timestampError(err, b, tm)
	case strings.HasPrefix(msg, "failed to verify leaf certificate"):
		if e := validityError(err, b, cert, tm); e.(*VerificationError).Condition == ErrCertificateExpired {
			return e
		}
		return &VerificationError{Check: "certificate", Condition: ErrUntrustedCertificate, Err: err,
			Expected: fmt.Sprintf("a chain to one of the %d Fulcio CAs of the trusted root", len(tm.FulcioCertificateAuthorities())),
			Found:    "a certificate issued by " + issuerName(cert),
			Hint:     "the certificate does not chain to a Fulcio CA of the trusted root"}
	case strings.Contains(msg, "signed certificate timestamp"):
		return &VerificationError{Check: "certificate", Condition: ErrUntrustedCertificate, Err: err,
			Expected: fmt.Sprintf("%d embedded SCTs from a CT log of the trusted root", v.cfg.sct),
			Found:    "fewer SCTs that verify",
			Hint:     "the certificate was not logged in a trusted certificate-transparency log"}
	case strings.HasPrefix(msg, "failed to verify signature"):
		if e := checkSignature(sc, vc, tm, p); e != nil {
			return e
		}
		if sc.EnvelopeContent() != nil && digest != nil {
			// The envelope's signature is good: its statement is about
			// another artifact.
			return &VerificationError{Check: "digest", Condition: ErrDigestMismatch, Err: err,
				Expected: "an in-toto statement with subject sha256:" + hex.EncodeToString(digest),
				Found:    "a statement about other subjects",
				Hint:     "the attestation is about another artifact"}
		}
		return signatureError(err, vc, p)
	case strings.HasPrefix(msg, "failed to verify certificate identity"):
		return &VerificationError{Check: "identity", Condition: ErrIdentityMismatch, Err: err, Expected: p.String(), Found: certSAN(cert)}
	}
	return &VerificationError{Check: "bundle", Condition: ErrVerification, Err: err}
}

// checkChain verifies the certificate chain against the trusted root at the
// start or the end of the certificate's validity. It is a lenient
// pre-check that names an untrusted or altered certificate as such; the
// strict check, at the verified signing times, is sigstore-go's (and
// validityError names its failures).
func checkChain(cert *x509.Certificate, tm root.TrustedMaterial) error {
	leaf := *cert
	leaf.UnhandledCriticalExtensions = nil
	for _, oid := range cert.UnhandledCriticalExtensions {
		if !oid.Equal(cryptoutils.SANOID) { // Fulcio's OtherName SAN, handled by the summary
			leaf.UnhandledCriticalExtensions = append(leaf.UnhandledCriticalExtensions, oid)
		}
	}
	_, err := verify.VerifyLeafCertificate(cert.NotBefore, &leaf, tm)
	if err != nil {
		_, err2 := verify.VerifyLeafCertificate(cert.NotAfter, &leaf, tm)
		if err2 == nil {
			err = nil
		}
	}
	if err != nil {
		ve := &VerificationError{Check: "certificate", Condition: ErrUntrustedCertificate, Err: err,
			Expected: fmt.Sprintf("a chain to one of the %d Fulcio CAs of the trusted root", len(tm.FulcioCertificateAuthorities())),
			Found:    "a certificate issued by " + issuerName(cert) + " that does not chain to them",
			Hint:     "the certificate was altered, or comes from another Sigstore instance than the trusted root's"}
		if why := chainTimeProblem(&leaf, tm); why != "" {
			ve.Expected = "a certificate issued while its Fulcio CA is valid"
			ve.Found = "a certificate " + why
			ve.Hint = "the chain is sound but not valid at that time: the trusted root does not trust this CA then"
		}
		return ve
	}
	return nil
}

// chainTimeProblem explains a chain that is cryptographically sound but not
// valid at the leaf's issuance: the leaf is signed, link by link, by a
// Fulcio CA of the trusted root, and either the CA's validity window in the
// trusted root or one of its certificates' own validity excludes that time.
// It returns "" when no such CA exists (the chain is really broken).
func chainTimeProblem(leaf *x509.Certificate, tm root.TrustedMaterial) string {
	at := leaf.NotBefore
	for _, c := range tm.FulcioCertificateAuthorities() {
		ca, ok := c.(*root.FulcioCertificateAuthority)
		if !ok || ca.Root == nil {
			continue
		}
		path := []*x509.Certificate{}
		cur := leaf
		for range len(ca.Intermediates) + 1 {
			var parent *x509.Certificate
			for _, p := range append(append([]*x509.Certificate{}, ca.Intermediates...), ca.Root) {
				if !slices.Contains(path, p) && cur.CheckSignatureFrom(p) == nil {
					parent = p
					break
				}
			}
			if parent == nil {
				break
			}
			path = append(path, parent)
			cur = parent
			if parent == ca.Root {
				break
			}
		}
		if len(path) == 0 || path[len(path)-1] != ca.Root {
			continue
		}
		if !ca.ValidityPeriodStart.IsZero() && at.Before(ca.ValidityPeriodStart) || !ca.ValidityPeriodEnd.IsZero() && at.After(ca.ValidityPeriodEnd) {
			return "issued at " + at.UTC().Format(time.RFC3339) + ", outside its CA's validity in the trusted root (" + window(ca.ValidityPeriodStart, ca.ValidityPeriodEnd) + ")"
		}
		for _, p := range path {
			if at.Before(p.NotBefore) || at.After(p.NotAfter) {
				return "issued at " + at.UTC().Format(time.RFC3339) + ", outside the validity of CA certificate " + p.Subject.String() +
					" (" + window(p.NotBefore, p.NotAfter) + ")"
			}
		}
	}
	return ""
}

func window(start, end time.Time) string {
	f := func(t time.Time) string {
		if t.IsZero() {
			return "open"
		}
		return t.UTC().Format(time.RFC3339)
	}
	return f(start) + " – " + f(end)
}

// checkSignature verifies the signature alone: a message signature over the
// bundle's digest (already compared with the artifact's), or the DSSE
// envelope signature.
func checkSignature(sc verify.SignatureContent, vc verify.VerificationContent, tm root.TrustedMaterial, p Policy) error {
	var err error
	if ms := sc.MessageSignatureContent(); ms != nil {
		err = verify.VerifySignatureWithArtifactDigests(sc, vc, tm,
			[]verify.ArtifactDigest{{Algorithm: digestName(ms.DigestAlgorithm()), Digest: ms.Digest()}})
	} else {
		err = verify.VerifySignature(sc, vc, tm)
	}
	if err != nil {
		return signatureError(err, vc, p)
	}
	return nil
}

func signatureError(err error, vc verify.VerificationContent, p Policy) error {
	ve := &VerificationError{Check: "signature", Condition: ErrSignatureInvalid, Err: err, Found: "a signature that key does not verify"}
	if p.PublicKey != nil {
		ve.Expected = "a signature by public key " + PublicKeyID(p.PublicKey)
		if pk := vc.PublicKey(); pk != nil && pk.Hint() != "" && pk.Hint() != publicKeyHint(p.PublicKey) {
			ve.Check, ve.Condition = "key", ErrKeyMismatch
			ve.Found = "a signature by another key (the bundle's key hint is " + pk.Hint() + ")"
			ve.Hint = "the bundle was signed with another key"
			return ve
		}
		ve.Hint = "the signature was altered, or made with another key"
		return ve
	}
	ve.Expected = "a signature by the key of the certificate for " + certSAN(vc.Certificate())
	ve.Hint = "the signature or the signed content was altered after signing"
	return ve
}

// logError names what is wrong with the bundle's log entries once the
// certificate and signature are known to be good.
func (v *Verifier) logError(err error, b *bundle.Bundle, tm root.TrustedMaterial) error {
	msg := err.Error()
	ve := &VerificationError{Check: "tlog", Condition: ErrNotInLog, Err: err,
		Expected: fmt.Sprintf("entries from %d distinct transparency log(s) of the trusted root, with valid inclusion proofs", v.cfg.tlog)}
	entries, _ := b.TlogEntries()
	logs := tm.RekorLogs()
	trusted := map[string]bool{}
	for _, e := range entries {
		if _, ok := logs[hex.EncodeToString([]byte(e.LogKeyID()))]; ok {
			trusted[e.LogKeyID()] = true
		}
	}
	switch {
	case strings.Contains(msg, "signature on checkpoint did not verify") || strings.Contains(msg, "unverified checkpoint signature") ||
		strings.Contains(msg, "checkpoint to SignedCheckpoint"):
		ve.Check, ve.Condition = "checkpoint", ErrCheckpoint
		ve.Expected = "a checkpoint signed by the log's key in the trusted root"
		ve.Found = "a checkpoint whose signature does not verify"
		ve.Hint = "the checkpoint was altered, or the trusted root lists another key or origin for this log"
	case strings.Contains(msg, "verifying inclusion") && loggedElsewhere(b):
		// A Rekor v2 entry is rebuilt from the bundle: when the proof
		// fails for the rebuilt entry but holds for the entry as logged,
		// the log is fine and the entry is another signature's.
		ve.Condition = ErrLogEntryMismatch
		ve.Expected = "a log entry for this bundle's signature, key and digest"
		ve.Found = "an entry, proven in the log, for another signature, key or artifact"
		ve.Hint = "the log entry belongs to another bundle"
	case strings.Contains(msg, "verifying inclusion") || strings.Contains(msg, "calculated root") ||
		strings.Contains(msg, "root hash does not match") || strings.Contains(msg, "inclusion proof"):
		ve.Check, ve.Condition = "inclusion-proof", ErrInclusionProof
		ve.Expected = "an inclusion proof from the entry to the checkpoint's root hash"
		ve.Found = "a proof that leads elsewhere"
		ve.Hint = "the inclusion proof or the entry's index was altered"
	case strings.Contains(msg, "transparency log signature does not match") || strings.Contains(msg, "transparency log certificate does not match") ||
		strings.Contains(msg, "entry digest") || strings.Contains(msg, "payload hash"):
		ve.Condition = ErrLogEntryMismatch
		ve.Expected = "a log entry for this bundle's signature, key and digest"
		ve.Found = "an entry for another signature, key or artifact"
		ve.Hint = "the log entry belongs to another bundle"
	default:
		for _, e := range entries {
			if trusted[e.LogKeyID()] && e.HasInclusionPromise() {
				if serr := tlog.VerifySET(e, logs); serr != nil {
					ve.Condition = ErrLogEntryMismatch
					ve.Expected = "a log entry whose signed entry timestamp verifies with the log's key"
					ve.Found = fmt.Sprintf("entry %d: %v", e.LogIndex(), serr)
					ve.Hint = "the log entry (body, index or time) was altered"
					return ve
				}
			}
		}
		ve.Found = fmt.Sprintf("%d verified: %d entries in the bundle, from %d log(s) the trusted root lists", len(trusted), len(entries), len(trusted))
		ve.Hint = "the bundle lacks entries from enough transparency logs of the trusted root"
	}
	return ve
}

// loggedElsewhere reports whether a Rekor v2 entry of b proves inclusion of
// its logged body (canonicalized_body) under its checkpoint, whose
// signature sigstore-go has verified before the proof.
func loggedElsewhere(b *bundle.Bundle) bool {
	for _, tle := range b.GetVerificationMaterial().GetTlogEntries() {
		if tle.GetKindVersion().GetVersion() != "0.0.2" || len(tle.GetCanonicalizedBody()) == 0 {
			continue
		}
		note, _, ok := strings.Cut(tle.GetInclusionProof().GetCheckpoint().GetEnvelope(), "\n\n")
		if !ok {
			continue
		}
		var cp tlogformats.Checkpoint
		if _, err := cp.Unmarshal([]byte(note + "\n")); err != nil {
			continue
		}
		if rekorv2verify.VerifyInclusionProof(tle, &cp) == nil {
			return true
		}
	}
	return false
}

// timestampError reports how many timestamps verified and why the others
// did not.
func (v *Verifier) timestampError(err error, b *bundle.Bundle, tm root.TrustedMaterial) error {
	ve := &VerificationError{Check: "timestamp", Condition: ErrTimestamp, Err: err,
		Expected: fmt.Sprintf("%d RFC 3161 timestamp(s) from authorities of the trusted root and %d trusted signing time(s) in all", v.cfg.signedTS, v.cfg.observerTS)}
	raw, _ := b.Timestamps()
	ok, errs, _ := verify.VerifySignedTimestamp(b, tm)
	logTimes := 0
	if entries, err := b.TlogEntries(); err == nil {
		for _, e := range entries {
			if e.HasInclusionPromise() && !e.IntegratedTime().IsZero() {
				logTimes++
			}
		}
	}
	ve.Found = fmt.Sprintf("%d of %d RFC 3161 timestamp(s) verified, %d log integrated time(s)", len(ok), len(raw), logTimes)
	if len(errs) > 0 {
		ve.Hint = "a timestamp does not verify with an authority of the trusted root: altered, or for another signature"
	} else {
		ve.Hint = "the bundle carries fewer timestamps than required"
	}
	return ve
}

// validityError checks every signing time the bundle claims (RFC 3161
// timestamps that verify, log integrated times) against the certificate's
// validity window and reports the first one outside it.
func validityError(err error, b *bundle.Bundle, cert *x509.Certificate, tm root.TrustedMaterial) error {
	ve := &VerificationError{Check: "validity", Condition: ErrCertificateExpired, Err: err}
	if cert == nil {
		ve.Expected, ve.Found = "signing times within the public key's validity", "a signing time outside it"
		return ve
	}
	ve.Expected = "signing times within the certificate validity " + cert.NotBefore.UTC().Format(time.RFC3339) + " – " + cert.NotAfter.UTC().Format(time.RFC3339)
	ve.Hint = "the signature was not made while the certificate was valid"
	outside := func(t time.Time) bool { return t.Before(cert.NotBefore) || t.After(cert.NotAfter) }
	if ts, _, e := verify.VerifySignedTimestamp(b, tm); e == nil {
		for _, t := range ts {
			if outside(t.Time) {
				ve.Found = "timestamp from " + t.URI + " at " + t.Time.UTC().Format(time.RFC3339)
				return ve
			}
		}
	}
	if entries, e := b.TlogEntries(); e == nil {
		for _, en := range entries {
			if t := en.IntegratedTime(); !t.IsZero() && outside(t) {
				ve.Found = fmt.Sprintf("log entry %d integrated at %s", en.LogIndex(), t.UTC().Format(time.RFC3339))
				return ve
			}
		}
	}
	return &VerificationError{Check: "certificate", Condition: ErrUntrustedCertificate, Err: err}
}

func issuerName(cert *x509.Certificate) string {
	if cert == nil {
		return ""
	}
	return cert.Issuer.String()
}

func certSAN(cert *x509.Certificate) string {
	if cert == nil {
		return "no certificate"
	}
	if s, err := certificate.SummarizeCertificate(cert); err == nil {
		return s.SubjectAlternativeName
	}
	return "an unreadable certificate"
}
