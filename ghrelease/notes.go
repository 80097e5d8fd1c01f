package ghrelease

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"text/template"
	"unicode/utf8"

	"github.com/tagship/tagship/changelog"
	"github.com/tagship/tagship/internal/shell"
)

// MaxBodyLength is the longest release body GitHub accepts, in characters.
const MaxBodyLength = 125000

// NotesData is what release notes are made of. Repository and Tag are
// required; everything else has a default or is optional.
type NotesData struct {
	// Repository is "owner/name" on github.com.
	Repository string
	// Tag is the release tag, "v0.11.0".
	Tag string
	// Version is the version without "v". Default: Tag without its "v".
	Version string
	// Identity is the certificate identity every artifact was signed with,
	// the one users must pin: for a GitHub Actions release
	// sign.GitHubWorkflowIdentity(Repository, WorkflowPath, Tag), e.g.
	// "https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1.2.3".
	// Required; it must end in "@refs/tags/<Tag>". The notes take it as
	// data (ghrelease does not know how identities are made), so what is
	// published is exactly what the release verified.
	Identity string
	// Issuer is the OIDC issuer of the signing certificates, for GitHub
	// Actions sign.GitHubActionsIssuer. Required, an https:// URL.
	Issuer string
	// WorkflowPath is the signing workflow in the repository, named in the
	// notes' prose; optional.
	WorkflowPath string

	// Heading is the version heading shown above the changelog section.
	// UseChangelog sets it to the section's own heading line as written
	// ("## [0.11.0] - 2026-11-20"); [WithVersionHeading](false) leaves it
	// out. Optional.
	Heading string

	// Changelog is the Markdown of this version's changelog section.
	Changelog string
	// ChangelogDate is the section's date as written ("2024-05-01"), optional.
	ChangelogDate string
	// CompareURL is the section's compare link, optional.
	CompareURL string
	// ChangelogURL is where the full changelog lives; it is linked when the
	// section has to be shortened.
	// Default: https://github.com/<Repository>/blob/<Tag>/CHANGELOG.md.
	ChangelogURL string

	// PythonPackage is the PyPI project name; when set the notes show how to
	// fetch the wheel from PyPI with pip.
	PythonPackage string
	// Files are the signed Python distribution files (wheel, sdist) by file
	// name; each has a "<file>.sigstore.json" bundle on the release.
	Files []string
	// Checksums is the asset name of the signed checksums file
	// ("SHA256SUMS"), with a "<name>.sigstore.json" bundle on the release;
	// optional. The notes then show how to verify it and check every
	// downloaded file against it.
	Checksums string
	// SBOM is the asset name of the signed SBOM ("<project>-<version>.cdx.json"),
	// with a "<name>.sigstore.json" bundle on the release; optional.
	SBOM string
	// Provenance is the asset name of the Sigstore bundle holding the
	// DSSE-signed SLSA v1 provenance of Files
	// ("<project>-<version>.provenance.sigstore.json"); optional. The notes
	// then show how to verify it for each file.
	Provenance string
	// Image is the container image repository, "ghcr.io/o/r"; optional.
	Image string
	// ImageDigest is the image index digest, "sha256:<hex>"; optional, adds
	// the by-digest verification form.
	ImageDigest string
}

// UseChangelog fills Changelog, ChangelogDate and CompareURL from cl's
// section for d.Version (or d.Tag). It returns an error wrapping
// [ErrNoChangelogSection] when cl has no such section.
func (d *NotesData) UseChangelog(cl *changelog.Changelog) error {
	v := d.version()
	r := cl.Release(v)
	if r == nil || v == "" {
		return fmt.Errorf("%w: expected a \"## [%s]\" section in the changelog, found none; add it (Keep a Changelog format) before releasing", ErrNoChangelogSection, v)
	}
	d.Changelog, d.ChangelogDate, d.CompareURL, d.Heading = r.Body, r.Date, cl.Link(v), strings.TrimSpace(r.Heading)
	return nil
}

func (d NotesData) version() string {
	if d.Version != "" {
		return d.Version
	}
	return strings.TrimPrefix(d.Tag, "v")
}

// NotesOption configures [Notes].
type NotesOption func(*notesOptions) error

type notesOptions struct {
	tmpl      *template.Template
	maxLen    int
	noHeading bool
}

// WithVersionHeading shows (true) or leaves out (false) the version
// heading ([NotesData.Heading]) above the changelog section. Default: true,
// as a release page extracted from the changelog keeps it.
func WithVersionHeading(show bool) NotesOption {
	return func(o *notesOptions) error { o.noHeading = !show; return nil }
}

// WithNotesTemplate replaces the default template ([DefaultNotesTemplate])
// with a text/template. It sees a [NotesView]; the functions "sq" (always
// single-quote for the shell) and "shq" (quote only when needed) are
// available. Default: DefaultNotesTemplate.
func WithNotesTemplate(text string) NotesOption {
	return func(o *notesOptions) error {
		t, err := newNotesTemplate(text)
		if err != nil {
			return err
		}
		o.tmpl = t
		return nil
	}
}

// WithMaxBodyLength sets the limit the notes must fit in, in characters.
// Default: [MaxBodyLength] (GitHub's limit).
func WithMaxBodyLength(n int) NotesOption {
	return func(o *notesOptions) error {
		if n <= 0 {
			return fmt.Errorf("ghrelease: WithMaxBodyLength(%d): expected a positive length", n)
		}
		o.maxLen = n
		return nil
	}
}

// NotesView is what a notes template sees.
type NotesView struct {
	NotesData
	Version string // resolved
	// FullDiffURL is CompareURL when it is a comparison with an earlier
	// release ("…/compare/vA...vB"); empty for a first release, whose
	// changelog link points at the release page itself.
	FullDiffURL string
	// Signed are the files verified with their "<name>.sigstore.json"
	// bundles: Files, then Checksums and SBOM when set.
	Signed []string
	// ShortenedChangelog is true when Changelog was cut to fit GitHub's
	// limit; Changelog then ends with a note linking ChangelogURL.
	ShortenedChangelog bool
	// Owner and Name split Repository.
	Owner, Name string
	// DownloadPatterns are the files and bundles to fetch from the release:
	// every bundle, and every signed file except wheels when PythonPackage
	// is set (pip fetches the wheel from PyPI, as in the reference process).
	DownloadPatterns []string
}

// DefaultNotesTemplate renders the version heading and the changelog
// section, followed by "Verifying signed artifacts" with the literal
// commands. Every command in its shell blocks is run verbatim in tagship's
// CI (.ci/verbatim.sh) with cosign v2.6.5 and v3.1.3, sigstore-js, gh and
// pip; sigstore-python's form is the one its documentation gives.
//
// cosign gets --use-signed-timestamps: Sigstore's Rekor v2 log entries
// carry no integrated time, so the signing time comes from the bundle's
// RFC 3161 timestamp; cosign v2 needs the flag for that, v3 does it by
// default and accepts the flag, so one command serves both.
const DefaultNotesTemplate = `{{- if .Heading}}{{.Heading}}

{{end -}}
{{- if .Changelog}}{{.Changelog}}
{{- if .FullDiffURL}}

**Full diff**: {{.FullDiffURL}}
{{- end}}

{{end -}}
## Verifying signed artifacts

Every artifact of this release was signed with Sigstore keyless signing
{{- if .WorkflowPath}} by the ` + "`{{.WorkflowPath}}`" + ` workflow{{end}} of ` + "`{{.Repository}}`" + ` running for the tag ` + "`{{.Tag}}`" + `.
The signatures are bound to this identity; anything else must be rejected:

- certificate identity: ` + "`{{.Identity}}`" + `
- OIDC issuer: ` + "`{{.Issuer}}`" + `

The signatures are logged in Sigstore's Rekor v2 transparency log, whose
entries carry no log time: the signing time comes from the bundle's signed
timestamp, which cosign v2 checks only with ` + "`--use-signed-timestamps`" + ` (cosign v3
checks it by default and accepts the flag). The commands below are run as
written in CI with cosign v2.6.5 and v3.1.3, gh and pip, and the same
checks with sigstore-js (` + "`@sigstore/verify`" + ` 3.x); sigstore-python needs 4.0 or
newer.
{{- if .Signed}}

### Download

Download the files{{if .PythonPackage}} (the wheel from PyPI){{end}} and their Sigstore bundles:

` + "```sh" + `
{{- if .PythonPackage}}
pip download {{shq (printf "%s==%s" .PythonPackage .Version)}} --no-deps -d ./out
{{- end}}
gh release download {{shq .Tag}} --repo {{shq .Repository}} --dir ./out{{range .DownloadPatterns}} \
  --pattern {{sq .}}{{end}}
` + "```" + `

### Verify the signatures

With [cosign](https://github.com/sigstore/cosign):

` + "```sh" + `
{{- range .Signed}}
cosign verify-blob --use-signed-timestamps \
  --bundle {{shq (printf "./out/%s.sigstore.json" .)}} \
  --certificate-identity {{sq $.Identity}} \
  --certificate-oidc-issuer {{sq $.Issuer}} \
  {{shq (printf "./out/%s" .)}}
{{- end}}
` + "```" + `

or with [sigstore-python](https://github.com/sigstore/sigstore-python) 4.0 or newer
(` + "`pip install 'sigstore>=4'`" + `; earlier versions cannot read Rekor v2 entries):

` + "```sh" + `
{{- range .Signed}}
sigstore verify identity \
  --cert-identity {{sq $.Identity}} \
  --cert-oidc-issuer {{sq $.Issuer}} \
  --bundle {{shq (printf "./out/%s.sigstore.json" .)}} \
  {{shq (printf "./out/%s" .)}}
{{- end}}
` + "```" + `
{{- if .Checksums}}

Then check every downloaded file against the signed ` + "`{{.Checksums}}`" + `:

` + "```sh" + `
cd ./out && sha256sum --check --ignore-missing {{shq .Checksums}}
` + "```" + `
{{- end}}
{{- if and .Provenance .Files}}

### Build provenance

` + "`{{.Provenance}}`" + ` is the SLSA v1 provenance of the distributions, signed by the same
identity: it names the repository, the tagged commit, the workflow and the run
that built them. Check that it describes each file (cosign v2 needs
` + "`--new-bundle-format`" + ` to read a Sigstore bundle here; v3 accepts the flag):

` + "```sh" + `
{{- range .Files}}
cosign verify-blob-attestation --use-signed-timestamps --new-bundle-format \
  --type slsaprovenance1 \
  --bundle {{shq (printf "./out/%s" $.Provenance)}} \
  --certificate-identity {{sq $.Identity}} \
  --certificate-oidc-issuer {{sq $.Issuer}} \
  {{shq (printf "./out/%s" .)}}
{{- end}}
` + "```" + `
{{- end}}
{{- end}}
{{- if .Image}}

### Container image

The image ` + "`{{.Image}}:{{.Tag}}`" + ` is signed by digest:

` + "```sh" + `
cosign verify --use-signed-timestamps {{shq (printf "%s:%s" .Image .Tag)}} \
  --certificate-identity {{sq .Identity}} \
  --certificate-oidc-issuer {{sq .Issuer}}
` + "```" + `
{{- if .ImageDigest}}

Pin it by digest in production:

` + "```sh" + `
cosign verify --use-signed-timestamps {{shq (printf "%s@%s" .Image .ImageDigest)}} \
  --certificate-identity {{sq .Identity}} \
  --certificate-oidc-issuer {{sq .Issuer}}
` + "```" + `
{{- end}}
{{- end}}
`

func newNotesTemplate(text string) (*template.Template, error) {
	t, err := template.New("notes").Option("missingkey=error").Funcs(template.FuncMap{
		"sq":  ShellQuote,
		"shq": shell.Quote,
	}).Parse(text)
	if err != nil {
		return nil, fmt.Errorf("ghrelease: notes template: %w", err)
	}
	return t, nil
}

// ShellQuote single-quotes s for a POSIX shell (always).
func ShellQuote(s string) string { return shell.Single(s) }

var (
	repoRE     = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)
	workflowRE = regexp.MustCompile(`^[A-Za-z0-9_./-]+\.ya?ml$`)
	imageRE    = regexp.MustCompile(`^[a-z0-9]+([._:-]?[a-z0-9]+)*(/[a-z0-9]+([._-]+[a-z0-9]+)*)*$`)
	digestRE   = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
	pypiNameRE = regexp.MustCompile(`^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$`)
	tagRE      = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]*$`)
	versionRE  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]*$`)
)

func (d NotesData) resolve() (NotesView, error) {
	v := NotesView{NotesData: d, Version: d.version()}
	var errs []error
	bad := func(field, val, want string) {
		errs = append(errs, fmt.Errorf("%w: %s %q: expected %s", ErrInvalidNotesData, field, val, want))
	}
	if !repoRE.MatchString(v.Repository) {
		bad("Repository", v.Repository, `"owner/name"`)
	}
	if !tagRE.MatchString(v.Tag) {
		bad("Tag", v.Tag, `a tag such as "v1.2.3"`)
	}
	if !versionRE.MatchString(v.Version) {
		bad("Version", v.Version, `a version such as "1.2.3"`)
	}
	if v.WorkflowPath != "" && (!workflowRE.MatchString(v.WorkflowPath) || strings.Contains(v.WorkflowPath, "..")) {
		bad("WorkflowPath", v.WorkflowPath, `a workflow file path such as ".github/workflows/release.yml"`)
	}
	if !strings.HasPrefix(v.Identity, "https://") || strings.ContainsAny(v.Identity, " \t\r\n'\"`") ||
		!strings.HasSuffix(v.Identity, "@refs/tags/"+v.Tag) {
		bad("Identity", v.Identity, "the https:// certificate identity of the workflow run for refs/tags/"+v.Tag+
			" (sign.GitHubWorkflowIdentity(Repository, WorkflowPath, Tag))")
	}
	if !(strings.HasPrefix(v.Issuer, "https://") || loopbackHTTP(v.Issuer)) || strings.ContainsAny(v.Issuer, " \t\r\n'\"`") {
		bad("Issuer", v.Issuer, "an https:// issuer URL (sign.GitHubActionsIssuer for GitHub Actions; http:// only on loopback, for local test Sigstores)")
	}
	if v.PythonPackage != "" && !pypiNameRE.MatchString(v.PythonPackage) {
		bad("PythonPackage", v.PythonPackage, "a PyPI project name")
	}
	for _, f := range v.Files {
		if err := ValidateAssetName(f); err != nil {
			errs = append(errs, fmt.Errorf("%w: Files: %w", ErrInvalidNotesData, err))
		}
		if v.PythonPackage == "" || !strings.HasSuffix(f, ".whl") {
			v.DownloadPatterns = append(v.DownloadPatterns, f) // wheels come from PyPI when PythonPackage is set
		}
		v.DownloadPatterns = append(v.DownloadPatterns, f+".sigstore.json")
	}
	v.Signed = append([]string(nil), v.Files...)
	for _, x := range []struct{ field, name string }{{"Checksums", v.Checksums}, {"SBOM", v.SBOM}} {
		if x.name == "" {
			continue
		}
		if err := ValidateAssetName(x.name); err != nil {
			errs = append(errs, fmt.Errorf("%w: %s: %w", ErrInvalidNotesData, x.field, err))
		}
		v.Signed = append(v.Signed, x.name)
		v.DownloadPatterns = append(v.DownloadPatterns, x.name, x.name+".sigstore.json")
	}
	if v.Provenance != "" {
		if err := ValidateAssetName(v.Provenance); err != nil || !strings.HasSuffix(v.Provenance, ".sigstore.json") {
			bad("Provenance", v.Provenance, `the asset name of a Sigstore bundle, "<project>-<version>.provenance.sigstore.json"`)
		}
		v.DownloadPatterns = append(v.DownloadPatterns, v.Provenance)
	}
	if v.Image != "" && !imageRE.MatchString(v.Image) {
		bad("Image", v.Image, `an image repository without tag or digest, such as "ghcr.io/owner/name"`)
	}
	if v.ImageDigest != "" && !digestRE.MatchString(v.ImageDigest) {
		bad("ImageDigest", v.ImageDigest, `"sha256:" and 64 lowercase hex digits`)
	}
	if v.ImageDigest != "" && v.Image == "" {
		bad("ImageDigest", v.ImageDigest, "Image to be set too")
	}
	if strings.ContainsAny(v.CompareURL+v.ChangelogURL, " \t\r\n") {
		bad("CompareURL/ChangelogURL", v.CompareURL+" "+v.ChangelogURL, "URLs without white space")
	}
	if strings.ContainsAny(v.Heading, "\r\n") {
		bad("Heading", v.Heading, "one line")
	}
	if len(errs) > 0 {
		return v, errors.Join(errs...)
	}
	v.Owner, v.Name, _ = strings.Cut(v.Repository, "/")
	if strings.Contains(v.CompareURL, "/compare/") {
		v.FullDiffURL = v.CompareURL
	}
	if v.ChangelogURL == "" {
		v.ChangelogURL = "https://github.com/" + v.Repository + "/blob/" + v.Tag + "/CHANGELOG.md"
	}
	return v, nil
}

// loopbackHTTP reports an http:// URL on a loopback host: the issuer of a
// local test Sigstore, never a production one.
func loopbackHTTP(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "http" && isLoopback(u.Hostname())
}

// Notes renders release notes: by default the changelog section followed
// by the "Verifying signed artifacts" commands (see [DefaultNotesTemplate]).
//
// The result always fits in GitHub's body limit (or [WithMaxBodyLength]):
// when it would not, the changelog part — and only that part — is shortened
// at a line boundary and ends with a note saying so and linking the full
// changelog. If even the notes without any changelog text do not fit, Notes
// fails with an error wrapping [ErrNotesTooLong]; it never cuts silently.
func Notes(data NotesData, opts ...NotesOption) (string, error) {
	o := notesOptions{maxLen: MaxBodyLength}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return "", err
		}
	}
	if o.tmpl == nil {
		t, err := newNotesTemplate(DefaultNotesTemplate)
		if err != nil {
			return "", err
		}
		o.tmpl = t
	}
	view, err := data.resolve()
	if err != nil {
		return "", err
	}
	if o.noHeading {
		view.Heading = ""
	}
	view.Changelog = changelog.Seal(strings.TrimSpace(strings.ReplaceAll(view.Changelog, "\r\n", "\n")))
	out, err := render(o.tmpl, view)
	if err != nil {
		return "", err
	}
	if utf8.RuneCountInString(out) <= o.maxLen {
		return out, nil
	}

	// Too long: shorten the changelog part only.
	full := view.Changelog
	notice := fmt.Sprintf("\n\n---\n*This changelog section is longer than a GitHub release body allows (%d characters), so it is shortened here. Read the full section in [CHANGELOG.md](%s).*", o.maxLen, view.ChangelogURL)
	view.ShortenedChangelog = true
	view.Changelog = strings.TrimPrefix(notice, "\n\n")
	base, err := render(o.tmpl, view)
	if err != nil {
		return "", err
	}
	baseLen := utf8.RuneCountInString(base)
	if baseLen > o.maxLen {
		return "", fmt.Errorf("%w: the notes are %d characters even with the changelog left out, the limit is %d; shorten the template or the file list", ErrNotesTooLong, baseLen, o.maxLen)
	}
	budget := o.maxLen - baseLen // characters available for changelog text
	for budget > 0 {
		view.Changelog = cutMarkdown(full, budget) + notice
		out, err = render(o.tmpl, view)
		if err != nil {
			return "", err
		}
		if n := utf8.RuneCountInString(out); n <= o.maxLen {
			return out, nil
		}
		budget /= 2 // the template repeats the changelog: back off
	}
	return base, nil
}

func render(t *template.Template, v NotesView) (string, error) {
	var b bytes.Buffer
	if err := t.Execute(&b, v); err != nil {
		return "", fmt.Errorf("ghrelease: rendering notes: %w", err)
	}
	return b.String(), nil
}

// cutMarkdown keeps at most budget characters of s (leaving room for a
// closing code fence), cut at a line boundary; whatever the cut leaves
// open (a fence of any kind or length, an HTML comment) is closed by
// changelog.Seal.
func cutMarkdown(s string, budget int) string {
	budget -= 5 // "\n```" if a fence must be closed
	if budget <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) > budget {
		i, n := 0, 0
		for i < len(s) && n < budget {
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
			n++
		}
		s = s[:i]
		if j := strings.LastIndexByte(s, '\n'); j > 0 {
			s = s[:j]
		}
	}
	return changelog.Seal(strings.TrimRight(s, " \t\n"))
}
