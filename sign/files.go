package sign

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tagship/tagship/internal/batch"
)

// FileStep is what SignFiles reports doing with one file.
type FileStep string

const (
	// FileKept: the file's bundle already verified for it under the
	// policy, and is kept (nothing is signed).
	FileKept FileStep = "kept"
	// FileSigning: the file is about to be signed.
	FileSigning FileStep = "signing"
	// FileSigned: the file was signed and its new bundle verifies under
	// the policy.
	FileSigned FileStep = "signed"
)

// FileEvent reports one step of one file of SignFiles (WithFileEvents).
type FileEvent struct {
	Index  int    // the file's index in the paths given to SignFiles
	Path   string // the file
	Bundle string // its bundle's path ("" while FileSigning)
	Step   FileStep
}

// String describes the step for a log: "signing NAME", "signed NAME",
// "NAME: kept the existing bundle, which verifies".
func (e FileEvent) String() string {
	name := filepath.Base(e.Path)
	if e.Step == FileKept {
		return name + ": kept the existing bundle, which verifies"
	}
	return string(e.Step) + " " + name
}

// FilesOption configures SignFiles and VerifyFiles.
type FilesOption func(*filesOptions)

type filesOptions struct {
	concurrency int
	events      func(FileEvent)
}

// defaultFileConcurrency is WithConcurrency's default.
const defaultFileConcurrency = 8

// WithConcurrency sets how many files SignFiles or VerifyFiles handle at
// once (default 8; n < 1 means 1). The transparency logs integrate entries
// in batches, so files signed together share one wait; what is only CPU
// work runs at most GOMAXPROCS at once whatever this bound (Verifier).
func WithConcurrency(n int) FilesOption {
	return func(o *filesOptions) { o.concurrency = n }
}

// WithFileEvents calls fn for each step of each file of SignFiles (default:
// nothing is reported). fn is called from the file's goroutine: it must be
// safe for concurrent use.
func WithFileEvents(fn func(FileEvent)) FilesOption {
	return func(o *filesOptions) { o.events = fn }
}

func filesConfig(opts []FilesOption) filesOptions {
	o := filesOptions{concurrency: defaultFileConcurrency, events: func(FileEvent) {}}
	for _, opt := range opts {
		opt(&o)
	}
	if o.events == nil {
		o.events = func(FileEvent) {}
	}
	return o
}

// SignFiles gives every file of paths a bundle that verifies for that very
// file under p, and returns the bundles' paths in the order of paths.
//
//   - Keep or sign: a bundle already at DefaultBundlePath(path) that
//     verifies for the file under p is kept (KeptBundle): signatures are
//     not deterministic, and re-signing would make a rerun's bundle differ
//     from one already published. Any other file is signed and its new
//     bundle verified under p (SignVerified).
//   - One Signer serves every file, so one key and one Fulcio certificate
//     (a Signer is safe for concurrent use; the first file to need the
//     certificate fetches it, the others wait for it).
//   - At most WithConcurrency files at once; the bundles are kept by
//     index, whatever order the files finish in.
//   - Independent: one file failing (after its own retries) does not stop
//     the others, whose bundles are written atomically (temporary file +
//     rename) next to their files; the error then names every file that
//     failed, in the order of paths, and a new call keeps the bundles that
//     verify and signs only the files without one.
//   - Cancelling ctx stops every file's work promptly and leaves no
//     partial bundle.
//
// WithFileEvents reports each file as FileKept, or FileSigning then
// FileSigned.
func SignFiles(ctx context.Context, s *Signer, v *Verifier, p Policy, paths []string, opts ...FilesOption) ([]string, error) {
	o := filesConfig(opts)
	bundles := make([]string, len(paths))
	err := batch.Each(ctx, len(paths), o.concurrency, batch.Independent, func(ctx context.Context, i int) error {
		path := paths[i]
		if bp, ok := KeptBundle(ctx, v, p, path); ok {
			bundles[i] = bp
			o.events(FileEvent{Index: i, Path: path, Bundle: bp, Step: FileKept})
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		o.events(FileEvent{Index: i, Path: path, Step: FileSigning})
		bp, err := SignVerified(ctx, s, v, p, path)
		if err != nil {
			return err
		}
		bundles[i] = bp
		o.events(FileEvent{Index: i, Path: path, Bundle: bp, Step: FileSigned})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return bundles, nil
}

// KeptBundle returns the bundle at DefaultBundlePath(path) and true when it
// verifies for that very file under p: such a bundle is worth keeping
// rather than signing the file again (see SignFiles).
func KeptBundle(ctx context.Context, v *Verifier, p Policy, path string) (string, bool) {
	bundlePath := DefaultBundlePath(path)
	_, err := v.VerifyFile(ctx, path, bundlePath, p)
	return bundlePath, err == nil
}

// SignVerified signs the file at path with s (Signer.SignFile) and checks
// the new bundle with v under p, returning its path. A Signer verifies
// what it signs against its own identity; this checks that identity is the
// one p requires (the one users will verify with). A new bundle that does
// not verify under p is removed, and the error is a *BundleError.
func SignVerified(ctx context.Context, s *Signer, v *Verifier, p Policy, path string) (string, error) {
	fs, err := s.SignFile(ctx, path)
	if err != nil {
		return "", fmt.Errorf("sign %s: %w", filepath.Base(path), err)
	}
	if _, err := v.VerifyFile(ctx, path, fs.BundlePath, p); err != nil {
		os.Remove(fs.BundlePath)
		return "", &BundleError{Path: path, Bundle: fs.BundlePath, Policy: p, Removed: true, Err: err}
	}
	return fs.BundlePath, nil
}

// SignedFile is a file as it was signed: what VerifyFiles checks it still
// is.
type SignedFile struct {
	Path   string // the file
	Size   int64  // its size when signed
	SHA256 string // its sha256 when signed, lower-case hex
	Bundle string // its bundle's path
}

// VerifyFiles checks that every file is still the file that was signed,
// its size and sha256 (else a *FileChangedError), and that its bundle
// verifies for it under p (else a *BundleError), at most WithConcurrency
// files at once. Like SignFiles it is Independent (the error names every
// file that fails, in the order of files) and stops promptly when ctx is
// cancelled.
func VerifyFiles(ctx context.Context, v *Verifier, p Policy, files []SignedFile, opts ...FilesOption) error {
	o := filesConfig(opts)
	return batch.Each(ctx, len(files), o.concurrency, batch.Independent, func(ctx context.Context, i int) error {
		f := files[i]
		sum, size, err := SHA256File(ctx, f.Path)
		if err != nil {
			return fmt.Errorf("%s: %w", filepath.Base(f.Path), err)
		}
		if got := hex.EncodeToString(sum); got != f.SHA256 || size != f.Size {
			return &FileChangedError{Path: f.Path, ExpectedSHA256: f.SHA256, ExpectedSize: f.Size, FoundSHA256: got, FoundSize: size}
		}
		// The bundle must sign the very bytes just checked: verify it
		// against that digest instead of reading the file again.
		if _, err := v.verifyFile(ctx, f.Path, f.Bundle, sum, p); err != nil {
			return &BundleError{Path: f.Path, Bundle: f.Bundle, Policy: p, Err: err}
		}
		return nil
	})
}

// ErrFileChanged: a file is not the one that was signed (VerifyFiles).
var ErrFileChanged = errors.New("sign: file changed since it was signed")

// FileChangedError is a file whose size or sha256 is not what it was when
// it was signed. It matches ErrFileChanged.
type FileChangedError struct {
	Path           string
	ExpectedSHA256 string // hex
	ExpectedSize   int64
	FoundSHA256    string // hex
	FoundSize      int64
}

func (e *FileChangedError) Error() string {
	return fmt.Sprintf("%s changed since it was signed: sha256 %s (%d bytes), expected %s (%d bytes)",
		filepath.Base(e.Path), e.FoundSHA256, e.FoundSize, e.ExpectedSHA256, e.ExpectedSize)
}

// Unwrap returns ErrFileChanged.
func (e *FileChangedError) Unwrap() error { return ErrFileChanged }

// BundleError is a file whose bundle does not verify for it under a
// policy. It wraps the reason (a *VerificationError matching its
// condition, …).
type BundleError struct {
	Path    string // the file
	Bundle  string // its bundle's path
	Policy  Policy // what the bundle was checked against
	Removed bool   // a new bundle (SignVerified), removed
	Err     error
}

func (e *BundleError) Error() string {
	if e.Removed {
		return fmt.Sprintf("the new bundle of %s does not verify with the %s (it was removed): %v", filepath.Base(e.Path), e.Policy, e.Err)
	}
	return fmt.Sprintf("the bundle of %s does not verify with the %s: %v", filepath.Base(e.Path), e.Policy, e.Err)
}

func (e *BundleError) Unwrap() error { return e.Err }
