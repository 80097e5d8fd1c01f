package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tagship/tagship/ghrelease"
	"github.com/tagship/tagship/ghrelease/ghreleasetest"
)

func TestRun(t *testing.T) {
	t.Parallel()
	srv := ghreleasetest.New(t, ghreleasetest.WithTLS())
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cl := write("CHANGELOG.md", "# Changelog\n\n## [1.2.3] - 2026-11-26\n\n### Added\n\n- A feature.\n")
	meta := write("METADATA", "Metadata-Version: 2.1\nName: mypkg\nVersion: 1.2.3\nRequires-Dist: requests>=2\nRequires-Dist: pytest; extra == 'dev'\n\nRequires-Dist: not-a-header\n")
	whl := write("mypkg-1.2.3-py3-none-any.whl", "wheel")
	bundle := write("mypkg-1.2.3-py3-none-any.whl.sigstore.json", "{}")
	args := []string{"-repo", "o/r", "-tag", "v1.2.3", "-changelog", cl, "-pypi", "mypkg", "-metadata", meta,
		"-image", "ghcr.io/o/r@sha256:" + strings.Repeat("1", 64),
		"-api-url", srv.BaseURL(), "-uploads-url", srv.UploadURL(), whl, bundle}
	env := func(k string) string {
		if k == "GITHUB_TOKEN" {
			return srv.Token()
		}
		return ""
	}
	var out, errOut bytes.Buffer
	if err := run(context.Background(), args, env, &out, &errOut, srv.HTTPClient()); err != nil {
		t.Fatalf("%v\n%s", err, errOut.String())
	}
	var res ghrelease.Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil || !res.Published || len(res.Assets) != 4 {
		t.Fatalf("result %s: %v", out.String(), err)
	}
	rel, _ := srv.ReleaseByTag("o", "r", "v1.2.3")
	for _, want := range []string{"- A feature.", "sigstore verify identity", "cosign verify --use-signed-timestamps ghcr.io/o/r@sha256:"} {
		if !strings.Contains(rel.Body, want) {
			t.Errorf("body lacks %q", want)
		}
	}
	var sbomID int64
	for _, a := range rel.Assets {
		if a.Name == "mypkg-1.2.3.cdx.json" {
			sbomID = a.ID
		}
	}
	doc, ok := srv.AssetData("o", "r", sbomID)
	if !ok || !bytes.Contains(doc, []byte(`"pkg:pypi/requests"`)) || bytes.Contains(doc, []byte("not-a-header")) {
		t.Fatalf("SBOM asset: %s", doc)
	}
	// Rerun: a no-op.
	out.Reset()
	if err := run(context.Background(), args, env, &out, &errOut, srv.HTTPClient()); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil || !res.AlreadyPublished {
		t.Fatalf("rerun: %s", out.String())
	}
	if err := run(context.Background(), []string{"-tag", "v1"}, env, &out, &errOut, nil); err == nil {
		t.Error("missing -repo accepted")
	}
}
