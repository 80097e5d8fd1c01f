package sign_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/tagship/tagship/sign"
	"github.com/tagship/tagship/sign/signtest"
)

func mkFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func newPair(t *testing.T, st *signtest.Sigstore, opts ...sign.Option) (*sign.Signer, *sign.Verifier) {
	t.Helper()
	s, err := st.NewSigner(opts...)
	if err != nil {
		t.Fatal(err)
	}
	v, err := st.NewVerifier()
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

func TestSignFileRoundTrip(t *testing.T) {
	t.Parallel()
	st := signtest.New(t)
	s, v := newPair(t, st)
	ctx := context.Background()
	dir := t.TempDir()
	var paths []string
	for _, n := range []string{"a.whl", "b.tar.gz", "c.txt"} {
		paths = append(paths, mkFile(t, dir, n, "content of "+n))
	}
	for _, p := range paths {
		fs, err := s.SignFile(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if fs.BundlePath != p+".sigstore.json" {
			t.Errorf("bundle path %q", fs.BundlePath)
		}
		want := sha256.Sum256([]byte("content of " + filepath.Base(p)))
		if fs.SHA256 != want || fs.Size != int64(len("content of "+filepath.Base(p))) {
			t.Errorf("digest/size mismatch: %x %d", fs.SHA256, fs.Size)
		}
		if fs.Identity != st.Identity() || fs.Issuer != sign.GitHubActionsIssuer {
			t.Errorf("identity %q issuer %q", fs.Identity, fs.Issuer)
		}
		raw, err := os.ReadFile(fs.BundlePath)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil || m["mediaType"] != sign.BundleMediaType {
			t.Errorf("bundle mediaType %v (err %v)", m["mediaType"], err)
		}
		res, err := v.VerifyFile(ctx, p, fs.BundlePath, st.Policy())
		if err != nil {
			t.Fatal(err)
		}
		if res.Identity != st.Identity() || res.Issuer != st.Issuer() || !bytes.Equal(res.SHA256, want[:]) {
			t.Errorf("verification %+v", res)
		}
		if res.SignedAt.IsZero() || len(res.Timestamps) != 2 || len(res.LogIndexes) != 1 {
			t.Errorf("timestamps %v log %v", res.Timestamps, res.LogIndexes)
		}
		if res.Certificate.Extensions.SourceRepositoryURI != "https://github.com/octo-org/octo-repo" ||
			res.Certificate.Extensions.BuildTrigger != "push" || res.Certificate.Extensions.RunnerEnvironment != "github-hosted" {
			t.Errorf("extensions %+v", res.Certificate.Extensions)
		}
	}
	// One key and one certificate for the whole run.
	if n := len(st.Certificates()); n != 1 {
		t.Errorf("%d certificates issued, want 1 (key and certificate reused across files)", n)
	}
	if n := len(st.Entries()); n != 3 {
		t.Errorf("%d log entries, want 3", n)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".*tmp-*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

func TestSignDigestAndDSSE(t *testing.T) {
	t.Parallel()
	st := signtest.New(t)
	s, v := newPair(t, st)
	ctx := context.Background()
	d := sha256.Sum256([]byte("manifest"))
	b, err := s.SignDigest(ctx, d[:])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.VerifyDigest(ctx, b, d[:], st.Policy()); err != nil {
		t.Fatal(err)
	}
	other := sha256.Sum256([]byte("other"))
	if _, err := v.VerifyDigest(ctx, b, other[:], st.Policy()); !errors.Is(err, sign.ErrDigestMismatch) {
		t.Fatalf("other digest: %v", err)
	}
	if _, err := s.SignDigest(ctx, []byte("short")); err == nil {
		t.Fatal("short digest accepted")
	}

	stmt := []byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"pkg","digest":{"sha256":"` +
		strings.Repeat("ab", 32) + `"}}],"predicateType":"https://docs.pypi.org/attestations/publish/v1","predicate":{}}`)
	db, err := s.SignDSSE(ctx, "application/vnd.in-toto+json", stmt)
	if err != nil {
		t.Fatal(err)
	}
	res, err := v.VerifyDSSE(ctx, db, st.Policy())
	if err != nil {
		t.Fatal(err)
	}
	if res.PayloadType != "application/vnd.in-toto+json" || !bytes.Equal(res.Payload, stmt) {
		t.Errorf("payload %q %q", res.PayloadType, res.Payload)
	}
	if _, err := v.VerifyDSSE(ctx, b, st.Policy()); !errors.Is(err, sign.ErrInvalidBundle) {
		t.Errorf("VerifyDSSE of a message signature: %v", err)
	}
}

func TestVerifyFailures(t *testing.T) {
	t.Parallel()
	st := signtest.New(t)
	s, v := newPair(t, st)
	ctx := context.Background()
	dir := t.TempDir()
	art := mkFile(t, dir, "pkg.tar.gz", "the release")
	fs, err := s.SignFile(ctx, art)
	if err != nil {
		t.Fatal(err)
	}
	other := mkFile(t, dir, "other.tar.gz", "another file")
	ofs, err := s.SignFile(ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	tampered := mkFile(t, dir, "tampered.tar.gz", "the releasE")

	// A second, unrelated Sigstore: its trust does not cover our bundles.
	st2 := signtest.New(t)
	v2, err := st2.NewVerifier()
	if err != nil {
		t.Fatal(err)
	}

	good := st.Policy()
	withIdentity := func(id string) sign.Policy { p := good; p.Identity = id; return p }
	withIssuer := func(iss string) sign.Policy { p := good; p.Issuer = iss; return p }
	tests := []struct {
		name     string
		v        *sign.Verifier
		file     string
		bundle   string
		policy   sign.Policy
		sentinel error
		check    string
	}{
		{"ok", v, art, fs.BundlePath, good, nil, ""},
		{"github release policy", v, art, fs.BundlePath, sign.GitHubReleasePolicy("octo-org/octo-repo", "", "v1.0.0"), nil, ""},
		{"wrong tag", v, art, fs.BundlePath, sign.GitHubReleasePolicy("octo-org/octo-repo", "", "v1.0.1"), sign.ErrIdentityMismatch, "identity"},
		{"wrong identity", v, art, fs.BundlePath, withIdentity("https://github.com/evil/repo/.github/workflows/release.yml@refs/tags/v1.0.0"), sign.ErrIdentityMismatch, "identity"},
		{"wrong issuer", v, art, fs.BundlePath, withIssuer("https://accounts.google.com"), sign.ErrIssuerMismatch, "issuer"},
		{"tampered file", v, tampered, fs.BundlePath, good, sign.ErrDigestMismatch, "digest"},
		{"bundle of another file", v, art, ofs.BundlePath, good, sign.ErrDigestMismatch, "digest"},
		{"untrusted root", v2, art, fs.BundlePath, good, nil, ""},
		{"regexp ok", v, art, fs.BundlePath, sign.Policy{IdentityRegexpLoose: `^https://github\.com/octo-org/octo-repo/`, Issuer: sign.GitHubActionsIssuer}, nil, ""},
		{"regexp mismatch", v, art, fs.BundlePath, sign.Policy{IdentityRegexpLoose: `^https://github\.com/other/`, Issuer: sign.GitHubActionsIssuer}, sign.ErrIdentityMismatch, "identity"},
		{"ref claim", v, art, fs.BundlePath, func() sign.Policy { p := good; p.Ref = "refs/heads/main"; return p }(), sign.ErrClaimMismatch, "ref"},
		{"repository claim", v, art, fs.BundlePath, func() sign.Policy { p := good; p.Repository = "octo-org/fork"; return p }(), sign.ErrClaimMismatch, "repository"},
		{"event claim", v, art, fs.BundlePath, func() sign.Policy { p := good; p.EventName = "pull_request_target"; return p }(), sign.ErrClaimMismatch, "event"},
		{"sha claim", v, art, fs.BundlePath, func() sign.Policy { p := good; p.WorkflowSHA = strings.Repeat("f", 40); return p }(), sign.ErrClaimMismatch, "workflow-sha"},
		{"sha claim ok", v, art, fs.BundlePath, func() sign.Policy {
			p := good
			p.WorkflowSHA = signtest.DefaultWorkflow().SHA
			p.EventName = "push"
			return p
		}(), nil, ""},
		{"no identity", v, art, fs.BundlePath, sign.Policy{Issuer: sign.GitHubActionsIssuer}, sign.ErrInvalidPolicy, ""},
		{"no issuer", v, art, fs.BundlePath, sign.Policy{Identity: good.Identity}, sign.ErrInvalidPolicy, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := tc.v.VerifyFile(ctx, tc.file, tc.bundle, tc.policy)
			switch {
			case tc.name == "untrusted root":
				if !errors.Is(err, sign.ErrUntrustedCertificate) && !errors.Is(err, sign.ErrNotInLog) {
					t.Fatalf("want untrusted/not-in-log, got %v", err)
				}
				return
			case tc.sentinel == nil:
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.sentinel) {
				t.Fatalf("want %v, got %v", tc.sentinel, err)
			}
			if tc.check != "" {
				var ve *sign.VerificationError
				if !errors.As(err, &ve) || ve.Check != tc.check {
					t.Fatalf("want check %q, got %#v", tc.check, err)
				}
				if ve.Expected == "" || ve.Found == "" || !strings.Contains(err.Error(), fmt.Sprintf("%q", ve.Expected)) {
					t.Errorf("message lacks expected/found: %v", err)
				}
			}
		})
	}
}

func TestNotInLog(t *testing.T) {
	t.Parallel()
	st := signtest.New(t)
	s, v := newPair(t, st)
	ctx := context.Background()
	d := sha256.Sum256([]byte("x"))
	b, err := s.SignDigest(ctx, d[:])
	if err != nil {
		t.Fatal(err)
	}
	// Strip the log entries: the bundle must be refused as not logged.
	b.VerificationMaterial.TlogEntries = nil
	_, err = v.VerifyDigest(ctx, b, d[:], st.Policy())
	if !errors.Is(err, sign.ErrNotInLog) {
		t.Fatalf("want ErrNotInLog, got %v", err)
	}
}

func TestCertificateExpiredFailsClosed(t *testing.T) {
	t.Parallel()
	st := signtest.New(t, signtest.WithCertificateBackdate(time.Hour), signtest.WithCertificateLifetime(10*time.Minute))
	s, err := st.NewSigner()
	if err != nil {
		t.Fatal(err)
	}
	art := mkFile(t, t.TempDir(), "f", "data")
	_, err = s.SignFile(context.Background(), art)
	if !errors.Is(err, sign.ErrCertificateExpired) {
		t.Fatalf("want ErrCertificateExpired, got %v", err)
	}
	if _, serr := os.Stat(art + ".sigstore.json"); !os.IsNotExist(serr) {
		t.Fatalf("bundle written although self-verification failed: %v", serr)
	}
}

func TestSelfVerificationFailsClosed(t *testing.T) {
	t.Parallel()
	st := signtest.New(t)
	other := signtest.New(t)
	// Sign with st's services but trust only other's root.
	s, err := st.NewSigner(sign.WithTrustedMaterial(other.TrustedRoot()))
	if err != nil {
		t.Fatal(err)
	}
	art := mkFile(t, t.TempDir(), "f", "data")
	if _, err := s.SignFile(context.Background(), art); err == nil {
		t.Fatal("signing succeeded against an untrusted stack")
	}
	if _, serr := os.Stat(art + ".sigstore.json"); !os.IsNotExist(serr) {
		t.Fatal("bundle written although it does not verify")
	}
}

func TestRetries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		ep      signtest.Endpoint
		fault   signtest.Fault
		wantErr bool
		minReqs int
		opts    []signtest.Option
	}{
		{"fulcio 503 twice", signtest.Fulcio, signtest.Fault{Status: 503, Times: 2}, false, 3, nil},
		{"rekor 500 then ok", signtest.Rekor, signtest.Fault{Status: 500}, false, 2, nil},
		{"tsa 429 retry-after", signtest.TSA, signtest.Fault{Status: 429, RetryAfter: time.Second}, false, 2, nil},
		{"fulcio reset", signtest.Fulcio, signtest.Fault{Reset: true}, false, 2, nil},
		{"fulcio truncated", signtest.Fulcio, signtest.Fault{Truncate: true}, false, 2, nil},
		{"rekor truncated", signtest.Rekor, signtest.Fault{Truncate: true}, false, 2, nil},
		{"token endpoint 502", signtest.Issuer, signtest.Fault{Status: 502, Times: 2}, false, 3, nil},
		{"fulcio always 503", signtest.Fulcio, signtest.Fault{Status: 503, Times: signtest.Always}, true, 5, nil},
		{"fulcio 400 no retry", signtest.Fulcio, signtest.Fault{Status: 400, Times: signtest.Always}, true, 1, nil},
		{"rekor stall", signtest.Rekor, signtest.Fault{Stall: 200 * time.Millisecond}, false, 1, nil},
		{"rekor v2 503 then ok", signtest.Rekor, signtest.Fault{Status: 503}, false, 2, []signtest.Option{signtest.WithRekorVersion(2)}},
		{"rekor v2 reset", signtest.Rekor, signtest.Fault{Reset: true}, false, 2, []signtest.Option{signtest.WithRekorVersion(2)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := signtest.New(t, tc.opts...)
			s, err := st.NewSigner()
			if err != nil {
				t.Fatal(err)
			}
			st.AddFault(tc.ep, tc.fault)
			art := mkFile(t, t.TempDir(), "f", "data")
			start := time.Now()
			_, err = s.SignFile(context.Background(), art)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if got := st.Requests(tc.ep); got < tc.minReqs {
				t.Errorf("%d requests to %s, want ≥ %d", got, tc.ep, tc.minReqs)
			}
			if tc.name == "fulcio 400 no retry" && st.Requests(tc.ep) != 1 {
				t.Errorf("4xx retried: %d requests", st.Requests(tc.ep))
			}
			if tc.fault.RetryAfter > 0 && time.Since(start) < tc.fault.RetryAfter {
				t.Errorf("Retry-After not honoured: took %v", time.Since(start))
			}
		})
	}
}

func TestTokenNeverInErrors(t *testing.T) {
	t.Parallel()
	st := signtest.New(t)
	tok, err := st.MintToken("sigstore")
	if err != nil {
		t.Fatal(err)
	}
	// A server that echoes the Authorization header back.
	st.SetHook(signtest.Fulcio, func(w http.ResponseWriter, r *http.Request) bool {
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte("bad token: " + r.Header.Get("Authorization")))
		return true
	})
	s, err := st.NewSigner(sign.WithTokenSource(sign.StaticToken(tok)))
	if err != nil {
		t.Fatal(err)
	}
	art := mkFile(t, t.TempDir(), "f", "data")
	_, err = s.SignFile(context.Background(), art)
	if err == nil {
		t.Fatal("signing succeeded")
	}
	if strings.Contains(err.Error(), tok) || strings.Contains(err.Error(), strings.Split(tok, ".")[2]) {
		t.Fatalf("token leaked into error: %v", err)
	}
	if !strings.Contains(err.Error(), "repo:octo-org/octo-repo") {
		t.Errorf("error should name the token's subject: %v", err)
	}
}

func TestSigningConfigAndTrustedRootFiles(t *testing.T) {
	t.Parallel()
	st := signtest.New(t)
	dir := t.TempDir()
	sc, tr := filepath.Join(dir, "signing_config.json"), filepath.Join(dir, "trusted_root.json")
	if err := st.WriteSigningConfig(sc); err != nil {
		t.Fatal(err)
	}
	if err := st.WriteTrustedRoot(tr); err != nil {
		t.Fatal(err)
	}
	s, err := sign.NewSigner(sign.WithSigningConfigFile(sc), sign.WithTrustedRootFile(tr), sign.WithTokenSource(st.TokenSource()))
	if err != nil {
		t.Fatal(err)
	}
	art := mkFile(t, dir, "f", "data")
	fs, err := s.SignFile(context.Background(), art)
	if err != nil {
		t.Fatal(err)
	}
	if st.Requests(signtest.TSA) == 0 {
		t.Error("TSA from the signing config not used")
	}
	v, err := sign.NewVerifier(sign.WithVerifierTrustedRootFile(tr), sign.WithSignedTimestampThreshold(1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.VerifyFile(context.Background(), art, fs.BundlePath, st.Policy()); err != nil {
		t.Fatal(err)
	}
}

func TestInsecureURLRefused(t *testing.T) {
	t.Parallel()
	st := signtest.New(t)
	_, err := sign.NewSigner(sign.WithFulcioURL("http://fulcio.example.com"), sign.WithRekorURL("https://rekor.example.com", 1),
		sign.WithTrustedMaterial(st.TrustedRoot()), sign.WithTokenSource(sign.StaticToken("x")))
	if !errors.Is(err, sign.ErrInsecureURL) {
		t.Fatalf("want ErrInsecureURL, got %v", err)
	}
	_, err = sign.NewSigner(sign.WithFulcioURL("http://fulcio.example.com"), sign.WithRekorURL("https://rekor.example.com", 1),
		sign.WithTrustedMaterial(st.TrustedRoot()), sign.WithTokenSource(sign.StaticToken("x")), sign.WithInsecureHTTPUnsafe())
	if err != nil {
		t.Fatalf("WithInsecureHTTPUnsafe: %v", err)
	}
	_, err = sign.NewSigner(sign.WithFulcioURL("https://f"), sign.WithRekorURL("https://r", 2), sign.WithTrustedMaterial(st.TrustedRoot()))
	if !errors.Is(err, sign.ErrConfig) {
		t.Fatalf("Rekor v2 without TSA: %v", err)
	}
}

// TestSignFileStreams signs a 256 MiB sparse file and checks the heap
// allocated stays far below the file size.
func TestSignFileStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	st := signtest.New(t)
	s, err := st.NewSigner()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "big")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	const size = 256 << 20
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	f.Close()
	ctx := context.Background()
	// Warm up the certificate so the measurement covers one file.
	if _, err := s.SignDigest(ctx, make([]byte, 32)); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fs, err := s.SignFile(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if fs.Size != size {
		t.Fatalf("size %d", fs.Size)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Errorf("SignFile of %d MiB allocated %d MiB: not streaming", size>>20, alloc>>20)
	}
}

func TestCancellation(t *testing.T) {
	t.Parallel()
	st := signtest.New(t)
	s, err := st.NewSigner()
	if err != nil {
		t.Fatal(err)
	}
	st.AddFault(signtest.Fulcio, signtest.Fault{Stall: 10 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	_, err = s.SignFile(ctx, mkFile(t, t.TempDir(), "f", "data"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("want DeadlineExceeded, got %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("cancellation took %v", time.Since(start))
	}
}

func TestConcurrentSigning(t *testing.T) {
	t.Parallel()
	st := signtest.New(t)
	s, v := newPair(t, st)
	dir := t.TempDir()
	ctx := context.Background()
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			p := mkFile(t, dir, fmt.Sprintf("f%d", i), fmt.Sprintf("file %d", i))
			fs, err := s.SignFile(ctx, p)
			if err == nil {
				_, err = v.VerifyFile(ctx, p, fs.BundlePath, st.Policy())
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if n := len(st.Certificates()); n != 1 {
		t.Errorf("%d certificates for one concurrent run, want 1", n)
	}
}

func TestVerifyDigestOfStatement(t *testing.T) {
	t.Parallel()
	st := signtest.New(t)
	s, v := newPair(t, st)
	ctx := context.Background()
	d := sha256.Sum256([]byte("image manifest"))
	stmt := fmt.Sprintf(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"ghcr.io/o/r","digest":{"sha256":"%x"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{}}`, d)
	b, err := s.SignDSSE(ctx, "application/vnd.in-toto+json", []byte(stmt))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.VerifyDigest(ctx, b, d[:], st.Policy()); err != nil {
		t.Fatalf("statement subject digest: %v", err)
	}
	other := sha256.Sum256([]byte("other"))
	if _, err := v.VerifyDigest(ctx, b, other[:], st.Policy()); !errors.Is(err, sign.ErrDigestMismatch) {
		t.Fatalf("other digest: %v", err)
	}
}

func TestErrorMessagesNameTheCheck(t *testing.T) {
	t.Parallel()
	st := signtest.New(t, signtest.WithCertificateBackdate(time.Hour))
	s, err := st.NewSigner()
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.SignDigest(context.Background(), make([]byte, 32))
	var ve *sign.VerificationError
	if !errors.As(err, &ve) || ve.Check != "validity" || !errors.Is(err, sign.ErrCertificateExpired) || !strings.Contains(ve.Expected, "validity") || ve.Found == "" {
		t.Fatalf("expired certificate: %v", err)
	}
}
