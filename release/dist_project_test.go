package release_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tagship/tagship/release"
	"github.com/tagship/tagship/release/releasetest"
	"github.com/tagship/tagship/sign/signtest"
)

// TestDistOfAnotherProjectRefusedBeforeSigning: a build that leaves
// distributions of another project in dist/ fails build-wheel before
// anything is signed; nothing is certified under this release.
func TestDistOfAnotherProjectRefusedBeforeSigning(t *testing.T) {
	t.Parallel()
	env, dir := prepared(t)
	cfg, err := env.Config(dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Build = func(ctx context.Context, dir, distDir string) error {
		other := t.TempDir()
		if err := os.CopyFS(other, os.DirFS(dir)); err != nil {
			return err
		}
		pp := filepath.Join(other, "pyproject.toml")
		b, err := os.ReadFile(pp)
		if err != nil {
			return err
		}
		b = []byte(strings.Replace(string(b), `name = "hello-release"`, `name = "stray-project"`, 1))
		if err := os.WriteFile(pp, b, 0o644); err != nil {
			return err
		}
		if err := os.Rename(filepath.Join(other, "src", "hello_release"), filepath.Join(other, "src", "stray_project")); err != nil {
			return err
		}
		return releasetest.BuildDists(ctx, other, distDir)
	}
	cfg.PipelineOptions = append(cfg.PipelineOptions, release.WithStateDir(t.TempDir()))
	p, err := release.Standard(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Run(context.Background())
	var re *release.RunError
	if !errors.As(err, &re) || !contains(re.Failed, release.JobBuildWheel) {
		t.Fatalf("want build-wheel to fail, got %v", err)
	}
	if !errors.Is(err, release.ErrDist) {
		t.Fatalf("want ErrDist, got %v", err)
	}
	if n := env.Sigstore.Requests(signtest.Fulcio); n > 1 {
		// build-image signs its image (one certificate); the files got none.
		t.Fatalf("%d certificate requests: the stray files were signed", n)
	}
}
