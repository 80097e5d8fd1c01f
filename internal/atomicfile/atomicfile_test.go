package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

// leftovers lists the entries of dir other than want.
func leftovers(t *testing.T, dir string, want ...string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		keep := false
		for _, w := range want {
			keep = keep || e.Name() == w
		}
		if !keep {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestWriteFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	for _, tc := range []struct {
		data string
		perm os.FileMode
	}{{"first", 0o644}, {"second, longer", 0o600}} {
		if err := WriteFile(path, []byte(tc.data), tc.perm); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != tc.data {
			t.Fatalf("read back %q, %v; want %q", got, err, tc.data)
		}
		if st, _ := os.Stat(path); st.Mode().Perm() != tc.perm {
			t.Fatalf("mode %v, want %v", st.Mode().Perm(), tc.perm)
		}
	}
	if l := leftovers(t, dir, "state.json"); len(l) != 0 {
		t.Fatalf("left behind: %v", l)
	}
	// A destination that cannot be replaced (a directory) fails and leaves
	// no temporary file.
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sub, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(sub, []byte("x"), 0o644); err == nil {
		t.Fatal("WriteFile over a non-empty directory succeeded")
	}
	if l := leftovers(t, dir, "state.json", "sub"); len(l) != 0 {
		t.Fatalf("left behind after a failed rename: %v", l)
	}
	if err := WriteFile(filepath.Join(dir, "missing", "f"), nil, 0o644); err == nil {
		t.Fatal("WriteFile into a missing directory succeeded")
	}
}

func TestCreateCommitAbort(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "asset.whl")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("half"); err != nil {
		t.Fatal(err)
	}
	f.Abort()
	f.Abort() // idempotent
	if got, _ := os.ReadFile(path); string(got) != "old" {
		t.Fatalf("Abort changed the destination: %q", got)
	}
	if l := leftovers(t, dir, "asset.whl"); len(l) != 0 {
		t.Fatalf("Abort left %v", l)
	}
	if err := f.Commit(); err == nil {
		t.Fatal("Commit after Abort succeeded")
	}

	f, err = Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Abort()
	if _, err := f.WriteString("new"); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "old" {
		t.Fatalf("destination changed before Commit: %q", got)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	f.Abort() // no-op after Commit
	if got, _ := os.ReadFile(path); string(got) != "new" || f.Path() != path {
		t.Fatalf("after Commit: %q", got)
	}
	if l := leftovers(t, dir, "asset.whl"); len(l) != 0 {
		t.Fatalf("Commit left %v", l)
	}
}

func TestTemp(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "pyproject.toml")
	tmp, err := Temp(path, []byte("x"), 0o640)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(tmp) != dir {
		t.Fatalf("temporary file %s not next to %s", tmp, path)
	}
	if st, err := os.Stat(tmp); err != nil || st.Mode().Perm() != 0o640 {
		t.Fatalf("temporary file: %v %v", st, err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("Temp created the destination: %v", err)
	}
}
