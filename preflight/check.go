package preflight

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/tagship/tagship/changelog"
)

// Names of the checks, as found in [Problem.Check] and [Pass.Check].
const (
	CheckTag       = "tag"       // the tag is a strict vX.Y.Z release tag
	CheckVersion   = "version"   // each version source declares the tag's version
	CheckChangelog = "changelog" // the changelog has a non-empty, dated section for it
	CheckEvent     = "ci-event"  // in GitHub Actions: the run is a tag push
	CheckWorkflow  = "workflow"  // in GitHub Actions: the running workflow is the release's (WorkflowProblems)
)

// ErrCheckFailed is the condition behind every [*CheckError]: at least one
// check found a problem of [SeverityError].
var ErrCheckFailed = errors.New("preflight: release checks failed")

// Config says what [Check] checks. The zero value checks the tag of the
// current GitHub Actions run against ./pyproject.toml and ./CHANGELOG.md.
type Config struct {
	// Tag is the release tag, e.g. "v0.11.0". When empty it is taken from
	// GITHUB_REF (refs/tags/…), or GITHUB_REF_NAME when GITHUB_REF_TYPE is
	// "tag", in GitHub Actions; elsewhere a missing tag is a problem.
	Tag string
	// Dir is the project root. Default ".".
	Dir string
	// Sources are the version sources compared with the tag. Default: one
	// [Pyproject] source for Dir/pyproject.toml.
	Sources []VersionSource
	// ChangelogPath is the Keep a Changelog file; a relative path is
	// relative to Dir. Default Dir/CHANGELOG.md.
	ChangelogPath string
	// Getenv reads the environment (GITHUB_ACTIONS, GITHUB_EVENT_NAME,
	// GITHUB_REF, …). Default [os.Getenv]; tests inject a map lookup.
	Getenv func(key string) string
	// Logger receives one debug record per check. Default: discard.
	Logger *slog.Logger
	// Repository ("owner/name") and WorkflowPath (default
	// ".github/workflows/release.yml") name the release workflow whose
	// signing identity messages show when the run does not say
	// (GITHUB_WORKFLOW_REF, GITHUB_REPOSITORY). Optional.
	Repository   string
	WorkflowPath string
	// PrepareCommand is how this project moves [Unreleased] into a release
	// section, e.g. "go run ./tools/prepare -version 0.11.0" or "make
	// release-prep"; the fix for a missing changelog section shows it.
	// Default: the fix names the step (changelog Cut / prepare.Release)
	// without a command.
	PrepareCommand string
}

// Severity grades a [Problem].
type Severity int

const (
	// SeverityError blocks the release. It is the zero value.
	SeverityError Severity = iota
	// SeverityWarning is worth fixing but does not block the release.
	SeverityWarning
)

func (s Severity) String() string {
	switch s {
	case SeverityError:
		return "error"
	case SeverityWarning:
		return "warning"
	default:
		return fmt.Sprintf("Severity(%d)", int(s))
	}
}

// Problem is one failed check.
type Problem struct {
	Check     string   // CheckTag, CheckVersion, CheckChangelog, CheckEvent or CheckWorkflow
	Where     string   // what was looked at: "pyproject.toml", "CHANGELOG.md:12", "GITHUB_REF"
	Severity  Severity // SeverityError unless said otherwise
	Expected  string   // what the release needs
	Found     string   // what is there
	Hint      string   // how to fix it
	Condition error    // the underlying condition (ErrInvalidTag, ErrDynamicVersion, …), may be nil
}

// String returns the problem on one line.
func (p Problem) String() string {
	where := ""
	if p.Where != "" {
		where = " (" + p.Where + ")"
	}
	return fmt.Sprintf("%s%s: expected %s, found %s; fix: %s", p.Check, where, p.Expected, p.Found, p.Hint)
}

// Pass is one successful check.
type Pass struct {
	Check  string // CheckTag, CheckVersion, CheckChangelog or CheckEvent
	Where  string
	Detail string // what was verified, e.g. "0.11.0 matches the tag"
}

// Report is the outcome of [Check]: every problem found, not just the
// first, and the checks that passed.
type Report struct {
	Tag      string // the tag checked; "" when none was given or found
	Version  string // the tag's version, "0.11.0"; "" when the tag is not strict
	Problems []Problem
	Passed   []Pass
}

// OK reports whether no problem of SeverityError was found; warnings do not
// count.
func (r *Report) OK() bool {
	for _, p := range r.Problems {
		if p.Severity == SeverityError {
			return false
		}
	}
	return true
}

// Err returns nil when the report is OK, else a [*CheckError] listing every
// problem.
func (r *Report) Err() error {
	if r.OK() {
		return nil
	}
	return &CheckError{Report: r}
}

// String renders the report for humans: a summary line, then one block per
// problem (expected, found, fix), then the checks that passed.
func (r *Report) String() string {
	var b strings.Builder
	var errs, warns int
	for _, p := range r.Problems {
		if p.Severity == SeverityError {
			errs++
		} else {
			warns++
		}
	}
	tag := r.Tag
	if tag == "" {
		tag = "(none)"
	}
	status := "OK"
	if errs > 0 {
		status = "FAILED"
	}
	fmt.Fprintf(&b, "preflight for tag %s: %s, %s, %s\n", tag, status, plural(errs, "error"), plural(warns, "warning"))
	for _, p := range r.Problems {
		mark := "FAIL"
		if p.Severity != SeverityError {
			mark = "WARN"
		}
		fmt.Fprintf(&b, "  %s  %-9s  %s\n", mark, p.Check, p.Where)
		fmt.Fprintf(&b, "        expected: %s\n", p.Expected)
		fmt.Fprintf(&b, "        found:    %s\n", p.Found)
		fmt.Fprintf(&b, "        fix:      %s\n", p.Hint)
	}
	for _, p := range r.Passed {
		where := ""
		if p.Where != "" {
			where = p.Where + ": "
		}
		fmt.Fprintf(&b, "  ok    %-9s  %s%s\n", p.Check, where, p.Detail)
	}
	return b.String()
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// CheckError is the error of a failed [Report]. It unwraps to
// [ErrCheckFailed] and to the Err of every problem, so errors.Is(err,
// ErrDynamicVersion) works on it.
type CheckError struct {
	Report *Report
}

func (e *CheckError) Error() string {
	var b strings.Builder
	var n int
	for _, p := range e.Report.Problems {
		if p.Severity == SeverityError {
			n++
		}
	}
	fmt.Fprintf(&b, "preflight: %s blocking the release of %s:", plural(n, "problem"), orNone(e.Report.Tag))
	i := 0
	for _, p := range e.Report.Problems {
		if p.Severity != SeverityError {
			continue
		}
		i++
		fmt.Fprintf(&b, "\n  %d. %s", i, p)
	}
	for _, p := range e.Report.Problems {
		if p.Severity != SeverityError {
			fmt.Fprintf(&b, "\n  - %s (not blocking): %s", p.Severity, p)
		}
	}
	return b.String()
}

// Unwrap returns ErrCheckFailed followed by the problems' errors.
func (e *CheckError) Unwrap() []error {
	errs := []error{ErrCheckFailed}
	for _, p := range e.Report.Problems {
		if p.Condition != nil && p.Severity == SeverityError {
			errs = append(errs, p.Condition)
		}
	}
	return errs
}

func orNone(s string) string {
	if s == "" {
		return "(no tag)"
	}
	return s
}

// Check runs every release check and returns a report of all the problems
// found, each with what was expected, what was found and how to fix it:
//
//   - tag: the tag is a strict vX.Y.Z release tag ([ParseTag]);
//   - version: every version source declares the tag's version, compared
//     after PEP 440 normalisation ([ParsePEP440]); a pre-, post-, dev- or
//     local version, an epoch, or a release segment that is not exactly
//     X.Y.Z never matches a strict tag;
//   - changelog: the changelog parses and has a dated, non-empty, not
//     yanked section for the version;
//   - ci-event: in GitHub Actions (GITHUB_ACTIONS=true) the run was
//     triggered by pushing this tag (GITHUB_EVENT_NAME=push,
//     GITHUB_REF=refs/tags/<tag>), because the signing identity of any other
//     run (a workflow_dispatch or a branch push: …/release.yml@refs/heads/main)
//     would not match the verification commands published with the release.
//
// Problems go in the report, never in the error: use [Report.OK] or
// [Report.Err]. The error is for a cancelled ctx only.
func Check(ctx context.Context, cfg Config) (*Report, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c := checker{cfg: cfg, getenv: cfg.Getenv, log: cfg.Logger, r: &Report{}}
	if c.getenv == nil {
		c.getenv = os.Getenv
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.cfg.Dir == "" {
		c.cfg.Dir = "."
	}
	c.inActions = c.getenv("GITHUB_ACTIONS") == "true"

	c.checkTag()
	c.checkEvent()
	manifestVersion, err := c.checkSources(ctx)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.checkChangelog(manifestVersion)
	return c.r, nil
}

type checker struct {
	cfg       Config
	getenv    func(string) string
	log       *slog.Logger
	inActions bool
	r         *Report
}

func (c *checker) fail(p Problem) {
	c.log.Debug("preflight check failed", "check", p.Check, "where", p.Where, "severity", p.Severity.String(), "expected", p.Expected, "found", p.Found)
	c.r.Problems = append(c.r.Problems, p)
}

func (c *checker) pass(check, where, detail string) {
	c.log.Debug("preflight check passed", "check", check, "where", where, "detail", detail)
	c.r.Passed = append(c.r.Passed, Pass{Check: check, Where: where, Detail: detail})
}

// retagHint says how to get a fixed commit released.
func (c *checker) retagHint() string {
	if c.r.Tag == "" || c.r.Version == "" {
		return ""
	}
	if !c.inActions {
		return ", commit, then tag that commit " + c.r.Tag
	}
	next := nextPatch(c.r.Version)
	return fmt.Sprintf(". Tag %s is already pushed, and a pushed tag is never moved or reused (nothing was published: preflight runs first), so make the fix for the next version instead, e.g. %s, and push tag v%s",
		c.r.Tag, next, next)
}

// nextPatch returns X.Y.(Z+1) for a strict X.Y.Z.
func nextPatch(v string) string {
	i := strings.LastIndexByte(v, '.')
	n, err := strconv.ParseUint(v[i+1:], 10, 64)
	if err != nil || n == math.MaxUint64 {
		return "X.Y.Z"
	}
	return v[:i+1] + strconv.FormatUint(n+1, 10)
}

func (c *checker) checkTag() {
	tag := c.cfg.Tag
	where := "" // given explicitly
	if tag == "" {
		ref := c.getenv("GITHUB_REF")
		switch {
		case !c.inActions:
			c.fail(Problem{
				Check: CheckTag, Where: "Config.Tag",
				Expected:  "a release tag such as v1.2.3",
				Found:     "no tag (outside GitHub Actions it is not derived from the environment)",
				Hint:      "pass the tag to check, e.g. -tag v1.2.3",
				Condition: ErrInvalidTag,
			})
			return
		case strings.HasPrefix(ref, "refs/tags/"):
			tag, where = strings.TrimPrefix(ref, "refs/tags/"), "GITHUB_REF"
		case c.getenv("GITHUB_REF_TYPE") == "tag" && c.getenv("GITHUB_REF_NAME") != "":
			tag, where = c.getenv("GITHUB_REF_NAME"), "GITHUB_REF_NAME"
		default:
			c.fail(Problem{
				Check: CheckTag, Where: "GITHUB_REF",
				Expected:  "refs/tags/vX.Y.Z (a run triggered by a tag push)",
				Found:     orUnset(ref),
				Hint:      "run releases only on tag pushes (on: push: tags: ['v[0-9]+.[0-9]+.[0-9]+']) and push the tag: git tag vX.Y.Z && git push origin vX.Y.Z",
				Condition: ErrInvalidTag,
			})
			return
		}
	}
	c.r.Tag = tag
	v, err := ParseTag(tag)
	if err != nil {
		var te *TagError
		reason := err.Error()
		if errors.As(err, &te) {
			reason = te.Reason
		}
		c.fail(Problem{
			Check: CheckTag, Where: where,
			Expected:  "a strict release tag vMAJOR.MINOR.PATCH, e.g. v1.2.3",
			Found:     fmt.Sprintf("%q: %s", tag, reason),
			Hint:      "release from a tag of the form vX.Y.Z (no leading zeros, no pre-release or build suffix); pre-release tags are deliberately not released",
			Condition: err,
		})
		return
	}
	c.r.Version = v
	c.pass(CheckTag, where, tag+" is a strict release tag")
}

func orUnset(s string) string {
	if s == "" {
		return "(unset)"
	}
	return s
}

func (c *checker) checkEvent() {
	if !c.inActions {
		c.pass(CheckEvent, "GITHUB_ACTIONS", "not running in GitHub Actions: run trigger not checked")
		return
	}
	event, ref := c.getenv("GITHUB_EVENT_NAME"), c.getenv("GITHUB_REF")
	tag := c.r.Tag
	wantRef := "refs/tags/" + tag
	if tag == "" {
		wantRef = "refs/tags/vX.Y.Z"
	}
	identity := c.identity(ref)
	wantIdentity := c.identity(wantRef)
	why := fmt.Sprintf("this run's signing identity is %s, but the verification commands published with the release pin %s, so they would fail on every artifact. ", identity, wantIdentity)
	if identity == wantIdentity {
		why = fmt.Sprintf("releases run only from the push of the tag, the one trigger whose identity (%s) the published verification commands pin; a %s run would publish a second time next to it. ", wantIdentity, orUnset(event))
	}
	ok := true
	if event != "push" {
		ok = false
		fix := why + "Release by pushing the tag (git push origin " + orPlaceholder(tag) + "); to retry a failed release, re-run the failed jobs of the original tag-push run."
		if event == "workflow_dispatch" {
			fix = "manual workflow_dispatch runs are refused on purpose: " + fix + " Remove workflow_dispatch from the release workflow's triggers."
		}
		c.fail(Problem{
			Check: CheckEvent, Where: "GITHUB_EVENT_NAME",
			Expected: "push (of tag " + orPlaceholder(tag) + ")",
			Found:    orUnset(event),
			Hint:     fix,
		})
	}
	switch {
	case !strings.HasPrefix(ref, "refs/tags/"):
		ok = false
		c.fail(Problem{
			Check: CheckEvent, Where: "GITHUB_REF",
			Expected: wantRef,
			Found:    orUnset(ref),
			Hint:     why + "Trigger the release workflow only on tag pushes (on: push: tags: ['v[0-9]+.[0-9]+.[0-9]+']), not on branches.",
		})
	case tag != "" && ref != wantRef:
		ok = false
		c.fail(Problem{
			Check: CheckEvent, Where: "GITHUB_REF",
			Expected: wantRef,
			Found:    ref,
			Hint:     fmt.Sprintf("the run was triggered by %s but tag %s is being released; check the tag the run was triggered for (leave Config.Tag empty to use GITHUB_REF)", ref, tag),
		})
	default:
		// The ref is right; the workflow ref is what ends up in the
		// certificate, so check it too when the runner provides it.
		if wr := c.getenv("GITHUB_WORKFLOW_REF"); wr != "" && tag != "" && !strings.HasSuffix(wr, "@"+wantRef) {
			ok = false
			c.fail(Problem{
				Check: CheckEvent, Where: "GITHUB_WORKFLOW_REF",
				Expected: "…@" + wantRef,
				Found:    wr,
				Hint:     fmt.Sprintf("the signing identity would be %s/%s, not one pinned to %s; run the release workflow from the tag itself, not as a reusable workflow from another ref", c.server(), wr, wantRef),
			})
		}
	}
	if ok {
		c.pass(CheckEvent, "GITHUB_EVENT_NAME", "tag push of "+ref)
	}
}

func versionOr(v string) string {
	if v == "" {
		return "X.Y.Z"
	}
	return v
}

func orPlaceholder(tag string) string {
	if tag == "" {
		return "vX.Y.Z"
	}
	return tag
}

// identity is the Fulcio certificate identity of this repository's running
// workflow at ref.
func (c *checker) identity(ref string) string {
	wf := c.getenv("GITHUB_WORKFLOW_REF") // owner/repo/.github/workflows/release.yml@refs/…
	if i := strings.LastIndex(wf, "@"); i >= 0 {
		wf = wf[:i]
	} else {
		repo := c.cfg.Repository
		if repo == "" {
			repo = c.getenv("GITHUB_REPOSITORY")
		}
		if repo == "" {
			repo = "<owner>/<repository>" // nothing says which: neither the run nor Config
		}
		path := strings.TrimPrefix(c.cfg.WorkflowPath, "/")
		if path == "" {
			path = ".github/workflows/release.yml"
		}
		wf = strings.Trim(repo, "/") + "/" + path
	}
	return c.server() + "/" + wf + "@" + ref
}

func (c *checker) server() string {
	if s := c.getenv("GITHUB_SERVER_URL"); s != "" {
		return s
	}
	return "https://github.com"
}

func (c *checker) sources() []VersionSource {
	if len(c.cfg.Sources) > 0 {
		return c.cfg.Sources
	}
	return []VersionSource{Pyproject(filepath.Join(c.cfg.Dir, "pyproject.toml"))}
}

// checkSources compares every version source with the tag. It returns the
// version the changelog check should look for when the tag is unusable:
// the first source's normalised X.Y.Z version, or "".
func (c *checker) checkSources(ctx context.Context) (string, error) {
	fallback := ""
	for i, src := range c.sources() {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		if src == nil {
			c.fail(Problem{
				Check: CheckVersion, Where: fmt.Sprintf("Config.Sources[%d]", i),
				Expected: "a VersionSource", Found: "nil", Hint: "remove the nil entry from Config.Sources",
			})
			continue
		}
		raw, err := src.Version(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return "", ctx.Err()
			}
			found := err.Error()
			var me *ManifestError
			if errors.As(err, &me) {
				found = me.Reason
			}
			c.fail(Problem{
				Check: CheckVersion, Where: src.Name(),
				Expected:  "a static version " + versionOr(c.r.Version),
				Found:     found,
				Hint:      c.sourceFix(err, src.Name()),
				Condition: err,
			})
			continue
		}
		v, ok := c.compareVersion(src.Name(), raw)
		if ok && fallback == "" {
			fallback = v
		}
	}
	return fallback, nil
}

func (c *checker) sourceFix(err error, name string) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "create " + name + ", or configure the version sources this project really has (Config.Sources)"
	case errors.Is(err, ErrDynamicVersion):
		return fmt.Sprintf("declare a static version = %q in %s and remove \"version\" from [project].dynamic (or disable the versioning plugin), or configure a VersionSource that computes the version like your build backend", versionOr(c.r.Version), name)
	default:
		return "fix " + name + " as the message says"
	}
}

// compareVersion checks one source's version against the tag; it returns
// the normalised version and whether it is a plain X.Y.Z.
func (c *checker) compareVersion(name, raw string) (string, bool) {
	want := c.r.Version
	set := fmt.Sprintf("set the version in %s to %q", name, want)
	if want == "" {
		set = fmt.Sprintf("set the version in %s to the X.Y.Z being released", name)
	}
	p, err := ParsePEP440(raw)
	if err != nil {
		c.fail(Problem{Check: CheckVersion, Where: name, Expected: "a PEP 440 version " + versionOr(want), Found: fmt.Sprintf("%q (%v)", raw, err), Hint: set + c.retagHint(), Condition: err})
		return "", false
	}
	norm := p.String()
	release := strings.Join(p.Release, ".")
	bad := func(why string) (string, bool) {
		c.fail(Problem{Check: CheckVersion, Where: name, Expected: "final release " + versionOr(want), Found: fmt.Sprintf("%q: %s", raw, why), Hint: set + c.retagHint()})
		return "", false
	}
	switch {
	case p.Epoch != "0":
		return bad("it has epoch " + p.Epoch + "!, which a strict vX.Y.Z tag cannot express")
	case p.IsPreRelease():
		return bad(fmt.Sprintf("it is a pre-release (%s); pre-release versions cannot be released from a strict vX.Y.Z tag", norm))
	case p.Post != "":
		return bad(fmt.Sprintf("it is a post-release (%s); post-releases cannot be released from a strict vX.Y.Z tag", norm))
	case p.Local != "":
		return bad(fmt.Sprintf("it has the local version label +%s; local versions cannot be published (PyPI refuses them) nor expressed by a strict vX.Y.Z tag", p.Local))
	case len(p.Release) != 3 && want != "":
		return bad(fmt.Sprintf("it has %d release components (%s); PEP 440 calls %s and %s equal, but the tag is strict X.Y.Z and the built files would be named %s, not %s",
			len(p.Release), norm, norm, want, norm, want))
	case len(p.Release) != 3:
		return bad(fmt.Sprintf("it has %d release components (%s); a strict vX.Y.Z tag needs exactly 3", len(p.Release), norm))
	}
	if want != "" && release != want {
		c.fail(Problem{Check: CheckVersion, Where: name, Expected: want + " (from tag " + c.r.Tag + ")", Found: fmt.Sprintf("%q", raw), Hint: set + c.retagHint()})
		return release, true
	}
	if raw != norm {
		c.fail(Problem{
			Check: CheckVersion, Where: name, Severity: SeverityWarning,
			Expected: fmt.Sprintf("the normalised spelling %q", norm),
			Found:    fmt.Sprintf("%q", raw),
			Hint:     fmt.Sprintf("write %q in %s: build tools normalise it anyway, and the normal form avoids surprises in file names", norm, name),
		})
	}
	if want != "" {
		c.pass(CheckVersion, name, norm+" matches the tag")
	}
	return release, true
}

func (c *checker) changelogPath() string {
	p := c.cfg.ChangelogPath
	if p == "" {
		p = "CHANGELOG.md"
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(c.cfg.Dir, p)
	}
	return p
}

func (c *checker) checkChangelog(fallback string) {
	path := c.changelogPath()
	version := c.r.Version
	if version == "" {
		version = fallback
	}
	section := "## [" + versionOr(version) + "] - YYYY-MM-DD"
	src, err := os.ReadFile(path)
	if err != nil {
		found := err.Error()
		if errors.Is(err, fs.ErrNotExist) {
			found = "no such file"
		}
		c.fail(Problem{
			Check: CheckChangelog, Where: path,
			Expected:  "a Keep a Changelog file with a section " + section,
			Found:     found,
			Hint:      "create " + path + " with a section " + section + " describing the release, or set Config.ChangelogPath",
			Condition: err,
		})
		return
	}
	cl, err := changelog.Parse(src)
	if err != nil {
		c.fail(Problem{
			Check: CheckChangelog, Where: path,
			Expected:  "a Keep a Changelog 1.1 file that parses",
			Found:     err.Error(),
			Hint:      "fix " + path + " as the message says",
			Condition: err,
		})
		return
	}
	if version == "" {
		// No usable tag nor manifest version: nothing to look for, but the
		// file parsed; the tag and version problems say what to fix.
		c.pass(CheckChangelog, path, "parses (no version to look for)")
		return
	}
	rel := cl.Release(version)
	if rel == nil {
		fix := "add a section " + section + " describing the changes of " + version
		if u := cl.Unreleased(); u != nil && strings.TrimSpace(u.Body) != "" {
			how := "with changelog Cut or prepare.Release, which also update the compare links"
			if c.cfg.PrepareCommand != "" {
				how = "e.g. " + c.cfg.PrepareCommand
			}
			fix = "move the [Unreleased] notes into a new section " + section + " (" + how + ") and update the compare links"
		}
		c.fail(Problem{
			Check: CheckChangelog, Where: path,
			Expected: "a section " + section,
			Found:    "no section for " + version + latestRelease(cl),
			Hint:     fix + c.retagHint(),
		})
		return
	}
	where := fmt.Sprintf("%s:%d", path, rel.Line)
	ok := true
	switch {
	case rel.Date == "":
		ok = false
		c.fail(Problem{Check: CheckChangelog, Where: where, Expected: "a dated heading " + section, Found: "no date", Hint: "add the release date: ## [" + version + "] - " + time.Now().UTC().Format(time.DateOnly) + c.retagHint()})
	case !isISODate(rel.Date):
		ok = false
		c.fail(Problem{Check: CheckChangelog, Where: where, Expected: "an ISO 8601 date YYYY-MM-DD", Found: fmt.Sprintf("%q", rel.Date), Hint: "write the date as YYYY-MM-DD" + c.retagHint()})
	}
	if rel.Yanked {
		ok = false
		c.fail(Problem{Check: CheckChangelog, Where: where, Expected: "a section that is not yanked", Found: "[YANKED]", Hint: "a yanked version is never released again: release the next version instead"})
	}
	if !changelog.HasContent(rel.Body) {
		ok = false
		found := "an empty section"
		if strings.TrimSpace(rel.Body) != "" {
			found = "a section of only headings or comments"
		}
		c.fail(Problem{Check: CheckChangelog, Where: where, Expected: "release notes under " + section, Found: found, Hint: "describe the changes of " + version + " (### Added, ### Fixed, …); the release notes are taken from this section" + c.retagHint()})
	} else if err := changelog.Contained(rel.Body); err != nil {
		ok = false
		c.fail(Problem{Check: CheckChangelog, Where: where, Expected: "a section whose Markdown closes what it opens", Found: err.Error(), Hint: "close it in the changelog (an unclosed fence or <!-- swallows the release page's verification commands)" + c.retagHint(), Condition: err})
	}
	if ok {
		c.pass(CheckChangelog, where, "section "+version+" dated "+rel.Date)
	}
}

func latestRelease(cl *changelog.Changelog) string {
	rs := cl.Releases()
	if len(rs) == 0 {
		return " (the changelog has no released sections)"
	}
	return " (latest is " + rs[0].Version + ")"
}

func isISODate(s string) bool {
	if len(s) != len(time.DateOnly) {
		return false
	}
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}
