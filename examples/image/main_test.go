package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tagship/tagship/oci"
	"github.com/tagship/tagship/oci/ocitest"
	"github.com/tagship/tagship/sign/signtest"
)

func buildDirs(t *testing.T) (string, string) {
	t.Helper()
	root := t.TempDir()
	for _, a := range []string{"amd64", "arm64"} {
		if err := os.MkdirAll(filepath.Join(root, a), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, a, "server"), []byte("server "+a), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(root, "amd64"), filepath.Join(root, "arm64")
}

// TestAssemblePushSign runs the command end to end: directories →
// index → push → keyless signature (in-process Sigstore, token through
// SIGSTORE_ID_TOKEN as a CI job would provide it) → verification.
func TestAssemblePushSign(t *testing.T) {
	reg := ocitest.New(t)
	st := signtest.New(t)
	dir := t.TempDir()
	root, cfg := filepath.Join(dir, "trusted_root.json"), filepath.Join(dir, "signing_config.json")
	if err := st.WriteTrustedRoot(root); err != nil {
		t.Fatal(err)
	}
	if err := st.WriteSigningConfig(cfg); err != nil {
		t.Fatal(err)
	}
	tok, err := st.MintToken("sigstore")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("ACTIONS_ID_TOKEN_REQUEST_URL", "")
	t.Setenv("SIGSTORE_ID_TOKEN", tok)

	amd, arm := buildDirs(t)
	ref := reg.Host() + "/octo/app:v1.0.0"
	args := []string{"-platform-dir", "linux/amd64=" + amd, "-platform-dir", "linux/arm64=" + arm,
		"-prefix", "/app", "-entrypoint", "/app/server", "-ref", ref,
		"-signing-config", cfg, "-trusted-root", root}
	var stdout, stderr bytes.Buffer
	if code := realMain(context.Background(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var out output
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("%v: %s", err, stdout.String())
	}
	if len(out.Platforms) != 2 || out.Uploaded != 4 || len(out.Signed) != 3 {
		t.Fatalf("output %+v", out)
	}
	v, err := st.NewVerifier()
	if err != nil {
		t.Fatal(err)
	}
	res, err := oci.Verify(context.Background(), ref, st.Policy(), v)
	if err != nil {
		t.Fatal(err)
	}
	if res.Digest.String() != out.Digest {
		t.Fatalf("verified %s, pushed %s", res.Digest, out.Digest)
	}

	// Rerun: nothing uploaded; a mutable tag is refused with exit code 2.
	stdout.Reset()
	if code := realMain(context.Background(), append(args, "-sign=false"), &stdout, &stderr); code != 0 {
		t.Fatalf("rerun exit %d: %s", code, stderr.String())
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil || !out.Unchanged || out.Uploaded != 0 {
		t.Fatalf("rerun output %+v (%v)", out, err)
	}
	stderr.Reset()
	bad := append([]string{}, args...)
	for i := range bad {
		if bad[i] == ref {
			bad[i] = reg.Host() + "/octo/app:latest"
		}
	}
	if code := realMain(context.Background(), bad, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "vX.Y.Z") {
		t.Fatalf("latest: exit %d, %s", code, stderr.String())
	}
}
