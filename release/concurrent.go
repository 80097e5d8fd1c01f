package release

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tagship/tagship/internal/batch"
	"github.com/tagship/tagship/pypi"
	"github.com/tagship/tagship/sign"
)

// DefaultConcurrency is how many files the standard release signs,
// verifies, attests and uploads to the index at once unless
// StandardConfig.Concurrency says otherwise.
//
// A keyless signature costs little CPU but waits on the transparency
// logs, which integrate entries in batches (Rekor v2 and TesseraCT on
// one-second ticks): files signed one after another pay that wait once
// each, files signed together share it. Measured against the real local
// stack (bench, scale rows), 8 at a time made a 16-file release cost 2.7
// times a 2-file one, 32 at a time 1.4 times; 32 keeps a platform matrix
// (20 to 70 files) to one or two waits per step, while bounding the
// requests one job sends the public services at once and the memory held
// by files in flight. What is only CPU work runs at most GOMAXPROCS at once
// whatever this bound (sign.Verifier), and hashing a file holds buffers no
// larger than the file (pypi): peak RSS stays within a quarter of the
// 2-file release's at 48 files (bench, scale rows).
//
// How the per-file work behaves (internal/batch):
//
//   - one Signer, so one key and one Fulcio certificate, serves every
//     file of the run (sign.Signer is safe for concurrent use; the first
//     file to need the certificate fetches it, the others wait for it);
//   - results are kept by file, in file name order, whatever order the
//     files finish in: the job outputs (state files), the release notes,
//     SHA256SUMS and the SBOM come out byte-identical from run to run;
//   - signing is Independent: one file failing (after its own retries)
//     does not stop the others, whose bundles are written atomically
//     (temporary file + rename) next to their files; the job then fails
//     naming every file that failed, and a rerun keeps the bundles that
//     verify and signs only the files without one;
//   - verification before publishing is Independent too (every file that
//     does not verify is named); the index upload is FailFast (the first
//     failure stops the other uploads: going on would publish more of a
//     release that is failing);
//   - cancelling the run's context stops every file's work promptly.
//
// Each file reports its progress as job events: "signing NAME", "signed
// NAME" (or "kept the existing bundle"), and a progress event per file
// (Item = file name) when signed and while uploaded.
const DefaultConcurrency = 32

// each runs fn for n files with the release's concurrency bound.
func (s *standard) each(ctx context.Context, n int, mode batch.Mode, fn func(ctx context.Context, i int) error) error {
	return batch.Each(ctx, n, s.cfg.Concurrency, mode, fn)
}

// signDists signs every distribution (or keeps its existing bundle when
// that verifies) and returns the bundle paths, index by index.
func (s *standard) signDists(ctx context.Context, in *Inputs, signer *sign.Signer, verifier *sign.Verifier, dists []*pypi.Distribution) ([]string, error) {
	bundles := make([]string, len(dists))
	err := s.each(ctx, len(dists), batch.Independent, func(ctx context.Context, i int) error {
		p, err := s.signDist(ctx, in, signer, verifier, dists[i])
		bundles[i] = p
		return err
	})
	if err != nil {
		return nil, err
	}
	return bundles, nil
}

// signDist is one file of signDists.
func (s *standard) signDist(ctx context.Context, in *Inputs, signer *sign.Signer, verifier *sign.Verifier, d *pypi.Distribution) (string, error) {
	if bundlePath, ok := s.keptBundle(ctx, verifier, d.Path); ok {
		in.Log("%s: kept the existing bundle, which verifies", d.Filename)
		in.Progress(d.Filename, d.Size, d.Size)
		return bundlePath, nil
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	in.Log("signing %s", d.Filename)
	bundlePath, err := s.signVerified(ctx, signer, verifier, d.Path)
	if err != nil {
		return "", err
	}
	in.Log("signed %s", d.Filename)
	in.Progress(d.Filename, d.Size, d.Size)
	return bundlePath, nil
}

// keptBundle returns the bundle next to path when it verifies for that
// very file with the release identity. Such a bundle is kept: signatures
// are not deterministic, and re-signing would make a rerun's bundle differ
// from the one already published.
func (s *standard) keptBundle(ctx context.Context, verifier *sign.Verifier, path string) (string, bool) {
	bundlePath := sign.DefaultBundlePath(path)
	_, err := verifier.VerifyFile(ctx, path, bundlePath, s.policy())
	return bundlePath, err == nil
}

// signVerified signs path and checks the new bundle with the identity the
// release notes publish; a bundle that does not verify is removed.
func (s *standard) signVerified(ctx context.Context, signer *sign.Signer, verifier *sign.Verifier, path string) (string, error) {
	name := filepath.Base(path)
	fs, err := signer.SignFile(ctx, path)
	if err != nil {
		return "", fmt.Errorf("sign %s: %w", name, err)
	}
	if _, err := verifier.VerifyFile(ctx, path, fs.BundlePath, s.policy()); err != nil {
		os.Remove(fs.BundlePath)
		return "", fmt.Errorf("the bundle of %s does not verify with the identity the release notes publish (%s): %w", name, s.identity(), err)
	}
	return fs.BundlePath, nil
}

// verifyArtifact is one file of verifyArtifacts.
func (s *standard) verifyArtifact(ctx context.Context, verifier *sign.Verifier, f FileArtifact) error {
	sum, size, err := sign.SHA256File(ctx, f.Path)
	if err != nil {
		return fmt.Errorf("%s: %w", f.Name, err)
	}
	if got := hex.EncodeToString(sum); got != f.SHA256 || size != f.Size {
		return fmt.Errorf("%s changed since it was built and signed: sha256 %s (%d bytes), expected %s (%d bytes); rebuild it (remove the state directory's %s.json)",
			f.Name, got, size, f.SHA256, f.Size, JobBuildWheel)
	}
	if _, err := verifier.VerifyFile(ctx, f.Path, f.Bundle, s.policy()); err != nil {
		return fmt.Errorf("%s: bundle does not verify with the identity %s: %w", f.Name, s.identity(), err)
	}
	return nil
}
