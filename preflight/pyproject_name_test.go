package preflight_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	toml "github.com/pelletier/go-toml/v2"

	"github.com/tagship/tagship/preflight"
)

func TestPyprojectName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, src, want string
		err             error // nil = no error
	}{
		{"pep621", "[project]\nname = \"hello-release\"\nversion = \"0.11.0\"\n", "hello-release", nil},
		{"as written", "[project]\nname = \"Hello_Release\"\n", "Hello_Release", nil},
		{"poetry", "[tool.poetry]\nname = \"poetic\"\nversion = \"1.2.3\"\n", "poetic", nil},
		{"project wins over poetry", "[project]\nname = \"a\"\n[tool.poetry]\nname = \"b\"\n", "a", nil},
		{"empty project name falls back to poetry", "[project]\nname = \"\"\n[tool.poetry]\nname = \"b\"\n", "b", nil},
		{"inline table", "project = { name = \"inline\" }\n", "inline", nil},
		{"no name", "[build-system]\nrequires = [\"hatchling\"]\n", "", nil},
		{"name not a string", "[project]\nname = 3\n", "", preflight.ErrManifest},
		{"poetry name not a string", "[tool.poetry]\nname = [\"x\"]\n", "", preflight.ErrManifest},
		{"project not a table", "project = 1\n", "", preflight.ErrManifest},
		{"invalid TOML", "[project\nname = \"x\"\n", "", preflight.ErrManifest},
		{"byte order mark", "\ufeff[project]\nname = \"x\"\n", "", preflight.ErrManifest},
		// TOML keys are case-sensitive (tomllib agrees): these name nothing.
		{"table key case", "proJeCt = { name = 0 }\n", "", nil},
		{"name key case", "[project]\nName = \"x\"\n[tool.Poetry]\nname = \"y\"\n", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := writeFile(t, t.TempDir(), "pyproject.toml", tc.src)
			got, err := preflight.PyprojectName(path)
			if tc.err != nil {
				var me *preflight.ManifestError
				if !errors.Is(err, tc.err) || !errors.As(err, &me) || me.Path != path {
					t.Fatalf("PyprojectName = %q, %v; want a *ManifestError for %s matching %v", got, err, path, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("PyprojectName = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		t.Parallel()
		if _, err := preflight.PyprojectName(filepath.Join(t.TempDir(), "missing.toml")); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("err = %v, want fs.ErrNotExist", err)
		}
	})
}

// FuzzPyprojectName: whatever the document, PyprojectName either fails
// with a *ManifestError or returns the name a plain TOML decoding into
// the two name fields finds.
func FuzzPyprojectName(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "pyproject", "*.toml"))
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	f.Add([]byte("[tool.poetry]\nname = 'x'\n"))
	f.Add([]byte("project = { name = 1 }\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		path := filepath.Join(t.TempDir(), "pyproject.toml")
		if err := os.WriteFile(path, src, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := preflight.PyprojectName(path)
		if err != nil {
			var me *preflight.ManifestError
			if !errors.As(err, &me) || got != "" {
				t.Fatalf("PyprojectName(%q) = %q, %v: want a *ManifestError", src, got, err)
			}
			return
		}
		if foldedKey(src) {
			// go-toml matches struct fields case-insensitively, so the
			// plain decoding below is no oracle when a key differs from
			// project, tool, poetry or name only by case ("table key
			// case" and "name key case" above cover those documents).
			return
		}
		var doc struct {
			Project struct {
				Name string `toml:"name"`
			} `toml:"project"`
			Tool struct {
				Poetry struct {
					Name string `toml:"name"`
				} `toml:"poetry"`
			} `toml:"tool"`
		}
		if err := toml.Unmarshal(src, &doc); err != nil {
			// [tool] may be malformed when [project].name, read first,
			// names the project.
			doc.Tool.Poetry.Name = ""
			if err := toml.Unmarshal(src, &struct {
				Project *struct {
					Name string `toml:"name"`
				} `toml:"project"`
			}{Project: &doc.Project}); err != nil || doc.Project.Name == "" {
				t.Fatalf("PyprojectName(%q) = %q, but the document does not decode: %v", src, got, err)
			}
		}
		want := doc.Project.Name
		if want == "" {
			want = doc.Tool.Poetry.Name
		}
		if got != want {
			t.Fatalf("PyprojectName(%q) = %q, want %q", src, got, want)
		}
	})
}

// foldedKey reports whether src decodes to a document with a key, at any
// depth, that equals project, tool, poetry or name up to case but not
// exactly.
func foldedKey(src []byte) bool {
	var doc map[string]any
	if toml.Unmarshal(src, &doc) != nil {
		return false
	}
	var walk func(v any) bool
	walk = func(v any) bool {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				for _, w := range []string{"project", "tool", "poetry", "name"} {
					if k != w && strings.EqualFold(k, w) {
						return true
					}
				}
				if walk(e) {
					return true
				}
			}
		case []any:
			for _, e := range v {
				if walk(e) {
					return true
				}
			}
		}
		return false
	}
	return walk(doc)
}
