package ghrelease

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

// TestParseSBOMReadsWhatSBOMWrites pins the round trip: the hashes and the
// image digest a release writes are the ones a verifier reads back.
func TestParseSBOMReadsWhatSBOMWrites(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	whl := writeFile(t, dir, "demo-1.2.3-py3-none-any.whl", "wheel bytes")
	sdist := writeFile(t, dir, "demo-1.2.3.tar.gz", "sdist bytes")
	digest := "sha256:" + strings.Repeat("ab", 32)
	doc, err := SBOM(context.Background(), SBOMInput{
		Name: "demo", Version: "1.2.3", Repository: "octo/demo",
		Files: []string{whl, sdist}, Image: "ghcr.io/octo/demo", ImageDigest: digest,
		Requires: []string{"requests>=2"},
	})
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseSBOM(doc)
	if err != nil {
		t.Fatal(err)
	}
	if s.SpecVersion != SBOMSpecVersion {
		t.Errorf("SpecVersion = %q, want %q", s.SpecVersion, SBOMSpecVersion)
	}
	for name, content := range map[string]string{"demo-1.2.3-py3-none-any.whl": "wheel bytes", "demo-1.2.3.tar.gz": "sdist bytes"} {
		sum := sha256.Sum256([]byte(content))
		if got, ok := s.FileSHA256(name); !ok || got != hex.EncodeToString(sum[:]) {
			t.Errorf("FileSHA256(%q) = %q, %v; want %x", name, got, ok, sum)
		}
	}
	if got, ok := s.FileSHA256("absent.whl"); ok || got != "" {
		t.Errorf("FileSHA256(absent) = %q, %v", got, ok)
	}
	if got, ok := s.ImageDigest("ghcr.io/octo/demo"); !ok || got != digest {
		t.Errorf("ImageDigest = %q, %v; want %q", got, ok, digest)
	}
	if got, ok := s.ImageDigest("ghcr.io/other/name"); !ok || got != digest {
		t.Errorf("ImageDigest(the only container, other name) = %q, %v; want %q", got, ok, digest)
	}
	if n := len(s.Components()); n != 4 {
		t.Errorf("%d components, want 4 (2 files, image, requests)", n)
	}
}

func TestParseSBOMRefuses(t *testing.T) {
	t.Parallel()
	for _, doc := range []string{`{"bomFormat":"SPDX"}`, `[]`, `not json`, `{"bomFormat":"CycloneDX","specVersion":"9.9"}`} {
		if _, err := ParseSBOM([]byte(doc)); err == nil {
			t.Errorf("ParseSBOM(%s) succeeded", doc)
		}
	}
	// A hand-written document of another tool: hash case and a digest in
	// the version are read.
	s, err := ParseSBOM([]byte(`{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"type":"file","name":"a.whl","hashes":[{"alg":"SHA-256","content":"AB"}]},{"type":"container","name":"r/x","version":"sha256:00"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s.FileSHA256("a.whl"); got != "ab" {
		t.Errorf("FileSHA256 = %q, want lower case", got)
	}
	if got, _ := s.ImageDigest("r/x"); got != "sha256:00" {
		t.Errorf("ImageDigest = %q", got)
	}
}

func FuzzParseSBOM(f *testing.F) {
	for _, s := range []string{
		`{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"file","name":"a.whl","hashes":[{"alg":"SHA-256","content":"AB"}]},{"type":"container","name":"r/x","version":"sha256:00"}]}`,
		`{"bomFormat":"SPDX"}`, `[]`, `{"components":null,"bomFormat":"CycloneDX"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSBOM(data)
		if err != nil {
			return
		}
		if sum, ok := s.FileSHA256("a.whl"); ok && sum != strings.ToLower(sum) {
			t.Fatal("hash not lower-cased")
		}
		if d, ok := s.ImageDigest("r/x"); ok && d != "" && !strings.HasPrefix(d, "sha256:") {
			t.Fatalf("digest %q", d)
		}
	})
}
