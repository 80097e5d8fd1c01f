package ghrelease_test

import (
	"context"
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
