package ghrelease

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tagship/tagship/changelog"
)

// notesFile is the name of the notes file Assemble writes.
const notesFile = "release-notes.md"

// SignedFile is a release file and its Sigstore bundle, both local paths.
type SignedFile struct {
	// Path is the file (a wheel, an sdist); its asset name is its base name.
	Path string
	// Bundle is its "<file>.sigstore.json".
	Bundle string
}

// AssembleInput is what [Assemble] makes a release of.
type AssembleInput struct {
	// Repository ("owner/name") and Tag ("v1.2.3") name the release.
	Repository, Tag string
	// Project and Version are the PyPI project and the version released
	// ("0.11.0"): the SBOM's subject and asset name, the notes' pip line.
	Project, Version string
	// Files are the signed distributions, attached in this order.
	Files []SignedFile
	// Requires are the wheel's Requires-Dist values, listed in the SBOM.
	Requires []string
	// Provenance is the Sigstore bundle of the files' SLSA provenance, a
	// local path; optional.
	Provenance string
	// Image and ImageDigest are the container image and its index digest,
	// ImageTag its tag (in the SBOM); optional.
	Image, ImageDigest, ImageTag string
	// Changelog gives the notes the section of Version
	// ([NotesData.UseChangelog]) and the SBOM its timestamp. Required.
	Changelog *changelog.Changelog
	// Identity, Issuer and WorkflowPath say how everything was signed, as
	// in [NotesData]: Identity and Issuer are required.
	Identity, Issuer, WorkflowPath string
	// Dir is where the SBOM, SHA256SUMS and release-notes.md are written;
	// it is created when missing.
	Dir string
}

// Assembled is what [Assemble] made.
type Assembled struct {
	// Release is ready for [Publisher.Publish], with
	// [WithChecksumsAsset]("") since its SHA256SUMS is signed and among
	// its assets: named Tag, the notes as body, and the assets in this
	// order: each file and its bundle, the provenance, the SBOM and its
	// bundle, SHA256SUMS and its bundle.
	Release Release
	// Notes, SBOM and Checksums are the local files written.
	Notes, SBOM, Checksums string
}

// Assemble writes the files a release carries besides the signed
// distributions, and the release that attaches them all. The SBOM
// ([SBOMAssetName], over the files and their bundles) and SHA256SUMS
// ([WriteChecksums], over every other asset, bundles and SBOM included)
// are each given a bundle by sign, which returns its path: signing is the
// caller's, so this package needs no signing stack, and users can trust
// both files without trusting the release page. The notes ([Notes] with
// opts, and [NotesData.UseChangelog]) name every file, the image, the
// provenance, the checksums and the SBOM, and are written to
// release-notes.md.
//
// A rerun assembles the same bytes, or the assets would conflict: the
// SBOM's serial number is [ReleaseSerialNumber] and its timestamp the date
// of Version's changelog section (the Unix epoch without one); sign must
// likewise give back a bundle already published for the same file (see
// [Downloader.AdoptSignature]).
func Assemble(ctx context.Context, in AssembleInput, sign func(ctx context.Context, path string) (bundle string, err error), opts ...NotesOption) (*Assembled, error) {
	if in.Changelog == nil {
		return nil, fmt.Errorf("%w: AssembleInput.Changelog is nil; expected the parsed changelog with a section for %s", ErrInvalidRelease, in.Version)
	}
	a := &Assembled{SBOM: filepath.Join(in.Dir, SBOMAssetName(in.Project, in.Version)),
		Checksums: filepath.Join(in.Dir, ChecksumsAssetName), Notes: filepath.Join(in.Dir, notesFile)}
	// The notes first: a missing changelog section or a bad option fails
	// before anything is signed.
	nd := NotesData{Repository: in.Repository, Tag: in.Tag, Version: in.Version,
		Identity: in.Identity, Issuer: in.Issuer, WorkflowPath: in.WorkflowPath,
		PythonPackage: in.Project, Image: in.Image, ImageDigest: in.ImageDigest,
		Checksums: filepath.Base(a.Checksums), SBOM: filepath.Base(a.SBOM)}
	if in.Provenance != "" {
		nd.Provenance = filepath.Base(in.Provenance)
	}
	var files []string
	assets := []Asset{}
	for _, f := range in.Files {
		files = append(files, f.Path, f.Bundle)
		assets = append(assets, Asset{Path: f.Path}, Asset{Path: f.Bundle})
		nd.Files = append(nd.Files, filepath.Base(f.Path))
	}
	if err := nd.UseChangelog(in.Changelog); err != nil {
		return nil, err
	}
	notes, err := Notes(nd, opts...)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(in.Dir, 0o755); err != nil {
		return nil, err
	}
	ts := time.Unix(0, 0).UTC()
	if t, err := time.Parse(time.DateOnly, nd.ChangelogDate); err == nil {
		ts = t
	}
	sbom, err := SBOM(ctx, SBOMInput{Name: in.Project, Version: in.Version, Repository: in.Repository,
		Files: files, Image: in.Image, ImageDigest: in.ImageDigest, ImageTag: in.ImageTag, Requires: in.Requires,
		Timestamp: ts, SerialNumber: ReleaseSerialNumber(in.Repository, in.Tag)})
	if err != nil {
		return nil, err
	}
	if in.Provenance != "" {
		assets = append(assets, Asset{Path: in.Provenance})
	}
	if err := os.WriteFile(a.SBOM, sbom, 0o644); err != nil {
		return nil, err
	}
	sbomBundle, err := sign(ctx, a.SBOM)
	if err != nil {
		return nil, err
	}
	assets = append(assets, Asset{Path: a.SBOM}, Asset{Path: sbomBundle})
	if err := WriteChecksums(ctx, a.Checksums, assets...); err != nil {
		return nil, err
	}
	sumsBundle, err := sign(ctx, a.Checksums)
	if err != nil {
		return nil, err
	}
	assets = append(assets, Asset{Path: a.Checksums}, Asset{Path: sumsBundle})
	if err := os.WriteFile(a.Notes, []byte(notes), 0o644); err != nil {
		return nil, err
	}
	owner, repo, _ := strings.Cut(in.Repository, "/")
	a.Release = Release{Owner: owner, Repo: repo, Tag: in.Tag, Name: in.Tag, Body: notes, Assets: assets}
	return a, nil
}
