package sign

import (
	"bytes"
	"context"
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
	"sort"
	"strings"
	"time"

	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/tuf"
	"github.com/sigstore/sigstore-go/pkg/verify"
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
// It is safe for concurrent use.
type Verifier struct {
	trusted root.TrustedMaterial
	cfg     verifierConfig
	sev     *verify.Verifier
	log     *slog.Logger
}

// Verification is what a successful verification established.
type Verification struct {
	// Identity and Issuer are the verified certificate SAN and OIDC issuer.
	Identity string
	Issuer   string
	// Certificate summarises the signing certificate, including the Fulcio
	// GitHub extensions (Certificate.Extensions).
	Certificate certificate.Summary
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
	sev, err := verify.NewVerifier(tm, vo...)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	return &Verifier{trusted: tm, cfg: cfg, sev: sev, log: log}, nil
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
	if err := p.Validate(); err != nil {
		return nil, err
	}
	b, err := LoadBundle(bundlePath)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", bundlePath, err)
	}
	digest, _, err := SHA256File(ctx, path)
	if err != nil {
		return nil, err
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
	if cert == nil {
		return nil, &VerificationError{Check: "certificate", Expected: "a Fulcio certificate", Found: "a public key", Condition: ErrUntrustedCertificate,
			Hint: "the bundle was signed with a long-lived key, not keylessly"}
	}
	sum, err := certificate.SummarizeCertificate(cert)
	if err != nil {
		return nil, &VerificationError{Check: "certificate", Condition: ErrUntrustedCertificate, Err: err}
	}
	if err := checkPolicy(p, sum); err != nil {
		return nil, err
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
				Found: strings.ToLower(ms.DigestAlgorithm()) + ":" + hex.EncodeToString(ms.Digest()), Condition: ErrDigestMismatch,
				Hint: "the bundle belongs to another file, or the file changed after signing"}
		}
	}

	id, err := sigstoreIdentity(p)
	if err != nil {
		return nil, err
	}
	art := verify.WithoutArtifactUnsafe()
	if digest != nil {
		art = verify.WithArtifactDigest("sha256", digest)
	}
	res, err := v.sev.Verify(b, verify.NewPolicy(art, verify.WithCertificateIdentity(id)))
	if err != nil {
		n := 0
		if entries, terr := b.TlogEntries(); terr == nil {
			n = len(entries)
		}
		return nil, classify(err, v.cfg, cert, n)
	}
	out := &Verification{Identity: sum.SubjectAlternativeName, Issuer: sum.Extensions.Issuer, Certificate: sum, Result: res}
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
	v.log.Info("sigstore bundle verified", slog.String("identity", out.Identity), slog.String("issuer", out.Issuer))
	return out, nil
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

// classify maps a sigstore-go verification error to a VerificationError.
func classify(err error, cfg verifierConfig, cert *x509.Certificate, tlogEntries int) error {
	msg := err.Error()
	ve := &VerificationError{Err: err}
	switch {
	case strings.Contains(msg, "outside certificate validity") || strings.Contains(msg, "expired or is not yet valid") ||
		strings.Contains(msg, "outside of public key validity"):
		ve.Check, ve.Condition = "certificate", ErrCertificateExpired
		ve.Expected = "signing time within the certificate validity " + cert.NotBefore.UTC().Format(time.RFC3339) + " – " + cert.NotAfter.UTC().Format(time.RFC3339)
		ve.Found = "a signing time outside it"
		ve.Hint = "the signature was not made while the certificate was valid"
	case strings.HasPrefix(msg, "failed to verify log inclusion"):
		ve.Check, ve.Condition = "tlog", ErrNotInLog
		ve.Expected = fmt.Sprintf("%d verified transparency-log entries", cfg.tlog)
		ve.Found = fmt.Sprintf("%d entries in the bundle", tlogEntries)
		ve.Hint = "the bundle has no entry from a transparency log in the trusted root"
	case strings.HasPrefix(msg, "failed to verify timestamps"):
		ve.Check, ve.Condition = "timestamp", ErrTimestamp
		ve.Expected = fmt.Sprintf("%d signed and %d observer timestamps", cfg.signedTS, cfg.observerTS)
	case strings.Contains(msg, "signed certificate timestamp") || strings.Contains(msg, "SCT"):
		ve.Check, ve.Condition = "certificate", ErrUntrustedCertificate
		ve.Expected = fmt.Sprintf("%d embedded SCTs from a trusted CT log", cfg.sct)
	case strings.HasPrefix(msg, "failed to verify leaf certificate"):
		ve.Check, ve.Condition = "certificate", ErrUntrustedCertificate
		ve.Hint = "the certificate does not chain to a Fulcio CA of the trusted root"
	case strings.HasPrefix(msg, "failed to verify signature"):
		if strings.Contains(msg, "digest") || strings.Contains(msg, "subject") {
			ve.Check, ve.Condition = "digest", ErrDigestMismatch
		} else {
			ve.Check, ve.Condition = "signature", ErrSignatureInvalid
		}
	case strings.HasPrefix(msg, "failed to verify certificate identity"):
		ve.Check, ve.Condition = "identity", ErrIdentityMismatch
	default:
		ve.Check, ve.Condition = "bundle", ErrVerification
	}
	return ve
}
