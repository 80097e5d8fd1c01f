package release

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/tagship/tagship/ghrelease"
	"github.com/tagship/tagship/pypi"
	"github.com/tagship/tagship/sign"
)

// A rerun with no local state ("re-run all jobs", another runner)
// converges on what an earlier run of this release already published:
// ghrelease.Downloader.Adopt brings the release's copies in, once judged
// here to be this release's (they verify for the release identity).
// Nothing published is ever replaced: a copy that does not verify is left
// for the publish jobs to refuse as a conflict.

// publishedRelease is the release an earlier run (another machine, a
// "re-run all jobs") already created for the tag; rel is nil when there is
// none.
func (s *standard) publishedRelease(ctx context.Context) (*publishedRelease, error) {
	dl, err := ghrelease.NewDownloader(s.cfg.GitHubOptions...)
	if err != nil {
		return nil, err
	}
	owner, repo, _ := strings.Cut(s.cfg.Repository, "/")
	rel, err := dl.ReleaseForTag(ctx, owner, repo, s.tag)
	if errors.Is(err, ghrelease.ErrNoRelease) {
		return &publishedRelease{dl: dl}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("looking for an earlier release of %s: %w", s.tag, err)
	}
	return &publishedRelease{dl: dl, rel: rel}, nil
}

type publishedRelease struct {
	dl  *ghrelease.Downloader
	rel *ghrelease.PublishedRelease
}

// adoptPublishedFiles: builds are not always byte-reproducible (most
// sdists are not: Debian's setuptools ignores SOURCE_DATE_EPOCH). For each
// freshly built distribution that the release already carries with its
// "<file>.sigstore.json", the published pair replaces the rebuilt file
// when the bundle verifies for the published file, so every later job
// (the index, the release, the SBOM) sees the bytes already public and
// skips them as identical.
//
// It needs to read the release: a published one with contents: read, a
// draft with a token that can see drafts.
func (s *standard) adoptPublishedFiles(ctx context.Context, in *Inputs, dists []*pypi.Distribution) ([]*pypi.Distribution, error) {
	if s.cfg.SkipGitHubRelease {
		return dists, nil
	}
	pr, err := s.publishedRelease(ctx)
	if err != nil || pr.rel == nil {
		return dists, err
	}
	verifier, err := s.getVerifier()
	if err != nil {
		return nil, err
	}
	out := make([]*pypi.Distribution, 0, len(dists))
	for _, d := range dists {
		a, err := pr.dl.Adopt(ctx, pr.rel, func(ctx context.Context, c []*ghrelease.DownloadedAsset) error {
			_, err := verifier.VerifyFile(ctx, c[0].Path, c[1].Path, s.policy())
			return err
		}, d.Path, sign.DefaultBundlePath(d.Path))
		switch {
		case err != nil:
			return nil, err
		case a.Refused != nil:
			in.Log("%s on the release does not verify for %s (%v): not adopted", d.Filename, s.identity(), a.Refused)
		case a.Adopted && a.Assets[0].SHA256 != d.SHA256:
			in.Log("%s: the rebuild differs from the published file (sha256 %s, published %s): adopted the published file, signed by %s",
				d.Filename, shortHex(d.SHA256), shortHex(a.Assets[0].SHA256), s.identity())
		case a.Adopted:
			in.Log("%s: the rebuild equals the published file: adopted its published bundle", d.Filename)
		}
		if a.Adopted {
			if d, err = pypi.OpenDistribution(d.Path); err != nil {
				return nil, err
			}
		}
		out = append(out, d)
	}
	return out, nil
}

// adoptBundle replaces the bundle at bundlePath (of the file at path) by
// the one the published release carries under the same name, when that one
// verifies for this very file with the release identity. It reports
// whether it did.
func (s *standard) adoptBundle(ctx context.Context, in *Inputs, pr *publishedRelease, path, bundlePath string) (bool, error) {
	return s.adoptSignature(ctx, in, pr, bundlePath, "bundle", "for "+filepath.Base(path), func(ctx context.Context, v *sign.Verifier, published string) error {
		_, err := v.VerifyFile(ctx, path, published, s.policy())
		return err
	})
}

// adoptPublishedBundles adopts the bundles an earlier run already
// attached to the release, each when it verifies for this very file with
// the release identity, and the provenance when it verifies for these
// files, so that the release, SHA256SUMS and the SBOM stay exactly as
// first published. A published bundle that does not verify is left for
// Publish to report as a conflict.
func (s *standard) adoptPublishedBundles(ctx context.Context, in *Inputs, b BuildResult, pr *publishedRelease) error {
	for _, f := range b.Files {
		if _, err := s.adoptBundle(ctx, in, pr, f.Path, f.Bundle); err != nil {
			return err
		}
	}
	if b.Provenance == "" {
		return nil
	}
	_, err := s.adoptSignature(ctx, in, pr, b.Provenance, "provenance", "for these files", func(ctx context.Context, v *sign.Verifier, published string) error {
		return s.verifyProvenance(ctx, v, published, b.Files)
	})
	return err
}

// adoptSignature replaces the signature this run made at path (a bundle,
// the provenance) by the release's copy of the same name
// (ghrelease.Downloader.AdoptSignature), unless verify refuses it. It
// reports whether the file at path is now the published one.
func (s *standard) adoptSignature(ctx context.Context, in *Inputs, pr *publishedRelease, path, what, forWhat string,
	verify func(ctx context.Context, v *sign.Verifier, published string) error) (bool, error) {
	if pr.rel == nil {
		return false, nil
	}
	verifier, err := s.getVerifier()
	if err != nil {
		return false, err
	}
	a, err := pr.dl.AdoptSignature(ctx, pr.rel, path, func(ctx context.Context, c *ghrelease.DownloadedAsset) error {
		return verify(ctx, verifier, c.Path)
	})
	name := filepath.Base(path)
	switch {
	case err != nil:
		return false, err
	case a.Refused != nil:
		in.Log("%s on the release does not verify %s (%v); keeping this run's %s", name, forWhat, a.Refused, what)
	case a.Adopted && !a.Same:
		in.Log("%s: adopted the %s already on the release, which verifies %s", name, what, forWhat)
	}
	return a.Adopted, nil
}

func shortHex(h string) string {
	if len(h) > 12 {
		return h[:12] + "…"
	}
	return h
}
