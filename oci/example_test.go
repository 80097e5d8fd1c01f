package oci_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tagship/tagship/oci"
	"github.com/tagship/tagship/oci/ocitest"
	"github.com/tagship/tagship/sign/signtest"
)

// exampleDirs writes one tiny "build output" directory per platform.
func exampleDirs() (amd64, arm64 string) {
	root, err := os.MkdirTemp("", "oci-example-*")
	if err != nil {
		log.Fatal(err)
	}
	for _, arch := range []string{"amd64", "arm64"} {
		dir := filepath.Join(root, arch)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "server"), []byte("binary for "+arch+"\n"), 0o755); err != nil {
			log.Fatal(err)
		}
	}
	return filepath.Join(root, "amd64"), filepath.Join(root, "arm64")
}

func ExampleAssemble() {
	amd64, arm64 := exampleDirs()
	defer os.RemoveAll(filepath.Dir(amd64))
	idx, err := oci.Assemble(context.Background(), []oci.PlatformSource{
		{Platform: "linux/amd64", Layer: oci.LayerSpec{Dir: amd64, Prefix: "/app"}, Entrypoint: []string{"/app/server"}},
		{Platform: "linux/arm64", Layer: oci.LayerSpec{Dir: arm64, Prefix: "/app"}, Entrypoint: []string{"/app/server"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer idx.Close()
	for _, p := range idx.Platforms {
		fmt.Println(p.Platform, p.Digest.Hex[:12])
	}

	// A missing platform is refused with a clear error.
	_, err = oci.Assemble(context.Background(), []oci.PlatformSource{
		{Platform: "linux/amd64", Layer: oci.LayerSpec{Dir: amd64}},
	})
	fmt.Println(errors.Is(err, oci.ErrPlatformMissing))
	fmt.Println(err)
	// Output:
	// linux/amd64 463a9f9d1148
	// linux/arm64 80e21233c99e
	// true
	// oci: platform linux/arm64 is expected but no source provides it; add a source for it or drop it with WithPlatforms
}

func ExamplePush() {
	reg, err := ocitest.NewServer() // an in-process registry on 127.0.0.1
	if err != nil {
		log.Fatal(err)
	}
	defer reg.Close()
	amd64, arm64 := exampleDirs()
	defer os.RemoveAll(filepath.Dir(amd64))
	ctx := context.Background()
	idx, err := oci.Assemble(ctx, []oci.PlatformSource{
		{Platform: "linux/amd64", Layer: oci.LayerSpec{Dir: amd64}},
		{Platform: "linux/arm64", Layer: oci.LayerSpec{Dir: arm64}},
	}, oci.WithLayerTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
	if err != nil {
		log.Fatal(err)
	}
	defer idx.Close()

	ref := reg.Host() + "/octo/app:v1.2.3"
	res, err := oci.Push(ctx, idx, ref)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("uploaded", res.Uploaded, "unchanged", res.Unchanged, "platforms", len(res.Platforms))

	again, err := oci.Push(ctx, idx, ref) // a rerun writes nothing
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("uploaded", again.Uploaded, "unchanged", again.Unchanged)

	_, err = oci.Push(ctx, idx, reg.Host()+"/octo/app:latest")
	fmt.Println(errors.Is(err, oci.ErrTagNotVersion))
	// Output:
	// uploaded 4 unchanged false platforms 2
	// uploaded 0 unchanged true
	// true
}

func ExampleVerify() {
	reg, err := ocitest.NewServer()
	if err != nil {
		log.Fatal(err)
	}
	defer reg.Close()
	st, err := signtest.NewServer() // an in-process Sigstore; use sign.NewSigner in CI
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	signer, err := st.NewSigner()
	if err != nil {
		log.Fatal(err)
	}
	verifier, err := st.NewVerifier()
	if err != nil {
		log.Fatal(err)
	}

	amd64, arm64 := exampleDirs()
	defer os.RemoveAll(filepath.Dir(amd64))
	ctx := context.Background()
	idx, err := oci.Assemble(ctx, []oci.PlatformSource{
		{Platform: "linux/amd64", Layer: oci.LayerSpec{Dir: amd64}},
		{Platform: "linux/arm64", Layer: oci.LayerSpec{Dir: arm64}},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer idx.Close()
	ref := reg.Host() + "/octo/app:v1.2.3"
	res, err := oci.Push(ctx, idx, ref)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := oci.Sign(ctx, signer, res.DigestRef()); err != nil {
		log.Fatal(err)
	}

	vr, err := oci.Verify(ctx, ref, st.Policy(), verifier, oci.WithExpectedDigest(res.Digest))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("signatures", len(vr.Signatures), "identity", vr.Signatures[0].Verification.Identity)

	other := st.Policy()
	other.Identity = "https://github.com/someone/else/.github/workflows/release.yml@refs/tags/v1.2.3"
	_, err = oci.Verify(ctx, ref, other, verifier)
	fmt.Println(err != nil)
	// Output:
	// signatures 2 identity https://github.com/octo-org/octo-repo/.github/workflows/release.yml@refs/tags/v1.0.0
	// true
}

func ExampleBuild() {
	// With a Dockerfile, the builder is docker buildx writing an OCI layout.
	b := oci.LayoutBuild{Dockerfile: "backend/Dockerfile"}
	fmt.Println(strings.Join(b.Argv("$TAGSHIP_IMAGE_LAYOUT"), " "))

	// A command must write the layout at $TAGSHIP_IMAGE_LAYOUT (here it
	// does not, so the build fails); on success, push the index.
	idx, err := oci.Build(context.Background(), oci.LayoutBuild{
		Command: `echo "building for $TAGSHIP_IMAGE_PLATFORMS"`,
		Log:     func(line string) { fmt.Println("build:", line) },
	})
	if err == nil {
		defer idx.Close()
	}
	fmt.Println(errors.Is(err, oci.ErrBuild))
	// Output:
	// docker buildx build --platform linux/amd64,linux/arm64 --file backend/Dockerfile --output type=oci,dest=$TAGSHIP_IMAGE_LAYOUT,tar=false backend
	// build: building for linux/amd64,linux/arm64
	// true
}
