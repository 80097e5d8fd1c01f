package pypi_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// entry is one archive member for the test builders.
type entry struct {
	Name     string
	Body     []byte
	Typeflag byte   // tar only; 0 = regular file
	Link     string // tar only
	Method   uint16 // zip only; 0 = Deflate
}

func metadataText(name, version string) string {
	return fmt.Sprintf(`Metadata-Version: 2.1
Name: %s
Version: %s
Summary: A tiny test package
Home-page: https://example.com/%s
Author: Test Author
Author-email: test@example.com
License: MIT
Keywords: test,demo
Classifier: Programming Language :: Python :: 3
Classifier: License :: OSI Approved :: MIT License
Requires-Dist: requests>=2
Requires-Dist: rich; extra == "cli"
Project-URL: Source, https://example.com/src
Provides-Extra: cli
Requires-Python: >=3.8
Description-Content-Type: text/markdown

# %s

A description body.
`, name, version, name, name)
}

func zipBytes(t testing.TB, entries []entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		m := e.Method
		if m == 0 {
			m = zip.Deflate
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.Name, Method: m})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.Body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func tarGzBytes(t testing.TB, entries []entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		tf := e.Typeflag
		if tf == 0 {
			tf = tar.TypeReg
		}
		h := &tar.Header{Name: e.Name, Mode: 0o644, Typeflag: tf, Linkname: e.Link}
		if tf == tar.TypeReg {
			h.Size = int64(len(e.Body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if tf == tar.TypeReg {
			if _, err := tw.Write(e.Body); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func wheelEntries(name, version string) []entry {
	di := fmt.Sprintf("%s-%s.dist-info", name, version)
	return []entry{
		{Name: name + "/__init__.py", Body: []byte("__version__ = '" + version + "'\n")},
		{Name: di + "/METADATA", Body: []byte(metadataText(name, version))},
		{Name: di + "/WHEEL", Body: []byte("Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")},
		{Name: di + "/RECORD", Body: []byte("")},
	}
}

func sdistEntries(name, version string) []entry {
	top := fmt.Sprintf("%s-%s", name, version)
	return []entry{
		{Name: top + "/", Typeflag: tar.TypeDir},
		{Name: top + "/PKG-INFO", Body: []byte(metadataText(name, version))},
		{Name: top + "/pyproject.toml", Body: []byte("[project]\nname = \"" + name + "\"\n")},
		{Name: top + "/src/" + name + ".egg-info/PKG-INFO", Body: []byte(metadataText(name, version))},
	}
}

func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// makeWheel writes a valid wheel; extra bytes make the content unique.
func makeWheel(t testing.TB, dir, name, version string, extra ...entry) string {
	t.Helper()
	es := append(wheelEntries(name, version), extra...)
	return writeFile(t, dir, fmt.Sprintf("%s-%s-py3-none-any.whl", name, version), zipBytes(t, es))
}

func makeSdist(t testing.TB, dir, name, version string, extra ...entry) string {
	t.Helper()
	es := append(sdistEntries(name, version), extra...)
	return writeFile(t, dir, fmt.Sprintf("%s-%s.tar.gz", name, version), tarGzBytes(t, es))
}
