package verify

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/sigstore/sigstore-go/pkg/bundle"

	"github.com/tagship/tagship/ghrelease"
	"github.com/tagship/tagship/internal/batch"
	"github.com/tagship/tagship/internal/pep"
	"github.com/tagship/tagship/oci"
	"github.com/tagship/tagship/preflight"
	"github.com/tagship/tagship/pypi"
	"github.com/tagship/tagship/sign"
)

// Conditions of a failed release verification. Every failed check carries
// exactly one of the reasons below (errors.Is on [Report.Err] or on a
// check's *Error); [Report.Err] also matches ErrFailed.
var (
	// ErrFailed: at least one check of the release failed.
	ErrFailed = errors.New("verify: release verification failed")
	// ErrConfig: the Config is incomplete or malformed.
	ErrConfig = errors.New("verify: invalid verify configuration")
	// ErrIdentity: a signature was made by another identity (or
	// issuer) than the release workflow running for the tag.
	ErrIdentity = errors.New("verify: signed by another identity than the release workflow for the tag")
	// ErrTagMoved: the image tag does not point to the digest the
	// release signed and recorded in its SBOM (the tag was re-pointed).
	ErrTagMoved = errors.New("verify: image tag re-pointed away from the released digest")
	// ErrBundleMismatch: a bundle signs another artifact than the one
	// it is attached to.
	ErrBundleMismatch = errors.New("verify: bundle signs another file")
	// ErrFileReplaced: a file's content differs from what the release
	// recorded (SHA256SUMS, SBOM, signature) or from what the index lists.
	ErrFileReplaced = errors.New("verify: file differs from the released one")
	// ErrNotInLog: a signature has no transparency-log entry the
	// trusted root accepts (not yet logged, or never).
	ErrNotInLog = errors.New("verify: signature not in the transparency log")
	// ErrSignature: a signature is missing, invalid or not trusted
	// for another reason (untrusted certificate, bad signature, malformed
	// bundle, timestamps).
	ErrSignature = errors.New("verify: signature invalid or missing")
	// ErrMissing: an artifact, asset or record is missing (no release,
	// no bundle, no SHA256SUMS entry, no SBOM component, no index file).
	ErrMissing = errors.New("verify: release artifact or record missing")
	// ErrUnavailable: a service could not be read (network, HTTP
	// error): the check could not be done.
	ErrUnavailable = errors.New("verify: could not fetch what the check needs")
	// ErrProvenance: the build provenance does not describe the released
	// artifacts (wrong subject) or names another source, ref, workflow or
	// run than the release's.
	ErrProvenance = errors.New("verify: build provenance does not match the release")
)

// Config says which release to verify and where its parts are. Only
// Repository and Version are required.
type Config struct {
	// Repository is the GitHub repository "OWNER/REPO" that released.
	Repository string
	// Version is the release version "X.Y.Z" ("vX.Y.Z" accepted); the tag
	// is "v" + Version.
	Version string
	// Project is the PyPI project name. Default: the REPO part of
	// Repository.
	Project string
	// IndexURL is the package index (base URL or simple API root).
	// Default: https://pypi.org.
	IndexURL string
	// GitHubAPI is the GitHub REST root. Default: https://api.github.com/.
	GitHubAPI string
	// GitHubToken is optional (public repositories read anonymously);
	// default: $GITHUB_TOKEN when set. Never shown in reports or errors.
	GitHubToken string
	// Image is the container image repository "REGISTRY/REPO" (no tag);
	// the tag "v" + Version is verified. Empty: no image checks.
	Image string
	// Verifier checks the signatures. Default: sign.NewVerifier() with the
	// public-good Sigstore trusted root (TUF, needs network); pass one built
	// with sign.WithVerifierTrustedRootFile for other instances.
	Verifier *sign.Verifier
	// WorkflowPath is the release workflow in the repository. Default:
	// sign.DefaultWorkflowPath (".github/workflows/release.yml").
	WorkflowPath string
	// Issuer is the OIDC issuer the certificates must name. Default:
	// sign.GitHubActionsIssuer.
	Issuer string

	// Dir, when set, verifies offline from a directory of files already
	// downloaded (the wheel and sdist, their .sigstore.json bundles,
	// SHA256SUMS and the *.cdx.json SBOM): IndexURL and GitHubAPI are not
	// used. The image is still checked against its registry when Image is
	// set.
	Dir string
	// DownloadDir keeps the downloaded files (created if missing). Default:
	// a temporary directory removed before Release returns.
	DownloadDir string

	// HTTPClient is the client (its Transport) for the index, GitHub and the
	// registry. Default: http.DefaultTransport (go-containerregistry's
	// default transport for the registry).
	HTTPClient *http.Client
	// Keychain gives registry credentials. Default: the docker config, then
	// GITHUB_TOKEN for ghcr.io (oci.GitHubKeychain); public images need
	// none.
	Keychain authn.Keychain
	// UnsignedRecordsUnsafe accepts a release whose SHA256SUMS or SBOM has
	// no ".sigstore.json" bundle (releases made before they were signed),
	// trusting those records through the release page alone. Default:
	// both must be signed with the release identity, or the release is
	// refused.
	UnsignedRecordsUnsafe bool
	// InsecureHTTPUnsafe allows plain http:// to non-loopback hosts (index,
	// GitHub API, registry). Default: plain http only to loopback.
	InsecureHTTPUnsafe bool
	// Logger receives progress. Default: discard.
	Logger *slog.Logger
	// Concurrency bounds how many distributions are downloaded and
	// verified at once. The report lists them in the index's (or the
	// directory's) order whatever order they finish in. Default
	// DefaultConcurrency (16).
	Concurrency int

	// Extra options for the underlying clients, applied after those
	// Release derives from the fields above.
	PyPIOptions   []pypi.Option
	GitHubOptions []ghrelease.Option
	OCIOptions    []oci.Option
}

// DefaultConcurrency is how many distributions Release verifies at once
// unless Config.Concurrency says otherwise.
const DefaultConcurrency = 16

// Status is the outcome of one check.
type Status string

// Check outcomes.
const (
	Passed  Status = "PASS"
	Failed  Status = "FAIL"
	Skipped Status = "SKIP"
)

// Artifact kinds in a Report.
const (
	KindWheel      = "wheel"
	KindSdist      = "sdist"
	KindImage      = "image"
	KindChecksums  = "checksums"
	KindSBOM       = "sbom"
	KindRelease    = "release"
	KindIndex      = "index"
	KindProvenance = "provenance"
)

// Check names in a Report.
const (
	CheckFetch     = "fetch"      // downloaded (hash checked against the index) or read
	CheckSignature = "signature"  // Sigstore bundle / image signature for the pinned identity
	CheckSums      = "sha256sums" // hash equals the release's SHA256SUMS entry
	CheckSBOM      = "sbom"       // hash (image: digest) equals the SBOM's component
	CheckBundle    = "bundle"     // the bundle asset itself is listed in SHA256SUMS
	CheckResolve   = "resolve"    // image tag resolved to a digest
	CheckReleased  = "released-digest"
	CheckPublished = "published"
	CheckParse     = "parse"
	// CheckProvenanceSource: the provenance names the release's repository,
	// tag, workflow and the run that signed it.
	CheckProvenanceSource = "provenance"
	// CheckProvenanceSubject: the provenance describes the artifacts byte
	// for byte.
	CheckProvenanceSubject = "provenance-subject"
	// CheckSBOMAttestation: the image carries a signed CycloneDX attestation.
	CheckSBOMAttestation = "sbom-attestation"
)

// Report is the outcome of [Release]: every artifact with every
// check done on it.
type Report struct {
	Repository string
	Version    string
	Tag        string
	// Identity and Issuer are the certificate identity and OIDC issuer
	// every signature was pinned to.
	Identity string
	Issuer   string
	// Offline is true when the files came from Config.Dir.
	Offline   bool
	Artifacts []Artifact
	Duration  time.Duration
}

// Artifact is one thing that was verified.
type Artifact struct {
	// Name is the file name, or the image reference REGISTRY/REPO:TAG.
	Name string
	// Kind is one of the VerifyKind… constants.
	Kind string
	// Source is where it was read from (URL, release asset, directory).
	Source string
	// Path is the local file when kept (DownloadDir or Dir), else "".
	Path string
	// SHA256 is the file's hex sha256, or the hex of the digest the image
	// tag resolved to; "" when not known.
	SHA256 string
	Checks []Check
}

// OK reports whether no check of the artifact failed.
func (a *Artifact) OK() bool {
	for _, c := range a.Checks {
		if c.Status == Failed {
			return false
		}
	}
	return true
}

// Check is one check of one artifact.
type Check struct {
	// Name is one of the Check… constants.
	Name   string
	Status Status
	// Detail says what was established (PASS), why it was skipped (SKIP),
	// or what failed (FAIL, one line; Err has the rest).
	Detail string
	// Err is set for failures.
	Err *Error
}

// Error describes a failed check in the module's error vocabulary: the
// condition (one of the Err… sentinels), what was expected and found, a
// hint to troubleshoot, and the underlying error. It matches its condition
// and the underlying error with errors.Is.
type Error struct {
	Artifact  string
	Check     string
	Condition error
	Expected  string
	Found     string
	Hint      string
	Err       error
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s: %v", e.Artifact, e.Check, e.Condition)
	if e.Expected != "" || e.Found != "" {
		fmt.Fprintf(&b, " (expected %s, found %s)", verifyOr(e.Expected, "-"), verifyOr(e.Found, "-"))
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	if e.Hint != "" {
		fmt.Fprintf(&b, "; hint: %s", e.Hint)
	}
	return b.String()
}

// MarshalJSON renders the error with its reason and cause as strings, so
// that a Report can be stored as JSON.
func (e *Error) MarshalJSON() ([]byte, error) {
	v := struct {
		Artifact string `json:"artifact"`
		Check    string `json:"check"`
		Reason   string `json:"reason"`
		Expected string `json:"expected,omitempty"`
		Found    string `json:"found,omitempty"`
		Hint     string `json:"hint,omitempty"`
		Error    string `json:"error,omitempty"`
	}{Artifact: e.Artifact, Check: e.Check, Expected: e.Expected, Found: e.Found, Hint: e.Hint}
	if e.Condition != nil {
		v.Reason = e.Condition.Error()
	}
	if e.Err != nil {
		v.Error = e.Err.Error()
	}
	return json.Marshal(v)
}

// Unwrap returns the reason and the underlying error.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Condition}
	}
	return []error{e.Condition, e.Err}
}

// OK reports whether every check passed (or was skipped) and there was
// something to verify.
func (r *Report) OK() bool {
	if r == nil || len(r.Artifacts) == 0 {
		return false
	}
	for i := range r.Artifacts {
		if !r.Artifacts[i].OK() {
			return false
		}
	}
	return true
}

// Failures returns every failed check's error, in report order.
func (r *Report) Failures() []*Error {
	if r == nil {
		return nil
	}
	var out []*Error
	for _, a := range r.Artifacts {
		for _, c := range a.Checks {
			if c.Status == Failed && c.Err != nil {
				out = append(out, c.Err)
			}
		}
	}
	return out
}

// Err returns nil when the report is OK, else an error matching
// ErrFailed and every failure's reason (errors.Is) and *Error
// (errors.As).
func (r *Report) Err() error {
	if r.OK() {
		return nil
	}
	fs := r.Failures()
	errs := []error{ErrFailed}
	var lines []string
	for _, f := range fs {
		errs = append(errs, f)
		lines = append(lines, f.Error())
	}
	if len(fs) == 0 {
		lines = append(lines, "nothing was verified")
	}
	return &verifyFailures{msg: fmt.Sprintf("%v: %s %s: %d check(s) failed:\n  %s", ErrFailed, r.Repository, r.Tag, len(fs), strings.Join(lines, "\n  ")), errs: errs}
}

type verifyFailures struct {
	msg  string
	errs []error
}

func (e *verifyFailures) Error() string   { return e.msg }
func (e *verifyFailures) Unwrap() []error { return e.errs }

// String renders the report: the pinned identity, a table of every check,
// then each failure with expected/found and its troubleshooting hint.
func (r *Report) String() string {
	var b strings.Builder
	mode := ""
	if r.Offline {
		mode = " (offline)"
	}
	fmt.Fprintf(&b, "Release %s %s%s\nidentity: %s\nissuer:   %s\n\n", r.Repository, r.Tag, mode, r.Identity, r.Issuer)
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "ARTIFACT\tKIND\tCHECK\tRESULT\tDETAIL")
	total, failed := 0, 0
	for _, a := range r.Artifacts {
		for i, c := range a.Checks {
			name, kind := a.Name, a.Kind
			if i > 0 {
				name, kind = "", ""
			}
			total++
			if c.Status == Failed {
				failed++
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", name, kind, c.Name, c.Status, verifyOneLine(c.Detail, 110))
		}
	}
	w.Flush()
	b.WriteString("\n")
	if r.OK() {
		fmt.Fprintf(&b, "OK: all %d checks passed (or were skipped).\n", total)
		return b.String()
	}
	fmt.Fprintf(&b, "FAILED: %d of %d checks failed.\n", failed, total)
	for _, f := range r.Failures() {
		fmt.Fprintf(&b, "\n%s — %s: %v\n", f.Artifact, f.Check, f.Condition)
		if f.Expected != "" {
			fmt.Fprintf(&b, "  expected: %s\n", f.Expected)
		}
		if f.Found != "" {
			fmt.Fprintf(&b, "  found:    %s\n", f.Found)
		}
		if f.Err != nil {
			fmt.Fprintf(&b, "  error:    %s\n", verifyOneLine(f.Err.Error(), 400))
		}
		if f.Hint != "" {
			fmt.Fprintf(&b, "  hint:     %s\n", f.Hint)
		}
	}
	return b.String()
}

// verifyRun carries one Release call's state.
type verifyRun struct {
	cfg     Config
	report  *Report
	policy  sign.Policy
	v       *sign.Verifier
	log     *slog.Logger
	dir     string // where files are (Dir, DownloadDir or a temp dir)
	keep    bool   // files in dir outlive the call
	sums    map[string]string
	sumsOK  bool
	sbom    *ghrelease.ReleaseSBOM
	release *ghrelease.PublishedRelease
	gh      *ghrelease.Downloader
	idx     *pypi.Index
}

// Release verifies a published release end to end, as a downstream
// user would, from the repository, the version and the index, GitHub and
// registry locations:
//
//   - the wheel and sdist of the version are downloaded from the index's
//     simple API (PEP 691 JSON, or HTML), each checked against the sha256
//     the index lists;
//   - their "<file>.sigstore.json" bundles, SHA256SUMS and the CycloneDX
//     SBOM (*.cdx.json) are downloaded from the published GitHub release
//     for the tag;
//   - each file's bundle is verified for the pinned identity
//     https://github.com/OWNER/REPO/<workflow>@refs/tags/vX.Y.Z and the
//     GitHub Actions issuer (sign.GitHubReleasePolicy);
//   - every hash is compared with SHA256SUMS and the SBOM;
//   - the image tag REGISTRY/REPO:vX.Y.Z is resolved to its digest, whose
//     signature is verified by digest (oci.Verify) and which must be the
//     digest the SBOM records.
//
// The report lists each artifact and check with its outcome and, for
// failures, the reason and a troubleshooting hint. A valid configuration
// always yields a report; the error is then report.Err() (nil when every
// check passed). An invalid configuration yields (nil, error matching
// ErrConfig).
func Release(ctx context.Context, cfg Config) (*Report, error) {
	start := time.Now()
	cfg.Version = strings.TrimPrefix(cfg.Version, "v")
	if owner, repo, _ := strings.Cut(cfg.Repository, "/"); !ghrelease.ValidRepository(owner, repo) {
		return nil, fmt.Errorf("%w: Repository %q: expected OWNER/REPO", ErrConfig, cfg.Repository)
	}
	if _, err := preflight.ParseTag("v" + cfg.Version); err != nil {
		return nil, fmt.Errorf("%w: Version %q: expected X.Y.Z (release tags are strict vX.Y.Z): %w", ErrConfig, cfg.Version, err)
	}
	if cfg.Project == "" {
		cfg.Project = cfg.Repository[strings.IndexByte(cfg.Repository, '/')+1:]
	}
	if cfg.IndexURL == "" {
		cfg.IndexURL = "https://pypi.org"
	}
	if cfg.Concurrency < 1 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.WorkflowPath == "" {
		cfg.WorkflowPath = sign.DefaultWorkflowPath
	}
	if cfg.Image != "" {
		if strings.ContainsAny(cfg.Image, "@") || strings.LastIndexByte(cfg.Image, ':') > strings.LastIndexByte(cfg.Image, '/') {
			return nil, fmt.Errorf("%w: Image %q: expected REGISTRY/REPO without tag or digest (the tag v%s is implied)", ErrConfig, cfg.Image, cfg.Version)
		}
		if _, err := name.NewRepository(cfg.Image, name.StrictValidation); err != nil {
			return nil, fmt.Errorf("%w: Image %q: %v", ErrConfig, cfg.Image, err)
		}
	}
	tag := "v" + cfg.Version
	policy := sign.GitHubReleasePolicy(cfg.Repository, cfg.WorkflowPath, tag)
	if cfg.Issuer != "" {
		policy.Issuer = cfg.Issuer
	}
	run := &verifyRun{cfg: cfg, policy: policy, log: cfg.Logger}
	if run.log == nil {
		run.log = slog.New(slog.DiscardHandler)
	}
	run.report = &Report{Repository: cfg.Repository, Version: cfg.Version, Tag: tag, Identity: policy.Identity, Issuer: policy.Issuer, Offline: cfg.Dir != ""}
	switch {
	case cfg.Dir != "":
		st, err := os.Stat(cfg.Dir)
		if err != nil || !st.IsDir() {
			return nil, fmt.Errorf("%w: Dir %q is not a directory", ErrConfig, cfg.Dir)
		}
		run.dir, run.keep = cfg.Dir, true
	case cfg.DownloadDir != "":
		if err := os.MkdirAll(cfg.DownloadDir, 0o755); err != nil {
			return nil, fmt.Errorf("%w: DownloadDir: %w", ErrConfig, err)
		}
		run.dir, run.keep = cfg.DownloadDir, true
	default:
		d, err := os.MkdirTemp("", "tagship-verify-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(d)
		run.dir = d
	}
	if cfg.Dir == "" {
		opts := []ghrelease.Option{ghrelease.WithLogger(run.log)}
		if cfg.GitHubAPI != "" {
			opts = append(opts, ghrelease.WithBaseURL(cfg.GitHubAPI, cfg.GitHubAPI))
		}
		if cfg.GitHubToken != "" {
			opts = append(opts, ghrelease.WithToken(cfg.GitHubToken))
		}
		if cfg.HTTPClient != nil {
			opts = append(opts, ghrelease.WithHTTPClient(cfg.HTTPClient))
		}
		if cfg.InsecureHTTPUnsafe {
			opts = append(opts, ghrelease.WithInsecureHTTPUnsafe())
		}
		gh, err := ghrelease.NewDownloader(append(opts, cfg.GitHubOptions...)...)
		if err != nil {
			return nil, fmt.Errorf("%w: GitHub: %w", ErrConfig, err)
		}
		run.gh = gh
		popts := []pypi.Option{pypi.WithLogger(run.log)}
		if cfg.HTTPClient != nil {
			popts = append(popts, pypi.WithHTTPClient(cfg.HTTPClient))
		}
		if cfg.InsecureHTTPUnsafe {
			popts = append(popts, pypi.WithInsecureHTTPUnsafe())
		}
		idx, err := pypi.NewIndex(cfg.IndexURL, append(popts, cfg.PyPIOptions...)...)
		if err != nil {
			return nil, fmt.Errorf("%w: index: %w", ErrConfig, err)
		}
		run.idx = idx
	}

	run.v = cfg.Verifier
	if run.v == nil {
		v, err := sign.NewVerifier(sign.WithVerifierLogger(run.log))
		if err != nil {
			return nil, fmt.Errorf("%w: no Verifier given and the public-good Sigstore trusted root could not be loaded (offline? pass one built with sign.WithVerifierTrustedRootFile): %w", ErrConfig, err)
		}
		run.v = v
	}

	run.log.Info("verifying release", "repository", cfg.Repository, "tag", tag, "identity", policy.Identity, "issuer", policy.Issuer)
	if cfg.Dir == "" {
		run.online(ctx)
	} else {
		run.offline(ctx)
	}
	run.fileProvenance(ctx)
	if cfg.Image != "" {
		run.image(ctx)
	}
	run.report.Duration = time.Since(start)
	if err := ctx.Err(); err != nil {
		return run.report, errors.Join(run.report.Err(), err)
	}
	return run.report, run.report.Err()
}

// online fetches the GitHub release records, then the index files.
func (r *verifyRun) online(ctx context.Context) {
	owner, repo, _ := strings.Cut(r.cfg.Repository, "/")
	relArt := Artifact{Name: r.cfg.Repository + "@" + r.report.Tag, Kind: KindRelease, Source: "GitHub release"}
	rel, err := r.gh.ReleaseByTag(ctx, owner, repo, r.report.Tag)
	if err != nil {
		reason, hint := ErrUnavailable, "check the GitHub API URL, the network, and (for private repositories) the token"
		if errors.Is(err, ghrelease.ErrNoRelease) {
			reason, hint = ErrMissing, "the release is not published yet (or still a draft), or the repository/version is wrong"
		}
		relArt.Checks = append(relArt.Checks, r.fail(relArt.Name, CheckPublished, reason, "published release for "+r.report.Tag, "", hint, err))
		r.report.Artifacts = append(r.report.Artifacts, relArt)
	} else {
		r.release = rel
		relArt.Source = verifyOr(rel.HTMLURL, relArt.Source)
		relArt.Checks = append(relArt.Checks, Check{Name: CheckPublished, Status: Passed,
			Detail: fmt.Sprintf("published %s with %d assets", rel.PublishedAt.UTC().Format(time.RFC3339), len(rel.Assets))})
		r.report.Artifacts = append(r.report.Artifacts, relArt)
	}
	r.loadRecords(ctx)

	// The distributions from the index.
	idx := r.idx
	files, err := idx.VersionFiles(ctx, r.cfg.Project, r.cfg.Version)
	if err != nil {
		a := Artifact{Name: pypi.NormalizeName(r.cfg.Project) + "==" + r.cfg.Version, Kind: KindIndex, Source: idx.URL()}
		reason, hint := ErrUnavailable, "check the index URL and the network"
		if errors.Is(err, pypi.ErrNotOnIndex) {
			reason, hint = ErrMissing, "the version is not on the index (not uploaded yet, or the project name differs from the repository name: set Project)"
		}
		a.Checks = append(a.Checks, r.fail(a.Name, CheckFetch, reason, "wheel and sdist of "+r.cfg.Version, "", hint, err))
		r.report.Artifacts = append(r.report.Artifacts, a)
	}
	onIndex := map[string]bool{}
	arts := make([]Artifact, len(files))
	r.each(ctx, len(files), func(ctx context.Context, i int) {
		f := files[i]
		a := Artifact{Name: f.Filename, Kind: verifyKind(f.Filetype), Source: f.URL}
		defer func() { arts[i] = a }()
		path := filepath.Join(r.dir, f.Filename)
		var sum string
		res, err := idx.Download(ctx, f, path)
		switch {
		case err == nil:
			sum = res.SHA256
			a.Checks = append(a.Checks, Check{Name: CheckFetch, Status: Passed,
				Detail: fmt.Sprintf("downloaded %d bytes; sha256 %s as the index lists", res.Size, verifyShort(sum))})
		case errors.Is(err, pypi.ErrHashMismatch):
			var hm *pypi.HashMismatchError
			errors.As(err, &hm)
			a.Checks = append(a.Checks, r.fail(a.Name, CheckFetch, ErrFileReplaced, "sha256 "+hm.Expected+" (index)", "sha256 "+hm.Found,
				"the index served other bytes than the hash it lists: the file was replaced or corrupted in transit or on a mirror; do not install it", err))
		default:
			a.Checks = append(a.Checks, r.fail(a.Name, CheckFetch, ErrUnavailable, "", "", "check the index and the network", err))
		}
		if sum != "" {
			a.SHA256 = sum
			if r.keep {
				a.Path = path
			}
			bundlePath, berr := r.fetchAsset(ctx, f.Filename+".sigstore.json")
			r.fileChecks(ctx, &a, sum, bundlePath, berr)
			if c, ok := r.releaseCopyCheck(ctx, f.Filename, sum); ok {
				a.Checks = append(a.Checks, c)
			}
		}
	})
	for _, f := range files {
		onIndex[f.Filename] = true
	}
	r.addStarted(arts)
	// Release distributions the index does not have.
	if len(files) > 0 {
		for _, n := range verifySortedKeys(r.sums) {
			if _, ft := verifyDistVersion(r.cfg.Project, n, r.cfg.Version); ft != "" && !onIndex[n] {
				a := Artifact{Name: n, Kind: verifyKind(ft), Source: "SHA256SUMS"}
				a.Checks = append(a.Checks, r.fail(n, CheckFetch, ErrMissing, "on the index (listed in SHA256SUMS)", "not on "+idx.URL(),
					"the release lists this distribution but the index does not serve it: the upload failed or the file was deleted", nil))
				r.report.Artifacts = append(r.report.Artifacts, a)
			}
		}
	}
}

// each runs fn for n distributions, Config.Concurrency at a time. Each
// call records its outcome in its own artifact (a failed check is a
// result, not an error), so every file is verified whatever the others
// find.
func (r *verifyRun) each(ctx context.Context, n int, fn func(ctx context.Context, i int)) {
	_ = batch.Each(ctx, n, r.cfg.Concurrency, batch.Independent, func(ctx context.Context, i int) error {
		fn(ctx, i)
		return nil
	})
}

// addStarted adds the artifacts of the files whose verification started
// (all of them unless ctx ended first), in their order.
func (r *verifyRun) addStarted(arts []Artifact) {
	for _, a := range arts {
		if a.Name != "" {
			r.report.Artifacts = append(r.report.Artifacts, a)
		}
	}
}

// offline verifies the files in cfg.Dir.
func (r *verifyRun) offline(ctx context.Context) {
	r.loadRecords(ctx)
	ents, err := os.ReadDir(r.dir)
	if err != nil {
		a := Artifact{Name: r.dir, Kind: KindIndex, Source: r.dir}
		a.Checks = append(a.Checks, r.fail(a.Name, CheckFetch, ErrUnavailable, "", "", "", err))
		r.report.Artifacts = append(r.report.Artifacts, a)
		return
	}
	type dist struct{ name, filetype string }
	var dists []dist
	for _, e := range ents {
		_, ft := verifyDistVersion(r.cfg.Project, e.Name(), r.cfg.Version)
		if ft == "" || !e.Type().IsRegular() {
			continue
		}
		dists = append(dists, dist{e.Name(), ft})
	}
	n := len(dists)
	arts := make([]Artifact, n)
	r.each(ctx, n, func(ctx context.Context, i int) {
		path := filepath.Join(r.dir, dists[i].name)
		a := Artifact{Name: dists[i].name, Kind: verifyKind(dists[i].filetype), Source: r.dir, Path: path}
		defer func() { arts[i] = a }()
		d, size, err := sign.SHA256File(ctx, path)
		if err != nil {
			a.Checks = append(a.Checks, r.fail(a.Name, CheckFetch, ErrUnavailable, "", "", "", err))
			return
		}
		a.SHA256 = hex.EncodeToString(d)
		a.Checks = append(a.Checks, Check{Name: CheckFetch, Status: Passed, Detail: fmt.Sprintf("read %d bytes from %s", size, r.dir)})
		bp := path + ".sigstore.json"
		var berr error
		if _, err := os.Stat(bp); err != nil {
			bp, berr = "", fmt.Errorf("%w: %s not in %s", ErrMissing, filepath.Base(bp), r.dir)
		}
		r.fileChecks(ctx, &a, a.SHA256, bp, berr)
	})
	r.addStarted(arts)
	if n == 0 {
		a := Artifact{Name: pypi.NormalizeName(r.cfg.Project) + "==" + r.cfg.Version, Kind: KindIndex, Source: r.dir}
		a.Checks = append(a.Checks, r.fail(a.Name, CheckFetch, ErrMissing, "a wheel or sdist of "+r.cfg.Version, "none in "+r.dir,
			"download them first (pip download --no-deps, gh release download), or set Project when the PyPI name differs from the repository name", nil))
		r.report.Artifacts = append(r.report.Artifacts, a)
	}
}

// loadRecords fetches (or reads) SHA256SUMS and the SBOM and reports them.
func (r *verifyRun) loadRecords(ctx context.Context) {
	// SHA256SUMS.
	sa := Artifact{Name: ghrelease.ChecksumsAssetName, Kind: KindChecksums, Source: r.source()}
	path, err := r.fetchAsset(ctx, ghrelease.ChecksumsAssetName)
	if err != nil {
		sa.Checks = append(sa.Checks, r.fail(sa.Name, CheckFetch, verifyReasonOf(err), "the release's SHA256SUMS", "", "every release publishes SHA256SUMS listing its files; without it no hash can be compared", err))
	} else if sums, sum, err := verifyReadSums(path); err != nil {
		sa.SHA256 = sum
		sa.Checks = append(sa.Checks, r.fail(sa.Name, CheckParse, ErrFileReplaced, "sha256sum format", "", "the asset is not a checksums file", err))
	} else {
		sa.SHA256 = sum
		if r.keep {
			sa.Path = path
		}
		sa.Checks = append(sa.Checks, Check{Name: CheckFetch, Status: Passed, Detail: fmt.Sprintf("%d entries", len(sums))})
		// Its entries are used only when its signature holds: an
		// unsigned or re-signed SHA256SUMS could list anything.
		sig := r.recordSignatureCheck(ctx, sa.Name, sum)
		sa.Checks = append(sa.Checks, sig)
		if sig.Status != Failed {
			r.sums, r.sumsOK = sums, true
		}
	}
	r.report.Artifacts = append(r.report.Artifacts, sa)

	// The SBOM.
	sbomName := r.sbomName()
	ba := Artifact{Name: verifyOr(sbomName, ghrelease.SBOMAssetName(r.cfg.Project, r.cfg.Version)), Kind: KindSBOM, Source: r.source()}
	if sbomName == "" {
		ba.Checks = append(ba.Checks, r.fail(ba.Name, CheckFetch, ErrMissing, "a CycloneDX SBOM (*.cdx.json) on the release", "none",
			"the release ships no SBOM, so image digest and file hashes cannot be cross-checked against it", nil))
		r.report.Artifacts = append(r.report.Artifacts, ba)
		return
	}
	path, err = r.fetchAsset(ctx, sbomName)
	if err != nil {
		ba.Checks = append(ba.Checks, r.fail(ba.Name, CheckFetch, verifyReasonOf(err), "", "", "", err))
		r.report.Artifacts = append(r.report.Artifacts, ba)
		return
	}
	d, _, err := sign.SHA256File(ctx, path)
	if err != nil {
		ba.Checks = append(ba.Checks, r.fail(ba.Name, CheckFetch, ErrUnavailable, "", "", "", err))
		r.report.Artifacts = append(r.report.Artifacts, ba)
		return
	}
	ba.SHA256 = hex.EncodeToString(d)
	if r.keep {
		ba.Path = path
	}
	data, err := verifyReadSmall(path, 64<<20)
	var sb *ghrelease.ReleaseSBOM
	if err == nil {
		sb, err = ghrelease.ParseSBOM(data)
	}
	if err != nil {
		ba.Checks = append(ba.Checks, r.fail(ba.Name, CheckParse, ErrFileReplaced, "a CycloneDX JSON document", "", "the SBOM asset is not valid CycloneDX JSON", err))
	} else {
		r.sbom = sb
		ba.Checks = append(ba.Checks, Check{Name: CheckFetch, Status: Passed, Detail: fmt.Sprintf("CycloneDX %s, %d components", sb.SpecVersion, len(sb.Components()))})
	}
	ba.Checks = append(ba.Checks, r.sumsCheck(ba.Name, ba.SHA256))
	ba.Checks = append(ba.Checks, r.recordSignatureCheck(ctx, ba.Name, ba.SHA256))
	r.report.Artifacts = append(r.report.Artifacts, ba)
}

// recordSignatureCheck verifies the "<name>.sigstore.json" bundle of a
// record the release writes itself (SHA256SUMS, the SBOM) against the
// release identity. A missing bundle fails, unless UnsignedRecordsUnsafe.
func (r *verifyRun) recordSignatureCheck(ctx context.Context, name, sum string) Check {
	bp, err := r.fetchAsset(ctx, name+".sigstore.json")
	if err == nil {
		return r.signatureCheck(ctx, name, sum, bp)
	}
	if errors.Is(err, ErrMissing) && r.cfg.UnsignedRecordsUnsafe {
		return Check{Name: CheckSignature, Status: Skipped, Detail: name + " has no .sigstore.json bundle; trusted through the release page only (UnsignedRecordsUnsafe)"}
	}
	return r.fail(name, CheckSignature, verifyReasonOf(err), name+".sigstore.json signed by the release identity", "none",
		"every release signs "+name+" like its files; an unsigned one can be rewritten by anyone who can edit the release (set UnsignedRecordsUnsafe only for releases made before records were signed)", err)
}

func (r *verifyRun) source() string {
	if r.cfg.Dir != "" {
		return r.cfg.Dir
	}
	return "GitHub release " + r.report.Tag
}

// sbomName picks the SBOM asset: <project>-<version>.cdx.json, else any
// *.cdx.json / *.bom.json.
func (r *verifyRun) sbomName() string {
	var names []string
	if r.cfg.Dir != "" {
		ents, _ := os.ReadDir(r.dir)
		for _, e := range ents {
			names = append(names, e.Name())
		}
	} else if r.release != nil {
		for _, a := range r.release.Assets {
			names = append(names, a.Name)
		}
	}
	want := ghrelease.SBOMAssetName(r.cfg.Project, r.cfg.Version)
	var other string
	for _, n := range names {
		if n == want {
			return n
		}
		if other == "" && (strings.HasSuffix(n, ".cdx.json") || strings.HasSuffix(n, ".bom.json")) {
			other = n
		}
	}
	return other
}

// fetchAsset returns the local path of a release asset: downloaded into
// r.dir, or found in Dir.
func (r *verifyRun) fetchAsset(ctx context.Context, assetName string) (string, error) {
	path := filepath.Join(r.dir, assetName)
	if r.cfg.Dir != "" {
		if _, err := os.Stat(path); err != nil {
			return "", fmt.Errorf("%w: %s not in %s", ErrMissing, assetName, r.dir)
		}
		return path, nil
	}
	if r.release == nil {
		return "", fmt.Errorf("%w: %s: no published release to read it from", ErrMissing, assetName)
	}
	a, ok := r.release.Asset(assetName)
	if !ok {
		return "", fmt.Errorf("%w: the release has no asset %s", ErrMissing, assetName)
	}
	if _, err := r.gh.DownloadAsset(ctx, r.release, a, path); err != nil {
		return "", fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return path, nil
}

// fileChecks adds the signature, SHA256SUMS, SBOM and bundle checks of a
// distribution whose sha256 is sum.
func (r *verifyRun) fileChecks(ctx context.Context, a *Artifact, sum, bundlePath string, bundleErr error) {
	if bundleErr != nil {
		a.Checks = append(a.Checks, r.fail(a.Name, CheckSignature, verifyReasonOf(bundleErr), a.Name+".sigstore.json", "", "the release must carry a Sigstore bundle for every file", bundleErr))
	} else {
		a.Checks = append(a.Checks, r.signatureCheck(ctx, a.Name, sum, bundlePath))
	}
	a.Checks = append(a.Checks, r.sumsCheck(a.Name, sum))
	a.Checks = append(a.Checks, r.sbomFileCheck(a.Name, sum))
	if bundleErr == nil {
		a.Checks = append(a.Checks, r.bundleSumsCheck(ctx, a.Name, bundlePath))
	}
}

// bundleSumsCheck compares the bundle asset with its SHA256SUMS entry, if
// any: a bundle need not be listed (its signature is verified anyway), but
// a listed one must match.
func (r *verifyRun) bundleSumsCheck(ctx context.Context, artifact, bundlePath string) Check {
	bn := filepath.Base(bundlePath)
	want, ok := r.sums[bn]
	if !r.sumsOK || !ok {
		return Check{Name: CheckBundle, Status: Skipped, Detail: bn + " not listed in SHA256SUMS"}
	}
	d, _, err := sign.SHA256File(ctx, bundlePath)
	if err != nil {
		return r.fail(artifact, CheckBundle, ErrUnavailable, "", "", "", err)
	}
	if got := hex.EncodeToString(d); got != want {
		return r.fail(artifact, CheckBundle, ErrFileReplaced, bn+" sha256 "+want, "sha256 "+got,
			"the bundle differs from the one the release recorded in SHA256SUMS: it was replaced after publication", nil)
	}
	return Check{Name: CheckBundle, Status: Passed, Detail: bn + " listed in SHA256SUMS with sha256 " + verifyShort(want)}
}

// signatureCheck verifies the bundle at bundlePath for the artifact whose
// sha256 is sum against the pinned policy.
func (r *verifyRun) signatureCheck(ctx context.Context, artifact, sum, bundlePath string) Check {
	b, err := sign.LoadBundle(bundlePath)
	if err != nil {
		return r.fail(artifact, CheckSignature, ErrSignature, "a Sigstore bundle", filepath.Base(bundlePath), "the .sigstore.json asset is not a valid bundle (truncated download, or another file uploaded under its name)", err)
	}
	digest, _ := hex.DecodeString(sum)
	res, err := r.v.VerifyDigest(ctx, b, digest, r.policy)
	if err == nil {
		return Check{Name: CheckSignature, Status: Passed, Detail: verifySignedDetail(res)}
	}
	x := verifyExplain(err, r.policy)
	reason, exp, found, hint := x.condition, x.expected, x.found, x.hint
	if errors.Is(err, sign.ErrDigestMismatch) {
		x = r.explainDigest(artifact, sum, b)
		reason, exp, found, hint = x.condition, x.expected, x.found, x.hint
	}
	return r.fail(artifact, CheckSignature, reason, exp, found, hint, err)
}

// explainDigest says which file a bundle signs when it is not artifact.
func (r *verifyRun) explainDigest(artifact, sum string, b *bundle.Bundle) explanation {
	var exp, found string
	signed := ""
	if ms := b.GetMessageSignature(); ms != nil && ms.GetMessageDigest() != nil {
		signed = hex.EncodeToString(ms.GetMessageDigest().GetDigest())
	}
	exp = "a signature over sha256 " + sum
	found = "the bundle signs sha256 " + verifyOr(signed, "(another artifact)")
	recorded, listed := r.sums[artifact]
	switch {
	case listed && recorded != sum && signed == recorded:
		return explanation{ErrFileReplaced, exp, found, fmt.Sprintf("the bundle and SHA256SUMS both record sha256 %s for %s, but the file obtained hashes to %s: the file was replaced after the release (e.g. on the index or a mirror); do not use it", recorded, artifact, sum)}
	case signed != "":
		for n, h := range r.sums {
			if h == signed && n != artifact {
				return explanation{ErrBundleMismatch, exp, found, fmt.Sprintf("%s.sigstore.json is the bundle of %s (SHA256SUMS lists that hash for it): the bundle for another file was attached under this name", artifact, n)}
			}
		}
	}
	return explanation{ErrBundleMismatch, exp, found, "the bundle signs another artifact than this file: the bundle for another file was attached, or the file is not the released one"}
}

func (r *verifyRun) sumsCheck(artifact, sum string) Check {
	if !r.sumsOK {
		return Check{Name: CheckSums, Status: Skipped, Detail: "no usable SHA256SUMS"}
	}
	want, ok := r.sums[artifact]
	switch {
	case !ok:
		return r.fail(artifact, CheckSums, ErrMissing, "an entry for "+artifact, "none", "SHA256SUMS does not list this file: it is not part of the release as published", nil)
	case want != sum:
		return r.fail(artifact, CheckSums, ErrFileReplaced, "sha256 "+want, "sha256 "+sum,
			"the file differs from the one the release recorded in SHA256SUMS: it was replaced (on the index or the release) after publication; do not use it", nil)
	}
	return Check{Name: CheckSums, Status: Passed, Detail: "listed with sha256 " + verifyShort(sum)}
}

func (r *verifyRun) sbomFileCheck(artifact, sum string) Check {
	if r.sbom == nil {
		return Check{Name: CheckSBOM, Status: Skipped, Detail: "no usable SBOM"}
	}
	got, ok := r.sbom.FileSHA256(artifact)
	if !ok {
		return r.fail(artifact, CheckSBOM, ErrMissing, "a file component "+artifact, "none", "the SBOM does not describe this file", nil)
	}
	if got != sum {
		return r.fail(artifact, CheckSBOM, ErrFileReplaced, "sha256 "+verifyOr(got, "(no SHA-256 in the SBOM)"), "sha256 "+sum,
			"the file differs from the one the SBOM describes: it was replaced after the release, or the SBOM belongs to another build", nil)
	}
	return Check{Name: CheckSBOM, Status: Passed, Detail: "component hash matches"}
}

// image resolves the tag, verifies the signature of the digest it points
// to, and compares the digest with the SBOM's.
func (r *verifyRun) image(ctx context.Context) {
	ref := r.cfg.Image + ":" + r.report.Tag
	a := Artifact{Name: ref, Kind: KindImage, Source: r.cfg.Image}
	defer func() { r.report.Artifacts = append(r.report.Artifacts, a) }()

	var released string // the digest the SBOM records, "sha256:…"
	if r.sbom != nil {
		released, _ = r.sbom.ImageDigest(r.cfg.Image)
	}
	tr, kc := r.registryAccess()
	opts := []oci.Option{oci.WithLogger(r.log)}
	if r.cfg.Keychain != nil {
		opts = append(opts, oci.WithKeychain(kc))
	}
	if r.cfg.HTTPClient != nil && r.cfg.HTTPClient.Transport != nil {
		opts = append(opts, oci.WithTransport(r.cfg.HTTPClient.Transport))
	}
	if r.cfg.InsecureHTTPUnsafe {
		opts = append(opts, oci.WithInsecureHTTPUnsafe())
	}
	opts = append(opts, r.cfg.OCIOptions...)

	digest, err := r.resolve(ctx, ref, tr, kc)
	if err != nil {
		reason, hint := ErrUnavailable, "check the registry address, the network and credentials"
		var te *transport.Error
		if errors.As(err, &te) && (te.StatusCode == http.StatusNotFound) {
			reason, hint = ErrMissing, "the tag does not exist: the image was not pushed, or the image repository is wrong"
		}
		a.Checks = append(a.Checks, r.fail(ref, CheckResolve, reason, "", "", hint, err))
		return
	}
	a.SHA256 = strings.TrimPrefix(digest.String(), "sha256:")
	a.Checks = append(a.Checks, Check{Name: CheckResolve, Status: Passed, Detail: "tag points to " + digest.String()})
	moved := released != "" && released != digest.String()

	res, err := oci.Verify(ctx, r.cfg.Image+"@"+digest.String(), r.policy, r.v, opts...)
	if err == nil {
		a.Checks = append(a.Checks, Check{Name: CheckSignature, Status: Passed, Detail: verifyImageDetail(res)})
	} else {
		x := verifyExplain(err, r.policy)
		reason, exp, found, hint := x.condition, x.expected, x.found, x.hint
		if errors.Is(err, oci.ErrNoSignature) {
			reason, exp, found, hint = ErrSignature, "a signature by "+r.policy.Identity, "no signature for "+digest.String(), "the image the tag points to was never signed"
		} else if errors.Is(err, oci.ErrDigestMismatch) {
			reason, hint = ErrBundleMismatch, "the signatures attached to this digest were made for another digest (copied from another image)"
		}
		if moved {
			reason = ErrTagMoved
			exp, found = "tag → "+released+" (signed, recorded in the SBOM)", "tag → "+digest.String()
			hint = fmt.Sprintf("the tag %s was re-pointed after the release: it now points to %s, which is not what the release signed. The released image is %s@%s; pull it by digest", r.report.Tag, digest, r.cfg.Image, released)
		}
		a.Checks = append(a.Checks, r.fail(ref, CheckSignature, reason, exp, found, hint, err))
	}

	// The attestations of the released image: the digest the SBOM
	// records when the tag was re-pointed (reported above), else the tag's.
	attested := digest
	if moved {
		if h, err := v1.NewHash(released); err == nil {
			attested = h
		}
	}
	r.imageAttestations(ctx, &a, ref, r.cfg.Image+"@"+attested.String(), attested.Hex, opts)

	switch {
	case r.sbom == nil:
		a.Checks = append(a.Checks, Check{Name: CheckSBOM, Status: Skipped, Detail: "no usable SBOM"})
	case released == "":
		a.Checks = append(a.Checks, r.fail(ref, CheckSBOM, ErrMissing, "a container component for "+r.cfg.Image+" with its digest", "none",
			"the SBOM does not record the image digest, so a re-pointed tag cannot be detected by it", nil))
	case moved:
		a.Checks = append(a.Checks, r.fail(ref, CheckSBOM, ErrTagMoved, released, digest.String(),
			fmt.Sprintf("the tag %s now points to another digest than the release recorded: it was re-pointed; use %s@%s", r.report.Tag, r.cfg.Image, released), nil))
		// Is what the release recorded still signed?
		if _, err := oci.Verify(ctx, r.cfg.Image+"@"+released, r.policy, r.v, opts...); err != nil {
			x := verifyExplain(err, r.policy)
			reason, exp, found, hint := x.condition, x.expected, x.found, x.hint
			a.Checks = append(a.Checks, r.fail(ref, CheckReleased, reason, exp, found, hint, err))
		} else {
			a.Checks = append(a.Checks, Check{Name: CheckReleased, Status: Passed, Detail: released + " (from the SBOM) is signed by the pinned identity"})
		}
	default:
		a.Checks = append(a.Checks, Check{Name: CheckSBOM, Status: Passed, Detail: "digest matches the SBOM's container component"})
	}
}

// registryAccess returns the transport (refusing plain http to
// non-loopback registries unless InsecureHTTPUnsafe) and keychain for the
// registry.
func (r *verifyRun) registryAccess() (http.RoundTripper, authn.Keychain) {
	var base http.RoundTripper = remote.DefaultTransport
	if r.cfg.HTTPClient != nil && r.cfg.HTTPClient.Transport != nil {
		base = r.cfg.HTTPClient.Transport
	}
	kc := r.cfg.Keychain
	if kc == nil {
		kc = authn.NewMultiKeychain(authn.DefaultKeychain, oci.GitHubKeychain(os.Getenv))
	}
	return &verifyHTTPGuard{base: base, insecure: r.cfg.InsecureHTTPUnsafe}, kc
}

func (r *verifyRun) resolve(ctx context.Context, ref string, tr http.RoundTripper, kc authn.Keychain) (v1.Hash, error) {
	opts := []name.Option{name.StrictValidation}
	if r.cfg.InsecureHTTPUnsafe || verifyLoopbackRegistry(ref) {
		opts = append(opts, name.Insecure)
	}
	tagRef, err := name.ParseReference(ref, opts...)
	if err != nil {
		return v1.Hash{}, err
	}
	desc, err := remote.Head(tagRef, remote.WithContext(ctx), remote.WithTransport(tr), remote.WithAuthFromKeychain(kc))
	if err != nil {
		return v1.Hash{}, err
	}
	return desc.Digest, nil
}

func verifyLoopbackRegistry(ref string) bool {
	host := ref
	if i := strings.IndexByte(ref, '/'); i >= 0 {
		host = ref[:i]
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// verifyHTTPGuard refuses plain http to hosts that are not loopback.
type verifyHTTPGuard struct {
	base     http.RoundTripper
	insecure bool
}

func (g *verifyHTTPGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme == "http" && !g.insecure && !verifyLoopbackRegistry(req.URL.Host) {
		return nil, fmt.Errorf("%w: refusing plain http to %s (set InsecureHTTPUnsafe to allow)", ErrConfig, req.URL.Host)
	}
	return g.base.RoundTrip(req)
}

func (r *verifyRun) fail(artifact, check string, reason error, expected, found, hint string, err error) Check {
	ve := &Error{Artifact: artifact, Check: check, Condition: reason, Expected: expected, Found: found, Hint: hint, Err: err}
	detail := strings.TrimPrefix(reason.Error(), "verify: ")
	if found != "" {
		detail += "; found " + found
	} else if err != nil {
		detail += ": " + err.Error()
	}
	r.log.Warn("check failed", "artifact", artifact, "check", check, "reason", reason.Error())
	return Check{Name: check, Status: Failed, Detail: detail, Err: ve}
}

// explanation is why a check failed, in the module's error vocabulary:
// the condition (a sentinel), what was expected, what was found, and a
// hint to fix or understand it.
type explanation struct {
	condition       error
	expected, found string
	hint            string
}

// verifyExplain maps a sign/oci verification error to a condition, the
// expected and found values, and a troubleshooting hint.
func verifyExplain(err error, p sign.Policy) explanation {
	var expected, found string
	var ve *sign.VerificationError
	if errors.As(err, &ve) {
		expected, found = ve.Expected, ve.Found
	}
	switch {
	case errors.Is(err, sign.ErrIdentityMismatch):
		if expected == "" {
			expected = p.Identity
		}
		return explanation{ErrIdentity, expected, found, verifyIdentityHint(p.Identity, found)}
	case errors.Is(err, sign.ErrIssuerMismatch):
		if expected == "" {
			expected = p.Issuer
		}
		return explanation{ErrIdentity, expected, found, "the certificate was issued for a token of another OIDC issuer: release signatures come from GitHub Actions (" + sign.GitHubActionsIssuer + "); anything else was signed outside the release workflow"}
	case errors.Is(err, sign.ErrClaimMismatch):
		return explanation{ErrIdentity, expected, found, "a GitHub claim of the certificate (repository, ref, event) is not the release's: the signature was made by another run than the tag-triggered release"}
	case errors.Is(err, sign.ErrDigestMismatch):
		return explanation{ErrBundleMismatch, expected, found, "the bundle signs another artifact: the bundle of another file was attached, or the file was replaced"}
	case errors.Is(err, sign.ErrNotInLog):
		return explanation{ErrNotInLog, expected, found, "no transparency-log entry the trusted root accepts: if the release is minutes old, wait and retry; otherwise the signature was never logged, or logged in a log the trusted root does not list (check the trusted root)"}
	case errors.Is(err, sign.ErrUntrustedCertificate):
		return explanation{ErrSignature, expected, found, "the certificate does not chain to a trusted Fulcio CA: the signature was made against another Sigstore instance than the trusted root describes (check the trusted root)"}
	case errors.Is(err, sign.ErrCertificateExpired), errors.Is(err, sign.ErrTimestamp):
		return explanation{ErrSignature, expected, found, "no trusted signing time inside the certificate's validity: the bundle lacks a log entry or timestamp the trusted root accepts"}
	case errors.Is(err, sign.ErrInvalidBundle), errors.Is(err, sign.ErrSignatureInvalid):
		return explanation{ErrSignature, expected, found, "the bundle is malformed or its signature does not verify: it was altered"}
	}
	return explanation{ErrSignature, expected, found, ""}
}

// verifyIdentityHint explains an identity mismatch from the SAN found.
func verifyIdentityHint(want, found string) string {
	wantBase, _, _ := strings.Cut(want, "@")
	foundBase, foundRef, _ := strings.Cut(found, "@")
	switch {
	case found == "":
		return "the certificate's identity differs from the release workflow's"
	case foundBase == wantBase && strings.HasPrefix(foundRef, "refs/heads/"):
		return fmt.Sprintf("signed by the release workflow running on the branch %s (a workflow_dispatch or branch run), not on the tag: its identity is branch-based, so it is not a release signature. Releases must be built by the tag push; ask the maintainers to re-run the release from the tag", strings.TrimPrefix(foundRef, "refs/heads/"))
	case foundBase == wantBase && strings.HasPrefix(foundRef, "refs/tags/"):
		return fmt.Sprintf("signed by the release workflow for another tag (%s): the file belongs to another release, or the version is wrong", strings.TrimPrefix(foundRef, "refs/tags/"))
	case foundBase == wantBase:
		return "signed by the release workflow running for ref " + foundRef + ", not for the release tag"
	}
	return "signed by another workflow or repository (" + foundBase + "): not by this project's release workflow; a fork or an impostor may have produced it"
}

func verifySignedDetail(v *sign.Verification) string {
	s := "signed by the pinned identity"
	if !v.SignedAt.IsZero() {
		s += " at " + v.SignedAt.UTC().Format(time.RFC3339)
	}
	if len(v.LogIndexes) > 0 {
		s += fmt.Sprintf(", log index %v", v.LogIndexes)
	}
	return s
}

func verifyImageDetail(res *oci.VerifyResult) string {
	if len(res.Signatures) == 0 {
		return "signed"
	}
	var forms []string
	for _, s := range res.Signatures {
		switch s.Format {
		case oci.FormatLegacy:
			forms = append(forms, "cosign .sig")
		case oci.FormatBundle:
			forms = append(forms, "bundle referrer")
		}
	}
	return fmt.Sprintf("%s by digest (%s)", verifySignedDetail(res.Signatures[0].Verification), strings.Join(forms, ", "))
}

func verifyReasonOf(err error) error {
	for _, r := range []error{ErrMissing, ErrUnavailable} {
		if errors.Is(err, r) {
			return r
		}
	}
	return ErrUnavailable
}

func verifyKind(filetype string) string {
	if filetype == "bdist_wheel" {
		return KindWheel
	}
	return KindSdist
}

// verifyDistVersion reports whether filename is a wheel or sdist of
// project at version, and which ("bdist_wheel", "sdist" or "").
func verifyDistVersion(project, filename, version string) (string, string) {
	want, err := pypi.NormalizeVersion(version)
	if err != nil || !(strings.HasSuffix(filename, ".whl") || strings.HasSuffix(filename, ".tar.gz")) {
		return "", ""
	}
	v, ft := pep.DistFileVersion(pypi.NormalizeName(project), filename)
	if nv, err := pypi.NormalizeVersion(v); ft == "" || err != nil || nv != want {
		return "", ""
	}
	return v, ft
}

func verifyReadSums(path string) (map[string]string, string, error) {
	data, err := verifyReadSmall(path, 4<<20)
	if err != nil {
		return nil, "", err
	}
	sum, _, err := sign.SHA256File(context.Background(), path)
	if err != nil {
		return nil, "", err
	}
	sums, err := ghrelease.ParseChecksums(data)
	return sums, hex.EncodeToString(sum), err
}

func verifyReadSmall(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, limit)
	}
	return data, nil
}

func verifySortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func verifyOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func verifyShort(hexDigest string) string {
	if len(hexDigest) > 16 {
		return hexDigest[:16] + "…"
	}
	return hexDigest
}

func verifyOneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		s = string(r[:max-1]) + "…" // whole characters: never half of one
	}
	return s
}
