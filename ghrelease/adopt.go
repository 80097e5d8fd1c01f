package ghrelease

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// Adoption is what [Downloader.Adopt] did.
type Adoption struct {
	// Assets are the release's copies of the files, one per path and in
	// the same order, each downloaded with its size and sha256; nil when
	// the release does not carry every one of them (then nothing was
	// downloaded). When Adopted, each Path is the local path it replaced.
	Assets []*DownloadedAsset
	// Adopted: accept took the copies and they replaced the local files.
	Adopted bool
	// Refused is accept's reason for not taking them; the local files
	// are unchanged.
	Refused error
}

// Adopt lets a rerun converge on what an earlier run already published.
// When rel (nil: no release yet) has an asset named as each of paths
// (their base names), Adopt downloads every one next to its file
// ("<path>.published", streamed and hashed as [Downloader.DownloadAsset]
// does) and calls accept with the copies; when accept returns nil, each
// copy is renamed over its path, in order, and the result is Adopted.
// Otherwise the copies are removed and accept's error is the result's
// Refused: judging the copies (verifying a signature, comparing with a
// rebuild) is the caller's, so this package needs no signing stack. A
// group of paths (a file and its signature) is adopted together or not
// at all. The error is for a failed download or rename only, and names
// the asset.
func (d *Downloader) Adopt(ctx context.Context, rel *PublishedRelease, accept func(ctx context.Context, copies []*DownloadedAsset) error, paths ...string) (*Adoption, error) {
	if rel == nil || len(paths) == 0 {
		return &Adoption{}, nil
	}
	assets := make([]ReleaseAsset, len(paths))
	for i, p := range paths {
		a, ok := rel.Asset(filepath.Base(p))
		if !ok {
			return &Adoption{}, nil
		}
		assets[i] = a
	}
	copies := make([]*DownloadedAsset, len(paths))
	for i, p := range paths {
		tmp := p + ".published"
		defer os.Remove(tmp)
		got, err := d.DownloadAsset(ctx, rel, assets[i], tmp)
		if err != nil {
			return nil, fmt.Errorf("reading %s from the release: %w", assets[i].Name, err)
		}
		copies[i] = got
	}
	if err := accept(ctx, copies); err != nil {
		return &Adoption{Assets: copies, Refused: err}, nil
	}
	for i, p := range paths {
		if err := os.Rename(copies[i].Path, p); err != nil {
			return nil, fmt.Errorf("ghrelease: adopt %s: %w", copies[i].Name, err)
		}
		copies[i].Path = p
	}
	return &Adoption{Assets: copies, Adopted: true}, nil
}
