package oci

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/layout"

	"github.com/tagship/tagship/internal/buildcmd"
)

// prebuiltLayout writes a two-platform index as an OCI layout, as a
// builder would, and returns its directory and the index digest.
func prebuiltLayout(t *testing.T) (dir, digest string) {
	t.Helper()
	idx := twoPlatformIndex(t)
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

func TestLayoutBuildArgv(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		b    LayoutBuild
		want string
	}{
		{"command", LayoutBuild{Command: "make image", Platforms: []string{"linux/amd64"}}, "sh -c make image"},
		{"dockerfile", LayoutBuild{Dockerfile: "docker/Dockerfile", Context: ".", Platforms: []string{"linux/amd64", "linux/arm/v7"}},
			"docker buildx build --platform linux/amd64,linux/arm/v7 --file docker/Dockerfile --output type=oci,dest=/tmp/L,tar=false ."},
		{"default context and platforms", LayoutBuild{Dockerfile: "backend/Dockerfile"},
			"docker buildx build --platform linux/amd64,linux/arm64 --file backend/Dockerfile --output type=oci,dest=/tmp/L,tar=false backend"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := strings.Join(tc.b.Argv("/tmp/L"), " "); got != tc.want {
				t.Errorf("Argv:\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

// A command build: it runs in Dir with the layout and platforms in its
// environment, and Close removes the layout it wrote.
func TestBuildCommand(t *testing.T) {
	t.Parallel()
	prebuilt, digest := prebuiltLayout(t)
	dir, tmp := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "marker"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	script := `set -e
test -f marker
test "$TAGSHIP_IMAGE_PLATFORMS" = linux/amd64,linux/arm64
echo "building into $TAGSHIP_IMAGE_LAYOUT"
cp -R '` + prebuilt + `' "$TAGSHIP_IMAGE_LAYOUT"`
	var lines []string
	idx, err := Build(context.Background(), LayoutBuild{Command: script, Dir: dir, Log: func(l string) { lines = append(lines, l) }},
		WithTempDir(tmp))
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := idx.Digest(); d.String() != digest {
		t.Errorf("built index %s, want the layout's %s", d, digest)
	}
	if got := len(idx.Platforms); got != 2 {
		t.Errorf("%d platforms, want 2", got)
	}
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "building into "+tmp) {
		t.Errorf("logged %q, want the command's output line", lines)
	}
	if err := idx.Close(); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("Close left %v in the temp dir", left)
	}
}

func TestBuildFailures(t *testing.T) {
	t.Parallel()
	prebuilt, _ := prebuiltLayout(t)
	for _, tc := range []struct {
		name     string
		b        LayoutBuild
		want     error
		wantText string
	}{
		{"no layout written", LayoutBuild{Command: "true"}, ErrBuild, "index.json"},
		{"command fails", LayoutBuild{Command: "echo broken >&2; exit 3"}, buildcmd.ErrFailed, "broken"},
		{"other platforms", LayoutBuild{Command: `cp -R '` + prebuilt + `' "$TAGSHIP_IMAGE_LAYOUT"`, Platforms: []string{"linux/amd64", "linux/s390x"}},
			ErrPlatformMissing, "linux/s390x"},
		{"a platform twice, refused before the builder runs", LayoutBuild{Command: "echo ran >&2; exit 3", Platforms: []string{"linux/amd64", "linux/amd64"}},
			ErrPlatformDuplicate, "linux/amd64"},
		{"neither command nor Dockerfile", LayoutBuild{}, nil, "set Command or Dockerfile"},
		{"both command and Dockerfile", LayoutBuild{Command: "true", Dockerfile: "Dockerfile"}, nil, "not both"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tmp := t.TempDir()
			idx, err := Build(context.Background(), tc.b, WithTempDir(tmp))
			if err == nil {
				idx.Close()
				t.Fatal("Build succeeded")
			}
			if (tc.want != nil && !errors.Is(err, tc.want)) || !strings.Contains(err.Error(), tc.wantText) {
				t.Errorf("Build: %v; want %v mentioning %q", err, tc.want, tc.wantText)
			}
			if left, _ := os.ReadDir(tmp); len(left) != 0 {
				t.Errorf("a failed Build left %v in the temp dir", left)
			}
		})
	}
}

// The builder runs without the CI's credentials, and the credentials that
// WithEnv reports are cut from its output.
func TestBuildCredentials(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-request-token"
	getenv := func(k string) string {
		if k == "ACTIONS_ID_TOKEN_REQUEST_TOKEN" {
			return secret
		}
		return ""
	}
	var mu sync.Mutex
	var lines []string
	script := `echo "token=${GITHUB_TOKEN:-unset} echo=` + secret + `"; exit 1`
	_, err := Build(context.Background(), LayoutBuild{Command: script,
		Log: func(l string) { mu.Lock(); lines = append(lines, l); mu.Unlock() }}, WithEnv(getenv), WithTempDir(t.TempDir()))
	if err == nil {
		t.Fatal("Build succeeded")
	}
	if strings.Contains(err.Error(), secret) || slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, secret) }) {
		t.Errorf("the secret appears: %v, %q", err, lines)
	}
	if !slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, "token=unset") }) {
		t.Errorf("logged %q, want token=unset", lines)
	}
}

func TestLayoutBuildCheck(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		b    LayoutBuild
		want []string // every problem's text, in the error
	}{
		{"a command", LayoutBuild{Command: "make image"}, nil},
		{"a Dockerfile for two platforms", LayoutBuild{Dockerfile: "Dockerfile", Platforms: []string{"linux/amd64", "linux/arm64/v8"}}, nil},
		{"neither", LayoutBuild{}, []string{"set Command or Dockerfile"}},
		{"both", LayoutBuild{Command: "true", Dockerfile: "Dockerfile"}, []string{"not both"}},
		{"bad platforms, every one named", LayoutBuild{Command: "true", Platforms: []string{"linux", "linux/amd64", "a/b/c/d"}},
			[]string{`"linux"`, `"a/b/c/d"`}},
		{"every problem at once", LayoutBuild{Platforms: []string{"x"}}, []string{"set Command or Dockerfile", `"x"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.b.Check()
			if (err != nil) != (len(tc.want) > 0) {
				t.Fatalf("Check() = %v, want problems %q", err, tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Check() = %v, want it to mention %s", err, w)
				}
			}
		})
	}
}
