package ghrelease

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tagship/tagship/changelog"
)

// fakeSign gives path a "<path>.sigstore.json" naming its content, as a
// release's signer would (deterministic here) and returns its path.
func fakeSign(signed *[]string) func(ctx context.Context, path string) (string, error) {
	return func(_ context.Context, path string) (string, error) {
		data, err := os.ReadFile(path)
		if err != nil {
			return "", err
		}
		*signed = append(*signed, filepath.Base(path))
		bundle := path + ".sigstore.json"
		return bundle, os.WriteFile(bundle, []byte(`{"signed":"`+sha(data)+`"}`), 0o644)
	}
}

func assembleInput(t *testing.T, changelogText string) AssembleInput {
	t.Helper()
	dir := t.TempDir()
	cl, err := changelog.Parse([]byte(changelogText))
	if err != nil {
		t.Fatal(err)
	}
	in := AssembleInput{Repository: "octo/demo", Tag: "v1.0.0", Project: "demo", Version: "1.0.0",
		Requires: []string{"requests>=2"}, Changelog: cl, Dir: filepath.Join(dir, "out"),
		Identity: "https://github.com/octo/demo/.github/workflows/release.yml@refs/tags/v1.0.0",
		Issuer:   "https://token.actions.githubusercontent.com", WorkflowPath: ".github/workflows/release.yml"}
	for _, n := range []string{"demo-1.0.0-py3-none-any.whl", "demo-1.0.0.tar.gz"} {
		p := writeFile(t, dir, n, "bytes of "+n)
		in.Files = append(in.Files, SignedFile{Path: p, Bundle: writeFile(t, dir, n+".sigstore.json", "bundle of "+n)})
	}
	return in
}

const assembleChangelog = "# Changelog\n\n## [1.0.0] - 2026-11-20\n\n### Added\n\n- Everything.\n"

func TestAssemble(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		changelog  string
		provenance bool
		image      bool
		timestamp  string // the SBOM's metadata.timestamp
	}{
		{"files only", assembleChangelog, false, false, "2026-11-20T00:00:00Z"},
		{"with provenance and image", assembleChangelog, true, true, "2026-11-20T00:00:00Z"},
		{"section without a date", "# Changelog\n\n## [1.0.0]\n\n- Everything.\n", false, false, "1970-01-01T00:00:00Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			in := assembleInput(t, tc.changelog)
			want := []string{"demo-1.0.0-py3-none-any.whl", "demo-1.0.0-py3-none-any.whl.sigstore.json", "demo-1.0.0.tar.gz", "demo-1.0.0.tar.gz.sigstore.json"}
			if tc.provenance {
				in.Provenance = writeFile(t, filepath.Dir(in.Files[0].Path), ProvenanceAssetName("demo", "1.0.0"), "provenance")
				want = append(want, "demo-1.0.0.provenance.sigstore.json")
			}
			if tc.image {
				in.Image, in.ImageDigest, in.ImageTag = "ghcr.io/octo/demo", "sha256:"+strings.Repeat("a", 64), "v1.0.0"
			}
			want = append(want, "demo-1.0.0.cdx.json", "demo-1.0.0.cdx.json.sigstore.json", "SHA256SUMS", "SHA256SUMS.sigstore.json")

			var signed []string
			a, err := Assemble(ctx, in, fakeSign(&signed), WithVersionHeading(false))
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, as := range a.Release.Assets {
				names = append(names, filepath.Base(as.Path))
			}
			if !reflect.DeepEqual(names, want) {
				t.Errorf("assets %q, want %q", names, want)
			}
			if !reflect.DeepEqual(signed, []string{"demo-1.0.0.cdx.json", "SHA256SUMS"}) {
				t.Errorf("signed %q, want the SBOM, then SHA256SUMS", signed)
			}
			r := a.Release
			if r.Owner != "octo" || r.Repo != "demo" || r.Tag != "v1.0.0" || r.Name != "v1.0.0" {
				t.Errorf("release %+v", r)
			}
			if a.Notes != filepath.Join(in.Dir, "release-notes.md") || a.SBOM != filepath.Join(in.Dir, "demo-1.0.0.cdx.json") || a.Checksums != filepath.Join(in.Dir, "SHA256SUMS") {
				t.Errorf("paths %+v", a)
			}

			// SHA256SUMS lists every other asset, under its asset name.
			data, err := os.ReadFile(a.Checksums)
			if err != nil {
				t.Fatal(err)
			}
			sums, err := ParseChecksums(data)
			if err != nil {
				t.Fatal(err)
			}
			if len(sums) != len(want)-2 {
				t.Errorf("SHA256SUMS lists %d files, want %d:\n%s", len(sums), len(want)-2, data)
			}
			for _, as := range r.Assets[:len(want)-2] {
				b, _ := os.ReadFile(as.Path)
				if sums[filepath.Base(as.Path)] != sha(b) {
					t.Errorf("SHA256SUMS: %s is %q, want %s", filepath.Base(as.Path), sums[filepath.Base(as.Path)], sha(b))
				}
			}

			// The SBOM is fixed to the release, and valid.
			sbom, err := os.ReadFile(a.SBOM)
			if err != nil {
				t.Fatal(err)
			}
			validateCycloneDX(t, sbom)
			var bom struct {
				SerialNumber string
				Metadata     struct{ Timestamp string }
				Components   []struct{ Name string }
			}
			if err := json.Unmarshal(sbom, &bom); err != nil {
				t.Fatal(err)
			}
			if bom.SerialNumber != ReleaseSerialNumber("octo/demo", "v1.0.0") || bom.Metadata.Timestamp != tc.timestamp {
				t.Errorf("SBOM serial %s, timestamp %s; want %s, %s", bom.SerialNumber, bom.Metadata.Timestamp, ReleaseSerialNumber("octo/demo", "v1.0.0"), tc.timestamp)
			}
			if !bytes.Contains(sbom, []byte("demo-1.0.0.tar.gz.sigstore.json")) || bytes.Contains(sbom, []byte("provenance")) {
				t.Errorf("SBOM lists the files and their bundles only:\n%s", sbom)
			}

			// The notes are the body, and say how to verify every file.
			notes, err := os.ReadFile(a.Notes)
			if err != nil || string(notes) != r.Body {
				t.Fatalf("release-notes.md (%v) differs from the body", err)
			}
			nd := NotesData{Repository: in.Repository, Tag: in.Tag, Version: in.Version, Identity: in.Identity, Issuer: in.Issuer,
				WorkflowPath: in.WorkflowPath, PythonPackage: "demo", Image: in.Image, ImageDigest: in.ImageDigest,
				Files: []string{"demo-1.0.0-py3-none-any.whl", "demo-1.0.0.tar.gz"}, Checksums: "SHA256SUMS", SBOM: "demo-1.0.0.cdx.json"}
			if tc.provenance {
				nd.Provenance = "demo-1.0.0.provenance.sigstore.json"
			}
			if err := nd.UseChangelog(in.Changelog); err != nil {
				t.Fatal(err)
			}
			if body, err := Notes(nd, WithVersionHeading(false)); err != nil || body != r.Body {
				t.Errorf("body differs from Notes of the same data (%v):\n%s\n----\n%s", err, r.Body, body)
			}

			// A rerun assembles the same bytes.
			again, err := Assemble(ctx, in, fakeSign(new([]string)), WithVersionHeading(false))
			if err != nil {
				t.Fatal(err)
			}
			if again.Release.Body != r.Body {
				t.Error("the notes differ on a rerun")
			}
			for _, p := range []string{a.SBOM, a.Checksums} {
				if b, _ := os.ReadFile(p); p == a.SBOM && !bytes.Equal(b, sbom) || p == a.Checksums && !bytes.Equal(b, data) {
					t.Errorf("%s differs on a rerun", filepath.Base(p))
				}
			}
		})
	}
}

func TestAssembleErrors(t *testing.T) {
	t.Parallel()
	signFails := errors.New("no signer")
	for _, tc := range []struct {
		name   string
		change func(*AssembleInput)
		sign   func(context.Context, string) (string, error)
		want   error
	}{
		{"no changelog", func(in *AssembleInput) { in.Changelog = nil }, nil, ErrInvalidRelease},
		{"no section for the version", func(in *AssembleInput) { in.Version = "2.0.0" }, nil, ErrNoChangelogSection},
		{"signing fails", func(*AssembleInput) {}, func(context.Context, string) (string, error) { return "", signFails }, signFails},
		{"a file is missing", func(in *AssembleInput) { in.Files[0].Bundle += ".missing" }, nil, os.ErrNotExist},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := assembleInput(t, assembleChangelog)
			tc.change(&in)
			signed := new([]string)
			sign := tc.sign
			if sign == nil {
				sign = fakeSign(signed)
			}
			if _, err := Assemble(context.Background(), in, sign); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			// What the notes need is checked before anything is signed.
			if errors.Is(tc.want, ErrNoChangelogSection) && len(*signed) > 0 {
				t.Errorf("signed %v before finding the changelog section missing", *signed)
			}
		})
	}
}
