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

	"github.com/tagship/tagship/sign"
	"github.com/tagship/tagship/sign/signtest"
)

func TestRun(t *testing.T) {
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
	a, b := filepath.Join(dir, "a.whl"), filepath.Join(dir, "b.tar.gz")
	os.WriteFile(a, []byte("wheel"), 0o644)
	os.WriteFile(b, []byte("sdist"), 0o644)
	noEnv := func(string) string { return "" }

	for _, tc := range []struct {
		name string
		args []string
		env  func(string) string
		code int
		out  string
	}{
		{"urls", []string{"-fulcio", st.FulcioURL(), "-rekor", st.RekorURL(), "-tsa", st.TSAURL(), "-trusted-root", tr, a, b}, st.Getenv, 0, "identity: " + st.Identity()},
		{"signing config", []string{"-signing-config", sc, "-trusted-root", tr, a}, st.Getenv, 0, "a.whl.sigstore.json"},
		{"no token", []string{"-signing-config", sc, "-trusted-root", tr, a}, noEnv, 1, "id-token: write"},
		{"missing file", []string{"-signing-config", sc, "-trusted-root", tr, filepath.Join(dir, "nope")}, st.Getenv, 1, "nope"},
		{"no files", []string{"-signing-config", sc}, st.Getenv, 2, "usage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), tc.args, tc.env, &out, &errb)
			if code != tc.code || !strings.Contains(out.String()+errb.String(), tc.out) {
				t.Fatalf("code %d (want %d)\nstdout: %s\nstderr: %s\nwant %q", code, tc.code, out.String(), errb.String(), tc.out)
			}
		})
	}
	if _, err := os.Stat(b + ".sigstore.json"); err != nil {
		t.Fatal(err)
	}
}

// The conformance protocol's sign-bundle, against the signtest doubles:
// the bundle lands where --bundle says and verifies; --in-toto signs the
// statement as a DSSE envelope.
func TestSignBundle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := signtest.New(t)
	dir := t.TempDir()
	tr, sc := filepath.Join(dir, "trusted_root.json"), filepath.Join(dir, "signing_config.json")
	if err := st.WriteTrustedRoot(tr); err != nil {
		t.Fatal(err)
	}
	if err := st.WriteSigningConfig(sc); err != nil {
		t.Fatal(err)
	}
	tok, err := st.MintToken(sign.DefaultAudience)
	if err != nil {
		t.Fatal(err)
	}
	art := filepath.Join(dir, "a.whl")
	os.WriteFile(art, []byte("wheel"), 0o644)
	sum := sha256.Sum256([]byte("wheel"))
	statement := filepath.Join(dir, "statement.json")
	os.WriteFile(statement, []byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a.whl","digest":{"sha256":"`+
		hex.EncodeToString(sum[:])+`"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{}}`), 0o644)
	notStatement := filepath.Join(dir, "not.json")
	os.WriteFile(notStatement, []byte(`{"hello":"world"}`), 0o644)
	v, err := st.NewVerifier()
	if err != nil {
		t.Fatal(err)
	}
	noEnv := func(string) string { return "" } // the token comes from the flag only

	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		out    string
		verify func(t *testing.T, bundlePath string)
	}{
		{"file", []string{"sign-bundle", "--identity-token", tok, "--bundle", "B", "--trusted-root", tr, "--signing-config", sc, art}, 0, "signed",
			func(t *testing.T, bp string) {
				if _, err := v.VerifyFile(ctx, art, bp, st.Policy()); err != nil {
					t.Fatal(err)
				}
			}},
		{"in-toto", []string{"sign-bundle", "--in-toto", "--identity-token", tok, "--bundle", "B", "--trusted-root", tr, "--signing-config", sc, statement}, 0, "in-toto",
			func(t *testing.T, bp string) {
				b, err := sign.LoadBundle(bp)
				if err != nil {
					t.Fatal(err)
				}
				res, err := v.VerifyDigest(ctx, b, sum[:], st.Policy())
				if err != nil || res.PayloadType != "application/vnd.in-toto+json" {
					t.Fatalf("%v %+v", err, res)
				}
			}},
		{"not a statement", []string{"sign-bundle", "--in-toto", "--identity-token", tok, "--bundle", "B", "--trusted-root", tr, "--signing-config", sc, notStatement}, 1, "not an in-toto statement", nil},
		{"bad token", []string{"sign-bundle", "--identity-token", "not-a-jwt", "--bundle", "B", "--trusted-root", tr, "--signing-config", sc, art}, 1, "sign-bundle", nil},
		{"no token", []string{"sign-bundle", "--bundle", "B", "--trusted-root", tr, "--signing-config", sc, art}, 2, "usage", nil},
		{"staging", []string{"sign-bundle", "--staging", "--identity-token", tok, "--bundle", "B", art}, 2, "--staging is not supported", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bp := filepath.Join(t.TempDir(), "out.sigstore.json")
			for i, a := range tc.args {
				if a == "B" {
					tc.args[i] = bp
				}
			}
			var out, errb bytes.Buffer
			code := run(ctx, tc.args, noEnv, &out, &errb)
			if code != tc.code || !strings.Contains(out.String()+errb.String(), tc.out) {
				t.Fatalf("code %d (want %d)\nstdout: %s\nstderr: %s\nwant %q", code, tc.code, out.String(), errb.String(), tc.out)
			}
			if strings.Contains(out.String()+errb.String(), tok) {
				t.Fatal("token printed")
			}
			if tc.verify != nil {
				tc.verify(t, bp)
			} else if _, err := os.Stat(bp); !os.IsNotExist(err) {
				t.Fatalf("bundle written on failure: %v", err)
			}
		})
	}
}
