package signtest_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/tagship/tagship/sign"
	"github.com/tagship/tagship/sign/signtest"
)

func getJSON(t *testing.T, url, bearer string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if bearer != "" {
		req.Header.Set("Authorization", "bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

func TestIssuerEndpoints(t *testing.T) {
	t.Parallel()
	for _, self := range []bool{false, true} {
		t.Run(fmt.Sprint("self=", self), func(t *testing.T) {
			t.Parallel()
			var opts []signtest.Option
			if self {
				opts = append(opts, signtest.WithIssuerSelfURL())
			}
			st := signtest.New(t, opts...)
			wantIss := sign.GitHubActionsIssuer
			if self {
				wantIss = st.IssuerURL()
			}
			code, disc := getJSON(t, st.IssuerURL()+"/.well-known/openid-configuration", "")
			if code != 200 || disc["issuer"] != wantIss || disc["jwks_uri"] != st.IssuerURL()+"/.well-known/jwks" {
				t.Fatalf("discovery %d %v", code, disc)
			}
			if code, _ := getJSON(t, st.TokenURL()+"&audience=sigstore", ""); code != http.StatusUnauthorized {
				t.Errorf("token without request token: %d", code)
			}
			if code, _ := getJSON(t, st.TokenURL()+"&audience=sigstore", "wrong"); code != http.StatusUnauthorized {
				t.Errorf("token with wrong request token: %d", code)
			}
			code, tv := getJSON(t, st.TokenURL()+"&audience=pypi", st.RequestToken())
			tok, _ := tv["value"].(string)
			if code != 200 || tok == "" {
				t.Fatalf("token endpoint %d %v", code, tv)
			}
			// The JWKS verifies the token.
			_, jwks := getJSON(t, st.IssuerURL()+"/.well-known/jwks", "")
			k := jwks["keys"].([]any)[0].(map[string]any)
			n, _ := base64.RawURLEncoding.DecodeString(k["n"].(string))
			e, _ := base64.RawURLEncoding.DecodeString(k["e"].(string))
			pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
			parts := strings.Split(tok, ".")
			sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
			h := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
			if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], sig); err != nil {
				t.Fatalf("JWKS does not verify the token: %v", err)
			}
			c, err := sign.ParseTokenClaims(tok)
			if err != nil {
				t.Fatal(err)
			}
			if c.Issuer != wantIss || c.Audience[0] != "pypi" || c.Subject != "repo:octo-org/octo-repo:ref:refs/tags/v1.0.0" {
				t.Errorf("claims %s", c)
			}
			var raw map[string]any
			p, _ := base64.RawURLEncoding.DecodeString(parts[1])
			json.Unmarshal(p, &raw)
			for _, claim := range []string{"iss", "aud", "sub", "job_workflow_ref", "job_workflow_sha", "workflow_ref", "workflow_sha",
				"repository", "repository_id", "repository_owner", "repository_owner_id", "repository_visibility", "ref", "ref_type",
				"sha", "event_name", "run_id", "run_attempt", "runner_environment", "workflow", "exp", "iat", "nbf", "jti"} {
				if _, ok := raw[claim]; !ok {
					t.Errorf("token lacks claim %q", claim)
				}
			}
			if st.TokensMinted() != 1 {
				t.Errorf("TokensMinted = %d", st.TokensMinted())
			}
		})
	}
}

// fulcioRequest posts a sigstore-go-style certificate request.
func fulcioRequest(t *testing.T, st *signtest.Sigstore, token string, key *ecdsa.PrivateKey, popOver string) (int, []byte) {
	t.Helper()
	der, _ := x509.MarshalPKIXPublicKey(key.Public())
	h := sha256.Sum256([]byte(popOver))
	pop, _ := ecdsa.SignASN1(rand.Reader, key, h[:])
	body, _ := json.Marshal(map[string]any{"publicKeyRequest": map[string]any{
		"publicKey":         map[string]string{"algorithm": "ECDSA", "content": string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))},
		"proofOfPossession": base64.StdEncoding.EncodeToString(pop),
	}})
	req, _ := http.NewRequest(http.MethodPost, st.FulcioURL()+"/api/v2/signingCert", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestFulcioCertificates(t *testing.T) {
	t.Parallel()
	st := signtest.New(t, signtest.WithWorkflow(signtest.Workflow{Repository: "Metbcy/securescan", Ref: "v0.11.0", EventName: "push", Environment: "release"}))
	other := signtest.New(t)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tok, _ := st.MintToken("sigstore")
	sub := "repo:Metbcy/securescan:environment:release"

	foreign, _ := other.MintToken("sigstore")
	wrongAud, _ := st.MintToken("pypi")
	for name, c := range map[string]struct {
		tok, pop string
		want     int
	}{
		"no token":       {"", sub, 401},
		"foreign issuer": {foreign, "repo:octo-org/octo-repo:ref:refs/tags/v1.0.0", 401},
		"wrong audience": {wrongAud, sub, 401},
		"bad proof":      {tok, "something else", 400},
		"valid":          {tok, sub, 200},
	} {
		code, body := fulcioRequest(t, st, c.tok, key, c.pop)
		if code != c.want {
			t.Errorf("%s: status %d, want %d: %s", name, code, c.want, body)
		}
	}

	code, body := fulcioRequest(t, st, tok, key, sub)
	if code != 200 {
		t.Fatal(code, string(body))
	}
	var resp struct {
		SignedCertificateEmbeddedSct struct {
			Chain struct{ Certificates []string }
		}
	}
	json.Unmarshal(body, &resp)
	if len(resp.SignedCertificateEmbeddedSct.Chain.Certificates) != 2 {
		t.Fatalf("chain: %s", body)
	}
	blk, _ := pem.Decode([]byte(resp.SignedCertificateEmbeddedSct.Chain.Certificates[0]))
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	wantSAN := "https://github.com/Metbcy/securescan/.github/workflows/release.yml@refs/tags/v0.11.0"
	if len(cert.URIs) != 1 || cert.URIs[0].String() != wantSAN || len(cert.EmailAddresses) != 0 {
		t.Errorf("SAN %v", cert.URIs)
	}
	if time.Until(cert.NotAfter) > 11*time.Minute || cert.ExtKeyUsage[0] != x509.ExtKeyUsageCodeSigning {
		t.Errorf("validity/EKU %v %v", cert.NotAfter, cert.ExtKeyUsage)
	}
	seen := map[string]bool{}
	for _, e := range cert.Extensions {
		seen[e.Id.String()] = true
	}
	for i := 1; i <= 22; i++ {
		if i == 7 {
			continue // OtherName SAN, not used for GitHub
		}
		if id := fmt.Sprintf("1.3.6.1.4.1.57264.1.%d", i); !seen[id] {
			t.Errorf("missing Fulcio extension %s", id)
		}
	}
	if !seen["1.3.6.1.4.1.11129.2.4.2"] {
		t.Error("no embedded SCT list")
	}
	sum, err := certificate.SummarizeCertificate(cert)
	if err != nil {
		t.Fatal(err)
	}
	x := sum.Extensions
	want := certificate.Extensions{
		Issuer: sign.GitHubActionsIssuer, GithubWorkflowTrigger: "push", GithubWorkflowSHA: signtest.DefaultWorkflow().SHA,
		GithubWorkflowName: "release", GithubWorkflowRepository: "Metbcy/securescan", GithubWorkflowRef: "refs/tags/v0.11.0",
		BuildSignerURI: wantSAN, BuildSignerDigest: signtest.DefaultWorkflow().SHA, RunnerEnvironment: "github-hosted",
		SourceRepositoryURI: "https://github.com/Metbcy/securescan", SourceRepositoryDigest: signtest.DefaultWorkflow().SHA,
		SourceRepositoryRef: "refs/tags/v0.11.0", SourceRepositoryIdentifier: signtest.DefaultWorkflow().RepositoryID,
		SourceRepositoryOwnerURI: "https://github.com/Metbcy", SourceRepositoryOwnerIdentifier: signtest.DefaultWorkflow().OwnerID,
		BuildConfigURI: wantSAN, BuildConfigDigest: signtest.DefaultWorkflow().SHA, BuildTrigger: "push",
		RunInvocationURI:                    "https://github.com/Metbcy/securescan/actions/runs/" + signtest.DefaultWorkflow().RunID + "/attempts/1",
		SourceRepositoryVisibilityAtSigning: "public",
	}
	if x != want {
		t.Errorf("extensions\n got %+v\nwant %+v", x, want)
	}
	// Issuer extension .1.8 is a DER UTF8String.
	for _, e := range cert.Extensions {
		if e.Id.Equal(asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 8}) {
			var s string
			if rest, err := asn1.Unmarshal(e.Value, &s); err != nil || len(rest) != 0 || s != sign.GitHubActionsIssuer {
				t.Errorf("issuer v2 extension not DER UTF8String: %v %q", err, s)
			}
		}
	}
	if n := len(st.Certificates()); n != 2 {
		t.Errorf("Certificates() = %d", n)
	}
	code, tb := getJSON(t, st.FulcioURL()+"/api/v2/trustBundle", "")
	if code != 200 || !strings.Contains(fmt.Sprint(tb), "BEGIN CERTIFICATE") {
		t.Errorf("trust bundle %d %v", code, tb)
	}
}

func TestWithoutSCTAndTSA(t *testing.T) {
	t.Parallel()
	st := signtest.New(t, signtest.WithoutSCT(), signtest.WithoutTSA())
	if len(st.TrustedRoot().CTLogs()) != 0 || len(st.TrustedRoot().TimestampingAuthorities()) != 0 || st.TSAURL() != "" {
		t.Fatal("CT log or TSA still trusted")
	}
	s, err := st.NewSigner()
	if err != nil {
		t.Fatal(err)
	}
	v, _ := st.NewVerifier()
	d := sha256.Sum256([]byte("x"))
	b, err := s.SignDigest(context.Background(), d[:])
	if err != nil {
		t.Fatal(err)
	}
	res, err := v.VerifyDigest(context.Background(), b, d[:], st.Policy())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Timestamps) != 1 || res.Timestamps[0].Kind != "Tlog" {
		t.Errorf("timestamps %v", res.Timestamps)
	}
	// A verifier demanding an SCT refuses the certificate.
	v2, _ := st.NewVerifier(sign.WithVerifierSCTThreshold(1))
	if _, err := v2.VerifyDigest(context.Background(), b, d[:], st.Policy()); !errors.Is(err, sign.ErrUntrustedCertificate) {
		t.Errorf("SCT threshold: %v", err)
	}
	// A verifier demanding a signed timestamp refuses the bundle.
	v3, _ := st.NewVerifier(sign.WithSignedTimestampThreshold(1))
	if _, err := v3.VerifyDigest(context.Background(), b, d[:], st.Policy()); !errors.Is(err, sign.ErrTimestamp) {
		t.Errorf("timestamp threshold: %v", err)
	}
}

func TestRekorLog(t *testing.T) {
	t.Parallel()
	st := signtest.New(t)
	s, v := mustPair(t, st)
	ctx := context.Background()
	var digests [][32]byte
	var bundles []any
	for i := range 5 {
		d := sha256.Sum256([]byte{byte(i)})
		b, err := s.SignDigest(ctx, d[:])
		if err != nil {
			t.Fatal(err)
		}
		digests = append(digests, d)
		bundles = append(bundles, b)
	}
	entries := st.Entries()
	if len(entries) != 5 {
		t.Fatalf("%d entries", len(entries))
	}
	for i, e := range entries {
		if e.Index != int64(i) || e.Kind != "hashedrekord" || len(e.UUID) != 64 || e.IntegratedTime.IsZero() {
			t.Errorf("entry %d: %+v", i, e)
		}
	}
	// Every bundle (proofs against different tree sizes) verifies.
	for i, d := range digests {
		_ = bundles[i]
		b, _ := s.SignDigest(ctx, d[:]) // another signature (ECDSA is randomized): a new entry
		if _, err := v.VerifyDigest(ctx, b, d[:], st.Policy()); err != nil {
			t.Fatalf("bundle %d: %v", i, err)
		}
	}
	code, m := getJSON(t, st.RekorURL()+"/api/v1/log/entries/"+entries[2].UUID, "")
	if code != 200 || m[entries[2].UUID] == nil {
		t.Errorf("GET entry: %d %v", code, m)
	}
	if code, _ := getJSON(t, st.RekorURL()+"/api/v1/log/entries/"+strings.Repeat("0", 64), ""); code != 404 {
		t.Errorf("GET missing entry: %d", code)
	}
	code, m = getJSON(t, st.RekorURL()+"/api/v1/log", "")
	if code != 200 || m["treeSize"] != float64(10) {
		t.Errorf("log info %d %v", code, m)
	}
}

func mustPair(t *testing.T, st *signtest.Sigstore) (*sign.Signer, *sign.Verifier) {
	t.Helper()
	s, err := st.NewSigner()
	if err != nil {
		t.Fatal(err)
	}
	v, err := st.NewVerifier()
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

func TestFaults(t *testing.T) {
	t.Parallel()
	st := signtest.New(t)
	url := st.IssuerURL() + "/.well-known/jwks"
	// No keep-alive: Go would transparently retry an idempotent GET after a
	// reset on a reused connection.
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	get := func() (*http.Response, []byte, error) {
		resp, err := client.Get(url)
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp, b, err
	}
	st.AddFault(signtest.Issuer, signtest.Fault{Status: 429, RetryAfter: 1500 * time.Millisecond, Times: 2})
	for range 2 {
		resp, _, err := get()
		if err != nil || resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" {
			t.Fatalf("429 fault: %v %v", resp, err)
		}
	}
	if resp, _, err := get(); err != nil || resp.StatusCode != 200 {
		t.Fatalf("after the fault: %v %v", resp, err)
	}
	st.AddFault(signtest.Issuer, signtest.Fault{Reset: true})
	if _, _, err := get(); err == nil {
		t.Fatal("reset fault: no error")
	}
	st.AddFault(signtest.Issuer, signtest.Fault{Truncate: true})
	if _, _, err := get(); err == nil {
		t.Fatal("truncate fault: no error")
	}
	st.AddFault(signtest.Issuer, signtest.Fault{Stall: 300 * time.Millisecond})
	start := time.Now()
	if resp, _, err := get(); err != nil || resp.StatusCode != 200 || time.Since(start) < 300*time.Millisecond {
		t.Fatalf("stall fault: %v %v %v", resp, err, time.Since(start))
	}
	st.AddFault(signtest.Issuer, signtest.Fault{Status: 500, Times: signtest.Always})
	for range 3 {
		if resp, _, _ := get(); resp == nil || resp.StatusCode != 500 {
			t.Fatal("Always fault stopped")
		}
	}
	st.ClearFaults()
	st.SetHook(signtest.Issuer, func(w http.ResponseWriter, r *http.Request) bool {
		w.WriteHeader(http.StatusTeapot)
		return true
	})
	if resp, _, _ := get(); resp == nil || resp.StatusCode != http.StatusTeapot {
		t.Fatal("hook not called")
	}
	st.SetHook(signtest.Issuer, nil)
	if resp, _, _ := get(); resp == nil || resp.StatusCode != 200 {
		t.Fatal("hook not removed")
	}
	if n := st.Requests(signtest.Issuer); n != 11 {
		t.Errorf("Requests = %d, want 11", n)
	}
}

func TestTrustFiles(t *testing.T) {
	t.Parallel()
	st := signtest.New(t)
	dir := t.TempDir()
	tr, sc := filepath.Join(dir, "trusted_root.json"), filepath.Join(dir, "signing_config.json")
	if err := st.WriteTrustedRoot(tr); err != nil {
		t.Fatal(err)
	}
	if err := st.WriteSigningConfig(sc); err != nil {
		t.Fatal(err)
	}
	trusted, err := root.NewTrustedRootFromPath(tr)
	if err != nil {
		t.Fatal(err)
	}
	if len(trusted.FulcioCertificateAuthorities()) != 1 || len(trusted.RekorLogs()) != 2 || len(trusted.CTLogs()) != 1 || len(trusted.TimestampingAuthorities()) != 1 {
		t.Errorf("trusted root content: %d CAs %d tlogs %d ctlogs %d TSAs", len(trusted.FulcioCertificateAuthorities()), len(trusted.RekorLogs()), len(trusted.CTLogs()), len(trusted.TimestampingAuthorities()))
	}
	cfg, err := root.NewSigningConfigFromPath(sc)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.FulcioCertificateAuthorityURLs()[0].URL != st.FulcioURL() || cfg.RekorLogURLs()[0].URL != st.RekorURL() ||
		cfg.TimestampAuthorityURLs()[0].URL != st.TSAURL() || cfg.OIDCProviderURLs()[0].URL != st.IssuerURL() {
		t.Errorf("signing config %s", cfg)
	}
	raw, _ := os.ReadFile(sc)
	if !strings.Contains(string(raw), "application/vnd.dev.sigstore.signingconfig.v0.2+json") {
		t.Errorf("signing config media type: %s", raw)
	}
}

func TestSetWorkflow(t *testing.T) {
	t.Parallel()
	st := signtest.New(t)
	st.SetWorkflow(signtest.Workflow{Repository: "a/b", Ref: "refs/tags/v2.0.0", WorkflowPath: ".github/workflows/publish.yml"})
	s, v := mustPair(t, st)
	d := sha256.Sum256([]byte("x"))
	b, err := s.SignDigest(context.Background(), d[:])
	if err != nil {
		t.Fatal(err)
	}
	res, err := v.VerifyDigest(context.Background(), b, d[:], sign.GitHubReleasePolicy("a/b", ".github/workflows/publish.yml", "v2.0.0"))
	if err != nil {
		t.Fatal(err)
	}
	if id, iss := s.Identity(); id != res.Identity || iss != res.Issuer || st.Identity() != id {
		t.Errorf("identity %q %q vs %q", id, iss, res.Identity)
	}
}

func TestRekorV2(t *testing.T) {
	t.Parallel()
	st := signtest.New(t, signtest.WithRekorVersion(2))
	if st.RekorURL() != st.RekorV2URL() || st.RekorVersion() != 2 || st.SigningConfig().RekorLogURLs()[0].MajorAPIVersion != 2 {
		t.Fatal("Rekor v2 not selected")
	}
	s, v := mustPair(t, st)
	ctx := context.Background()
	d := sha256.Sum256([]byte("v2"))
	b, err := s.SignDigest(ctx, d[:])
	if err != nil {
		t.Fatal(err)
	}
	res, err := v.VerifyDigest(ctx, b, d[:], st.Policy())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Timestamps) != 1 || res.Timestamps[0].Kind != "TimestampAuthority" {
		t.Errorf("timestamps %v: a Rekor v2 entry has no integrated time", res.Timestamps)
	}
	db, err := s.SignDSSE(ctx, "application/vnd.in-toto+json", []byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"x","predicate":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.VerifyDSSE(ctx, db, st.Policy()); err != nil {
		t.Fatal(err)
	}
	es := st.Entries()
	if len(es) != 2 || es[0].RekorVersion != 2 || es[1].Index != 1 || !es[0].IntegratedTime.IsZero() {
		t.Errorf("entries %+v", es)
	}
	if _, err := signtest.NewServer(signtest.WithRekorVersion(2), signtest.WithoutTSA()); err == nil {
		t.Error("Rekor v2 without TSA accepted")
	}
}
