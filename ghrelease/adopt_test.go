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
			if called != tc.accepted || a.Adopted != tc.adopted || !errors.Is(a.Refused, tc.verdict) || (a.Assets != nil) != tc.accepted || a.Same {
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

func TestAdoptSameIsStillJudged(t *testing.T) {
	t.Parallel()
	d, rel, files := adoptFixture(t)
	path := filepath.Join(t.TempDir(), "demo-1.0.0.tar.gz")
	if err := os.WriteFile(path, files["demo-1.0.0.tar.gz"], 0o644); err != nil {
		t.Fatal(err)
	}
	refuse := errors.New("does not verify")
	called := false
	a, err := d.Adopt(context.Background(), rel, func(context.Context, []*DownloadedAsset) error { called = true; return refuse }, path)
	if err != nil {
		t.Fatal(err)
	}
	if !called || !a.Same || a.Adopted || a.Refused != refuse {
		t.Fatalf("accept called %v, adoption %+v: Adopt judges identical copies too", called, a)
	}
}

func TestAdoptSignature(t *testing.T) {
	t.Parallel()
	d, rel, files := adoptFixture(t)
	ctx := context.Background()
	published := string(files["SHA256SUMS"])
	refuse := errors.New("signature does not verify")
	for _, tc := range []struct {
		name     string
		rel      *PublishedRelease
		file     string // the local file's name
		local    *string
		verdict  error // accept's answer
		accepted bool  // accept was called
		adopted  bool
		same     bool
		want     string // the local file afterwards
	}{
		{"no release yet", nil, "SHA256SUMS", ptr("ours"), nil, false, false, false, "ours"},
		{"not on the release", rel, "SHA256SUMS.sigstore.json", ptr("ours"), nil, false, false, false, "ours"},
		{"the same needs no judgement", rel, "SHA256SUMS", &published, refuse, false, true, true, published},
		{"another one that verifies", rel, "SHA256SUMS", ptr("ours"), nil, true, true, false, published},
		{"another one that does not verify", rel, "SHA256SUMS", ptr("ours"), refuse, true, false, false, "ours"},
		{"none of ours yet", rel, "SHA256SUMS", nil, nil, true, true, false, published},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), tc.file)
			if tc.local != nil {
				if err := os.WriteFile(path, []byte(*tc.local), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			called := false
			a, err := d.AdoptSignature(ctx, tc.rel, path, func(_ context.Context, c *DownloadedAsset) error {
				called = true
				if b, err := os.ReadFile(c.Path); err != nil || string(b) != published || c.SHA256 != sha(b) || c.Name != tc.file {
					t.Errorf("copy %+v holds %q, %v", c, b, err)
				}
				return tc.verdict
			})
			if err != nil {
				t.Fatal(err)
			}
			refused := tc.verdict
			if !tc.accepted {
				refused = nil // never asked
			}
			if called != tc.accepted || a.Adopted != tc.adopted || a.Same != tc.same || a.Refused != refused {
				t.Fatalf("accept called %v, adoption %+v", called, a)
			}
			if b, _ := os.ReadFile(path); string(b) != tc.want {
				t.Errorf("%s holds %q, want %q", tc.file, b, tc.want)
			}
		})
	}
}

func ptr(s string) *string { return &s }
