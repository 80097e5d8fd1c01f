package oci

import (
	"archive/tar"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

func TestParsePlatform(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{"linux/amd64", "linux/amd64", false},
		{"linux/arm64", "linux/arm64", false},
		{"linux/arm64/v8", "linux/arm64", false},
		{"linux/arm/v7", "linux/arm/v7", false},
		{"linux", "", true},
		{"linux/", "", true},
		{"/amd64", "", true},
		{"linux/amd64/v1/x", "", true},
		{"linux/amd 64", "", true},
		{"", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			p, err := ParsePlatform(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrPlatformInvalid) {
					t.Fatalf("ParsePlatform(%q) err = %v, want ErrPlatformInvalid", tt.in, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := platformString(p); got != tt.want {
				t.Fatalf("ParsePlatform(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzParsePlatform(f *testing.F) {
	for _, s := range []string{"linux/amd64", "linux/arm/v7", "linux/arm64/v8", "a/b/c/d", "/", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePlatform(s)
		if err != nil {
			var pe *PlatformError
			if !errors.As(err, &pe) || pe.Error() == "" {
				t.Fatalf("error %v is not a *PlatformError", err)
			}
			return
		}
		again, err := ParsePlatform(platformString(p))
		if err != nil || platformString(again) != platformString(p) {
			t.Fatalf("round trip of %q: %v %v", s, again, err)
		}
	})
}

func readTar(t *testing.T, l v1.Layer) []*tar.Header {
	t.Helper()
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	var out []*tar.Header
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, h)
	}
}

func TestBuildLayerReproducible(t *testing.T) {
	t.Parallel()
	files := map[string]string{"bin/app": "#!/bin/sh\necho hi\n", "etc/app.conf": "x=1\n", "a.txt": "a"}
	d1, d2 := writeTree(t, files), writeTree(t, files)
	// Different mtimes and permission noise in the second tree.
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	for p := range files {
		if err := os.Chtimes(filepath.Join(d2, p), old, old); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{d1, d2} {
		if err := os.Chmod(filepath.Join(d, "bin/app"), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Join(d2, "a.txt"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("bin/app", filepath.Join(d1, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("bin/app", filepath.Join(d2, "link")); err != nil {
		t.Fatal(err)
	}
	mtime := time.Unix(1700000000, 0)
	tmp := t.TempDir()
	l1, err := BuildLayer(LayerSpec{Dir: d1, Prefix: "/srv/app"}, tmp, mtime)
	if err != nil {
		t.Fatal(err)
	}
	l2, err := BuildLayer(LayerSpec{Dir: d2, Prefix: "/srv/app"}, tmp, mtime)
	if err != nil {
		t.Fatal(err)
	}
	h1, _ := l1.Digest()
	h2, _ := l2.Digest()
	if h1 != h2 {
		t.Fatalf("layers of identical content differ: %s vs %s", h1, h2)
	}
	// The digest really is the sha256 of the compressed bytes.
	rc, _ := l1.Compressed()
	got, _, err := v1.SHA256(rc)
	rc.Close()
	if err != nil || got != h1 {
		t.Fatalf("recomputed digest %s, layer says %s (%v)", got, h1, err)
	}
	want := []struct {
		name string
		mode int64
		typ  byte
	}{
		{"srv/", 0o755, tar.TypeDir},
		{"srv/app/", 0o755, tar.TypeDir},
		{"srv/app/a.txt", 0o644, tar.TypeReg},
		{"srv/app/bin/", 0o755, tar.TypeDir},
		{"srv/app/bin/app", 0o755, tar.TypeReg},
		{"srv/app/etc/", 0o755, tar.TypeDir},
		{"srv/app/etc/app.conf", 0o644, tar.TypeReg},
		{"srv/app/link", 0o777, tar.TypeSymlink},
	}
	hdrs := readTar(t, l1)
	if len(hdrs) != len(want) {
		names := []string{}
		for _, h := range hdrs {
			names = append(names, h.Name)
		}
		t.Fatalf("entries %v, want %d entries", names, len(want))
	}
	for i, h := range hdrs {
		w := want[i]
		if h.Name != w.name || h.Mode != w.mode || h.Typeflag != w.typ {
			t.Errorf("entry %d = %s %o %c, want %s %o %c", i, h.Name, h.Mode, h.Typeflag, w.name, w.mode, w.typ)
		}
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" {
			t.Errorf("entry %s leaks owner %d:%d %q:%q", h.Name, h.Uid, h.Gid, h.Uname, h.Gname)
		}
		if !h.ModTime.Equal(mtime) {
			t.Errorf("entry %s mtime %v, want %v", h.Name, h.ModTime, mtime)
		}
	}
}

func TestBuildLayerRefusesBadInput(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string]string{"f": "x"})
	tests := []struct {
		name string
		spec LayerSpec
	}{
		{"relative prefix", LayerSpec{Dir: dir, Prefix: "app"}},
		{"missing dir", LayerSpec{Dir: filepath.Join(dir, "nope")}},
		{"dir given as file", LayerSpec{Files: map[string]string{"/x": dir}}},
		{"relative file path", LayerSpec{Files: map[string]string{"x": filepath.Join(dir, "f")}}},
		{"path twice", LayerSpec{Dir: dir, Files: map[string]string{"/f": filepath.Join(dir, "f")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := BuildLayer(tt.spec, t.TempDir(), time.Unix(0, 0)); err == nil {
				t.Fatal("BuildLayer accepted bad input")
			}
		})
	}
}

// platformImage returns a small random image whose config declares p.
func platformImage(t *testing.T, p string) v1.Image {
	t.Helper()
	img, err := random.Image(512, 1)
	if err != nil {
		t.Fatal(err)
	}
	pl, err := ParsePlatform(p)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Variant = pl.OS, pl.Architecture, pl.Variant
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestAssembleErrors(t *testing.T) {
	t.Parallel()
	amd := func(t *testing.T) PlatformSource {
		return PlatformSource{Platform: "linux/amd64", Image: platformImage(t, "linux/amd64")}
	}
	arm := func(t *testing.T) PlatformSource {
		return PlatformSource{Platform: "linux/arm64", Image: platformImage(t, "linux/arm64")}
	}
	tests := []struct {
		name     string
		sources  func(t *testing.T) []PlatformSource
		opts     []Option
		want     error
		platform string
	}{
		{"missing arm64", func(t *testing.T) []PlatformSource { return []PlatformSource{amd(t)} }, nil, ErrPlatformMissing, "linux/arm64"},
		{"duplicate amd64", func(t *testing.T) []PlatformSource { return []PlatformSource{amd(t), amd(t), arm(t)} }, nil, ErrPlatformDuplicate, "linux/amd64"},
		{"duplicate via arm64/v8", func(t *testing.T) []PlatformSource {
			return []PlatformSource{amd(t), arm(t), {Platform: "linux/arm64/v8", Image: platformImage(t, "linux/arm64")}}
		}, nil, ErrPlatformDuplicate, "linux/arm64"},
		{"unexpected s390x", func(t *testing.T) []PlatformSource {
			return []PlatformSource{amd(t), arm(t), {Platform: "linux/s390x", Image: platformImage(t, "linux/s390x")}}
		}, nil, ErrPlatformUnexpected, "linux/s390x"},
		{"config mismatch", func(t *testing.T) []PlatformSource {
			return []PlatformSource{amd(t), {Platform: "linux/arm64", Image: platformImage(t, "linux/amd64")}}
		}, nil, ErrPlatformMismatch, "linux/arm64"},
		{"variant mismatch", func(t *testing.T) []PlatformSource {
			return []PlatformSource{{Platform: "linux/arm/v7", Image: platformImage(t, "linux/arm/v6")}}
		}, []Option{WithPlatforms("linux/arm/v7")}, ErrPlatformMismatch, "linux/arm/v7"},
		{"invalid platform", func(t *testing.T) []PlatformSource {
			return []PlatformSource{{Platform: "amd64", Image: platformImage(t, "linux/amd64")}}
		}, nil, ErrPlatformInvalid, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Assemble(context.Background(), tt.sources(t), append([]Option{WithTempDir(t.TempDir())}, tt.opts...)...)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			var pe *PlatformError
			if !errors.As(err, &pe) {
				t.Fatalf("err %T is not a *PlatformError", err)
			}
			if pe.Platform != tt.platform {
				t.Fatalf("PlatformError.Platform = %q, want %q (%v)", pe.Platform, tt.platform, err)
			}
		})
	}
	t.Run("no source", func(t *testing.T) {
		t.Parallel()
		_, err := Assemble(context.Background(), []PlatformSource{{Platform: "linux/amd64"}}, WithTempDir(t.TempDir()))
		if !errors.Is(err, ErrNoSource) {
			t.Fatalf("err = %v, want ErrNoSource", err)
		}
	})
}

func TestAssembleSources(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tmp := t.TempDir()

	// An OCI layout holding a buildx-style index: two platforms, one
	// attestation manifest, plus a platform we don't want.
	amd := platformImage(t, "linux/amd64")
	arm := platformImage(t, "linux/arm64")
	ppc := platformImage(t, "linux/ppc64le")
	armDigest, _ := arm.Digest()
	att, _ := random.Image(100, 1)
	buildx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex),
		mutate.IndexAddendum{Add: amd, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
		mutate.IndexAddendum{Add: arm, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64"}}},
		mutate.IndexAddendum{Add: ppc, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "ppc64le"}}},
		mutate.IndexAddendum{Add: att, Descriptor: v1.Descriptor{
			Platform:    &v1.Platform{OS: "unknown", Architecture: "unknown"},
			Annotations: map[string]string{annotationReferenceType: "attestation-manifest", annotationReferenceDigest: armDigest.String()},
		}},
	)
	layoutDir := filepath.Join(tmp, "layout")
	lp, err := layout.Write(layoutDir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendIndex(buildx); err != nil {
		t.Fatal(err)
	}

	// A docker save tarball of an arm/v7 image.
	armv7 := platformImage(t, "linux/arm/v7")
	tarPath := filepath.Join(tmp, "armv7.tar")
	tag, _ := name.NewTag("example.com/app:v7")
	if err := tarball.WriteToFile(tarPath, tag, armv7); err != nil {
		t.Fatal(err)
	}

	t.Run("whole layout", func(t *testing.T) {
		t.Parallel()
		idx, err := Assemble(ctx, []PlatformSource{{Layout: layoutDir}}, WithTempDir(t.TempDir()))
		if err != nil {
			t.Fatal(err)
		}
		defer idx.Close()
		if len(idx.Platforms) != 2 || idx.Platforms[0].Platform != "linux/amd64" || idx.Platforms[1].Digest != armDigest {
			t.Fatalf("platforms = %+v", idx.Platforms)
		}
		if len(idx.Attestations) != 1 || idx.Attestations[0].Annotations[annotationReferenceDigest] != armDigest.String() {
			t.Fatalf("attestations = %+v", idx.Attestations)
		}
		im, _ := idx.IndexManifest()
		if len(im.Manifests) != 3 {
			t.Fatalf("index has %d manifests, want 2 platforms + 1 attestation", len(im.Manifests))
		}
	})
	t.Run("layout per platform plus tarball and layer", func(t *testing.T) {
		t.Parallel()
		idx, err := Assemble(ctx, []PlatformSource{
			{Platform: "linux/amd64", Layout: layoutDir},
			{Platform: "linux/arm64", Layout: layoutDir, Layer: LayerSpec{Files: map[string]string{"/etc/motd": tarPath}}},
			{Platform: "linux/arm/v7", Tarball: tarPath},
		}, WithPlatforms("linux/amd64", "linux/arm64", "linux/arm/v7"), WithTempDir(t.TempDir()))
		if err != nil {
			t.Fatal(err)
		}
		defer idx.Close()
		if len(idx.Platforms) != 3 {
			t.Fatalf("platforms = %+v", idx.Platforms)
		}
		if idx.Platforms[1].Digest == armDigest {
			t.Fatal("arm64 image with an extra layer kept the base digest")
		}
		if len(idx.Attestations) != 0 {
			t.Fatal("attestation of the unmodified arm64 image kept for the modified one")
		}
		im, _ := idx.IndexManifest()
		if im.Manifests[2].Platform.Variant != "v7" {
			t.Fatalf("arm/v7 descriptor platform = %+v", im.Manifests[2].Platform)
		}
	})
	t.Run("empty base reproducible", func(t *testing.T) {
		t.Parallel()
		dir := writeTree(t, map[string]string{"app": "binary"})
		build := func() v1.Hash {
			idx, err := Assemble(ctx, []PlatformSource{
				{Platform: "linux/amd64", Layer: LayerSpec{Dir: dir}, Entrypoint: []string{"/app"}},
				{Platform: "linux/arm64", Layer: LayerSpec{Dir: dir}, Entrypoint: []string{"/app"}},
			}, WithTempDir(t.TempDir()))
			if err != nil {
				t.Fatal(err)
			}
			defer idx.Close()
			d, err := idx.Digest()
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		a := build()
		time.Sleep(10 * time.Millisecond)
		if b := build(); a != b {
			t.Fatalf("same inputs gave index digests %s and %s", a, b)
		}
	})
}

func TestAssembleOptions(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string]string{"f": "x"})
	src := []PlatformSource{{Platform: "linux/arm/v7", Layer: LayerSpec{Dir: dir}}}
	idx, err := Assemble(context.Background(), src, WithPlatforms("linux/arm/v7"),
		WithIndexAnnotations(map[string]string{"org.opencontainers.image.source": "https://github.com/o/r"}), WithTempDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if im.Annotations["org.opencontainers.image.source"] != "https://github.com/o/r" {
		t.Fatalf("annotations %v", im.Annotations)
	}
	if p := im.Manifests[0].Platform; p == nil || p.Variant != "v7" || p.Architecture != "arm" {
		t.Fatalf("platform %+v", p)
	}
	if _, err := Assemble(context.Background(), src, WithPlatforms("linux/arm64", "linux/arm64/v8")); !errors.Is(err, ErrPlatformDuplicate) {
		t.Fatalf("duplicate expected platforms: err = %v", err)
	}
}
