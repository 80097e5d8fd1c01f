package signtest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"

	ct "github.com/google/certificate-transparency-go"
	cttls "github.com/google/certificate-transparency-go/tls"
	ctx509util "github.com/google/certificate-transparency-go/x509util"
)

// fulcioOID is the Fulcio certificate extension 1.3.6.1.4.1.57264.1.n.
func fulcioOID(n int) asn1.ObjectIdentifier {
	return asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, n}
}

// requiredGitHubClaims are the claims Fulcio's github-workflow issuer type
// requires.
func requiredGitHubClaims() []string {
	return []string{"sub", "job_workflow_ref", "sha", "event_name", "repository", "workflow", "ref",
		"job_workflow_sha", "runner_environment", "repository_id", "repository_owner", "repository_owner_id",
		"repository_visibility", "workflow_ref", "workflow_sha", "run_id", "run_attempt"}
}

type fulcioRequest struct {
	Credentials *struct {
		OIDCIdentityToken string `json:"oidcIdentityToken"`
	} `json:"credentials"`
	PublicKeyRequest *struct {
		PublicKey struct {
			Algorithm string `json:"algorithm"`
			Content   string `json:"content"`
		} `json:"publicKey"`
		ProofOfPossession string `json:"proofOfPossession"`
	} `json:"publicKeyRequest"`
	CertificateSigningRequest string `json:"certificateSigningRequest"`
}

func fulcioError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"code": status, "message": msg})
}

func (s *Sigstore) fulcioHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v2/trustBundle", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"chains": []map[string]any{{"certificates": []string{pemCert(s.caCert)}}}})
	})
	mux.HandleFunc("GET /api/v1/rootCert", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/pem-certificate-chain")
		io.WriteString(w, pemCert(s.caCert))
	})
	mux.HandleFunc("POST /api/v2/signingCert", s.handleSigningCert)
	return mux
}

func (s *Sigstore) handleSigningCert(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		fulcioError(w, http.StatusBadRequest, "reading request")
		return
	}
	var req fulcioRequest
	if err := json.Unmarshal(body, &req); err != nil {
		fulcioError(w, http.StatusBadRequest, "request is not JSON")
		return
	}
	tok := ""
	if scheme, t, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "bearer") {
		tok = t
	}
	if req.Credentials != nil && req.Credentials.OIDCIdentityToken != "" {
		tok = req.Credentials.OIDCIdentityToken
	}
	if tok == "" {
		fulcioError(w, http.StatusUnauthorized, "There was an error processing the identity token")
		return
	}
	claims, err := s.oidc.verify(tok)
	if err != nil {
		fulcioError(w, http.StatusUnauthorized, "There was an error processing the identity token: "+err.Error())
		return
	}
	if msg := s.checkClaims(claims); msg != "" {
		fulcioError(w, http.StatusUnauthorized, "There was an error processing the identity token: "+msg)
		return
	}
	sub, _ := claims["sub"].(string)

	var pub crypto.PublicKey
	switch {
	case req.PublicKeyRequest != nil:
		block, _ := pem.Decode([]byte(req.PublicKeyRequest.PublicKey.Content))
		if block == nil {
			fulcioError(w, http.StatusBadRequest, "The public key supplied in the request could not be parsed")
			return
		}
		pub, err = x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			fulcioError(w, http.StatusBadRequest, "The public key supplied in the request could not be parsed")
			return
		}
		pop, err := base64.StdEncoding.DecodeString(req.PublicKeyRequest.ProofOfPossession)
		if err != nil || !verifyPoP(pub, []byte(sub), pop) {
			fulcioError(w, http.StatusBadRequest, "The signature supplied in the request could not be verified")
			return
		}
	case req.CertificateSigningRequest != "":
		raw := []byte(req.CertificateSigningRequest)
		if dec, err := base64.StdEncoding.DecodeString(req.CertificateSigningRequest); err == nil {
			raw = dec
		}
		block, _ := pem.Decode(raw)
		if block == nil {
			fulcioError(w, http.StatusBadRequest, "The CSR could not be parsed")
			return
		}
		csr, err := x509.ParseCertificateRequest(block.Bytes)
		if err != nil || csr.CheckSignature() != nil {
			fulcioError(w, http.StatusBadRequest, "The CSR signature could not be verified")
			return
		}
		pub = csr.PublicKey
	default:
		fulcioError(w, http.StatusBadRequest, "The request is missing a public key or CSR")
		return
	}
	if _, ok := pub.(*ecdsa.PublicKey); !ok {
		fulcioError(w, http.StatusBadRequest, "signtest issues certificates for ECDSA keys only")
		return
	}
	leaf, err := s.issueCert(claims, pub)
	if err != nil {
		fulcioError(w, http.StatusInternalServerError, "issuing certificate: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"signedCertificateEmbeddedSct": map[string]any{"chain": map[string]any{"certificates": []string{pemCert(leaf), pemCert(s.caCert)}}},
	})
}

func verifyPoP(pub crypto.PublicKey, msg, sig []byte) bool {
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		return false
	}
	h := sha256.Sum256(msg)
	return ecdsa.VerifyASN1(k, h[:], sig)
}

func (s *Sigstore) checkClaims(c map[string]any) string {
	if iss, _ := c["iss"].(string); iss != s.issuer {
		return fmt.Sprintf("unknown issuer %q (this Fulcio trusts %q)", iss, s.issuer)
	}
	aud := c["aud"]
	okAud := false
	switch a := aud.(type) {
	case string:
		okAud = a == "sigstore"
	case []any:
		okAud = slices.ContainsFunc(a, func(v any) bool { return v == "sigstore" })
	}
	if !okAud {
		return `audience must contain "sigstore"`
	}
	exp, _ := c["exp"].(float64)
	if s.now().Unix() > int64(exp) {
		return "token expired"
	}
	for _, k := range requiredGitHubClaims() {
		if _, ok := c[k].(string); !ok {
			return fmt.Sprintf("token lacks the %q claim required for GitHub workflow identities", k)
		}
	}
	return ""
}

func derString(s string) []byte {
	b, _ := asn1.MarshalWithParams(s, "utf8")
	return b
}

// issueCert builds the Fulcio-style leaf for claims, embedding an SCT from
// the double's CT log.
func (s *Sigstore) issueCert(c map[string]any, pub crypto.PublicKey) (*x509.Certificate, error) {
	str := func(k string) string { v, _ := c[k].(string); return v }
	const gh = "https://github.com"
	san, err := url.Parse(gh + "/" + str("job_workflow_ref"))
	if err != nil {
		return nil, err
	}
	iss := str("iss")
	exts := []pkix.Extension{
		{Id: fulcioOID(1), Value: []byte(iss)},
		{Id: fulcioOID(2), Value: []byte(str("event_name"))},
		{Id: fulcioOID(3), Value: []byte(str("sha"))},
		{Id: fulcioOID(4), Value: []byte(str("workflow"))},
		{Id: fulcioOID(5), Value: []byte(str("repository"))},
		{Id: fulcioOID(6), Value: []byte(str("ref"))},
		{Id: fulcioOID(8), Value: derString(iss)},
		{Id: fulcioOID(9), Value: derString(gh + "/" + str("job_workflow_ref"))},
		{Id: fulcioOID(10), Value: derString(str("job_workflow_sha"))},
		{Id: fulcioOID(11), Value: derString(str("runner_environment"))},
		{Id: fulcioOID(12), Value: derString(gh + "/" + str("repository"))},
		{Id: fulcioOID(13), Value: derString(str("sha"))},
		{Id: fulcioOID(14), Value: derString(str("ref"))},
		{Id: fulcioOID(15), Value: derString(str("repository_id"))},
		{Id: fulcioOID(16), Value: derString(gh + "/" + str("repository_owner"))},
		{Id: fulcioOID(17), Value: derString(str("repository_owner_id"))},
		{Id: fulcioOID(18), Value: derString(gh + "/" + str("workflow_ref"))},
		{Id: fulcioOID(19), Value: derString(str("workflow_sha"))},
		{Id: fulcioOID(20), Value: derString(str("event_name"))},
		{Id: fulcioOID(21), Value: derString(gh + "/" + str("repository") + "/actions/runs/" + str("run_id") + "/attempts/" + str("run_attempt"))},
		{Id: fulcioOID(22), Value: derString(str("repository_visibility"))},
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 159))
	if err != nil {
		return nil, err
	}
	now := s.now()
	s.mu.Lock()
	notBefore := now.Add(-s.certBackdate)
	lifetime := s.certLifetime
	s.mu.Unlock()
	tmpl := &x509.Certificate{
		SerialNumber:    serial,
		NotBefore:       notBefore,
		NotAfter:        notBefore.Add(lifetime),
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtKeyUsage:     []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		URIs:            []*url.URL{san},
		ExtraExtensions: exts,
	}
	// Pre-certificate TBS: the final certificate minus the SCT list.
	preDER, err := x509.CreateCertificate(rand.Reader, tmpl, s.caCert, pub, s.caKey)
	if err != nil {
		return nil, err
	}
	pre, err := x509.ParseCertificate(preDER)
	if err != nil {
		return nil, err
	}
	if s.sctEnabled {
		sctExt, err := s.ctSign(pre.RawTBSCertificate)
		if err != nil {
			return nil, err
		}
		tmpl.ExtraExtensions = append(slices.Clone(exts), sctExt)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, s.caCert, pub, s.caKey)
	if err != nil {
		return nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.certs = append(s.certs, leaf)
	s.mu.Unlock()
	return leaf, nil
}

// ctSign returns the embedded-SCT extension for a precertificate TBS.
func (s *Sigstore) ctSign(tbs []byte) (pkix.Extension, error) {
	keyHash := sha256.Sum256(s.caCert.RawSubjectPublicKeyInfo)
	ts := uint64(s.now().UnixMilli())
	leaf := ct.MerkleTreeLeaf{
		Version:  ct.V1,
		LeafType: ct.TimestampedEntryLeafType,
		TimestampedEntry: &ct.TimestampedEntry{
			Timestamp:    ts,
			EntryType:    ct.PrecertLogEntryType,
			PrecertEntry: &ct.PreCert{IssuerKeyHash: keyHash, TBSCertificate: tbs},
		},
	}
	sct := ct.SignedCertificateTimestamp{SCTVersion: ct.V1, LogID: ct.LogID{KeyID: s.ctLogID}, Timestamp: ts}
	input, err := ct.SerializeSCTSignatureInput(sct, ct.LogEntry{Leaf: leaf})
	if err != nil {
		return pkix.Extension{}, err
	}
	sig, err := cttls.CreateSignature(*s.ctKey, cttls.SHA256, input)
	if err != nil {
		return pkix.Extension{}, err
	}
	sct.Signature = ct.DigitallySigned(sig)
	list, err := ctx509util.MarshalSCTsIntoSCTList([]*ct.SignedCertificateTimestamp{&sct})
	if err != nil {
		return pkix.Extension{}, err
	}
	raw, err := cttls.Marshal(*list)
	if err != nil {
		return pkix.Extension{}, err
	}
	val, err := asn1.Marshal(raw)
	if err != nil {
		return pkix.Extension{}, err
	}
	return pkix.Extension{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11129, 2, 4, 2}, Value: val}, nil
}

func pemCert(c *x509.Certificate) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
}
