package release

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"
)

// Summarizer is implemented by job outputs that know how to describe
// themselves in one line of the summary table.
type Summarizer interface {
	Summary() string
}

// Table renders the report as the run's summary: job, status, duration and
// outputs, one row per job.
func (r *Report) Table() string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "JOB\tSTATUS\tDURATION\tOUTPUTS")
	for _, j := range r.Jobs {
		detail := summarizeOutput(j.Output)
		switch {
		case j.Status == StatusFailed && j.Err != nil:
			detail = "error: " + firstLine(j.Err.Error())
		case j.Reason != "" && !j.Status.Done():
			detail = j.Reason
		case j.Status == StatusReused && detail == "":
			detail = j.Reason
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", j.Name, j.Status, roundDuration(j.Duration), detail)
	}
	fmt.Fprintf(w, "total\t\t%s\t\n", roundDuration(r.Duration))
	w.Flush()
	return b.String()
}

// summarizeOutput turns a recorded output into a short line. Outputs with a
// "summary" field (see [Summarizer]) use it; others show compact JSON.
func summarizeOutput(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var probe struct {
		Summary string `json:"summary"`
	}
	if json.Unmarshal(raw, &probe) == nil && probe.Summary != "" {
		return probe.Summary
	}
	s := string(raw)
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func roundDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "-"
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Second:
		return d.Round(100 * time.Microsecond).String()
	default:
		return d.Round(10 * time.Millisecond).String()
	}
}

// PlanStep is one job in a dry run: what it would do, in dependency order.
type PlanStep struct {
	Job     string
	Needs   []string
	Actions []string
}

// Plan lists, without running anything, the jobs in the order they would
// start and what each would build, sign and publish, and where.
func (p *Pipeline) Plan() []PlanStep {
	var out []PlanStep
	for _, name := range p.Order() {
		j, _ := p.Job(name)
		step := PlanStep{Job: name, Needs: append([]string(nil), j.Needs...)}
		if j.Plan != nil {
			step.Actions = j.Plan()
		}
		out = append(out, step)
	}
	return out
}

// FormatPlan renders a plan as indented text.
func FormatPlan(steps []PlanStep) string {
	var b strings.Builder
	for i, s := range steps {
		fmt.Fprintf(&b, "%d. %s", i+1, s.Job)
		if len(s.Needs) > 0 {
			fmt.Fprintf(&b, " (after %s)", strings.Join(s.Needs, ", "))
		}
		b.WriteByte('\n')
		for _, a := range s.Actions {
			fmt.Fprintf(&b, "   - %s\n", a)
		}
	}
	return b.String()
}
