package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tagship/tagship/provenance"
	"github.com/tagship/tagship/sign"
)

func TestQuickstartKeepsEveryOutput(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "out")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"-out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	b, err := os.ReadFile(filepath.Join(out, "release.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	wantID := "https://github.com/octo-org/hello-release/.github/workflows/release.yml@refs/tags/v0.11.0"
	if m.Version != "0.11.0" || m.Tag != "v0.11.0" || m.Identity != wantID || m.Issuer != sign.GitHubActionsIssuer {
		t.Errorf("release.json: %+v", m)
	}
	if len(m.Artifacts) != 2 || !strings.HasPrefix(m.Image.Digest, "sha256:") || !strings.HasSuffix(m.Image.Reference, ":v0.11.0") {
		t.Errorf("artifacts %+v image %+v", m.Artifacts, m.Image)
	}
	// Every path in release.json is relative to the output directory and
	// exists; every artifact's bundle verifies against the trust root
	// written next to it, with the production identity.
	v, err := sign.NewVerifier(sign.WithVerifierTrustedRootFile(filepath.Join(out, m.TrustedRoot)))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{m.TrustedRoot, m.ReleaseNotes, m.SBOM, m.SBOM + ".sigstore.json", m.Checksums, m.Checksums + ".sigstore.json", m.Provenance, m.Workflow} {
		if filepath.IsAbs(p) {
			t.Errorf("%s is absolute", p)
		}
		if _, err := os.Stat(filepath.Join(out, p)); err != nil {
			t.Error(err)
		}
	}
	pb, err := sign.LoadBundle(filepath.Join(out, m.Provenance))
	if err != nil {
		t.Fatal(err)
	}
	e := provenance.Expect{Repository: "octo-org/hello-release", Ref: "v0.11.0", WorkflowPath: sign.DefaultWorkflowPath}
	for _, a := range m.Artifacts {
		e.Subjects = append(e.Subjects, provenance.Subject{Name: filepath.Base(a.Path), SHA256: a.SHA256})
	}
	if _, _, err := provenance.Verify(context.Background(), v, pb, sign.GitHubReleasePolicy("octo-org/hello-release", "", "v0.11.0"), e); err != nil {
		t.Errorf("release.json's provenance %s: %v", m.Provenance, err)
	}
	// SHA256SUMS and the SBOM are signed, their bundles beside them.
	if m.Checksums != "SHA256SUMS" || m.SBOM != "hello-release-0.11.0.cdx.json" {
		t.Errorf("release.json: checksums %q, sbom %q", m.Checksums, m.SBOM)
	}
	for _, p := range []string{m.Checksums, m.SBOM} {
		if _, err := v.VerifyFile(context.Background(), filepath.Join(out, p), filepath.Join(out, p+".sigstore.json"),
			sign.GitHubReleasePolicy("octo-org/hello-release", "", "v0.11.0")); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	for _, a := range m.Artifacts {
		sum, _, err := sign.SHA256File(context.Background(), filepath.Join(out, a.Path))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.VerifyFile(context.Background(), filepath.Join(out, a.Path), filepath.Join(out, a.Bundle),
			sign.GitHubReleasePolicy("octo-org/hello-release", "", "v0.11.0")); err != nil {
			t.Errorf("%s: %v", a.Path, err)
		}
		if got := hex.EncodeToString(sum); got != a.SHA256 {
			t.Errorf("%s: sha256 %s, release.json says %s", a.Path, got, a.SHA256)
		}
	}
	for _, must := range []string{"✓ publish-pypi", "✓ publish-release", "OK: all 29 checks passed", "by digest (cosign .sig, bundle referrer)", "cosign verify-blob --use-signed-timestamps --trusted-root trusted_root.json"} {
		if !strings.Contains(stdout.String(), must) {
			t.Errorf("output lacks %q", must)
		}
	}
	// A second quickstart into the same (now full) directory is refused.
	if code := run(context.Background(), []string{"-out", out}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "not empty") {
		t.Errorf("reuse of a full -out: exit %d %s", code, stderr.String())
	}
}

func TestQuickstartFlags(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"extra"}, &stdout, &stderr); code != 2 {
		t.Errorf("extra argument: exit %d", code)
	}
	if code := run(context.Background(), []string{"-nope"}, &stdout, &stderr); code != 2 {
		t.Errorf("unknown flag: exit %d", code)
	}
}
