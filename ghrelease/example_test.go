package ghrelease_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tagship/tagship/changelog"
	"github.com/tagship/tagship/ghrelease"
	"github.com/tagship/tagship/ghrelease/ghreleasetest"
)

func ExampleNotes() {
	cl, err := changelog.Parse([]byte("# Changelog\n\n## [0.11.0] - 2026-11-20\n\n### Added\n\n- Signed releases.\n"))
	if err != nil {
		log.Fatal(err)
	}
	data := ghrelease.NotesData{
		Repository: "Metbcy/securescan",
		Tag:        "v0.11.0",
		// The identity and issuer are data: sign.GitHubWorkflowIdentity and
		// sign.GitHubActionsIssuer give them for a GitHub Actions release.
		Identity: "https://github.com/Metbcy/securescan/.github/workflows/release.yml@refs/tags/v0.11.0",
		Issuer:   "https://token.actions.githubusercontent.com",
		Files:    []string{"securescan-0.11.0.tar.gz"},
	}
	if err := data.UseChangelog(cl); err != nil {
		log.Fatal(err)
	}
	body, err := ghrelease.Notes(data)
	if err != nil {
		log.Fatal(err)
	}
	start := strings.Index(body, "sigstore verify identity")
	fmt.Println(body[:strings.Index(body, "\n\n## ")])
	fmt.Println(body[start : start+strings.Index(body[start:], "\n```")])
	// Output:
	// ## [0.11.0] - 2026-11-20
	//
	// ### Added
	//
	// - Signed releases.
	// sigstore verify identity \
	//   --cert-identity 'https://github.com/Metbcy/securescan/.github/workflows/release.yml@refs/tags/v0.11.0' \
	//   --cert-oidc-issuer 'https://token.actions.githubusercontent.com' \
	//   --bundle ./out/securescan-0.11.0.tar.gz.sigstore.json \
	//   ./out/securescan-0.11.0.tar.gz
}

func ExamplePublisher_Publish() {
	srv, err := ghreleasetest.NewServer()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	wheel := filepath.Join(dir, "pkg-1.0.0-py3-none-any.whl")
	_ = os.WriteFile(wheel, []byte("wheel"), 0o644)

	p, err := ghrelease.New(
		ghrelease.WithBaseURL(srv.BaseURL(), srv.UploadURL()),
		ghrelease.WithToken(srv.Token()),
	)
	if err != nil {
		log.Fatal(err)
	}
	rel := ghrelease.Release{Owner: "o", Repo: "r", Tag: "v1.0.0", Body: "notes", Assets: []ghrelease.Asset{{Path: wheel}}}
	for range 2 { // the second run finds everything in place
		res, err := p.Publish(context.Background(), rel)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("created: %v published: %v latest: %q\n", res.Created, res.Published, res.MakeLatest)
		for _, a := range res.Assets {
			fmt.Println(" ", a.Name, a.Action)
		}
	}
	// Output:
	// created: true published: true latest: "true"
	//   pkg-1.0.0-py3-none-any.whl uploaded
	//   SHA256SUMS uploaded
	// created: false published: false latest: ""
	//   pkg-1.0.0-py3-none-any.whl skipped
	//   SHA256SUMS skipped
}

func ExampleSBOM() {
	doc, err := ghrelease.SBOM(context.Background(), ghrelease.SBOMInput{
		Name:         "securescan",
		Version:      "0.11.0",
		Image:        "ghcr.io/metbcy/securescan",
		ImageDigest:  "sha256:" + strings.Repeat("0", 64),
		Requires:     []string{"Requests[socks]>=2.31", "PyYAML==6.0.1"},
		Timestamp:    time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC),
		SerialNumber: "urn:uuid:00000000-0000-4000-8000-000000000000",
	})
	if err != nil {
		log.Fatal(err)
	}
	var bom struct {
		SpecVersion string
		Components  []struct{ Type, Purl string }
	}
	_ = json.Unmarshal(doc, &bom)
	fmt.Println(bom.SpecVersion)
	for _, c := range bom.Components {
		fmt.Println(c.Type, c.Purl)
	}
	// Output:
	// 1.6
	// container pkg:oci/securescan@sha256%3A0000000000000000000000000000000000000000000000000000000000000000?repository_url=ghcr.io/metbcy/securescan&tag=v0.11.0
	// library pkg:pypi/requests
	// library pkg:pypi/pyyaml@6.0.1
}

func ExampleParseRequirement() {
	r, err := ghrelease.ParseRequirement("Typing_Extensions (>=4.6, <5) ; python_version < '3.11'")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s %s %q\n", r.Normalized, r.Specifier, r.Marker)
	// Output: typing-extensions >=4.6,<5 "python_version < '3.11'"
}

func ExampleValidateAssetName() {
	fmt.Println(ghrelease.ValidateAssetName("securescan-0.11.0.tar.gz"))
	fmt.Println(ghrelease.ValidateAssetName("notes v1.txt"))
	// Output:
	// <nil>
	// ghrelease: invalid asset name: "notes v1.txt": GitHub would store it as "notes.v1.txt" (it renames characters outside [A-Za-z0-9._-] and drops leading or trailing periods); rename the file
}

// WriteChecksums writes the SHA256SUMS of a release's assets, for a release
// that signs it before publishing it as an asset of its own.
func ExampleWriteChecksums() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	sdist := filepath.Join(dir, "demo-1.0.0.tar.gz")
	os.WriteFile(sdist, []byte("foo"), 0o644)
	sums := filepath.Join(dir, ghrelease.ChecksumsAssetName)
	if err := ghrelease.WriteChecksums(context.Background(), sums, ghrelease.Asset{Path: sdist}); err != nil {
		log.Fatal(err)
	}
	data, _ := os.ReadFile(sums)
	fmt.Print(string(data))
	// Output:
	// 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae  demo-1.0.0.tar.gz
}
