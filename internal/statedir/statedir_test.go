package statedir

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// record has the shape of release's JobState: plain fields and raw JSON.
type record struct {
	Status string          `json:"status"`
	Output json.RawMessage `json:"output,omitempty"`
}

// validKey accepts what release accepts as a job name, roughly.
func validKey(s string) bool {
	return s != "" && !strings.ContainsAny(s, "./ \\") && s[0] != '-'
}

func open(t *testing.T, dir string) *Dir[record] {
	t.Helper()
	d, err := Open[record](dir, 1, validKey)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d
}

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLockRefusesASecondRun(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "state")
	first := open(t, dir)
	_, err := Open[record](dir, 1, validKey)
	if !errors.Is(err, ErrInProgress) {
		t.Fatalf("second Open: %v, want ErrInProgress", err)
	}
	for _, want := range []string{dir, "is locked", "wait for it to finish or cancel it"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	first.Close()
	first.Close() // a second Close does nothing
	open(t, dir)
}

func TestPutWritesThroughAndReadsBack(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	d := open(t, dir)
	rec := record{Status: "succeeded", Output: json.RawMessage(`{"sha256":"ab"}`)}
	if err := d.Put("build", rec); err != nil {
		t.Fatal(err)
	}
	if got, ok := d.Get("build"); !ok || !reflect.DeepEqual(got, rec) {
		t.Fatalf("Get = %+v, %v", got, ok)
	}
	if _, ok := d.Get("publish"); ok {
		t.Fatal("Get of a key never put")
	}
	b, err := os.ReadFile(filepath.Join(dir, "build.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"version\": 1,\n  \"status\": \"succeeded\",\n  \"output\": {\n    \"sha256\": \"ab\"\n  }\n}"
	if string(b) != want {
		t.Fatalf("file:\n%s\nwant:\n%s", b, want)
	}
	d.Close()
	recs, err := Read[record](dir, 1, validKey)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || !reflect.DeepEqual(*recs["build"], rec) {
		t.Fatalf("Read = %v", recs)
	}
	// An empty record is a version alone.
	if b, err := encode(struct{}{}, 3); err != nil || string(b) != "{\n  \"version\": 3\n}" {
		t.Fatalf("encode(struct{}{}) = %q, %v", b, err)
	}
}

func TestPutRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		key  string
		put  func(key string) error
	}{
		{"key outside the rule", "../escape", func(k string) error { return open(t, t.TempDir()).Put(k, record{}) }},
		{"record not an object", "ok", func(k string) error {
			d, err := Open[string](t.TempDir(), 1, validKey)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			return d.Put(k, "text")
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if err := tc.put(tc.key); err == nil {
				t.Fatal("Put accepted it")
			}
		})
	}
}

func TestMemoryOnly(t *testing.T) {
	t.Parallel()
	d := open(t, "")
	if err := d.Put("a", record{Status: "running"}); err != nil {
		t.Fatal(err)
	}
	if got, ok := d.Get("a"); !ok || got.Status != "running" {
		t.Fatalf("Get = %+v, %v", got, ok)
	}
}

func TestReadRefusesCorruptFiles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, content string
		want          []string
	}{
		{"not JSON", `{"version":1,`, []string{"is corrupt", "unexpected end of JSON input"}},
		{"not an object", `[]`, []string{"is corrupt"}},
		{"wrong shape", `{"version":1,"status":5}`, []string{"is corrupt", "status"}},
		{"version as text", `{"version":"1"}`, []string{"is corrupt"}},
		{"other version", `{"version":2,"status":"succeeded"}`, []string{"has version 2, want 1"}},
		{"no version", `{"status":"succeeded"}`, []string{"has version 0, want 1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := write(t, dir, "build.json", tc.content)
			_, err := Read[record](dir, 1, validKey)
			if err == nil {
				t.Fatal("Read accepted it")
			}
			for _, want := range append(tc.want, path, "remove it to run that job again") {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			if _, err := Open[record](dir, 1, validKey); err == nil || errors.Is(err, ErrInProgress) {
				t.Errorf("Open: %v, want the same refusal", err)
			}
			// The refusal released the lock: without the file, Open works.
			os.Remove(path)
			open(t, dir)
		})
	}
}

func TestReadOnlyRecordFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, "a.json", `{"version":1,"status":"succeeded"}`)
	write(t, dir, "bad key.json", `corrupt, but not a record`)
	write(t, dir, ".a.json.tmp-123", `half`)
	write(t, dir, "notes.txt", `x`)
	if err := os.Mkdir(filepath.Join(dir, "d.json"), 0o755); err != nil {
		t.Fatal(err)
	}
	recs, err := Read[record](dir, 1, validKey)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs["a"].Status != "succeeded" {
		t.Fatalf("Read = %v, want only a", recs)
	}
	if recs, err := Read[record](filepath.Join(dir, "missing"), 1, validKey); err != nil || len(recs) != 0 {
		t.Fatalf("missing directory: %v, %v", recs, err)
	}
}

func TestReadCompactsRawJSON(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, "a.json", "{\n \"version\": 1,\n \"output\": {\n   \"files\": [ \"x y\", 1 ]\n }\n}\n")
	recs, err := Read[record](dir, 1, validKey)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(recs["a"].Output), `{"files":["x y",1]}`; got != want {
		t.Fatalf("output %s, want %s", got, want)
	}
}

// FuzzRead reads arbitrary bytes as a record: no panic, and a record
// that reads writes back to one that reads the same.
func FuzzRead(f *testing.F) {
	f.Add([]byte(`{"version":1,"status":"succeeded","output":{"a": [1, 2]}}`))
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`{"version":2}`))
	f.Add([]byte(`{"version":1,"output":"<&>"}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		write(t, dir, "job.json", string(data))
		recs, err := Read[record](dir, 1, validKey)
		if err != nil {
			return
		}
		d, err := Open[record](t.TempDir(), 1, validKey)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		var again record
		for range 2 {
			if err := d.Put("job", *recs["job"]); err != nil {
				t.Fatalf("Put of what Read returned: %v", err)
			}
			back, err := Read[record](d.path, 1, validKey)
			if err != nil {
				t.Fatalf("Read of what Put wrote: %v", err)
			}
			again, recs = *recs["job"], back
		}
		if !reflect.DeepEqual(again, *recs["job"]) {
			t.Fatalf("round trip changed the record: %+v, then %+v", again, *recs["job"])
		}
	})
}
