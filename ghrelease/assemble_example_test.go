package ghrelease_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/tagship/tagship/changelog"
	"github.com/tagship/tagship/ghrelease"
)

// Assemble writes a release's SBOM, SHA256SUMS and notes around its signed
// files; the caller signs (here a stand-in: a release signs with Sigstore,
// e.g. sign.Signer.SignFile).
func ExampleAssemble() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	sdist := filepath.Join(dir, "demo-1.0.0.tar.gz")
	os.WriteFile(sdist, []byte("sdist"), 0o644)
	os.WriteFile(sdist+".sigstore.json", []byte("{}"), 0o644)
	cl, err := changelog.Parse([]byte("# Changelog\n\n## [1.0.0] - 2026-11-20\n\n- First release.\n"))
	if err != nil {
		log.Fatal(err)
	}
	sign := func(_ context.Context, path string) (string, error) {
		return path + ".sigstore.json", os.WriteFile(path+".sigstore.json", []byte("{}"), 0o644)
	}
	a, err := ghrelease.Assemble(context.Background(), ghrelease.AssembleInput{
		Repository: "octo/demo", Tag: "v1.0.0", Project: "demo", Version: "1.0.0",
		Files:     []ghrelease.SignedFile{{Path: sdist, Bundle: sdist + ".sigstore.json"}},
		Changelog: cl,
		Identity:  "https://github.com/octo/demo/.github/workflows/release.yml@refs/tags/v1.0.0",
		Issuer:    "https://token.actions.githubusercontent.com",
		Dir:       filepath.Join(dir, "out"),
	}, sign)
	if err != nil {
		log.Fatal(err)
	}
	for _, asset := range a.Release.Assets {
		fmt.Println(filepath.Base(asset.Path))
	}
	// Output:
	// demo-1.0.0.tar.gz
	// demo-1.0.0.tar.gz.sigstore.json
	// demo-1.0.0.cdx.json
	// demo-1.0.0.cdx.json.sigstore.json
	// SHA256SUMS
	// SHA256SUMS.sigstore.json
}
