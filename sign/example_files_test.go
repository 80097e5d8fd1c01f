package sign_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tagship/tagship/sign"
	"github.com/tagship/tagship/sign/signtest"
)

// Sign a release's files, several at once with one Signer, then check
// before publishing that they are still the files that were signed. A
// second SignFiles keeps the bundles that verify instead of signing again.
func ExampleSignFiles() {
	st, err := signtest.NewServer()
	if err != nil {
		panic(err)
	}
	defer st.Close()
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	var paths []string
	for _, name := range []string{"pkg-1.0.0-py3-none-any.whl", "pkg-1.0.0.tar.gz"} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(name), 0o644)
		paths = append(paths, p)
	}

	ctx := context.Background()
	signer, _ := st.NewSigner()
	verifier, _ := st.NewVerifier()
	bundles, err := sign.SignFiles(ctx, signer, verifier, st.Policy(), paths, sign.WithConcurrency(2))
	if err != nil {
		panic(err)
	}
	for _, b := range bundles {
		fmt.Println(filepath.Base(b))
	}
	_, err = sign.SignFiles(ctx, signer, verifier, st.Policy(), paths[:1],
		sign.WithFileEvents(func(e sign.FileEvent) { fmt.Println(e) }))
	if err != nil {
		panic(err)
	}

	sum, size, _ := sign.SHA256File(ctx, paths[1])
	files := []sign.SignedFile{{Path: paths[1], Size: size, SHA256: fmt.Sprintf("%x", sum), Bundle: bundles[1]}}
	fmt.Println(sign.VerifyFiles(ctx, verifier, st.Policy(), files))
	os.WriteFile(paths[1], []byte("rebuilt"), 0o644)
	err = sign.VerifyFiles(ctx, verifier, st.Policy(), files)
	fmt.Println(errors.Is(err, sign.ErrFileChanged))
	// Output:
	// pkg-1.0.0-py3-none-any.whl.sigstore.json
	// pkg-1.0.0.tar.gz.sigstore.json
	// pkg-1.0.0-py3-none-any.whl: kept the existing bundle, which verifies
	// <nil>
	// true
}
