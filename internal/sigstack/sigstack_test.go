package sigstack_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/tagship/tagship/internal/sigstack"
)

// TestStack starts the real stack once and checks, with the real cosign in
// both roles, that it signs and verifies a blob with a GitHub workflow
// identity — the property every other interop test builds on.
func TestStack(t *testing.T) {
	iss := newIssuer(t)
	s := sigstack.Start(t, iss.url)

	t.Run("tools", func(t *testing.T) {
		want := map[string]string{
			"cosign":           "v2.6.5",
			"fulcio":           "v1.8.8",
			"tesseract":        "v0.1.1",
			"timestamp-server": "v2.1.3",
			"rekor-server":     "v2.2.0",
		}
		for _, tl := range s.Tools {
			if want[tl.Name] != tl.Version {
				t.Errorf("%s: version %s, want the pinned %s", tl.Name, tl.Version, want[tl.Name])
			}
			delete(want, tl.Name)
		}
		if len(want) != 0 {
			t.Errorf("Stack.Tools misses %v", want)
		}
	})

	t.Run("trusted root", func(t *testing.T) {
		tr, err := root.NewTrustedRootFromPath(s.TrustedRootPath)
		if err != nil {
			t.Fatalf("sigstore-go cannot read %s: %v", s.TrustedRootPath, err)
		}
		if n := len(tr.FulcioCertificateAuthorities()); n != 1 {
			t.Errorf("certificate authorities: %d, want 1", n)
		}
		if n := len(tr.CTLogs()); n != 1 {
			t.Errorf("CT logs: %d, want 1", n)
		}
		if n := len(tr.TimestampingAuthorities()); n != 1 {
			t.Errorf("timestamp authorities: %d, want 1", n)
		}
		logs := tr.RekorLogs()
		if len(logs) != 1 {
			t.Fatalf("Rekor logs: %d, want 1", len(logs))
		}
		for _, l := range logs {
			if l.BaseURL != s.RekorURL {
				t.Errorf("Rekor base URL %q, want %q", l.BaseURL, s.RekorURL)
			}
		}
	})

	t.Run("signing config", func(t *testing.T) {
		sc, err := root.NewSigningConfigFromPath(s.SigningConfigPath)
		if err != nil {
			t.Fatalf("sigstore-go cannot read %s: %v", s.SigningConfigPath, err)
		}
		rekor := sc.RekorLogURLs()
		if len(rekor) != 1 || rekor[0].URL != s.RekorURL || rekor[0].MajorAPIVersion != 2 {
			t.Errorf("Rekor services %+v, want %s with API version 2", rekor, s.RekorURL)
		}
		if ca := sc.FulcioCertificateAuthorityURLs(); len(ca) != 1 || ca[0].URL != s.FulcioURL {
			t.Errorf("Fulcio services %+v, want %s", ca, s.FulcioURL)
		}
		if tsa := sc.TimestampAuthorityURLs(); len(tsa) != 1 || tsa[0].URL != s.TSAURL {
			t.Errorf("TSA services %+v, want %s", tsa, s.TSAURL)
		}
	})

	t.Run("cosign round trip", func(t *testing.T) {
		dir := t.TempDir()
		blob := filepath.Join(dir, "artifact.txt")
		if err := os.WriteFile(blob, []byte("tagship sigstack\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		bundle := blob + ".sigstore.json"
		if _, err := s.Cosign(t, "sign-blob", "--yes",
			"--signing-config", s.SigningConfigPath,
			"--trusted-root", s.TrustedRootPath,
			"--identity-token", tokenFile(t, iss.token(t)),
			"--new-bundle-format", "--bundle", bundle, blob); err != nil {
			t.Fatalf("cosign sign-blob against the stack: %v", err)
		}
		checkBundle(t, bundle)
		verify := func(identity, issuer string) error {
			_, err := s.Cosign(t, "verify-blob",
				"--bundle", bundle,
				"--trusted-root", s.TrustedRootPath,
				"--certificate-identity", identity,
				"--certificate-oidc-issuer", issuer,
				"--use-signed-timestamps", blob)
			return err
		}
		if err := verify(workflowIdentity, iss.url); err != nil {
			t.Fatalf("cosign verify-blob of its own bundle: %v", err)
		}
		if err := verify(workflowIdentity+"x", iss.url); err == nil {
			t.Error("cosign verify-blob accepted a wrong identity: the stack proves nothing")
		}
	})
}

// checkBundle asserts what makes the stack "real": a certificate with an
// embedded SCT from the CT log, a Rekor v2 entry, an RFC 3161 timestamp.
func checkBundle(t *testing.T, path string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var b struct {
		MediaType            string `json:"mediaType"`
		VerificationMaterial struct {
			Certificate struct {
				RawBytes []byte `json:"rawBytes"`
			} `json:"certificate"`
			TlogEntries []struct {
				KindVersion struct {
					Kind    string `json:"kind"`
					Version string `json:"version"`
				} `json:"kindVersion"`
				InclusionProof struct {
					Checkpoint struct {
						Envelope string `json:"envelope"`
					} `json:"checkpoint"`
				} `json:"inclusionProof"`
			} `json:"tlogEntries"`
			TimestampVerificationData struct {
				RFC3161Timestamps []struct {
					SignedTimestamp []byte `json:"signedTimestamp"`
				} `json:"rfc3161Timestamps"`
			} `json:"timestampVerificationData"`
		} `json:"verificationMaterial"`
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatalf("bundle %s: %v", path, err)
	}
	vm := b.VerificationMaterial
	cert, err := x509.ParseCertificate(vm.Certificate.RawBytes)
	if err != nil {
		t.Fatalf("bundle certificate: %v (media type %s)", err, b.MediaType)
	}
	if len(cert.URIs) != 1 || cert.URIs[0].String() != workflowIdentity {
		t.Errorf("certificate SAN %v, want %s", cert.URIs, workflowIdentity)
	}
	sctOID := []int{1, 3, 6, 1, 4, 1, 11129, 2, 4, 2}
	hasSCT, hasGitHub := false, false
	for _, e := range cert.Extensions {
		if e.Id.Equal(sctOID) {
			hasSCT = true
		}
		if strings.HasPrefix(e.Id.String(), "1.3.6.1.4.1.57264.1.") {
			hasGitHub = true
		}
	}
	if !hasSCT {
		t.Error("certificate carries no embedded SCT: Fulcio is not wired to the CT log")
	}
	if !hasGitHub {
		t.Error("certificate carries no Fulcio GitHub extension (1.3.6.1.4.1.57264.1.*)")
	}
	if len(vm.TlogEntries) != 1 || vm.TlogEntries[0].InclusionProof.Checkpoint.Envelope == "" {
		t.Errorf("want one transparency-log entry with an inclusion proof, got %+v", vm.TlogEntries)
	} else if !strings.HasPrefix(vm.TlogEntries[0].InclusionProof.Checkpoint.Envelope, "127.0.0.1\n") {
		t.Errorf("checkpoint origin: want 127.0.0.1, got %.40q", vm.TlogEntries[0].InclusionProof.Checkpoint.Envelope)
	}
	if len(vm.TimestampVerificationData.RFC3161Timestamps) != 1 {
		t.Errorf("want one RFC 3161 timestamp, got %d", len(vm.TimestampVerificationData.RFC3161Timestamps))
	}
}

// TestStacksSerialise starts two stacks from parallel tests: without the
// per-namespace lock the second timestamp authority would find :2112 taken
// and exit. Each stack must be fully up (its trusted root written, Fulcio
// answering) while it is held.
func TestStacksSerialise(t *testing.T) {
	iss := newIssuer(t)
	for _, name := range []string{"first", "second"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := sigstack.Start(t, iss.url)
			if _, err := os.Stat(s.TrustedRootPath); err != nil {
				t.Fatal(err)
			}
			resp, err := http.Get(s.FulcioURL + "/api/v2/trustBundle")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("Fulcio trust bundle: status %d", resp.StatusCode)
			}
		})
	}
}

func TestToolVersionRejectsNonGoBinary(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "script")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, _, err := sigstack.ToolVersion(p); err == nil {
		t.Fatal("ToolVersion accepted a shell script")
	}
}

func TestStartRejectsBadIssuer(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"", "127.0.0.1:80", "ftp://127.0.0.1/"} {
		ft := &fatalRecorder{TB: t}
		func() {
			defer func() { _ = recover() }()
			sigstack.Start(ft, bad)
		}()
		if !ft.fatal {
			t.Errorf("Start(%q) did not fail", bad)
		}
	}
}

// fatalRecorder turns Fatal into a recorded panic so a test can observe it.
type fatalRecorder struct {
	testing.TB
	fatal bool
}

func (f *fatalRecorder) Fatalf(format string, args ...any) { f.fatal = true; panic("fatal") }
func (f *fatalRecorder) Fatal(args ...any)                 { f.fatal = true; panic("fatal") }
func (f *fatalRecorder) Helper()                           {}

const (
	workflowRef      = "tagship/demo/.github/workflows/release.yml@refs/tags/v1.2.3"
	workflowIdentity = "https://github.com/" + workflowRef
)

// issuer is a minimal OIDC issuer for this package's own test; the interop
// tests of the SDK use sign/signtest's issuer instead. It serves discovery
// and a JWKS on 127.0.0.1 and mints ES256 tokens with every claim Fulcio's
// github-workflow issuer type requires.
type issuer struct {
	url string
	key *ecdsa.PrivateKey
}

func newIssuer(t *testing.T) *issuer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	iss := &issuer{url: "http://" + l.Addr().String(), key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{
			"issuer":                                iss.url,
			"jwks_uri":                              iss.url + "/jwks",
			"response_types_supported":              []string{"id_token"},
			"subject_types_supported":               []string{"public"},
			"id_token_signing_alg_values_supported": []string{"ES256"},
		})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		pad := func(b []byte) string {
			return base64.RawURLEncoding.EncodeToString(append(make([]byte, 32-len(b)), b...))
		}
		pub, err := key.PublicKey.Bytes() // 0x04 || X || Y
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		writeJSON(w, map[string]any{"keys": []map[string]string{{
			"kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": "k1",
			"x": pad(pub[1:33]), "y": pad(pub[33:65]),
		}}})
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return iss
}

func (iss *issuer) token(t *testing.T) string {
	t.Helper()
	now := time.Now()
	claims := map[string]any{
		"iss": iss.url, "aud": "sigstore", "sub": "repo:tagship/demo:ref:refs/tags/v1.2.3",
		"iat": now.Unix(), "nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(10 * time.Minute).Unix(),
		"jti": "sigstack-test", "ref": "refs/tags/v1.2.3", "ref_type": "tag",
		"sha": strings.Repeat("a", 40), "repository": "tagship/demo", "repository_owner": "tagship",
		"repository_owner_id": "1001", "repository_id": "2002", "repository_visibility": "public",
		"run_id": "3003", "run_number": "1", "run_attempt": "1", "runner_environment": "github-hosted",
		"actor": "maintainer", "actor_id": "4004", "event_name": "push", "workflow": "release",
		"workflow_ref": workflowRef, "workflow_sha": strings.Repeat("b", 40),
		"job_workflow_ref": workflowRef, "job_workflow_sha": strings.Repeat("b", 40),
	}
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	signing := enc(map[string]string{"alg": "ES256", "typ": "JWT", "kid": "k1"}) + "." + enc(claims)
	digest := sha256.Sum256([]byte(signing))
	r, s, err := ecdsa.Sign(rand.Reader, iss.key, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// tokenFile writes tok to a private file: cosign v2.6.5 takes a raw
// --identity-token only when it is RS256, and reads anything else as a path.
func tokenFile(t *testing.T, tok string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "oidc-token")
	if err := os.WriteFile(p, []byte(tok), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
