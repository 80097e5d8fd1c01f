package ghrelease

import (
	"bytes"
	"fmt"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// ReleaseSBOM is a CycloneDX JSON SBOM read back by [ParseSBOM]: the same
// model (cyclonedx-go's BOM) that [WriteSBOM] writes, so what a release
// publishes and what a verifier reads cannot drift apart. Its methods answer
// what verification asks: the recorded hash of a release file
// ([ReleaseSBOM.FileSHA256]) and the recorded image digest
// ([ReleaseSBOM.ImageDigest]).
type ReleaseSBOM struct {
	// SpecVersion is the document's CycloneDX version, e.g. "1.6".
	SpecVersion string
	// BOM is the whole document.
	BOM *cdx.BOM
}

// ParseSBOM reads a CycloneDX JSON document (specification 1.0 to 1.7), as
// written by [SBOM] or another tool. It refuses anything whose bomFormat is
// not "CycloneDX".
func ParseSBOM(data []byte) (*ReleaseSBOM, error) {
	bom := new(cdx.BOM)
	if err := cdx.NewBOMDecoder(bytes.NewReader(data), cdx.BOMFileFormatJSON).Decode(bom); err != nil {
		return nil, fmt.Errorf("ghrelease: SBOM: expected CycloneDX JSON: %w", err)
	}
	if bom.BOMFormat != cdx.BOMFormat {
		return nil, fmt.Errorf("ghrelease: SBOM: bomFormat %q, expected %s", bom.BOMFormat, cdx.BOMFormat)
	}
	s := &ReleaseSBOM{BOM: bom}
	if bom.SpecVersion != 0 {
		s.SpecVersion = bom.SpecVersion.String()
	}
	return s, nil
}

// Components returns the document's components (nil when it has none).
func (s *ReleaseSBOM) Components() []cdx.Component {
	if s.BOM.Components == nil {
		return nil
	}
	return *s.BOM.Components
}

// FileSHA256 returns the lower-case hex SHA-256 recorded for the file
// component named filename. ok reports whether there is such a component;
// sum is "" when it records no SHA-256.
func (s *ReleaseSBOM) FileSHA256(filename string) (sum string, ok bool) {
	for _, c := range s.Components() {
		if c.Type == cdx.ComponentTypeFile && c.Name == filename {
			return componentSHA256(c), true
		}
	}
	return "", false
}

// ImageDigest returns the digest ("sha256:…") recorded for the container
// component of repository — found by name, else the only container
// component. ok reports whether there is such a component; digest is ""
// when it records none (neither a SHA-256 hash nor a sha256: version).
func (s *ReleaseSBOM) ImageDigest(repository string) (digest string, ok bool) {
	var only []cdx.Component
	for _, c := range s.Components() {
		if c.Type != cdx.ComponentTypeContainer {
			continue
		}
		if c.Name == repository {
			return containerDigest(c), true
		}
		only = append(only, c)
	}
	if len(only) == 1 {
		return containerDigest(only[0]), true
	}
	return "", false
}

func componentSHA256(c cdx.Component) string {
	if c.Hashes == nil {
		return ""
	}
	for _, h := range *c.Hashes {
		if strings.EqualFold(string(h.Algorithm), string(cdx.HashAlgoSHA256)) {
			return strings.ToLower(h.Value)
		}
	}
	return ""
}

func containerDigest(c cdx.Component) string {
	if h := componentSHA256(c); h != "" {
		return "sha256:" + h
	}
	if strings.HasPrefix(c.Version, "sha256:") {
		return c.Version
	}
	return ""
}
