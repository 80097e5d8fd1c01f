package release

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tagship/tagship/ghrelease"
	"github.com/tagship/tagship/pypi"
	"github.com/tagship/tagship/sign"
)

// adoptPublishedFiles makes a rerun with no local state ("re-run all
// jobs", another runner) converge on what an earlier run of this release
// already published, even when the build is not byte-reproducible (most
// sdists are not: Debian's setuptools ignores SOURCE_DATE_EPOCH). For each
// freshly built distribution whose name is already an asset of the
// release for the tag, with its "<file>.sigstore.json" beside it, the
// published file and bundle are downloaded; when the bundle verifies for
// the downloaded file with the release identity, they replace the rebuilt
// file, so every later job (the index, the release, the SBOM) sees the
// bytes already public and skips them as identical. Nothing published is
// ever replaced: a published file whose bundle does not verify is left
// for the publish jobs to refuse as a conflict.
//
// It needs to read the release: a published one with contents: read, a
// draft with a token that can see drafts.
func (s *standard) adoptPublishedFiles(ctx context.Context, in *Inputs, dists []*pypi.Distribution) ([]*pypi.Distribution, error) {
	if s.cfg.SkipGitHubRelease {
		return dists, nil
	}
	dl, err := ghrelease.NewDownloader(append(append([]ghrelease.Option(nil), s.cfg.GitHubOptions...), ghrelease.WithLogger(in.Logger()))...)
	if err != nil {
		return nil, err
	}
	owner, repo, _ := strings.Cut(s.cfg.Repository, "/")
	rel, err := dl.ReleaseForTag(ctx, owner, repo, s.tag)
	if errors.Is(err, ghrelease.ErrNoRelease) {
		return dists, nil
	}
	if err != nil {
		return nil, fmt.Errorf("looking for an earlier release of %s to adopt its files: %w", s.tag, err)
	}
	verifier, err := s.getVerifier()
	if err != nil {
		return nil, err
	}
	out := make([]*pypi.Distribution, 0, len(dists))
	for _, d := range dists {
		adopted, err := s.adoptFile(ctx, in, dl, rel, verifier, d)
		if err != nil {
			return nil, err
		}
		out = append(out, adopted)
	}
	return out, nil
}

// adoptFile adopts one distribution's published file and bundle; it
// returns d itself when there is nothing to adopt.
func (s *standard) adoptFile(ctx context.Context, in *Inputs, dl *ghrelease.Downloader, rel *ghrelease.PublishedRelease, verifier *sign.Verifier, d *pypi.Distribution) (*pypi.Distribution, error) {
	bundlePath := sign.DefaultBundlePath(d.Path)
	fileAsset, okFile := rel.Asset(d.Filename)
	bundleAsset, okBundle := rel.Asset(filepath.Base(bundlePath))
	if !okFile || !okBundle {
		return d, nil
	}
	tmpFile, tmpBundle := d.Path+".published", bundlePath+".published"
	defer os.Remove(tmpFile)
	defer os.Remove(tmpBundle)
	got, err := dl.DownloadAsset(ctx, rel, fileAsset, tmpFile)
	if err != nil {
		return nil, fmt.Errorf("reading %s from the release: %w", d.Filename, err)
	}
	if _, err := dl.DownloadAsset(ctx, rel, bundleAsset, tmpBundle); err != nil {
		return nil, fmt.Errorf("reading %s from the release: %w", bundleAsset.Name, err)
	}
	if _, err := verifier.VerifyFile(ctx, tmpFile, tmpBundle, s.policy()); err != nil {
		in.Log("%s on the release does not verify for %s (%v): not adopted", d.Filename, s.identity(), err)
		return d, nil
	}
	if got.SHA256 != d.SHA256 {
		if err := os.Rename(tmpFile, d.Path); err != nil {
			return nil, err
		}
		in.Log("%s: the rebuild differs from the published file (sha256 %s, published %s): adopted the published file, signed by %s",
			d.Filename, shortHex(d.SHA256), shortHex(got.SHA256), s.identity())
	} else {
		in.Log("%s: the rebuild equals the published file: adopted its published bundle", d.Filename)
	}
	if err := os.Rename(tmpBundle, bundlePath); err != nil {
		return nil, err
	}
	return pypi.OpenDistribution(d.Path)
}

func shortHex(h string) string {
	if len(h) > 12 {
		return h[:12] + "…"
	}
	return h
}
