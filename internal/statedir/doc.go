// Package statedir keeps the state directory of a release pipeline's runs:
// one versioned JSON record per job, so that a rerun resumes where the
// last one stopped and the directories of separate GitHub Actions jobs
// merge without conflict.
//
// The contract:
//
//   - [Open] creates the directory and takes an exclusive, non-blocking
//     lock on its ".lock" file (flock) for as long as the [Dir] is open: a
//     second Open of the same directory, from any process, fails with
//     [ErrInProgress] until [Dir.Close]. It then reads every record.
//   - A record is the file <key>.json, where key is a name the caller's
//     rule accepts (the job names of package release); other files are not
//     records and are ignored. The file is the record's JSON object with a
//     "version" member first; [Dir.Put] writes it atomically
//     (internal/atomicfile), indented, mode 0600.
//   - [Read] refuses a record that is not JSON of the record's shape, or
//     whose version is not the caller's, naming the file and saying how to
//     fix it: remove the file, and its job runs again.
//   - Raw JSON in a record (a json.RawMessage field) is read back compact,
//     whatever wrote the file, so that it compares byte for byte.
//   - Open("") keeps the records in memory only: a run without a state
//     directory.
//
// What a record holds (package release's JobState) is the caller's
// business; package release re-exports [ErrInProgress] as
// release.ErrRunInProgress, so the error texts speak as "release:".
//
// It is an internal leaf: it imports only the standard library and
// internal/atomicfile.
package statedir
