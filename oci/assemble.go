package oci

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/sync/errgroup"
)

// PlatformSource is where the image of one platform comes from. Set at
// most one base (Layout, Tarball, Remote or Image); with no base the image
// starts empty and Layer must be set. A non-empty Layer is appended on top
// of the base as one reproducible layer.
type PlatformSource struct {
	// Platform is "os/arch[/variant]", e.g. "linux/arm64" or "linux/arm/v7".
	// When empty, an index base (Layout, Remote) contributes every expected
	// platform it holds, and a single-image base is filed under the
	// platform its config declares.
	Platform string

	// Layout is an OCI image layout directory (docker buildx --output
	// type=oci after unpacking, ko, crane). When it holds an index, the
	// image for Platform is chosen from it; BuildKit attestation manifests
	// referring to the chosen image are kept.
	Layout string
	// Tarball is a `docker save` tarball holding exactly one image.
	Tarball string
	// Remote is a registry reference (tag or digest). Its layers stream
	// from the source registry at push time, under the context given to
	// Assemble (keep it live until the push is done); layers already in
	// the destination registry are mounted or skipped.
	Remote string
	// Image is an image already in hand.
	Image v1.Image

	// Layer is appended on top of the base (see [LayerSpec]).
	Layer LayerSpec
	// Entrypoint and Cmd, when non-nil, replace the image config's.
	Entrypoint, Cmd []string
}

func (s PlatformSource) describe() string {
	switch {
	case s.Layout != "":
		return "layout " + s.Layout
	case s.Tarball != "":
		return "tarball " + s.Tarball
	case s.Remote != "":
		return "remote " + s.Remote
	case s.Image != nil:
		return "image"
	case s.Layer.Dir != "":
		return "dir " + s.Layer.Dir
	}
	return "files"
}

// PlatformImage is one platform manifest of an assembled index.
type PlatformImage struct {
	// Platform as filed, "os/arch[/variant]".
	Platform string
	// Digest of the image manifest.
	Digest v1.Hash
	// Source describes where it came from.
	Source string
}

// Index is an assembled multi-platform image index. It is a v1.ImageIndex
// (push it with [Push]); Close removes the temporary layer files built
// from local directories and the layout a [Build] wrote, after which it
// must not be pushed.
type Index struct {
	idx v1.ImageIndex
	// Platforms lists the platform images in the expected order.
	Platforms []PlatformImage
	// Attestations are BuildKit attestation manifests kept in the index
	// (never counted as platforms).
	Attestations []v1.Descriptor

	tmpDir string // removed by Close: built layers, a built layout
}

var _ v1.ImageIndex = (*Index)(nil)

// MediaType implements v1.ImageIndex (an OCI image index).
func (i *Index) MediaType() (types.MediaType, error) { return i.idx.MediaType() }

// Digest implements v1.ImageIndex: the index digest.
func (i *Index) Digest() (v1.Hash, error) { return i.idx.Digest() }

// Size implements v1.ImageIndex.
func (i *Index) Size() (int64, error) { return i.idx.Size() }

// IndexManifest implements v1.ImageIndex.
func (i *Index) IndexManifest() (*v1.IndexManifest, error) { return i.idx.IndexManifest() }

// RawManifest implements v1.ImageIndex.
func (i *Index) RawManifest() ([]byte, error) { return i.idx.RawManifest() }

// Image implements v1.ImageIndex.
func (i *Index) Image(h v1.Hash) (v1.Image, error) { return i.idx.Image(h) }

// ImageIndex implements v1.ImageIndex.
func (i *Index) ImageIndex(h v1.Hash) (v1.ImageIndex, error) { return i.idx.ImageIndex(h) }

// Close removes temporary files. It is safe to call more than once.
func (i *Index) Close() error {
	if i == nil {
		return nil
	}
	if i.tmpDir == "" {
		return nil
	}
	err := os.RemoveAll(i.tmpDir)
	i.tmpDir = ""
	return err
}

// ErrNoSource is returned when a PlatformSource has neither a base nor a layer,
// or more than one base.
var ErrNoSource = errors.New("oci: platform source needs exactly one of Layout, Tarball, Remote, Image, or a Layer on an empty base")

type picked struct {
	platform string // as filed (normalised string)
	img      v1.Image
	atts     []mutate.IndexAddendum
	source   string
}

// Assemble builds an OCI image index from per-platform sources. It checks
// that every expected platform ([WithPlatforms], default linux/amd64 and
// linux/arm64) is provided exactly once, that nothing else is, and that each
// image's config declares the platform it is filed under; problems are
// reported as [*PlatformError]. Layers are not read into memory: layout and
// tarball layers stay on disk, remote layers stream at push time, and
// layers built from local files are written to temporary files (hashed
// while written) that [Index.Close] removes.
func Assemble(ctx context.Context, sources []PlatformSource, opts ...Option) (*Index, error) {
	o, err := newOptions(opts)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(o.tempDir, "tagship-oci-*")
	if err != nil {
		return nil, fmt.Errorf("oci: temp dir: %w", err)
	}
	return assemble(ctx, sources, o, tmp)
}

// assemble is Assemble with its options parsed and its temporary
// directory made: tmp belongs to the Index returned, and is removed on
// failure.
func assemble(ctx context.Context, sources []PlatformSource, o *options, tmp string) (*Index, error) {
	out := &Index{tmpDir: tmp}
	ok := false
	defer func() {
		if !ok {
			out.Close()
		}
	}()
	expected := make([]v1.Platform, 0, len(o.platforms))
	for _, s := range o.platforms {
		p, err := ParsePlatform(s)
		if err != nil {
			return nil, err
		}
		expected = append(expected, p)
	}

	// Sources load concurrently (bounded by WithJobs): building layers
	// from local files is CPU-bound compression.
	perSource := make([][]picked, len(sources))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(o.jobs)
	for i, src := range sources {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			// Remote images read their layers lazily, at push time, with
			// the context they were fetched with: give them the caller's,
			// not gctx, which errgroup cancels as soon as Wait returns.
			ps, err := loadSource(gctx, ctx, src, expected, o, tmp)
			perSource[i] = ps
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var all []picked
	for _, ps := range perSource {
		all = append(all, ps...)
	}

	byPlatform := map[string]picked{}
	for _, p := range all {
		pl, _ := ParsePlatform(p.platform)
		key := platformString(pl)
		if !containsPlatform(expected, pl) {
			return nil, &PlatformError{Platform: key, Source: p.source, Err: ErrPlatformUnexpected}
		}
		if prev, dup := byPlatform[key]; dup {
			return nil, &PlatformError{Platform: key, Source: prev.source + " and " + p.source, Err: ErrPlatformDuplicate}
		}
		cf, err := p.img.ConfigFile()
		if err != nil {
			return nil, fmt.Errorf("oci: reading config of %s image (%s): %w", key, p.source, err)
		}
		got := v1.Platform{OS: cf.OS, Architecture: cf.Architecture, Variant: cf.Variant}
		if !samePlatform(got, pl) {
			return nil, &PlatformError{Platform: key, Found: platformString(got), Source: p.source, Err: ErrPlatformMismatch}
		}
		byPlatform[key] = p
	}

	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	var adds, attAdds []mutate.IndexAddendum
	for _, want := range expected {
		key := platformString(want)
		p, found := byPlatform[key]
		if !found {
			return nil, &PlatformError{Platform: key, Err: ErrPlatformMissing}
		}
		cf, _ := p.img.ConfigFile()
		plat := v1.Platform{OS: cf.OS, Architecture: cf.Architecture, Variant: cf.Variant, OSVersion: cf.OSVersion}
		adds = append(adds, mutate.IndexAddendum{Add: p.img, Descriptor: v1.Descriptor{Platform: &plat}})
		d, err := p.img.Digest()
		if err != nil {
			return nil, fmt.Errorf("oci: digest of %s image: %w", key, err)
		}
		out.Platforms = append(out.Platforms, PlatformImage{Platform: key, Digest: d, Source: p.source})
		attAdds = append(attAdds, p.atts...)
	}
	idx = mutate.AppendManifests(idx, append(adds, attAdds...)...)
	if len(o.indexAnnotations) > 0 {
		idx = mutate.Annotations(idx, o.indexAnnotations).(v1.ImageIndex)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("oci: computing index: %w", err)
	}
	for _, d := range im.Manifests {
		if isAttestation(d) {
			out.Attestations = append(out.Attestations, d)
		}
	}
	out.idx = idx
	ok = true
	return out, nil
}

func containsPlatform(list []v1.Platform, p v1.Platform) bool {
	for _, q := range list {
		if samePlatform(q, p) {
			return true
		}
	}
	return false
}

// loadSource resolves one PlatformSource into one or more platform images.
// ctx bounds the loading; lazyCtx is the context remote images keep for
// reading their layers later (go-containerregistry binds it at fetch time).
func loadSource(ctx, lazyCtx context.Context, src PlatformSource, expected []v1.Platform, o *options, tmp string) ([]picked, error) {
	bases := 0
	for _, set := range []bool{src.Layout != "", src.Tarball != "", src.Remote != "", src.Image != nil} {
		if set {
			bases++
		}
	}
	if bases > 1 || (bases == 0 && src.Layer.empty()) {
		return nil, fmt.Errorf("%w (source %s)", ErrNoSource, src.describe())
	}
	var want *v1.Platform
	if src.Platform != "" {
		p, err := ParsePlatform(src.Platform)
		if err != nil {
			var pe *PlatformError
			if errors.As(err, &pe) {
				pe.Source = src.describe()
			}
			return nil, err
		}
		want = &p
	}
	desc := src.describe()

	var results []picked
	switch {
	case src.Layout != "":
		idx, err := layout.ImageIndexFromPath(src.Layout)
		if err != nil {
			return nil, fmt.Errorf("oci: reading OCI layout %s: %w", src.Layout, err)
		}
		results, err = pickFromIndex(idx, want, expected, desc)
		if err != nil {
			return nil, err
		}
	case src.Tarball != "":
		img, err := tarball.ImageFromPath(src.Tarball, nil)
		if err != nil {
			return nil, fmt.Errorf("oci: reading docker save tarball %s (it must hold exactly one image): %w", src.Tarball, err)
		}
		results = []picked{{img: img, source: desc}}
	case src.Remote != "":
		ref, err := name.ParseReference(src.Remote, nameOptions(src.Remote, o)...)
		if err != nil {
			return nil, fmt.Errorf("oci: source reference %q: %w", src.Remote, err)
		}
		ropts, _ := remoteOptions(lazyCtx, o, nil)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		d, err := remote.Get(ref, ropts...)
		if err != nil {
			return nil, fmt.Errorf("oci: fetching %s: %w", src.Remote, err)
		}
		if d.MediaType.IsIndex() {
			idx, err := d.ImageIndex()
			if err != nil {
				return nil, fmt.Errorf("oci: reading index %s: %w", src.Remote, err)
			}
			results, err = pickFromIndex(idx, want, expected, desc)
			if err != nil {
				return nil, err
			}
		} else {
			img, err := d.Image()
			if err != nil {
				return nil, fmt.Errorf("oci: reading image %s: %w", src.Remote, err)
			}
			results = []picked{{img: img, source: desc}}
		}
	case src.Image != nil:
		results = []picked{{img: src.Image, source: desc}}
	default:
		if want == nil {
			return nil, fmt.Errorf("oci: source %s has an empty base: set Platform", desc)
		}
		img, err := emptyBase(*want, o)
		if err != nil {
			return nil, err
		}
		results = []picked{{img: img, source: desc}}
	}

	for i := range results {
		r := &results[i]
		if r.platform == "" {
			if want != nil {
				r.platform = platformString(*want)
			} else {
				cf, err := r.img.ConfigFile()
				if err != nil {
					return nil, fmt.Errorf("oci: reading config (%s): %w", desc, err)
				}
				r.platform = platformString(normalise(v1.Platform{OS: cf.OS, Architecture: cf.Architecture, Variant: cf.Variant}))
			}
		}
		if !src.Layer.empty() || src.Entrypoint != nil || src.Cmd != nil {
			if len(results) > 1 {
				return nil, fmt.Errorf("oci: source %s holds several platforms: set Platform to add a layer or change the config", desc)
			}
			img, err := extend(r.img, src, o, tmp)
			if err != nil {
				return nil, err
			}
			r.img = img
			r.atts = nil // attestations described the unmodified image
		}
	}
	return results, nil
}

func emptyBase(p v1.Platform, o *options) (v1.Image, error) {
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	return mutate.ConfigFile(img, &v1.ConfigFile{
		OS:           p.OS,
		Architecture: p.Architecture,
		Variant:      p.Variant,
		Created:      v1.Time{Time: o.layerTime},
		RootFS:       v1.RootFS{Type: "layers"},
		Config:       v1.Config{},
	})
}

func extend(base v1.Image, src PlatformSource, o *options, tmp string) (v1.Image, error) {
	img := base
	if !src.Layer.empty() {
		l, err := BuildLayer(src.Layer, tmp, o.layerTime)
		if err != nil {
			return nil, err
		}
		if mt, err := base.MediaType(); err == nil && mt == types.DockerManifestSchema2 {
			l.(*fileLayer).mediaType = types.DockerLayer
		}
		created := "tagship oci: layer from "
		if src.Layer.Dir != "" {
			created += filepath.Base(src.Layer.Dir)
		} else {
			created += "files"
		}
		img, err = mutate.Append(img, mutate.Addendum{
			Layer:   l,
			History: v1.History{Created: v1.Time{Time: o.layerTime}, CreatedBy: created},
		})
		if err != nil {
			return nil, fmt.Errorf("oci: appending layer: %w", err)
		}
	}
	if src.Entrypoint != nil || src.Cmd != nil {
		cf, err := img.ConfigFile()
		if err != nil {
			return nil, err
		}
		c := *cf.Config.DeepCopy()
		if src.Entrypoint != nil {
			c.Entrypoint = src.Entrypoint
		}
		if src.Cmd != nil {
			c.Cmd = src.Cmd
		}
		img, err = mutate.Config(img, c)
		if err != nil {
			return nil, err
		}
	}
	return img, nil
}

// pickFromIndex chooses the image(s) for a platform (or every expected
// platform when want is nil) from an index, descending into nested
// indexes, and keeps attestation manifests referring to the chosen images.
func pickFromIndex(idx v1.ImageIndex, want *v1.Platform, expected []v1.Platform, source string) ([]picked, error) {
	type cand struct {
		desc  v1.Descriptor
		owner v1.ImageIndex
	}
	var images []cand
	var atts []cand
	var walk func(ii v1.ImageIndex, depth int) error
	walk = func(ii v1.ImageIndex, depth int) error {
		if depth > 4 {
			return fmt.Errorf("oci: %s: indexes nested too deeply", source)
		}
		im, err := ii.IndexManifest()
		if err != nil {
			return fmt.Errorf("oci: reading index of %s: %w", source, err)
		}
		for _, d := range im.Manifests {
			switch {
			case d.MediaType.IsIndex():
				child, err := ii.ImageIndex(d.Digest)
				if err != nil {
					return fmt.Errorf("oci: reading nested index %s of %s: %w", d.Digest, source, err)
				}
				if err := walk(child, depth+1); err != nil {
					return err
				}
			case isAttestation(d):
				atts = append(atts, cand{d, ii})
			case d.MediaType.IsImage():
				images = append(images, cand{d, ii})
			}
		}
		return nil
	}
	if err := walk(idx, 0); err != nil {
		return nil, err
	}

	var chosen []cand
	var platforms []string
	if want != nil {
		for _, c := range images {
			if c.desc.Platform != nil && samePlatform(*c.desc.Platform, *want) {
				chosen = append(chosen, c)
			}
		}
		if len(chosen) == 0 && len(images) == 1 && images[0].desc.Platform == nil {
			chosen = images // single unlabelled image: the config check decides
		}
		switch len(chosen) {
		case 0:
			return nil, &PlatformError{Platform: platformString(*want), Source: source, Err: ErrPlatformMissing}
		case 1:
		default:
			return nil, &PlatformError{Platform: platformString(*want), Source: source, Err: ErrPlatformDuplicate}
		}
		platforms = []string{platformString(*want)}
	} else {
		for _, c := range images {
			if c.desc.Platform == nil {
				if len(images) == 1 {
					chosen = append(chosen, c)
					platforms = append(platforms, "")
				}
				continue
			}
			// Platforms outside the expected set are left behind when the
			// whole index is taken; duplicates are caught by Assemble.
			if containsPlatform(expected, *c.desc.Platform) {
				chosen = append(chosen, c)
				platforms = append(platforms, platformString(normalise(*c.desc.Platform)))
			}
		}
	}
	var out []picked
	for i, c := range chosen {
		img, err := c.owner.Image(c.desc.Digest)
		if err != nil {
			return nil, fmt.Errorf("oci: reading image %s of %s: %w", c.desc.Digest, source, err)
		}
		p := picked{platform: platforms[i], img: img, source: source}
		for _, a := range atts {
			if a.desc.Annotations[annotationReferenceDigest] != c.desc.Digest.String() {
				continue
			}
			aimg, err := a.owner.Image(a.desc.Digest)
			if err != nil {
				return nil, fmt.Errorf("oci: reading attestation manifest %s of %s: %w", a.desc.Digest, source, err)
			}
			ad := v1.Descriptor{Annotations: a.desc.Annotations, Platform: a.desc.Platform}
			if ad.Platform == nil {
				ad.Platform = &v1.Platform{OS: "unknown", Architecture: "unknown"}
			}
			p.atts = append(p.atts, mutate.IndexAddendum{Add: aimg, Descriptor: ad})
		}
		out = append(out, p)
	}
	return out, nil
}
