package release

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tagship/tagship/oci"
	"github.com/tagship/tagship/sign"
)

// imageSources returns what build-image assembles: the configured
// Platforms, or the OCI layout that ImageBuild writes (into a temporary
// directory that cleanup removes).
func (s *standard) imageSources(ctx context.Context, in *Inputs) (_ []oci.PlatformSource, _ []oci.Option, cleanup func(), _ error) {
	opts := append([]oci.Option(nil), s.cfg.OCIOptions...)
	b := s.cfg.ImageBuild
	if !b.set() {
		return s.cfg.Platforms, opts, func() {}, nil
	}
	tmp, err := os.MkdirTemp("", "tagship-image-*")
	if err != nil {
		return nil, nil, nil, err
	}
	cleanup = func() { os.RemoveAll(tmp) }
	layout := filepath.Join(tmp, "layout")
	argv := []string{"sh", "-c", b.Command}
	if b.Dockerfile != "" {
		argv = dockerBuildx(b, layout)
	}
	in.Log("build the image for %s: %s", strings.Join(b.Platforms, ", "), strings.Join(argv, " "))
	env := []string{"TAGSHIP_IMAGE_LAYOUT=" + layout, "TAGSHIP_IMAGE_PLATFORMS=" + strings.Join(b.Platforms, ",")}
	if err := runBuildCommand(ctx, s.cfg.Dir, argv, env, s.cfg.Getenv, in); err != nil {
		cleanup()
		return nil, nil, nil, fmt.Errorf("image build: %w", err)
	}
	if _, err := os.Stat(filepath.Join(layout, "index.json")); err != nil {
		cleanup()
		return nil, nil, nil, fmt.Errorf("%w: the image build wrote no OCI layout at $TAGSHIP_IMAGE_LAYOUT (%s): expected an index.json holding %s; with buildah: `buildah manifest push --all NAME oci:$TAGSHIP_IMAGE_LAYOUT`, with buildx: `--output type=oci,dest=$TAGSHIP_IMAGE_LAYOUT,tar=false`",
			ErrImageBuild, layout, strings.Join(b.Platforms, ", "))
	}
	return []oci.PlatformSource{{Layout: layout}}, append(opts, oci.WithPlatforms(b.Platforms...)), cleanup, nil
}

// ErrImageBuild: the image build did not produce the layout build-image
// needs.
var ErrImageBuild = errors.New("release: image build failed")

// dockerBuildx is the buildx invocation for a Dockerfile build into an
// OCI layout directory.
func dockerBuildx(b ImageBuild, layout string) []string {
	return []string{"docker", "buildx", "build",
		"--platform", strings.Join(b.Platforms, ","),
		"--file", b.Dockerfile,
		"--output", "type=oci,dest=" + layout + ",tar=false",
		b.Context}
}

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
