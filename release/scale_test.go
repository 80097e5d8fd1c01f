package release_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tagship/tagship/ghrelease"
	"github.com/tagship/tagship/pypi"
	"github.com/tagship/tagship/release"
	"github.com/tagship/tagship/release/releasetest"
	"github.com/tagship/tagship/sign"
	"github.com/tagship/tagship/sign/signtest"
)

// matrixRelease is a standard release (no image) of the sample project
// built for wheels tags, on fresh doubles.
type matrixRelease struct {
	env   *releasetest.Env
	dir   string
	state string
	cfg   release.StandardConfig
	dists []string // file names, sorted

	mu     sync.Mutex
	events []release.Event
}

func newMatrixRelease(t *testing.T, wheels, concurrency int) *matrixRelease {
	t.Helper()
	env, dir := prepared(t)
	cfg, err := env.Config(dir)
	if err != nil {
		t.Fatal(err)
	}
	tags, err := releasetest.WheelTags(wheels)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Build = releasetest.BuildMatrix(tags...)
	cfg.ImageRepository, cfg.Platforms = "", nil
	cfg.Concurrency = concurrency
	cfg.PyPIOptions = append(cfg.PyPIOptions, pypi.WithRetry(pypi.RetryPolicy{Attempts: 2, MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, MaxRetryAfter: time.Second}))
	m := &matrixRelease{env: env, dir: dir, state: t.TempDir(), cfg: cfg}
	version := strings.TrimPrefix(env.Tag, "v")
	for _, tag := range tags {
		m.dists = append(m.dists, "hello_release-"+version+"-"+tag+".whl")
	}
	m.dists = append(m.dists, "hello_release-"+version+".tar.gz")
	sort.Strings(m.dists)
	return m
}

func (m *matrixRelease) pipeline(t *testing.T) *release.Pipeline {
	t.Helper()
	cfg := m.cfg
	cfg.PipelineOptions = []release.Option{release.WithStateDir(m.state), release.WithEvents(func(e release.Event) {
		m.mu.Lock()
		m.events = append(m.events, e)
		m.mu.Unlock()
	})}
	p, err := release.Standard(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (m *matrixRelease) logs(job string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, e := range m.events {
		if e.Job == job && e.Kind == release.EventLog {
			out = append(out, e.Message)
		}
	}
	return out
}

// shuffle delays every request to the Sigstore double's log and the
// index by a random time, so that files finish in a random order.
func shuffle(env *releasetest.Env, seed uint64) {
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(seed, seed))
	delay := func() time.Duration {
		mu.Lock()
		defer mu.Unlock()
		return time.Duration(rng.IntN(60)) * time.Millisecond
	}
	env.Sigstore.SetHook(signtest.Rekor, func(http.ResponseWriter, *http.Request) bool {
		time.Sleep(delay())
		return false
	})
	env.PyPI.SetHook(func(http.ResponseWriter, *http.Request) bool {
		time.Sleep(delay())
		return false
	})
}

// outputs is what a release writes that must not depend on the order in
// which files finish: the state files of the jobs, the release notes, the
// SBOM and the SHA256SUMS published. The project directory, the doubles'
// URLs and the hashes of the bundles (signatures differ from run to run)
// and of the SBOM and SHA256SUMS (which list them) are replaced by names.
func (m *matrixRelease) outputs(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	var sums []byte
	owner, repo, _ := strings.Cut(m.env.Repository, "/")
	r, ok := m.env.GitHub.ReleaseByTag(owner, repo, m.env.Tag)
	if !ok {
		t.Fatal("no release on the GitHub double")
	}
	for _, a := range r.Assets {
		if a.Name == ghrelease.ChecksumsAssetName {
			sums, _ = m.env.GitHub.AssetData(owner, repo, a.ID)
		}
	}
	if len(sums) == 0 {
		t.Fatal("no SHA256SUMS on the release")
	}
	sbom := filepath.Join(m.dir, "dist", ghrelease.SBOMAssetName("hello-release", strings.TrimPrefix(m.env.Tag, "v")))
	sbomSum, _, err := sign.SHA256File(context.Background(), sbom)
	if err != nil {
		t.Fatal(err)
	}
	norm := func(b []byte) string {
		s := strings.NewReplacer(m.dir, "$DIR", m.env.PyPI.URL, "$PYPI", m.env.GitHub.URL, "$GITHUB",
			fmt.Sprintf("%x", sbomSum), "$SBOM", fmt.Sprintf("%x", sha256.Sum256(sums)), "$SUMS").Replace(string(b))
		// Every bundle differs between runs (a signature is not
		// deterministic): the files', the provenance's and those of
		// SHA256SUMS and the SBOM.
		bundles, _ := filepath.Glob(filepath.Join(m.dir, "dist", "*.sigstore.json"))
		if len(bundles) < len(m.dists)+3 {
			t.Fatalf("%d bundles in dist, want one per file plus provenance, SBOM and SHA256SUMS", len(bundles))
		}
		for _, bp := range bundles {
			d := strings.TrimSuffix(filepath.Base(bp), ".sigstore.json")
			sum, _, err := sign.SHA256File(context.Background(), bp)
			if err != nil {
				t.Fatalf("bundle of %s: %v", d, err)
			}
			data, _ := os.ReadFile(bp)
			s = strings.ReplaceAll(s, fmt.Sprintf("%x", sum), "$BUNDLE("+d+")")
			s = strings.ReplaceAll(s, fmt.Sprintf("%x", sha512.Sum512(data)), "$BUNDLE512("+d+")")
		}
		return s
	}
	for _, job := range []string{release.JobBuildWheel, release.JobPublishPyPI, release.JobPublishRelease} {
		b, err := os.ReadFile(filepath.Join(m.state, job+".json"))
		if err != nil {
			t.Fatal(err)
		}
		// Only the output: the record also holds times and durations.
		var rec struct {
			Output json.RawMessage `json:"output"`
		}
		if err := json.Unmarshal(b, &rec); err != nil || len(rec.Output) == 0 {
			t.Fatalf("state %s: %v %s", job, err, b)
		}
		out["state "+job] = norm(rec.Output)
	}
	for _, f := range []string{"release-notes.md", ghrelease.SBOMAssetName("hello-release", strings.TrimPrefix(m.env.Tag, "v"))} {
		b, err := os.ReadFile(filepath.Join(m.dir, "dist", f))
		if err != nil {
			t.Fatal(err)
		}
		out[f] = norm(b)
	}
	out[ghrelease.ChecksumsAssetName] = norm(sums)
	return out
}

// Two releases of a 24-file build matrix, whose files finish in different
// random orders, write the same state, notes, SBOM and SHA256SUMS, in
// file name order; every file reports its own progress.
func TestStandardReleaseManyFilesDeterministic(t *testing.T) {
	t.Parallel()
	var runs []map[string]string
	for i, seed := range []uint64{1, 2} {
		m := newMatrixRelease(t, 23, 8)
		shuffle(m.env, seed)
		r, err := m.pipeline(t).Run(context.Background())
		if err != nil {
			t.Fatalf("run %d: %v\n%s", i, err, r.Table())
		}
		runs = append(runs, m.outputs(t))
		// Events: each file says it is being signed and is signed.
		logs := strings.Join(m.logs(release.JobBuildWheel), "\n")
		for _, d := range m.dists {
			for _, want := range []string{"signing " + d, "signed " + d} {
				if !strings.Contains(logs, want) {
					t.Errorf("run %d: no %q event", i, want)
				}
			}
		}
		if n := len(m.env.PyPI.Files()); n != len(m.dists) {
			t.Errorf("run %d: %d files on the index, want %d", i, n, len(m.dists))
		}
	}
	for k, v := range runs[0] {
		if runs[1][k] != v {
			t.Errorf("%s differs between two runs whose files finished in different orders:\n--- run 1\n%s\n--- run 2\n%s", k, v, runs[1][k])
		}
	}
	// And the order is the file names': SHA256SUMS is sorted by name.
	var names []string
	for _, l := range strings.Split(strings.TrimSpace(runs[0][ghrelease.ChecksumsAssetName]), "\n") {
		names = append(names, l[strings.LastIndex(l, " ")+1:])
	}
	if !sort.StringsAreSorted(names) || len(names) < 2*len(runs) {
		t.Errorf("SHA256SUMS not in name order: %v", names)
	}
	var b release.BuildResult
	if err := json.Unmarshal([]byte(runs[0]["state "+release.JobBuildWheel]), &b); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(b.Files); i++ {
		if b.Files[i-1].Name >= b.Files[i].Name {
			t.Errorf("build-wheel output not in file name order: %s before %s", b.Files[i-1].Name, b.Files[i].Name)
		}
	}
}

// failRekorFor makes the log refuse, permanently, the signature of the
// file whose sha256 is hexSum; it counts the log's requests.
func failRekorFor(env *releasetest.Env, hexSum string, count *atomic.Int32) {
	env.Sigstore.SetHook(signtest.Rekor, func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodPost {
			return false
		}
		count.Add(1)
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if hexSum != "" && strings.Contains(string(body), hexSum) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"code":400,"message":"signtest: entry refused"}`)
			return true
		}
		return false
	})
}

// One file's log entry failing permanently fails build-wheel naming that
// file only; the other files are signed (complete bundles, nothing half
// written), and a rerun signs only the missing file.
func TestStandardReleaseMidBatchFailureRerun(t *testing.T) {
	t.Parallel()
	m := newMatrixRelease(t, 11, 4)
	ctx := context.Background()
	dist := filepath.Join(m.dir, "dist")
	// Build once to learn the victim's hash (the build is reproducible).
	if err := m.cfg.Build(ctx, m.dir, dist); err != nil {
		t.Fatal(err)
	}
	victim := m.dists[5]
	sum, _, err := sign.SHA256File(ctx, filepath.Join(dist, victim))
	if err != nil {
		t.Fatal(err)
	}
	var posts atomic.Int32
	failRekorFor(m.env, fmt.Sprintf("%x", sum), &posts)

	r, err := m.pipeline(t).Run(ctx)
	if err == nil {
		t.Fatalf("the release succeeded with %s unsigned\n%s", victim, r.Table())
	}
	jr, ok := r.Job(release.JobBuildWheel)
	if !ok || jr.Status != release.StatusFailed || !strings.Contains(jr.Err.Error(), "sign "+victim) {
		t.Fatalf("build-wheel: %+v", jr)
	}
	for _, d := range m.dists {
		if d != victim && strings.Contains(jr.Err.Error(), d) {
			t.Errorf("the error names %s, which was signed: %v", d, jr.Err)
		}
	}
	if p, _ := r.Job(release.JobPublishPyPI); p.Status.Done() {
		t.Errorf("publish-pypi ran after build-wheel failed: %+v", p)
	}
	if n := len(m.env.PyPI.Files()); n != 0 {
		t.Errorf("%d files published", n)
	}
	// Every other file has a complete bundle that verifies; the victim has
	// none, and no temporary file is left behind.
	v, err := sign.NewVerifier(m.env.Sigstore.VerifierOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	policy := sign.GitHubReleasePolicy(m.env.Repository, "", m.env.Tag)
	before := map[string][]byte{}
	for _, d := range m.dists {
		bp := filepath.Join(dist, d+".sigstore.json")
		if d == victim {
			if _, err := os.Stat(bp); err == nil {
				t.Errorf("%s has a bundle although its log entry was refused", d)
			}
			continue
		}
		if _, err := v.VerifyFile(ctx, filepath.Join(dist, d), bp, policy); err != nil {
			t.Errorf("%s: %v", d, err)
		}
		before[d], _ = os.ReadFile(bp)
	}
	ents, _ := os.ReadDir(dist)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file %s left in dist", e.Name())
		}
	}

	// The log accepts the file again: build-wheel alone, from the state.
	failRekorFor(m.env, "", &posts)
	posts.Store(0)
	p := m.pipeline(t)
	r, err = p.RunJob(ctx, release.JobBuildWheel)
	if err != nil {
		t.Fatalf("rerun of build-wheel: %v\n%s", err, r.Table())
	}
	// The missing file's entry, and the provenance's: the first run failed
	// before it could describe the files.
	if n := posts.Load(); n != 2 {
		t.Errorf("the rerun made %d log entries, want 2 (the missing file's and the provenance's)", n)
	}
	for d, b := range before {
		now, _ := os.ReadFile(filepath.Join(dist, d+".sigstore.json"))
		if !bytes.Equal(now, b) {
			t.Errorf("%s was signed again: its bundle changed", d)
		}
	}
	if logs := strings.Join(m.logs(release.JobBuildWheel), "\n"); strings.Count(logs, "kept the existing bundle") < len(before) {
		t.Errorf("the rerun did not report the kept bundles:\n%s", logs)
	}
	// And the whole release completes.
	if r, err := m.pipeline(t).Run(ctx); err != nil {
		t.Fatalf("release after the rerun: %v\n%s", err, r.Table())
	}
	if n := len(m.env.PyPI.Files()); n != len(m.dists) {
		t.Errorf("%d files on the index, want %d", n, len(m.dists))
	}
}

// Cancelling a release while its files wait on the log stops every file
// promptly and leaves no partial bundle.
func TestStandardReleaseManyFilesCancel(t *testing.T) {
	t.Parallel()
	m := newMatrixRelease(t, 15, 8)
	// The log never answers: every request waits (its body read, so the
	// server notices the client leaving) until the client gives up.
	base := m.env.Sigstore.Requests(signtest.Rekor)
	m.env.Sigstore.AddFault(signtest.Rekor, signtest.Fault{Stall: time.Minute, Times: signtest.Always})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for m.env.Sigstore.Requests(signtest.Rekor)-base < 8 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	start := time.Now()
	r, err := m.pipeline(t).Run(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled\n%s", err, r.Table())
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("the release took %s (waiting for the log, then cancelled)", d)
	}
	if n := m.env.Sigstore.Requests(signtest.Rekor) - base; n > 8 {
		t.Errorf("%d log requests: more than the 8 allowed at once, or new ones after the cancellation", n)
	}
	ents, _ := os.ReadDir(filepath.Join(m.dir, "dist"))
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".sigstore.json") || strings.Contains(e.Name(), ".tmp") {
			t.Errorf("%s left in dist after the cancellation", e.Name())
		}
	}
}
