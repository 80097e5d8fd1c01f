package signtest_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tagship/tagship/internal/interop"
	"github.com/tagship/tagship/sign"
	"github.com/tagship/tagship/sign/signtest"
)

// TestCosignVerifiesDoubleBundles proves the double's certificates (URI SAN,
// GitHub extensions, embedded SCT), log entries (SET, inclusion proof) and
// trusted_root.json are what the real cosign accepts, with no --insecure flag.
func TestCosignVerifiesDoubleBundles(t *testing.T) {
	t.Parallel()
	cosign := interop.Tool(t, "cosign")
	for _, version := range []uint32{1, 2} {
		t.Run(fmt.Sprintf("rekor v%d", version), func(t *testing.T) {
			t.Parallel()
			testCosignVerifies(t, cosign, version)
		})
	}
}

func testCosignVerifies(t *testing.T, cosign string, version uint32) {
	st := signtest.New(t, signtest.WithRekorVersion(version))
	s, err := st.NewSigner()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	art := filepath.Join(dir, "pkg-1.0.0.tar.gz")
	if err := os.WriteFile(art, []byte("release payload"), 0o644); err != nil {
		t.Fatal(err)
	}
	fs, err := s.SignFile(context.Background(), art)
	if err != nil {
		t.Fatal(err)
	}
	trPath := filepath.Join(dir, "trusted_root.json")
	if err := st.WriteTrustedRoot(trPath); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(cosign, "version").CombinedOutput()
	t.Logf("cosign version: %s (err %v)", gitVersion(string(out)), err)

	run := func(identity, issuer, file string) (string, error) {
		args := []string{"verify-blob", "--bundle", fs.BundlePath, "--trusted-root", trPath,
			"--certificate-identity", identity, "--certificate-oidc-issuer", issuer}
		if version == 2 {
			// cosign v2 needs to be told to take the signing time from the
			// TSA (Rekor v2 entries have no integrated time).
			args = append(args, "--use-signed-timestamps")
		}
		cmd := exec.Command(cosign, append(args, file)...)
		cmd.Env = append(os.Environ(), "TUF_ROOT="+filepath.Join(dir, "tuf"))
		b, err := cmd.CombinedOutput()
		return string(b), err
	}
	pol := st.Policy()
	if out, err := run(pol.Identity, pol.Issuer, art); err != nil {
		t.Fatalf("cosign verify-blob refused the double's bundle: %v\n%s", err, out)
	}
	other := filepath.Join(dir, "other")
	os.WriteFile(other, []byte("tampered"), 0o644)
	for name, c := range map[string][3]string{
		"wrong identity": {strings.Replace(pol.Identity, "v1.0.0", "v6.6.6", 1), pol.Issuer, art},
		"wrong issuer":   {pol.Identity, "https://accounts.example.com", art},
		"tampered file":  {pol.Identity, pol.Issuer, other},
	} {
		if out, err := run(c[0], c[1], c[2]); err == nil {
			t.Errorf("%s: cosign accepted it:\n%s", name, out)
		}
	}
}

func gitVersion(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "GitVersion:") {
			return strings.TrimSpace(strings.TrimPrefix(l, "GitVersion:"))
		}
	}
	return "unknown"
}

// TestCosignSignsAgainstDouble: the real cosign signs through the double's
// token, Fulcio, Rekor and TSA (from its signing config), and package sign
// verifies the bundle with the double's trusted root.
func TestCosignSignsAgainstDouble(t *testing.T) {
	t.Parallel()
	cosign := interop.Tool(t, "cosign")
	st := signtest.New(t)
	dir := t.TempDir()
	tr, sc := filepath.Join(dir, "trusted_root.json"), filepath.Join(dir, "signing_config.json")
	if err := st.WriteTrustedRoot(tr); err != nil {
		t.Fatal(err)
	}
	if err := st.WriteSigningConfig(sc); err != nil {
		t.Fatal(err)
	}
	tok, err := st.MintToken("sigstore")
	if err != nil {
		t.Fatal(err)
	}
	tokPath := filepath.Join(dir, "token")
	os.WriteFile(tokPath, []byte(tok), 0o600)
	art := filepath.Join(dir, "pkg.whl")
	os.WriteFile(art, []byte("wheel"), 0o644)
	cmd := exec.Command(cosign, "sign-blob", "--yes", "--signing-config", sc, "--trusted-root", tr,
		"--identity-token", tokPath, "--new-bundle-format", "--bundle", art+".sigstore.json", art)
	cmd.Env = append(os.Environ(), "TUF_ROOT="+filepath.Join(dir, "tuf"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cosign sign-blob against the double: %v\n%s", err, out)
	}
	v, err := st.NewVerifier(sign.WithSignedTimestampThreshold(1))
	if err != nil {
		t.Fatal(err)
	}
	res, err := v.VerifyFile(context.Background(), art, art+".sigstore.json", st.Policy())
	if err != nil {
		t.Fatalf("VerifyFile of cosign's bundle: %v", err)
	}
	if res.Identity != st.Identity() || len(st.Entries()) != 1 || st.Requests(signtest.TSA) != 1 {
		t.Errorf("identity %q, %d log entries, %d TSA requests", res.Identity, len(st.Entries()), st.Requests(signtest.TSA))
	}
}
