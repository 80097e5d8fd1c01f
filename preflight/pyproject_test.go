package preflight_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tagship/tagship/preflight"
)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPyprojectVersion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, src, want string
	}{
		{"pep621", "[project]\nname = \"x\"\nversion = \"0.11.0\"\n", "0.11.0"},
		{"literal string", "[project]\nversion = '0.11.0'\n", "0.11.0"},
		{"as written", "[project]\nversion = \"v01.2.3\"\n", "v01.2.3"},
		{"poetry", "[tool.poetry]\nname = \"x\"\nversion = \"1.2.3\"\n", "1.2.3"},
		{"project wins over poetry", "[project]\nversion = \"2.0.0\"\n[tool.poetry]\nversion = \"1.0.0\"\n", "2.0.0"},
		{"poetry 2 dynamic", "[project]\nname = \"x\"\ndynamic = [\"version\"]\n[tool.poetry]\nversion = \"1.2.3\"\n", "1.2.3"},
		{"dotted key", "project.name = \"x\"\nproject.version = \"3.0.0\"\n", "3.0.0"},
		{"inline table", "project = { name = \"x\", version = \"4.0.0\" }\n", "4.0.0"},
		{"crlf bom-free", "[project]\r\nversion = \"5.0.0\"\r\n", "5.0.0"},
		{"other dynamic fields", "[project]\nversion = \"1.0.0\"\ndynamic = [\"readme\"]\n", "1.0.0"},
		{"testdata securescan", "", "0.11.0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join("testdata", "pyproject", "securescan.toml")
			if tc.src != "" {
				path = writeFile(t, t.TempDir(), "pyproject.toml", tc.src)
			}
			got, err := preflight.PyprojectVersion(path)
			if err != nil {
				t.Fatalf("PyprojectVersion: %v", err)
			}
			if got != tc.want {
				t.Fatalf("PyprojectVersion = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPyprojectVersionErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, src string
		is        error
		msg       []string
	}{
		{"dynamic", "[project]\nname = \"x\"\ndynamic = [\"version\"]\n[tool.setuptools_scm]\n", preflight.ErrDynamicVersion,
			[]string{"computed at build time", "setuptools-scm", "version = \\\"X.Y.Z\\\"", "remove \\\"version\\\" from dynamic"}},
		{"poetry plugin", "[tool.poetry]\nversion = \"0.0.0\"\n[tool.poetry-dynamic-versioning]\nenable = true\n", preflight.ErrDynamicVersion,
			[]string{"poetry-dynamic-versioning"}},
		{"no version", "[project]\nname = \"x\"\n", preflight.ErrNoVersion, []string{"add version"}},
		{"empty file", "", preflight.ErrNoVersion, nil},
		{"number", "[project]\nversion = 1.0\n", preflight.ErrManifest, []string{"TOML float, not a string"}},
		{"both static and dynamic", "[project]\nversion = \"1.0.0\"\ndynamic = [\"version\"]\n", preflight.ErrManifest, []string{"PEP 621 forbids both"}},
		{"project not a table", "project = \"x\"\n", preflight.ErrManifest, []string{"[project] is a TOML string, not a table"}},
		{"poetry not a table", "tool.poetry = 1\n", preflight.ErrManifest, []string{"[tool.poetry] is a TOML integer"}},
		{"dynamic not an array", "[project]\ndynamic = \"version\"\n", preflight.ErrManifest, []string{"[project].dynamic"}},
		{"invalid toml", "[project]\nversion = \"1.0.0\n", preflight.ErrManifest, []string{"invalid TOML at line 2"}},
		{"bom", "\ufeff[project]\nversion = \"1.0.0\"\n", preflight.ErrManifest, []string{"byte order mark"}},
		{"duplicate key", "[project]\nversion = \"1.0.0\"\nversion = \"2.0.0\"\n", preflight.ErrManifest, []string{"invalid TOML"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := writeFile(t, t.TempDir(), "pyproject.toml", tc.src)
			v, err := preflight.PyprojectVersion(path)
			if err == nil {
				t.Fatalf("PyprojectVersion = %q, want an error", v)
			}
			if !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
			var me *preflight.ManifestError
			if !errors.As(err, &me) || me.Path != path {
				t.Errorf("error %T %v is not a *ManifestError for %s", err, err, path)
			}
			for _, m := range tc.msg {
				if !strings.Contains(strings.ReplaceAll(err.Error(), `"`, `\"`), m) {
					t.Errorf("error %q does not mention %q", err, m)
				}
			}
		})
	}
	_, err := preflight.PyprojectVersion(filepath.Join(t.TempDir(), "missing.toml"))
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "missing.toml") {
		t.Errorf("missing file: %v", err)
	}
}

func TestSetPyprojectVersion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, src, version, want string
	}{
		{"double quotes", "[project]\nname = \"x\"\nversion = \"0.10.2\"\n", "0.11.0",
			"[project]\nname = \"x\"\nversion = \"0.11.0\"\n"},
		{"single quotes kept", "[project]\nversion = '0.10.2'\n", "0.11.0",
			"[project]\nversion = '0.11.0'\n"},
		{"trailing comment and spacing kept", "[project]\nversion   =    \"0.10.2\"   # bumped by tagship\n", "1.0.0",
			"[project]\nversion   =    \"1.0.0\"   # bumped by tagship\n"},
		{"crlf kept", "# c\r\n[project]\r\nversion = \"1\"\r\nname = \"x\"\r\n", "2.0.0",
			"# c\r\n[project]\r\nversion = \"2.0.0\"\r\nname = \"x\"\r\n"},
		{"no trailing newline", "[project]\nversion=\"1.0.0\"", "1.0.1",
			"[project]\nversion=\"1.0.1\""},
		{"header in multi-line string is not a table",
			"[tool.other]\ntext = \"\"\"\n[project]\nversion = \"9.9.9\"\n\"\"\"\n[project]\nversion = \"1.0.0\"\n", "1.1.0",
			"[tool.other]\ntext = \"\"\"\n[project]\nversion = \"9.9.9\"\n\"\"\"\n[project]\nversion = \"1.1.0\"\n"},
		{"header in multi-line literal and array",
			"a = '''\n[project]\nversion = '0'\n'''\nb = [\n  \"[project]\",\n  \"version = 1\",\n]\n[project]\nversion = \"1.0.0\"\n", "1.1.0",
			"a = '''\n[project]\nversion = '0'\n'''\nb = [\n  \"[project]\",\n  \"version = 1\",\n]\n[project]\nversion = \"1.1.0\"\n"},
		{"version key in another table untouched",
			"[tool.bumpversion]\nversion = \"1.0.0\"\n[project]\nversion = \"1.0.0\"\n[[tool.x]]\nversion = \"1.0.0\"\n", "1.0.1",
			"[tool.bumpversion]\nversion = \"1.0.0\"\n[project]\nversion = \"1.0.1\"\n[[tool.x]]\nversion = \"1.0.0\"\n"},
		{"dotted key", "project.name = \"x\"\nproject.version = \"1.0.0\" # here\n", "2.0.0",
			"project.name = \"x\"\nproject.version = \"2.0.0\" # here\n"},
		{"quoted keys", "[\"project\"]\n\"version\" = \"1.0.0\"\n", "2.0.0",
			"[\"project\"]\n\"version\" = \"2.0.0\"\n"},
		{"inline table", "project = { name = \"x\", version = '1.0.0' }\n", "2.0.0",
			"project = { name = \"x\", version = '2.0.0' }\n"},
		{"poetry", "[tool.poetry]\nname = \"x\"\nversion = \"1.0.0\"\n", "1.0.1",
			"[tool.poetry]\nname = \"x\"\nversion = \"1.0.1\"\n"},
		{"poetry 2 dynamic", "[project]\ndynamic = [\"version\"]\n\n[tool.poetry]\nversion = \"1.0.0\"\n", "1.0.1",
			"[project]\ndynamic = [\"version\"]\n\n[tool.poetry]\nversion = \"1.0.1\"\n"},
		{"both project and poetry kept in sync",
			"[tool.poetry]\nversion = '1.0.0'\n[project]\nversion = \"1.0.0\"\n", "1.1.0",
			"[tool.poetry]\nversion = '1.1.0'\n[project]\nversion = \"1.1.0\"\n"},
		{"escaped old value", "[project]\nversion = \"1.0\\u002E0\"\n", "1.0.1",
			"[project]\nversion = \"1.0.1\"\n"},
		{"unicode around", "# ünïcödé ✓\n[project]\ndescription = \"日本語\"\nversion = \"1.0.0\"\n", "1.0.1",
			"# ünïcödé ✓\n[project]\ndescription = \"日本語\"\nversion = \"1.0.1\"\n"},
		{"pep440 version written as given", "[project]\nversion = \"1.0.0\"\n", "2.0.0rc1",
			"[project]\nversion = \"2.0.0rc1\"\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := preflight.SetPyprojectVersion([]byte(tc.src), tc.version)
			if err != nil {
				t.Fatalf("SetPyprojectVersion: %v", err)
			}
			if string(got) != tc.want {
				t.Fatalf("SetPyprojectVersion =\n%q\nwant\n%q", got, tc.want)
			}
			path := writeFile(t, t.TempDir(), "pyproject.toml", string(got))
			if v, err := preflight.PyprojectVersion(path); err != nil || v != tc.version {
				t.Fatalf("read back %q, %v; want %q", v, err, tc.version)
			}
		})
	}
}

func TestSetPyprojectVersionTestdata(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile(filepath.Join("testdata", "pyproject", "securescan.toml"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := preflight.SetPyprojectVersion(src, "0.12.0")
	if err != nil {
		t.Fatal(err)
	}
	want := bytes.Replace(src, []byte(`version = "0.11.0"`), []byte(`version = "0.12.0"`), 1)
	if !bytes.Equal(got, want) {
		t.Fatalf("more than the version changed:\n%s", got)
	}
}

func TestSetPyprojectVersionRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, src, version string
		is                 error
		msg                string
	}{
		{"dynamic", "[project]\ndynamic = [\"version\"]\n", "1.0.0", preflight.ErrDynamicVersion, "computed at build time"},
		{"missing", "[project]\nname = \"x\"\n", "1.0.0", preflight.ErrNoVersion, "no version"},
		{"number", "[project]\nversion = 1\n", "1.0.0", preflight.ErrManifest, "not a string"},
		{"multi-line basic", "[project]\nversion = \"\"\"1.0.0\"\"\"\n", "1.0.1", preflight.ErrManifest, "multi-line string"},
		{"multi-line literal", "[project]\nversion = '''\n1.0.0'''\n", "1.0.1", preflight.ErrManifest, "multi-line string"},
		{"invalid toml", "[project\nversion = \"1\"\n", "1.0.1", preflight.ErrManifest, "invalid TOML"},
		{"bad version", "[project]\nversion = \"1.0.0\"\n", "1.0.0\" # injected", preflight.ErrInvalidVersion, "PEP 440"},
		{"quote in version", "[project]\nversion = \"1.0.0\"\n", "1.0'0", preflight.ErrInvalidVersion, "PEP 440"},
		{"newline in version", "[project]\nversion = \"1.0.0\"\n", "1.0.0\n[x]", preflight.ErrInvalidVersion, "PEP 440"},
		{"whitespace around version", "[project]\nversion = \"1.0.0\"\n", " 1.0.1", preflight.ErrInvalidVersion, "whitespace"},
		{"empty version", "[project]\nversion = \"1.0.0\"\n", "", preflight.ErrInvalidVersion, "empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := preflight.SetPyprojectVersion([]byte(tc.src), tc.version)
			if err == nil {
				t.Fatalf("SetPyprojectVersion = %q, want an error", got)
			}
			if !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not mention %q", err, tc.msg)
			}
		})
	}
}

// TestSetPyprojectVersionTomllib reads the edited documents with Python's
// tomllib, the parser pip and build use.
func TestSetPyprojectVersionTomllib(t *testing.T) {
	t.Parallel()
	py := pythonWithPackaging(t, "tomllib")
	src, err := os.ReadFile(filepath.Join("testdata", "pyproject", "securescan.toml"))
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]string{
		"securescan":  string(src),
		"crlf-poetry": "[tool.poetry]\r\nname = 'x' # n\r\nversion = '0.1.0' # v\r\n",
		"inline":      "project = { name = \"x\", version = \"0.1.0\" }\n",
	}
	for name, doc := range docs {
		out, err := preflight.SetPyprojectVersion([]byte(doc), "7.8.9")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		const script = `
import sys, tomllib, json
d = tomllib.loads(sys.stdin.read())
p = d.get("project", {})
print(json.dumps(p.get("version") or d["tool"]["poetry"]["version"]))
`
		cmd := exec.Command(py, "-c", script)
		cmd.Stdin = bytes.NewReader(out)
		raw, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: tomllib: %v\n%s", name, err, raw)
		}
		var v string
		if err := json.Unmarshal(raw, &v); err != nil || v != "7.8.9" {
			t.Fatalf("%s: tomllib reads %q (%v)", name, raw, err)
		}
	}
}
