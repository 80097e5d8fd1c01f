package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tagship/tagship/internal/interop"
	"github.com/tagship/tagship/internal/sigstack"
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
	st := signtest.Start(t, signtest.WithIssuerSelfURL())
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
			{"in-toto, not a subject", "verify-blob-attestation", dsseBundle, st.Identity(), statement, false, "does not match any digest in statement"},
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
}
