package release_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/tagship/tagship/ghrelease"
	"github.com/tagship/tagship/ghrelease/ghreleasetest"
	"github.com/tagship/tagship/oci"
	"github.com/tagship/tagship/oci/ocitest"
	"github.com/tagship/tagship/provenance"
	"github.com/tagship/tagship/pypi"
	"github.com/tagship/tagship/pypi/pypitest"
	"github.com/tagship/tagship/release"
	"github.com/tagship/tagship/release/releasetest"
	"github.com/tagship/tagship/sign"
	"github.com/tagship/tagship/sign/signtest"
)

var updateFaults = flag.Bool("update-faults", false, "write the fault matrix to testdata/faults/matrix.md")

// Client timeouts of the fault matrix: short, so that a stall past them is
// cheap. The signer's timeout bounds a whole service call including its
// retries, so it must leave room for one Retry-After of a second.
const (
	faultClientTimeout = 1500 * time.Millisecond
	faultSignTimeout   = 3 * time.Second
	faultStall         = faultSignTimeout + time.Second // past every client timeout
)

// faultKind is one column of the matrix.
type faultKind struct {
	name  string
	key   string
	cause *regexp.Regexp // what the error of a failed run must say
	// persistent faults last the whole first run (an outage); the others
	// hit one request.
	persistent bool
	// lossy faults may lose the answer to a request the server carried
	// out: one repeated request is then expected, not a duplicate.
	lossy bool
}

var faultKinds = []faultKind{
	{name: "HTTP 500", key: "500", cause: regexp.MustCompile(`\b500\b|Internal Server Error`)},
	{name: "HTTP 502", key: "502", cause: regexp.MustCompile(`\b502\b|Bad Gateway`)},
	{name: "HTTP 503", key: "503", cause: regexp.MustCompile(`\b503\b|Service Unavailable`)},
	{name: "429 + Retry-After", key: "429", cause: regexp.MustCompile(`\b429\b|Too Many Requests|rate limit`)},
	{name: "reset mid-body", key: "reset", lossy: true, cause: regexp.MustCompile(`(?i)reset|EOF|broken pipe|connection`)},
	{name: "stall > timeout", key: "stall", lossy: true, cause: regexp.MustCompile(`(?i)timeout|deadline|timed out`)},
	{name: "truncated answer", key: "truncate", lossy: true, cause: regexp.MustCompile(`(?i)EOF|unexpected|truncat|invalid|unmarshal|JSON|short`)},
	{name: "503 outage (whole run)", key: "outage", persistent: true, cause: regexp.MustCompile(`\b503\b|Service Unavailable`)},
}

// faultCase is the world of one cell: the doubles, the registry with fault
// hooks, and counters of the requests the faulted step received.
type faultCase struct {
	env *releasetest.Env
	reg *ocitest.Registry
	dir string

	mu       sync.Mutex
	hits     int      // requests of the faulted step during the first run
	methods  []string // their methods
	counting bool     // count only during the first run
	badPub   []string // publish requests seen while assets were missing
}

func (fc *faultCase) hit(method string) {
	fc.mu.Lock()
	if fc.counting {
		fc.hits++
		fc.methods = append(fc.methods, method)
	}
	fc.mu.Unlock()
}

// faultStep is one row of the matrix: a remote step of the release.
type faultStep struct {
	name string
	jobs []string // the jobs that may fail because of it
	// inject arms fault k at the step (times requests, -1: always) and
	// returns "" or why it cannot.
	inject func(fc *faultCase, k faultKind, times int) string
	// counted says which duplicate counter this step's lossy faults may
	// raise: "pypi", "github", "registry" or "".
	counted string
	// noBody, when set, says why the step's answers have no body, so a
	// truncated answer cannot be produced there.
	noBody string
}

// faultOf is fault kind k as the one Fault type every double takes
// (internal/httpfault, aliased as signtest.Fault, ocitest.Fault, …),
// disturbing times requests.
func faultOf(k faultKind, times int) signtest.Fault {
	f := signtest.Fault{Times: times}
	switch k.key {
	case "500", "502", "503", "outage":
		f.Status = map[string]int{"500": 500, "502": 502, "503": 503, "outage": 503}[k.key]
	case "429":
		f.Status, f.RetryAfter = 429, time.Second
	case "reset":
		f.Reset = true
	case "stall":
		f.Stall = faultStall
	case "truncate":
		f.Truncate = true
	}
	return f
}

func sigstoreStep(name string, ep signtest.Endpoint) faultStep {
	return faultStep{name: name, jobs: []string{release.JobBuildWheel, release.JobBuildImage, release.JobPublishPyPI},
		inject: func(fc *faultCase, k faultKind, times int) string {
			f := faultOf(k, times)
			// Count the endpoint's requests with a hook that never answers.
			fc.env.Sigstore.SetHook(ep, func(_ http.ResponseWriter, r *http.Request) bool { fc.hit(r.Method); return false })
			fc.env.Sigstore.AddFault(ep, f)
			return ""
		}}
}

func registryStep(name string, match func(*http.Request) bool) faultStep {
	return faultStep{name: name, jobs: []string{release.JobBuildImage}, counted: "registry",
		inject: func(fc *faultCase, k faultKind, times int) string {
			f := faultOf(k, times)
			f.Match = func(r *http.Request) bool {
				if match(r) {
					fc.hit(r.Method)
					return true
				}
				return false
			}
			fc.reg.AddFault(f)
			return ""
		}}
}

func pypiStep(name, method, path string) faultStep {
	return faultStep{name: name, jobs: []string{release.JobPublishPyPI}, counted: "pypi",
		inject: func(fc *faultCase, k faultKind, times int) string {
			f := faultOf(k, times)
			f.Match = pypitest.MatchPath(method, path)
			// Warehouse answers a text body; resets come mid-upload and a
			// truncated answer keeps 16 bytes.
			f.Message = http.StatusText(f.Status)
			f.ResetAfter, f.TruncateAfter = 512, 16
			fc.env.PyPI.SetHook(func(_ http.ResponseWriter, r *http.Request) bool {
				if (method == "" || r.Method == method) && strings.HasPrefix(r.URL.Path, path) {
					fc.hit(r.Method)
				}
				return false
			})
			fc.env.PyPI.AddFault(f)
			return ""
		}}
}

func githubStep(name string, route ghreleasetest.Route) faultStep {
	return faultStep{name: name, jobs: []string{release.JobPublishRelease}, counted: "github",
		inject: func(fc *faultCase, k faultKind, times int) string {
			f := faultOf(k, times)
			f.Match = func(r *http.Request) bool { fc.hit(r.Method); return true }
			fc.env.GitHub.AddFault(route, f)
			return ""
		}}
}

func withNoBody(s faultStep, why string) faultStep { s.noBody = why; return s }

func faultSteps(tag string) []faultStep {
	return []faultStep{
		sigstoreStep("OIDC token (issuer)", signtest.Issuer),
		sigstoreStep("certificate (Fulcio)", signtest.Fulcio),
		sigstoreStep("transparency log (Rekor)", signtest.Rekor),
		sigstoreStep("timestamp (TSA)", signtest.TSA),
		withNoBody(registryStep("registry blob upload", ocitest.MatchBlobUpload), "blob upload answers (202/201) have no body"),
		withNoBody(registryStep("registry manifest PUT", ocitest.MatchManifestPut), "a manifest PUT answer (201) has no body"),
		withNoBody(registryStep("registry tag lookup", func(r *http.Request) bool {
			return ocitest.MatchManifestRead(r) && ocitest.MatchTag(tag)(r)
		}), "the lookup is a HEAD, whose answer has no body"),
		pypiStep("PyPI token mint", http.MethodPost, "/_/oidc/mint-token"),
		withNoBody(pypiStep("PyPI upload", http.MethodPost, "/legacy/"), "a successful upload is answered 200 with an empty body"),
		githubStep("GitHub create release", ghreleasetest.RouteCreateRelease),
		githubStep("GitHub upload asset", ghreleasetest.RouteUploadAsset),
		githubStep("GitHub publish (PATCH)", ghreleasetest.RouteUpdateRelease),
	}
}

// faultConfig is the standard release wired to the case's doubles with
// short timeouts and tiny backoffs.
func faultConfig(t *testing.T, env *releasetest.Env, dir, state string) release.StandardConfig {
	t.Helper()
	cfg, err := env.Config(dir)
	if err != nil {
		t.Fatal(err)
	}
	tokens := sign.GitHubActionsTokenSource(sign.WithTokenEnv(env.Getenv),
		sign.WithTokenHTTPClient(&http.Client{Timeout: faultClientTimeout}))
	cfg.SignerOptions = append(cfg.SignerOptions, sign.WithTokenSource(tokens),
		sign.WithRetry(4, 5*time.Millisecond, 20*time.Millisecond), sign.WithRequestTimeout(faultSignTimeout))
	cfg.PyPIOptions = []pypi.Option{pypi.WithTokenSource(tokens),
		pypi.WithRetry(pypi.RetryPolicy{Attempts: 4, MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, MaxRetryAfter: 2 * time.Second}),
		pypi.WithHTTPClient(&http.Client{Timeout: faultClientTimeout})}
	cfg.GitHubOptions = []ghrelease.Option{ghrelease.WithBaseURL(env.GitHub.BaseURL(), env.GitHub.UploadURL()),
		ghrelease.WithToken(env.GitHub.Token()), ghrelease.WithHTTPClient(&http.Client{Timeout: faultClientTimeout}),
		ghrelease.WithRetry(ghrelease.RetryPolicy{Attempts: 4, Initial: 5 * time.Millisecond, Max: 20 * time.Millisecond, MaxWait: 2 * time.Second})}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ResponseHeaderTimeout = faultClientTimeout
	cfg.OCIOptions = append(cfg.OCIOptions, oci.WithTransport(tr), oci.WithMaxRetryAfter(2*time.Second),
		oci.WithRetryBackoff(remote.Backoff{Duration: 5 * time.Millisecond, Factor: 2, Jitter: 0.1, Steps: 4}))
	if state != "" {
		cfg.PipelineOptions = []release.Option{release.WithStateDir(state)}
	}
	return cfg
}

// faultWorld starts the doubles with an ocitest registry and writes a
// prepared project.
func faultWorld(t *testing.T, opts ...releasetest.Option) *faultCase {
	t.Helper()
	reg := ocitest.New(t)
	env, dir := prepared(t, append(opts, releasetest.WithRegistry(reg.Host()))...)
	return &faultCase{env: env, reg: reg, dir: dir}
}

// finalState is what must be equal to a clean run's: the things that are
// deterministic (file and image digests, asset names and hashes of
// everything but the bundles) and the verification of what is not
// (bundles, image signatures).
type finalState struct {
	PyPI        []string // filename sha256
	Image       string   // tag digest, when its signature verifies
	Platforms   []string // platform digest
	Assets      []string // name sha256 (bundles: name "bundle verifies")
	Public      bool
	Releases    int // releases for the tag, drafts included
	Checksums   string
	ProblemList []string // things wrong whatever the baseline
}

func (s finalState) String() string {
	return fmt.Sprintf("pypi=%v image=%s platforms=%v assets=%v public=%v releases=%d checksums=%s", s.PyPI, s.Image, s.Platforms, s.Assets, s.Public, s.Releases, s.Checksums)
}

func (s finalState) equal(o finalState) bool {
	return s.String() == o.String()
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// captureState reads the final state of a release from the doubles.
func captureState(t *testing.T, fc *faultCase) finalState {
	t.Helper()
	ctx := context.Background()
	env := fc.env
	var st finalState
	for _, f := range env.PyPI.Files() {
		st.PyPI = append(st.PyPI, f.Filename+" "+f.SHA256)
	}
	sort.Strings(st.PyPI)
	v, err := sign.NewVerifier(env.Sigstore.VerifierOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	policy := sign.GitHubReleasePolicy(env.Repository, "", env.Tag)
	if res, err := oci.Verify(ctx, env.ImageRepository()+":"+env.Tag, policy, v); err == nil {
		st.Image = env.Tag + " " + res.Digest.String()
	} else {
		st.ProblemList = append(st.ProblemList, "image: "+err.Error())
	}
	if idx, err := remote.Index(mustRef(t, env.ImageRepository()+":"+env.Tag)); err == nil {
		if m, err := idx.IndexManifest(); err == nil {
			for _, d := range m.Manifests {
				if d.Platform != nil {
					st.Platforms = append(st.Platforms, d.Platform.String()+" "+d.Digest.String())
				}
			}
		}
	}
	sort.Strings(st.Platforms)

	owner, repo, _ := strings.Cut(env.Repository, "/")
	for _, r := range env.GitHub.Releases(owner, repo) {
		if r.Tag == env.Tag {
			st.Releases++
		}
	}
	r, ok := env.GitHub.ReleaseByTag(owner, repo, env.Tag)
	if !ok {
		st.ProblemList = append(st.ProblemList, "no release")
		return st
	}
	st.Public = !r.Draft
	data := map[string][]byte{}
	seen := map[string]bool{}
	for _, a := range r.Assets {
		if seen[a.Name] {
			st.ProblemList = append(st.ProblemList, "asset "+a.Name+" twice")
		}
		seen[a.Name] = true
		b, ok := env.GitHub.AssetData(owner, repo, a.ID)
		if !ok {
			st.ProblemList = append(st.ProblemList, "asset "+a.Name+" has no data")
			continue
		}
		if sha256Hex(b) != a.SHA256 {
			st.ProblemList = append(st.ProblemList, "asset "+a.Name+" hash mismatch")
		}
		data[a.Name] = b
	}
	tmp := t.TempDir()
	for name, b := range data {
		switch {
		case strings.HasSuffix(name, ".provenance.sigstore.json"):
			// The provenance must describe every released distribution.
			verdict := "provenance does not verify"
			e := provenance.Expect{Repository: env.Repository, Ref: env.Tag, WorkflowPath: ".github/workflows/release.yml"}
			for n, ab := range data {
				if strings.HasSuffix(n, ".whl") || strings.HasSuffix(n, ".tar.gz") {
					e.Subjects = append(e.Subjects, provenance.Subject{Name: n, SHA256: sha256Hex(ab)})
				}
			}
			pb, err := sign.ParseBundle(b)
			if err == nil {
				_, _, err = provenance.Verify(ctx, v, pb, policy, e)
			}
			if err == nil && len(e.Subjects) == 2 {
				verdict = "provenance verifies"
			} else {
				st.ProblemList = append(st.ProblemList, fmt.Sprintf("%s: %v (%d subjects)", name, err, len(e.Subjects)))
			}
			st.Assets = append(st.Assets, name+" "+verdict)
		case strings.HasSuffix(name, ".sigstore.json"):
			art := strings.TrimSuffix(name, ".sigstore.json")
			verdict := "bundle does not verify"
			if ab, ok := data[art]; ok {
				ap, bp := filepath.Join(tmp, art), filepath.Join(tmp, name)
				os.WriteFile(ap, ab, 0o644)
				os.WriteFile(bp, b, 0o644)
				if _, err := v.VerifyFile(ctx, ap, bp, policy); err == nil {
					verdict = "bundle verifies"
				} else {
					st.ProblemList = append(st.ProblemList, name+": "+err.Error())
				}
			}
			st.Assets = append(st.Assets, name+" "+verdict)
		case name == ghrelease.ChecksumsAssetName:
			// It lists the bundles, which differ per run: check it against
			// the assets and keep only the deterministic lines.
			var keep []string
			for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
				f := strings.Fields(line)
				if len(f) != 2 {
					st.ProblemList = append(st.ProblemList, "SHA256SUMS line "+line)
					continue
				}
				n := strings.TrimPrefix(f[1], "*")
				if ab, ok := data[n]; !ok || sha256Hex(ab) != f[0] {
					st.ProblemList = append(st.ProblemList, "SHA256SUMS: "+n+" does not match the asset")
				}
				if !strings.HasSuffix(n, ".sigstore.json") && !strings.HasSuffix(n, ".cdx.json") {
					keep = append(keep, line)
				}
			}
			st.Checksums = strings.Join(keep, ";")
			st.Assets = append(st.Assets, name+" (checked)")
		case strings.HasSuffix(name, ".cdx.json"):
			// The SBOM names the image repository, whose host differs per
			// case, and lists the bundles, which differ per run: compare it
			// with those replaced.
			norm := bytes.ReplaceAll(b, []byte(env.RegistryHost), []byte("REGISTRY"))
			for bn, bb := range data {
				if strings.HasSuffix(bn, ".sigstore.json") {
					s512 := sha512.Sum512(bb)
					norm = bytes.ReplaceAll(norm, []byte(sha256Hex(bb)), []byte("BUNDLE-SHA256"))
					norm = bytes.ReplaceAll(norm, []byte(hex.EncodeToString(s512[:])), []byte("BUNDLE-SHA512"))
				}
			}
			st.Assets = append(st.Assets, name+" "+sha256Hex(norm))
		default:
			st.Assets = append(st.Assets, name+" "+sha256Hex(b))
		}
	}
	sort.Strings(st.Assets)
	return st
}

func mustRef(t *testing.T, s string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// duplicates reports uploads done more than once: files on the index,
// release assets, registry blobs. allow is how many repeats a lossy fault
// may explain at the faulted step.
func duplicates(fc *faultCase, counted string, allow int) []string {
	var out []string
	// PyPI: each file accepted once.
	accepted := map[string]int{}
	for _, c := range fc.env.PyPI.Captures() {
		if c.Status/100 != 2 {
			continue
		}
		for _, f := range c.Fields {
			if f.Name == "content" {
				accepted[f.Filename]++
			}
		}
	}
	for name, n := range accepted {
		if a := allowFor(counted, "pypi", allow); n > 1+a {
			out = append(out, fmt.Sprintf("PyPI accepted %s %d times", name, n))
		}
	}
	if n := len(fc.env.PyPI.Files()); n != 2 {
		out = append(out, fmt.Sprintf("PyPI holds %d files, want 2", n))
	}
	// GitHub: each asset uploaded once (failed attempts store nothing).
	owner, repo, _ := strings.Cut(fc.env.Repository, "/")
	stored := 0
	for _, q := range fc.env.GitHub.Requests() {
		if q.Route == ghreleasetest.RouteUploadAsset && q.Status/100 == 2 {
			stored++
		}
	}
	if r, ok := fc.env.GitHub.ReleaseByTag(owner, repo, fc.env.Tag); ok {
		if stored > len(r.Assets)+allowFor(counted, "github", allow) {
			out = append(out, fmt.Sprintf("GitHub: %d uploads stored for %d assets", stored, len(r.Assets)))
		}
		for _, a := range r.Assets {
			if n := fc.env.GitHub.UploadAttempts(a.Name); n < 1 {
				out = append(out, fmt.Sprintf("GitHub: asset %s was never uploaded", a.Name))
			}
		}
	}
	// Registry: each blob committed once.
	commits := map[string]int{}
	for _, q := range fc.reg.Requests() {
		if ocitest.IsBlobCommit(q) && q.Status == http.StatusCreated {
			commits[q.Query]++
		}
	}
	for q, n := range commits {
		if n > 1+allowFor(counted, "registry", allow) {
			out = append(out, fmt.Sprintf("registry: blob %s committed %d times", q, n))
		}
	}
	sort.Strings(out)
	return out
}

func allowFor(counted, which string, allow int) int {
	if counted == which {
		return allow
	}
	return 0
}

// watchPublish records every request that makes the release public while
// assets are missing.
func (fc *faultCase) watchPublish(want int) {
	owner, repo, _ := strings.Cut(fc.env.Repository, "/")
	fc.env.GitHub.SetHook(func(_ http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodPatch || !strings.Contains(r.URL.Path, "/releases/") {
			return false
		}
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b))
		if !bytes.Contains(b, []byte(`"draft":false`)) {
			return false
		}
		n := -1
		for _, rel := range fc.env.GitHub.Releases(owner, repo) {
			if strings.HasSuffix(r.URL.Path, "/releases/"+strconv.FormatInt(rel.ID, 10)) {
				n = len(rel.Assets)
			}
		}
		if n < want {
			fc.mu.Lock()
			fc.badPub = append(fc.badPub, fmt.Sprintf("publish requested with %d of %d assets", n, want))
			fc.mu.Unlock()
		}
		return false
	})
}

var (
	baselineOnce  sync.Once
	baselineState finalState
	baselineErr   error
)

// baseline runs one clean release (once per test process) for reference.
func baseline(t *testing.T) finalState {
	baselineOnce.Do(func() {
		fc := faultWorld(t)
		cfg := faultConfig(t, fc.env, fc.dir, t.TempDir())
		p, err := release.Standard(cfg)
		if err != nil {
			baselineErr = err
			return
		}
		if r, err := p.Run(context.Background()); err != nil {
			baselineErr = fmt.Errorf("clean run: %v\n%s", err, r.Table())
			return
		}
		baselineState = captureState(t, fc)
		if len(baselineState.ProblemList) > 0 {
			baselineErr = fmt.Errorf("clean run: %v", baselineState.ProblemList)
		}
		if n := len(baselineState.Assets); n != 9 {
			baselineErr = fmt.Errorf("clean run: %d assets, want 9: %v", n, baselineState.Assets)
		}
	})
	if baselineErr != nil {
		t.Fatal(baselineErr)
	}
	return baselineState
}

// runFaultCase runs one cell and returns its verdict for the table.
func runFaultCase(t *testing.T, step faultStep, k faultKind, want finalState) (note string) {
	fc := faultWorld(t)
	state := t.TempDir()
	cfg := faultConfig(t, fc.env, fc.dir, state)
	fc.watchPublish(len(want.Assets))
	times := 1
	if k.persistent {
		times = -1
	}
	if why := step.inject(fc, k, times); why != "" {
		return "n/a: " + why
	}
	fc.mu.Lock()
	fc.counting = true
	fc.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	p, err := release.Standard(cfg)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	rep, runErr := p.Run(ctx)
	first := time.Since(start)

	fc.mu.Lock()
	fc.counting = false
	hits := fc.hits
	fc.mu.Unlock()
	var fails []string
	if hits == 0 {
		return "n/a: the step received no request"
	}
	if k.key == "truncate" && step.noBody != "" {
		// The run is still checked; the cell says what it proves.
		defer func() {
			if note != "FAIL" {
				note = "n/a: " + step.noBody + " (ran: " + note + ")"
			}
		}()
	}

	verdict := "recovered"
	if runErr != nil {
		verdict = "failed-clean"
		var re *release.RunError
		if !errors.As(runErr, &re) || len(re.Failed) == 0 {
			fails = append(fails, "not a RunError naming a failed job: "+runErr.Error())
		} else {
			for _, j := range re.Failed {
				if !contains(step.jobs, j) {
					fails = append(fails, fmt.Sprintf("job %s failed, but the fault was at a step of %v", j, step.jobs))
				}
				jr, _ := rep.Job(j)
				msg := ""
				if jr.Err != nil {
					msg = jr.Err.Error()
				}
				if !k.cause.MatchString(msg) {
					fails = append(fails, fmt.Sprintf("the error of %s does not name the cause (%s): %s", j, k.name, msg))
				}
			}
		}
		if re != nil && len(re.Failed) > 0 && !strings.Contains(runErr.Error(), re.Failed[0]+":") {
			fails = append(fails, "error does not name the job: "+runErr.Error())
		}
		t.Logf("first run (%v): %v", first.Round(time.Millisecond), runErr)
	}
	// A failed run never leaves a public release without all its assets.
	owner, repo, _ := strings.Cut(fc.env.Repository, "/")
	if r, ok := fc.env.GitHub.ReleaseByTag(owner, repo, fc.env.Tag); ok && !r.Draft && len(r.Assets) < len(want.Assets) {
		fails = append(fails, fmt.Sprintf("after the first run the release is public with %d of %d assets", len(r.Assets), len(want.Assets)))
	}

	// The next run, with the same state directory, once the world is well.
	fc.env.Sigstore.ClearFaults()
	fc.env.PyPI.ClearFaults()
	fc.env.GitHub.ClearFaults()
	fc.reg.ClearFaults()
	p2, err := release.Standard(faultConfig(t, fc.env, fc.dir, state))
	if err != nil {
		t.Fatal(err)
	}
	rep2, err := p2.Run(ctx)
	if err != nil {
		fails = append(fails, fmt.Sprintf("rerun failed: %v\n%s", err, rep2.Table()))
	} else if runErr == nil {
		for _, j := range rep2.Jobs {
			if j.Status != release.StatusReused {
				fails = append(fails, fmt.Sprintf("rerun after a recovered run: %s %s, want reused", j.Name, j.Status))
			}
		}
	}
	got := captureState(t, fc)
	fails = append(fails, got.ProblemList...)
	if !got.equal(want) {
		fails = append(fails, fmt.Sprintf("final state differs from a clean run's:\n got  %s\n want %s", got, want))
	}
	allow := 0
	if k.lossy {
		allow = 1
	}
	fails = append(fails, duplicates(fc, step.counted, allow)...)
	fc.mu.Lock()
	fails = append(fails, fc.badPub...)
	fc.mu.Unlock()
	if len(fails) > 0 {
		for _, f := range fails {
			t.Error(f)
		}
		return "FAIL"
	}
	return verdict + " → rerun-ok"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestFaultMatrix injects each fault at each remote step of the standard
// release, one at a time, and checks that the release either recovers or
// fails naming the job and the cause, that a rerun completes, and that the
// final state equals a clean run's with nothing uploaded twice and no
// public release missing assets.
func TestFaultMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("the fault matrix runs about a hundred releases")
	}
	want := baseline(t)
	steps := faultSteps("v0.11.0")
	var mu sync.Mutex
	cells := map[[2]string]string{}
	t.Run("cases", func(t *testing.T) {
		for _, step := range steps {
			for _, k := range faultKinds {
				t.Run(step.name+"/"+k.name, func(t *testing.T) {
					t.Parallel()
					v := runFaultCase(t, step, k, want)
					mu.Lock()
					cells[[2]string{step.name, k.key}] = v
					mu.Unlock()
				})
			}
		}
	})
	var b strings.Builder
	b.WriteString("| step |")
	for _, k := range faultKinds {
		b.WriteString(" " + k.name + " |")
	}
	b.WriteString("\n|---|")
	for range faultKinds {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, step := range steps {
		b.WriteString("| " + step.name + " |")
		for _, k := range faultKinds {
			v, ok := cells[[2]string{step.name, k.key}]
			if !ok {
				v = "FAIL (not run)"
			}
			b.WriteString(" " + v + " |")
		}
		b.WriteString("\n")
	}
	t.Logf("fault matrix:\n%s", b.String())
	if *updateFaults {
		if err := os.MkdirAll(filepath.Join("testdata", "faults"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("testdata", "faults", "matrix.md"), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestWriteFuzzSeeds writes fuzz seeds taken from a real release run into
// the testdata/fuzz corpora of the parsers' packages (wheel, sdist, core
// metadata, bundle, OIDC token, changelog, README, checksums, diff).
// TAGSHIP_WRITE_SEEDS=1 go test -run TestWriteFuzzSeeds ./release
// regenerates them.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("TAGSHIP_WRITE_SEEDS") != "1" {
		t.Skip("set TAGSHIP_WRITE_SEEDS=1 to regenerate the release-run fuzz seeds")
	}
	ctx := context.Background()
	// A project named demo 1.0, as the pypi fuzz targets expect.
	dist := t.TempDir()
	pdir := t.TempDir()
	if err := releasetest.WriteProject(pdir, releasetest.Project{Name: "demo", Version: "1.0"}); err != nil {
		t.Fatal(err)
	}
	if err := releasetest.BuildDists(ctx, pdir, dist); err != nil {
		t.Fatal(err)
	}
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	write := func(pkg, target, name string, args ...any) {
		dir := filepath.Join("..", pkg, "testdata", "fuzz", target)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		b.WriteString("go test fuzz v1\n")
		for _, a := range args {
			switch v := a.(type) {
			case []byte:
				fmt.Fprintf(&b, "[]byte(%s)\n", strconv.Quote(string(v)))
			case string:
				fmt.Fprintf(&b, "string(%s)\n", strconv.Quote(v))
			case int:
				fmt.Fprintf(&b, "int(%d)\n", v)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	whl := read(filepath.Join(dist, "demo-1.0-py3-none-any.whl"))
	sdist := read(filepath.Join(dist, "demo-1.0.tar.gz"))
	write("pypi", "FuzzOpenWheel", "release-run-wheel", whl)
	write("pypi", "FuzzOpenWheel", "release-run-wheel-half", whl[:len(whl)/2])
	write("pypi", "FuzzOpenSdist", "release-run-sdist", sdist)
	write("pypi", "FuzzOpenSdist", "release-run-sdist-half", sdist[:len(sdist)/2])
	zr, err := zipReader(whl)
	if err != nil {
		t.Fatal(err)
	}
	write("pypi", "FuzzParseMetadata", "release-run-metadata", zr)
	write("pypi", "FuzzParseMetadata", "release-run-metadata-no-blank-line", bytes.SplitN(zr, []byte("\n\n"), 2)[0])
	write("pypi", "FuzzParseSimplePage", "hostile-json-sha", "application/vnd.pypi.simple.v1+json",
		[]byte(`{"meta":{"api-version":"1.0"},"name":"demo","files":[{"filename":"demo-1.0.tar.gz","url":"../../x#sha256=zz","hashes":{"sha256":"`+strings.Repeat("a", 65)+`"}}]}`))
	write("pypi", "FuzzParseSimplePage", "hostile-html", "text/html",
		[]byte(`<a href="javascript:alert(1)#sha256=00">demo-1.0.tar.gz</a><a href="//evil.example/demo-1.0-py3-none-any.whl#sha256=`+strings.Repeat("0", 64)+`" data-requires-python="&gt;=3">x</a>`))

	// A real release: bundles, tokens, changelog, README, checksums.
	fc := faultWorld(t)
	before := read(filepath.Join(fc.dir, "pyproject.toml"))
	p, err := release.Standard(faultConfig(t, fc.env, fc.dir, ""))
	if err != nil {
		t.Fatal(err)
	}
	if r, err := p.Run(ctx); err != nil {
		t.Fatalf("%v\n%s", err, r.Table())
	}
	bundle := read(filepath.Join(fc.dir, "dist", "hello_release-0.11.0.tar.gz.sigstore.json"))
	write("sign", "FuzzParseBundle", "release-run-bundle", bundle)
	write("sign", "FuzzParseBundle", "release-run-bundle-half", bundle[:len(bundle)/2])
	write("sign", "FuzzParseBundle", "release-run-bundle-v01", bytes.Replace(bundle, []byte("bundle.v0.3+json"), []byte("bundle+json;version=0.1"), 1))
	tok, err := fc.env.Sigstore.MintToken("sigstore")
	if err != nil {
		t.Fatal(err)
	}
	write("sign", "FuzzParseTokenClaims", "release-run-github-token", tok)
	parts := strings.Split(tok, ".")
	write("sign", "FuzzParseTokenClaims", "padded-payload", parts[0]+"."+parts[1]+"==."+parts[2])
	write("sign", "FuzzParseTokenClaims", "array-payload", parts[0]+".W10."+parts[2])
	write("changelog", "FuzzParse", "release-run-changelog", read(filepath.Join(fc.dir, "CHANGELOG.md")))
	write("release", "FuzzPrepareWhatsNew", "release-run-readme", read(filepath.Join(fc.dir, "README.md")))
	write("release", "FuzzDiff", "release-run-pyproject", before, read(filepath.Join(fc.dir, "pyproject.toml")))
	owner, repo, _ := strings.Cut(fc.env.Repository, "/")
	if r, ok := fc.env.GitHub.ReleaseByTag(owner, repo, fc.env.Tag); ok {
		for _, a := range r.Assets {
			if a.Name == ghrelease.ChecksumsAssetName {
				b, _ := fc.env.GitHub.AssetData(owner, repo, a.ID)
				write("ghrelease", "FuzzParseChecksums", "release-run-sha256sums", b)
			}
		}
	}
	write("ghrelease", "FuzzNotesChangelog", "release-run-changelog", string(read(filepath.Join(fc.dir, "CHANGELOG.md"))), 2000)
}

// zipReader returns the METADATA of a wheel.
func zipReader(whl []byte) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(whl), int64(len(whl)))
	if err != nil {
		return nil, err
	}
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, ".dist-info/METADATA") {
			rc, err := f.Open()
			if err != nil {
				return nil, err
			}
			defer rc.Close()
			return io.ReadAll(rc)
		}
	}
	return nil, errors.New("no METADATA")
}

// lyingSuccess is the fault of a server (or a proxy in front of it) that
// answers success without doing the work: 200 with an HTML page to an
// upload, "200 {}" to the publish call.
var lyingSuccess = faultKind{name: "success without the work", key: "lie",
	cause: regexp.MustCompile(`(?i)not listed|not confirmed|not visible|still a draft`)}

// lyingSteps are the steps whose success answer tagship reads back.
func lyingSteps() []faultStep {
	return []faultStep{
		{name: "PyPI upload (200 with a login page)", jobs: []string{release.JobPublishPyPI}, counted: "pypi",
			inject: func(fc *faultCase, _ faultKind, _ int) string {
				var once sync.Once
				fc.env.PyPI.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
					lied := false
					if r.Method == http.MethodPost && r.URL.Path == "/legacy/" {
						once.Do(func() {
							fc.hit(r.Method)
							io.Copy(io.Discard, r.Body)
							w.Header().Set("Content-Type", "text/html")
							io.WriteString(w, "<html><body>Please sign in</body></html>")
							lied = true
						})
					}
					return lied
				})
				return ""
			}},
		{name: "GitHub publish (200 {})", jobs: []string{release.JobPublishRelease}, counted: "github",
			inject: func(fc *faultCase, _ faultKind, _ int) string {
				var once sync.Once
				fc.env.GitHub.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
					lied := false
					if r.Method == http.MethodPatch && strings.Contains(r.URL.Path, "/releases/") && !strings.Contains(r.URL.Path, "/assets/") {
						once.Do(func() {
							fc.hit(r.Method)
							w.Header().Set("Content-Type", "application/json")
							io.WriteString(w, "{}")
							lied = true
						})
					}
					return lied
				})
				return ""
			}},
	}
}

// TestFaultMatrixLyingSuccess: a success answer without the work is never
// recorded as success; the run fails naming it, and a rerun completes to
// a clean run's final state.
func TestFaultMatrixLyingSuccess(t *testing.T) {
	if testing.Short() {
		t.Skip("runs whole releases")
	}
	want := baseline(t)
	for _, step := range lyingSteps() {
		t.Run(step.name, func(t *testing.T) {
			if got := runFaultCase(t, step, lyingSuccess, want); got != "failed-clean → rerun-ok" {
				t.Fatalf("%s: %s, want failed-clean → rerun-ok", step.name, got)
			}
		})
	}
}
