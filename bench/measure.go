package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// sample is one measured run of a subprocess.
type sample struct {
	wall   time.Duration
	rss    int64 // peak resident set size, bytes
	stdout []byte
}

// agg aggregates the runs of one command: the best (lowest) wall time and
// the highest peak RSS seen over all runs, plus the last run's output.
type agg struct {
	name string
	wall time.Duration
	rss  int64
	runs int
	out  []byte
	err  error
}

func (a agg) ok() bool { return a.err == nil && a.runs > 0 }

// tailWriter keeps the last max bytes written to it.
type tailWriter struct {
	max int
	buf []byte
}

func (w *tailWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	if len(w.buf) > w.max {
		w.buf = append(w.buf[:0], w.buf[len(w.buf)-w.max:]...)
	}
	return len(p), nil
}

// timeBin is GNU time, used to read a command's peak RSS without the
// bench process's own memory in it (see measure).
var timeBin = func() string {
	if fileExists("/usr/bin/time") {
		return "/usr/bin/time"
	}
	return ""
}()

// measure runs cmd to completion and returns its wall time (time.Since
// around Run) and peak RSS (getrusage's ru_maxrss, KiB on Linux). Its
// standard output is returned (bounded to 1 MiB); on failure the error
// carries the tail of its standard error.
//
// Linux carries a process's peak RSS across exec, and Go starts children
// with vfork sharing the parent's memory: ru_maxrss of a direct child is
// never below the bench process's own peak (tens of MiB, it hosts the
// doubles). So the command runs under GNU time, which forks it from a
// process of about 1 MiB and reports its ru_maxrss (%M). Without GNU time
// the direct child's ru_maxrss is used (an upper bound).
func measure(ctx context.Context, timeout time.Duration, cmd *exec.Cmd) (sample, error) {
	var stdout, stderr tailWriter
	stdout.max, stderr.max = 1<<20, 4<<10
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second
	var rssFile string
	if timeBin != "" {
		f, err := os.CreateTemp("", "tagship-bench-rss-")
		if err != nil {
			return sample{}, err
		}
		rssFile = f.Name()
		f.Close()
		defer os.Remove(rssFile)
		cmd.Args = append([]string{timeBin, "-f", "%M", "-o", rssFile, cmd.Path}, cmd.Args[1:]...)
		cmd.Path = timeBin
	}
	// Its own process group, killed whole on our deadline.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			if cmd.Process != nil {
				_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			}
		case <-done:
		}
	}()
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%v)", err, ctx.Err())
		}
		return sample{}, fmt.Errorf("%s: %w\n%s", shortCmd(cmd), err, strings.TrimSpace(string(stderr.buf)))
	}
	var rss int64
	if rssFile != "" {
		b, err := os.ReadFile(rssFile)
		if err != nil {
			return sample{}, err
		}
		// GNU time may prefix notes ("Command exited with …"); the
		// figure is the last line.
		lines := strings.Fields(strings.TrimSpace(string(b)))
		if len(lines) == 0 {
			return sample{}, fmt.Errorf("GNU time reported no peak RSS for %s", shortCmd(cmd))
		}
		kib, err := strconv.ParseInt(lines[len(lines)-1], 10, 64)
		if err != nil {
			return sample{}, fmt.Errorf("GNU time: peak RSS %q: %v", b, err)
		}
		rss = kib << 10
	} else if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss << 10
	}
	return sample{wall: wall, rss: rss, stdout: bytes.Clone(stdout.buf)}, nil
}

func shortCmd(cmd *exec.Cmd) string {
	args := append([]string(nil), cmd.Args...)
	if timeBin != "" && cmd.Path == timeBin && len(args) > 5 {
		args = args[5:] // without the GNU time wrapper
	}
	for i, a := range args {
		if len(a) > 80 {
			args[i] = a[:77] + "..."
		}
	}
	s := strings.Join(args, " ")
	if len(s) > 300 {
		s = s[:297] + "..."
	}
	return s
}

// contender is one command of a comparison: make returns a fresh
// *exec.Cmd per run (prepare may reset state before each run and is not
// timed).
type contender struct {
	name    string
	make    func() (*exec.Cmd, error)
	check   func(sample) error // optional, after each run
	maxRuns int                // 0: as many as the others
}

// compare runs the contenders alternately, runs times each (A B A B …, so
// drift on a shared machine hits every contender alike), and aggregates
// each. A contender that fails stops being run; the others go on.
func (b *bench) compare(ctx context.Context, runs int, cs ...contender) []agg {
	out := make([]agg, len(cs))
	for i, c := range cs {
		out[i].name = c.name
	}
	for r := 0; r < runs; r++ {
		for i, c := range cs {
			if out[i].err != nil || (c.maxRuns > 0 && r >= c.maxRuns) {
				continue
			}
			if err := ctx.Err(); err != nil {
				out[i].err = err
				continue
			}
			cmd, err := c.make()
			if err != nil {
				out[i].err = err
				continue
			}
			s, err := measure(ctx, b.cmdTimeout, cmd)
			if err == nil && c.check != nil {
				err = c.check(s)
			}
			if err != nil {
				out[i].err = err
				b.logf("  %s: run %d FAILED: %v", c.name, r+1, err)
				continue
			}
			b.logf("  %s: run %d: %s, peak RSS %s", c.name, r+1, fmtDur(s.wall), fmtBytes(s.rss))
			a := &out[i]
			if a.runs == 0 || s.wall < a.wall {
				a.wall = s.wall
			}
			a.rss = max(a.rss, s.rss)
			a.runs++
			a.out = s.stdout
		}
	}
	return out
}

// cleanEnv is the calling environment without ambient credentials that
// could change what a tool does (OIDC request variables, Sigstore and
// cosign settings, PyPI and twine credentials), plus extra.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "ACTIONS_ID_TOKEN_") || strings.HasPrefix(k, "SIGSTORE_") ||
			strings.HasPrefix(k, "COSIGN_") || strings.HasPrefix(k, "TWINE_") ||
			k == "PYPI_API_TOKEN" || k == "TUF_ROOT" || k == "GITHUB_ACTIONS" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

func fmtDur(d time.Duration) string {
	switch {
	case d <= 0:
		return "0 ms"
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
	case d < time.Second:
		return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
}

func fmtBytes(n int64) string {
	const mib = 1 << 20
	if n >= 1<<30 {
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/mib)
}

// fmtSize names an artifact size: "64 MiB", "1 GiB".
func fmtSize(n int64) string {
	if n >= 1<<30 && n%(1<<30) == 0 {
		return fmt.Sprintf("%d GiB", n>>30)
	}
	return fmt.Sprintf("%d MiB", n>>20)
}
