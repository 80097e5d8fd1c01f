package pypi_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tagship/tagship/pypi"
)

// Seeds live in testdata/metadata (core-metadata files) and testdata/dists
// (small wheels and sdists, valid and hostile). TAGSHIP_WRITE_SEEDS=1 go
// test -run TestWriteSeeds ./pypi regenerates the generated ones.
func seeds(f *testing.F, dir, suffix string) {
	f.Helper()
	ms, _ := filepath.Glob(filepath.Join("testdata", dir, "*"+suffix))
	if len(ms) == 0 {
		f.Fatalf("no seeds in testdata/%s", dir)
	}
	for _, m := range ms {
		b, err := os.ReadFile(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

func FuzzParseMetadata(f *testing.F) {
	seeds(f, "metadata", ".txt")
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := pypi.ParseMetadata(data)
		if err != nil {
			if !errors.Is(err, pypi.ErrInvalidMetadata) {
				t.Fatalf("error %v does not wrap ErrInvalidMetadata", err)
			}
			return
		}
		if m.Name == "" || m.Version == "" || m.MetadataVersion == "" {
			t.Fatalf("accepted metadata without required fields: %+v", m)
		}
		if _, err := pypi.NormalizeVersion(m.Version); err != nil {
			t.Fatalf("accepted invalid version %q", m.Version)
		}
	})
}

func fuzzOpen(t *testing.T, filename string, data []byte) {
	p := filepath.Join(t.TempDir(), filename)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := pypi.OpenDistribution(p)
	if err != nil {
		if !errors.Is(err, pypi.ErrInvalidDistribution) {
			t.Fatalf("error %v does not wrap ErrInvalidDistribution", err)
		}
		return
	}
	if pypi.NormalizeName(d.Name) != "demo" || d.Metadata == nil || len(d.SHA256) != 64 || d.Size != int64(len(data)) {
		t.Fatalf("accepted inconsistent distribution %+v", d)
	}
}

func FuzzOpenWheel(f *testing.F) {
	seeds(f, "dists", ".whl")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzOpen(t, "demo-1.0-py3-none-any.whl", data) })
}

func FuzzOpenSdist(f *testing.F) {
	seeds(f, "dists", ".tar.gz")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzOpen(t, "demo-1.0.tar.gz", data) })
}

func TestWriteSeeds(t *testing.T) {
	if os.Getenv("TAGSHIP_WRITE_SEEDS") != "1" {
		t.Skip("set TAGSHIP_WRITE_SEEDS=1 to regenerate testdata seeds")
	}
	dd := filepath.Join("testdata", "dists")
	md := filepath.Join("testdata", "metadata")
	os.MkdirAll(dd, 0o755)
	os.MkdirAll(md, 0o755)
	good := wheelEntries("demo", "1.0")
	writeFile(t, dd, "valid.whl", zipBytes(t, good))
	writeFile(t, dd, "two-dist-info.whl", zipBytes(t, append(append([]entry{}, good...), entry{Name: "x-1.0.dist-info/METADATA"})))
	writeFile(t, dd, "dotdot.whl", zipBytes(t, append(append([]entry{}, good...), entry{Name: "../evil"})))
	writeFile(t, dd, "truncated.whl", zipBytes(t, good)[:200])
	writeFile(t, dd, "valid.tar.gz", tarGzBytes(t, sdistEntries("demo", "1.0")))
	writeFile(t, dd, "outside.tar.gz", tarGzBytes(t, append(sdistEntries("demo", "1.0"), entry{Name: "evil"})))
	writeFile(t, dd, "truncated.tar.gz", tarGzBytes(t, sdistEntries("demo", "1.0"))[:100])
	writeFile(t, md, "generated-2.1.txt", []byte(metadataText("demo", "1.0")))
	writeFile(t, md, "crlf.txt", []byte(strings.ReplaceAll(metadataText("demo", "1.0"), "\n", "\r\n")))
}
