package changelog

import (
	"bufio"
	"bytes"
	"fmt"
	"testing"
	"time"
)

// genChangelog builds a realistic changelog of at least size bytes:
// [Unreleased], descending releases with subsections, an occasional fenced
// block and HTML comment, and the compare-link block at the bottom.
func genChangelog(size int) []byte {
	var b, links bytes.Buffer
	b.WriteString("# Changelog\n\nAll notable changes to this project will be documented in this file.\n\n## [Unreleased]\n\n### Added\n\n- Something new.\n\n")
	links.WriteString("[Unreleased]: https://github.com/o/r/compare/v9999.0.0...HEAD\n")
	for i := 9999; b.Len()+links.Len() < size && i > 0; i-- {
		v := fmt.Sprintf("%d.0.0", i)
		fmt.Fprintf(&b, "## [%s] - 2024-%02d-%02d\n\n### Added\n\n", v, i%12+1, i%28+1)
		for j := 0; j < 5; j++ {
			fmt.Fprintf(&b, "- Feature %d of release %s, with `code` and a [link](https://example.com/%d).\n", j, v, j)
		}
		b.WriteString("\n### Fixed\n\n- A bug fix (#1234).\n\n")
		if i%10 == 0 {
			b.WriteString("```sh\n## [0.0.0] not a heading\nrun --flag\n```\n\n<!-- a comment\n## [0.0.1] hidden\n-->\n\n")
		}
		fmt.Fprintf(&links, "[%s]: https://github.com/o/r/compare/v%d.0.0...v%s\n", v, i-1, v)
	}
	b.Write(links.Bytes())
	return b.Bytes()
}

var benchSizes = []struct {
	name string
	size int
}{
	{"0.5MB", 512 << 10},
	{"1MB", 1 << 20},
	{"5MB", 5 << 20},
}

// BenchmarkParse measures Parse on generated inputs of growing size; MB/s
// staying flat across sizes shows Parse is linear. The "lines" anchor
// sub-benchmarks split the same input into lines with bufio.Scanner, a
// lower bound for any line-based parser.
func BenchmarkParse(b *testing.B) {
	for _, s := range benchSizes {
		src := genChangelog(s.size)
		b.Run(s.name, func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(src); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(s.name+"/anchor-lines", func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				sc := bufio.NewScanner(bytes.NewReader(src))
				n := 0
				for sc.Scan() {
					n += len(sc.Bytes())
				}
				if n == 0 {
					b.Fatal("empty")
				}
			}
		})
	}
}

func TestGenChangelogIsValid(t *testing.T) {
	t.Parallel()
	src := genChangelog(64 << 10)
	c, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	if len(src) < 64<<10 || len(c.Releases()) < 50 {
		t.Fatalf("generator produced %d bytes, %d releases", len(src), len(c.Releases()))
	}
	if fs := c.Lint(); len(fs) != 0 {
		t.Fatalf("generated changelog has findings: %v", fs[0])
	}
	if err := c.Cut("10000.0.0", cutDate); err != nil {
		t.Fatal(err)
	}
}

// TestParseAdversarialLinear runs Parse, Lint, Notes and Cut on 2 MB inputs
// built to trip quadratic scanning (one huge line, bracket and backtick
// runs, unclosed comments and fences, thousands of headings and links). A
// linear implementation needs well under a second for each; a quadratic one
// would need minutes, so the generous bound does not flake on a busy machine.
func TestParseAdversarialLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("slow in -short mode")
	}
	t.Parallel()
	const size = 2 << 20
	rep := func(s string) []byte { return bytes.Repeat([]byte(s), size/len(s)+1) }
	inputs := map[string][]byte{
		"one huge line":        rep("x"),
		"one huge heading":     append([]byte("## [Unreleased] "), rep("- [YANKE ")...),
		"brackets":             append([]byte("## [Unreleased]\n- "), rep("[[a]")...),
		"unclosed brackets":    append([]byte("## [Unreleased]\n- "), rep("[aaaaaaaaaaaaaaaa")...),
		"backtick runs":        rep("` `` ``` ```` `````\n"),
		"unclosed comment":     append([]byte("## [Unreleased]\n- a\n<!--\n"), rep("## [1.0.0]\n")...),
		"comment per line":     rep("<!-- x\n"),
		"fence toggles":        rep("```\n### Added\n[1.0.0]: https://x\n"),
		"headings":             rep("## [Unreleased\n### Added\n"),
		"link definitions":     append([]byte("## [Unreleased]\n- [x]\n"), rep("[x]: https://github.com/o/r/compare/v1.0.0...HEAD\n")...),
		"unreleased and links": append([]byte("## [Unreleased]\n- a\n"), rep("[Unreleased]: https://github.com/o/r/compare/v1.0.0...HEAD\n")...),
	}
	for name, src := range inputs {
		start := time.Now()
		c, err := Parse(src)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		_ = c.Lint()
		for _, r := range append(c.Releases(), c.Unreleased()) {
			if r != nil {
				_ = c.Notes(r.Version)
			}
		}
		_ = c.Cut("1000.0.0", cutDate)
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%s: %v for %d bytes: not linear", name, d, len(src))
		}
	}
}
