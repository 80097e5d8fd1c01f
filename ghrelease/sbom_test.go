package ghrelease

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// validateCycloneDX validates doc against the vendored official CycloneDX
// JSON schema of the version the document declares (testdata/schema).
func validateCycloneDX(t *testing.T, doc []byte) {
	t.Helper()
	if err := cycloneDXSchemaErr(t, doc); err != nil {
		t.Fatalf("SBOM does not validate against its CycloneDX schema: %v\n%s", err, doc)
	}
}

func cycloneDXSchemaErr(t *testing.T, doc []byte) error {
	t.Helper()
	var head struct {
		Schema      string `json:"$schema"`
		SpecVersion string `json:"specVersion"`
		BOMFormat   string `json:"bomFormat"`
	}
	if err := json.Unmarshal(doc, &head); err != nil {
		t.Fatalf("SBOM is not JSON: %v", err)
	}
	if head.BOMFormat != "CycloneDX" {
		t.Fatalf("bomFormat = %q, want CycloneDX", head.BOMFormat)
	}
	if want := "http://cyclonedx.org/schema/bom-" + head.SpecVersion + ".schema.json"; head.Schema != want {
		t.Fatalf("$schema = %q, want %q (matching specVersion)", head.Schema, want)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	for _, f := range []string{"spdx.SNAPSHOT.schema.json", "jsf-0.82.SNAPSHOT.schema.json", "cryptography-defs.SNAPSHOT.schema.json", "bom-" + head.SpecVersion + ".SNAPSHOT.schema.json"} {
		raw, err := os.ReadFile(filepath.Join("testdata", "schema", f))
		if err != nil {
			t.Fatalf("schema for spec %s: %v", head.SpecVersion, err)
		}
		s, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AddResource("http://cyclonedx.org/schema/"+f, s); err != nil {
			t.Fatal(err)
		}
	}
	sch, err := c.Compile("http://cyclonedx.org/schema/bom-" + head.SpecVersion + ".SNAPSHOT.schema.json")
	if err != nil {
		t.Fatalf("compiling schema: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	return sch.Validate(inst)
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSBOM(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	whl := writeFile(t, dir, "securescan-0.11.0-py3-none-any.whl", "wheel bytes")
	sdist := writeFile(t, dir, "securescan-0.11.0.tar.gz", "sdist bytes")
	bundle := writeFile(t, dir, "securescan-0.11.0-py3-none-any.whl.sigstore.json", `{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}`)
	digest := "sha256:" + strings.Repeat("ab", 32)
	in := SBOMInput{
		Name: "SecureScan", Version: "0.11.0", Repository: "Metbcy/securescan",
		Files: []string{whl, sdist, bundle},
		Image: "ghcr.io/metbcy/securescan", ImageDigest: digest,
		Requires: []string{
			"requests[socks] (>=2.31,<3)",
			"PyYAML==6.0.1",
			"Typing_Extensions>=4; python_version < '3.11'",
			"pytest>=8; extra == 'dev'",
			"pytest<9; extra == 'test'",
			"foo @ https://example.com/foo-1.0.tar.gz ; sys_platform == 'linux'",
		},
		Timestamp:    time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC),
		SerialNumber: "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
	}
	doc, err := SBOM(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	validateCycloneDX(t, doc)

	var bom struct {
		SpecVersion  string `json:"specVersion"`
		SerialNumber string `json:"serialNumber"`
		Metadata     struct {
			Timestamp string `json:"timestamp"`
			Component struct {
				Name, Version, Purl string
			} `json:"component"`
		} `json:"metadata"`
		Components []struct {
			Type, Name, Version, Purl, Scope string
			Hashes                           []struct{ Alg, Content string }
			Properties                       []struct{ Name, Value string }
		} `json:"components"`
		Dependencies []struct {
			Ref       string   `json:"ref"`
			DependsOn []string `json:"dependsOn"`
		} `json:"dependencies"`
	}
	if err := json.Unmarshal(doc, &bom); err != nil {
		t.Fatal(err)
	}
	if bom.SpecVersion != SBOMSpecVersion || bom.SerialNumber != in.SerialNumber || bom.Metadata.Timestamp != "2026-11-26T12:00:00Z" {
		t.Errorf("header: %+v", bom)
	}
	if m := bom.Metadata.Component; m.Name != "SecureScan" || m.Version != "0.11.0" || m.Purl != "pkg:pypi/securescan@0.11.0" {
		t.Errorf("metadata component = %+v", m)
	}
	byName := map[string]int{}
	for i, c := range bom.Components {
		byName[c.Name] = i
	}
	sum := sha256.Sum256([]byte("wheel bytes"))
	w := bom.Components[byName["securescan-0.11.0-py3-none-any.whl"]]
	if w.Type != "file" || len(w.Hashes) != 2 || w.Hashes[0].Alg != "SHA-256" || w.Hashes[0].Content != hex.EncodeToString(sum[:]) || w.Hashes[1].Alg != "SHA-512" || len(w.Hashes[1].Content) != 128 {
		t.Errorf("wheel component = %+v", w)
	}
	img := bom.Components[byName["ghcr.io/metbcy/securescan"]]
	wantPurl := "pkg:oci/securescan@sha256%3A" + strings.Repeat("ab", 32) + "?repository_url=ghcr.io/metbcy/securescan&tag=v0.11.0"
	if img.Type != "container" || img.Purl != wantPurl || img.Version != digest {
		t.Errorf("image component = %+v, want purl %s", img, wantPurl)
	}
	for _, tc := range []struct{ name, purl, version, scope string }{
		{"requests", "pkg:pypi/requests", "", "required"},
		{"pyyaml", "pkg:pypi/pyyaml@6.0.1", "6.0.1", "required"},
		{"typing-extensions", "pkg:pypi/typing-extensions", "", "required"},
		{"pytest", "pkg:pypi/pytest", "", "optional"},
		{"foo", "pkg:pypi/foo", "", "required"},
	} {
		i, ok := byName[tc.name]
		if !ok {
			t.Errorf("no component %s", tc.name)
			continue
		}
		c := bom.Components[i]
		if c.Type != "library" || c.Purl != tc.purl || c.Version != tc.version || c.Scope != tc.scope {
			t.Errorf("%s: got %+v, want %+v", tc.name, c, tc)
		}
	}
	if p := bom.Components[byName["pytest"]].Properties; len(p) != 2 || p[0].Value != "pytest>=8; extra == 'dev'" {
		t.Errorf("pytest properties = %+v", p)
	}
	if len(bom.Dependencies) == 0 || bom.Dependencies[0].Ref != "pkg:pypi/securescan@0.11.0" || len(bom.Dependencies[0].DependsOn) != 5 {
		t.Errorf("dependencies = %+v", bom.Dependencies)
	}
}

// TestSchemaCatchesErrors shows the schema check can fail.
func TestSchemaCatchesErrors(t *testing.T) {
	t.Parallel()
	doc, err := SBOM(context.Background(), SBOMInput{Name: "p", Version: "1.0.0", Requires: []string{"x>=1"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][2]string{
		{`"type": "library"`, `"type": "spaceship"`},
		{`"serialNumber": "urn:uuid:`, `"serialNumber": "uuid:`},
		{`"scope": "required"`, `"scope": "always"`},
	} {
		mutated := strings.Replace(string(doc), bad[0], bad[1], 1)
		if mutated == string(doc) {
			t.Fatalf("mutation %q not applicable to:\n%s", bad[0], doc)
		}
		if err := cycloneDXSchemaErr(t, []byte(mutated)); err == nil {
			t.Errorf("schema accepted %s", bad[1])
		}
	}
}

func TestSBOMDefaultsAndErrors(t *testing.T) {
	t.Parallel()
	doc, err := SBOM(context.Background(), SBOMInput{Name: "p", Version: "1.0.0"})
	if err != nil {
		t.Fatal(err)
	}
	validateCycloneDX(t, doc)
	var head struct{ SerialNumber string }
	_ = json.Unmarshal(doc, &head)
	if !strings.HasPrefix(head.SerialNumber, "urn:uuid:") || len(head.SerialNumber) != 45 {
		t.Errorf("serialNumber = %q", head.SerialNumber)
	}
	for _, in := range []SBOMInput{
		{Name: "", Version: "1"},
		{Name: "p", Version: "1", Requires: []string{"not a requirement!!"}},
		{Name: "p", Version: "1", ImageDigest: "sha256:00"},
		{Name: "p", Version: "1", Files: []string{"/nonexistent/file"}},
	} {
		if _, err := SBOM(context.Background(), in); err == nil {
			t.Errorf("SBOM(%+v) succeeded, want error", in)
		}
	}
}

func TestReleaseSerialNumber(t *testing.T) {
	t.Parallel()
	a := ReleaseSerialNumber("o/r", "v1.0.0")
	if a != ReleaseSerialNumber("o/r", "v1.0.0") || a == ReleaseSerialNumber("o/r", "v1.0.1") {
		t.Fatal("not stable per release")
	}
	// Known answer: Python's uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/o/r/releases/tag/v1.0.0#sbom").
	if a != "urn:uuid:29ed852e-6388-5c53-be1f-73e2d8716260" || a[23] != '5' {
		t.Fatalf("not a version 5 UUID URN: %s", a)
	}
	in := SBOMInput{Name: "p", Version: "1.0.0", SerialNumber: a, Timestamp: time.Unix(0, 0)}
	d1, err1 := SBOM(context.Background(), in)
	d2, err2 := SBOM(context.Background(), in)
	if err1 != nil || err2 != nil || !bytes.Equal(d1, d2) {
		t.Fatal("SBOM not reproducible with fixed serial and timestamp")
	}
	validateCycloneDX(t, d1)
}
