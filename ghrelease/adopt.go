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
	// Same: every copy is byte-identical (sha256) to the local file at its
	// path, so adopting them changed nothing.
	Same bool
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
	return d.adopt(ctx, rel, accept, true, paths)
}

// AdoptSignature adopts the release's copy of one file this run made anew
// whose bytes differ from run to run, such as a signature (a Sigstore
// bundle carries a fresh certificate and timestamp): taking the published
// one keeps the release, and every checksum over it, as first published.
// A copy byte-identical to the file at path is taken without asking accept
// (it changes nothing; the Adoption is Same); any other only when accept,
// the caller's judgement (it verifies for what it signs), returns nil.
// Otherwise it is [Downloader.Adopt] of path.
func (d *Downloader) AdoptSignature(ctx context.Context, rel *PublishedRelease, path string, accept func(ctx context.Context, published *DownloadedAsset) error) (*Adoption, error) {
	return d.adopt(ctx, rel, func(ctx context.Context, c []*DownloadedAsset) error { return accept(ctx, c[0]) }, false, []string{path})
}

// adopt is Adopt; judgeSame asks accept about copies identical to the
// local files too.
func (d *Downloader) adopt(ctx context.Context, rel *PublishedRelease, accept func(ctx context.Context, copies []*DownloadedAsset) error, judgeSame bool, paths []string) (*Adoption, error) {
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
	same := true
	for i, p := range paths {
		tmp := p + ".published"
		defer os.Remove(tmp)
		got, err := d.DownloadAsset(ctx, rel, assets[i], tmp)
		if err != nil {
			return nil, fmt.Errorf("reading %s from the release: %w", assets[i].Name, err)
		}
		copies[i] = got
		local := &localAsset{Asset: Asset{Path: p}}
		same = same && local.hash() == nil && local.sha == got.SHA256
	}
	if !same || judgeSame {
		if err := accept(ctx, copies); err != nil {
			return &Adoption{Assets: copies, Same: same, Refused: err}, nil
		}
	}
	for i, p := range paths {
		if err := os.Rename(copies[i].Path, p); err != nil {
			return nil, fmt.Errorf("ghrelease: adopt %s: %w", copies[i].Name, err)
		}
		copies[i].Path = p
	}
	return &Adoption{Assets: copies, Same: same, Adopted: true}, nil
}
