package main

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestRatioCell(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		ours, anchor, target float64
		want                 string
	}{
		{1.1, 1.0, 1.2, "1.10 ✓ (≤ 1.2)"},
		{1.3, 1.0, 1.2, "1.30 ✗ (≤ 1.2)"},
		{1.004, 1.0, 1.0, "1.00 ✓ (≤ 1)"}, // judged as printed
		{0.5, 2.0, 0, "0.25"},
		{0.001, 1.0, 0, "0.001"},
		{1, 0, 1, "—"},
	} {
		if got := ratioCell(tc.ours, tc.anchor, tc.target); got != tc.want {
			t.Errorf("ratioCell(%v, %v, %v) = %q, want %q", tc.ours, tc.anchor, tc.target, got, tc.want)
		}
	}
}

func TestRows(t *testing.T) {
	t.Parallel()
	ours := agg{name: "tagship", wall: 1200 * time.Millisecond, rss: 30 << 20, runs: 1}
	anchor := agg{name: "openssl", wall: time.Second, rss: 6 << 20, runs: 1}
	missing := agg{name: "cosign", err: na("cosign not installed")}
	broken := agg{name: "crane", err: errors.New("exit status 1")}

	rows := wallRows("sign: wall", ours, 1.2, anchor, missing, broken)
	want := []Row{
		{"sign: wall", "1.20 s", "openssl", "1.00 s", "1.20 ✓ (≤ 1.2)"},
		{"sign: wall", "1.20 s", "cosign", "n/a (cosign not installed)", "—"},
		{"sign: wall", "1.20 s", "crane", "error (see log)", "—"},
	}
	for i := range want {
		if rows[i] != want[i] {
			t.Errorf("row %d = %+v, want %+v", i, rows[i], want[i])
		}
	}
	r := rssRow("sign: peak RSS", ours, 16<<20, 0, anchor)
	if r.Tagship != "30.0 MiB ✗" || r.AnchorFigure != "6.0 MiB" || r.Ratio != "5.00" {
		t.Errorf("rssRow = %+v", r)
	}
}

func TestMarkdown(t *testing.T) {
	t.Parallel()
	got := Markdown([]Row{{"a|b", "1 s", "x", "2 s", "0.50"}})
	want := "| measure | tagship | anchor | anchor figure | ratio |\n|---|---|---|---|---|\n| a\\|b | 1 s | x | 2 s | 0.50 |\n"
	if got != want {
		t.Errorf("Markdown:\n%s\nwant:\n%s", got, want)
	}
}

func TestReplaceBlock(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, doc, want string
		wantErr         bool
	}{
		{"replace", "# T\n<!-- bench:start -->\nold\n<!-- bench:end -->\ntail\n", "# T\n<!-- bench:start -->\nNEW\n<!-- bench:end -->\ntail\n", false},
		{"append", "# T\n", "# T\n\n## Benchmarks\n\n<!-- bench:start -->\nNEW\n<!-- bench:end -->\n", false},
		{"only start", "<!-- bench:start -->\n", "", true},
		{"reversed", "<!-- bench:end --><!-- bench:start -->", "", true},
		{"twice", "<!-- bench:start --><!-- bench:end --><!-- bench:start --><!-- bench:end -->", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ReplaceBlock(tc.doc, "NEW\n")
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseGoBench(t *testing.T) {
	t.Parallel()
	out := `goos: linux
BenchmarkPipelineOverhead-2   	    1885	    612345 ns/op
BenchmarkParse/5MB-2         	      10	  24000000 ns/op	 218.45 MB/s	 1234 B/op
BenchmarkParse/5MB/anchor-lines-2 	     100	   1500000 ns/op	3494.00 MB/s
PASS
`
	lines := parseGoBench(out)
	p, ok := findBench(lines, "BenchmarkPipelineOverhead")
	if !ok || p.nsPerOp != 612345 {
		t.Errorf("pipeline: %+v %v", p, ok)
	}
	c, ok := findBench(lines, "BenchmarkParse/5MB")
	if !ok || c.mbPerS != 218.45 {
		t.Errorf("parse: %+v %v", c, ok)
	}
	a, ok := findBench(lines, "BenchmarkParse/5MB/anchor-lines")
	if !ok || a.mbPerS != 3494 {
		t.Errorf("anchor: %+v %v", a, ok)
	}
}

func TestVersionRE(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"OpenSSL 3.0.19 27 Jan 2026 (Library: OpenSSL 3.0.19 27 Jan 2026)":  "3.0.19",
		"twine version 4.0.2 (importlib-metadata: 4.12.0)":                  "4.0.2",
		"/usr/bin/docker-registry github.com/docker/distribution 2.8.2+ds1": "2.8.2+ds1",
		"v0.22.1\n": "v0.22.1",
	} {
		if got := versionRE.FindString(in); got != want {
			t.Errorf("version of %q = %q, want %q", in, got, want)
		}
	}
}

// TestMeasure checks that peak RSS is the command's own (not inherited
// from this process) and that failures carry the command's stderr.
func TestMeasure(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	// Grow this process first: a direct vfork+exec child would report at
	// least this much.
	ballast := make([]byte, 64<<20)
	for i := range ballast {
		ballast[i] = 1
	}
	s, err := measure(context.Background(), time.Minute, exec.Command("sh", "-c", "echo hi"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(s.stdout)) != "hi" || s.wall <= 0 {
		t.Errorf("sample = %+v", s)
	}
	if timeBin != "" && s.rss >= 32<<20 {
		t.Errorf("peak RSS of sh = %s: the bench process's memory leaked into it", fmtBytes(s.rss))
	}
	_ = ballast[len(ballast)-1]

	_, err = measure(context.Background(), time.Minute, exec.Command("sh", "-c", "echo boom >&2; exit 3"))
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("failing command: err = %v, want its stderr", err)
	}
	_, err = measure(context.Background(), 200*time.Millisecond, exec.Command("sh", "-c", "sleep 30"))
	if err == nil {
		t.Error("a command past its timeout was not stopped")
	}
}
