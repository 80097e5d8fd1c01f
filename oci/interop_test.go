package oci

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/tagship/tagship/internal/interop"
	"github.com/tagship/tagship/internal/sigstack"
	"github.com/tagship/tagship/oci/ocitest"
	"github.com/tagship/tagship/sign"
	"github.com/tagship/tagship/sign/signtest"
)

// craneRunner runs the real crane, with a docker config holding the
// registry credentials when there are any.
type craneRunner struct {
	bin string
	env []string
}

func newCrane(t *testing.T, reg *ocitest.DockerRegistry) *craneRunner {
	t.Helper()
	c := &craneRunner{bin: interop.Tool(t, "crane")}
	cfgDir := t.TempDir()
	cfg := map[string]any{"auths": map[string]any{}}
	if reg.User != "" {
		cfg["auths"] = map[string]any{reg.Host: map[string]string{"auth": base64.StdEncoding.EncodeToString([]byte(reg.User + ":" + reg.Pass))}}
	}
	b, _ := json.Marshal(cfg)
	if err := os.WriteFile(filepath.Join(cfgDir, "config.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	c.env = append(os.Environ(), "DOCKER_CONFIG="+cfgDir)
	return c
}

func (c *craneRunner) run(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(c.bin, args...)
	cmd.Env = c.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("crane %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(stdout.String())
}

func registryKeychain(reg *ocitest.DockerRegistry) authn.Keychain {
	if reg.User == "" {
		return authn.NewMultiKeychain()
	}
	return staticKeychain{reg.Host, authn.AuthConfig{Username: reg.User, Password: reg.Pass}}
}

// storageSnapshot lists every file of the registry storage with size and
// modification time.
func storageSnapshot(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		out = append(out, fmt.Sprintf("%s %s %d", p, fi.ModTime(), fi.Size()))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// TestInteropDockerRegistry pushes to the real Debian docker-registry 2.8
// (without and with htpasswd auth), checks the index with the real crane,
// re-pushes (nothing changes on disk), signs and verifies against it, and
// re-points the tag (our verification fails).
func TestInteropDockerRegistry(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts []ocitest.DockerOption
	}{
		{"no auth", nil},
		{"htpasswd", []ocitest.DockerOption{ocitest.WithHtpasswd("releaser", "pa55-w0rd")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			reg := ocitest.StartDockerRegistry(t, tc.opts...)
			crane := newCrane(t, reg)
			kc := WithKeychain(registryKeychain(reg))
			ref := reg.Host + "/octo/app:v1.2.3"

			if tc.name == "htpasswd" {
				if _, err := Push(ctx, twoPlatformIndex(t), ref, WithKeychain(authn.NewMultiKeychain())); err == nil {
					t.Fatal("anonymous push to an htpasswd registry succeeded")
				}
			}
			idx := twoPlatformIndex(t)
			res, err := Push(ctx, idx, ref, kc, testLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			if res.Uploaded != 4 {
				t.Fatalf("uploaded %d blobs, want 4", res.Uploaded)
			}

			// crane sees the index we built.
			raw := crane.run(t, "manifest", ref)
			var im v1.IndexManifest
			if err := json.Unmarshal([]byte(raw), &im); err != nil {
				t.Fatalf("crane manifest: %v\n%s", err, raw)
			}
			if im.MediaType != "application/vnd.oci.image.index.v1+json" || len(im.Manifests) != 2 {
				t.Fatalf("crane manifest: %s", raw)
			}
			for _, m := range im.Manifests {
				key := m.Platform.OS + "/" + m.Platform.Architecture
				if res.Platforms[key] != m.Digest {
					t.Errorf("crane shows %s = %s, we pushed %s", key, m.Digest, res.Platforms[key])
				}
			}
			if got := crane.run(t, "digest", ref); got != res.Digest.String() {
				t.Fatalf("crane digest %s, want %s", got, res.Digest)
			}
			if got := crane.run(t, "digest", "--platform", "linux/arm64", ref); got != res.Platforms["linux/arm64"].String() {
				t.Fatalf("crane digest --platform linux/arm64 = %s, want %s", got, res.Platforms["linux/arm64"])
			}

			// Same release again: nothing is written.
			before := storageSnapshot(t, reg.Dir)
			again, err := Push(ctx, idx, ref, kc, testLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			if !again.Unchanged || again.Uploaded != 0 || again.Digest != res.Digest {
				t.Fatalf("re-push: %+v", again)
			}
			if after := storageSnapshot(t, reg.Dir); strings.Join(before, "\n") != strings.Join(after, "\n") {
				t.Fatal("re-push changed the registry storage")
			}
			// Another release on the same tag is refused.
			var tc *TagConflictError
			if _, err := Push(ctx, twoPlatformIndex(t), ref, kc); !errors.As(err, &tc) {
				t.Fatalf("conflicting push: %v", err)
			}

			// Sign (in-process Sigstore) and verify against the real registry:
			// no referrers API here, so the bundle goes through the
			// sha256-<hex> referrers tag.
			st := signtest.New(t)
			signer, err := st.NewSigner()
			if err != nil {
				t.Fatal(err)
			}
			verifier, err := st.NewVerifier()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Sign(ctx, signer, res.DigestRef(), WithRecursive(), kc); err != nil {
				t.Fatal(err)
			}
			vr, err := Verify(ctx, ref, st.Policy(), verifier, kc, WithExpectedDigest(res.Digest))
			if err != nil {
				t.Fatal(err)
			}
			if len(vr.Signatures) != 2 {
				t.Fatalf("verified %d signatures, want legacy + bundle (rejected %v)", len(vr.Signatures), vr.Rejected)
			}
			tags := crane.run(t, "ls", reg.Host+"/octo/app")
			hexd := strings.TrimPrefix(res.Digest.String(), "sha256:")
			if !strings.Contains(tags, "sha256-"+hexd+".sig") || !strings.Contains(tags, "sha256-"+hexd+"\n") && !strings.HasSuffix(tags, "sha256-"+hexd) {
				t.Fatalf("crane ls shows %q, want the .sig tag and the referrers tag", tags)
			}

			// Tamper: re-point the release tag to another image with crane.
			other := twoPlatformIndex(t)
			ores, err := Push(ctx, other, reg.Host+"/octo/app:v9.9.9", kc)
			if err != nil {
				t.Fatal(err)
			}
			crane.run(t, "tag", ores.DigestRef(), "v1.2.3")
			if got := crane.run(t, "digest", ref); got != ores.Digest.String() {
				t.Fatalf("tamper failed: tag at %s", got)
			}
			if _, err := Verify(ctx, ref, st.Policy(), verifier, kc, WithExpectedDigest(res.Digest)); !errors.Is(err, ErrDigestMismatch) {
				t.Fatalf("verify of the re-pointed tag: err = %v, want ErrDigestMismatch", err)
			}
			if _, err := Verify(ctx, ref, st.Policy(), verifier, kc); !errors.Is(err, ErrNoSignature) {
				t.Fatalf("verify of the re-pointed tag without expected digest: err = %v, want ErrNoSignature", err)
			}
		})
	}
}

// TestInteropCosign has the real cosign v2.6.5 (and v3 when built) verify
// our image signatures made against the real Sigstore stack (Fulcio + CT,
// Rekor v2, TSA; internal/sigstack), in a real docker-registry 2.8.
func TestInteropCosign(t *testing.T) {
	ctx := context.Background()
	st := signtest.New(t, signtest.WithIssuerSelfURL())
	stack := sigstack.Start(t, st.Issuer())
	reg := ocitest.StartDockerRegistry(t)
	signer, err := sign.NewSigner(
		sign.WithSigningConfigFile(stack.SigningConfigPath),
		sign.WithTrustedRootFile(stack.TrustedRootPath),
		sign.WithTokenSource(st.TokenSource()),
	)
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := sign.NewVerifier(sign.WithVerifierTrustedRootFile(stack.TrustedRootPath))
	if err != nil {
		t.Fatal(err)
	}
	policy := st.Policy()

	push := func(t *testing.T, repo string) *PushResult {
		res, err := Push(ctx, twoPlatformIndex(t), reg.Host+"/"+repo+":v1.0.0", testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	verifyArgs := func(ref string, extra ...string) []string {
		return append([]string{"verify",
			"--trusted-root", stack.TrustedRootPath,
			"--certificate-identity", policy.Identity,
			"--certificate-oidc-issuer", policy.Issuer,
			"--allow-http-registry",
			"--use-signed-timestamps",
		}, append(extra, ref)...)
	}

	t.Run("bundle form, cosign v2 --new-bundle-format", func(t *testing.T) {
		res := push(t, "bundle")
		if _, err := Sign(ctx, signer, res.DigestRef(), WithFormats(FormatBundle)); err != nil {
			t.Fatal(err)
		}
		if _, err := Verify(ctx, res.Reference, policy, verifier); err != nil {
			t.Fatal(err)
		}
		ref := reg.Host + "/bundle:v1.0.0"
		if _, err := stack.Cosign(t, verifyArgs(ref, "--new-bundle-format")...); err != nil {
			t.Fatalf("cosign v2.6.5 rejects our bundle referrer: %v", err)
		}
		// Without the flag v2.6.5 finds the referrer by itself.
		if _, err := stack.Cosign(t, verifyArgs(ref)...); err != nil {
			t.Fatalf("cosign v2.6.5 (auto-detected bundle) rejects our bundle referrer: %v", err)
		}
		bad := verifyArgs(ref, "--new-bundle-format")
		bad[4] = "https://github.com/evil/repo/.github/workflows/release.yml@refs/tags/v1.0.0"
		if _, err := stack.Cosign(t, bad...); err == nil {
			t.Fatal("cosign accepted our signature for another identity")
		}
		if cosign3, ok := interop.Lookup("cosign3"); ok {
			if _, err := stack.RunCosign(t, cosign3, "verify", "--trusted-root", stack.TrustedRootPath,
				"--certificate-identity", policy.Identity, "--certificate-oidc-issuer", policy.Issuer,
				"--allow-http-registry", ref); err != nil {
				t.Fatalf("cosign v3 rejects our bundle referrer: %v", err)
			}
		}
	})

	t.Run("cosign v2 signs: a Rekor v2 dsse entry nobody current verifies", func(t *testing.T) {
		// cosign v2.6.5 (sigstore-go v1.1.4) logs an image signature in
		// Rekor v2 as a dsse v0.0.2 entry. Sigstore has since dropped that
		// entry type: rekor-tiles v2.3.0 no longer accepts it, and
		// sigstore-go v1.2.0 (#627, "Encode Rekor v2 DSSE envelopes as
		// hashedrekord") and every later version, v1.4.0 (Go 1.27)
		// included, verify only hashedrekord v0.0.2 entries — so cosign
		// v3.1.3 refuses these bundles too. Moving tagship to a newer
		// sigstore-go would not change it. This test pins the situation:
		// when it fails, update the README ("Verifying a release").
		res := push(t, "by-cosign2")
		tokenPath := filepath.Join(t.TempDir(), "token")
		tok, err := st.MintToken("sigstore")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(tokenPath, []byte(tok), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := stack.Cosign(t, "sign", "--yes", "--new-bundle-format",
			"--signing-config", stack.SigningConfigPath,
			"--trusted-root", stack.TrustedRootPath,
			"--identity-token", tokenPath,
			"--allow-http-registry",
			res.DigestRef()); err != nil {
			t.Fatalf("cosign sign: %v", err)
		}
		if _, err := stack.Cosign(t, verifyArgs(res.DigestRef())...); err != nil {
			t.Fatalf("cosign v2.6.5 rejects its own signature: %v", err)
		}
		_, err = Verify(ctx, res.Reference, policy, verifier, WithExpectedDigest(res.Digest))
		if err == nil {
			t.Fatal("our Verify accepts cosign v2.6.5's Rekor v2 dsse entry: sigstore-go verifies dsse v0.0.2 again; update the README")
		}
		if !strings.Contains(err.Error(), "dsse") || !strings.Contains(err.Error(), "0.0.2") {
			t.Fatalf("refused for another reason than the dsse v0.0.2 entry: %v", err)
		}
		if cosign3, ok := interop.Lookup("cosign3"); ok {
			if _, err := stack.RunCosign(t, cosign3, "verify", "--trusted-root", stack.TrustedRootPath,
				"--certificate-identity", policy.Identity, "--certificate-oidc-issuer", policy.Issuer,
				"--allow-http-registry", res.DigestRef()); err == nil {
				t.Fatal("cosign v3.1.3 accepts cosign v2.6.5's Rekor v2 dsse entry: update the README")
			}
		}
	})

	t.Run("cosign v3 signs, we verify", func(t *testing.T) {
		// cosign v2.6.5 records image signatures as Rekor v2 dsse v0.0.2
		// entries, which rekor-tiles v2.3.0 (linked here through
		// sigstore-go) no longer parses; cosign v3 writes what we verify.
		cosign3, ok := interop.Lookup("cosign3") // optional: v3 is not required in CI
		if !ok {
			t.Skip("cosign3 not built (tools/build.sh builds it as tools/bin/cosign3)")
		}
		res := push(t, "by-cosign")
		tokenPath := filepath.Join(t.TempDir(), "token")
		tok, err := st.MintToken("sigstore")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(tokenPath, []byte(tok), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := stack.RunCosign(t, cosign3, "sign", "--yes",
			"--signing-config", stack.SigningConfigPath,
			"--trusted-root", stack.TrustedRootPath,
			"--identity-token", tokenPath,
			"--allow-http-registry",
			res.DigestRef()); err != nil {
			t.Fatalf("cosign sign: %v", err)
		}
		vr, err := Verify(ctx, res.Reference, policy, verifier, WithExpectedDigest(res.Digest))
		if err != nil {
			t.Fatalf("our Verify rejects cosign's bundle signature: %v", err)
		}
		if len(vr.Signatures) != 1 || vr.Signatures[0].Format != FormatBundle {
			t.Fatalf("verified %+v", vr.Signatures)
		}
		p := policy
		p.Identity = "https://github.com/evil/repo/.github/workflows/release.yml@refs/tags/v1.0.0"
		if _, err := Verify(ctx, res.Reference, p, verifier); !errors.Is(err, sign.ErrIdentityMismatch) {
			t.Fatalf("other identity: err = %v, want sign.ErrIdentityMismatch", err)
		}
	})

	t.Run("legacy form, cosign v2", func(t *testing.T) {
		res := push(t, "legacy")
		if _, err := Sign(ctx, signer, res.DigestRef(), WithFormats(FormatLegacy)); err != nil {
			t.Fatal(err)
		}
		if _, err := Verify(ctx, res.Reference, policy, verifier); err != nil {
			t.Fatal(err)
		}
		ref := reg.Host + "/legacy:v1.0.0"
		// Rekor v2 gives no signed entry timestamp, so the .sig form has no
		// dev.sigstore.cosign/bundle annotation and cosign v2.6.5 can only
		// check it with the transparency-log check off, relying on the RFC
		// 3161 timestamp; with the log check on it looks the entry up with
		// the Rekor v1 API, which Rekor v2 does not serve.
		if _, err := stack.Cosign(t, verifyArgs(ref, "--rekor-url", stack.RekorURL)...); err == nil {
			t.Fatal("cosign v2.6.5 verified a Rekor v2 legacy signature with the log check on: update the documentation")
		}
		if _, err := stack.Cosign(t, verifyArgs(ref, "--insecure-ignore-tlog")...); err != nil {
			t.Fatalf("cosign v2.6.5 rejects our legacy signature: %v", err)
		}
	})

	t.Run("legacy form with a Rekor v1 log, cosign v2 default flags", func(t *testing.T) {
		// signtest's log is Rekor v1-compatible: its signed entry timestamp
		// goes into dev.sigstore.cosign/bundle, which cosign checks offline.
		st1 := signtest.New(t)
		s1, err := st1.NewSigner()
		if err != nil {
			t.Fatal(err)
		}
		res := push(t, "legacy-v1")
		if _, err := Sign(ctx, s1, res.DigestRef(), WithFormats(FormatLegacy)); err != nil {
			t.Fatal(err)
		}
		root := filepath.Join(t.TempDir(), "trusted_root.json")
		if err := st1.WriteTrustedRoot(root); err != nil {
			t.Fatal(err)
		}
		if _, err := stack.Cosign(t, "verify", "--trusted-root", root,
			"--certificate-identity", st1.Policy().Identity, "--certificate-oidc-issuer", st1.Policy().Issuer,
			"--allow-http-registry", reg.Host+"/legacy-v1:v1.0.0"); err != nil {
			t.Fatalf("cosign v2.6.5 rejects our legacy signature with a Rekor v1 bundle: %v", err)
		}
	})
}
