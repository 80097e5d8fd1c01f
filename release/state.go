package release

import (
	"encoding/json"
	"time"

	"github.com/tagship/tagship/internal/ghworkflow"
	"github.com/tagship/tagship/internal/statedir"
)

// ErrRunInProgress is returned by [Pipeline.Run] when another run holds the
// state directory's lock (the same tag is already being released).
var ErrRunInProgress = statedir.ErrInProgress

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
// directories of separate GitHub Actions jobs merge without conflict; its
// lock, files and checks are internal/statedir's.
const stateVersion = 1

// store holds the job states of a run and writes them through to disk.
type store = statedir.Dir[JobState]

func openStore(dir string) (*store, error) {
	return statedir.Open[JobState](dir, stateVersion, ghworkflow.ValidJobID)
}

// ReadState returns the job states recorded in a state directory (an empty
// map and no error when there is none yet).
func ReadState(dir string) (map[string]*JobState, error) {
	return statedir.Read[JobState](dir, stateVersion, ghworkflow.ValidJobID)
}
