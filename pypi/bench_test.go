package pypi_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/tagship/tagship/internal/interop"
	"github.com/tagship/tagship/pypi"
	"github.com/tagship/tagship/pypi/pypitest"
)

// benchSize is TAGSHIP_BENCH_SIZE_MB MiB (default def MiB).
func benchSize(def int64) int64 {
	if v, err := strconv.ParseInt(os.Getenv("TAGSHIP_BENCH_SIZE_MB"), 10, 64); err == nil && v > 0 {
		return v << 20
	}
	return def << 20
}

// BenchmarkUpload uploads one large wheel (TAGSHIP_BENCH_SIZE_MB, default
// 64 MiB) to pypitest on loopback: open (hash) + streamed upload.
func BenchmarkUpload(b *testing.B) {
	size := benchSize(64)
	path, err := pypitest.WriteWheel(b.TempDir(), "benchpkg", "1.0.0", size)
	if err != nil {
		b.Fatal(err)
	}
	srv, err := pypitest.NewServer(pypitest.WithAPIToken("pypi-bench"), pypitest.WithDiscardContent())
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	c, err := pypi.New(srv.UploadURL(), pypi.WithAPIToken("pypi-bench"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		d, err := pypi.OpenDistribution(path)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Upload(context.Background(), d); err != nil {
			b.Fatal(err)
		}
	}
}

// measure runs cmd and returns its wall time and peak RSS.
func measure(t *testing.T, cmd *exec.Cmd) (time.Duration, int64) {
	t.Helper()
	start := time.Now()
	out, err := cmd.CombinedOutput()
	wall := time.Since(start)
	if err != nil {
		t.Fatalf("%s: %v\n%s", cmd.Path, err, out)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return wall, ru.Maxrss << 10 // Maxrss is KiB on Linux
}

// TestUploadVsTwine (TAGSHIP_BENCH=1) uploads the same large wheel
// (TAGSHIP_BENCH_SIZE_MB, default 1024) to pypitest with
// examples/pypi-publish and with twine, in subprocesses, and reports wall
// time and peak RSS of each and their ratios. The budget: RSS ≤ 64 MiB and
// wall time ≤ twine's.
func TestUploadVsTwine(t *testing.T) {
	if os.Getenv("TAGSHIP_BENCH") != "1" {
		t.Skip("set TAGSHIP_BENCH=1 (and TAGSHIP_BENCH_SIZE_MB) to run the upload benchmark against twine")
	}
	twine := interop.Tool(t, "twine")
	size := benchSize(1024)
	dir := t.TempDir()
	path, err := pypitest.WriteWheel(dir, "benchpkg", "1.0.0", size)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "pypi-publish")
	root, _ := interop.RepoRoot()
	build := exec.Command("go", "build", "-o", bin, "./examples/pypi-publish")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	newSrv := func() *pypitest.Server {
		srv, err := pypitest.NewServer(pypitest.WithAPIToken("pypi-bench"), pypitest.WithDiscardContent())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(srv.Close)
		return srv
	}
	s1 := newSrv()
	oursWall, oursRSS := measure(t, exec.Command(bin, "-index", s1.UploadURL(), "-token", "pypi-bench", path))
	s2 := newSrv()
	tw := exec.Command(twine, "upload", "--repository-url", s2.UploadURL(), "-u", "__token__", "-p", "pypi-bench", "--non-interactive", "--disable-progress-bar", path)
	tw.Env = append(os.Environ(), "HOME="+t.TempDir(), "PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring")
	twWall, twRSS := measure(t, tw)
	for _, s := range []*pypitest.Server{s1, s2} {
		if f, ok := s.File(filepath.Base(path)); !ok || f.Size < size {
			t.Fatalf("upload did not arrive: %+v", f)
		}
	}
	t.Logf("upload of a %d MiB wheel to pypitest on loopback:", size>>20)
	t.Logf("  tagship pypi-publish: %v, peak RSS %.1f MiB", oursWall.Round(time.Millisecond), float64(oursRSS)/(1<<20))
	t.Logf("  twine 4.0.2:          %v, peak RSS %.1f MiB", twWall.Round(time.Millisecond), float64(twRSS)/(1<<20))
	t.Logf("  ratios tagship/twine: wall %.2f, RSS %.2f", float64(oursWall)/float64(twWall), float64(oursRSS)/float64(twRSS))
	if oursRSS > 64<<20 {
		t.Errorf("peak RSS %.1f MiB exceeds 64 MiB", float64(oursRSS)/(1<<20))
	}
	if oursWall > twWall {
		t.Errorf("slower than twine: %v > %v", oursWall, twWall)
	}
}

// BenchmarkOpenDistribution measures opening (validating and hashing with
// sha256, blake2b-256 and md5) a TAGSHIP_BENCH_SIZE_MB wheel (default 64).
func BenchmarkOpenDistribution(b *testing.B) {
	size := benchSize(64)
	path, err := pypitest.WriteWheel(b.TempDir(), "benchpkg", "1.0.0", size)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		if _, err := pypi.OpenDistribution(path); err != nil {
			b.Fatal(err)
		}
	}
}
