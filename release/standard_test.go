package release_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/tagship/tagship/ghrelease/ghreleasetest"
	"github.com/tagship/tagship/oci"
	"github.com/tagship/tagship/pypi"
	"github.com/tagship/tagship/pypi/pypitest"
	"github.com/tagship/tagship/release"
	"github.com/tagship/tagship/release/releasetest"
	"github.com/tagship/tagship/sign"
)

// prepared starts the doubles and writes a sample project already prepared
// for the env's tag (manifest bumped, changelog cut), as a maintainer would
// have pushed it.
func prepared(t *testing.T, opts ...releasetest.Option) (*releasetest.Env, string) {
	t.Helper()
	env, err := releasetest.NewEnv(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Close)
	dir := t.TempDir()
	if _, err := env.PrepareProject(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	return env, dir
}

func standard(t *testing.T, env *releasetest.Env, dir string, opts ...release.Option) *release.Pipeline {
	t.Helper()
	cfg, err := env.Config(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Retries stay on, but fast: the faults below are meant to outlast them.
	cfg.PyPIOptions = append(cfg.PyPIOptions, pypi.WithRetry(pypi.RetryPolicy{Attempts: 2, MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, MaxRetryAfter: time.Second}))
	cfg.PipelineOptions = opts
	p, err := release.Standard(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// releaseState is everything a release leaves behind on the services.
type releaseState struct {
	PyPI   []string // filename sha256
	Assets []string // name sha256
	Image  string   // tag digest
	Public bool
}

func stateOf(t *testing.T, env *releasetest.Env) releaseState {
	t.Helper()
	var st releaseState
	for _, f := range env.PyPI.Files() {
		st.PyPI = append(st.PyPI, f.Filename+" "+f.SHA256)
	}
	owner, repo, _ := strings.Cut(env.Repository, "/")
	if r, ok := env.GitHub.ReleaseByTag(owner, repo, env.Tag); ok {
		st.Public = !r.Draft
		for _, a := range r.Assets {
			st.Assets = append(st.Assets, a.Name+" "+a.SHA256)
		}
	}
	sort.Strings(st.PyPI)
	sort.Strings(st.Assets)
	v, err := sign.NewVerifier(env.Sigstore.VerifierOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	res, err := oci.Verify(context.Background(), env.ImageRepository()+":"+env.Tag,
		sign.GitHubReleasePolicy(env.Repository, "", env.Tag), v)
	if err == nil {
		st.Image = env.Tag + " " + res.Digest.String()
	}
	return st
}

func TestStandardReleaseEndToEnd(t *testing.T) {
	t.Parallel()
	env, dir := prepared(t)
	state := t.TempDir()
	var mu sync.Mutex
	complete := map[string]bool{} // "job item" whose last progress event had done == total
	progress := release.WithEvents(func(e release.Event) {
		if e.Kind == release.EventProgress {
			mu.Lock()
			complete[e.Job+" "+e.Item] = e.Done == e.Total && e.Total > 0
			mu.Unlock()
		}
	})
	p := standard(t, env, dir, release.WithStateDir(state), progress)
	if got := strings.Join(p.Names(), ","); got != "preflight,build-wheel,build-image,publish-pypi,publish-release" {
		t.Fatalf("jobs %s", got)
	}
	ctx := context.Background()
	r, err := p.Run(ctx)
	if err != nil {
		t.Fatalf("release: %v\n%s", err, r.Table())
	}
	// Bytes uploaded are reported as progress events, file by file.
	for _, want := range []string{
		"publish-pypi hello_release-0.11.0-py3-none-any.whl", "publish-pypi hello_release-0.11.0.tar.gz",
		"publish-release hello_release-0.11.0.tar.gz.sigstore.json", "publish-release hello-release-0.11.0.cdx.json",
		"build-image " + env.ImageRepository() + ":" + env.Tag,
	} {
		if !complete[want] {
			t.Errorf("no complete progress event for %s (got %v)", want, complete)
		}
	}
	st := stateOf(t, env)
	if len(st.PyPI) != 2 {
		t.Errorf("PyPI has %v, want wheel and sdist", st.PyPI)
	}
	if !st.Public {
		t.Error("release not published")
	}
	wantAssets := []string{"SHA256SUMS", "SHA256SUMS.sigstore.json", "hello-release-0.11.0.cdx.json", "hello-release-0.11.0.cdx.json.sigstore.json", "hello-release-0.11.0.provenance.sigstore.json", "hello_release-0.11.0-py3-none-any.whl",
		"hello_release-0.11.0-py3-none-any.whl.sigstore.json", "hello_release-0.11.0.tar.gz", "hello_release-0.11.0.tar.gz.sigstore.json"}
	var names []string
	for _, a := range st.Assets {
		names = append(names, strings.Fields(a)[0])
	}
	sort.Strings(wantAssets)
	if strings.Join(names, ",") != strings.Join(wantAssets, ",") {
		t.Errorf("assets %v\nwant   %v", names, wantAssets)
	}
	if st.Image == "" {
		t.Error("the image does not verify with the release identity")
	}
	// PyPI files are the very files built and signed.
	for _, f := range env.PyPI.Files() {
		v, _ := sign.NewVerifier(env.Sigstore.VerifierOptions()...)
		path := filepath.Join(dir, "dist", f.Filename)
		if _, err := v.VerifyFile(ctx, path, path+".sigstore.json", sign.GitHubReleasePolicy(env.Repository, "", env.Tag)); err != nil {
			t.Errorf("%s: %v", f.Filename, err)
		}
		sum, _, _ := sign.SHA256File(ctx, path)
		if hexs := strings.Fields(strings.Join(st.PyPI, " ")); !strings.Contains(strings.Join(hexs, " "), f.SHA256) || f.SHA256 == "" {
			t.Errorf("%s: sha256 %x not recorded", f.Filename, sum)
		}
	}
	notes, err := os.ReadFile(filepath.Join(dir, "dist", "release-notes.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, must := range []string{
		"sigstore verify identity", "--cert-identity 'https://github.com/octo-org/hello-release/.github/workflows/release.yml@refs/tags/v0.11.0'",
		"cosign verify --use-signed-timestamps " + env.ImageRepository() + ":v0.11.0", "Signed multi-arch container image",
		"## [0.11.0] - ", "--bundle ./out/SHA256SUMS.sigstore.json", "sha256sum --check --ignore-missing SHA256SUMS",
		"./out/hello-release-0.11.0.cdx.json\n",
	} {
		if !strings.Contains(string(notes), must) {
			t.Errorf("release notes lack %q", must)
		}
	}

	// SHA256SUMS and the SBOM are signed with the release identity, and
	// SHA256SUMS lists every other asset.
	for _, name := range []string{"SHA256SUMS", "hello-release-0.11.0.cdx.json"} {
		v, _ := sign.NewVerifier(env.Sigstore.VerifierOptions()...)
		path := filepath.Join(dir, "dist", name)
		if _, err := v.VerifyFile(ctx, path, path+".sigstore.json", sign.GitHubReleasePolicy(env.Repository, "", env.Tag)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	sums, err := os.ReadFile(filepath.Join(dir, "dist", "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range wantAssets {
		if listed := strings.Contains(string(sums), "  "+n+"\n"); listed != (!strings.HasPrefix(n, "SHA256SUMS")) {
			t.Errorf("SHA256SUMS lists %s: %v\n%s", n, listed, sums)
		}
	}

	// A rerun of the same tag with the same state does nothing at all.
	uploads := env.PyPI.UploadAttempts()
	r, err = p.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range r.Jobs {
		if j.Status != release.StatusReused {
			t.Errorf("rerun: %s %s", j.Name, j.Status)
		}
	}
	// A fresh run without state (another machine) finds everything
	// published and identical: nothing is uploaded twice, nothing changes.
	r, err = standard(t, env, dir).Run(ctx)
	if err != nil {
		t.Fatalf("fresh rerun: %v\n%s", err, r.Table())
	}
	if got := stateOf(t, env); !equalState(got, st) {
		t.Errorf("state changed on rerun:\n%+v\n%+v", got, st)
	}
	if env.PyPI.UploadAttempts() != uploads || len(env.PyPI.Files()) != 2 {
		// The fresh run finds both files on the index, identical, and
		// sends nothing.
		t.Errorf("upload attempts %d -> %d, files %d", uploads, env.PyPI.UploadAttempts(), len(env.PyPI.Files()))
	}
	j, _ := r.Job(release.JobPublishPyPI)
	if !strings.Contains(string(j.Output), `"status":"skipped"`) {
		t.Errorf("fresh rerun did not skip identical files: %s", j.Output)
	}
}

// TestStandardRerunOnAnotherMachine is GitHub's "re-run all jobs": a new
// run of the same tag with no state and no bundles from the first run. The
// rebuild is byte-identical; the new signatures are not, so the bundles
// already on the release are adopted (they verify for the same files) and
// the release, the index and the registry end exactly as first published.
func TestStandardRerunOnAnotherMachine(t *testing.T) {
	t.Parallel()
	env, dir := prepared(t)
	ctx := context.Background()
	if r, err := standard(t, env, dir).Run(ctx); err != nil {
		t.Fatalf("first run: %v\n%s", err, r.Table())
	}
	first := stateOf(t, env)
	published := map[string][]byte{}
	for _, f := range []string{"hello_release-0.11.0-py3-none-any.whl.sigstore.json", "hello_release-0.11.0.tar.gz.sigstore.json"} {
		b, err := os.ReadFile(filepath.Join(dir, "dist", f))
		if err != nil {
			t.Fatal(err)
		}
		published[f] = b
	}
	// The other machine: a fresh checkout of the same commit.
	dir2 := t.TempDir()
	if _, err := env.PrepareProject(ctx, dir2); err != nil {
		t.Fatal(err)
	}
	r, err := standard(t, env, dir2).Run(ctx)
	if err != nil {
		t.Fatalf("rerun on another machine: %v\n%s", err, r.Table())
	}
	if got := stateOf(t, env); !equalState(got, first) {
		t.Errorf("the release changed:\n%+v\n%+v", got, first)
	}
	for f, want := range published {
		got, _ := os.ReadFile(filepath.Join(dir2, "dist", f))
		if !bytes.Equal(got, want) {
			t.Errorf("%s: the published bundle was not adopted", f)
		}
	}
}

func equalState(a, b releaseState) bool {
	return strings.Join(a.PyPI, "|") == strings.Join(b.PyPI, "|") && strings.Join(a.Assets, "|") == strings.Join(b.Assets, "|") &&
		a.Image == b.Image && a.Public == b.Public
}

// TestStandardResumeAfterPyPIFailure: the index is down for the whole first
// run. publish-pypi fails, publish-release does not depend on it and
// completes; the rerun repeats only publish-pypi and uploads each file once.
func TestStandardResumeAfterPyPIFailure(t *testing.T) {
	t.Parallel()
	env, dir := prepared(t)
	state := t.TempDir()
	env.PyPI.AddFault(pypitest.Fault{Match: pypitest.MatchPath("", "/legacy/"), Status: 503, Times: -1})
	p := standard(t, env, dir, release.WithStateDir(state))
	r, err := p.Run(context.Background())
	if err == nil {
		t.Fatal("the first run should fail")
	}
	for name, want := range map[string]release.Status{
		release.JobPreflight: release.StatusSucceeded, release.JobBuildWheel: release.StatusSucceeded,
		release.JobBuildImage: release.StatusSucceeded, release.JobPublishPyPI: release.StatusFailed,
		release.JobPublishRelease: release.StatusSucceeded,
	} {
		if j, _ := r.Job(name); j.Status != want {
			t.Errorf("%s: %s, want %s", name, j.Status, want)
		}
	}
	if len(env.PyPI.Files()) != 0 {
		t.Fatalf("files on the index after a failed upload: %v", env.PyPI.Files())
	}
	// The next run of the same tag, once the index is back.
	env.PyPI.ClearFaults()
	r, err = p.Run(context.Background())
	if err != nil {
		t.Fatalf("rerun: %v\n%s", err, r.Table())
	}
	for _, j := range r.Jobs {
		want := release.StatusReused
		if j.Name == release.JobPublishPyPI {
			want = release.StatusSucceeded
		}
		if j.Status != want {
			t.Errorf("rerun: %s %s, want %s", j.Name, j.Status, want)
		}
	}
	if n := len(env.PyPI.Files()); n != 2 {
		t.Fatalf("%d files on the index, want 2", n)
	}
}

// TestStandardRefusesReleaseOfRepointedImage: the GitHub release could not
// be created on the first run; before the rerun the image tag was moved to
// another image. The release notes would tell users to verify an image that
// is not the one signed, so publish-release refuses and nothing is public.
func TestStandardRefusesReleaseOfRepointedImage(t *testing.T) {
	t.Parallel()
	env, dir := prepared(t)
	state := t.TempDir()
	env.GitHub.AddFault(ghreleasetest.RouteCreateRelease, ghreleasetest.Fault{Status: 403, Message: "Resource not accessible by integration", Times: -1})
	p := standard(t, env, dir, release.WithStateDir(state))
	if _, err := p.Run(context.Background()); err == nil {
		t.Fatal("first run should fail at publish-release")
	}
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(env.ImageRepository() + ":" + env.Tag)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	env.GitHub.ClearFaults()
	r, err := p.Run(context.Background())
	if !errors.Is(err, oci.ErrDigestMismatch) {
		t.Fatalf("rerun: %v, want oci.ErrDigestMismatch\n%s", err, r.Table())
	}
	if j, _ := r.Job(release.JobPublishRelease); j.Status != release.StatusFailed || !strings.Contains(j.Err.Error(), "no longer verifies") {
		t.Errorf("publish-release: %s %v", j.Status, j.Err)
	}
	owner, repo, _ := strings.Cut(env.Repository, "/")
	if rel, ok := env.GitHub.ReleaseByTag(owner, repo, env.Tag); ok && !rel.Draft {
		t.Error("a release was published for a re-pointed image")
	}
}

// TestStandardPreflightStopsEverything: a manifest that disagrees with the
// tag fails preflight, and nothing is built or published.
func TestStandardPreflightStopsEverything(t *testing.T) {
	t.Parallel()
	env, err := releasetest.NewEnv()
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	dir := t.TempDir()
	// Not prepared: the manifest is still at 0.10.0 and the changelog has
	// no 0.11.0 section.
	if err := releasetest.WriteProject(dir, releasetest.Project{Repository: env.Repository}); err != nil {
		t.Fatal(err)
	}
	r, err := standard(t, env, dir).Run(context.Background())
	if err == nil {
		t.Fatal("release of an unprepared project succeeded")
	}
	msg := err.Error()
	for _, must := range []string{"0.10.0", "CHANGELOG"} {
		if !strings.Contains(msg, must) {
			t.Errorf("error does not mention %q:\n%s", must, msg)
		}
	}
	var re *release.RunError
	if !errors.As(err, &re) || len(re.Skipped) != 4 {
		t.Errorf("want 4 skipped jobs: %v\n%s", err, r.Table())
	}
	if _, err := os.Stat(filepath.Join(dir, "dist")); !os.IsNotExist(err) {
		t.Error("dist/ was created: the build ran after preflight failed")
	}
	if len(env.PyPI.Files()) != 0 {
		t.Error("something was uploaded")
	}
}

func TestStandardConfigErrors(t *testing.T) {
	t.Parallel()
	for _, cfg := range []release.StandardConfig{
		{Tag: "v1.0.0"},
		{Repository: "o/r"},
		{Repository: "o/r", Tag: "v1.0.0", DistDir: "/abs"},
		{Repository: "o/r", Tag: "v1.0.0", ImageRepository: "r.example/o/r"},
		// Names GitHub refuses fail before any build, not at publish.
		{Repository: "o r/x", Tag: "v1.0.0"},
		{Repository: "o/..", Tag: "v1.0.0"},
		{Repository: "o/r/x", Tag: "v1.0.0"},
		// A bad platform is refused even when nothing builds the image.
		{Repository: "o/r", Tag: "v1.0.0", ImageBuild: release.ImageBuild{Platforms: []string{"bogus"}}},
		// The running workflow is not the one whose identity is published.
		{Repository: "o/r", Tag: "v1.0.0", Getenv: func(k string) string {
			return map[string]string{"GITHUB_REPOSITORY": "o/other"}[k]
		}},
		{Repository: "o/r", Tag: "v1.0.0", Getenv: func(k string) string {
			return map[string]string{"GITHUB_WORKFLOW_REF": "o/r/.github/workflows/ci.yml@refs/tags/v1.0.0"}[k]
		}},
	} {
		if _, err := release.Standard(cfg); !errors.Is(err, release.ErrInvalidPipeline) {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
}

// TestStandardRerunConvergesWithoutReproducibleBuilds: "re-run all jobs"
// on a fresh runner whose build is not byte-reproducible (each build
// stamps a build id into the package, as a setuptools that ignores
// SOURCE_DATE_EPOCH does with the sdist's timestamps) and whose image
// comes out with another digest. The rerun adopts the published files and
// image, whose signatures verify for the release identity, instead of
// conflicting with its rebuild; nothing published changes.
func TestStandardRerunConvergesWithoutReproducibleBuilds(t *testing.T) {
	t.Parallel()
	env, dir := prepared(t)
	ctx := context.Background()
	builds := 0
	run := func(dir string) (*release.Report, error) {
		cfg, err := env.Config(dir)
		if err != nil {
			t.Fatal(err)
		}
		builds++
		stamp := []byte(fmt.Sprintf("BUILD_ID = %d\n", builds))
		cfg.Build = func(ctx context.Context, dir, distDir string) error {
			if err := os.WriteFile(filepath.Join(dir, "src", "hello_release", "_build.py"), stamp, 0o644); err != nil {
				return err
			}
			return releasetest.BuildDists(ctx, dir, distDir)
		}
		cfg.Platforms = nil
		for _, arch := range []string{"amd64", "arm64"} {
			layer := t.TempDir()
			if err := os.WriteFile(filepath.Join(layer, "build-id"), stamp, 0o644); err != nil {
				t.Fatal(err)
			}
			cfg.Platforms = append(cfg.Platforms, oci.PlatformSource{Platform: "linux/" + arch, Layer: oci.LayerSpec{Dir: layer}})
		}
		p, err := release.Standard(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return p.Run(ctx)
	}
	if r, err := run(dir); err != nil {
		t.Fatalf("first run: %v\n%s", err, r.Table())
	}
	first := stateOf(t, env)
	if first.Image == "" || len(first.PyPI) != 2 || !first.Public {
		t.Fatalf("first run published %+v", first)
	}
	dir2 := t.TempDir()
	if _, err := env.PrepareProject(ctx, dir2); err != nil {
		t.Fatal(err)
	}
	r, err := run(dir2)
	if err != nil {
		t.Fatalf("rerun with a non-reproducible build: %v\n%s", err, r.Table())
	}
	if got := stateOf(t, env); !equalState(got, first) {
		t.Errorf("the rerun changed the release:\n%+v\nwas\n%+v", got, first)
	}
	var img release.ImageResult
	if j, _ := r.Job(release.JobBuildImage); json.Unmarshal(j.Output, &img) != nil {
		t.Fatalf("build-image output: %s", j.Output)
	}
	if !img.Adopted {
		t.Errorf("build-image did not adopt the published image: %+v", img)
	}
	var pyres release.PyPIResult
	if j, _ := r.Job(release.JobPublishPyPI); json.Unmarshal(j.Output, &pyres) != nil {
		t.Fatalf("publish-pypi output: %s", j.Output)
	}
	for _, f := range pyres.Files {
		if f.Status != string(pypi.Skipped) {
			t.Errorf("%s: %s on the rerun, want skipped (the published file adopted)", f.Filename, f.Status)
		}
	}
}
