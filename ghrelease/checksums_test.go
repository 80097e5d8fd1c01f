package ghrelease_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/tagship/tagship/ghrelease"
)

func TestWriteChecksums(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	files := map[string]string{"demo-1.0.0.tar.gz": "sdist", "demo-1.0.0.tar.gz.sigstore.json": "{}", "demo.cdx.json": "sbom"}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	at := func(name string) string { return filepath.Join(dir, name) }
	sum := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
	for _, tc := range []struct {
		name   string
		assets []ghrelease.Asset
		want   map[string]string // nil: an error
		err    error
	}{
		{"named by base name", []ghrelease.Asset{{Path: at("demo.cdx.json")}, {Path: at("demo-1.0.0.tar.gz")}},
			map[string]string{"demo.cdx.json": sum("sbom"), "demo-1.0.0.tar.gz": sum("sdist")}, nil},
		{"an asset's own name", []ghrelease.Asset{{Path: at("demo.cdx.json"), Name: "demo-1.0.0.cdx.json"}},
			map[string]string{"demo-1.0.0.cdx.json": sum("sbom")}, nil},
		{"no assets", nil, map[string]string{}, nil},
		{"a name twice", []ghrelease.Asset{{Path: at("demo.cdx.json")}, {Path: at("demo-1.0.0.tar.gz"), Name: "demo.cdx.json"}}, nil, ghrelease.ErrInvalidRelease},
		{"a missing file", []ghrelease.Asset{{Path: at("missing.whl")}}, nil, fs.ErrNotExist},
		{"a directory", []ghrelease.Asset{{Path: dir}}, nil, ghrelease.ErrInvalidRelease},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), ghrelease.ChecksumsAssetName)
			err := ghrelease.WriteChecksums(context.Background(), path, tc.assets...)
			if tc.want == nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err = %v, want %v", err, tc.err)
				}
				if _, serr := os.Stat(path); !errors.Is(serr, fs.ErrNotExist) {
					t.Fatalf("%s written after a failure", path)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ghrelease.ParseChecksums(data)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for n, s := range tc.want {
				if got[n] != s {
					t.Errorf("%s: %s, want %s", n, got[n], s)
				}
			}
		})
	}
	t.Run("cancelled", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := ghrelease.WriteChecksums(ctx, filepath.Join(t.TempDir(), "SHA256SUMS"), ghrelease.Asset{Path: at("demo.cdx.json")}); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
}
