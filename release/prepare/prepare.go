package prepare

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"
	"unicode"

	udiff "github.com/aymanbagabas/go-udiff"
	"golang.org/x/mod/semver"

	"github.com/tagship/tagship/changelog"
	"github.com/tagship/tagship/internal/atomicfile"
	"github.com/tagship/tagship/internal/shell"
	"github.com/tagship/tagship/preflight"
)

// Conditions refused by [Release]. The errors it returns are
// [*Error]s (or a [*GitError]) wrapping one of them; test
// with errors.Is.
var (
	// ErrVersionNotStrict: the version is not a strict X.Y.Z ("0.11.0" or
	// "v0.11.0"; no pre-release, build suffix or leading zeros).
	ErrVersionNotStrict = errors.New("prepare: version is not a strict X.Y.Z")
	// ErrVersionNotGreater: the version is not greater than the newest
	// release in the changelog (or already has a section), or a higher
	// release tag exists.
	ErrVersionNotGreater = errors.New("prepare: version not greater than the last release")
	// ErrUnreleasedEmpty: the changelog has no [Unreleased] section, or it
	// has no entries to release.
	ErrUnreleasedEmpty = errors.New("prepare: nothing under [Unreleased] to release")
	// ErrManifestDirty: the manifest declares a version that is neither the
	// previous release nor the one being prepared (edited by hand).
	ErrManifestDirty = errors.New("prepare: manifest version is neither the last release nor the new one")
	// ErrManifestDynamic: the manifest's version is computed at build time
	// and cannot be bumped by editing the file.
	ErrManifestDynamic = errors.New("prepare: manifest version is dynamic")
	// ErrTagExists: the release tag already exists, locally or on the
	// remote. Tags are immutable: release the next version instead.
	ErrTagExists = errors.New("prepare: release tag already exists")
	// ErrNotGitRepo: the directory is not in a git work tree, or git is not
	// installed, so the tag checks cannot run.
	ErrNotGitRepo = errors.New("prepare: not a git repository")
	// ErrRemoteCheck: the remote could not be asked whether the tag exists
	// (unknown remote, unreachable, timed out).
	ErrRemoteCheck = errors.New("prepare: cannot check the remote for the tag")
	// ErrReadmeMarkers: the README's what's-new markers are unpaired,
	// repeated or out of order.
	ErrReadmeMarkers = errors.New("prepare: malformed what's-new markers in the README")
	// ErrChecks: the prepared files would not pass the release's
	// preflight checks; nothing was written.
	ErrChecks = errors.New("prepare: prepared files fail the preflight checks")
	// ErrFileChanged: a file changed on disk while Prepare ran; nothing was
	// written.
	ErrFileChanged = errors.New("prepare: file changed during prepare")
	// ErrGitCommand: a git command of [Config.RunGit] failed or
	// cannot run.
	ErrGitCommand = errors.New("prepare: git command failed")
	// ErrConfig: the Config is invalid.
	ErrConfig = errors.New("prepare: invalid prepare configuration")
)

// Marker lines delimiting the README callout that [Release] rewrites.
const (
	WhatsNewStart = "<!-- tagship:whats-new -->"
	WhatsNewEnd   = "<!-- /tagship:whats-new -->"
)

// Config says what [Release] prepares. Only Version is required.
type Config struct {
	// Version is the release, "0.11.0" or "v0.11.0": a strict X.Y.Z.
	Version string
	// Dir is the project root (normally the repository root). Default ".".
	Dir string
	// Manifest is the file declaring the version, relative to Dir and
	// inside it. A name ending in ".toml" is a pyproject.toml; anything
	// else is a plain VERSION file. Default "pyproject.toml"; for the
	// reference layout use "backend/pyproject.toml".
	Manifest string
	// Changelog is the Keep a Changelog file, relative to Dir. Default
	// "CHANGELOG.md".
	Changelog string
	// Readme holds the optional what's-new callout, relative to Dir.
	// Default "README.md". A missing file or one without markers is left
	// alone (and noted in the result).
	Readme string
	// WhatsNewBullets limits the callout to the release's first N top-level
	// bullet items. Default 0: the whole release section.
	WhatsNewBullets int
	// Now gives the release date (formatted YYYY-MM-DD in its location).
	// Default time.Now.
	Now func() time.Time
	// DryRun computes and checks everything and writes nothing (RunGit is
	// then ignored).
	DryRun bool
	// RunGit runs the commands of [Result.Commands] after writing.
	RunGit bool
	// Remote is the git remote checked for the tag and pushed to. Default
	// "origin" when it exists; without a remote the remote check is skipped
	// (and noted), and RunGit is refused. A remote set here must exist (or
	// be a URL or path).
	Remote string
	// Branch is the branch pushed. Default: the current branch.
	Branch string
	// RemoteTimeout bounds each call to the remote (ls-remote, push).
	// Default 30s.
	RemoteTimeout time.Duration
	// NoGitUnsafe skips every git check (the tag may already exist!) and
	// forbids RunGit. For a directory that is not a git work tree.
	NoGitUnsafe bool
	// CommitMessage and TagMessage are text/template texts for the release
	// commit's message and the annotated tag's message; they see
	// {{.Tag}} ("v0.11.0"), {{.Version}} ("0.11.0") and {{.Date}}
	// ("2026-11-26"). Default for both: DefaultMessage ("Release {{.Tag}}").
	CommitMessage string
	TagMessage    string
	// GitEnv is added to the clean environment git runs with, e.g.
	// "GIT_SSH_COMMAND=…" or an author identity. Default none.
	GitEnv []string
	// Logger receives debug records (git commands run, files written).
	// Default: discard.
	Logger *slog.Logger

	// rename replaces os.Rename when writing (tests inject failures).
	rename func(oldpath, newpath string) error
}

// File is one file Prepare changes.
type File struct {
	Path string // relative to the Dir, slash-separated: "pyproject.toml"
	Old  []byte // content before
	New  []byte // content after
}

// Diff returns the unified diff from Old to New ("a/Path", "b/Path"
// headers, 3 lines of context), "" when they are equal.
func (f File) Diff() string {
	return unifiedDiff("a/"+f.Path, "b/"+f.Path, f.Old, f.New)
}

// Result is what [Release] did, or would do in a dry run.
type Result struct {
	Version string // "0.11.0"
	Tag     string // "v0.11.0"
	Date    string // the release date written in the changelog, "2026-11-26"
	Dir     string // the project root
	// Files are the files whose content changes, in the order manifest,
	// changelog, README.
	Files []File
	// Report is preflight.Check of the new contents for Tag: OK.
	Report *preflight.Report
	// Notes say what was left alone or skipped, and why.
	Notes []string
	// Written reports whether the files were written (false in a dry run).
	Written bool
	Remote  string // the remote pushed to ("origin" when unknown)
	Branch  string // the branch pushed ("HEAD" when unknown)
	// Ran lists the git commands run by RunGit, in order, as in Commands.
	Ran []string

	cmds [][]string
}

// Diff returns the unified diff of every changed file, ready for
// `git apply` in Dir.
func (r *Result) Diff() string {
	var b strings.Builder
	for _, f := range r.Files {
		b.WriteString(f.Diff())
	}
	return b.String()
}

// Commands returns the git commands that complete the release, to run in
// Dir in order: add and commit the prepared files, create the annotated tag,
// push the branch, push this tag (never --force, never --tags).
func (r *Result) Commands() []string {
	out := make([]string, len(r.cmds))
	for i, c := range r.cmds {
		out[i] = prepareShellJoin(c)
	}
	return out
}

// Error is a refusal of [Release]. It unwraps to one of the Err…
// conditions (Condition) and to the underlying error (Err), if any, and
// says what was expected, what was found and a hint to fix it.
type Error struct {
	Version   string // the version being prepared
	Where     string // what was looked at: "CHANGELOG.md", "pyproject.toml", "refs/tags/v0.11.0 on origin"
	Expected  string
	Found     string
	Hint      string
	Condition error // the condition: ErrTagExists, …
	Err       error // the underlying error, may be nil
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("prepare: prepare")
	if e.Version != "" {
		b.WriteString(" " + e.Version)
	}
	if e.Where != "" {
		b.WriteString(": " + e.Where)
	}
	if e.Condition != nil {
		b.WriteString(": " + strings.TrimPrefix(e.Condition.Error(), "prepare: "))
	}
	if e.Expected != "" {
		b.WriteString(": expected " + e.Expected)
	}
	if e.Found != "" {
		b.WriteString("; found " + e.Found)
	}
	if e.Hint != "" {
		b.WriteString("; fix: " + e.Hint)
	}
	return b.String()
}

// Unwrap returns the condition and the cause.
func (e *Error) Unwrap() []error {
	var errs []error
	if e.Condition != nil {
		errs = append(errs, e.Condition)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// GitError reports the git command of RunGit that failed, after the
// files were written. It unwraps to ErrGitCommand and to Err.
type GitError struct {
	Command   string   // the command that failed, as in Commands
	Output    string   // its output (credentials in URLs redacted)
	Ran       []string // the commands that succeeded before it
	Remaining []string // the commands not run, the failed one first
	Err       error
}

func (e *GitError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "prepare: prepare: %q failed: %v", e.Command, e.Err)
	if e.Output != "" {
		fmt.Fprintf(&b, ": %s", e.Output)
	}
	if len(e.Ran) > 0 {
		fmt.Fprintf(&b, "; already done: %s", strings.Join(e.Ran, "; "))
	}
	fmt.Fprintf(&b, "; fix the cause, then run: %s", strings.Join(e.Remaining, " && "))
	return b.String()
}

// Unwrap returns ErrGitCommand and the underlying error.
func (e *GitError) Unwrap() []error { return []error{ErrGitCommand, e.Err} }

// Prepare prepares the release of cfg.Version in cfg.Dir: it bumps the
// manifest, cuts the changelog, updates the README callout, checks the
// result as preflight will check the tag, and writes the files (unless
// DryRun), then runs the git commands when RunGit is set. See the package
// documentation, section "Prepare (before the tag)".
//
// A refusal returns a nil result and every *Error found, joined.
// A RunGit failure returns the result (the files are written; Ran says which
// commands ran) with a *GitError.
func Release(ctx context.Context, cfg Config) (*Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p, err := newPreparer(cfg)
	if err != nil {
		return nil, err
	}
	return p.prepare(ctx)
}

type preparer struct {
	cfg       Config
	log       *slog.Logger
	version   string // "0.11.0"
	tag       string // "v0.11.0"
	manifest  string // slash path relative to Dir
	changelog string
	readme    string
	git       *prepareGit
	errs      []error
	res       *Result
}

func newPreparer(cfg Config) (*preparer, error) {
	p := &preparer{cfg: cfg, log: cfg.Logger}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if p.cfg.Dir == "" {
		p.cfg.Dir = "."
	}
	if p.cfg.Now == nil {
		p.cfg.Now = time.Now
	}
	if p.cfg.RemoteTimeout <= 0 {
		p.cfg.RemoteTimeout = 30 * time.Second
	}
	if p.cfg.rename == nil {
		p.cfg.rename = os.Rename
	}
	v := strings.TrimPrefix(cfg.Version, "v")
	if _, err := preflight.ParseTag("v" + v); err != nil || cfg.Version == "" {
		found := fmt.Sprintf("%q", cfg.Version)
		var te *preflight.TagError
		if errors.As(err, &te) {
			found += " (" + te.Reason + ")"
		}
		return nil, &Error{
			Version: cfg.Version, Where: "Config.Version",
			Expected:  "a strict release version X.Y.Z, e.g. 0.11.0 or v0.11.0",
			Found:     found,
			Hint:      "give the final version to release as three numbers without leading zeros; pre-releases are not released from strict tags",
			Condition: ErrVersionNotStrict, Err: err,
		}
	}
	p.version, p.tag = v, "v"+v
	var err error
	if p.manifest, err = p.relPath("Manifest", cfg.Manifest, "pyproject.toml"); err != nil {
		return nil, err
	}
	if p.changelog, err = p.relPath("Changelog", cfg.Changelog, "CHANGELOG.md"); err != nil {
		return nil, err
	}
	if p.readme, err = p.relPath("Readme", cfg.Readme, "README.md"); err != nil {
		return nil, err
	}
	if p.manifest == p.changelog || p.manifest == p.readme || p.changelog == p.readme {
		return nil, p.configErr("Manifest", "three different files for Manifest, Changelog and Readme", p.manifest+", "+p.changelog+", "+p.readme)
	}
	for field, v := range map[string]string{"Remote": cfg.Remote, "Branch": cfg.Branch} {
		if strings.HasPrefix(v, "-") || strings.ContainsAny(v, " \t\n\r") {
			return nil, p.configErr(field, "a name that does not start with \"-\" nor contain white space (it is passed to git push)", strconv.Quote(v))
		}
	}
	if prepareRedact(cfg.Remote) != cfg.Remote {
		return nil, p.configErr("Remote", "a remote name, or a URL without credentials (use a credential helper or SSH keys)", prepareRedact(cfg.Remote))
	}
	if cfg.WhatsNewBullets < 0 {
		return nil, p.configErr("WhatsNewBullets", "0 (whole section) or a positive number of bullets", strconv.Itoa(cfg.WhatsNewBullets))
	}
	if cfg.RunGit && cfg.NoGitUnsafe && !cfg.DryRun {
		return nil, p.configErr("RunGit", "RunGit without NoGitUnsafe: the git commands need the tag checks", "both set")
	}
	p.git = &prepareGit{dir: p.cfg.Dir, env: prepareGitEnv(cfg.GitEnv), log: p.log}
	p.res = &Result{Version: p.version, Tag: p.tag, Dir: p.cfg.Dir, Remote: cfg.Remote, Branch: cfg.Branch}
	if p.res.Remote == "" {
		p.res.Remote = "origin"
	}
	if p.res.Branch == "" {
		p.res.Branch = "HEAD"
	}
	return p, nil
}

// DefaultMessage is the default commit and tag message template.
const DefaultMessage = "Release {{.Tag}}"

// MessageData is what the commit and tag message templates see.
type MessageData struct {
	Tag     string // "v0.11.0"
	Version string // "0.11.0"
	Date    string // the release date written in the changelog, "2026-11-26"
}

// message renders a commit or tag message template (Config field name).
func (p *preparer) message(field, text string) (string, error) {
	if text == "" {
		text = DefaultMessage
	}
	t, err := template.New(field).Option("missingkey=error").Parse(text)
	if err != nil {
		return "", p.configErr(field, "a text/template such as \""+DefaultMessage+"\"", err.Error())
	}
	var b strings.Builder
	if err := t.Execute(&b, MessageData{Tag: p.tag, Version: p.version, Date: p.res.Date}); err != nil {
		return "", p.configErr(field, "a template using only {{.Tag}}, {{.Version}} and {{.Date}}", err.Error())
	}
	msg := strings.TrimSpace(b.String())
	if msg == "" {
		return "", p.configErr(field, "a non-empty message", fmt.Sprintf("%q renders to nothing", text))
	}
	return msg, nil
}

func (p *preparer) configErr(field, expected, found string) error {
	return &Error{
		Version: p.cfg.Version, Where: "Config." + field,
		Expected: expected, Found: found, Hint: "fix Config." + field, Condition: ErrConfig,
	}
}

// relPath returns path (default def) as a clean slash path relative to Dir,
// refusing one outside Dir.
func (p *preparer) relPath(field, path, def string) (string, error) {
	if path == "" {
		path = def
	}
	if filepath.IsAbs(path) {
		absDir, err := filepath.Abs(p.cfg.Dir)
		if err != nil {
			return "", p.configErr(field, "a path inside Dir", err.Error())
		}
		rel, err := filepath.Rel(absDir, path)
		if err != nil {
			return "", p.configErr(field, "a path inside Dir "+p.cfg.Dir, path)
		}
		path = rel
	}
	path = filepath.Clean(path)
	if !filepath.IsLocal(path) {
		return "", p.configErr(field, "a path inside Dir "+p.cfg.Dir+" (set Dir to the repository root and the paths relative to it)", path)
	}
	return filepath.ToSlash(path), nil
}

func (p *preparer) abs(rel string) string { return filepath.Join(p.cfg.Dir, filepath.FromSlash(rel)) }

func (p *preparer) refuse(where, expected, found, fix string, cond, cause error) {
	p.errs = append(p.errs, &Error{
		Version: p.version, Where: where, Expected: expected, Found: found, Hint: fix, Condition: cond, Err: cause,
	})
}

func (p *preparer) note(format string, args ...any) {
	p.res.Notes = append(p.res.Notes, fmt.Sprintf(format, args...))
}

func (p *preparer) prepare(ctx context.Context) (*Result, error) {
	// 1. The changelog: the previous release and the cut.
	clOld, err := os.ReadFile(p.abs(p.changelog))
	if err != nil {
		return nil, &Error{
			Version: p.version, Where: p.changelog,
			Expected: "a Keep a Changelog file with an [Unreleased] section", Found: prepareReadErr(err),
			Hint: "create " + p.changelog + " or set Config.Changelog", Err: err,
		}
	}
	cl, err := changelog.Parse(clOld)
	if err != nil {
		return nil, &Error{
			Version: p.version, Where: p.changelog, Expected: "a changelog that parses",
			Found: err.Error(), Hint: "fix " + p.changelog + " as the message says", Err: err,
		}
	}
	prev := prepareNewest(cl)
	date := p.cfg.Now()
	var clNew []byte
	if r := cl.Release(p.version); r != nil {
		p.refuse(fmt.Sprintf("%s:%d", p.changelog, r.Line), "a version not yet in "+p.changelog, p.version+" already has a section ("+strings.TrimSpace(r.Heading)+")",
			"if "+p.version+" was prepared already, commit and tag it (see the commands of a dry run); otherwise release "+prepareNextVersions(prev),
			ErrVersionNotGreater, nil)
	} else if err := cl.Cut(p.version, date); err != nil {
		p.refuseCut(err, prev)
	} else {
		clNew = cl.Bytes()
		if r := cl.Release(p.version); r != nil {
			p.res.Date = r.Date
		}
	}

	// 2. The manifest.
	mfOld, mfNew := p.manifestChange(ctx, prev)
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	// 3. The README callout (needs the cut changelog).
	var rdOld, rdNew []byte
	if clNew != nil {
		rdOld, rdNew = p.readmeChange(cl)
	}

	// 4. The tag must not exist.
	if p.cfg.NoGitUnsafe {
		p.note("git checks skipped (NoGitUnsafe): nothing verified that tag %s does not exist yet", p.tag)
	} else {
		p.gitChecks(ctx)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(p.errs) > 0 {
		return nil, errors.Join(p.errs...)
	}

	res := p.res
	if !bytes.Equal(mfOld, mfNew) {
		res.Files = append(res.Files, File{Path: p.manifest, Old: mfOld, New: mfNew})
	}
	res.Files = append(res.Files, File{Path: p.changelog, Old: clOld, New: clNew})
	if rdOld != nil && !bytes.Equal(rdOld, rdNew) {
		res.Files = append(res.Files, File{Path: p.readme, Old: rdOld, New: rdNew})
	}

	// 5. The checks the tag will meet, on the new contents.
	report, err := p.check(ctx, mfNew, clNew)
	if err != nil {
		return nil, err
	}
	res.Report = report
	if !report.OK() {
		var found []string
		for _, q := range report.Problems {
			if q.Severity == preflight.SeverityError {
				found = append(found, q.String())
			}
		}
		return nil, &Error{
			Version: p.version, Where: "preflight " + p.tag,
			Expected:  "the prepared files to pass the checks run on the tag",
			Found:     strings.Join(found, "; "),
			Hint:      "fix the problems listed, then prepare again (nothing was written)",
			Condition: ErrChecks, Err: report.Err(),
		}
	}

	// 6. The commands that follow.
	paths := []string{p.manifest, p.changelog}
	if rdOld != nil && !bytes.Equal(rdOld, rdNew) {
		paths = append(paths, p.readme)
	}
	msg, err := p.message("CommitMessage", p.cfg.CommitMessage)
	if err != nil {
		return nil, err
	}
	tagMsg, err := p.message("TagMessage", p.cfg.TagMessage)
	if err != nil {
		return nil, err
	}
	res.cmds = [][]string{
		append([]string{"git", "add", "--"}, paths...),
		append([]string{"git", "commit", "-m", msg, "--"}, paths...),
		{"git", "tag", "-a", p.tag, "-m", tagMsg},
		{"git", "push", res.Remote, res.Branch},
		{"git", "push", res.Remote, "refs/tags/" + p.tag},
	}

	if p.cfg.DryRun {
		p.note("dry run: nothing written")
		return res, nil
	}
	if err := p.write(res.Files); err != nil {
		return nil, err
	}
	res.Written = true
	if p.cfg.RunGit {
		if err := p.runGit(ctx); err != nil {
			return res, err
		}
	}
	return res, nil
}

// prepareNewest returns the highest released version in cl (semver), "".
func prepareNewest(cl *changelog.Changelog) string {
	best := ""
	for _, r := range cl.Releases() {
		if !semver.IsValid("v" + r.Version) {
			continue
		}
		if best == "" || semver.Compare("v"+r.Version, "v"+best) > 0 {
			best = r.Version
		}
	}
	return best
}

// prepareNextVersions suggests the next patch, minor and major versions.
func prepareNextVersions(prev string) string {
	parts := strings.Split(strings.SplitN(strings.SplitN(prev, "-", 2)[0], "+", 2)[0], ".")
	if len(parts) != 3 {
		return "a higher X.Y.Z"
	}
	n := make([]uint64, 3)
	for i, s := range parts {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return "a higher X.Y.Z"
		}
		n[i] = v
	}
	return fmt.Sprintf("%d.%d.%d (patch), %d.%d.0 (minor) or %d.0.0 (major)",
		n[0], n[1], n[2]+1, n[0], n[1]+1, n[0]+1)
}

func (p *preparer) refuseCut(err error, prev string) {
	where := p.changelog
	var ce *changelog.Error
	if errors.As(err, &ce) && ce.Line > 0 {
		where = fmt.Sprintf("%s:%d", p.changelog, ce.Line)
	}
	switch {
	case errors.Is(err, changelog.ErrNoUnreleased):
		p.refuse(where, "an \"## [Unreleased]\" section listing the changes of "+p.version, "no [Unreleased] section",
			"add \"## [Unreleased]\" above the newest release with the changes (### Added, ### Fixed, …), then prepare again",
			ErrUnreleasedEmpty, err)
	case errors.Is(err, changelog.ErrEmptyUnreleased):
		p.refuse(where, "entries under [Unreleased] to release as "+p.version, "an empty [Unreleased] section",
			"describe the changes under ## [Unreleased] (### Added, ### Fixed, …), then prepare again; there is nothing to release otherwise",
			ErrUnreleasedEmpty, err)
	case errors.Is(err, changelog.ErrVersionExists):
		p.refuse(where, "a version not yet released", p.version+" already has a section",
			"release "+prepareNextVersions(p.version)+"; if "+p.version+" was prepared already, commit and tag it instead of preparing it again",
			ErrVersionNotGreater, err)
	case errors.Is(err, changelog.ErrVersionNotGreater):
		p.refuse(where, "a version greater than "+prev+", the newest release in "+p.changelog, p.version,
			"release "+prepareNextVersions(prev),
			ErrVersionNotGreater, err)
	default:
		p.refuse(where, "a changelog whose [Unreleased] section can be cut", err.Error(),
			"fix "+p.changelog+" as the message says, or cut it by hand", nil, err)
	}
}

// prepareSameVersion reports whether two PEP 440 versions are equal (PEP
// 440 semantics: trailing ".0" components do not matter).
func prepareSameVersion(a, b string) bool {
	pa, err1 := preflight.ParsePEP440(a)
	pb, err2 := preflight.ParsePEP440(b)
	if err1 != nil || err2 != nil {
		return false
	}
	trim := func(r []string) string {
		for len(r) > 1 && r[len(r)-1] == "0" {
			r = r[:len(r)-1]
		}
		return strings.Join(r, ".")
	}
	ra, rb := trim(pa.Release), trim(pb.Release)
	pa.Release, pb.Release = nil, nil
	return ra == rb && pa.String() == pb.String()
}

func (p *preparer) manifestChange(ctx context.Context, prev string) (old, updated []byte) {
	path := p.abs(p.manifest)
	var src preflight.FileSource
	if strings.HasSuffix(p.manifest, ".toml") {
		src = preflight.Pyproject(path)
	} else {
		src = preflight.VersionFile(path)
	}
	old, err := os.ReadFile(path)
	if err != nil {
		p.refuse(p.manifest, "the manifest declaring the version", prepareReadErr(err),
			"create "+p.manifest+" or set Config.Manifest", nil, err)
		return nil, nil
	}
	cur, err := src.Version(ctx)
	if err != nil {
		if errors.Is(err, preflight.ErrDynamicVersion) {
			p.refuse(p.manifest, "a static version to bump to "+p.version, "a dynamic version (computed at build time)",
				fmt.Sprintf("this project's version comes from the tag (setuptools-scm, hatch-vcs, poetry-dynamic-versioning): do not bump it, just cut the changelog and tag %s; or declare version = %q and remove \"version\" from [project].dynamic", p.tag, p.version),
				ErrManifestDynamic, err)
			return nil, nil
		}
		found := err.Error()
		var me *preflight.ManifestError
		if errors.As(err, &me) {
			found = me.Reason
		}
		p.refuse(p.manifest, "a manifest with a static version", found, "fix "+p.manifest+" as the message says", nil, err)
		return nil, nil
	}
	switch {
	case cur == p.version:
		p.note("%s already declares %s: left unchanged", p.manifest, p.version)
		return old, old
	case prepareSameVersion(cur, p.version):
		// Same version, another spelling: rewrite it as X.Y.Z below.
	case prev != "" && prepareSameVersion(cur, prev):
	case prev == "":
		p.note("%s declared %q and %s has no release yet: first release", p.manifest, cur, p.changelog)
	default:
		p.refuse(p.manifest,
			fmt.Sprintf("%q (the newest release in %s) or %q", prev, p.changelog, p.version),
			fmt.Sprintf("%q", cur),
			fmt.Sprintf("a version that is neither the last release nor the new one was set by hand: set it back to %q, or add the missing release to %s, or prepare the version it names", prev, p.changelog),
			ErrManifestDirty, nil)
		return nil, nil
	}
	updated, err = src.SetVersion(old, p.version)
	if err != nil {
		found := err.Error()
		var me *preflight.ManifestError
		if errors.As(err, &me) {
			found = me.Reason
		}
		cond := error(nil)
		if errors.Is(err, preflight.ErrDynamicVersion) {
			cond = ErrManifestDynamic
		}
		p.refuse(p.manifest, "a version that can be edited in place", found, "set the version in "+p.manifest+" to "+strconv.Quote(p.version)+" by hand", cond, err)
		return nil, nil
	}
	return old, updated
}

func prepareReadErr(err error) string {
	if errors.Is(err, fs.ErrNotExist) {
		return "no such file"
	}
	return err.Error()
}

// readmeChange computes the README with the new callout. A missing README
// gives nil, nil.
func (p *preparer) readmeChange(cl *changelog.Changelog) (old, updated []byte) {
	old, err := os.ReadFile(p.abs(p.readme))
	if errors.Is(err, fs.ErrNotExist) {
		p.note("no %s: no what's-new callout to update", p.readme)
		return nil, nil
	}
	if err != nil {
		p.refuse(p.readme, "a readable README", err.Error(), "fix the file's permissions", nil, err)
		return nil, nil
	}
	m, found, err := prepareFindMarkers(old)
	if err != nil {
		var pe *Error
		if errors.As(err, &pe) {
			pe.Version, pe.Where = p.version, p.readme+pe.Where
			p.errs = append(p.errs, pe)
		}
		return nil, nil
	}
	if !found {
		p.note("%s has no %s … %s markers: left unchanged", p.readme, WhatsNewStart, WhatsNewEnd)
		return old, old
	}
	rel := cl.Release(p.version)
	notes := cl.Notes(p.version)
	defs := "" // the link definitions the body uses from elsewhere in the file
	if strings.HasPrefix(notes, rel.Body) {
		defs = strings.TrimSpace(notes[len(rel.Body):])
	}
	link := prepareRelLink(p.readme, p.changelog) + "#" + prepareSlug(rel.Heading)
	callout := prepareCallout(m.level(), p.tag, rel.Body, defs, p.cfg.WhatsNewBullets, p.changelog, link)
	return old, m.replace(callout)
}

// prepareRelLink is the Markdown link from the README to the changelog.
func prepareRelLink(readme, changelogPath string) string {
	rel, err := filepath.Rel(filepath.Dir(filepath.FromSlash(readme)), filepath.FromSlash(changelogPath))
	if err != nil {
		return changelogPath
	}
	return filepath.ToSlash(rel)
}

// prepareSlug is GitHub's anchor for a heading line ("## [0.11.0] -
// 2026-11-26" gives "0110---2026-11-26").
func prepareSlug(heading string) string {
	h := strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(heading), "#"))
	// An inline link "[1.2.0](URL)" renders as its text.
	if i := strings.Index(h, "]("); i >= 0 {
		if j := strings.IndexByte(h[i:], ')'); j >= 0 {
			h = h[:i+1] + h[i+j+1:]
		}
	}
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// prepareMarkers locates the callout in a README.
type prepareMarkers struct {
	lines       []string // with line endings
	open, close int      // line indexes of the markers
}

func prepareMarkerName(line string) (string, bool) {
	s := strings.TrimRight(line, " \t\r\n")
	t := strings.TrimLeft(s, " ")
	if len(s)-len(t) > 3 || !strings.HasPrefix(t, "<!--") || !strings.HasSuffix(t, "-->") || len(t) < 7 {
		return "", false
	}
	name := strings.TrimSpace(t[4 : len(t)-3])
	return name, name == "tagship:whats-new" || name == "/tagship:whats-new"
}

// prepareFence returns the fence a line opens or closes ("```", "~~~~"), "".
func prepareFence(line string) string {
	t := strings.TrimLeft(line, " ")
	if len(line)-len(t) > 3 || len(t) < 3 || (t[0] != '`' && t[0] != '~') {
		return ""
	}
	n := 0
	for n < len(t) && t[n] == t[0] {
		n++
	}
	if n < 3 {
		return ""
	}
	return t[:n]
}

func prepareFindMarkers(src []byte) (prepareMarkers, bool, error) {
	m := prepareMarkers{lines: strings.SplitAfter(string(src), "\n"), open: -1, close: -1}
	if n := len(m.lines); n > 0 && m.lines[n-1] == "" {
		m.lines = m.lines[:n-1]
	}
	bad := func(line int, found, fix string) (prepareMarkers, bool, error) {
		return prepareMarkers{}, false, &Error{
			Where:    fmt.Sprintf(":%d", line+1),
			Expected: "one " + WhatsNewStart + " line followed by one " + WhatsNewEnd + " line",
			Found:    found, Hint: fix, Condition: ErrReadmeMarkers,
		}
	}
	fence := ""
	for i, line := range m.lines {
		if f := prepareFence(strings.TrimRight(line, "\r\n")); f != "" {
			switch {
			case fence == "":
				fence = f
				continue
			case f[0] == fence[0] && len(f) >= len(fence) && strings.TrimSpace(strings.TrimLeft(strings.TrimRight(line, "\r\n"), " ")[len(f):]) == "":
				fence = ""
				continue
			}
		}
		if fence != "" {
			continue
		}
		name, ok := prepareMarkerName(line)
		if !ok {
			continue
		}
		if name == "tagship:whats-new" {
			if m.open >= 0 {
				return bad(i, fmt.Sprintf("a second start marker (the first is on line %d)", m.open+1), "keep one pair of markers")
			}
			m.open = i
			continue
		}
		if m.open < 0 {
			return bad(i, "an end marker without a start marker above it", "add "+WhatsNewStart+" above it, or remove it")
		}
		if m.close >= 0 {
			return bad(i, fmt.Sprintf("a second end marker (the first is on line %d)", m.close+1), "keep one pair of markers")
		}
		m.close = i
	}
	switch {
	case m.open < 0:
		return m, false, nil
	case m.close < 0:
		return bad(m.open, "a start marker without an end marker", "add "+WhatsNewEnd+" on its own line below it")
	}
	return m, true, nil
}

// level is the heading level of the callout: the one of the heading
// currently between the markers, else 2.
func (m prepareMarkers) level() int {
	for _, l := range m.lines[m.open+1 : m.close] {
		t := strings.TrimSpace(l)
		if t == "" {
			continue
		}
		n := 0
		for n < len(t) && t[n] == '#' {
			n++
		}
		if n >= 1 && n <= 6 && len(t) > n && t[n] == ' ' {
			return n
		}
		break
	}
	return 2
}

// replace returns the document with callout (LF-terminated lines) between
// the markers, in the file's line ending.
func (m prepareMarkers) replace(callout string) []byte {
	eol := "\n"
	if strings.HasSuffix(m.lines[m.open], "\r\n") {
		eol = "\r\n"
	}
	var b strings.Builder
	for _, l := range m.lines[:m.open+1] {
		b.WriteString(l)
	}
	if !strings.HasSuffix(m.lines[m.open], "\n") { // cannot happen: close follows
		b.WriteString(eol)
	}
	b.WriteString(strings.ReplaceAll(callout, "\n", eol))
	for _, l := range m.lines[m.close:] {
		b.WriteString(l)
	}
	return []byte(b.String())
}

// prepareCallout renders the what's-new callout, LF line endings.
func prepareCallout(level int, tag, body, defs string, bullets int, changelogName, link string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s What's new in %s\n\n", strings.Repeat("#", level), tag)
	more := 0
	if bullets > 0 {
		var items []string
		items, more = prepareBullets(body, bullets)
		body = strings.Join(items, "\n")
	} else {
		body = prepareShiftHeadings(body, level)
	}
	if body != "" {
		b.WriteString(body + "\n\n")
	}
	if defs != "" {
		b.WriteString(defs + "\n\n")
	}
	fmt.Fprintf(&b, "See [%s](%s) for the full release notes", changelogName, link)
	if more > 0 {
		fmt.Fprintf(&b, " (%d more)", more)
	}
	b.WriteString(".\n")
	return b.String()
}

// prepareBullets returns the first n top-level list items of body (with
// their continuation lines) and how many more there are.
func prepareBullets(body string, n int) ([]string, int) {
	var items []string
	total := 0
	inItem := false
	fence := ""
	for _, l := range strings.Split(body, "\n") {
		if f := prepareFence(l); f != "" {
			if fence == "" {
				fence = f
			} else if f[0] == fence[0] && len(f) >= len(fence) {
				fence = ""
			}
		}
		isItem := fence == "" && len(l) >= 2 && (l[0] == '-' || l[0] == '*' || l[0] == '+') && (l[1] == ' ' || l[1] == '\t')
		switch {
		case isItem:
			total++
			inItem = total <= n
			if inItem {
				items = append(items, l)
			}
		case inItem && l != "" && (l[0] == ' ' || l[0] == '\t' || fence != ""):
			items[len(items)-1] += "\n" + l
		default:
			inItem = false
		}
	}
	if total < n {
		return items, 0
	}
	return items, total - n
}

// prepareShiftHeadings makes the body's headings deeper than the callout's.
func prepareShiftHeadings(body string, level int) string {
	lines := strings.Split(body, "\n")
	lo := 7
	fence := ""
	heads := map[int]int{}
	for i, l := range lines {
		if f := prepareFence(l); f != "" {
			if fence == "" {
				fence = f
				continue
			} else if f[0] == fence[0] && len(f) >= len(fence) {
				fence = ""
				continue
			}
		}
		if fence != "" {
			continue
		}
		n := 0
		for n < len(l) && l[n] == '#' {
			n++
		}
		if n >= 1 && n <= 6 && (len(l) == n || l[n] == ' ') {
			heads[i] = n
			if n < lo {
				lo = n
			}
		}
	}
	if lo > level {
		return body
	}
	shift := level + 1 - lo
	for i, n := range heads {
		to := n + shift
		if to > 6 {
			to = 6
		}
		lines[i] = strings.Repeat("#", to) + lines[i][n:]
	}
	return strings.Join(lines, "\n")
}

// check runs preflight.Check for the tag on the new contents, written to a
// temporary copy of the project.
func (p *preparer) check(ctx context.Context, manifest, cl []byte) (*preflight.Report, error) {
	tmp, err := os.MkdirTemp("", "tagship-prepare-*")
	if err != nil {
		return nil, fmt.Errorf("prepare: prepare: temporary directory for the checks: %w", err)
	}
	defer os.RemoveAll(tmp)
	put := func(rel string, b []byte) error {
		path := filepath.Join(tmp, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return err
		}
		return os.WriteFile(path, b, 0o600)
	}
	if err := put(p.manifest, manifest); err != nil {
		return nil, fmt.Errorf("prepare: prepare: copy for the checks: %w", err)
	}
	if err := put(p.changelog, cl); err != nil {
		return nil, fmt.Errorf("prepare: prepare: copy for the checks: %w", err)
	}
	var src preflight.VersionSource
	mpath := filepath.Join(tmp, filepath.FromSlash(p.manifest))
	if strings.HasSuffix(p.manifest, ".toml") {
		src = preflight.Pyproject(mpath)
	} else {
		src = preflight.VersionFile(mpath)
	}
	r, err := preflight.Check(ctx, preflight.Config{
		Tag:           p.tag,
		Dir:           tmp,
		Sources:       []preflight.VersionSource{src},
		ChangelogPath: filepath.FromSlash(p.changelog),
		Getenv:        func(string) string { return "" },
		Logger:        p.log,
	})
	if err != nil {
		return nil, err
	}
	// Name the real files, not the temporary copy.
	prefix := ""
	if filepath.Clean(p.cfg.Dir) != "." {
		prefix = filepath.Clean(p.cfg.Dir) + string(filepath.Separator)
	}
	fix := func(s string) string { return strings.ReplaceAll(s, tmp+string(filepath.Separator), prefix) }
	for i := range r.Problems {
		q := &r.Problems[i]
		q.Where, q.Expected, q.Found, q.Hint = fix(q.Where), fix(q.Expected), fix(q.Found), fix(q.Hint)
	}
	for i := range r.Passed {
		r.Passed[i].Where, r.Passed[i].Detail = fix(r.Passed[i].Where), fix(r.Passed[i].Detail)
	}
	return r, nil
}

// write replaces every file atomically, all or nothing.
func (p *preparer) write(files []File) error {
	type pending struct {
		path, tmp string
		old       []byte
	}
	var todo []pending
	cleanup := func() {
		for _, t := range todo {
			os.Remove(t.tmp)
		}
	}
	for _, f := range files {
		path := p.abs(f.Path)
		cur, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(cur, f.Old) {
			cleanup()
			return &Error{
				Version: p.version, Where: f.Path, Expected: "the content read at the start of Prepare",
				Found: "the file changed meanwhile", Hint: "prepare again (nothing was written)", Condition: ErrFileChanged, Err: err,
			}
		}
		tmp, err := prepareTempFile(path, f.New)
		if err != nil {
			cleanup()
			return &Error{
				Version: p.version, Where: f.Path, Expected: "a writable directory", Found: err.Error(),
				Hint: "fix the permissions (nothing was written)", Err: err,
			}
		}
		todo = append(todo, pending{path: path, tmp: tmp, old: f.Old})
	}
	for i, t := range todo {
		if err := p.cfg.rename(t.tmp, t.path); err != nil {
			var restoreErrs []error
			for _, done := range todo[:i] {
				if rerr := prepareWriteAtomic(done.path, done.old); rerr != nil {
					restoreErrs = append(restoreErrs, fmt.Errorf("%s: %w", done.path, rerr))
				}
			}
			for _, rest := range todo[i:] {
				os.Remove(rest.tmp)
			}
			found := err.Error()
			fix := "fix the cause and prepare again; the files already replaced were restored"
			if len(restoreErrs) > 0 {
				found += "; restoring failed: " + errors.Join(restoreErrs...).Error()
				fix = "restore the files listed with `git checkout -- FILE`, fix the cause and prepare again"
			}
			return &Error{
				Version: p.version, Where: filepath.ToSlash(t.path), Expected: "every file written",
				Found: found, Hint: fix, Err: err,
			}
		}
		p.log.Debug("prepare wrote", "file", t.path)
	}
	if d, err := os.Open(p.cfg.Dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// prepareMode is the mode a rewritten file gets: path's own, else 0644.
func prepareMode(path string) fs.FileMode {
	if st, err := os.Stat(path); err == nil {
		return st.Mode().Perm()
	}
	return 0o644
}

// prepareTempFile writes b to a new temporary file next to path, with
// path's permissions, and returns its name.
func prepareTempFile(path string, b []byte) (string, error) {
	return atomicfile.Temp(path, b, prepareMode(path))
}

func prepareWriteAtomic(path string, b []byte) error {
	return atomicfile.WriteFile(path, b, prepareMode(path))
}

// ---- git ----

type prepareGit struct {
	dir string
	env []string
	log *slog.Logger
}

// prepareGitEnv is the clean environment git runs with: what git needs to
// find its configuration and credentials, and nothing that could point it at
// another repository (GIT_DIR, GIT_WORK_TREE, GIT_INDEX_FILE, …).
func prepareGitEnv(extra []string) []string {
	keep := []string{
		"PATH", "HOME", "USER", "LOGNAME", "TMPDIR", "TMP", "TEMP",
		"SSH_AUTH_SOCK", "SSH_ASKPASS", "XDG_CONFIG_HOME", "XDG_RUNTIME_DIR", "GNUPGHOME", "GPG_TTY",
		"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
		"SYSTEMROOT", "USERPROFILE", "APPDATA", "LOCALAPPDATA", "HOMEDRIVE", "HOMEPATH", "COMSPEC", "PATHEXT",
		"GIT_SSH", "GIT_SSH_COMMAND", "GIT_ASKPASS",
		"GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL",
	}
	var env []string
	for _, k := range keep {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	env = append(env, "LC_ALL=C", "LANGUAGE=C", "GIT_TERMINAL_PROMPT=0")
	return append(env, extra...)
}

var prepareURLCreds = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]+@`)

// prepareRedact removes credentials from URLs in git output.
func prepareRedact(s string) string {
	return prepareURLCreds.ReplaceAllString(s, "${1}***@")
}

// run runs git args in the project directory. code is the exit code (-1
// when git did not run or was killed); out is stdout, errOut stderr.
func (g *prepareGit) run(ctx context.Context, timeout time.Duration, args ...string) (out, errOut string, code int, err error) {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = g.dir
	cmd.Env = g.env
	cmd.Stdin = nil
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	cmd.WaitDelay = 2 * time.Second // a helper (ssh) may hold the pipes after git is killed
	err = cmd.Run()
	out, errOut = so.String(), prepareRedact(strings.TrimSpace(se.String()))
	g.log.Debug("prepare git", "args", prepareRedact(strings.Join(args, " ")), "err", err)
	var ee *exec.ExitError
	switch {
	case err == nil:
		return out, errOut, 0, nil
	case ctx.Err() != nil:
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return out, errOut, -1, fmt.Errorf("timed out after %s", timeout)
		}
		return out, errOut, -1, ctx.Err()
	case errors.As(err, &ee):
		return out, errOut, ee.ExitCode(), err
	}
	return out, errOut, -1, err
}

// prepareStrictTag returns X.Y.Z for a strict release tag, "".
func prepareStrictTag(tag string) string {
	v, err := preflight.ParseTag(tag)
	if err != nil {
		return ""
	}
	return v
}

func (p *preparer) gitChecks(ctx context.Context) {
	g := p.git
	out, errOut, _, err := g.run(ctx, 0, "rev-parse", "--is-inside-work-tree")
	if err != nil || strings.TrimSpace(out) != "true" {
		found := "not inside a git work tree"
		if errors.Is(err, exec.ErrNotFound) {
			found = "git is not installed (not found in PATH)"
		} else if errOut != "" {
			found = errOut
		}
		p.refuse(p.cfg.Dir, "a git work tree, to check that tag "+p.tag+" does not exist yet", found,
			"run prepare in the repository's work tree (set Dir), or set Config.NoGitUnsafe to skip the tag checks", ErrNotGitRepo, err)
		return
	}
	ref := "refs/tags/" + p.tag
	fix := "tags are immutable: never move or re-push " + p.tag + "; release " + prepareNextVersions(p.version) + " instead"
	// The tag, locally.
	out, _, code, err := g.run(ctx, 0, "rev-parse", "-q", "--verify", ref)
	switch {
	case code == 0:
		p.refuse(ref, "no tag "+p.tag, "tag "+p.tag+" exists locally (at "+prepareShort(out)+")", fix, ErrTagExists, nil)
	case code != 1:
		p.refuse(ref, "git to answer whether "+p.tag+" exists", fmt.Sprint(err), "check the repository", ErrGitCommand, err)
	}
	// A higher release tag, locally.
	out, _, _, err = g.run(ctx, 0, "tag", "-l", "v*")
	if err == nil {
		best := ""
		for _, t := range strings.Fields(out) {
			if v := prepareStrictTag(t); v != "" && (best == "" || semver.Compare("v"+v, "v"+best) > 0) {
				best = v
			}
		}
		if best != "" && semver.Compare("v"+best, p.tag) > 0 {
			p.refuse("refs/tags/v"+best, "a version greater than every release tag", "tag v"+best+" exists, above "+p.version,
				"release "+prepareNextVersions(best), ErrVersionNotGreater, nil)
		}
	}
	// The branch.
	if p.cfg.Branch != "" {
		p.res.Branch = p.cfg.Branch
	} else if out, _, code, _ := g.run(ctx, 0, "symbolic-ref", "-q", "--short", "HEAD"); code == 0 && strings.TrimSpace(out) != "" {
		p.res.Branch = strings.TrimSpace(out)
	} else if p.cfg.RunGit && !p.cfg.DryRun {
		p.refuse("HEAD", "a branch to push the release commit to", "a detached HEAD",
			"check out the release branch, or set Branch", ErrGitCommand, nil)
	}
	// The remote.
	remote, ok := p.remote(ctx)
	if !ok {
		return
	}
	p.res.Remote = remote
	_, errOut, code, err = g.run(ctx, p.cfg.RemoteTimeout, "ls-remote", "--exit-code", "--tags", remote, ref)
	switch code {
	case 0:
		p.refuse(ref+" on "+remote, "no tag "+p.tag+" on "+remote, "tag "+p.tag+" already exists on "+remote, fix, ErrTagExists, nil)
	case 2: // no such ref
	default:
		found := fmt.Sprint(err)
		if errOut != "" {
			found += ": " + errOut
		}
		p.refuse(remote, "an answer from "+remote+" whether "+p.tag+" exists there", found,
			"check that the remote is reachable (network, credentials), choose another with Remote, or skip every git check with NoGitUnsafe", ErrRemoteCheck, err)
	}
}

// remote resolves the remote to check and push to.
func (p *preparer) remote(ctx context.Context) (string, bool) {
	out, _, _, err := p.git.run(ctx, 0, "remote")
	remotes := map[string]bool{}
	if err == nil {
		for _, r := range strings.Fields(out) {
			remotes[r] = true
		}
	}
	want := p.cfg.Remote
	switch {
	case want != "" && (remotes[want] || strings.ContainsAny(want, "/:")):
		return want, true
	case want != "":
		p.refuse("remote "+want, "a configured git remote", fmt.Sprintf("no remote %q (remotes: %s)", want, prepareList(remotes)),
			"add it with git remote add, or set Remote to an existing one", ErrRemoteCheck, nil)
		return "", false
	case remotes["origin"]:
		return "origin", true
	}
	if p.cfg.RunGit && !p.cfg.DryRun {
		p.refuse("remote origin", "a remote to push the release to", fmt.Sprintf("no remote origin (remotes: %s)", prepareList(remotes)),
			"add one with git remote add origin URL, or set Remote", ErrRemoteCheck, nil)
		return "", false
	}
	p.note("no remote origin: the remote was not checked for tag %s; push it to the remote that has it", p.tag)
	return "", false
}

func prepareList(m map[string]bool) string {
	if len(m) == 0 {
		return "none"
	}
	return strings.Join(slices.Sorted(maps.Keys(m)), ", ")
}

func prepareShort(sha string) string {
	sha = strings.TrimSpace(sha)
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

// runGit runs the result's commands in order, checking the tag again
// right before creating it.
func (p *preparer) runGit(ctx context.Context) error {
	res := p.res
	cmds := res.Commands()
	for i, c := range res.cmds {
		fail := func(out string, err error) error {
			return &GitError{Command: cmds[i], Output: out, Ran: append([]string(nil), res.Ran...), Remaining: cmds[i:], Err: err}
		}
		if c[1] == "tag" {
			p.errs = nil
			p.recheckTag(ctx)
			if len(p.errs) > 0 {
				return fail("", errors.Join(p.errs...))
			}
		}
		timeout := time.Duration(0)
		if c[1] == "push" {
			timeout = p.cfg.RemoteTimeout
		}
		_, errOut, _, err := p.git.run(ctx, timeout, c[1:]...)
		if err != nil {
			return fail(errOut, err)
		}
		res.Ran = append(res.Ran, cmds[i])
	}
	return nil
}

// recheckTag checks, right before tagging, that the tag exists neither
// locally nor on the remote.
func (p *preparer) recheckTag(ctx context.Context) {
	ref := "refs/tags/" + p.tag
	fix := "tags are immutable: never move or re-push " + p.tag + "; release " + prepareNextVersions(p.version) + " instead (the release commit is made; revert it or build on it)"
	if _, _, code, err := p.git.run(ctx, 0, "rev-parse", "-q", "--verify", ref); code == 0 {
		p.refuse(ref, "no tag "+p.tag, "tag "+p.tag+" appeared locally", fix, ErrTagExists, nil)
	} else if code != 1 {
		p.refuse(ref, "git to answer whether "+p.tag+" exists", fmt.Sprint(err), "check the repository", ErrGitCommand, err)
	}
	_, errOut, code, err := p.git.run(ctx, p.cfg.RemoteTimeout, "ls-remote", "--exit-code", "--tags", p.res.Remote, ref)
	switch code {
	case 0:
		p.refuse(ref+" on "+p.res.Remote, "no tag "+p.tag+" on "+p.res.Remote, "tag "+p.tag+" appeared on "+p.res.Remote, fix, ErrTagExists, nil)
	case 2:
	default:
		p.refuse(p.res.Remote, "an answer from "+p.res.Remote+" whether "+p.tag+" exists there", fmt.Sprint(err)+": "+errOut,
			"check that the remote is reachable, then run the remaining commands", ErrRemoteCheck, err)
	}
}

// prepareShellJoin renders argv for a POSIX shell.
func prepareShellJoin(argv []string) string {
	out := make([]string, len(argv))
	for i, a := range argv {
		out[i] = shell.Readable(a)
	}
	return strings.Join(out, " ")
}

// unifiedDiff returns the unified diff of two texts (3 lines of context),
// "" when they are equal.
func unifiedDiff(oldName, newName string, old, updated []byte) string {
	if bytes.Equal(old, updated) {
		return ""
	}
	return udiff.Unified(oldName, newName, string(old), string(updated))
}
