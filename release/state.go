package release

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
	"time"

	"github.com/tagship/tagship/internal/atomicfile"
)

// ErrRunInProgress is returned by [Pipeline.Run] when another run holds the
// state directory's lock (the same tag is already being released).
var ErrRunInProgress = errors.New("release: another run of this pipeline is in progress")

// JobState is what the state directory records about one job.
type JobState struct {
	Status      Status          `json:"status"`
	Fingerprint string          `json:"fingerprint,omitempty"`
	Output      json.RawMessage `json:"output,omitempty"`
	Error       string          `json:"error,omitempty"`
	Started     time.Time       `json:"started,omitzero"`
	Finished    time.Time       `json:"finished,omitzero"`
}

// The state directory holds one JSON file per job, <job>.json, so that the
// directories of separate GitHub Actions jobs merge without conflict.
const stateVersion = 1

type jobFile struct {
	Version int `json:"version"`
	JobState
}

// store holds the job states of a run and writes them through to disk.
type store struct {
	mu   sync.Mutex
	dir  string // "" = memory only
	jobs map[string]*JobState
	lock *os.File
}

func openStore(dir string) (*store, error) {
	s := &store{dir: dir, jobs: map[string]*JobState{}}
	if dir == "" {
		return s, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("release: state directory: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("release: state lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w (state directory %s is locked); wait for it to finish or cancel it — two runs of one tag must never race", ErrRunInProgress, dir)
		}
		return nil, fmt.Errorf("release: state lock: %w", err)
	}
	s.lock = f
	prev, err := ReadState(dir)
	if err != nil {
		s.close()
		return nil, err
	}
	for k, v := range prev {
		s.jobs[k] = v
	}
	return s, nil
}

// ReadState returns the job states recorded in a state directory (an empty
// map and no error when there is none yet).
func ReadState(dir string) (map[string]*JobState, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]*JobState{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("release: read state: %w", err)
	}
	out := map[string]*JobState{}
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || e.IsDir() || !validJobName(name) {
			continue
		}
		path := filepath.Join(dir, e.Name())
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("release: read state: %w", err)
		}
		var jf jobFile
		if err := json.Unmarshal(b, &jf); err != nil {
			return nil, fmt.Errorf("release: state file %s is corrupt (%v): remove it to run that job again", path, err)
		}
		if jf.Version != stateVersion {
			return nil, fmt.Errorf("release: state file %s has version %d, want %d: remove it to run that job again", path, jf.Version, stateVersion)
		}
		// Outputs are compared byte for byte in fingerprints: keep them
		// compact whatever wrote the file.
		if len(jf.Output) > 0 {
			var buf bytes.Buffer
			if err := json.Compact(&buf, jf.Output); err != nil {
				return nil, fmt.Errorf("release: state file %s: output is corrupt: %v", path, err)
			}
			jf.Output = buf.Bytes()
		}
		js := jf.JobState
		out[name] = &js
	}
	return out, nil
}

func (s *store) get(name string) (JobState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	js, ok := s.jobs[name]
	if !ok {
		return JobState{}, false
	}
	return *js, true
}

// put records a job's state and persists it atomically.
func (s *store) put(name string, js JobState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.jobs[name] = &js
	if s.dir == "" {
		return nil
	}
	b, err := json.MarshalIndent(jobFile{Version: stateVersion, JobState: js}, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(s.dir, name+".json")
	if err := atomicfile.WriteFile(path, b, 0o600); err != nil {
		return fmt.Errorf("release: write %s: %w", path, err)
	}
	return nil
}

func (s *store) close() {
	if s.lock != nil {
		syscall.Flock(int(s.lock.Fd()), syscall.LOCK_UN)
		s.lock.Close()
		s.lock = nil
	}
}
