package preflight_test

import (
	"os"
	"path/filepath"
	"testing"

	toml "github.com/pelletier/go-toml/v2"

	"github.com/tagship/tagship/preflight"
)

// BenchmarkSetPyprojectVersion measures the format-preserving edit on a
// realistic pyproject.toml; BenchmarkTOMLRoundTrip is the anchor: the
// decode + re-encode a naive bump would do (and which loses comments).
func BenchmarkSetPyprojectVersion(b *testing.B) {
	src, err := os.ReadFile(filepath.Join("testdata", "pyproject", "securescan.toml"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := preflight.SetPyprojectVersion(src, "0.12.0"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTOMLRoundTrip(b *testing.B) {
	src, err := os.ReadFile(filepath.Join("testdata", "pyproject", "securescan.toml"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		var doc map[string]any
		if err := toml.Unmarshal(src, &doc); err != nil {
			b.Fatal(err)
		}
		doc["project"].(map[string]any)["version"] = "0.12.0"
		if _, err := toml.Marshal(doc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseTag(b *testing.B) {
	for b.Loop() {
		if _, err := preflight.ParseTag("v0.11.0"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNormalizePEP440(b *testing.B) {
	for b.Loop() {
		if _, err := preflight.NormalizePEP440("2!01.0a01.post01.dev01+abc.7"); err != nil {
			b.Fatal(err)
		}
	}
}
