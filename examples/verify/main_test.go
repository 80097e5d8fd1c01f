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
	st := signtest.Start(t, signtest.WithWorkflow(signtest.Workflow{Repository: "Metbcy/securescan", Ref: "v0.11.0"}))
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
