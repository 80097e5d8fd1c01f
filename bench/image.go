package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"

	"github.com/tagship/tagship/oci"
	"github.com/tagship/tagship/sign/signtest"
)

// registry is Debian's docker-registry started on 127.0.0.1 with our own
// configuration (the packaged one listens on all interfaces).
type registry struct {
	host string
	stop func()
}

func startRegistry(ctx context.Context, bin, dir string) (*registry, error) {
	storage := filepath.Join(dir, "storage")
	if err := os.MkdirAll(storage, 0o755); err != nil {
		return nil, err
	}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		host := "127.0.0.1:" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
		l.Close()
		cfg := fmt.Sprintf("version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\n"+
			"storage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\nhttp:\n  addr: %s\n", storage, host)
		cfgPath := filepath.Join(dir, "config.yml")
		if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
			return nil, err
		}
		logs := &tailWriter{max: 8 << 10}
		cmd := exec.Command(bin, "serve", cfgPath)
		cmd.Stdout, cmd.Stderr = logs, logs
		if err := cmd.Start(); err != nil {
			return nil, fmt.Errorf("starting docker-registry: %w", err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) && ctx.Err() == nil {
			resp, err := http.Get("http://" + host + "/v2/")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return &registry{host: host, stop: func() {
						_ = cmd.Process.Kill()
						<-exited
					}}, nil
				}
			}
			select {
			case <-exited:
				deadline = time.Time{}
			case <-time.After(25 * time.Millisecond):
			}
		}
		_ = cmd.Process.Kill()
		<-exited
		lastErr = fmt.Errorf("docker-registry on %s did not answer: %s", host, bytes.TrimSpace(logs.buf))
	}
	return nil, lastErr
}

// benchLayout writes a 2-platform OCI layout (linux/amd64, linux/arm64),
// each platform one layer made by oci.Assemble from a directory holding
// layer bytes of random data: the common input of both pushes.
func benchLayout(ctx context.Context, dir string, layer int64) (string, error) {
	var sources []oci.PlatformSource
	for _, p := range []string{"linux/amd64", "linux/arm64"} {
		d := filepath.Join(dir, "src-"+filepath.Base(p))
		if err := os.MkdirAll(d, 0o755); err != nil {
			return "", err
		}
		// Different content per platform (WriteRandomFile is
		// deterministic): prefix one byte so the layers differ.
		if err := writeRandomVariant(filepath.Join(d, "payload.bin"), layer, p); err != nil {
			return "", err
		}
		sources = append(sources, oci.PlatformSource{Platform: p, Layer: oci.LayerSpec{Dir: d}})
	}
	tmp := filepath.Join(dir, "tmp")
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return "", err
	}
	idx, err := oci.Assemble(ctx, sources, oci.WithTempDir(tmp))
	if err != nil {
		return "", err
	}
	defer idx.Close()
	out := filepath.Join(dir, "layout")
	lp, err := layout.Write(out, empty.Index)
	if err != nil {
		return "", err
	}
	if err := lp.AppendIndex(idx); err != nil {
		return "", err
	}
	for _, s := range sources {
		os.RemoveAll(s.Layer.Dir)
	}
	os.RemoveAll(tmp)
	return out, nil
}

func writeRandomVariant(path string, size int64, variant string) error {
	if err := signtest.WriteRandomFile(path, size); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteAt([]byte(variant), 0)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// imageOutput is the part of examples/image's JSON output the bench checks.
type imageOutput struct {
	Digest    string `json:"digest"`
	Unchanged bool   `json:"unchanged"`
	Uploaded  int    `json:"uploaded"`
	Skipped   int    `json:"skipped"`
}

// image measures examples/image pushing a 2-platform OCI layout to the real
// docker-registry against crane pushing the same layout (crane push --index).
func (b *bench) image(ctx context.Context) {
	layer := int64(256 << 20)
	if b.quick {
		layer = 16 << 20
	}
	measure := fmt.Sprintf("push 2-platform image, 2×%s layers", fmtSize(layer))
	bin, binErr := b.example(ctx, "image")
	crane, craneErr := b.tool("crane")
	regBin, regErr := b.tool("docker-registry")
	if craneErr == nil {
		b.toolVersion("crane", crane, "version")
	}
	if regErr != nil {
		b.rows = append(b.rows, naRows(measure+": wall", regErr, "crane push --index")...)
		return
	}
	b.toolVersion("docker-registry", regBin, "--version")
	dir := filepath.Join(b.work, "image")
	defer os.RemoveAll(dir)
	reg, err := startRegistry(ctx, regBin, filepath.Join(dir, "registry"))
	if err != nil {
		b.fail("%v", err)
		b.rows = append(b.rows, naRows(measure+": wall", err, "crane push --index")...)
		return
	}
	defer reg.stop()
	b.logf("docker-registry on %s; writing the layout (2 × %s random layers)", reg.host, fmtSize(layer))
	lay, err := benchLayout(ctx, dir, layer)
	if err != nil {
		b.fail("writing the benchmark OCI layout: %v", err)
		return
	}

	var run int
	oursRef := func(i int) string { return fmt.Sprintf("%s/tagship%d:v1.0.0", reg.host, i) }
	craneRef := func(i int) string { return fmt.Sprintf("%s/crane%d:v1.0.0", reg.host, i) }
	ours := contender{name: "tagship examples/image", make: func() (*exec.Cmd, error) {
		if binErr != nil {
			return nil, binErr
		}
		run++
		cmd := exec.Command(bin, "-layout", lay, "-sign=false", "-ref", oursRef(run))
		cmd.Env = cleanEnv()
		return cmd, nil
	}, check: func(s sample) error {
		var out imageOutput
		if err := json.Unmarshal(s.stdout, &out); err != nil {
			return fmt.Errorf("examples/image output: %v: %.200q", err, s.stdout)
		}
		if out.Uploaded < 4 || out.Unchanged {
			return fmt.Errorf("examples/image uploaded %d blobs (unchanged=%v) to a fresh repository, want ≥ 4", out.Uploaded, out.Unchanged)
		}
		return nil
	}}
	var crun int
	cr := contender{name: "crane push --index", make: func() (*exec.Cmd, error) {
		if craneErr != nil {
			return nil, craneErr
		}
		crun++
		cmd := exec.Command(crane, "push", "--index", lay, craneRef(crun))
		cmd.Env = cleanEnv()
		return cmd, nil
	}}
	b.logf("%s", measure)
	res := b.compare(ctx, b.runs, ours, cr)
	o, c := res[0], res[1]
	rows := wallRows(measure+": wall", o, imageCraneTarget, c)
	rows = append(rows, rssRow(measure+": peak RSS (≤ 96 MiB)", o, imageRSSLimit, 0, c))
	b.record(rows, o, c)

	// Re-push unchanged: the same layout to the same tags.
	oursAgain := contender{name: "tagship examples/image", make: func() (*exec.Cmd, error) {
		if binErr != nil {
			return nil, binErr
		}
		if !o.ok() {
			return nil, na("first push failed")
		}
		cmd := exec.Command(bin, "-layout", lay, "-sign=false", "-ref", oursRef(1))
		cmd.Env = cleanEnv()
		return cmd, nil
	}, check: func(s sample) error {
		var out imageOutput
		if err := json.Unmarshal(s.stdout, &out); err != nil {
			return fmt.Errorf("examples/image output: %v: %.200q", err, s.stdout)
		}
		if out.Uploaded != 0 || !out.Unchanged {
			return fmt.Errorf("re-push of an unchanged image uploaded %d blobs (unchanged=%v), want 0 and unchanged", out.Uploaded, out.Unchanged)
		}
		return nil
	}}
	crAgain := contender{name: "crane push --index", make: func() (*exec.Cmd, error) {
		if craneErr != nil {
			return nil, craneErr
		}
		if !c.ok() {
			return nil, na("first crane push failed")
		}
		cmd := exec.Command(crane, "push", "--index", lay, craneRef(1))
		cmd.Env = cleanEnv()
		return cmd, nil
	}}
	b.logf("re-push unchanged")
	res = b.compare(ctx, b.runs, oursAgain, crAgain)
	oa, ca := res[0], res[1]
	rows = wallRows("re-push unchanged image: wall (0 uploads)", oa, anchorTarget, ca)
	if oa.ok() {
		rows[0].Tagship = limitCell(fmtDur(oa.wall), oa.wall < time.Second)
		rows[0].Measure = "re-push unchanged image: wall (0 uploads, < 1 s)"
	}
	b.record(rows, oa, ca)
	b.note("Image: both push the same 2-platform OCI layout (written once by oci.Assemble from random data) to Debian's docker-registry on 127.0.0.1: " +
		"`examples/image -layout DIR -sign=false -ref HOST/tagshipN:v1.0.0` vs `crane push --index DIR HOST/craneN:v1.0.0`, a fresh repository per run; " +
		"the re-push sends the same layout to the first run's tag again (tagship checks it uploaded 0 blobs).")
}
