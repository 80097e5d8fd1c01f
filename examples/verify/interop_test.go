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
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tagship/tagship/internal/interop"
	"github.com/tagship/tagship/internal/sigstack"
	"github.com/tagship/tagship/sign"
	"github.com/tagship/tagship/sign/signtest"
)

// TestInteropVerifyBundle drives verify-bundle (the conformance protocol
// mode) on bundles the real cosign v2.6.5 and v3.1.3 made against the real
// local Sigstore (Fulcio + CT log, Rekor v2, TSA: internal/sigstack):
// keyless bundles with the identity, key bundles (cosign generate-key-pair,
// sign-blob --key) with --key, as a file and as a sha256: digest, and the
// refusals. Skips without the tools; fails under TAGSHIP_INTEROP=1.
func TestInteropVerifyBundle(t *testing.T) {
	st := signtest.New(t, signtest.WithIssuerSelfURL())
	stack := sigstack.Start(t, st.Issuer())
	// cosign v3 is optional locally: a missing one skips its part (a
	// subtest), and fails it under TAGSHIP_INTEROP=1.
	var cosign3 string
	t.Run("cosign v3 present", func(t *testing.T) { cosign3 = interop.Tool(t, "cosign3") })
	ctx := context.Background()
	dir := t.TempDir()
	tok, err := st.MintToken("sigstore")
	if err != nil {
		t.Fatal(err)
	}
	tokenPath := filepath.Join(dir, "oidc-token")
	if err := os.WriteFile(tokenPath, []byte(tok), 0o600); err != nil {
		t.Fatal(err)
	}

	// An empty-password cosign key pair (COSIGN_PASSWORD is set on the
	// command only: the stack strips COSIGN_* from cosign's environment).
	cosignWithPassword := func(t *testing.T, bin string, args ...string) string {
		t.Helper()
		cmd := stack.CosignCmd(ctx, args...)
		cmd.Path = bin
		cmd.Dir = dir
		cmd.Env = append(cmd.Env, "COSIGN_PASSWORD=")
		out, err := cmd.CombinedOutput()
		t.Logf("$ %s %s\n%s", filepath.Base(bin), strings.Join(args, " "), out)
		if err != nil {
			t.Fatalf("%s %s: %v", filepath.Base(bin), args[0], err)
		}
		return string(out)
	}
	cosignWithPassword(t, stack.CosignPath(), "generate-key-pair")
	pub, priv := filepath.Join(dir, "cosign.pub"), filepath.Join(dir, "cosign.key")

	type made struct {
		name, file, bundle string
		keyed              bool
	}
	var bundles []made
	for _, c := range []struct {
		name, bin string
		extra     []string
	}{
		{"cosign v2", stack.CosignPath(), []string{"--new-bundle-format"}},
		{"cosign v3", cosign3, nil},
	} {
		if c.bin == "" {
			continue
		}
		for _, keyed := range []bool{false, true} {
			name := c.name + map[bool]string{false: " keyless", true: " key"}[keyed]
			file := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".txt")
			if err := os.WriteFile(file, []byte("signed by "+name+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			bundle := file + ".sigstore.json"
			args := append([]string{"sign-blob", "--yes", "--signing-config", stack.SigningConfigPath, "--trusted-root", stack.TrustedRootPath,
				"--bundle", bundle}, c.extra...)
			if keyed {
				args = append(args, "--key", priv)
			} else {
				args = append(args, "--identity-token", tokenPath)
			}
			cosignWithPassword(t, c.bin, append(args, file)...)
			bundles = append(bundles, made{name, file, bundle, keyed})
		}
	}

	otherKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(otherKey.Public())
	wrongPub := filepath.Join(dir, "wrong.pub")
	if err := os.WriteFile(wrongPub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	wrongDigest := sha256.Sum256([]byte("not the artifact"))
	for _, b := range bundles {
		// What cosign made: a key hint or a certificate, one Rekor v2
		// entry, one timestamp — or the rows below would prove less.
		pb, err := sign.LoadBundle(b.bundle)
		if err != nil {
			t.Fatal(err)
		}
		vm := pb.GetVerificationMaterial()
		if (vm.GetPublicKey() != nil) != b.keyed || len(vm.GetTlogEntries()) != 1 || len(vm.GetTimestampVerificationData().GetRfc3161Timestamps()) != 1 {
			t.Fatalf("%s bundle: key %v, %d log entries, %d timestamps", b.name, vm.GetPublicKey(), len(vm.GetTlogEntries()),
				len(vm.GetTimestampVerificationData().GetRfc3161Timestamps()))
		}
		data, err := os.ReadFile(b.file)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		digest := "sha256:" + hex.EncodeToString(sum[:])
		who := []string{"--certificate-identity", st.Identity(), "--certificate-oidc-issuer", st.Issuer()}
		if b.keyed {
			who = []string{"--key", pub}
		}
		wrongWho := []string{"--certificate-identity", strings.Replace(st.Identity(), "@refs/tags/", "@refs/tags/v9-not-", 1), "--certificate-oidc-issuer", st.Issuer()}
		if b.keyed {
			wrongWho = []string{"--certificate-identity", st.Identity(), "--certificate-oidc-issuer", st.Issuer()}
		}
		for _, tc := range []struct {
			name   string
			who    []string
			target string
			code   int
			out    string
		}{
			{"file", who, b.file, 0, "Verified OK"},
			{"digest", who, digest, 0, "Verified OK"},
			{"other digest", who, "sha256:" + hex.EncodeToString(wrongDigest[:]), 1, `check "digest" failed`},
			{"wrong signer", wrongWho, b.file, 1, `check "identity" failed`},
			{"key policy", []string{"--key", wrongPub}, b.file, 1, `check "key" failed`},
		} {
			t.Run(b.name+"/"+tc.name, func(t *testing.T) {
				args := append(append([]string{"verify-bundle", "--bundle", b.bundle}, tc.who...), "--trusted-root", stack.TrustedRootPath, tc.target)
				var out, errb bytes.Buffer
				code := run(ctx, args, &out, &errb)
				if code != tc.code || !strings.Contains(out.String()+errb.String(), tc.out) {
					t.Fatalf("code %d (want %d)\nstdout: %s\nstderr: %s\nwant %q", code, tc.code, out.String(), errb.String(), tc.out)
				}
			})
		}
	}
}
