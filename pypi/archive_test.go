package pypi_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/tagship/tagship/pypi"
)

// TestHostileArchivesResolvedLikeTar: links are judged by where tar and
// unzip would really put them, duplicates by the path an installer writes,
// and single-value metadata headers may appear once.
func TestHostileArchivesResolvedLikeTar(t *testing.T) {
	t.Parallel()
	sd := func(extra ...entry) []byte { return tarGzBytes(t, append(sdistEntries("demo", "1.0"), extra...)) }
	wh := func(extra ...entry) []byte { return zipBytes(t, append(wheelEntries("demo", "1.0"), extra...)) }
	sym := func(name, to string) entry { return entry{Name: name, Typeflag: tar.TypeSymlink, Link: to} }
	hard := func(name, to string) entry { return entry{Name: name, Typeflag: tar.TypeLink, Link: to} }
	meta := func(m string) []byte {
		es := wheelEntries("demo", "1.0")
		es[1].Body = []byte(m)
		return zipBytes(t, es)
	}
	var symlinkZip bytes.Buffer
	{
		zw := zip.NewWriter(&symlinkZip)
		for _, e := range wheelEntries("demo", "1.0") {
			w, _ := zw.Create(e.Name)
			w.Write(e.Body)
		}
		h := &zip.FileHeader{Name: "demo/link"}
		h.SetMode(os.ModeSymlink | 0o777)
		w, _ := zw.CreateHeader(h)
		w.Write([]byte("../../../../etc"))
		zw.Close()
	}
	for _, tc := range []struct {
		name, file string
		data       []byte
		want       string // "" = accepted
	}{
		{"hard link resolved from the root", "demo-1.0.tar.gz", sd(entry{Name: "demo-1.0/a/b/f", Body: []byte("x")}, hard("demo-1.0/a/b/h", "../../etc/passwd")), "points outside"},
		{"hard link to a later or missing member", "demo-1.0.tar.gz", sd(hard("demo-1.0/h", "demo-1.0/nothing")), "no such earlier member"},
		{"hard link inside, by root path", "demo-1.0.tar.gz", sd(hard("demo-1.0/h", "demo-1.0/pyproject.toml")), ""},
		{"member written through a symlink", "demo-1.0.tar.gz", sd(sym("demo-1.0/up", ".."), sym("demo-1.0/up/x", ".."), entry{Name: "demo-1.0/up/x/evil", Body: []byte("x")}), "through a symbolic link"},
		{"symlink chain leaves the root", "demo-1.0.tar.gz", sd(entry{Name: "demo-1.0/a/", Typeflag: tar.TypeDir}, sym("demo-1.0/a/l", ".."), sym("demo-1.0/a/l2", "l/.."), sym("demo-1.0/a/l3", "l2/..")), "points outside"},
		{"symlink loop", "demo-1.0.tar.gz", sd(sym("demo-1.0/p", "q"), sym("demo-1.0/q", "p"), sym("demo-1.0/r", "p")), "more than 40"},
		{"harmless symlink", "demo-1.0.tar.gz", sd(sym("demo-1.0/README", "pyproject.toml")), ""},
		{"second METADATA by an aliased path", "demo-1.0-py3-none-any.whl", wh(entry{Name: "./demo-1.0.dist-info/METADATA", Body: []byte(strings.ReplaceAll(metadataText("demo", "1.0"), "Requires-Dist: requests>=2", "Requires-Dist: evil"))}), "appears twice"},
		{"aliased by a double slash", "demo-1.0-py3-none-any.whl", wh(entry{Name: "demo//__init__.py", Body: []byte("evil")}), "appears twice"},
		{"symlink in a wheel", "demo-1.0-py3-none-any.whl", symlinkZip.Bytes(), "symbolic link"},
		{"duplicate Name header", "demo-1.0-py3-none-any.whl", meta("Metadata-Version: 2.1\nName: demo\nName: evil\nVersion: 1.0\n"), "Name appears more than once"},
		{"duplicate Version header", "demo-1.0-py3-none-any.whl", meta("Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nversion: 9.9\n"), "version appears more than once"},
		{"repeated multi-use headers are fine", "demo-1.0-py3-none-any.whl", meta("Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nClassifier: A\nClassifier: B\n"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := writeFile(t, t.TempDir(), tc.file, tc.data)
			_, err := pypi.OpenDistribution(p)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !errors.Is(err, pypi.ErrInvalidDistribution) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrInvalidDistribution containing %q", err, tc.want)
			}
		})
	}
}
