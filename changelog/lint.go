package changelog

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/semver"
)

// Severity of a lint Finding.
type Severity int

const (
	// SeverityWarning: the file works but departs from Keep a Changelog.
	SeverityWarning Severity = iota + 1
	// SeverityError: a release is not usable as is (no or invalid date,
	// wrong order, a version heading that is not semver).
	SeverityError
)

func (s Severity) String() string {
	switch s {
	case SeverityWarning:
		return "warning"
	case SeverityError:
		return "error"
	}
	return fmt.Sprintf("Severity(%d)", int(s))
}

// Finding codes, stable for filtering.
const (
	CodeMissingDate       = "missing-date"        // error: a release heading without a date
	CodeInvalidDate       = "invalid-date"        // error: a date that is not a real YYYY-MM-DD date
	CodeVersionOrder      = "version-order"       // error: releases not in descending version order
	CodeNotSemver         = "not-semver"          // error: a "##" heading that looks like a version but is not X.Y.Z
	CodeMissingLink       = "missing-link"        // warning: no link reference while other releases have one
	CodeOrphanLink        = "orphan-link"         // warning: a release link reference without a section
	CodeUnknownSubsection = "unknown-subsection"  // warning: "###" other than Added, Changed, Deprecated, Removed, Fixed, Security
	CodeUnreleasedNotTop  = "unreleased-position" // warning: [Unreleased] is not the first section
	CodeEmptyRelease      = "empty-release"       // warning: a release without entries
	CodeOtherHeading      = "not-release-heading" // warning: a "##" heading that is not a release
)

// Finding is one lint result.
type Finding struct {
	Line     int // 1-based
	Severity Severity
	Code     string // one of the Code… constants
	Message  string // what was expected, what was found, how to fix it
}

func (f Finding) String() string {
	return fmt.Sprintf("line %d: %s: %s (%s)", f.Line, f.Severity, f.Message, f.Code)
}

// HasErrors reports whether any finding has SeverityError.
func HasErrors(fs []Finding) bool {
	return slices.ContainsFunc(fs, func(f Finding) bool { return f.Severity == SeverityError })
}

// standardSections are the subsection names Keep a Changelog 1.1.0 defines.
var standardSections = []string{"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}

// Lint checks the document against Keep a Changelog 1.1.0 and returns the
// findings ordered by line (nil when there are none).
func (c *Changelog) Lint() []Finding {
	var fs []Finding
	add := func(line int, sev Severity, code, format string, args ...any) {
		fs = append(fs, Finding{Line: line, Severity: sev, Code: code, Message: fmt.Sprintf(format, args...)})
	}
	if u := c.unreleased; u != nil && c.all[0] != u {
		add(u.Line, SeverityWarning, CodeUnreleasedNotTop,
			"expected [Unreleased] to be the first section, found it below %s (line %d); move it above the newest release", c.all[0].Version, c.all[0].Line)
	}
	for i, r := range c.releases {
		switch {
		case r.Date == "" && r.dateText == "":
			add(r.Line, SeverityError, CodeMissingDate,
				"release %s has no date: expected \"## [%s] - YYYY-MM-DD\"; add the release date", r.Version, r.Version)
		case r.Date == "":
			add(r.Line, SeverityError, CodeMissingDate,
				"release %s has no ISO date: expected \"- YYYY-MM-DD\" after the version, found %q; write the date as YYYY-MM-DD", r.Version, r.dateText)
		case !isISODate(r.Date):
			add(r.Line, SeverityError, CodeInvalidDate,
				"release %s date %q: expected a real date written YYYY-MM-DD (ISO 8601); fix the date", r.Version, r.Date)
		}
		if i > 0 {
			p := c.releases[i-1]
			if semver.Compare("v"+p.Version, "v"+r.Version) <= 0 {
				add(r.Line, SeverityError, CodeVersionOrder,
					"release %s is listed below %s (line %d): expected versions in descending order, newest first; move the section", r.Version, p.Version, p.Line)
			}
		}
		if !hasEntries(r.Body) {
			add(r.Line, SeverityWarning, CodeEmptyRelease,
				"release %s has no entries: expected at least one change; add entries or remove the section", r.Version)
		}
	}
	linked := slices.ContainsFunc(c.all, func(r *Release) bool { return c.Link(nameOf(r)) != "" })
	for _, r := range c.all {
		if linked && c.Link(nameOf(r)) == "" {
			label := r.Version
			if r.Version == "" {
				label = "Unreleased"
			}
			add(r.Line, SeverityWarning, CodeMissingLink,
				"[%s] has no link reference while other releases have one: expected a line \"[%s]: URL\" at the bottom; add the compare link", label, label)
		}
		for _, s := range r.sections {
			if slices.Contains(standardSections, s.Name) {
				continue
			}
			hint := "rename it, or ignore this warning if the name is intended"
			for _, std := range standardSections {
				if strings.EqualFold(std, s.Name) {
					hint = "write it as \"" + std + "\""
				}
			}
			add(s.Line, SeverityWarning, CodeUnknownSubsection,
				"subsection %q is not a Keep a Changelog type: expected one of %s; %s", s.Name, strings.Join(standardSections, ", "), hint)
		}
	}
	for k, i := range c.linkByKey {
		if (isVersionKey(k) || k == keyUnreleased) && c.Release(k) == nil {
			l := c.links[i]
			add(l.Line, SeverityWarning, CodeOrphanLink,
				"link reference [%s] has no matching release section; remove it or add the section", l.Label)
		}
	}
	for _, o := range c.others {
		if o.looksVersion {
			add(o.line, SeverityError, CodeNotSemver,
				"heading %q looks like a release but its version is not semantic X.Y.Z: expected e.g. \"## [1.2.0] - 2024-05-01\"; fix the version (it is not treated as a release)", o.text)
			continue
		}
		add(o.line, SeverityWarning, CodeOtherHeading,
			"level-2 heading %q is not a release heading: expected \"## [X.Y.Z] - YYYY-MM-DD\" or \"## [Unreleased]\"; its text is kept in the section above", o.text)
	}
	slices.SortStableFunc(fs, func(a, b Finding) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return strings.Compare(a.Code, b.Code)
	})
	return fs
}

func nameOf(r *Release) string {
	if r.Version == "" {
		return "Unreleased"
	}
	return r.Version
}

func isISODate(s string) bool {
	if len(s) != len(time.DateOnly) {
		return false
	}
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}
