package release

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tagship/tagship/oci"
	"github.com/tagship/tagship/sign"
)

// assembleImage assembles what build-image pushes: the configured
// Platforms, or the OCI layout that ImageBuild writes (see oci.Build).
func (s *standard) assembleImage(ctx context.Context, in *Inputs) (*oci.Index, error) {
	b := s.cfg.ImageBuild
	if !b.set() {
		return oci.Assemble(ctx, s.cfg.Platforms, s.cfg.OCIOptions...)
	}
	lb := b.layout(s.cfg.Dir)
	lb.Log = buildLog(in)
	in.Log("build the image for %s: %s", strings.Join(b.Platforms, ", "), strings.Join(lb.Argv("$TAGSHIP_IMAGE_LAYOUT"), " "))
	return oci.Build(ctx, lb, append(append([]oci.Option(nil), s.cfg.OCIOptions...), oci.WithEnv(s.cfg.Getenv))...)
}

// ErrImageBuild: the image build did not produce the layout build-image
// needs (oci.ErrBuild).
var ErrImageBuild = oci.ErrBuild

// adoptPublishedImage handles a rerun with no local state ("re-run all
// jobs", another runner): when the release tag already points to an image
// whose signature verifies for the release identity, an earlier run of
// this very release pushed and signed it. Tags are immutable and image
// builds are rarely byte-reproducible, so the published image is adopted
// instead of rebuilt (a rebuild would only conflict with it). A tag that
// points to an image not signed by the release identity is left for Push
// to refuse.
func (s *standard) adoptPublishedImage(ctx context.Context, in *Inputs, verifier *sign.Verifier) (ImageResult, bool, error) {
	got, err := oci.Resolve(ctx, s.imageRef(), s.cfg.OCIOptions...)
	if errors.Is(err, oci.ErrNotFound) {
		return ImageResult{}, false, nil
	}
	if err != nil {
		return ImageResult{}, false, fmt.Errorf("looking for an earlier push of %s: %w", s.imageRef(), err)
	}
	opts := s.ociOptionsAt(got.Digest)
	if _, err := oci.Verify(ctx, s.imageRef(), s.policy(), verifier, opts...); err != nil {
		in.Log("%s already exists but does not verify for %s (%v): not adopted", s.imageRef(), s.identity(), err)
		return ImageResult{}, false, nil
	}
	res := ImageResult{Reference: s.imageRef(), Repository: s.cfg.ImageRepository, Tag: s.tag, Digest: got.Digest.String(),
		Platforms: map[string]string{}, Unchanged: true, Adopted: true}
	for p, h := range got.Platforms {
		res.Platforms[p] = h.String()
	}
	in.Log("%s@%s was already pushed and signed by %s (an earlier run of this release): adopted, not rebuilt", s.imageRef(), got.Digest, s.identity())
	res.Summary = fmt.Sprintf("%s@%s (%d platforms, adopted)", s.imageRef(), shortDigest(res.Digest), len(res.Platforms))
	return res, true, nil
}
