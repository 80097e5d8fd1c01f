package preflight_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	toml "github.com/pelletier/go-toml/v2"
	"golang.org/x/mod/semver"

	"github.com/tagship/tagship/preflight"
)

// Seeds live in testdata/fuzz/<FuzzName>/ (go test's corpus format) and in
// the f.Add calls below.

func FuzzParseTag(f *testing.F) {
	for _, s := range []string{"v0.11.0", "v0.9.0-rc1", "v1.2", "v01.2.3", "1.2.3", "v1.2.3+meta", "vv1.2.3", "v1.2.3 ", "", "v１.2.3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tag string) {
		version, err := preflight.ParseTag(tag)
		// The strict set is exactly: canonical semver without pre-release
		// or build metadata (semver.Canonical drops build metadata and
		// expands shorthands, so equality rules both out).
		strict := len(tag) <= 128 && semver.IsValid(tag) && semver.Canonical(tag) == tag && semver.Prerelease(tag) == ""
		if err != nil {
			if strict {
				t.Fatalf("ParseTag(%q) refused a canonical release version: %v", tag, err)
			}
			var te *preflight.TagError
			if !errors.Is(err, preflight.ErrInvalidTag) || !errors.As(err, &te) || te.Tag != tag || te.Reason == "" || version != "" {
				t.Fatalf("ParseTag(%q) = %q, %v (%T)", tag, version, err, err)
			}
			return
		}
		if !strict {
			t.Fatalf("ParseTag(%q) = %q, but it is not a canonical release version", tag, version)
		}
		if "v"+version != tag || strings.Count(version, ".") != 2 {
			t.Fatalf("ParseTag(%q) = %q", tag, version)
		}
		if n, err := preflight.NormalizePEP440(version); err != nil || n != version {
			t.Fatalf("tag version %q is not PEP 440 normal: %q, %v", version, n, err)
		}
	})
}

func FuzzNormalizePEP440(f *testing.F) {
	for in := range pep440Cases {
		f.Add(in)
	}
	for _, in := range pep440Invalid {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		n, err := preflight.NormalizePEP440(in)
		if err != nil {
			var ve *preflight.VersionError
			if !errors.Is(err, preflight.ErrInvalidVersion) || !errors.As(err, &ve) || ve.Version != in || n != "" {
				t.Fatalf("NormalizePEP440(%q) = %q, %v (%T)", in, n, err, err)
			}
			return
		}
		if n == "" || n != strings.ToLower(n) || strings.TrimSpace(n) != n || strings.HasPrefix(n, "v") {
			t.Fatalf("NormalizePEP440(%q) = %q: not a normal form", in, n)
		}
		p, err := preflight.ParsePEP440(n)
		if err != nil || p.String() != n {
			t.Fatalf("normal form %q does not round-trip: %q, %v", n, p.String(), err)
		}
		for _, c := range append(p.Release, p.Epoch) {
			if c == "" || (len(c) > 1 && c[0] == '0') {
				t.Fatalf("NormalizePEP440(%q) = %q: component %q not normalised", in, n, c)
			}
		}
		// Case and a leading "v" never matter.
		for _, variant := range []string{strings.ToUpper(in), "v" + n, " " + n + "\n"} {
			if m, err := preflight.NormalizePEP440(variant); err != nil || m != n {
				t.Fatalf("NormalizePEP440(%q) = %q, %v; NormalizePEP440(%q) = %q", variant, m, err, in, n)
			}
		}
	})
}

func FuzzSetPyprojectVersion(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "pyproject", "*.toml"))
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src, "1.2.3")
	}
	f.Add([]byte("[project]\nversion = '0.1.0' # c\r\n"), "0.2.0rc1")
	f.Add([]byte("project = { version = \"1\" }\n[tool.poetry]\nversion = \"1\"\n"), "2")
	f.Fuzz(func(t *testing.T, src []byte, version string) {
		out, err := preflight.SetPyprojectVersion(src, version)
		if err != nil {
			if out != nil || strings.Contains(err.Error(), "internal error") {
				t.Fatalf("SetPyprojectVersion(%q, %q) = %q, %v", src, version, out, err)
			}
			return
		}
		// PyprojectVersion reads the requested version back.
		path := filepath.Join(t.TempDir(), "pyproject.toml")
		if err := os.WriteFile(path, out, 0o644); err != nil {
			t.Fatal(err)
		}
		if got, err := preflight.PyprojectVersion(path); err != nil || got != version {
			t.Fatalf("PyprojectVersion of the output = %q, %v; want %q\nsrc: %q\nout: %q", got, err, version, src, out)
		}
		// Semantically, only the version keys changed.
		var before, after map[string]any
		if err := toml.Unmarshal(src, &before); err != nil {
			t.Fatalf("SetPyprojectVersion accepted invalid TOML %q: %v", src, err)
		}
		if err := toml.Unmarshal(out, &after); err != nil {
			t.Fatal(err)
		}
		for _, path := range [][]string{{"project", "version"}, {"tool", "poetry", "version"}} {
			old, ok := lookup(before, path)
			if !ok {
				continue
			}
			if _, isString := old.(string); !isString {
				t.Fatalf("SetPyprojectVersion accepted a non-string version %#v", old)
			}
			if v, _ := lookup(after, path); v != version {
				t.Fatalf("%v = %#v after the edit, want %q", path, v, version)
			}
			set(before, path, version)
		}
		if !reflect.DeepEqual(before, after) {
			t.Fatalf("more than the version changed:\nsrc: %q\nout: %q", src, out)
		}
		// Byte-wise, only the quoted values changed: every changed line is
		// the old line with the text between one pair of quotes replaced.
		a, b := bytes.Split(src, []byte("\n")), bytes.Split(out, []byte("\n"))
		if len(a) != len(b) {
			t.Fatalf("line count changed: %d -> %d", len(a), len(b))
		}
		changed := 0
		for i := range a {
			if bytes.Equal(a[i], b[i]) {
				continue
			}
			changed++
			if !onlyValueChanged(a[i], b[i], version) {
				t.Fatalf("line %d changed beyond its value:\n%q\n%q", i+1, a[i], b[i])
			}
		}
		if changed > 2 {
			t.Fatalf("%d lines changed", changed)
		}
	})
}

// onlyValueChanged reports whether newLine is oldLine with one quoted
// string replaced by the same kind of quote around version.
func onlyValueChanged(oldLine, newLine []byte, version string) bool {
	for _, q := range []string{`"`, `'`} {
		val := []byte(q + version + q)
		for i := 0; ; {
			j := bytes.Index(newLine[i:], val)
			if j < 0 {
				break
			}
			j += i
			pre, suf := newLine[:j], newLine[j+len(val):]
			if bytes.HasPrefix(oldLine, append(pre, q[0])) && bytes.HasSuffix(oldLine, append([]byte(q), suf...)) &&
				len(oldLine) >= len(pre)+len(suf)+2 {
				return true
			}
			i = j + 1
		}
	}
	return false
}

func lookup(m map[string]any, path []string) (any, bool) {
	var cur any = m
	for _, k := range path {
		t, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = t[k]; !ok {
			return nil, false
		}
	}
	return cur, true
}

func set(m map[string]any, path []string, v any) {
	for _, k := range path[:len(path)-1] {
		m = m[k].(map[string]any)
	}
	m[path[len(path)-1]] = v
}

func FuzzSetVersionFile(f *testing.F) {
	f.Add([]byte("1.2.3\n"), "1.2.4")
	f.Add([]byte("\ufeff 1.2.3 \r\n"), "2.0.0")
	f.Add([]byte(""), "1.0.0")
	f.Add([]byte("1\n2\n"), "1.0.0")
	f.Fuzz(func(t *testing.T, src []byte, version string) {
		out, err := preflight.SetVersionFile(src, version)
		if err != nil {
			return
		}
		path := filepath.Join(t.TempDir(), "VERSION")
		if err := os.WriteFile(path, out, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := preflight.VersionFile(path).Version(context.Background())
		if err != nil || got != version {
			t.Fatalf("read back %q, %v; want %q (src %q, out %q)", got, err, version, src, out)
		}
		// Only the version changed: what surrounds it is kept.
		old, err := preflight.SetVersionFile(out, "0")
		if err != nil {
			t.Fatal(err)
		}
		again, _ := preflight.SetVersionFile(src, "0")
		if !bytes.Equal(old, again) {
			t.Fatalf("surroundings changed: %q -> %q", src, out)
		}
	})
}
