package main

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Row is one line of the benchmark table.
type Row struct {
	Measure      string
	Tagship      string
	Anchor       string
	AnchorFigure string
	Ratio        string
}

// ratioCell renders ours/anchor (both costs: time or memory; below 1
// means tagship is cheaper), checked against target when target > 0.
func ratioCell(ours, anchor float64, target float64) string {
	if anchor <= 0 || ours < 0 {
		return "—"
	}
	r := ours / anchor
	s := fmt.Sprintf("%.2f", r)
	if r < 0.01 {
		s = fmt.Sprintf("%.3f", r)
	}
	if target > 0 {
		mark := "✓"
		if math.Round(r*100)/100 > target { // as printed
			mark = "✗"
		}
		s += fmt.Sprintf(" %s (≤ %g)", mark, target)
	}
	return s
}

// limitCell renders an absolute figure checked against a budget.
func limitCell(fig string, ok bool) string {
	if ok {
		return fig + " ✓"
	}
	return fig + " ✗"
}

// errCell renders a failed measurement for a table cell.
func errCell(err error) string {
	var na *naError
	if errors.As(err, &na) {
		return "n/a (" + na.reason + ")"
	}
	return "error (see log)"
}

// naError marks a measurement that was not applicable (a tool or example
// that does not exist here): the row prints n/a (reason).
type naError struct{ reason string }

func (e *naError) Error() string { return "n/a: " + e.reason }

func na(format string, args ...any) error { return &naError{reason: fmt.Sprintf(format, args...)} }

// wallRows compares the wall time of ours with that of each anchor.
func wallRows(measure string, ours agg, target float64, anchors ...agg) []Row {
	var rows []Row
	for _, a := range anchors {
		r := Row{Measure: measure, Anchor: a.name}
		r.Tagship, r.AnchorFigure, r.Ratio = cells(ours, a, func(x agg) float64 { return x.wall.Seconds() },
			func(x agg) string { return fmtDur(x.wall) }, target)
		rows = append(rows, r)
	}
	return rows
}

// rssRow compares the peak RSS of ours with an anchor's; limit (bytes) is
// the absolute budget for ours (0: none), target the ratio's (0: none).
func rssRow(measure string, ours agg, limit int64, target float64, anchor agg) Row {
	r := Row{Measure: measure, Anchor: anchor.name}
	r.Tagship, r.AnchorFigure, r.Ratio = cells(ours, anchor, func(x agg) float64 { return float64(x.rss) },
		func(x agg) string { return fmtBytes(x.rss) }, target)
	if ours.ok() && limit > 0 {
		r.Tagship = limitCell(fmtBytes(ours.rss), ours.rss <= limit)
	}
	return r
}

func cells(ours, anchor agg, val func(agg) float64, show func(agg) string, target float64) (t, a, ratio string) {
	t, a, ratio = show(ours), show(anchor), "—"
	if !ours.ok() {
		t = errCell(ours.err)
	}
	if !anchor.ok() {
		a = errCell(anchor.err)
	}
	if ours.ok() && anchor.ok() {
		ratio = ratioCell(val(ours), val(anchor), target)
	}
	return t, a, ratio
}

// naRows is rows for a measure that could not run at all.
func naRows(measure string, err error, anchors ...string) []Row {
	var rows []Row
	for _, a := range anchors {
		rows = append(rows, Row{Measure: measure, Tagship: errCell(err), Anchor: a, AnchorFigure: "—", Ratio: "—"})
	}
	return rows
}

// Markdown renders the table with the columns
// measure | tagship | anchor | anchor figure | ratio.
func Markdown(rows []Row) string {
	var b strings.Builder
	b.WriteString("| measure | tagship | anchor | anchor figure | ratio |\n")
	b.WriteString("|---|---|---|---|---|\n")
	esc := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n",
			esc(r.Measure), esc(r.Tagship), esc(r.Anchor), esc(r.AnchorFigure), esc(r.Ratio))
	}
	return b.String()
}

// ReplaceBlock replaces what lies between the start and end markers in doc
// with block (markers kept). Without markers the block is appended under a
// "## Benchmarks" heading.
func ReplaceBlock(doc, block string) (string, error) {
	const start, end = "<!-- bench:start -->", "<!-- bench:end -->"
	i := strings.Index(doc, start)
	j := strings.Index(doc, end)
	switch {
	case i < 0 && j < 0:
		if doc != "" && !strings.HasSuffix(doc, "\n") {
			doc += "\n"
		}
		return doc + "\n## Benchmarks\n\n" + start + "\n" + block + end + "\n", nil
	case i < 0 || j < 0 || j < i:
		return "", fmt.Errorf("README: want %s before %s, found only one of them or the wrong order; fix the markers", start, end)
	case strings.Count(doc, start) > 1 || strings.Count(doc, end) > 1:
		return "", fmt.Errorf("README: want one %s … %s block, found several", start, end)
	}
	return doc[:i+len(start)] + "\n" + block + doc[j:], nil
}

// machineLine names the machine and the run.
func machineLine(nproc int, cpu, goVersion string, at time.Time, mode string) string {
	return fmt.Sprintf("Machine: %d × %s (nproc %d), %s, %s, %s run.",
		nproc, cpu, nproc, goVersion, at.UTC().Format("2006-01-02 15:04 UTC"), mode)
}
