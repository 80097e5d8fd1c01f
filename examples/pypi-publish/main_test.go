package main

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tagship/tagship/pypi/pypitest"
	"github.com/tagship/tagship/sign/signtest"
)

func writeWheel(t *testing.T, dir, name, version string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	di := name + "-" + version + ".dist-info/"
	w, _ := zw.Create(di + "METADATA")
	fmt.Fprintf(w, "Metadata-Version: 2.1\nName: %s\nVersion: %s\n", name, version)
	w, _ = zw.Create(di + "WHEEL")
	fmt.Fprint(w, "Wheel-Version: 1.0\n")
	zw.Close()
	p := filepath.Join(dir, name+"-"+version+"-py3-none-any.whl")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunAPIToken(t *testing.T) {
	t.Parallel()
	srv, err := pypitest.NewServer(pypitest.WithAPIToken("pypi-secret"))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	whl := writeWheel(t, t.TempDir(), "demo", "1.0.0")
	var out, errb bytes.Buffer
	noenv := func(string) string { return "" }
	if code := run(context.Background(), []string{"-index", srv.UploadURL(), "-token", "pypi-secret", "-tag", "v1.0.0", whl}, noenv, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.HasPrefix(out.String(), "uploaded demo-1.0.0-py3-none-any.whl") {
		t.Errorf("stdout %q", out.String())
	}
	out.Reset()
	// Second run: the same file is already there; still success.
	env := func(k string) string {
		if k == "PYPI_API_TOKEN" {
			return "pypi-secret"
		}
		return ""
	}
	if code := run(context.Background(), []string{"-index", srv.UploadURL(), whl}, env, &out, &errb); code != 0 {
		t.Fatalf("rerun exit %d: %s", code, errb.String())
	}
	errb.Reset()
	if code := run(context.Background(), []string{"-index", srv.UploadURL(), "-token", "pypi-secret", "-tag", "v2.0.0", whl}, noenv, &out, &errb); code != 1 || !strings.Contains(errb.String(), "version mismatch") {
		t.Errorf("tag mismatch: exit %d %s", code, errb.String())
	}
	errb.Reset()
	// A file the index does not have yet needs a valid token.
	newer := writeWheel(t, t.TempDir(), "demo", "1.0.1")
	if code := run(context.Background(), []string{"-index", srv.UploadURL(), "-token", "pypi-wrong", newer}, noenv, &out, &errb); code != 1 || strings.Contains(errb.String(), "pypi-wrong") {
		t.Errorf("bad token: exit %d %s", code, errb.String())
	}
	if code := run(context.Background(), nil, noenv, &out, &errb); code != 2 {
		t.Errorf("no args: exit %d", code)
	}
}

// In a (simulated) GitHub Actions job: Trusted Publishing and PEP 740
// attestations with no credentials given.
func TestRunTrustedPublishingWithAttestations(t *testing.T) {
	t.Parallel()
	st, err := signtest.NewServer(signtest.WithWorkflow(signtest.Workflow{Repository: "octo/demo", Ref: "v1.0.0"}))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv, err := pypitest.NewServer(
		pypitest.WithIssuerDiscovery(st.Issuer(), st.IssuerURL()),
		pypitest.WithTrustedPublisher(pypitest.Publisher{Repository: "octo/demo", Workflow: "release.yml"}),
	)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir := t.TempDir()
	root := filepath.Join(dir, "trusted_root.json")
	if err := st.WriteTrustedRoot(root); err != nil {
		t.Fatal(err)
	}
	whl := writeWheel(t, dir, "demo", "1.0.0")
	var out, errb bytes.Buffer
	args := []string{"-index", srv.UploadURL(), "-attest", "-fulcio", st.FulcioURL(), "-rekor", st.RekorURL(), "-trusted-root", root, whl}
	if code := run(context.Background(), args, st.Getenv, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if _, err := os.Stat(whl + ".publish.attestation"); err != nil {
		t.Error(err)
	}
	f, ok := srv.File(filepath.Base(whl))
	if !ok || len(f.Attestations) == 0 || srv.MintCount() != 1 {
		t.Errorf("server file %+v, mints %d", f, srv.MintCount())
	}
}
