package ghrelease_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/tagship/tagship/ghrelease"
	"github.com/tagship/tagship/ghrelease/ghreleasetest"
)

// A Downloader reads a published release and downloads its assets, as
// `gh release download` does. Against github.com no option is needed (a
// token is optional for public repositories).
func ExampleDownloader() {
	srv, err := ghreleasetest.NewServer()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	rel := srv.AddRelease("octo", "demo", ghreleasetest.Release{Tag: "v1.0.0"})
	srv.AddAsset("octo", "demo", rel.ID, "SHA256SUMS", "text/plain", []byte("2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae  demo-1.0.0.tar.gz\n"))

	d, err := ghrelease.NewDownloader(ghrelease.WithBaseURL(srv.BaseURL(), srv.UploadURL()), ghrelease.WithToken(srv.Token()))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	pr, err := d.ReleaseByTag(ctx, "octo", "demo", "v1.0.0")
	if err != nil {
		panic(err)
	}
	a, _ := pr.Asset("SHA256SUMS")
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	got, err := d.DownloadAsset(ctx, pr, a, filepath.Join(dir, a.Name))
	if err != nil {
		panic(err)
	}
	sums, _ := ghrelease.ParseChecksums(downloadExampleMust(os.ReadFile(got.Path)))
	fmt.Println(pr.Tag, len(pr.Assets), got.Size, sums["demo-1.0.0.tar.gz"][:8])
	// Output:
	// v1.0.0 1 84 2c26b46b
}

func downloadExampleMust[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// Adopt converges a rerun on what an earlier run published: the release's
// copy replaces the local file when the caller accepts it (here: it is
// the same size; a release pipeline verifies its signature instead).
func ExampleDownloader_Adopt() {
	srv, err := ghreleasetest.NewServer()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	rel := srv.AddRelease("octo", "demo", ghreleasetest.Release{Tag: "v1.0.0"})
	srv.AddAsset("octo", "demo", rel.ID, "demo-1.0.0.tar.gz", "application/gzip", []byte("published sdist"))

	d, err := ghrelease.NewDownloader(ghrelease.WithBaseURL(srv.BaseURL(), srv.UploadURL()), ghrelease.WithToken(srv.Token()))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	pr, err := d.ReleaseForTag(ctx, "octo", "demo", "v1.0.0")
	if err != nil {
		panic(err)
	}
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	local := filepath.Join(dir, "demo-1.0.0.tar.gz")
	os.WriteFile(local, []byte("rebuilt sdist"), 0o644)
	a, err := d.Adopt(ctx, pr, func(_ context.Context, copies []*ghrelease.DownloadedAsset) error {
		if copies[0].Size != int64(len("rebuilt sdist"))+2 {
			return errors.New("not ours")
		}
		return nil
	}, local)
	if err != nil {
		panic(err)
	}
	fmt.Println(a.Adopted, a.Assets[0].SHA256[:8], string(downloadExampleMust(os.ReadFile(local))))
	// Output:
	// true 125d3077 published sdist
}

// AdoptSignature takes the release's copy of a signature this run made
// anew: signing twice never gives the same bytes, and the published one
// keeps the release as it is. The caller verifies the copy (a release
// pipeline checks it signs the same file with its identity).
func ExampleDownloader_AdoptSignature() {
	srv, err := ghreleasetest.NewServer()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	rel := srv.AddRelease("octo", "demo", ghreleasetest.Release{Tag: "v1.0.0"})
	srv.AddAsset("octo", "demo", rel.ID, "SHA256SUMS.sigstore.json", "application/json", []byte(`{"first":"signature"}`))

	d, err := ghrelease.NewDownloader(ghrelease.WithBaseURL(srv.BaseURL(), srv.UploadURL()), ghrelease.WithToken(srv.Token()))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	pr, err := d.ReleaseForTag(ctx, "octo", "demo", "v1.0.0")
	if err != nil {
		panic(err)
	}
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	bundle := filepath.Join(dir, "SHA256SUMS.sigstore.json")
	os.WriteFile(bundle, []byte(`{"second":"signature"}`), 0o644)
	a, err := d.AdoptSignature(ctx, pr, bundle, func(context.Context, *ghrelease.DownloadedAsset) error {
		return nil // it verifies
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(a.Adopted, a.Same, string(downloadExampleMust(os.ReadFile(bundle))))
	// Output:
	// true false {"first":"signature"}
}
