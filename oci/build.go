package oci

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tagship/tagship/internal/buildcmd"
)

// ErrBuild: a [Build] did not produce the OCI layout it must write.
var ErrBuild = errors.New("oci: image build failed")

// LayoutBuild is a run of an image builder that writes a multi-platform
// OCI image layout, for [Build]. Set Command or Dockerfile.
type LayoutBuild struct {
	// Command is run with "sh -c" in Dir and must write an OCI image
	// layout (an index of every platform) at the directory named by
	// $TAGSHIP_IMAGE_LAYOUT; TAGSHIP_IMAGE_PLATFORMS holds Platforms,
	// comma-separated.
	Command string
	// Dockerfile, relative to Dir, is built with docker buildx for every
	// platform into the layout (after docker/setup-qemu-action and
	// docker/setup-buildx-action in GitHub Actions).
	Dockerfile string
	// Context is the build context, relative to Dir. Default: the
	// Dockerfile's directory.
	Context string
	// Platforms the image is built for and must hold. Default
	// [DefaultPlatforms]() (linux/amd64, linux/arm64).
	Platforms []string
	// Dir is where the builder runs. Default: the current directory.
	Dir string
	// Log receives each non-empty line of the builder's output, redacted.
	// Default: the output is discarded (an error quotes its end).
	Log func(line string)
}

// Argv is the command [Build] runs to write the layout at dir:
// `docker buildx build --platform … --file DOCKERFILE --output
// type=oci,dest=DIR,tar=false CONTEXT` for a Dockerfile, `sh -c COMMAND`
// otherwise.
func (b LayoutBuild) Argv(dir string) []string {
	if b.Dockerfile == "" {
		return []string{"sh", "-c", b.Command}
	}
	return []string{"docker", "buildx", "build",
		"--platform", strings.Join(b.platforms(), ","),
		"--file", b.Dockerfile,
		"--output", "type=oci,dest=" + dir + ",tar=false",
		b.context()}
}

// Check reports, without running anything, what makes b unusable: not
// exactly one of Command and Dockerfile, or a platform that is not
// OS/ARCH[/VARIANT] ([ParsePlatform]). Every problem is in the error
// (errors.Join). [Build] checks b first.
func (b LayoutBuild) Check() error {
	var errs []error
	switch {
	case b.Command == "" && b.Dockerfile == "":
		errs = append(errs, errors.New("set Command or Dockerfile"))
	case b.Command != "" && b.Dockerfile != "":
		errs = append(errs, errors.New("set Command or Dockerfile, not both"))
	}
	for _, p := range b.Platforms {
		if _, err := ParsePlatform(p); err != nil {
			errs = append(errs, err) // names the platform
		}
	}
	return errors.Join(errs...)
}

func (b LayoutBuild) platforms() []string {
	if len(b.Platforms) == 0 {
		return DefaultPlatforms()
	}
	return b.Platforms
}

func (b LayoutBuild) context() string {
	if b.Context == "" {
		return filepath.Dir(b.Dockerfile)
	}
	return b.Context
}

// Build runs b's builder into a new OCI image layout in a temporary
// directory (under [WithTempDir]) and assembles the index it holds, which
// must have an image for each of b.Platforms and nothing else (see
// [Assemble]); [Index.Close] removes the layout. The builder runs like
// the project's own build: without the CI's credentials in its
// environment (every variable named like a token, secret or password is
// removed), and its output redacted of them and of those [WithEnv]
// reports. It fails with the builder's error, or with [ErrBuild] when the
// builder succeeded but wrote no layout.
func Build(ctx context.Context, b LayoutBuild, opts ...Option) (*Index, error) {
	if err := b.Check(); err != nil {
		return nil, fmt.Errorf("oci: Build: LayoutBuild: %w", err)
	}
	o, err := newOptions(opts)
	if err != nil {
		return nil, err
	}
	// The layout must hold exactly the build's platforms.
	platforms := b.platforms()
	if err := WithPlatforms(platforms...)(o); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(o.tempDir, "tagship-image-*")
	if err != nil {
		return nil, fmt.Errorf("oci: temp dir: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(tmp)
		}
	}()
	dir := filepath.Join(tmp, "layout")
	err = buildcmd.Run(ctx, buildcmd.Command{Argv: b.Argv(dir), Dir: b.Dir, Getenv: o.getenv, Log: b.Log,
		Env: []string{"TAGSHIP_IMAGE_LAYOUT=" + dir, "TAGSHIP_IMAGE_PLATFORMS=" + strings.Join(platforms, ",")}})
	if err != nil {
		return nil, fmt.Errorf("image build: %w", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "index.json")); err != nil {
		return nil, fmt.Errorf("%w: the image build wrote no OCI layout at $TAGSHIP_IMAGE_LAYOUT (%s): expected an index.json holding %s; with buildah: `buildah manifest push --all NAME oci:$TAGSHIP_IMAGE_LAYOUT`, with buildx: `--output type=oci,dest=$TAGSHIP_IMAGE_LAYOUT,tar=false`",
			ErrBuild, dir, strings.Join(platforms, ", "))
	}
	// One temporary directory for the layout and the layers: the Index's,
	// removed by its Close (or by assemble when it fails).
	ok = true
	return assemble(ctx, []PlatformSource{{Layout: dir}}, o, tmp)
}
