package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
