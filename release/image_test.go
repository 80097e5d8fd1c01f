package release_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/layout"

	"github.com/tagship/tagship/internal/interop"
	"github.com/tagship/tagship/oci"
	"github.com/tagship/tagship/release"
	"github.com/tagship/tagship/release/releasetest"
)

// writeLayout assembles the sample's two-platform image and writes it as
// an OCI layout, as a builder would.
func writeLayout(t *testing.T) (dir, digest string) {
	t.Helper()
	srcs, err := releasetest.ImageSources(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	idx, err := oci.Assemble(context.Background(), srcs, oci.WithTempDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	dir = filepath.Join(t.TempDir(), "prebuilt")
	if _, err := layout.Write(dir, idx); err != nil {
		t.Fatal(err)
	}
	d, err := idx.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return dir, d.String()
}

func imageBuildRun(t *testing.T, env *releasetest.Env, dir string, b release.ImageBuild) (*release.Report, error) {
	t.Helper()
	cfg, err := env.Config(dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Platforms, cfg.ImageBuild = nil, b
	p, err := release.Standard(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p.Run(context.Background())
}

// An image built by the project's own command into $TAGSHIP_IMAGE_LAYOUT,
// after build-wheel (NeedsWheel: the command sees the signed wheel).
func TestStandardImageBuildCommand(t *testing.T) {
	t.Parallel()
	env, dir := prepared(t)
	prebuilt, digest := writeLayout(t)
	script := `set -e
test "$TAGSHIP_IMAGE_PLATFORMS" = linux/amd64,linux/arm64
ls dist/*.whl dist/*.whl.sigstore.json >/dev/null
cp -R '` + prebuilt + `' "$TAGSHIP_IMAGE_LAYOUT"`
	r, err := imageBuildRun(t, env, dir, release.ImageBuild{Command: script, NeedsWheel: true})
	if err != nil {
		t.Fatalf("%v\n%s", err, r.Table())
	}
	if got := stateOf(t, env).Image; got != env.Tag+" "+digest {
		t.Errorf("published image %q, want the built layout's %s", got, digest)
	}
}

func TestStandardImageBuildFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, script string
		want         error
		wantText     string
	}{
		{"no layout written", "true", release.ErrImageBuild, "index.json"},
		{"command fails", "echo broken >&2; exit 3", nil, "broken"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env, dir := prepared(t)
			r, err := imageBuildRun(t, env, dir, release.ImageBuild{Command: tc.script})
			if err == nil {
				t.Fatal("the run succeeded")
			}
			j, _ := r.Job(release.JobBuildImage)
			if j.Status != release.StatusFailed || (tc.want != nil && !errors.Is(j.Err, tc.want)) || !strings.Contains(j.Err.Error(), tc.wantText) {
				t.Fatalf("build-image: %s, %v; want failed with %v mentioning %q", j.Status, j.Err, tc.want, tc.wantText)
			}
			if st := stateOf(t, env); st.Image != "" || st.Public {
				t.Errorf("published after a failed image build: %+v", st)
			}
		})
	}
}

// The offline stand-in for docker buildx on a runner: Debian's buildah
// builds the project's Dockerfile (FROM scratch, COPY of the built wheel)
// for both platforms into the layout build-image pushes and signs.
func TestInteropImageBuildBuildah(t *testing.T) {
	t.Parallel()
	buildah := interop.Tool(t, "buildah")
	if os.Geteuid() != 0 {
		if interop.Required() {
			t.Fatal("buildah's vfs builds need root")
		}
		t.Skip("buildah's vfs builds need root")
	}
	env, dir := prepared(t)
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\nCOPY dist/*.whl /wheels/\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	store := t.TempDir()
	name := "tagship-test-" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-"))
	sh := func(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
	bh := sh(buildah) + " --root " + sh(store+"/root") + " --runroot " + sh(store+"/run") + " --storage-driver vfs"
	script := "set -e\n" + bh + " build --platform \"$TAGSHIP_IMAGE_PLATFORMS\" --manifest " + name + " -f Dockerfile .\n" +
		bh + " manifest push --all " + name + " oci:\"$TAGSHIP_IMAGE_LAYOUT\"\n"
	r, err := imageBuildRun(t, env, dir, release.ImageBuild{Command: script, NeedsWheel: true})
	if err != nil {
		t.Fatalf("%v\n%s", err, r.Table())
	}
	var img release.ImageResult
	j, _ := r.Job(release.JobBuildImage)
	if err := json.Unmarshal(j.Output, &img); err != nil || len(img.Platforms) != 2 {
		t.Fatalf("image %s: %+v", j.Output, img)
	}
	if st := stateOf(t, env); st.Image != env.Tag+" "+img.Digest {
		t.Errorf("published %q, built %s", st.Image, img.Digest)
	}
	_ = exec.Command(buildah, "--root", store+"/root", "--runroot", store+"/run", "--storage-driver", "vfs", "rmi", "--all", "--force").Run()
}
