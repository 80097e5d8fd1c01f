package changelog

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// brief renders findings as "line:severity:code" for comparison.
func brief(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%d:%s:%s", f.Line, f.Severity, f.Code))
	}
	return out
}

func TestLint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"spec", string(readTestdata(t, "spec.md")), nil},
		{"github", string(readTestdata(t, "github.md")), nil},
		{"gitlab", string(readTestdata(t, "gitlab.md")), nil},
		{"crlf", string(readTestdata(t, "crlf_bom.md")), nil},
		{"fences", string(readTestdata(t, "fences_comments.md")), nil},
		{"messy", string(readTestdata(t, "messy.md")), []string{
			"8:warning:unknown-subsection",
			"19:warning:unknown-subsection",
			"29:error:invalid-date",
			"33:error:missing-date",
			"33:warning:missing-link",
			"37:error:invalid-date",
			"37:warning:missing-link",
			"41:warning:not-release-heading",
			"45:warning:missing-link",
			"49:error:not-semver",
			"54:warning:unknown-subsection",
			"65:warning:orphan-link",
		}},
		{"dates", "## [1.0.3] - 2024-13-01\n- a\n## [1.0.2] - 2024-1-5\n- a\n## [1.0.1] - January 5, 2024\n- a\n## [1.0.0]\n- a\n## [0.9.0] - 2024-02-29\n- a\n## [0.8.0] - 2023-02-29\n- a\n", []string{
			"1:error:invalid-date",
			"3:error:invalid-date",
			"5:error:missing-date",
			"7:error:missing-date",
			"11:error:invalid-date",
		}},
		{"order", "## [Unreleased]\n- x\n## [1.0.0] - 2024-01-01\n- a\n## [1.1.0] - 2024-02-01\n- b\n## [0.9.0] - 2023-01-01\n- c\n## [0.9.0-rc.1] - 2022-12-01\n- d\n## [0.10.0] - 2022-01-01\n- e\n", []string{
			"5:error:version-order",
			"11:error:version-order",
		}},
		{"unreleased not first", "## [1.0.0] - 2024-01-01\n- a\n## [Unreleased]\n- b\n", []string{"3:warning:unreleased-position"}},
		{"missing link only when others have one", "## [Unreleased]\n## [1.0.0] - 2024-01-01\n- a\n## [0.9.0] - 2023-01-01\n- b\n\n[1.0.0]: https://x.test/1\n", []string{
			"1:warning:missing-link",
			"4:warning:missing-link",
		}},
		{"subsection case", "## [1.0.0] - 2024-01-01\n### added\n- a\n### Fixed\n- b\n", []string{"2:warning:unknown-subsection"}},
		{"empty release", "## [1.0.0] - 2024-01-01\n### Added\n\n## [0.9.0] - 2023-01-01\n- b\n", []string{"1:warning:empty-release"}},
		{"empty unreleased is fine", "## [Unreleased]\n\n## [1.0.0] - 2024-01-01\n- a\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fs := mustParse(t, tt.src).Lint()
			if got := brief(fs); !slices.Equal(got, tt.want) {
				t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if HasErrors(fs) != slices.ContainsFunc(tt.want, func(s string) bool { return strings.Contains(s, ":error:") }) {
				t.Error("HasErrors disagrees with the findings")
			}
			for _, f := range fs {
				if f.Message == "" || !strings.Contains(f.String(), fmt.Sprintf("line %d: %s: ", f.Line, f.Severity)) {
					t.Errorf("finding %q badly formatted", f)
				}
			}
		})
	}
}

func TestLintMessages(t *testing.T) {
	t.Parallel()
	fs := mustParse(t, "## [1.0.0] - 01/02/2024\n### added\n- a\n").Lint()
	want := []string{
		`line 1: error: release 1.0.0 date "01/02/2024": expected a real date written YYYY-MM-DD (ISO 8601); fix the date (invalid-date)`,
		`line 2: warning: subsection "added" is not a Keep a Changelog type: expected one of Added, Changed, Deprecated, Removed, Fixed, Security; write it as "Added" (unknown-subsection)`,
	}
	if len(fs) != len(want) {
		t.Fatalf("findings = %v", fs)
	}
	for i := range want {
		if fs[i].String() != want[i] {
			t.Errorf("finding %d:\n got %s\nwant %s", i, fs[i], want[i])
		}
	}
}
