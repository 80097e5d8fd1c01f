package oci

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"

	"github.com/tagship/tagship/internal/interop"
	"github.com/tagship/tagship/oci/ocitest"
)

// benchLayerMiB is the size of each of the two layers; set
// TAGSHIP_OCI_BENCH_MIB=256 for the release benchmark (default 32).
func benchLayerMiB() int64 {
	if v, err := strconv.Atoi(os.Getenv("TAGSHIP_OCI_BENCH_MIB")); err == nil && v > 0 {
		return int64(v)
	}
	return 32
}

// benchRegistry returns the host of the real docker-registry when
// installed, else of an in-process registry storing blobs on disk.
func benchRegistry(b *testing.B) string {
	if _, ok := interop.Lookup("docker-registry"); ok {
		return ocitest.StartDockerRegistry(b).Host
	}
	return ocitest.New(b, ocitest.WithBlobDir(b.TempDir())).Host()
}

// benchLayout assembles a 2-platform index of two random layers and
// writes it as an OCI layout, the common input of our push and crane's.
func benchLayout(b *testing.B) string {
	b.Helper()
	mib := benchLayerMiB()
	idx, err := Assemble(context.Background(), []PlatformSource{
		{Platform: "linux/amd64", Layer: LayerSpec{Dir: randomDir(b, mib<<20)}},
		{Platform: "linux/arm64", Layer: LayerSpec{Dir: randomDir(b, mib<<20)}},
	}, WithTempDir(b.TempDir()))
	if err != nil {
		b.Fatal(err)
	}
	defer idx.Close()
	dir := filepath.Join(b.TempDir(), "layout")
	lp, err := layout.Write(dir, empty.Index)
	if err != nil {
		b.Fatal(err)
	}
	if err := lp.AppendIndex(idx); err != nil {
		b.Fatal(err)
	}
	return dir
}

// BenchmarkPush pushes a 2-platform index (2 × TAGSHIP_OCI_BENCH_MIB MiB
// of layers) from an OCI layout to a fresh repository per iteration, and,
// when the real crane is installed, has crane push the same layout
// (crane push --index) in the same iteration; it reports crane-s/op and
// ratio (ours / crane; the target is ≤ 1.1).
func BenchmarkPush(b *testing.B) {
	host := benchRegistry(b)
	dir := benchLayout(b)
	crane, haveCrane := interop.Lookup("crane")
	ctx := context.Background()
	b.SetBytes(2 * benchLayerMiB() << 20)
	var ours, theirs time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		idx, err := Assemble(ctx, []PlatformSource{{Layout: dir}})
		if err != nil {
			b.Fatal(err)
		}
		res, err := Push(ctx, idx, fmt.Sprintf("%s/ours%d:v1.0.0", host, i))
		if err != nil {
			b.Fatal(err)
		}
		ours += time.Since(start)
		if res.Uploaded != 4 {
			b.Fatalf("uploaded %d blobs, want 4", res.Uploaded)
		}
		if haveCrane {
			b.StopTimer()
			start := time.Now()
			out, err := exec.Command(crane, "push", "--index", dir, fmt.Sprintf("%s/crane%d:v1.0.0", host, i)).CombinedOutput()
			if err != nil {
				b.Fatalf("crane push: %v\n%s", err, out)
			}
			theirs += time.Since(start)
			b.StartTimer()
		}
	}
	if haveCrane && theirs > 0 {
		b.ReportMetric(theirs.Seconds()/float64(b.N), "crane-s/op")
		b.ReportMetric(float64(ours)/float64(theirs), "ratio")
	}
}

// BenchmarkRepush pushes an unchanged release again: it must upload
// nothing (checked) and take well under a second.
func BenchmarkRepush(b *testing.B) {
	host := benchRegistry(b)
	dir := benchLayout(b)
	ctx := context.Background()
	idx, err := Assemble(ctx, []PlatformSource{{Layout: dir}})
	if err != nil {
		b.Fatal(err)
	}
	ref := host + "/app:v1.0.0"
	if _, err := Push(ctx, idx, ref); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := Push(ctx, idx, ref)
		if err != nil {
			b.Fatal(err)
		}
		if !res.Unchanged || res.Uploaded != 0 {
			b.Fatalf("re-push uploaded %d blobs (unchanged=%v)", res.Uploaded, res.Unchanged)
		}
	}
}
