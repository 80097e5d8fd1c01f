package ghrelease

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // RFC 4122 version 5 UUIDs are defined with SHA-1
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/tagship/tagship/internal/pep"
)

// SBOMSpecVersion is the CycloneDX specification version SBOM writes.
const SBOMSpecVersion = "1.6"

// SBOMInput describes what the SBOM lists.
type SBOMInput struct {
	// Name and Version are the project (the metadata component), e.g.
	// "securescan" and "0.11.0". Name is a PyPI project name.
	Name, Version string
	// Repository is "owner/name" on github.com; optional (adds a VCS
	// reference).
	Repository string
	// Files are the release files (wheel, sdist, bundles, …) by local path;
	// each becomes a "file" component with SHA-256 and SHA-512 hashes.
	Files []string
	// Image is the container image repository ("ghcr.io/o/r") and
	// ImageDigest its index digest ("sha256:…"); optional.
	Image, ImageDigest string
	// ImageTag is the image tag. Default: "v" + Version.
	ImageTag string
	// Requires are the wheel's Requires-Dist values (PEP 508 strings);
	// each project becomes a "library" component pkg:pypi/<normalised name>.
	Requires []string
	// Timestamp is metadata.timestamp. Default: now.
	Timestamp time.Time
	// SerialNumber is "urn:uuid:…". Default: a random UUID.
	//
	// For a reproducible SBOM — so that rerunning a release finds the SBOM
	// asset identical and skips it — set both: SerialNumber from
	// [ReleaseSerialNumber] and Timestamp from something fixed for the
	// release (the changelog date, SOURCE_DATE_EPOCH).
	SerialNumber string
}

// CycloneDXPredicateType is the in-toto predicate type of an attestation
// whose predicate is a CycloneDX SBOM (cosign's --type cyclonedx).
const CycloneDXPredicateType = "https://cyclonedx.org/bom"

// SBOMAssetName is the conventional asset name: "<name>-<version>.cdx.json".
func SBOMAssetName(name, version string) string {
	return NormalizeName(name) + "-" + version + ".cdx.json"
}

// ProvenanceAssetName is the conventional name of the release asset
// holding the DSSE-signed SLSA provenance of the distributions (a Sigstore
// bundle): "<name>-<version>.provenance.sigstore.json".
func ProvenanceAssetName(name, version string) string {
	return NormalizeName(name) + "-" + version + ".provenance.sigstore.json"
}

// SBOM writes a CycloneDX JSON SBOM (spec [SBOMSpecVersion]) for a release.
// Files are streamed and hashed; nothing is held whole in memory.
func SBOM(ctx context.Context, in SBOMInput) ([]byte, error) {
	var b bytes.Buffer
	if err := WriteSBOM(ctx, &b, in); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// WriteSBOM is [SBOM] writing to w.
func WriteSBOM(ctx context.Context, w io.Writer, in SBOMInput) error {
	bom, err := buildSBOM(ctx, in)
	if err != nil {
		return err
	}
	enc := cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON).SetPretty(true).SetEscapeHTML(false)
	if err := enc.EncodeVersion(bom, cdx.SpecVersion1_6); err != nil {
		return fmt.Errorf("ghrelease: encoding SBOM: %w", err)
	}
	return nil
}

// ReleaseSerialNumber is a stable SBOM serial number for a release: a
// name-based (version 5, RFC 4122) UUID of the release's URL, so every
// build of the same release gets the same serial.
func ReleaseSerialNumber(repository, tag string) string {
	// The RFC 4122 URL namespace.
	ns := [16]byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}
	h := sha1.New()
	h.Write(ns[:])
	h.Write([]byte("https://github.com/" + repository + "/releases/tag/" + tag + "#sbom"))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	x := hex.EncodeToString(u[:])
	return "urn:uuid:" + x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:]
}

func newUUID() (string, error) {
	var u [16]byte
	if _, err := rand.Read(u[:]); err != nil {
		return "", err
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	h := hex.EncodeToString(u[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

// purlEscape percent-encodes a purl component, keeping unreserved
// characters and those listed in keep.
func purlEscape(s, keep string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~", c) >= 0 || strings.IndexByte(keep, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// OCIPackageURL is the purl of an image: pkg:oci/<name>@sha256%3A…
// ?repository_url=<repository>&tag=<tag> (digest and tag optional).
func OCIPackageURL(repository, digest, tag string) string {
	name := repository[strings.LastIndexByte(repository, '/')+1:]
	p := "pkg:oci/" + purlEscape(strings.ToLower(name), "")
	if digest != "" {
		p += "@" + purlEscape(digest, "")
	}
	p += "?repository_url=" + purlEscape(repository, "/:")
	if tag != "" {
		p += "&tag=" + purlEscape(tag, "")
	}
	return p
}

// PyPIPackageURL is pkg:pypi/<normalised name>[@version].
func PyPIPackageURL(name, version string) string {
	p := "pkg:pypi/" + purlEscape(NormalizeName(name), "")
	if version != "" {
		p += "@" + purlEscape(version, "")
	}
	return p
}

func buildSBOM(ctx context.Context, in SBOMInput) (*cdx.BOM, error) {
	var errs []error
	if !pep.ValidName(in.Name) {
		errs = append(errs, fmt.Errorf("ghrelease: SBOM: Name %q: expected a PyPI project name", in.Name))
	}
	if !versionRE.MatchString(in.Version) {
		errs = append(errs, fmt.Errorf("ghrelease: SBOM: Version %q: expected a version such as 1.2.3", in.Version))
	}
	if in.Repository != "" && !repoRE.MatchString(in.Repository) {
		errs = append(errs, fmt.Errorf("ghrelease: SBOM: Repository %q: expected \"owner/name\"", in.Repository))
	}
	if in.Image != "" && !imageRE.MatchString(in.Image) {
		errs = append(errs, fmt.Errorf("ghrelease: SBOM: Image %q: expected an image repository such as ghcr.io/o/r", in.Image))
	}
	if in.ImageDigest != "" && (!digestRE.MatchString(in.ImageDigest) || in.Image == "") {
		errs = append(errs, fmt.Errorf("ghrelease: SBOM: ImageDigest %q: expected sha256:<64 hex> with Image set", in.ImageDigest))
	}
	reqs := map[string][]Requirement{}
	var order []string
	for _, s := range in.Requires {
		r, err := ParseRequirement(s)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if _, ok := reqs[r.Normalized]; !ok {
			order = append(order, r.Normalized)
		}
		reqs[r.Normalized] = append(reqs[r.Normalized], r)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	serial := in.SerialNumber
	if serial == "" {
		u, err := newUUID()
		if err != nil {
			return nil, fmt.Errorf("ghrelease: SBOM serial number: %w", err)
		}
		serial = "urn:uuid:" + u
	}
	ts := in.Timestamp
	if ts.IsZero() {
		ts = time.Now()
	}

	projectRef := PyPIPackageURL(in.Name, in.Version)
	meta := &cdx.Component{
		BOMRef:     projectRef,
		Type:       cdx.ComponentTypeApplication,
		Name:       in.Name,
		Version:    in.Version,
		PackageURL: projectRef,
	}
	if in.Repository != "" {
		meta.ExternalReferences = &[]cdx.ExternalReference{
			{Type: cdx.ERTypeVCS, URL: "https://github.com/" + in.Repository},
			{Type: cdx.ERTypeDistribution, URL: "https://github.com/" + in.Repository + "/releases/tag/v" + in.Version},
		}
	}
	bom := cdx.NewBOM()
	bom.SerialNumber = serial
	bom.Metadata = &cdx.Metadata{
		Timestamp: ts.UTC().Format(time.RFC3339),
		Component: meta,
		Tools: &cdx.ToolsChoice{Components: &[]cdx.Component{{
			Type: cdx.ComponentTypeApplication, Name: "tagship", Group: "github.com/tagship",
		}}},
	}

	var comps []cdx.Component
	seen := map[string]bool{}
	for _, path := range in.Files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		name := filepath.Base(path)
		if seen[name] {
			return nil, fmt.Errorf("ghrelease: SBOM: two files named %q", name)
		}
		seen[name] = true
		s256, s512, err := hashFile(path)
		if err != nil {
			return nil, fmt.Errorf("ghrelease: SBOM: %w", err)
		}
		ref := "file:" + name
		comps = append(comps, cdx.Component{
			BOMRef:   ref,
			Type:     cdx.ComponentTypeFile,
			Name:     name,
			Version:  in.Version,
			MIMEType: ContentType(name),
			Hashes:   &[]cdx.Hash{{Algorithm: cdx.HashAlgoSHA256, Value: s256}, {Algorithm: cdx.HashAlgoSHA512, Value: s512}},
		})
	}
	if in.Image != "" {
		tag := in.ImageTag
		if tag == "" {
			tag = "v" + in.Version
		}
		purl := OCIPackageURL(in.Image, in.ImageDigest, tag)
		c := cdx.Component{
			BOMRef:     purl,
			Type:       cdx.ComponentTypeContainer,
			Name:       in.Image,
			Version:    tag,
			PackageURL: purl,
			Properties: &[]cdx.Property{{Name: "oci:tag", Value: tag}},
		}
		if in.ImageDigest != "" {
			c.Version = in.ImageDigest
			c.Hashes = &[]cdx.Hash{{Algorithm: cdx.HashAlgoSHA256, Value: strings.TrimPrefix(in.ImageDigest, "sha256:")}}
		}
		comps = append(comps, c)
	}
	var depRefs []string
	for _, n := range order {
		rs := reqs[n]
		var props []cdx.Property
		scope := cdx.ScopeOptional
		version := ""
		for _, r := range rs {
			props = append(props, cdx.Property{Name: "python:requires-dist", Value: requirementString(r)})
			if !r.Optional() {
				scope = cdx.ScopeRequired
			}
			if len(rs) == 1 {
				version = r.PinnedVersion()
			}
		}
		purl := PyPIPackageURL(n, version)
		depRefs = append(depRefs, purl)
		comps = append(comps, cdx.Component{
			BOMRef:     purl,
			Type:       cdx.ComponentTypeLibrary,
			Name:       n,
			Version:    version,
			Scope:      scope,
			PackageURL: purl,
			Properties: &props,
		})
	}
	bom.Components = &comps
	deps := []cdx.Dependency{{Ref: projectRef, Dependencies: &depRefs}}
	if len(depRefs) == 0 {
		deps[0].Dependencies = nil
	}
	for _, r := range depRefs {
		deps = append(deps, cdx.Dependency{Ref: r})
	}
	bom.Dependencies = &deps
	return bom, nil
}

func requirementString(r Requirement) string {
	s := r.Name
	if len(r.Extras) > 0 {
		s += "[" + strings.Join(r.Extras, ",") + "]"
	}
	if r.URL != "" {
		s += " @ " + r.URL
	} else {
		s += r.Specifier
	}
	if r.Marker != "" {
		if r.URL != "" {
			s += " " // PEP 508: white space before ";" after a URL
		}
		s += "; " + r.Marker
	}
	return s
}

func hashFile(path string) (string, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", "", err
	}
	if !st.Mode().IsRegular() {
		return "", "", fmt.Errorf("%s is not a regular file", path)
	}
	h256, h512 := sha256.New(), sha512.New()
	if _, err := io.Copy(io.MultiWriter(h256, h512), f); err != nil {
		return "", "", fmt.Errorf("reading %s: %w", path, err)
	}
	return hex.EncodeToString(h256.Sum(nil)), hex.EncodeToString(h512.Sum(nil)), nil
}
