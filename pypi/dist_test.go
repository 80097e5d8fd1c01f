package pypi_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"

	"golang.org/x/crypto/blake2b"

	"github.com/tagship/tagship/pypi"
)

func TestOpenDistributionValid(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name, path, filetype, pyversion, wantName, wantVersion string
	}{
		{"wheel", makeWheel(t, dir, "demo_pkg", "1.2.3"), "bdist_wheel", "py3", "demo_pkg", "1.2.3"},
		{"sdist", makeSdist(t, dir, "demo_pkg", "1.2.3"), "sdist", "source", "demo_pkg", "1.2.3"},
		{"wheel build tag", writeFile(t, dir, "demo-2.0-1build-cp312-cp312-manylinux_2_17_x86_64.whl", zipBytes(t, wheelEntries("demo", "2.0"))), "bdist_wheel", "cp312", "demo", "2.0"},
		{"sdist prerelease", makeSdist(t, dir, "demo", "1.0.0rc1"), "sdist", "source", "demo", "1.0.0rc1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, err := pypi.OpenDistribution(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			if d.Filetype != tt.filetype || d.PyVersion != tt.pyversion || d.Name != tt.wantName || d.Version != tt.wantVersion {
				t.Errorf("got %s %s %s %s", d.Filetype, d.PyVersion, d.Name, d.Version)
			}
			data, _ := os.ReadFile(tt.path)
			s := sha256.Sum256(data)
			b := blake2b.Sum256(data)
			m := md5.Sum(data)
			if d.SHA256 != hex.EncodeToString(s[:]) || d.BLAKE2b256 != hex.EncodeToString(b[:]) || d.MD5 != hex.EncodeToString(m[:]) || d.Size != int64(len(data)) {
				t.Errorf("hashes/size wrong: %+v", d)
			}
			md := d.Metadata
			if md.Summary != "A tiny test package" || len(md.Classifiers) != 2 || len(md.RequiresDist) != 2 ||
				md.RequiresDist[1] != `rich; extra == "cli"` || md.ProjectURLs[0] != "Source, https://example.com/src" ||
				md.RequiresPython != ">=3.8" || !strings.HasPrefix(md.Description, "# "+tt.wantName+"\n\nA description body.") {
				t.Errorf("metadata: %+v", md)
			}
		})
	}
}

func TestOpenDistributionHostile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := wheelEntries("demo", "1.0")
	big := bytes.Repeat([]byte("A"), pypi.MaxMetadataSize+10)
	with := func(es []entry, extra ...entry) []entry { return append(append([]entry{}, es...), extra...) }
	replaceMeta := func(body []byte) []entry {
		es := append([]entry{}, good...)
		es[1] = entry{Name: es[1].Name, Body: body}
		return es
	}
	// METADATA of 2 MiB: its (true) declared size is over the limit.
	oversize := zipBytes(t, replaceMeta(append([]byte(metadataText("demo", "1.0")), bytes.Repeat([]byte("x"), 2<<20)...)))
	sgood := sdistEntries("demo", "1.0")
	tests := []struct {
		name, file string
		data       []byte
		want       string
	}{
		{"not a zip", "demo-1.0-py3-none-any.whl", []byte("hello"), "not a valid zip"},
		{"truncated zip", "demo-1.0-py3-none-any.whl", zipBytes(t, good)[:100], "not a valid zip"},
		{"bad wheel name", "demo-1.0.whl", zipBytes(t, good), "dash-separated parts"},
		{"bad build tag", "demo-1.0-x1-py3-none-any.whl", zipBytes(t, good), "build tag"},
		{"no dist-info", "demo-1.0-py3-none-any.whl", zipBytes(t, good[:1]), "no .dist-info"},
		{"two dist-info", "demo-1.0-py3-none-any.whl", zipBytes(t, with(good, entry{Name: "other-1.0.dist-info/METADATA", Body: []byte("x")})), "2 .dist-info"},
		{"dist-info mismatch", "demo-1.0-py3-none-any.whl", zipBytes(t, wheelEntries("demo", "2.0")), "does not match the file name"},
		{"missing WHEEL", "demo-1.0-py3-none-any.whl", zipBytes(t, []entry{good[0], good[1]}), "missing demo-1.0.dist-info/WHEEL"},
		{"missing METADATA", "demo-1.0-py3-none-any.whl", zipBytes(t, []entry{good[0], good[2]}), "missing demo-1.0.dist-info/METADATA"},
		{"absolute path", "demo-1.0-py3-none-any.whl", zipBytes(t, with(good, entry{Name: "/etc/passwd"})), "absolute path"},
		{"dotdot", "demo-1.0-py3-none-any.whl", zipBytes(t, with(good, entry{Name: "demo/../../x"})), "'..'"},
		{"backslash", "demo-1.0-py3-none-any.whl", zipBytes(t, with(good, entry{Name: `demo\x.py`})), "backslash"},
		{"NUL", "demo-1.0-py3-none-any.whl", zipBytes(t, with(good, entry{Name: "demo/x\x00.py"})), "NUL"},
		{"duplicate member", "demo-1.0-py3-none-any.whl", zipBytes(t, with(good, good[1])), "appears twice"},
		{"huge metadata", "demo-1.0-py3-none-any.whl", zipBytes(t, replaceMeta(big)), "metadata limit"},
		{"metadata bomb", "demo-1.0-py3-none-any.whl", zipBytes(t, replaceMeta(make([]byte, 64<<20))), "metadata limit"},
		{"oversize declared", "demo-1.0-py3-none-any.whl", oversize, "metadata limit"},
		{"name mismatch", "demo-1.0-py3-none-any.whl", zipBytes(t, replaceMeta([]byte(metadataText("other", "1.0")))), "does not match the file name"},
		{"version mismatch", "demo-1.0-py3-none-any.whl", zipBytes(t, replaceMeta([]byte(metadataText("demo", "1.1")))), "Version \"1.1\" does not match"},
		{"bad metadata", "demo-1.0-py3-none-any.whl", zipBytes(t, replaceMeta([]byte("garbage"))), "expected a \"Name: value\" header"},
		{"metadata 3.0", "demo-1.0-py3-none-any.whl", zipBytes(t, replaceMeta([]byte("Metadata-Version: 3.0\nName: demo\nVersion: 1.0\n"))), "unsupported Metadata-Version"},
		{"sdist not gzip", "demo-1.0.tar.gz", []byte("plain text, not gzip"), "not gzip"},
		{"sdist truncated", "demo-1.0.tar.gz", tarGzBytes(t, sgood)[:60], "truncated"},
		{"sdist name not normalised", "Demo-1.0.tar.gz", tarGzBytes(t, sgood), "not normalised"},
		{"sdist zip", "demo-1.0.zip", []byte("PK"), "legacy distribution format"},
		{"sdist no PKG-INFO", "demo-1.0.tar.gz", tarGzBytes(t, sgood[2:3]), "missing demo-1.0/PKG-INFO"},
		{"sdist outside top dir", "demo-1.0.tar.gz", tarGzBytes(t, append(append([]entry{}, sgood...), entry{Name: "evil.txt"})), "outside the top-level"},
		{"sdist dotdot", "demo-1.0.tar.gz", tarGzBytes(t, append(append([]entry{}, sgood...), entry{Name: "demo-1.0/../../evil"})), "'..'"},
		{"sdist escaping link", "demo-1.0.tar.gz", tarGzBytes(t, append(append([]entry{}, sgood...), entry{Name: "demo-1.0/l", Typeflag: tar.TypeSymlink, Link: "../../etc/passwd"})), "points outside"},
		{"sdist PKG-INFO symlink", "demo-1.0.tar.gz", tarGzBytes(t, []entry{{Name: "demo-1.0/PKG-INFO", Typeflag: tar.TypeSymlink, Link: "x"}}), "not a regular file"},
		{"sdist duplicate PKG-INFO", "demo-1.0.tar.gz", tarGzBytes(t, append(append([]entry{}, sgood...), sgood[1])), "appears twice"},
		{"sdist huge PKG-INFO", "demo-1.0.tar.gz", tarGzBytes(t, []entry{{Name: "demo-1.0/PKG-INFO", Body: big}}), "the limit is"},
		{"sdist bomb", "demo-1.0.tar.gz", gzipBomb(t, 300<<20), "decompression bomb"},
		{"unknown extension", "demo-1.0.rpm", []byte("x"), "unknown distribution type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sub := t.TempDir()
			p := writeFile(t, sub, tt.file, tt.data)
			_, err := pypi.OpenDistribution(p)
			if err == nil {
				t.Fatal("expected an error")
			}
			if !errors.Is(err, pypi.ErrInvalidDistribution) {
				t.Errorf("error %v does not match ErrInvalidDistribution", err)
			}
			var de *pypi.DistributionError
			if !errors.As(err, &de) || de.Path != p {
				t.Errorf("error %v is not a *DistributionError for %s", err, p)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
	_ = dir
}

// gzipBomb is a tar.gz whose first member is n zero bytes: tiny on disk.
func gzipBomb(t testing.TB, n int64) []byte {
	var buf bytes.Buffer
	gz, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	tw := tar.NewWriter(gz)
	tw.WriteHeader(&tar.Header{Name: "demo-1.0/zeros", Mode: 0o644, Size: n, Typeflag: tar.TypeReg})
	zero := make([]byte, 1<<20)
	for w := int64(0); w < n; w += int64(len(zero)) {
		tw.Write(zero[:min(int64(len(zero)), n-w)])
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

func TestCheckVersion(t *testing.T) {
	t.Parallel()
	d, err := pypi.OpenDistribution(makeWheel(t, t.TempDir(), "demo", "1.0.0rc1"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		tag string
		ok  bool
	}{
		{"v1.0.0rc1", true}, {"1.0.0-rc1", true}, {"1.0.0.RC1", true}, {"v1.0.0", false}, {"v1.0.0rc2", false}, {"not-a-version", false},
	}
	for _, tt := range tests {
		err := d.CheckVersion(tt.tag)
		if (err == nil) != tt.ok {
			t.Errorf("CheckVersion(%q) = %v", tt.tag, err)
		}
		if err != nil && tt.tag != "not-a-version" && !errors.Is(err, pypi.ErrVersionMismatch) {
			t.Errorf("CheckVersion(%q) error %v is not ErrVersionMismatch", tt.tag, err)
		}
	}
}

func TestNormalizeVersion(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"1.0", "1.0"}, {"v1.0", "1.0"}, {"01.002.0", "1.2.0"}, {"1.0-RC1", "1.0rc1"}, {"1.0alpha2", "1.0a2"},
		{"1.0.beta", "1.0b0"}, {"1.0c3", "1.0rc3"}, {"1.0-1", "1.0.post1"}, {"1.0.post", "1.0.post0"}, {"1.0-rev2", "1.0.post2"},
		{"1.0.DEV3", "1.0.dev3"}, {"1!2.0", "1!2.0"}, {"0!2.0", "2.0"}, {"1.0+Ubuntu-1.x", "1.0+ubuntu.1.x"},
		{"1.0a1.post2.dev3", "1.0a1.post2.dev3"}, {" 1.0 ", "1.0"},
	}
	for _, tt := range tests {
		got, err := pypi.NormalizeVersion(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("NormalizeVersion(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "1.0-foo", "abc", "1..0", "1.0+", "1.0+a..b", strings.Repeat("1.", 200) + "0"} {
		if _, err := pypi.NormalizeVersion(bad); !errors.Is(err, pypi.ErrInvalidVersion) {
			t.Errorf("NormalizeVersion(%q) = %v, want ErrInvalidVersion", bad, err)
		}
	}
}

func TestNormalizeName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"Foo.Bar_baz": "foo-bar-baz", "a--b": "a-b", "A": "a", "x_._y": "x-y"} {
		if got := pypi.NormalizeName(in); got != want {
			t.Errorf("NormalizeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseMetadata(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		check    func(*pypi.Metadata) bool
		wantErr  string
	}{
		{"1.0 description header with continuation", "Metadata-Version: 1.0\nName: old\nVersion: 0.1\nDescription: line one\n        line two\n       |  indented\nPlatform: UNKNOWN\n",
			func(m *pypi.Metadata) bool {
				return m.Description == "line one\nline two\n  indented" && m.Platforms[0] == "UNKNOWN"
			}, ""},
		{"folded header", "Metadata-Version: 2.1\nName: x\nVersion: 1\nSummary: a\n  b\n", func(m *pypi.Metadata) bool { return m.Summary == "a b" }, ""},
		{"crlf and dynamic", "Metadata-Version: 2.2\r\nName: x\r\nVersion: 1\r\nDynamic: Requires-Dist\r\nDynamic: Summary\r\n\r\nbody\r\n",
			func(m *pypi.Metadata) bool {
				return len(m.Dynamic) == 2 && m.Description == "body\n"
			}, ""},
		{"2.4 license", "Metadata-Version: 2.4\nName: x\nVersion: 1\nLicense-Expression: MIT OR Apache-2.0\nLicense-File: LICENSE\nLicense-File: NOTICE\n",
			func(m *pypi.Metadata) bool {
				return m.LicenseExpression == "MIT OR Apache-2.0" && len(m.LicenseFiles) == 2 && len(m.Fields) == 6
			}, ""},
		{"case-insensitive names", "metadata-version: 2.1\nNAME: x\nversion: 1\n", func(m *pypi.Metadata) bool { return m.Name == "x" }, ""},
		{"missing name", "Metadata-Version: 2.1\nVersion: 1\n", nil, "missing Name"},
		{"missing version", "Metadata-Version: 2.1\nName: x\n", nil, "missing Version"},
		{"missing metadata version", "Name: x\nVersion: 1\n", nil, "missing Metadata-Version"},
		{"bad version", "Metadata-Version: 2.1\nName: x\nVersion: one\n", nil, "not a PEP 440 version"},
		{"bad name", "Metadata-Version: 2.1\nName: -x-\nVersion: 1\n", nil, "not a valid project name"},
		{"leading continuation", " x\nName: y\n", nil, "continuation line"},
		{"invalid utf8", "Metadata-Version: 2.1\nName: \xff\nVersion: 1\n", nil, "UTF-8"},
		{"nul", "Metadata-Version: 2.1\nName: x\x00\nVersion: 1\n", nil, "NUL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := pypi.ParseMetadata([]byte(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, pypi.ErrInvalidMetadata) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(m) {
				t.Errorf("unexpected metadata %+v", m)
			}
		})
	}
}

// TestZipMemberDeclaredSmallReadLarge checks that the metadata limit holds
// even when the central directory claims a small size.
func TestZipMemberDeclaredSmallReadLarge(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range wheelEntries("demo", "1.0") {
		if strings.HasSuffix(e.Name, "METADATA") {
			// CreateRaw lets the header lie: claims 10 bytes, holds 4 MiB deflated.
			data := append([]byte(metadataText("demo", "1.0")), make([]byte, 4<<20)...)
			raw := deflate(t, data)
			w, err := zw.CreateRaw(&zip.FileHeader{Name: e.Name, Method: zip.Deflate, CompressedSize64: uint64(len(raw)), UncompressedSize64: 10, CRC32: 0})
			if err != nil {
				t.Fatal(err)
			}
			w.Write(raw)
			continue
		}
		w, _ := zw.Create(e.Name)
		w.Write(e.Body)
	}
	zw.Close()
	p := writeFile(t, t.TempDir(), "demo-1.0-py3-none-any.whl", buf.Bytes())
	_, err := pypi.OpenDistribution(p)
	if err == nil || !errors.Is(err, pypi.ErrInvalidDistribution) {
		t.Fatalf("err = %v", err)
	}
}

func deflate(t testing.TB, data []byte) []byte {
	var buf bytes.Buffer
	fw, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	fw.Close()
	return buf.Bytes()
}
