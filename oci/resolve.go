package oci

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// ErrNotFound: the registry has no manifest for the reference.
var ErrNotFound = errors.New("oci: no such image")

// Resolved is what a tag points to in a registry.
type Resolved struct {
	// Repository is the normalised repository, Tag the tag resolved.
	Repository, Tag string
	// Digest is the digest the tag points to.
	Digest v1.Hash
	// Platforms maps "os/arch[/variant]" to each platform image's digest
	// when the tag points to an index (attestation manifests left out).
	Platforms map[string]v1.Hash
}

// Resolve looks up the digest a tag ("REGISTRY/REPO:TAG") points to, and
// the platform images of an index, without reading any layer. A missing
// tag is an error matching [ErrNotFound].
func Resolve(ctx context.Context, ref string, opts ...Option) (*Resolved, error) {
	o, err := newOptions(opts)
	if err != nil {
		return nil, err
	}
	tag, err := name.NewTag(ref, append(nameOptions(ref, o), name.StrictValidation)...)
	if err != nil {
		return nil, fmt.Errorf("oci: reference %q: %w (expected REGISTRY/REPO:TAG)", ref, err)
	}
	ropts, err := remoteOptions(ctx, o, nil)
	if err != nil {
		return nil, err
	}
	d, err := remote.Get(tag, ropts...)
	if isNotFound(err) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, ref)
	}
	if err != nil {
		return nil, fmt.Errorf("oci: resolving %s: %w", ref, withStatus(err))
	}
	res := &Resolved{Repository: tag.Context().Name(), Tag: tag.TagStr(), Digest: d.Digest, Platforms: map[string]v1.Hash{}}
	if d.MediaType.IsIndex() {
		idx, err := d.ImageIndex()
		if err != nil {
			return nil, fmt.Errorf("oci: reading index %s: %w", ref, err)
		}
		im, err := idx.IndexManifest()
		if err != nil {
			return nil, fmt.Errorf("oci: reading index %s: %w", ref, err)
		}
		for _, m := range im.Manifests {
			if m.Platform == nil || isAttestation(m) {
				continue
			}
			res.Platforms[platformString(normalise(*m.Platform))] = m.Digest
		}
	}
	return res, nil
}
