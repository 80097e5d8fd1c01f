package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/random"

	"github.com/tagship/tagship/oci"
	"github.com/tagship/tagship/release/releasetest"
	"github.com/tagship/tagship/sign/signtest"
)

func TestRun(t *testing.T) {
	t.Parallel()
	st := signtest.New(t, signtest.WithWorkflow(signtest.Workflow{Repository: "Metbcy/securescan", Ref: "v0.11.0"}))
	dir := t.TempDir()
	tr := filepath.Join(dir, "trusted_root.json")
	if err := st.WriteTrustedRoot(tr); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "securescan-0.11.0.tar.gz")
	os.WriteFile(file, []byte("sdist"), 0o644)
	s, err := st.NewSigner()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SignFile(context.Background(), file); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other")
	os.WriteFile(other, []byte("other"), 0o644)

	for _, tc := range []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"ok", []string{"-repo", "Metbcy/securescan", "-tag", "v0.11.0", "-trusted-root", tr, file}, 0,
			"identity: https://github.com/Metbcy/securescan/.github/workflows/release.yml@refs/tags/v0.11.0\nissuer:   https://token.actions.githubusercontent.com\nVerified OK"},
		{"wrong tag", []string{"-repo", "Metbcy/securescan", "-tag", "v0.11.1", "-trusted-root", tr, file}, 1, `check "identity" failed`},
		{"wrong repo", []string{"-repo", "evil/securescan", "-tag", "v0.11.0", "-trusted-root", tr, file}, 1, `check "identity" failed`},
		{"wrong file", []string{"-repo", "Metbcy/securescan", "-tag", "v0.11.0", "-trusted-root", tr, "-bundle", file + ".sigstore.json", other}, 1, `check "digest" failed`},
		{"usage", []string{"-repo", "Metbcy/securescan", file}, 2, "usage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), tc.args, &out, &errb)
			if code != tc.code || !strings.Contains(out.String()+errb.String(), tc.out) {
				t.Fatalf("code %d (want %d)\nstdout: %s\nstderr: %s\nwant %q", code, tc.code, out.String(), errb.String(), tc.out)
			}
		})
	}
}

// Whole-release mode, on the releasetest doubles after a standard release.
func TestRunRelease(t *testing.T) {
	ctx := context.Background()
	env, err := releasetest.NewEnv()
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	dir := t.TempDir()
	if _, err := env.PrepareProject(ctx, dir); err != nil {
		t.Fatal(err)
	}
	if r, err := env.Release(ctx, dir); err != nil {
		t.Fatalf("release: %v\n%s", err, r.Table())
	}
	tr := filepath.Join(t.TempDir(), "trusted_root.json")
	if err := env.Sigstore.WriteTrustedRoot(tr); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GITHUB_TOKEN", env.GitHub.Token()) // read by the GitHub client, never a flag
	version := strings.TrimPrefix(env.Tag, "v")
	identity := "identity: https://github.com/" + env.Repository + "/.github/workflows/release.yml@refs/tags/" + env.Tag +
		"\nissuer:   https://token.actions.githubusercontent.com\n"
	base := []string{"-repo", env.Repository, "-index", env.PyPI.URL, "-github-api", env.GitHub.BaseURL(),
		"-image", env.ImageRepository(), "-trusted-root", tr}
	keep := t.TempDir()

	for _, tc := range []struct {
		name  string
		args  []string
		setup func()
		code  int
		out   []string
	}{
		{"ok", append([]string{"-version", version, "-download-dir", keep}, base...), nil, 0, []string{identity, "OK: all", "hello_release-" + version + "-py3-none-any.whl", "PASS"}},
		{"offline", []string{"-repo", env.Repository, "-version", version, "-dir", keep, "-trusted-root", tr}, nil, 0, []string{"(offline)", "OK: all"}},
		{"single file still works", []string{"-repo", env.Repository, "-tag", env.Tag, "-trusted-root", tr,
			"-file", filepath.Join(keep, "hello_release-"+version+".tar.gz")}, nil, 0, []string{identity, "Verified OK"}},
		{"other workflow pinned", append([]string{"-version", version, "-workflow", ".github/workflows/other.yml"}, base...), nil, 1,
			[]string{"FAILED", "signed by another identity", "expected: https://github.com/" + env.Repository + "/.github/workflows/other.yml@refs/tags/" + env.Tag}},
		{"tag re-pointed", append([]string{"-version", version}, base...), func() {
			idx, _ := random.Index(64, 1, 2)
			if _, err := oci.Push(ctx, idx, env.ImageRepository()+":"+env.Tag, oci.WithMutableTagUnsafe()); err != nil {
				t.Fatal(err)
			}
		}, 1, []string{"FAILED", "re-pointed"}},
		{"no version", base, nil, 2, []string{"usage"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setup != nil {
				tc.setup()
			}
			var out, errb bytes.Buffer
			code := run(ctx, tc.args, &out, &errb)
			all := out.String() + errb.String()
			ok := code == tc.code
			for _, w := range tc.out {
				ok = ok && strings.Contains(all, w)
			}
			if !ok {
				t.Fatalf("code %d (want %d)\nstdout: %s\nstderr: %s\nwant %q", code, tc.code, out.String(), errb.String(), tc.out)
			}
			if strings.Contains(all, env.GitHub.Token()) {
				t.Fatal("token printed")
			}
		})
	}
}
