package ghrelease

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// adoptFixture is newDownloadFixture's release v1.0.0 as a reader sees it.
func adoptFixture(t *testing.T) (*Downloader, *PublishedRelease, map[string][]byte) {
	t.Helper()
	_, d, files := newDownloadFixture(t)
	rel, err := d.ReleaseByTag(context.Background(), "octo", "demo", "v1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	return d, rel, files
}

func TestAdopt(t *testing.T) {
	t.Parallel()
	d, rel, files := adoptFixture(t)
	ctx := context.Background()
	refuse := errors.New("signature does not verify")
	for _, tc := range []struct {
		name     string
		rel      *PublishedRelease
		names    []string // local files, each holding "local <name>"
		verdict  error    // accept's answer
		accepted bool     // accept was called
		adopted  bool
	}{
		{"no release yet", nil, []string{"demo-1.0.0.tar.gz"}, nil, false, false},
		{"not on the release", rel, []string{"demo-1.0.1.tar.gz"}, nil, false, false},
		{"a group is adopted whole or not at all", rel, []string{"demo-1.0.0.tar.gz", "demo-1.0.0.tar.gz.sigstore.json"}, nil, false, false},
		{"accepted", rel, []string{"demo-1.0.0.tar.gz"}, nil, true, true},
		{"accepted group", rel, []string{"demo-1.0.0.tar.gz", "SHA256SUMS"}, nil, true, true},
		{"refused", rel, []string{"demo-1.0.0.tar.gz", "SHA256SUMS"}, refuse, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			var paths []string
			for _, n := range tc.names {
				p := filepath.Join(dir, n)
				if err := os.WriteFile(p, []byte("local "+n), 0o644); err != nil {
					t.Fatal(err)
				}
				paths = append(paths, p)
			}
			called := false
			a, err := d.Adopt(ctx, tc.rel, func(_ context.Context, copies []*DownloadedAsset) error {
				called = true
				for i, c := range copies {
					b, err := os.ReadFile(c.Path)
					if err != nil || string(b) != string(files[tc.names[i]]) || c.SHA256 != sha(b) || c.Name != tc.names[i] {
						t.Errorf("copy %d: %+v holds %q, %v", i, c, b, err)
					}
				}
				return tc.verdict
			}, paths...)
			if err != nil {
				t.Fatal(err)
			}
			if called != tc.accepted || a.Adopted != tc.adopted || !errors.Is(a.Refused, tc.verdict) || (a.Assets != nil) != tc.accepted {
				t.Fatalf("accept called %v, adoption %+v", called, a)
			}
			for i, p := range paths {
				b, _ := os.ReadFile(p)
				want := "local " + tc.names[i]
				if tc.adopted {
					want = string(files[tc.names[i]])
					if a.Assets[i].Path != p {
						t.Errorf("adopted asset %d at %s, want %s", i, a.Assets[i].Path, p)
					}
				}
				if string(b) != want {
					t.Errorf("%s holds %q, want %q", p, b, want)
				}
			}
			if left, _ := filepath.Glob(filepath.Join(dir, "*.published")); len(left) > 0 {
				t.Errorf("copies left behind: %v", left)
			}
		})
	}
}

func TestAdoptDownloadFails(t *testing.T) {
	t.Parallel()
	d, rel, _ := adoptFixture(t)
	ctx := context.Background()
	// The release lists a size the storage does not deliver.
	for i := range rel.Assets {
		rel.Assets[i].Size++
	}
	path := filepath.Join(t.TempDir(), "demo-1.0.0.tar.gz")
	_, err := d.Adopt(ctx, rel, func(context.Context, []*DownloadedAsset) error {
		t.Error("accept called for a failed download")
		return nil
	}, path)
	if !errors.Is(err, ErrDownload) {
		t.Fatalf("err = %v, want ErrDownload", err)
	}
}
