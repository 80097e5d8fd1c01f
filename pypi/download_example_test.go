package pypi_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tagship/tagship/pypi"
	"github.com/tagship/tagship/pypi/pypitest"
)

// An Index lists a version's files through the simple API (PEP 691 JSON,
// or HTML) and downloads them checked against the sha256 the index lists,
// as `pip download demo==1.0 --no-deps` does.
func ExampleIndex() {
	srv, _ := pypitest.NewServer(pypitest.WithAPIToken("pypi-test"))
	defer srv.Close()
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	w, _ := pypitest.WriteWheel(dir, "demo", "1.0", 100)
	d, _ := pypi.OpenDistribution(w)
	c, _ := pypi.New(srv.UploadURL(), pypi.WithAPIToken("pypi-test"))
	if _, err := c.Upload(context.Background(), d); err != nil {
		panic(err)
	}

	x, err := pypi.NewIndex(srv.URL) // e.g. https://pypi.org
	if err != nil {
		panic(err)
	}
	files, err := x.VersionFiles(context.Background(), "Demo", "1.0")
	if err != nil {
		panic(err)
	}
	out := filepath.Join(dir, "out")
	os.Mkdir(out, 0o755)
	for _, f := range files {
		got, err := x.Download(context.Background(), f, filepath.Join(out, f.Filename))
		if err != nil {
			panic(err) // a *HashMismatchError when the bytes are not what the index lists
		}
		fmt.Println(got.Filename, f.Filetype, got.SHA256 == d.SHA256)
	}
	// Output:
	// demo-1.0-py3-none-any.whl bdist_wheel true
}
