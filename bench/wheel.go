package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/tagship/tagship/pypi/pypitest"
)

// wheel measures examples/pypi-publish uploading one large wheel to
// pypi/pypitest on 127.0.0.1 against Debian's twine uploading the same file
// to a server configured the same way (classic API token).
func (b *bench) wheel(ctx context.Context) {
	size := int64(1 << 30)
	if b.quick {
		size = 32 << 20
	}
	measure := "upload " + fmtSize(size) + " wheel"
	bin, binErr := b.example(ctx, "pypi-publish")
	twine, twineErr := b.tool("twine")
	if twineErr == nil {
		b.toolVersion("twine", twine, "--version")
	}
	dir := filepath.Join(b.work, "wheel")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.fail("%v", err)
		return
	}
	defer os.RemoveAll(dir)
	b.logf("writing a %s wheel", fmtSize(size))
	path, err := pypitest.WriteWheel(dir, "benchpkg", "1.0.0", size)
	if err != nil {
		b.fail("writing the benchmark wheel: %v", err)
		return
	}
	const token = "pypi-bench-token"
	home := filepath.Join(dir, "home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		b.fail("%v", err)
		return
	}

	// A fresh server per run (so every upload is a real one), discarding
	// content after hashing it; closed after the run is checked.
	var servers []*pypitest.Server
	defer func() {
		for _, s := range servers {
			s.Close()
		}
	}()
	newServer := func() (*pypitest.Server, error) {
		s, err := pypitest.NewServer(pypitest.WithAPIToken(token), pypitest.WithDiscardContent())
		if err != nil {
			return nil, err
		}
		servers = append(servers, s)
		return s, nil
	}
	st, err := os.Stat(path)
	if err != nil {
		b.fail("%v", err)
		return
	}
	arrived := func(s sample) error {
		srv := servers[len(servers)-1]
		f, ok := srv.File(filepath.Base(path))
		if !ok || f.Size != st.Size() {
			return fmt.Errorf("the wheel did not arrive whole on pypitest: want %s of %d bytes, found %v with %d bytes", filepath.Base(path), st.Size(), ok, f.Size)
		}
		return nil
	}
	ours := contender{name: "tagship examples/pypi-publish", make: func() (*exec.Cmd, error) {
		if binErr != nil {
			return nil, binErr
		}
		srv, err := newServer()
		if err != nil {
			return nil, err
		}
		cmd := exec.Command(bin, "-index", srv.UploadURL(), "-token", token, path)
		cmd.Env = cleanEnv()
		return cmd, nil
	}, check: arrived}
	tw := contender{name: "twine upload", make: func() (*exec.Cmd, error) {
		if twineErr != nil {
			return nil, twineErr
		}
		srv, err := newServer()
		if err != nil {
			return nil, err
		}
		cmd := exec.Command(twine, "upload", "--repository-url", srv.UploadURL(), "-u", "__token__", "-p", token,
			"--non-interactive", "--disable-progress-bar", path)
		cmd.Env = cleanEnv("HOME="+home, "PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring")
		return cmd, nil
	}, check: arrived}
	b.logf("%s", measure)
	res := b.compare(ctx, b.runs, ours, tw)
	o, t := res[0], res[1]
	rows := wallRows(measure+": wall", o, anchorTarget, t)
	rows = append(rows, rssRow(measure+": peak RSS (≤ 64 MiB)", o, wheelRSSLimit, 0, t))
	b.record(rows, o, t)
	b.note("Wheel: a valid wheel (dist-info METADATA, WHEEL, RECORD and one stored random member, pypitest.WriteWheel) uploaded with a classic API token to pypi/pypitest's `/legacy/` on 127.0.0.1, " +
		"a fresh server per run: `examples/pypi-publish -index URL -token T FILE` vs `twine upload --repository-url URL -u __token__ -p T FILE`. The server runs inside the bench process.")
}
