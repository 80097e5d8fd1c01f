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

	"github.com/google/go-containerregistry/pkg/v1/random"

	"github.com/tagship/tagship/oci"
	"github.com/tagship/tagship/release/releasetest"
	"github.com/tagship/tagship/sign"
	"github.com/tagship/tagship/sign/signtest"
)

func TestRun(t *testing.T) {
	t.Parallel()
	st := signtest.New(t, signtest.WithWorkflow(signtest.Workflow{Repository: "Metbcy/securescan", Ref: "v0.11.0"}))
	dir := t.TempDir()
	tr := filepath.Join(dir, "trusted_root.json")
	if err := st.WriteTrustedRoot(tr); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "securescan-0.11.0.tar.gz")
	os.WriteFile(file, []byte("sdist"), 0o644)
	s, err := st.NewSigner()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SignFile(context.Background(), file); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other")
	os.WriteFile(other, []byte("other"), 0o644)

	for _, tc := range []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"ok", []string{"-repo", "Metbcy/securescan", "-tag", "v0.11.0", "-trusted-root", tr, file}, 0,
			"identity: https://github.com/Metbcy/securescan/.github/workflows/release.yml@refs/tags/v0.11.0\nissuer:   https://token.actions.githubusercontent.com\nVerified OK"},
		{"wrong tag", []string{"-repo", "Metbcy/securescan", "-tag", "v0.11.1", "-trusted-root", tr, file}, 1, `check "identity" failed`},
		{"wrong repo", []string{"-repo", "evil/securescan", "-tag", "v0.11.0", "-trusted-root", tr, file}, 1, `check "identity" failed`},
		{"wrong file", []string{"-repo", "Metbcy/securescan", "-tag", "v0.11.0", "-trusted-root", tr, "-bundle", file + ".sigstore.json", other}, 1, `check "digest" failed`},
		{"usage", []string{"-repo", "Metbcy/securescan", file}, 2, "usage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), tc.args, &out, &errb)
			if code != tc.code || !strings.Contains(out.String()+errb.String(), tc.out) {
				t.Fatalf("code %d (want %d)\nstdout: %s\nstderr: %s\nwant %q", code, tc.code, out.String(), errb.String(), tc.out)
			}
		})
	}
}

// Whole-release mode, on the releasetest doubles after a standard release.
func TestRunRelease(t *testing.T) {
	ctx := context.Background()
	env, err := releasetest.NewEnv()
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	dir := t.TempDir()
	if _, err := env.PrepareProject(ctx, dir); err != nil {
		t.Fatal(err)
	}
	if r, err := env.Release(ctx, dir); err != nil {
		t.Fatalf("release: %v\n%s", err, r.Table())
	}
	tr := filepath.Join(t.TempDir(), "trusted_root.json")
	if err := env.Sigstore.WriteTrustedRoot(tr); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GITHUB_TOKEN", env.GitHub.Token()) // read by the GitHub client, never a flag
	version := strings.TrimPrefix(env.Tag, "v")
	identity := "identity: https://github.com/" + env.Repository + "/.github/workflows/release.yml@refs/tags/" + env.Tag +
		"\nissuer:   https://token.actions.githubusercontent.com\n"
	base := []string{"-repo", env.Repository, "-index", env.PyPI.URL, "-github-api", env.GitHub.BaseURL(),
		"-image", env.ImageRepository(), "-trusted-root", tr}
	keep := t.TempDir()

	for _, tc := range []struct {
		name  string
		args  []string
		setup func()
		code  int
		out   []string
	}{
		{"ok", append([]string{"-version", version, "-download-dir", keep}, base...), nil, 0, []string{identity, "OK: all", "hello_release-" + version + "-py3-none-any.whl", "PASS"}},
		{"offline", []string{"-repo", env.Repository, "-version", version, "-dir", keep, "-trusted-root", tr}, nil, 0, []string{"(offline)", "OK: all"}},
		{"single file still works", []string{"-repo", env.Repository, "-tag", env.Tag, "-trusted-root", tr,
			"-file", filepath.Join(keep, "hello_release-"+version+".tar.gz")}, nil, 0, []string{identity, "Verified OK"}},
		{"other workflow pinned", append([]string{"-version", version, "-workflow", ".github/workflows/other.yml"}, base...), nil, 1,
			[]string{"FAILED", "signed by another identity", "expected: https://github.com/" + env.Repository + "/.github/workflows/other.yml@refs/tags/" + env.Tag}},
		{"tag re-pointed", append([]string{"-version", version}, base...), func() {
			idx, _ := random.Index(64, 1, 2)
			if _, err := oci.Push(ctx, idx, env.ImageRepository()+":"+env.Tag, oci.WithMutableTagUnsafe()); err != nil {
				t.Fatal(err)
			}
		}, 1, []string{"FAILED", "re-pointed"}},
		{"no version", base, nil, 2, []string{"usage"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setup != nil {
				tc.setup()
			}
			var out, errb bytes.Buffer
			code := run(ctx, tc.args, &out, &errb)
			all := out.String() + errb.String()
			ok := code == tc.code
			for _, w := range tc.out {
				ok = ok && strings.Contains(all, w)
			}
			if !ok {
				t.Fatalf("code %d (want %d)\nstdout: %s\nstderr: %s\nwant %q", code, tc.code, out.String(), errb.String(), tc.out)
			}
			if strings.Contains(all, env.GitHub.Token()) {
				t.Fatal("token printed")
			}
		})
	}
}

// The conformance protocol's verify-bundle, against the signtest doubles:
// identity and key policies, file and sha256: digest forms, a DSSE bundle
// verified by a subject, and the refusals.
func TestVerifyBundle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := signtest.New(t)
	dir := t.TempDir()
	tr := filepath.Join(dir, "trusted_root.json")
	if err := st.WriteTrustedRoot(tr); err != nil {
		t.Fatal(err)
	}
	art := filepath.Join(dir, "a.tar.gz")
	os.WriteFile(art, []byte("sdist"), 0o644)
	sum := sha256.Sum256([]byte("sdist"))
	digest := "sha256:" + hex.EncodeToString(sum[:])
	other := sha256.Sum256([]byte("other"))
	otherDigest := "sha256:" + hex.EncodeToString(other[:])

	s, err := st.NewSigner()
	if err != nil {
		t.Fatal(err)
	}
	fs, err := s.SignFile(ctx, art)
	if err != nil {
		t.Fatal(err)
	}
	keyless := fs.BundlePath

	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	writeKey := func(name string, pub any) string {
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644)
		return p
	}
	pubPath := writeKey("key.pub", key.Public())
	wrongKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	wrongPath := writeKey("wrong.pub", wrongKey.Public())
	ks, err := st.NewSigner(sign.WithSigningKey(key), sign.WithBundlePath(func(p string) string { return p + ".key.sigstore.json" }))
	if err != nil {
		t.Fatal(err)
	}
	kfs, err := ks.SignFile(ctx, art)
	if err != nil {
		t.Fatal(err)
	}
	keyed := kfs.BundlePath

	stmt := []byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a.tar.gz","digest":{"sha256":"` +
		hex.EncodeToString(sum[:]) + `"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{}}`)
	db, err := s.SignDSSE(ctx, "application/vnd.in-toto+json", stmt)
	if err != nil {
		t.Fatal(err)
	}
	dsse := filepath.Join(dir, "statement.sigstore.json")
	data, _ := db.MarshalJSON()
	os.WriteFile(dsse, data, 0o644)

	// A file whose name looks like a digest is a file.
	digestNamed := filepath.Join(dir, digest)
	os.WriteFile(digestNamed, []byte("sdist"), 0o644)

	id := []string{"--certificate-identity", st.Identity(), "--certificate-oidc-issuer", st.Issuer()}
	vb := func(bundle string, rest ...string) []string {
		return append([]string{"verify-bundle", "--bundle", bundle}, rest...)
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"identity, file", vb(keyless, append(id, "--trusted-root", tr, art)...), 0, "Verified OK"},
		{"identity, digest", vb(keyless, append(id, "--trusted-root", tr, digest)...), 0, "Verified OK"},
		{"identity, other digest", vb(keyless, append(id, "--trusted-root", tr, otherDigest)...), 1, `check "digest" failed`},
		{"wrong identity", vb(keyless, "--certificate-identity", "https://github.com/evil/x/.github/workflows/release.yml@refs/tags/v1.0.0",
			"--certificate-oidc-issuer", st.Issuer(), "--trusted-root", tr, art), 1, `check "identity" failed`},
		{"wrong issuer", vb(keyless, "--certificate-identity", st.Identity(), "--certificate-oidc-issuer", "https://accounts.google.com", "--trusted-root", tr, art), 1, `check "issuer" failed`},
		{"key, file", vb(keyed, "--key", pubPath, "--trusted-root", tr, art), 0, "signed by public key sha256:"},
		{"key, digest", vb(keyed, "--key", pubPath, "--trusted-root", tr, digest), 0, "Verified OK"},
		{"wrong key", vb(keyed, "--key", wrongPath, "--trusted-root", tr, art), 1, `check "key" failed`},
		{"keyless bundle, key", vb(keyless, "--key", pubPath, "--trusted-root", tr, art), 1, `check "key" failed`},
		{"key bundle, identity", vb(keyed, append(id, "--trusted-root", tr, art)...), 1, `check "identity" failed`},
		{"dsse, subject file", vb(dsse, append(id, "--trusted-root", tr, art)...), 0, "Verified OK"},
		{"dsse, subject digest", vb(dsse, append(id, "--trusted-root", tr, digest)...), 0, "Verified OK"},
		{"dsse, not a subject", vb(dsse, append(id, "--trusted-root", tr, otherDigest)...), 1, `check "digest" failed`},
		{"digest-named file", vb(keyless, append(id, "--trusted-root", tr, digestNamed)...), 0, "Verified OK: " + digestNamed},
		{"identity and key", vb(keyless, append(id, "--key", pubPath, "--trusted-root", tr, art)...), 2, "usage"},
		{"issuer only", vb(keyless, "--certificate-oidc-issuer", st.Issuer(), "--trusted-root", tr, art), 2, "usage"},
		{"no bundle", []string{"verify-bundle", "--key", pubPath, art}, 2, "usage"},
		{"bad key file", vb(keyed, "--key", art, "--trusted-root", tr, art), 2, "public key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(ctx, tc.args, &out, &errb)
			if code != tc.code || !strings.Contains(out.String()+errb.String(), tc.out) {
				t.Fatalf("code %d (want %d)\nstdout: %s\nstderr: %s\nwant %q", code, tc.code, out.String(), errb.String(), tc.out)
			}
		})
	}
}

func FuzzDigestArg(f *testing.F) {
	f.Add("sha256:" + strings.Repeat("ab", 32))
	f.Add("sha256:" + strings.Repeat("g", 64))
	f.Add("sha512:" + strings.Repeat("ab", 64))
	f.Add("artifact.tar.gz")
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := digestArg(s)
		if ok && (len(d) != sha256.Size || !strings.HasPrefix(s, "sha256:") || hex.EncodeToString(d) != strings.ToLower(s[len("sha256:"):])) {
			t.Fatalf("digestArg(%q) = %x", s, d)
		}
	})
}
