package verify_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tagship/tagship/ghrelease"
	"github.com/tagship/tagship/provenance"
	"github.com/tagship/tagship/release/releasetest"
	"github.com/tagship/tagship/release/verify"
	"github.com/tagship/tagship/sign"
	"github.com/tagship/tagship/sign/signtest"
)

// VerifyRelease checks a published release as a downstream user would.
// Against the public services it needs only the repository, the version
// and the image repository:
//
//	r, err := verify.Release(ctx, verify.Config{
//		Repository: "Metbcy/securescan",
//		Version:    "0.11.0",
//		Project:    "securescan",           // PyPI name; default: the repository name
//		Image:      "ghcr.io/metbcy/securescan", // tag v0.11.0 is implied
//	})
//	fmt.Print(r) // every artifact, every check, hints for failures
//
// Here it runs offline on a directory holding what `pip download` and
// `gh release download` would have fetched, signed by an in-process
// Sigstore whose tokens carry the release workflow's identity.
func ExampleRelease() {
	ctx := context.Background()
	st, err := signtest.NewServer(signtest.WithWorkflow(signtest.Workflow{Repository: "octo-org/demo", Ref: "v1.0.0"}))
	if err != nil {
		panic(err)
	}
	defer st.Close()
	signer, _ := st.NewSigner()
	verifier, _ := st.NewVerifier() // trusts the double; default: public-good Sigstore

	dir, _ := os.MkdirTemp("", "verify-example")
	defer os.RemoveAll(dir)
	files := []string{filepath.Join(dir, "demo-1.0.0-py3-none-any.whl"), filepath.Join(dir, "demo-1.0.0.tar.gz")}
	sums := map[string]string{}
	for i, p := range files {
		os.WriteFile(p, []byte(fmt.Sprint("distribution ", i)), 0o644)
		fs, err := signer.SignFile(ctx, p) // writes p + ".sigstore.json"
		if err != nil {
			panic(err)
		}
		sums[filepath.Base(p)] = fs.SHA256Hex()
	}
	// The build provenance of both files, from the run's environment.
	env := st.Workflow().Env()
	run, _ := provenance.GitHubRunFromEnv(func(k string) string { return env[k] })
	stmt, _ := provenance.Build{Run: run}.Statement(
		provenance.Subject{Name: filepath.Base(files[0]), SHA256: sums[filepath.Base(files[0])]},
		provenance.Subject{Name: filepath.Base(files[1]), SHA256: sums[filepath.Base(files[1])]})
	pb, err := signer.SignDSSE(ctx, provenance.PayloadType, stmt)
	if err != nil {
		panic(err)
	}
	pj, _ := pb.MarshalJSON()
	os.WriteFile(filepath.Join(dir, ghrelease.ProvenanceAssetName("demo", "1.0.0")), pj, 0o644)
	ph := sha256.Sum256(pj)
	sums[ghrelease.ProvenanceAssetName("demo", "1.0.0")] = hex.EncodeToString(ph[:])
	// The SBOM and SHA256SUMS are signed too, each with a bundle beside it.
	sbom, _ := ghrelease.SBOM(ctx, ghrelease.SBOMInput{Name: "demo", Version: "1.0.0", Files: files})
	sbomPath := filepath.Join(dir, "demo-1.0.0.cdx.json")
	os.WriteFile(sbomPath, sbom, 0o644)
	fs, err := signer.SignFile(ctx, sbomPath)
	if err != nil {
		panic(err)
	}
	sums["demo-1.0.0.cdx.json"] = fs.SHA256Hex()
	sumsPath := filepath.Join(dir, "SHA256SUMS")
	os.WriteFile(sumsPath, ghrelease.FormatChecksums(sums), 0o644)
	if _, err := signer.SignFile(ctx, sumsPath); err != nil {
		panic(err)
	}

	r, err := verify.Release(ctx, verify.Config{
		Repository: "octo-org/demo",
		Version:    "1.0.0",
		Dir:        dir, // offline; online: IndexURL, GitHubAPI, Image
		Verifier:   verifier,
	})
	fmt.Println("identity:", r.Identity)
	fmt.Println("issuer:  ", r.Issuer == sign.GitHubActionsIssuer)
	for _, a := range r.Artifacts {
		fmt.Print(a.Name, ":")
		for _, c := range a.Checks {
			fmt.Print(" ", c.Name, "=", c.Status)
		}
		fmt.Println()
	}
	fmt.Println("ok:", r.OK(), err)
	// Output:
	// identity: https://github.com/octo-org/demo/.github/workflows/release.yml@refs/tags/v1.0.0
	// issuer:   true
	// SHA256SUMS: fetch=PASS signature=PASS
	// demo-1.0.0.cdx.json: fetch=PASS sha256sums=PASS signature=PASS
	// demo-1.0.0-py3-none-any.whl: fetch=PASS signature=PASS sha256sums=PASS sbom=PASS bundle=SKIP
	// demo-1.0.0.tar.gz: fetch=PASS signature=PASS sha256sums=PASS sbom=PASS bundle=SKIP
	// demo-1.0.0.provenance.sigstore.json: fetch=PASS sha256sums=PASS signature=PASS provenance=PASS provenance-subject=PASS
	// ok: true <nil>
}

// TestVerifyReleaseAfterStandardPipeline runs the standard release on the
// releasetest doubles and verifies the result as a downstream user. (It
// lives here because package release's internal tests cannot import
// releasetest.)
func TestVerifyReleaseAfterStandardPipeline(t *testing.T) {
	t.Parallel()
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
		t.Fatalf("verify: %v\n%s", err, r.Table())
	}
	v, err := env.Sigstore.NewVerifier()
	if err != nil {
		t.Fatal(err)
	}
	r, err := verify.Release(ctx, verify.Config{
		Repository:  env.Repository,
		Version:     strings.TrimPrefix(env.Tag, "v"),
		IndexURL:    env.PyPI.URL,
		GitHubAPI:   env.GitHub.BaseURL(),
		GitHubToken: env.GitHub.Token(),
		Image:       env.ImageRepository(),
		Verifier:    v,
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, r)
	}
	t.Log(r)
	kinds := map[string]int{}
	for _, a := range r.Artifacts {
		kinds[a.Kind]++
		for _, c := range a.Checks {
			if c.Status == verify.Skipped {
				t.Errorf("%s %s skipped: %s", a.Name, c.Name, c.Detail)
			}
		}
	}
	if kinds[verify.KindWheel] != 1 || kinds[verify.KindSdist] != 1 || kinds[verify.KindImage] != 1 || kinds[verify.KindSBOM] != 1 {
		t.Fatalf("artifacts %v\n%s", kinds, r)
	}
}
