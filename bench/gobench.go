package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// goBenchLine is one result line of `go test -bench`.
type goBenchLine struct {
	name    string // without the -GOMAXPROCS suffix
	nsPerOp float64
	mbPerS  float64
}

var benchLineRE = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)

// parseGoBench reads `go test -bench` output.
func parseGoBench(out string) []goBenchLine {
	var lines []goBenchLine
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		m := benchLineRE.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil {
			continue
		}
		l := goBenchLine{name: m[1]}
		f := strings.Fields(m[2])
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch f[i+1] {
			case "ns/op":
				l.nsPerOp = v
			case "MB/s":
				l.mbPerS = v
			}
		}
		lines = append(lines, l)
	}
	return lines
}

func findBench(lines []goBenchLine, name string) (goBenchLine, bool) {
	for _, l := range lines {
		if l.name == name {
			return l, true
		}
	}
	return goBenchLine{}, false
}

// goBench runs `go test -run ^$ -bench pattern pkg` in the module.
func (b *bench) goBench(ctx context.Context, pkg, pattern, benchtime string) ([]goBenchLine, error) {
	args := []string{"test", "-run", "^$", "-bench", pattern, "-benchtime", benchtime, pkg}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goTool(), args...)
	cmd.Dir = b.root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return parseGoBench(string(out)), nil
}

// goBenchFor runs a package's Go benchmark for one table row. When the
// package is missing or the run fails, it adds the row's n/a cells itself
// and reports false.
func (b *bench) goBenchFor(ctx context.Context, measure, anchor, pkg, pattern, benchtime string) ([]goBenchLine, bool) {
	if !fileExists(filepath.Join(b.root, pkg)) {
		b.rows = append(b.rows, naRows(measure, na("%s package missing", pkg), anchor)...)
		return nil, false
	}
	lines, err := b.goBench(ctx, "./"+pkg, pattern, benchtime)
	if err != nil {
		b.benchFailed(measure, anchor, err)
		return nil, false
	}
	return lines, true
}

// benchFailed records a failed measurement: the run fails, the row says why.
func (b *bench) benchFailed(measure, anchor string, err error) {
	b.fail("%v", err)
	b.rows = append(b.rows, naRows(measure, err, anchor)...)
}

// pipeline reports release's 50-job no-op DAG overhead: everything beyond
// its critical path, which is zero for no-op jobs.
func (b *bench) pipeline(ctx context.Context) {
	const measure = "pipeline overhead, 50-job no-op DAG (< 10 ms)"
	const anchor = "critical path (no-op jobs)"
	benchtime := "1s"
	if b.quick {
		benchtime = "200ms"
	}
	lines, ok := b.goBenchFor(ctx, measure, anchor, "release", "^BenchmarkPipelineOverhead$", benchtime)
	if !ok {
		return
	}
	l, ok := findBench(lines, "BenchmarkPipelineOverhead")
	if !ok {
		b.benchFailed(measure, anchor, fmt.Errorf("BenchmarkPipelineOverhead: no result line in go test output"))
		return
	}
	d := time.Duration(l.nsPerOp)
	b.rows = append(b.rows, Row{Measure: measure, Tagship: limitCell(fmtDur(d), d < 10*time.Millisecond),
		Anchor: anchor, AnchorFigure: "0 ms", Ratio: "— (overhead = figure)"})
	b.note("Pipeline: `go test -run '^$' -bench '^BenchmarkPipelineOverhead$' ./release` (10 layers × 5 no-op jobs, each needing the whole previous layer), time per run of the whole DAG.")
}

// changelog reports changelog.Parse throughput on a generated 5 MB
// changelog against splitting the same input into lines (bufio.Scanner).
func (b *bench) changelog(ctx context.Context) {
	const measure = "changelog Parse, 5 MB: throughput"
	const anchor = "bufio.Scanner line split (same input)"
	benchtime := "1s"
	if b.quick {
		benchtime = "10x"
	}
	lines, ok := b.goBenchFor(ctx, measure, anchor, "changelog", "^BenchmarkParse$/^5MB", benchtime)
	if !ok {
		return
	}
	ours, ok1 := findBench(lines, "BenchmarkParse/5MB")
	lines2, ok2 := findBench(lines, "BenchmarkParse/5MB/anchor-lines")
	if !ok1 || !ok2 || ours.mbPerS <= 0 || lines2.mbPerS <= 0 {
		b.benchFailed(measure, anchor, fmt.Errorf("BenchmarkParse/5MB: missing result lines (got %+v)", lines))
		return
	}
	b.rows = append(b.rows, Row{Measure: measure,
		Tagship: fmt.Sprintf("%.0f MB/s", ours.mbPerS), Anchor: anchor,
		AnchorFigure: fmt.Sprintf("%.0f MB/s", lines2.mbPerS),
		// Ratio of costs (time per byte), like every other row.
		Ratio: ratioCell(1/ours.mbPerS, 1/lines2.mbPerS, 0)})
	b.note("Changelog: `go test -run '^$' -bench '^BenchmarkParse$/^5MB' ./changelog`; the anchor is the floor of any line-based parser.")
}

// quickstart runs the examples/quickstart binary end to end in a temporary
// directory (it drives the whole pipeline against the in-process doubles).
func (b *bench) quickstart(ctx context.Context) {
	const measure = "quickstart end to end"
	bin, err := b.example(ctx, "quickstart")
	if err != nil {
		b.rows = append(b.rows, Row{Measure: measure + ": wall", Tagship: errCell(err), Anchor: "—", AnchorFigure: "—", Ratio: "—"})
		return
	}
	dir := filepath.Join(b.work, "quickstart")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.fail("%v", err)
		return
	}
	defer os.RemoveAll(dir)
	res := b.compare(ctx, b.runs, contender{name: "tagship examples/quickstart", make: func() (*exec.Cmd, error) {
		cmd := exec.Command(bin)
		cmd.Dir = dir
		cmd.Env = cleanEnv()
		return cmd, nil
	}})
	q := res[0]
	if !q.ok() {
		b.record([]Row{{Measure: measure + ": wall", Tagship: errCell(q.err), Anchor: "—", AnchorFigure: "—", Ratio: "—"}}, q)
		return
	}
	b.rows = append(b.rows,
		Row{Measure: measure + ": wall", Tagship: fmtDur(q.wall), Anchor: "— (no anchor)", AnchorFigure: "—", Ratio: "—"},
		Row{Measure: measure + ": peak RSS (≤ 96 MiB)", Tagship: limitCell(fmtBytes(q.rss), q.rss <= 96<<20), Anchor: "— (no anchor)", AnchorFigure: "—", Ratio: "—"})
}
