// Package atomicfile is the module's one way to write a file so that a
// reader sees either the old file or the complete new one, never half of
// it: the bytes go to a temporary file next to the destination (same
// directory, so the same file system), are synced, and the temporary file
// is renamed over the destination. On any failure the temporary file is
// removed and the destination is untouched.
//
// [WriteFile] writes bytes held in memory (state files, bundles, edited
// manifests); [Create] returns a [File] to stream into (downloads), which
// becomes the destination on [File.Commit] and vanishes on [File.Abort].
// [Temp] stops before the rename, for callers that rename several files as
// one step. It is a leaf: it imports only the standard library.
package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// File is a temporary file next to its destination. Write to it (it is an
// *os.File), then Commit; defer Abort to clean up on every other path.
type File struct {
	*os.File
	path string
	done bool
}

// pattern is the name of the temporary file next to path: hidden, and
// recognisably path's.
func pattern(path string) string { return "." + filepath.Base(path) + ".tmp-*" }

// Create creates a temporary file (mode 0600) in path's directory that
// [File.Commit] renames to path.
func Create(path string) (*File, error) {
	f, err := os.CreateTemp(filepath.Dir(path), pattern(path))
	if err != nil {
		return nil, err
	}
	return &File{File: f, path: path}, nil
}

// Path is the destination the file becomes on Commit.
func (f *File) Path() string { return f.path }

// Commit syncs and closes the temporary file and renames it to the
// destination. After a failed Commit the temporary file is gone.
func (f *File) Commit() error {
	if f.done {
		return errors.New("atomicfile: Commit after Commit or Abort")
	}
	return f.finish(nil, true)
}

// finish ends f after err, the first failure so far: it syncs (when err
// is nil) and closes the temporary file, renames it to the destination
// when rename is set and all went well, and removes it on any failure.
func (f *File) finish(err error, rename bool) error {
	f.done = true
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && rename {
		err = os.Rename(f.Name(), f.path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// Abort closes and removes the temporary file, leaving the destination as
// it was. It does nothing after Commit, so it can always be deferred.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.Close()
	os.Remove(f.Name())
}

// Temp writes data to a new temporary file next to path with mode perm,
// synced and closed, and returns its name; the caller renames it to path
// (or removes it). On error nothing is left behind.
func Temp(path string, data []byte, perm fs.FileMode) (string, error) {
	f, err := Create(path)
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(perm)
	}
	if err := f.finish(err, false); err != nil {
		return "", err
	}
	return f.Name(), nil
}

// WriteFile writes data to path atomically with mode perm (the mode is
// set whatever the umask). Either path holds all of data afterwards, or
// the call failed and path is as it was.
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	tmp, err := Temp(path, data, perm)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
