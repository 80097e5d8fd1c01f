package oci

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tagship/tagship/oci/ocitest"
)

// remoteRegistry is a registry a PlatformSource.Remote reads from: the
// in-process double, or Debian's real docker-registry.
type remoteRegistry struct {
	name string
	host func(t *testing.T) string
}

// A remote index as the base of a new release image: Assemble picks both
// platforms from it, and the push afterwards streams their layers from
// the source registry. Regression: the errgroup context Assemble loads
// sources under was bound into the remote images, so every later layer
// read failed with "context canceled".
func TestAssembleRemoteSource(t *testing.T) {
	t.Parallel()
	for _, rr := range []remoteRegistry{
		{"ocitest", func(t *testing.T) string { return ocitest.New(t).Host() }},
		{"docker-registry", func(t *testing.T) string { return ocitest.StartDockerRegistry(t).Host }},
	} {
		t.Run(rr.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			host := rr.host(t)
			src := host + "/base/app:v1.0.0"
			if _, err := Push(ctx, twoPlatformIndex(t), src, testLogger(t)); err != nil {
				t.Fatal(err)
			}
			idx, err := Assemble(ctx, []PlatformSource{{Remote: src}}, WithTempDir(t.TempDir()), testLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			defer idx.Close()
			if len(idx.Platforms) != 2 {
				t.Fatalf("picked %d platforms from the remote index, want 2", len(idx.Platforms))
			}
			// Another repository: every layer is read from the source
			// registry again (no cross-repository mount from a double that
			// may not offer it), long after Assemble returned.
			dst := host + "/release/app:v2.0.0"
			pr, err := Push(ctx, idx, dst, testLogger(t))
			if err != nil {
				t.Fatalf("push of an index assembled from %s: %v", src, err)
			}
			for _, p := range idx.Platforms {
				if got := pr.Platforms[p.Platform]; got != p.Digest {
					t.Errorf("%s: pushed %s, assembled %s", p.Platform, got, p.Digest)
				}
			}
		})
	}
}

func TestResolve(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg := ocitest.New(t)
	idx := twoPlatformIndex(t)
	pr, err := Push(ctx, idx, reg.Host()+"/app:v1.0.0", testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	got, err := Resolve(ctx, reg.Host()+"/app:v1.0.0", testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if got.Digest != pr.Digest || len(got.Platforms) != 2 {
		t.Fatalf("resolved %s with %d platforms, pushed %s with 2", got.Digest, len(got.Platforms), pr.Digest)
	}
	for p, h := range pr.Platforms {
		if got.Platforms[p] != h {
			t.Errorf("%s: resolved %s, pushed %s", p, got.Platforms[p], h)
		}
	}
	if _, err := Resolve(ctx, reg.Host()+"/app:v9.9.9", testLogger(t)); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing tag: %v, want ErrNotFound", err)
	}
	if _, err := Resolve(ctx, reg.Host()+"/app@sha256:"+strings.Repeat("0", 64), testLogger(t)); err == nil {
		t.Errorf("a digest reference was accepted as a tag")
	}
}
