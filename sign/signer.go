package sign

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"sync"
	"time"

	httptransport "github.com/go-openapi/runtime/client"
	"github.com/go-openapi/strfmt"
	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	rekortilespb "github.com/sigstore/rekor-tiles/v2/pkg/generated/protobuf"
	rekorclient "github.com/sigstore/rekor/pkg/generated/client"
	rekorutil "github.com/sigstore/rekor/pkg/util"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"github.com/sigstore/sigstore-go/pkg/root"
	sgsign "github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/tagship/tagship/internal/atomicfile"
	"google.golang.org/protobuf/encoding/protojson"
)

// BundleMediaType is the media type of the bundles this package writes.
const BundleMediaType = "application/vnd.dev.sigstore.bundle.v0.3+json"

// certRefreshMargin: a certificate with less validity left is replaced
// before signing (Fulcio certificates live 10 minutes).
const certRefreshMargin = 2 * time.Minute

// Signer signs files, digests and DSSE payloads keylessly: one ephemeral
// ECDSA P-256 key per Signer, certified by Fulcio for the OIDC identity of
// the token source, every signature logged in the transparency log(s) and
// optionally timestamped, then verified against the trusted root before it
// is returned (fail closed). A Signer is safe for concurrent use and reuses
// its key and certificate across calls (a new certificate is requested
// shortly before the current one expires). With WithSigningKey it signs
// with the caller's key instead (no token, no Fulcio), logged, timestamped
// and self-verified the same way.
type Signer struct {
	o        *options
	kp       *keypair      // keyless: the ephemeral key Fulcio certifies
	signer   crypto.Signer // what signs: the ephemeral key, or the caller's WithSigningKey
	pubPEM   []byte        // key mode: the public key logged in Rekor
	hint     string        // key mode: the bundle's key hint (publicKeyHint)
	fulcioRT http.RoundTripper
	tsaRT    http.RoundTripper
	fURL     string
	tlogs    []sgsign.Transparency
	tlogURL  []string
	tsaURL   []string
	trusted  root.TrustedMaterial
	self     *Verifier

	mu   sync.Mutex
	cert *x509.Certificate
}

// FileSignature is the result of SignFile.
type FileSignature struct {
	Path       string         // the signed file
	BundlePath string         // where the bundle was written
	SHA256     [32]byte       // digest of the file as read
	Size       int64          // bytes read
	Bundle     *bundle.Bundle // the verified bundle
	// Identity and Issuer are the certificate identity (SAN) and OIDC issuer
	// the bundle was verified against (keyless signing).
	Identity string
	Issuer   string
	// PublicKeyID names the signing key (WithSigningKey), see PublicKeyID.
	PublicKeyID string
}

// SHA256Hex returns the file digest in lower-case hex.
func (f *FileSignature) SHA256Hex() string { return hex.EncodeToString(f.SHA256[:]) }

// NewSigner builds a Signer. It contacts no service except, when no trusted
// root or signing config is given, the public-good Sigstore TUF repository.
// At least one transparency log must be configured (explicitly or by the
// signing config) and a Fulcio URL.
func NewSigner(opts ...Option) (*Signer, error) {
	o := defaultOptions()
	for _, opt := range opts {
		if err := opt(o); err != nil {
			return nil, err
		}
	}
	if o.tokenSource == nil && o.signingKey == nil {
		o.tokenSource = DefaultTokenSource()
	}
	s := &Signer{o: o}

	// Trust material.
	switch {
	case o.trusted != nil:
		s.trusted = o.trusted
	case o.trustedRootFile != "":
		tr, err := root.NewTrustedRootFromPath(o.trustedRootFile)
		if err != nil {
			return nil, fmt.Errorf("%w: trusted root %s: %v", ErrConfig, o.trustedRootFile, err)
		}
		s.trusted = tr
	default:
		tr, err := root.FetchTrustedRoot()
		if err != nil {
			return nil, fmt.Errorf("%w: fetching the public-good trusted root via TUF failed (offline? pass WithTrustedRootFile): %v", ErrConfig, err)
		}
		s.trusted = tr
	}

	// Services.
	if err := s.selectServices(); err != nil {
		return nil, err
	}

	if o.signingKey != nil {
		s.signer = o.signingKey
		pemKey, err := cryptoutils.MarshalPublicKeyToPEM(o.signingKey.Public())
		if err != nil {
			return nil, fmt.Errorf("%w: signing key: %v", ErrConfig, err)
		}
		s.pubPEM = pemKey
		s.hint = publicKeyHint(o.signingKey.Public())
	} else {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		s.signer = key
		if s.kp, err = newKeypair(key); err != nil {
			return nil, err
		}
	}
	var err error

	base := http.DefaultTransport
	if o.httpClient != nil && o.httpClient.Transport != nil {
		base = o.httpClient.Transport
	}
	rt := func(service string) http.RoundTripper {
		return serviceTransport(base, service, o)
	}
	// sigstore-go's Fulcio and TSA clients build requests without a context:
	// a client per call whose transport carries the call's context makes
	// cancellation reach them (see ctxTransport).
	s.fulcioRT, s.tsaRT = rt("fulcio"), rt("tsa")
	for i, r := range o.rekors {
		hc := &http.Client{Transport: rt("rekor"), Timeout: o.requestTimeout}
		switch r.version {
		case 1:
			c, err := newRekorV1Client(r.url, hc)
			if err != nil {
				return nil, err
			}
			s.tlogs = append(s.tlogs, sgsign.NewRekor(&sgsign.RekorOptions{BaseURL: r.url, Version: 1, Timeout: o.requestTimeout, Client: c.Entries}))
		case 2:
			s.tlogs = append(s.tlogs, sgsign.NewRekor(&sgsign.RekorOptions{BaseURL: r.url, Version: 2, Timeout: o.requestTimeout, ClientV2: &rekorV2Client{base: r.url, client: hc}}))
		}
		s.tlogURL = append(s.tlogURL, o.rekors[i].url)
	}

	// Self-verification: require what we obtain.
	vcfg := verifierConfig{tlog: len(s.tlogs), signedTS: len(s.tsaURL), observerTS: 1, sct: o.sctThreshold}
	s.self, err = newVerifier(s.trusted, vcfg, o.logger)
	if err != nil {
		return nil, err
	}
	o.logger.Info("sigstore signer ready", slog.String("fulcio", s.fURL), slog.Any("rekor", s.tlogURL), slog.Any("tsa", s.tsaURL))
	return s, nil
}

func (s *Signer) selectServices() error {
	o := s.o
	keyless := o.signingKey == nil
	needConfig := (keyless && o.fulcioURL == "") || len(o.rekors) == 0
	sc := o.signingConfig
	if sc == nil && o.signingConfigFile != "" {
		var err error
		sc, err = root.NewSigningConfigFromPath(o.signingConfigFile)
		if err != nil {
			return fmt.Errorf("%w: signing config %s: %v", ErrConfig, o.signingConfigFile, err)
		}
	}
	explicitTSA := len(o.tsaURLs) > 0
	if sc == nil && needConfig {
		var err error
		sc, err = root.FetchSigningConfig()
		if err != nil {
			return fmt.Errorf("%w: no Fulcio/Rekor URLs given and fetching the public-good signing config via TUF failed (offline? pass WithSigningConfigFile or WithFulcioURL+WithRekorURL): %v", ErrConfig, err)
		}
	}
	now := time.Now()
	s.fURL = o.fulcioURL
	if s.fURL == "" && keyless {
		svc, err := root.SelectService(sc.FulcioCertificateAuthorityURLs(), sgsign.FulcioAPIVersions, now)
		if err != nil {
			return fmt.Errorf("%w: signing config has no usable Fulcio: %v", ErrConfig, err)
		}
		s.fURL = svc.URL
	}
	if len(o.rekors) == 0 && sc != nil && len(sc.RekorLogURLs()) > 0 {
		svcs, err := root.SelectServices(sc.RekorLogURLs(), sc.RekorLogURLsConfig(), sgsign.RekorAPIVersions, now)
		if err != nil {
			return fmt.Errorf("%w: signing config has no usable Rekor: %v", ErrConfig, err)
		}
		for _, svc := range svcs {
			o.rekors = append(o.rekors, rekorService{url: svc.URL, version: svc.MajorAPIVersion})
		}
	}
	if len(o.rekors) == 0 {
		return fmt.Errorf("%w: no transparency log configured: pass WithRekorURL or a signing config listing a Rekor", ErrConfig)
	}
	s.tsaURL = o.tsaURLs
	if !explicitTSA && sc != nil && len(sc.TimestampAuthorityURLs()) > 0 {
		svcs, err := root.SelectServices(sc.TimestampAuthorityURLs(), sc.TimestampAuthorityURLsConfig(), sgsign.TimestampAuthorityAPIVersions, now)
		if err != nil {
			return fmt.Errorf("%w: signing config has no usable timestamp authority: %v", ErrConfig, err)
		}
		for _, svc := range svcs {
			s.tsaURL = append(s.tsaURL, svc.URL)
		}
	}
	for _, r := range o.rekors {
		if r.version == 2 && len(s.tsaURL) == 0 {
			return fmt.Errorf("%w: Rekor v2 (%s) gives no signing time: add a timestamp authority (WithTSAURL)", ErrConfig, r.url)
		}
	}
	if keyless {
		if err := checkServiceURL("Fulcio", s.fURL, o.insecure); err != nil {
			return err
		}
	}
	for _, r := range o.rekors {
		if err := checkServiceURL("Rekor", r.url, o.insecure); err != nil {
			return err
		}
	}
	for _, u := range s.tsaURL {
		if err := checkServiceURL("TSA", u, o.insecure); err != nil {
			return err
		}
	}
	return nil
}

// PublicKey returns the Signer's public key: the ephemeral one Fulcio
// certifies, or the one of WithSigningKey.
func (s *Signer) PublicKey() crypto.PublicKey { return s.signer.Public() }

// Certificate returns the Fulcio certificate last used for signing, or nil
// before the first signature.
func (s *Signer) Certificate() *x509.Certificate {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cert
}

// Identity returns the certificate identity (SAN) and OIDC issuer of the
// certificate last used for signing ("" before the first signature).
func (s *Signer) Identity() (identity, issuer string) {
	c := s.Certificate()
	if c == nil {
		return "", ""
	}
	sum, err := certificate.SummarizeCertificate(c)
	if err != nil {
		return "", ""
	}
	return sum.SubjectAlternativeName, sum.Extensions.Issuer
}

// TrustedMaterial returns the trust material the Signer verifies against.
func (s *Signer) TrustedMaterial() root.TrustedMaterial { return s.trusted }

func (s *Signer) ensureCert(ctx context.Context) (*x509.Certificate, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cert != nil && time.Until(s.cert.NotAfter) > certRefreshMargin {
		return s.cert, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	tok, err := s.o.tokenSource.Token(ctx, s.o.audience)
	if err != nil {
		if !errors.Is(err, ErrNoToken) {
			err = fmt.Errorf("%w: %w", ErrNoToken, err)
		}
		return nil, err
	}
	if tok == "" {
		return nil, fmt.Errorf("%w: token source returned an empty token", ErrNoToken)
	}
	claims, cerr := ParseTokenClaims(tok)
	if cerr != nil {
		return nil, cerr
	}
	fulcio := sgsign.NewFulcio(&sgsign.FulcioOptions{BaseURL: s.fURL, Timeout: s.o.requestTimeout, Transport: ctxTransport{ctx: ctx, base: s.fulcioRT}})
	der, err := fulcio.GetCertificate(ctx, s.kp, &sgsign.CertificateProviderOptions{IDToken: tok})
	if err != nil {
		return nil, &ServiceError{Service: "fulcio", URL: s.fURL, Err: redactError(fmt.Errorf("certificate request for token %s refused: %w", claims, err), tok)}
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, &ServiceError{Service: "fulcio", URL: s.fURL, Err: fmt.Errorf("unparsable certificate: %w", err)}
	}
	if pub, ok := cert.PublicKey.(*ecdsa.PublicKey); !ok || !pub.Equal(s.signer.Public()) {
		return nil, &ServiceError{Service: "fulcio", URL: s.fURL, Err: errors.New("certificate is not for the signer's key")}
	}
	s.cert = cert
	if sum, err := certificate.SummarizeCertificate(cert); err == nil {
		s.o.logger.Info("fulcio certificate issued", slog.String("identity", sum.SubjectAlternativeName),
			slog.String("issuer", sum.Extensions.Issuer), slog.Time("not_after", cert.NotAfter))
	}
	return cert, nil
}

// SignDigest signs a precomputed SHA-256 digest (a message signature, the
// hashedrekord form cosign sign-blob produces) and returns the verified
// bundle.
func (s *Signer) SignDigest(ctx context.Context, sha256Digest []byte) (*bundle.Bundle, error) {
	b, _, err := s.signDigest(ctx, sha256Digest)
	return b, err
}

func (s *Signer) signDigest(ctx context.Context, digest []byte) (*bundle.Bundle, *Verification, error) {
	if len(digest) != sha256.Size {
		return nil, nil, fmt.Errorf("%w: SignDigest wants a %d-byte SHA-256 digest, got %d bytes", ErrConfig, sha256.Size, len(digest))
	}
	sig, err := s.signer.Sign(rand.Reader, digest, crypto.SHA256)
	if err != nil {
		return nil, nil, fmt.Errorf("sign: signing key: %w", err)
	}
	pb, cert, err := s.assemble(ctx, sig, func(pb *protobundle.Bundle) {
		pb.Content = &protobundle.Bundle_MessageSignature{MessageSignature: &protocommon.MessageSignature{
			MessageDigest: &protocommon.HashOutput{Algorithm: protocommon.HashAlgorithm_SHA2_256, Digest: bytes.Clone(digest)},
			Signature:     sig,
		}}
	})
	if err != nil {
		return nil, nil, err
	}
	b, err := bundle.NewBundle(pb)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: assembled bundle invalid: %v", ErrInvalidBundle, err)
	}
	v, err := s.self.verify(ctx, b, digest, s.selfPolicy(cert))
	if err != nil {
		return nil, nil, fmt.Errorf("sign: self-verification of the new bundle failed, nothing written: %w", err)
	}
	return b, v, nil
}

// SignDSSE signs payload as a DSSE envelope of payloadType (e.g.
// "application/vnd.in-toto+json" for an in-toto statement) and returns the
// verified bundle.
func (s *Signer) SignDSSE(ctx context.Context, payloadType string, payload []byte) (*bundle.Bundle, error) {
	if payloadType == "" {
		return nil, fmt.Errorf("%w: empty DSSE payload type", ErrConfig)
	}
	h := sha256.Sum256(dssePAE(payloadType, payload))
	sig, err := s.signer.Sign(rand.Reader, h[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("sign: signing key: %w", err)
	}
	pb, cert, err := s.assemble(ctx, sig, func(pb *protobundle.Bundle) {
		pb.Content = &protobundle.Bundle_DsseEnvelope{DsseEnvelope: &protodsse.Envelope{
			Payload: bytes.Clone(payload), PayloadType: payloadType,
			Signatures: []*protodsse.Signature{{Sig: sig}},
		}}
	})
	if err != nil {
		return nil, err
	}
	b, err := bundle.NewBundle(pb)
	if err != nil {
		return nil, fmt.Errorf("%w: assembled bundle invalid: %v", ErrInvalidBundle, err)
	}
	if _, err := s.self.verify(ctx, b, nil, s.selfPolicy(cert)); err != nil {
		return nil, fmt.Errorf("sign: self-verification of the new bundle failed: %w", err)
	}
	return b, nil
}

func dssePAE(payloadType string, payload []byte) []byte {
	var b bytes.Buffer
	b.WriteString("DSSEv1 ")
	b.WriteString(strconv.Itoa(len(payloadType)))
	b.WriteByte(' ')
	b.WriteString(payloadType)
	b.WriteByte(' ')
	b.WriteString(strconv.Itoa(len(payload)))
	b.WriteByte(' ')
	b.Write(payload)
	return b.Bytes()
}

// selfPolicy is what a new bundle must verify as: the certificate's
// identity, or the signing key.
func (s *Signer) selfPolicy(cert *x509.Certificate) Policy {
	if cert == nil {
		return KeyPolicy(s.signer.Public())
	}
	sum, err := certificate.SummarizeCertificate(cert)
	if err != nil {
		return Policy{}
	}
	return Policy{Identity: sum.SubjectAlternativeName, Issuer: sum.Extensions.Issuer}
}

// assemble gets the certificate, timestamps and log entries for sig.
func (s *Signer) assemble(ctx context.Context, sig []byte, content func(*protobundle.Bundle)) (*protobundle.Bundle, *x509.Certificate, error) {
	pb := &protobundle.Bundle{MediaType: BundleMediaType}
	content(pb)
	var (
		cert   *x509.Certificate
		logged []byte // what the log entry names as signer: certificate or public key (PEM)
	)
	if s.pubPEM != nil {
		logged = s.pubPEM
		pb.VerificationMaterial = &protobundle.VerificationMaterial{
			Content: &protobundle.VerificationMaterial_PublicKey{PublicKey: &protocommon.PublicKeyIdentifier{Hint: s.hint}},
		}
	} else {
		var err error
		if cert, err = s.ensureCert(ctx); err != nil {
			return nil, nil, err
		}
		logged = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
		pb.VerificationMaterial = &protobundle.VerificationMaterial{
			Content: &protobundle.VerificationMaterial_Certificate{Certificate: &protocommon.X509Certificate{RawBytes: cert.Raw}},
		}
	}
	for i := range s.tsaURL {
		ts, err := s.timestamp(ctx, i, sig)
		if err != nil {
			return nil, nil, err
		}
		if pb.VerificationMaterial.TimestampVerificationData == nil {
			pb.VerificationMaterial.TimestampVerificationData = &protobundle.TimestampVerificationData{}
		}
		pb.VerificationMaterial.TimestampVerificationData.Rfc3161Timestamps = append(
			pb.VerificationMaterial.TimestampVerificationData.Rfc3161Timestamps, &protocommon.RFC3161SignedTimestamp{SignedTimestamp: ts})
	}
	for i, tl := range s.tlogs {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		if err := tl.GetTransparencyLogEntry(ctx, logged, pb); err != nil {
			return nil, nil, &ServiceError{Service: "rekor", URL: s.tlogURL[i], Err: err}
		}
	}
	return pb, cert, nil
}

// SignFile hashes the file at path while streaming it (never holding it in
// memory), signs the digest, verifies the bundle and only then writes it
// atomically (temporary file + rename) to the bundle path (default
// path + ".sigstore.json").
func (s *Signer) SignFile(ctx context.Context, path string) (*FileSignature, error) {
	digest, size, err := SHA256File(ctx, path)
	if err != nil {
		return nil, err
	}
	b, v, err := s.signDigest(ctx, digest)
	if err != nil {
		return nil, fmt.Errorf("signing %s: %w", path, err)
	}
	data, err := b.MarshalJSON()
	if err != nil {
		return nil, err
	}
	bp := s.o.bundlePath(path)
	if err := atomicfile.WriteFile(bp, data, 0o644); err != nil {
		return nil, fmt.Errorf("writing bundle for %s: %w", path, err)
	}
	fs := &FileSignature{Path: path, BundlePath: bp, Size: size, Bundle: b, Identity: v.Identity, Issuer: v.Issuer, PublicKeyID: v.PublicKeyID}
	copy(fs.SHA256[:], digest)
	s.o.logger.Info("signed file", slog.String("path", path), slog.String("bundle", bp),
		slog.String("sha256", fs.SHA256Hex()), slog.Int64("size", size))
	return fs, nil
}

// SHA256File streams the file at path through SHA-256 and returns the digest
// and the number of bytes read. Reading and hashing overlap (two 1 MiB
// buffers: one is filled while the other is hashed), so memory use is
// constant and the wall time approaches the hashing floor.
func SHA256File(ctx context.Context, path string) ([]byte, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	// Buffers no larger than the file (plus one byte to see EOF): many
	// small files hashed at once stay small in memory.
	bufSize := int64(1 << 20)
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() < bufSize {
		bufSize = st.Size() + 1
	}
	type chunk struct {
		buf []byte
		n   int
		err error
	}
	free := make(chan []byte, 2)
	free <- make([]byte, bufSize)
	free <- make([]byte, bufSize)
	full := make(chan chunk, 2)
	done := make(chan struct{})
	defer close(done)
	go func() {
		defer close(full)
		for {
			var buf []byte
			select {
			case buf = <-free:
			case <-done:
				return
			}
			n, err := io.ReadFull(f, buf)
			if err == io.ErrUnexpectedEOF {
				err = io.EOF
			}
			select {
			case full <- chunk{buf, n, err}:
			case <-done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	h := sha256.New()
	var total int64
	for c := range full {
		if c.n > 0 {
			h.Write(c.buf[:c.n])
			total += int64(c.n)
		}
		if c.err == io.EOF {
			return h.Sum(nil), total, nil
		}
		if c.err != nil {
			return nil, total, c.err
		}
		if err := ctx.Err(); err != nil {
			return nil, total, err
		}
		free <- c.buf
	}
	return h.Sum(nil), total, nil
}

// keypair implements sigstore-go's sign.Keypair over the Signer's key; it is
// used for Fulcio's proof of possession (SignData hashes the data).
type keypair struct {
	priv *ecdsa.PrivateKey
	hint []byte
}

func newKeypair(priv *ecdsa.PrivateKey) (*keypair, error) {
	h, err := pkixSHA256(priv.Public())
	if err != nil {
		return nil, err
	}
	return &keypair{priv: priv, hint: []byte(base64.StdEncoding.EncodeToString(h[:]))}, nil
}

func (k *keypair) GetHashAlgorithm() protocommon.HashAlgorithm {
	return protocommon.HashAlgorithm_SHA2_256
}
func (k *keypair) GetSigningAlgorithm() protocommon.PublicKeyDetails {
	return protocommon.PublicKeyDetails_PKIX_ECDSA_P256_SHA_256
}
func (k *keypair) GetHint() []byte                { return k.hint }
func (k *keypair) GetKeyAlgorithm() string        { return "ECDSA" }
func (k *keypair) GetPublicKey() crypto.PublicKey { return k.priv.Public() }
func (k *keypair) GetPublicKeyPem() (string, error) {
	b, err := cryptoutils.MarshalPublicKeyToPEM(k.priv.Public())
	return string(b), err
}
func (k *keypair) SignData(_ context.Context, data []byte) ([]byte, []byte, error) {
	h := sha256.Sum256(data)
	sig, err := ecdsa.SignASN1(rand.Reader, k.priv, h[:])
	return sig, h[:], err
}

func newRekorV1Client(base string, hc *http.Client) (*rekorclient.Rekor, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("%w: Rekor URL: %v", ErrConfig, err)
	}
	p := u.Path
	if p == "" {
		p = rekorclient.DefaultBasePath
	}
	rt := httptransport.NewWithClient(u.Host, p, []string{u.Scheme}, hc)
	reg := strfmt.NewFormats()
	reg.Add("signedCheckpoint", &rekorutil.SignedNote{}, rekorutil.SignedCheckpointValidator)
	return rekorclient.New(rt, reg), nil
}

// rekorV2Client talks to a Rekor v2 write endpoint through our retrying
// transport (the rekor-tiles client has no transport injection).
type rekorV2Client struct {
	base   string
	client *http.Client
}

func (c *rekorV2Client) Add(ctx context.Context, entry any) (*protorekor.TransparencyLogEntry, error) {
	h, ok := entry.(*rekortilespb.HashedRekordRequestV002)
	if !ok {
		return nil, fmt.Errorf("unsupported Rekor v2 entry type %T", entry)
	}
	req := &rekortilespb.CreateEntryRequest{Spec: &rekortilespb.CreateEntryRequest_HashedRekordRequestV002{HashedRekordRequestV002: h}}
	payload, err := protojson.Marshal(req)
	if err != nil {
		return nil, err
	}
	u, err := url.JoinPath(c.base, "/api/v2/log/entries")
	if err != nil {
		return nil, err
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	hr.Header.Set("Content-Type", "application/json")
	resp, err := c.client.Do(hr)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 10<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusCreated {
		//lint:ignore ST1005 Rekor is a proper name
		return nil, fmt.Errorf("Rekor v2 answered %s: %s", resp.Status, truncate(string(body), 512))
	}
	tle := &protorekor.TransparencyLogEntry{}
	if err := protojson.Unmarshal(body, tle); err != nil {
		//lint:ignore ST1005 Rekor is a proper name
		return nil, fmt.Errorf("Rekor v2 answer: %w", err)
	}
	return tle, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
