package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tagship/tagship/internal/interop"
	"github.com/tagship/tagship/internal/sigstack"
	"github.com/tagship/tagship/sign"
	"github.com/tagship/tagship/sign/signtest"
)

// TestInteropSignBundle drives sign-bundle (the conformance protocol mode)
// against the real local Sigstore (Fulcio + CT log, Rekor v2, TSA:
// internal/sigstack) with the stack's own trusted root and signing config,
// then has the real cosign v2.6.5 and v3.1.3 verify what it wrote: a
// file's bundle (verify-blob) and an in-toto statement's DSSE bundle
// (verify-blob-attestation, by the statement's subject). Both must also
// refuse the bundles for a wrong identity. Skips without the tools; fails
// under TAGSHIP_INTEROP=1.
func TestInteropSignBundle(t *testing.T) {
	st := signtest.New(t, signtest.WithIssuerSelfURL())
	stack := sigstack.Start(t, st.Issuer())
	var cosign3 string
	t.Run("cosign v3 present", func(t *testing.T) { cosign3 = interop.Tool(t, "cosign3") })
	ctx := context.Background()
	dir := t.TempDir()
	tok, err := st.MintToken("sigstore")
	if err != nil {
		t.Fatal(err)
	}

	art := filepath.Join(dir, "pkg-1.0.0.tar.gz")
	if err := os.WriteFile(art, []byte("an sdist signed by tagship sign-bundle\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("an sdist signed by tagship sign-bundle\n"))
	statement := filepath.Join(dir, "statement.json")
	if err := os.WriteFile(statement, []byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"pkg-1.0.0.tar.gz","digest":{"sha256":"`+
		hex.EncodeToString(sum[:])+`"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{"buildDefinition":{"buildType":"https://example.com/t"}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	fileBundle, dsseBundle := filepath.Join(dir, "file.sigstore.json"), filepath.Join(dir, "dsse.sigstore.json")
	for _, args := range [][]string{
		{"sign-bundle", "--identity-token", tok, "--bundle", fileBundle, "--trusted-root", stack.TrustedRootPath, "--signing-config", stack.SigningConfigPath, art},
		{"sign-bundle", "--in-toto", "--identity-token", tok, "--bundle", dsseBundle, "--trusted-root", stack.TrustedRootPath, "--signing-config", stack.SigningConfigPath, statement},
	} {
		var out, errb bytes.Buffer
		if code := run(ctx, args, func(string) string { return "" }, &out, &errb); code != 0 {
			t.Fatalf("sign-bundle exit %d against the real stack\nstdout: %s\nstderr: %s", code, out.String(), errb.String())
		}
	}

	wrongIdentity := strings.Replace(st.Identity(), "@refs/tags/", "@refs/tags/v9-not-", 1)
	for _, c := range []struct {
		name, bin string
		extra     []string // cosign v2.6.5 needs these for Rekor v2 bundles; v3 infers them
	}{
		{"cosign v2", stack.CosignPath(), []string{"--use-signed-timestamps", "--new-bundle-format"}},
		{"cosign v3", cosign3, nil},
	} {
		if c.bin == "" {
			continue
		}
		for _, tc := range []struct {
			name, cmd, bundle, identity, file string
			ok                                bool
			why                               string // why cosign must refuse
		}{
			{"file", "verify-blob", fileBundle, st.Identity(), art, true, ""},
			{"file, wrong identity", "verify-blob", fileBundle, wrongIdentity, art, false, "expected SAN value"},
			{"file, other file", "verify-blob", fileBundle, st.Identity(), statement, false, "invalid signature"},
			{"in-toto", "verify-blob-attestation", dsseBundle, st.Identity(), art, true, ""},
			{"in-toto, wrong identity", "verify-blob-attestation", dsseBundle, wrongIdentity, art, false, "expected SAN value"},
			{"in-toto, not a subject", "verify-blob-attestation", dsseBundle, st.Identity(), statement, false, "in statement"}, // v2: "does not match any digest in statement", v3: "do not match digests in statement"
		} {
			t.Run(c.name+"/"+tc.name, func(t *testing.T) {
				args := []string{tc.cmd, "--bundle", tc.bundle, "--trusted-root", stack.TrustedRootPath,
					"--certificate-identity", tc.identity, "--certificate-oidc-issuer", st.Issuer()}
				if tc.cmd == "verify-blob-attestation" {
					args = append(args, "--type", "https://slsa.dev/provenance/v1")
				}
				out, err := stack.RunCosign(t, c.bin, append(append(args, c.extra...), tc.file)...)
				switch {
				case tc.ok && err != nil:
					t.Fatalf("%s refuses tagship's bundle: %v", c.name, err)
				case !tc.ok && err == nil:
					t.Fatalf("%s accepted a wrong identity", c.name)
				case !tc.ok && !strings.Contains(out, tc.why):
					t.Fatalf("%s refused, but not with %q", c.name, tc.why)
				}
			})
		}
	}

	// sigstore-js (@sigstore/verify 3.x in tools/node, .ci/install.sh): a
	// verifier that shares no code with sigstore-go. Optional: skipped,
	// by name, when node or the package is absent.
	t.Run("sigstore-js", func(t *testing.T) {
		sigstoreJS := sigstoreJSVerifier(t)
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		der, _ := x509.MarshalPKIXPublicKey(key.Public())
		pubPath := filepath.Join(dir, "key.pub")
		if err := os.WriteFile(pubPath, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644); err != nil {
			t.Fatal(err)
		}
		otherKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		der, _ = x509.MarshalPKIXPublicKey(otherKey.Public())
		otherPath := filepath.Join(dir, "other.pub")
		if err := os.WriteFile(otherPath, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644); err != nil {
			t.Fatal(err)
		}
		ks, err := sign.NewSigner(sign.WithSigningKey(key), sign.WithSigningConfigFile(stack.SigningConfigPath), sign.WithTrustedRootFile(stack.TrustedRootPath),
			sign.WithBundlePath(func(p string) string { return p + ".key.sigstore.json" }))
		if err != nil {
			t.Fatal(err)
		}
		kfs, err := ks.SignFile(ctx, art)
		if err != nil {
			t.Fatal(err)
		}
		id := []string{"--certificate-identity", st.Identity(), "--certificate-oidc-issuer", st.Issuer()}
		for _, tc := range []struct {
			name   string
			args   []string
			ok     bool
			reason string
		}{
			{"keyless", append([]string{"--bundle", fileBundle}, append(id, art)...), true, ""},
			{"keyless, wrong identity", []string{"--bundle", fileBundle, "--certificate-identity", wrongIdentity, "--certificate-oidc-issuer", st.Issuer(), art}, false, "certificate identity error"},
			{"keyless, other file", append([]string{"--bundle", fileBundle}, append(id, statement)...), false, "SIGNATURE_ERROR"},
			{"key", []string{"--bundle", kfs.BundlePath, "--key", pubPath, art}, true, ""},
			{"key, other key", []string{"--bundle", kfs.BundlePath, "--key", otherPath, art}, false, "SIGNATURE_ERROR"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				out, err := sigstoreJS(append([]string{"--trusted-root", stack.TrustedRootPath}, tc.args...)...)
				t.Logf("sigstore-js: %s", out)
				switch {
				case tc.ok && err != nil:
					t.Fatalf("sigstore-js refuses tagship's bundle: %v", err)
				case !tc.ok && err == nil:
					t.Fatal("sigstore-js accepted it")
				case !tc.ok && !strings.Contains(out, tc.reason):
					t.Fatalf("sigstore-js refused, but not with %q", tc.reason)
				}
			})
		}
	})
}

// sigstoreJSVerifier returns a function running testdata/sigstore-js-verify.js
// with the @sigstore/verify of tools/node, or skips the test naming what is
// missing.
func sigstoreJSVerifier(t *testing.T) func(args ...string) (string, error) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("sigstore-js: node not found on $PATH")
	}
	root, ok := interop.RepoRoot()
	if !ok {
		t.Skip("sigstore-js: repository root not found")
	}
	modules := filepath.Join(root, "tools", "node", "node_modules")
	pkg, err := os.ReadFile(filepath.Join(modules, "@sigstore", "verify", "package.json"))
	if err != nil {
		t.Skip("sigstore-js: @sigstore/verify not installed in tools/node (bash .ci/install.sh installs it)")
	}
	var meta struct{ Version string }
	if err := json.Unmarshal(pkg, &meta); err != nil {
		t.Fatal(err)
	}
	t.Logf("sigstore-js: @sigstore/verify %s", meta.Version)
	script, err := filepath.Abs(filepath.Join("testdata", "sigstore-js-verify.js"))
	if err != nil {
		t.Fatal(err)
	}
	return func(args ...string) (string, error) {
		cmd := exec.Command(node, append([]string{script}, args...)...)
		cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
		out, err := cmd.CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
}
