package signtest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	"github.com/sigstore/sigstore/pkg/signature"

	prototrustroot "github.com/sigstore/protobuf-specs/gen/pb-go/trustroot/v1"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/tagship/tagship/internal/double"
	"github.com/tagship/tagship/sign"
)

// Option configures a Sigstore double.
type Option func(*config) error

type config struct {
	issuer       string
	issuerSelf   bool
	workflow     Workflow
	tsa          bool
	sct          bool
	certLifetime time.Duration
	certBackdate time.Duration
	tokenTTL     time.Duration
	rekorVersion uint32
}

// WithIssuer sets the issuer name tokens carry and Fulcio trusts (default
// sign.GitHubActionsIssuer, "https://token.actions.githubusercontent.com",
// while actually served on 127.0.0.1, so identities look like production).
func WithIssuer(iss string) Option {
	return func(c *config) error {
		if iss == "" {
			return errors.New("signtest: empty issuer")
		}
		c.issuer, c.issuerSelf = iss, false
		return nil
	}
}

// WithIssuerSelfURL makes the issuer name the issuer server's own URL
// (http://127.0.0.1:PORT), so that a real Fulcio can fetch its discovery
// document and JWKS.
func WithIssuerSelfURL() Option {
	return func(c *config) error { c.issuerSelf = true; return nil }
}

// WithWorkflow sets the GitHub Actions run tokens describe (default
// DefaultWorkflow()). See also Sigstore.SetWorkflow.
func WithWorkflow(w Workflow) Option {
	return func(c *config) error { c.workflow = w.withDefaults(); return nil }
}

// WithoutTSA runs no timestamp authority (default: one runs, and
// SignerOptions uses it).
func WithoutTSA() Option {
	return func(c *config) error { c.tsa = false; return nil }
}

// WithoutSCT issues certificates without embedded SCTs and leaves the CT log
// out of the trusted root (default: SCTs embedded, CT log trusted).
func WithoutSCT() Option {
	return func(c *config) error { c.sct = false; return nil }
}

// WithCertificateLifetime sets the validity of issued certificates (default
// 10 minutes, like Fulcio).
func WithCertificateLifetime(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return errors.New("signtest: certificate lifetime must be positive")
		}
		c.certLifetime = d
		return nil
	}
}

// WithCertificateBackdate starts certificate validity d before issuance
// (default 0). With a lifetime shorter than d, certificates are already
// expired when used: a test of ErrCertificateExpired.
func WithCertificateBackdate(d time.Duration) Option {
	return func(c *config) error { c.certBackdate = d; return nil }
}

// WithRekorVersion selects the transparency log SignerOptions and
// SigningConfig name: 1 (default, Rekor v1 API with integrated times and
// signed entry timestamps) or 2 (Rekor v2 API, what the public instance is
// moving to; needs the TSA). Both logs always run and are both in the
// trusted root.
func WithRekorVersion(v uint32) Option {
	return func(c *config) error {
		if v != 1 && v != 2 {
			return fmt.Errorf("signtest: Rekor version %d: want 1 or 2", v)
		}
		c.rekorVersion = v
		return nil
	}
}

// WithTokenLifetime sets the lifetime of minted ID tokens (default 5 minutes).
func WithTokenLifetime(d time.Duration) Option {
	return func(c *config) error { c.tokenTTL = d; return nil }
}

// Sigstore is an in-process Sigstore: an OIDC issuer, a Fulcio-compatible
// CA (with an in-process CT log signing embedded SCTs), a Rekor
// v1-compatible transparency log and an RFC 3161 timestamp authority, each an
// HTTP server on 127.0.0.1. Close it when done (New does that for you).
type Sigstore struct {
	issuer       string
	requestToken string
	tokenTTL     time.Duration
	sctEnabled   bool
	tsaEnabled   bool

	issuerSrv, fulcioSrv, rekorSrv, rekor2Srv, tsaSrv *httptest.Server

	oidc   *oidcIssuer
	caCert *x509.Certificate
	caKey  *ecdsa.PrivateKey

	ctKey   *ecdsa.PrivateKey
	ctLogID [32]byte

	rekor, rekor2 *tlog
	algorithms    *signature.AlgorithmRegistryConfig
	rekorVersion  uint32

	tsaRoot *x509.Certificate
	tsaLeaf *x509.Certificate
	tsaKey  *ecdsa.PrivateKey

	trustedRoot   *root.TrustedRoot
	signingConfig *root.SigningConfig

	faults *faultQueue

	mu           sync.Mutex
	workflow     Workflow
	certLifetime time.Duration
	certBackdate time.Duration
	certs        []*x509.Certificate
	minted       int
}

// NewServer starts a Sigstore double outside a test (a sandbox, an
// Example, a benchmark driver). Call Close when done. In a test, use [New].
func NewServer(opts ...Option) (*Sigstore, error) {
	c := &config{issuer: sign.GitHubActionsIssuer, workflow: DefaultWorkflow(), tsa: true, sct: true,
		certLifetime: 10 * time.Minute, tokenTTL: 5 * time.Minute, rekorVersion: 1}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	if c.rekorVersion == 2 && !c.tsa {
		return nil, errors.New("signtest: Rekor v2 gives no signing time: WithRekorVersion(2) needs the TSA (drop WithoutTSA)")
	}
	s := &Sigstore{
		issuer: c.issuer, tokenTTL: c.tokenTTL, sctEnabled: c.sct, tsaEnabled: c.tsa,
		workflow: c.workflow, certLifetime: c.certLifetime, certBackdate: c.certBackdate,
		faults: newFaultQueue(), rekorVersion: c.rekorVersion,
	}
	if err := s.generateKeys(); err != nil {
		return nil, err
	}
	s.issuerSrv = httptest.NewServer(s.faults.wrap(Issuer, s.issuerHandler()))
	s.fulcioSrv = httptest.NewServer(s.faults.wrap(Fulcio, s.fulcioHandler()))
	s.rekorSrv = httptest.NewServer(s.faults.wrap(Rekor, s.rekorHandler()))
	s.rekor2Srv = httptest.NewServer(s.faults.wrap(Rekor, s.rekorV2Handler()))
	s.rekor.setOrigin(s.rekorSrv.URL)
	s.rekor2.setOrigin(s.rekor2Srv.URL)
	if c.tsa {
		s.tsaSrv = httptest.NewServer(s.faults.wrap(TSA, s.tsaHandler()))
	}
	if c.issuerSelf {
		s.issuer = s.issuerSrv.URL
	}
	if err := s.buildTrust(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// New starts a Sigstore double for a test: it fails tb on error and closes
// the double in tb.Cleanup.
func New(tb testing.TB, opts ...Option) *Sigstore {
	tb.Helper()
	return double.Start(tb, "signtest", func() (*Sigstore, error) { return NewServer(opts...) })
}

// Close shuts all servers down.
func (s *Sigstore) Close() {
	for _, srv := range []*httptest.Server{s.issuerSrv, s.fulcioSrv, s.rekorSrv, s.rekor2Srv, s.tsaSrv} {
		if srv != nil {
			srv.CloseClientConnections()
			srv.Close()
		}
	}
}

func (s *Sigstore) now() time.Time { return time.Now() }

func (s *Sigstore) generateKeys() error {
	var err error
	if s.oidc, err = newOIDCIssuer(); err != nil {
		return err
	}
	p256 := func() *ecdsa.PrivateKey {
		k, e := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if e != nil {
			err = e
		}
		return k
	}
	s.caKey, s.ctKey, s.tsaKey = p256(), p256(), p256()
	tsaRootKey := p256()
	if err != nil {
		return err
	}
	now := s.now()
	s.caCert, err = selfSigned(s.caKey, "signtest-fulcio", now)
	if err != nil {
		return err
	}
	s.tsaRoot, err = selfSigned(tsaRootKey, "signtest-tsa-root", now)
	if err != nil {
		return err
	}
	ekuTS, _ := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}})
	leafTmpl := &x509.Certificate{
		SerialNumber:    big.NewInt(2),
		Subject:         pkix.Name{CommonName: "signtest-tsa", Organization: []string{"signtest"}},
		NotBefore:       now.Add(-24 * time.Hour),
		NotAfter:        now.Add(365 * 24 * time.Hour),
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtKeyUsage:     []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping},
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: ekuTS}},
	}
	der, err := x509.CreateCertificate(rand.Reader, leafTmpl, s.tsaRoot, s.tsaKey.Public(), tsaRootKey)
	if err != nil {
		return err
	}
	if s.tsaLeaf, err = x509.ParseCertificate(der); err != nil {
		return err
	}
	ctSPKI, err := x509.MarshalPKIXPublicKey(s.ctKey.Public())
	if err != nil {
		return err
	}
	s.ctLogID = sha256.Sum256(ctSPKI)
	if s.rekor, err = newTlog(1); err != nil {
		return err
	}
	if s.rekor2, err = newTlog(2); err != nil {
		return err
	}
	s.algorithms, err = signature.NewAlgorithmRegistryConfig([]protocommon.PublicKeyDetails{
		protocommon.PublicKeyDetails_PKIX_ECDSA_P256_SHA_256, protocommon.PublicKeyDetails_PKIX_ECDSA_P384_SHA_384,
		protocommon.PublicKeyDetails_PKIX_ECDSA_P521_SHA_512, protocommon.PublicKeyDetails_PKIX_ED25519_PH,
		protocommon.PublicKeyDetails_PKIX_RSA_PKCS1V15_2048_SHA256, protocommon.PublicKeyDetails_PKIX_RSA_PKCS1V15_3072_SHA256,
		protocommon.PublicKeyDetails_PKIX_RSA_PKCS1V15_4096_SHA256,
	})
	if err != nil {
		return err
	}
	tok := make([]byte, 24)
	rand.Read(tok)
	s.requestToken = hex.EncodeToString(tok)
	return nil
}

func selfSigned(key *ecdsa.PrivateKey, cn string, now time.Time) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"signtest"}},
		NotBefore:             now.Add(-48 * time.Hour),
		NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

func (s *Sigstore) buildTrust() error {
	start := s.now().Add(-48 * time.Hour)
	cas := []root.CertificateAuthority{&root.FulcioCertificateAuthority{Root: s.caCert, URI: s.fulcioSrv.URL, ValidityPeriodStart: start}}
	ctlogs := map[string]*root.TransparencyLog{}
	if s.sctEnabled {
		ctlogs[hex.EncodeToString(s.ctLogID[:])] = &root.TransparencyLog{
			BaseURL: s.fulcioSrv.URL + "/ct", ID: s.ctLogID[:], ValidityPeriodStart: start,
			HashFunc: crypto.SHA256, PublicKey: s.ctKey.Public(), SignatureHashFunc: crypto.SHA256,
		}
	}
	var tsas []root.TimestampingAuthority
	if s.tsaEnabled {
		tsas = append(tsas, &root.SigstoreTimestampingAuthority{Root: s.tsaRoot, Leaf: s.tsaLeaf, URI: s.TSAURL(), ValidityPeriodStart: start})
	}
	rekors := map[string]*root.TransparencyLog{}
	for _, l := range []struct {
		log *tlog
		url string
	}{{s.rekor, s.rekorSrv.URL}, {s.rekor2, s.rekor2Srv.URL}} {
		rekors[hex.EncodeToString(l.log.logID)] = &root.TransparencyLog{
			BaseURL: l.url, ID: l.log.logID, ValidityPeriodStart: start,
			HashFunc: crypto.SHA256, PublicKey: l.log.key.Public(), SignatureHashFunc: crypto.SHA256,
		}
	}
	tr, err := root.NewTrustedRoot(root.TrustedRootMediaType01, cas, ctlogs, tsas, rekors)
	if err != nil {
		return err
	}
	// Round-trip through JSON so the in-memory root is exactly what the
	// written trusted_root.json gives.
	js, err := tr.MarshalJSON()
	if err != nil {
		return err
	}
	if s.trustedRoot, err = root.NewTrustedRootFromJSON(js); err != nil {
		return fmt.Errorf("signtest: trusted root does not round-trip: %w", err)
	}
	svc := func(u string) root.Service {
		return root.Service{URL: u, MajorAPIVersion: 1, ValidityPeriodStart: start, Operator: "signtest"}
	}
	var tsaSvcs []root.Service
	if s.tsaEnabled {
		tsaSvcs = append(tsaSvcs, svc(s.TSAURL()))
	}
	any1 := root.ServiceConfiguration{Selector: prototrustroot.ServiceSelector_ANY}
	rekorSvc := svc(s.RekorURL())
	rekorSvc.MajorAPIVersion = s.rekorVersion
	s.signingConfig, err = root.NewSigningConfig(root.SigningConfigMediaType02,
		[]root.Service{svc(s.fulcioSrv.URL)}, []root.Service{svc(s.issuerSrv.URL)},
		[]root.Service{rekorSvc}, any1, tsaSvcs, any1)
	return err
}

// IssuerURL is where the OIDC issuer is served (http://127.0.0.1:PORT).
func (s *Sigstore) IssuerURL() string { return s.issuerSrv.URL }

// Issuer is the issuer name tokens carry (the "iss" claim and the
// certificate's issuer extension).
func (s *Sigstore) Issuer() string { return s.issuer }

// TokenURL is the GitHub-Actions-style token endpoint
// (ACTIONS_ID_TOKEN_REQUEST_URL).
func (s *Sigstore) TokenURL() string { return s.issuerSrv.URL + "/token?api-version=2.0" }

// RequestToken is the bearer token the token endpoint requires
// (ACTIONS_ID_TOKEN_REQUEST_TOKEN).
func (s *Sigstore) RequestToken() string { return s.requestToken }

// ActionsEnv returns ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN for the token
// endpoint.
func (s *Sigstore) ActionsEnv() map[string]string {
	return map[string]string{sign.EnvActionsTokenRequestURL: s.TokenURL(), sign.EnvActionsTokenRequestToken: s.requestToken}
}

// Getenv looks names up in ActionsEnv (for sign.WithTokenEnv).
func (s *Sigstore) Getenv(name string) string { return s.ActionsEnv()[name] }

// FulcioURL is the Fulcio base URL.
func (s *Sigstore) FulcioURL() string { return s.fulcioSrv.URL }

// RekorURL is the base URL of the log SignerOptions and SigningConfig
// name: Rekor v1 by default, Rekor v2 with WithRekorVersion(2).
func (s *Sigstore) RekorURL() string {
	if s.rekorVersion == 2 {
		return s.rekor2Srv.URL
	}
	return s.rekorSrv.URL
}

// RekorVersion is the API version of RekorURL (1 or 2).
func (s *Sigstore) RekorVersion() uint32 { return s.rekorVersion }

// RekorV1URL is the base URL of the Rekor v1-compatible log
// (POST /api/v1/log/entries).
func (s *Sigstore) RekorV1URL() string { return s.rekorSrv.URL }

// RekorV2URL is the base URL of the Rekor v2-compatible log
// (POST /api/v2/log/entries). Its entries carry no integrated time: signing
// against it needs the TSA.
func (s *Sigstore) RekorV2URL() string { return s.rekor2Srv.URL }

// TSAURL is the full timestamp endpoint URL ("" with WithoutTSA).
func (s *Sigstore) TSAURL() string {
	if s.tsaSrv == nil {
		return ""
	}
	return s.tsaSrv.URL + "/api/v1/timestamp"
}

// Workflow returns the run tokens currently describe.
func (s *Sigstore) Workflow() Workflow {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.workflow
}

// SetWorkflow changes the run later tokens describe (defaults filled in).
func (s *Sigstore) SetWorkflow(w Workflow) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.workflow = w.withDefaults()
}

// Identity is the certificate identity (SAN) of the current workflow.
func (s *Sigstore) Identity() string { return s.Workflow().Identity() }

// Policy is the verification policy matching the current workflow: exact
// identity and issuer, repository and ref.
func (s *Sigstore) Policy() sign.Policy {
	w := s.Workflow()
	return sign.Policy{Identity: w.Identity(), Issuer: s.issuer, Repository: w.Repository, Ref: w.Ref}
}

// CACertificate is the Fulcio root certificate.
func (s *Sigstore) CACertificate() *x509.Certificate { return s.caCert }

// Certificates returns the certificates issued so far.
func (s *Sigstore) Certificates() []*x509.Certificate {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*x509.Certificate(nil), s.certs...)
}

// TokensMinted counts the ID tokens minted so far.
func (s *Sigstore) TokensMinted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.minted
}

// TrustedRoot returns the trust material (Fulcio CA, CT log, Rekor log,
// TSA) of the double.
func (s *Sigstore) TrustedRoot() *root.TrustedRoot { return s.trustedRoot }

// TrustedRootJSON returns trusted_root.json content (the form `cosign
// --trusted-root` accepts).
func (s *Sigstore) TrustedRootJSON() ([]byte, error) { return s.trustedRoot.MarshalJSON() }

// WriteTrustedRoot writes trusted_root.json to path.
func (s *Sigstore) WriteTrustedRoot(path string) error {
	b, err := s.TrustedRootJSON()
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// SigningConfig returns a signing config v0.2 naming the double's services.
func (s *Sigstore) SigningConfig() *root.SigningConfig { return s.signingConfig }

// WriteSigningConfig writes signing_config.json (v0.2) to path.
func (s *Sigstore) WriteSigningConfig(path string) error {
	b, err := s.signingConfig.MarshalJSON()
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// TokenSource returns a sign.TokenSource that fetches tokens from the
// double's GitHub-Actions-style token endpoint.
func (s *Sigstore) TokenSource() sign.TokenSource {
	return sign.GitHubActionsTokenSource(sign.WithTokenEnv(s.Getenv))
}

// SignerOptions returns the options that make a sign.Signer use the double:
// its Fulcio, Rekor v1 and TSA, its trusted root, tokens from its token
// endpoint, and fast retries (5 attempts, 5–50 ms backoff).
func (s *Sigstore) SignerOptions() []sign.Option {
	opts := []sign.Option{
		sign.WithFulcioURL(s.FulcioURL()),
		sign.WithRekorURL(s.RekorURL(), s.rekorVersion),
		sign.WithTrustedMaterial(s.trustedRoot),
		sign.WithTokenSource(s.TokenSource()),
		sign.WithRetry(5, 5*time.Millisecond, 50*time.Millisecond),
		sign.WithRequestTimeout(30 * time.Second),
	}
	if s.tsaEnabled {
		opts = append(opts, sign.WithTSAURL(s.TSAURL()))
	}
	return opts
}

// NewSigner is sign.NewSigner(append(s.SignerOptions(), extra...)...).
func (s *Sigstore) NewSigner(extra ...sign.Option) (*sign.Signer, error) {
	return sign.NewSigner(append(s.SignerOptions(), extra...)...)
}

// VerifierOptions returns the options that make a sign.Verifier trust the
// double.
func (s *Sigstore) VerifierOptions() []sign.VerifierOption {
	return []sign.VerifierOption{sign.WithVerifierTrustedMaterial(s.trustedRoot)}
}

// NewVerifier is sign.NewVerifier(append(s.VerifierOptions(), extra...)...).
func (s *Sigstore) NewVerifier(extra ...sign.VerifierOption) (*sign.Verifier, error) {
	return sign.NewVerifier(append(s.VerifierOptions(), extra...)...)
}

func pemPublicKey(pub crypto.PublicKey) []byte {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}
