package statedir

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/tagship/tagship/internal/atomicfile"
)

// ErrInProgress is returned by [Open] when another run holds the state
// directory's lock (the same tag is already being released).
var ErrInProgress = errors.New("release: another run of this pipeline is in progress")

// Dir is an open state directory: its lock, and the records of a run,
// written through to disk. Its methods are safe for concurrent use.
type Dir[R any] struct {
	mu      sync.Mutex
	path    string // "" = memory only
	version int
	valid   func(key string) bool
	recs    map[string]*R
	lock    *os.File
}

// Open locks the state directory path (creating it) and reads its records
// (see [Read]); path "" keeps records in memory only. version is the
// records' format version and valid the rule for their keys. Close the
// Dir to release the lock.
func Open[R any](path string, version int, valid func(key string) bool) (*Dir[R], error) {
	d := &Dir[R]{path: path, version: version, valid: valid, recs: map[string]*R{}}
	if path == "" {
		return d, nil
	}
	if err := os.MkdirAll(path, 0o755); err != nil {
		return nil, fmt.Errorf("release: state directory: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(path, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("release: state lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w (state directory %s is locked); wait for it to finish or cancel it — two runs of one tag must never race", ErrInProgress, path)
		}
		return nil, fmt.Errorf("release: state lock: %w", err)
	}
	d.lock = f
	if d.recs, err = Read[R](path, version, valid); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// Read returns the records in the state directory path by key (an empty
// map and no error when there is none yet), refusing a corrupt record or
// one of another version than version. Only files <key>.json with
// valid(key) are records.
func Read[R any](path string, version int, valid func(key string) bool) (map[string]*R, error) {
	ents, err := os.ReadDir(path)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]*R{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("release: read state: %w", err)
	}
	out := map[string]*R{}
	for _, e := range ents {
		key, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || e.IsDir() || !valid(key) {
			continue
		}
		file := filepath.Join(path, e.Name())
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("release: read state: %w", err)
		}
		if out[key], err = decode[R](file, b, version); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// header is what every record file has besides the record.
type header struct {
	Version int `json:"version"`
}

// decode reads the record in file, whose content is b.
func decode[R any](file string, b []byte, version int) (*R, error) {
	// Raw JSON in the record is compared byte for byte (release's
	// fingerprints of outputs): keep it compact whatever wrote the file.
	var buf bytes.Buffer
	err := json.Compact(&buf, b)
	var head header
	var rec R
	if err == nil {
		err = json.Unmarshal(buf.Bytes(), &head)
	}
	if err == nil {
		err = json.Unmarshal(buf.Bytes(), &rec)
	}
	if err != nil {
		return nil, fmt.Errorf("release: state file %s is corrupt (%v): remove it to run that job again", file, err)
	}
	if head.Version != version {
		return nil, fmt.Errorf("release: state file %s has version %d, want %d: remove it to run that job again", file, head.Version, version)
	}
	return &rec, nil
}

// Get returns the record of key and whether there is one.
func (d *Dir[R]) Get(key string) (R, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	rec, ok := d.recs[key]
	if !ok {
		var zero R
		return zero, false
	}
	return *rec, true
}

// Put records rec under key and, with a directory, writes it atomically
// to <key>.json. rec must marshal to a JSON object.
func (d *Dir[R]) Put(key string, rec R) error {
	if !d.valid(key) {
		return fmt.Errorf("release: state record %q: not a valid key", key)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.recs[key] = &rec
	if d.path == "" {
		return nil
	}
	b, err := encode(rec, d.version)
	if err != nil {
		return err
	}
	file := filepath.Join(d.path, key+".json")
	if err := atomicfile.WriteFile(file, b, 0o600); err != nil {
		return fmt.Errorf("release: write %s: %w", file, err)
	}
	return nil
}

// encode is rec's file: its JSON object with the version as first member,
// indented by two spaces.
func encode[R any](rec R, version int) ([]byte, error) {
	obj, err := json.Marshal(rec)
	if err != nil {
		return nil, err
	}
	if len(obj) < 2 || obj[0] != '{' {
		return nil, fmt.Errorf("release: state record %s: want a JSON object", obj)
	}
	flat := fmt.Appendf(nil, `{"version":%d`, version)
	if string(obj) != "{}" {
		flat = append(flat, ',')
	}
	var buf bytes.Buffer
	err = json.Indent(&buf, append(flat, obj[1:]...), "", "  ")
	return buf.Bytes(), err
}

// Close releases the directory's lock. The records stay readable.
func (d *Dir[R]) Close() {
	if d.lock != nil {
		syscall.Flock(int(d.lock.Fd()), syscall.LOCK_UN)
		d.lock.Close()
		d.lock = nil
	}
}
