// Command bench runs tagship's benchmarks on this machine and prints, per
// measure, tagship's figure, an anchor measured in the same run (openssl,
// the real cosign, crane, twine, …) and their ratio, as a Markdown table:
//
//	go run ./bench            # full sizes: 1 GiB and 4 GiB sign, 2×256 MiB image, 1 GiB wheel
//	go run ./bench -quick     # small sizes, for CI (well under 3 minutes)
//	go run ./bench -readme    # also replace the table in README.md
//
// The table also goes to bench/out/latest.md. See bench/README.md for what
// each measure is and how its anchor is run. Under TAGSHIP_INTEROP=1 (CI)
// a missing anchor tool is a failure; otherwise its rows print n/a.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/tagship/tagship/internal/interop"
)

// bench is one run of the benchmark suite.
type bench struct {
	quick      bool
	runs       int
	root       string // module root
	work       string // temporary directory of this run
	binDir     string // examples built with go build -o
	strict     bool   // TAGSHIP_INTEROP=1
	cmdTimeout time.Duration

	rows     []Row
	notes    []string
	versions map[string]string // anchor tool → version
	failures []string
	built    map[string]buildResult
	only     map[string]bool
}

type buildResult struct {
	path string
	err  error
}

func main() {
	quick := flag.Bool("quick", false, "small sizes (CI): 64 MiB sign, 2×16 MiB image, 32 MiB wheel; one run each")
	readme := flag.Bool("readme", false, "replace the block between <!-- bench:start --> and <!-- bench:end --> in README.md")
	runs := flag.Int("runs", 0, "runs per measure, best kept (default 1 with -quick, 2 otherwise)")
	only := flag.String("only", "", "comma-separated sections to run: sign,image,wheel,quickstart,pipeline,changelog,scale (default all)")
	out := flag.String("out", "", "where to write the table (default bench/out/latest.md)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, *quick, *readme, *runs, *only, *out)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, quick, readme bool, runs int, only, out string) int {
	root, ok := interop.RepoRoot()
	if !ok {
		fmt.Fprintln(os.Stderr, "bench: cannot find the module root (go.mod); run it as `go run ./bench` from the repository")
		return 2
	}
	if runs <= 0 {
		runs = 2
		if quick {
			runs = 1
		}
	}
	work, err := os.MkdirTemp("", "tagship-bench-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	defer os.RemoveAll(work)
	b := &bench{
		quick: quick, runs: runs, root: root, work: work, binDir: filepath.Join(work, "bin"),
		strict: interop.Required(), cmdTimeout: 20 * time.Minute,
		versions: map[string]string{}, built: map[string]buildResult{},
	}
	if quick {
		b.cmdTimeout = 3 * time.Minute
	}
	if only != "" {
		b.only = map[string]bool{}
		for _, s := range strings.Split(only, ",") {
			b.only[strings.TrimSpace(s)] = true
		}
	}
	if err := os.MkdirAll(b.binDir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}

	began := time.Now()
	mode := "full-size"
	if quick {
		mode = "quick (-quick)"
	}
	b.logf("tagship bench: %s, %d run(s) per measure, work dir %s", mode, runs, work)

	sections := []struct {
		name string
		fn   func(context.Context)
	}{
		{"sign", b.signVerify},
		{"image", b.image},
		{"wheel", b.wheel},
		{"quickstart", b.quickstart},
		{"pipeline", b.pipeline},
		{"changelog", b.changelog},
		{"scale", b.scale},
	}
	for _, s := range sections {
		if b.only != nil && !b.only[s.name] {
			continue
		}
		if ctx.Err() != nil {
			break
		}
		t0 := time.Now()
		b.logf("== %s", s.name)
		s.fn(ctx)
		b.logf("== %s done in %s", s.name, fmtDur(time.Since(t0)))
	}
	if ctx.Err() != nil {
		b.fail("interrupted: %v", ctx.Err())
	}

	doc := b.document(began, mode)
	fmt.Print("\n" + doc)
	if out == "" {
		out = filepath.Join(root, "bench", "out", "latest.md")
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		b.fail("writing %s: %v", out, err)
	} else if err := os.WriteFile(out, []byte(doc), 0o644); err != nil {
		b.fail("writing %s: %v", out, err)
	} else {
		b.logf("table written to %s", out)
	}
	if readme {
		if err := updateReadme(filepath.Join(root, "README.md"), doc); err != nil {
			b.fail("%v", err)
		} else {
			b.logf("README.md updated")
		}
	}
	b.logf("total %s", fmtDur(time.Since(began)))
	if len(b.failures) > 0 {
		fmt.Fprintln(os.Stderr, "\nbench: FAILED:")
		for _, f := range b.failures {
			fmt.Fprintln(os.Stderr, "  -", f)
		}
		return 1
	}
	return 0
}

func updateReadme(path, doc string) error {
	old, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("README: %w", err)
	}
	updated, err := ReplaceBlock(string(old), doc)
	if err != nil {
		return err
	}
	return os.WriteFile(path, []byte(updated), 0o644)
}

// document is what is printed and written: the machine, the anchors'
// versions, the table and its footnotes.
func (b *bench) document(at time.Time, mode string) string {
	var d strings.Builder
	d.WriteString(machineLine(runtime.NumCPU(), cpuModel(), runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH, at, mode))
	d.WriteString("\n")
	if len(b.versions) > 0 {
		var names []string
		for n := range b.versions {
			names = append(names, n)
		}
		sort.Strings(names)
		var parts []string
		for _, n := range names {
			parts = append(parts, n+" "+b.versions[n])
		}
		d.WriteString("Anchors: " + strings.Join(parts, ", ") + ".\n")
	}
	d.WriteString("\n")
	d.WriteString(Markdown(b.rows))
	d.WriteString("\n")
	notes := append([]string{
		fmt.Sprintf("Wall time is the best of %d run(s) (time around the whole process), peak RSS the highest; tagship and anchor runs alternate. "+
			"Ratio = tagship ÷ anchor (time or memory: below 1 means tagship is cheaper); ✓/✗ checks the issue's target.", b.runs),
	}, b.notes...)
	if timeBin == "" {
		notes = append(notes, "GNU time (/usr/bin/time) was missing: peak RSS figures include the bench process's own peak (Linux keeps ru_maxrss across vfork+exec), so they are upper bounds.")
	} else {
		notes = append(notes, "Peak RSS is GNU time's %M for the process itself (it forks the command from a ~1 MiB process, so the bench process's memory is not counted).")
	}
	for _, n := range notes {
		d.WriteString("- " + n + "\n")
	}
	return d.String()
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH + " CPU"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH + " CPU"
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

// fail records a failure: the run exits non-zero after printing the table.
func (b *bench) fail(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	b.logf("FAIL: %s", msg)
	b.failures = append(b.failures, msg)
}

func (b *bench) note(format string, args ...any) {
	b.notes = append(b.notes, fmt.Sprintf(format, args...))
}

// tool finds an anchor tool; a missing one is an n/a error, and a failure
// of the run under TAGSHIP_INTEROP=1.
func (b *bench) tool(name string) (string, error) {
	if p, ok := interop.Lookup(name); ok {
		return p, nil
	}
	if b.strict {
		b.fail("anchor tool %s not found (TAGSHIP_INTEROP=1 makes a missing tool a failure); run .ci/install.sh", name)
	}
	return "", na("%s not installed", name)
}

// example builds examples/<name> once with go build -o into the run's bin
// directory. An example that does not exist yet is an n/a error; one that
// does not compile is a failure.
func (b *bench) example(ctx context.Context, name string) (string, error) {
	if r, ok := b.built[name]; ok {
		return r.path, r.err
	}
	r := b.build(ctx, name)
	b.built[name] = r
	return r.path, r.err
}

func (b *bench) build(ctx context.Context, name string) buildResult {
	src := filepath.Join(b.root, "examples", name)
	if m, _ := filepath.Glob(filepath.Join(src, "*.go")); len(m) == 0 {
		return buildResult{err: na("not built")}
	}
	out := filepath.Join(b.binDir, name)
	cmd := exec.CommandContext(ctx, goTool(), "build", "-o", out, "./examples/"+name)
	cmd.Dir = b.root
	t0 := time.Now()
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.fail("go build ./examples/%s: %v\n%s", name, err, strings.TrimSpace(string(msg)))
		return buildResult{err: fmt.Errorf("go build ./examples/%s: %w", name, err)}
	}
	b.logf("built examples/%s in %s", name, fmtDur(time.Since(t0)))
	return buildResult{path: out}
}

func goTool() string {
	if g := os.Getenv("GOROOT"); g != "" && fileExists(filepath.Join(g, "bin", "go")) {
		return filepath.Join(g, "bin", "go")
	}
	return "go"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// record appends rows and turns failed measurements into run failures.
func (b *bench) record(rows []Row, aggs ...agg) {
	b.rows = append(b.rows, rows...)
	for _, a := range aggs {
		if a.err != nil {
			if _, isNA := a.err.(*naError); !isNA {
				b.fail("%s: %v", a.name, a.err)
			}
		}
	}
}

// toolVersion runs `bin args…` and keeps the first version number in its
// output ("OpenSSL 3.0.19 27 Jan 2026" → "3.0.19").
func (b *bench) toolVersion(name, bin string, args ...string) {
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		return
	}
	if v := versionRE.FindString(string(out)); v != "" {
		b.versions[name] = v
	}
}

var versionRE = regexp.MustCompile(`\bv?\d+\.\d+[^\s,()]*`)
