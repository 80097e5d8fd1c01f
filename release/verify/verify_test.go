package verify

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/random"

	"github.com/tagship/tagship/ghrelease"
	"github.com/tagship/tagship/ghrelease/ghreleasetest"
	"github.com/tagship/tagship/oci"
	"github.com/tagship/tagship/oci/ocitest"
	"github.com/tagship/tagship/provenance"
	"github.com/tagship/tagship/pypi"
	"github.com/tagship/tagship/pypi/pypitest"
	"github.com/tagship/tagship/sign"
	"github.com/tagship/tagship/sign/signtest"
)

const (
	verifyTRepo    = "octo-org/demo"
	verifyTVersion = "1.0.0"
	verifyTWheel   = "demo-1.0.0-py3-none-any.whl"
	verifyTSdist   = "demo-1.0.0.tar.gz"
)

// verifyTFixture is a small but real release built by hand on the
// doubles: wheel + sdist signed by a signtest signer and uploaded to a
// pypitest index, bundles + SBOM + SHA256SUMS published to a
// ghreleasetest release, a multi-arch index pushed and signed in an
// in-process registry.
type verifyTFixture struct {
	st       *signtest.Sigstore
	index    *pypitest.Server
	gh       *ghreleasetest.Server
	reg      *ocitest.Registry
	dir      string
	image    string
	digest   string
	verifier *sign.Verifier
}

type verifyTOptions struct {
	ref        string // the ref the signing run used (default the tag)
	swapBundle bool   // publish the wheel's bundle as the sdist's
	stripTlog  bool   // remove the transparency-log entries of the wheel's bundle
	// provenance: "" (valid), "missing", "wrong-subject" (another sdist
	// hash), "wrong-ref" (built for refs/heads/main), "unsigned" (a plain
	// signature in place of the DSSE statement).
	provenance string

	unsignedSums, unsignedSBOM bool // publish SHA256SUMS / the SBOM without a bundle
	tamperSums, tamperSBOM     bool // change SHA256SUMS / the SBOM after it was signed
}

func verifyTMetadata(version, salt string) string {
	return fmt.Sprintf("Metadata-Version: 2.1\nName: demo\nVersion: %s\nSummary: demo %s\nRequires-Dist: requests>=2\n", version, salt)
}

func verifyTWheelBytes(t *testing.T, version, salt string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	di := "demo-" + version + ".dist-info/"
	for _, e := range []struct{ name, body string }{
		{"demo/__init__.py", "VERSION = '" + version + "' # " + salt + "\n"},
		{di + "METADATA", verifyTMetadata(version, salt)},
		{di + "WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"},
		{di + "RECORD", ""},
	} {
		w, err := zw.Create(e.name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(e.body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func verifyTSdistBytes(t *testing.T, version string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	top := "demo-" + version + "/"
	tw.WriteHeader(&tar.Header{Name: top, Typeflag: tar.TypeDir, Mode: 0o755})
	for _, e := range []struct{ name, body string }{
		{top + "PKG-INFO", verifyTMetadata(version, "")},
		{top + "pyproject.toml", "[project]\nname = \"demo\"\n"},
	} {
		tw.WriteHeader(&tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.body)), Typeflag: tar.TypeReg})
		tw.Write([]byte(e.body))
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

func verifyTUpload(t *testing.T, srv *pypitest.Server, paths ...string) {
	t.Helper()
	var ds []*pypi.Distribution
	for _, p := range paths {
		d, err := pypi.OpenDistribution(p)
		if err != nil {
			t.Fatal(err)
		}
		ds = append(ds, d)
	}
	c, err := pypi.New(srv.UploadURL(), pypi.WithAPIToken("pypi-test"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Upload(context.Background(), ds...); err != nil {
		t.Fatal(err)
	}
}

func newVerifyTFixture(t *testing.T, o verifyTOptions) *verifyTFixture {
	t.Helper()
	ctx := context.Background()
	tag := "v" + verifyTVersion
	if o.ref == "" {
		o.ref = "refs/tags/" + tag
	}
	f := &verifyTFixture{dir: t.TempDir()}
	f.st = signtest.New(t, signtest.WithWorkflow(signtest.Workflow{Repository: verifyTRepo, Ref: o.ref}))
	var err error
	if f.verifier, err = f.st.NewVerifier(); err != nil {
		t.Fatal(err)
	}
	signer, err := f.st.NewSigner()
	if err != nil {
		t.Fatal(err)
	}

	// Build and sign the distributions.
	wheel := filepath.Join(f.dir, verifyTWheel)
	sdist := filepath.Join(f.dir, verifyTSdist)
	os.WriteFile(wheel, verifyTWheelBytes(t, verifyTVersion, ""), 0o644)
	os.WriteFile(sdist, verifyTSdistBytes(t, verifyTVersion), 0o644)
	for _, p := range []string{wheel, sdist} {
		if _, err := signer.SignFile(ctx, p); err != nil {
			t.Fatal(err)
		}
	}

	if o.stripTlog {
		b, err := os.ReadFile(wheel + ".sigstore.json")
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		m["verificationMaterial"].(map[string]any)["tlogEntries"] = []any{}
		b, _ = json.Marshal(m)
		os.WriteFile(wheel+".sigstore.json", b, 0o644)
	}

	// The index.
	if f.index, err = pypitest.NewServer(pypitest.WithAPIToken("pypi-test")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.index.Close)
	verifyTUpload(t, f.index, wheel, sdist)

	// The image: push a two-platform index to the version tag, sign it by
	// digest.
	f.reg = ocitest.New(t)
	f.image = f.reg.Host() + "/" + verifyTRepo
	idx, err := random.Index(256, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	pr, err := oci.Push(ctx, idx, f.image+":"+tag)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := oci.Sign(ctx, signer, pr.DigestRef()); err != nil {
		t.Fatal(err)
	}
	f.digest = pr.Digest.String()

	// Build provenance: the files' statement and the image attestations,
	// from the run's environment as the Sigstore double describes it.
	env := f.st.Workflow().Env()
	if o.provenance == "wrong-ref" {
		env["GITHUB_REF"] = "refs/heads/main"
		env["GITHUB_WORKFLOW_REF"] = verifyTRepo + "/.github/workflows/release.yml@refs/heads/main"
	}
	run, err := provenance.GitHubRunFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	var subjects []provenance.Subject
	for _, p := range []string{wheel, sdist} {
		d, _, _ := sign.SHA256File(ctx, p)
		subjects = append(subjects, provenance.Subject{Name: filepath.Base(p), SHA256: fmt.Sprintf("%x", d)})
	}
	if o.provenance == "wrong-subject" {
		subjects[1].SHA256 = strings.Repeat("0", 64)
	}
	stmt, err := provenance.Build{Run: run}.Statement(subjects...)
	if err != nil {
		t.Fatal(err)
	}
	provPath := filepath.Join(f.dir, ghrelease.ProvenanceAssetName("demo", verifyTVersion))
	pb, err := signer.SignDSSE(ctx, provenance.PayloadType, stmt)
	if o.provenance == "unsigned" {
		pb, err = signer.SignDigest(ctx, make([]byte, 32))
	}
	if err != nil {
		t.Fatal(err)
	}
	pj, _ := pb.MarshalJSON()
	os.WriteFile(provPath, pj, 0o644)
	pred, err := provenance.Build{Run: run}.PredicateJSON()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := oci.Attest(ctx, signer, pr.DigestRef(), provenance.PredicateType, pred); err != nil {
		t.Fatal(err)
	}
	if _, err := oci.Attest(ctx, signer, pr.DigestRef(), ghrelease.CycloneDXPredicateType, []byte(`{"bomFormat":"CycloneDX","specVersion":"1.5"}`)); err != nil {
		t.Fatal(err)
	}

	// SBOM and the GitHub release (Publish writes SHA256SUMS).
	wb, sb := wheel+".sigstore.json", sdist+".sigstore.json"
	sbom, err := ghrelease.SBOM(ctx, ghrelease.SBOMInput{
		Name: "demo", Version: verifyTVersion, Repository: verifyTRepo,
		Files: []string{wheel, sdist, wb, sb}, Image: f.image, ImageDigest: f.digest,
		Requires: []string{"requests>=2"},
	})
	if err != nil {
		t.Fatal(err)
	}
	sbomPath := filepath.Join(f.dir, ghrelease.SBOMAssetName("demo", verifyTVersion))
	os.WriteFile(sbomPath, sbom, 0o644)
	f.gh = ghreleasetest.New(t)
	// SHA256SUMS and the SBOM are signed as the standard release signs
	// them; Publish must not write an unsigned SHA256SUMS of its own.
	pub, err := ghrelease.New(ghrelease.WithBaseURL(f.gh.BaseURL(), f.gh.UploadURL()), ghrelease.WithToken(f.gh.Token()),
		ghrelease.WithChecksumsAsset(""))
	if err != nil {
		t.Fatal(err)
	}
	assets := []ghrelease.Asset{{Path: wheel}, {Path: sdist}, {Path: wb}, {Path: sb}, {Path: sbomPath}}
	if o.swapBundle {
		assets[3] = ghrelease.Asset{Path: wb, Name: verifyTSdist + ".sigstore.json"}
	}
	if o.provenance != "missing" {
		assets = append(assets, ghrelease.Asset{Path: provPath})
	}
	signRecord := func(path string, unsigned, tamper bool) {
		if !unsigned {
			if _, err := signer.SignFile(ctx, path); err != nil {
				t.Fatal(err)
			}
			assets = append(assets, ghrelease.Asset{Path: path + ".sigstore.json"})
		}
		if tamper { // still well-formed: only the signature can tell
			b, _ := os.ReadFile(path)
			if strings.HasSuffix(path, ".json") {
				b = append(b, '\n')
			} else {
				b = append(b, []byte(strings.Repeat("ab", 32)+"  evil-1.0.0-py3-none-any.whl\n")...)
			}
			os.WriteFile(path, b, 0o644)
		}
	}
	signRecord(sbomPath, o.unsignedSBOM, o.tamperSBOM)
	sums := map[string]string{}
	for _, a := range assets {
		d, _, err := sign.SHA256File(ctx, a.Path)
		if err != nil {
			t.Fatal(err)
		}
		name := a.Name
		if name == "" {
			name = filepath.Base(a.Path)
		}
		sums[name] = fmt.Sprintf("%x", d)
	}
	sumsPath := filepath.Join(f.dir, ghrelease.ChecksumsAssetName)
	os.WriteFile(sumsPath, ghrelease.FormatChecksums(sums), 0o644)
	assets = append(assets, ghrelease.Asset{Path: sumsPath})
	signRecord(sumsPath, o.unsignedSums, o.tamperSums)
	owner, repo, _ := strings.Cut(verifyTRepo, "/")
	if _, err := pub.Publish(ctx, ghrelease.Release{Owner: owner, Repo: repo, Tag: tag, Assets: assets}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *verifyTFixture) config() Config {
	return Config{
		Repository:  verifyTRepo,
		Version:     verifyTVersion,
		IndexURL:    f.index.URL,
		GitHubAPI:   f.gh.BaseURL(),
		GitHubToken: f.gh.Token(),
		Image:       f.image,
		Verifier:    f.verifier,
		PyPIOptions: []pypi.Option{pypi.WithRetry(pypi.RetryPolicy{Attempts: 1})},
	}
}

// verifyTCheck finds a check of an artifact.
func verifyTCheck(t *testing.T, r *Report, artifact, check string) Check {
	t.Helper()
	for _, a := range r.Artifacts {
		if a.Name != artifact {
			continue
		}
		for _, c := range a.Checks {
			if c.Name == check {
				return c
			}
		}
	}
	t.Fatalf("no check %s of %s in\n%s", check, artifact, r)
	return Check{}
}

func verifyTWantFail(t *testing.T, r *Report, artifact, check string, reason error, hintHas string) *Error {
	t.Helper()
	c := verifyTCheck(t, r, artifact, check)
	if c.Status != Failed || c.Err == nil || !errors.Is(c.Err, reason) {
		t.Fatalf("%s %s: status %s, err %v; want failure with %v\n%s", artifact, check, c.Status, c.Err, reason, r)
	}
	if !strings.Contains(c.Err.Hint, hintHas) {
		t.Fatalf("%s %s: hint %q does not mention %q", artifact, check, c.Err.Hint, hintHas)
	}
	return c.Err
}

func TestVerifyReleaseGood(t *testing.T) {
	t.Parallel()
	f := newVerifyTFixture(t, verifyTOptions{})
	keep := t.TempDir()
	cfg := f.config()
	cfg.DownloadDir = keep
	r, err := Release(context.Background(), cfg)
	if err != nil {
		t.Fatalf("%v\n%s", err, r)
	}
	if !r.OK() || r.Err() != nil || len(r.Failures()) != 0 {
		t.Fatalf("not OK:\n%s", r)
	}
	if r.Identity != "https://github.com/octo-org/demo/.github/workflows/release.yml@refs/tags/v1.0.0" || r.Issuer != sign.GitHubActionsIssuer {
		t.Fatalf("pinned %q %q", r.Identity, r.Issuer)
	}
	// Every check that must be done was done and passed.
	ref := f.image + ":v1.0.0"
	for _, want := range []struct{ artifact, check string }{
		{verifyTRepo + "@v1.0.0", CheckPublished},
		{"SHA256SUMS", CheckFetch},
		{"demo-1.0.0.cdx.json", CheckFetch}, {"demo-1.0.0.cdx.json", CheckSums},
		{verifyTWheel, CheckFetch}, {verifyTWheel, CheckSignature}, {verifyTWheel, CheckSums}, {verifyTWheel, CheckSBOM}, {verifyTWheel, CheckBundle},
		{verifyTSdist, CheckFetch}, {verifyTSdist, CheckSignature}, {verifyTSdist, CheckSums}, {verifyTSdist, CheckSBOM}, {verifyTSdist, CheckBundle},
		{ref, CheckResolve}, {ref, CheckSignature}, {ref, CheckSBOM},
	} {
		if c := verifyTCheck(t, r, want.artifact, want.check); c.Status != Passed {
			t.Errorf("%s %s: %s %s", want.artifact, want.check, c.Status, c.Detail)
		}
	}
	s := r.String()
	for _, want := range []string{"identity: https://github.com/octo-org/demo/.github/workflows/release.yml@refs/tags/v1.0.0", "ARTIFACT", verifyTWheel, "PASS", "OK: all"} {
		if !strings.Contains(s, want) {
			t.Errorf("String() lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, f.gh.Token()) {
		t.Fatal("the token appears in the report")
	}

	// Offline, from the files kept.
	off := Config{Repository: verifyTRepo, Version: "v1.0.0", Dir: keep, Image: f.image, Verifier: f.verifier}
	r2, err := Release(context.Background(), off)
	if err != nil || !r2.Offline {
		t.Fatalf("offline: %v\n%s", err, r2)
	}
	if c := verifyTCheck(t, r2, verifyTWheel, CheckSignature); c.Status != Passed {
		t.Fatalf("offline wheel signature: %+v", c)
	}
}

func TestVerifyReleaseTagRepointed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		signOther bool
	}{{"unsigned digest", false}, {"digest signed from a branch", true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			f := newVerifyTFixture(t, verifyTOptions{})
			other, _ := random.Index(128, 1, 2)
			pr, err := oci.Push(ctx, other, f.image+":v1.0.0", oci.WithMutableTagUnsafe())
			if err != nil {
				t.Fatal(err)
			}
			if tc.signOther {
				f.st.SetWorkflow(signtest.Workflow{Repository: verifyTRepo, Ref: "refs/heads/main"})
				s, err := f.st.NewSigner()
				if err != nil {
					t.Fatal(err)
				}
				if _, err := oci.Sign(ctx, s, pr.DigestRef()); err != nil {
					t.Fatal(err)
				}
			}
			r, err := Release(ctx, f.config())
			if !errors.Is(err, ErrFailed) || !errors.Is(err, ErrTagMoved) || r.OK() {
				t.Fatalf("err = %v\n%s", err, r)
			}
			ref := f.image + ":v1.0.0"
			ve := verifyTWantFail(t, r, ref, CheckSignature, ErrTagMoved, "re-pointed")
			if !strings.Contains(ve.Expected, f.digest) || !strings.Contains(ve.Found, pr.Digest.String()) {
				t.Fatalf("expected %q found %q", ve.Expected, ve.Found)
			}
			verifyTWantFail(t, r, ref, CheckSBOM, ErrTagMoved, f.digest)
			if c := verifyTCheck(t, r, ref, CheckReleased); c.Status != Passed {
				t.Fatalf("released digest: %+v", c)
			}
			// The files are untouched.
			if c := verifyTCheck(t, r, verifyTWheel, CheckSignature); c.Status != Passed {
				t.Fatalf("wheel: %+v", c)
			}
			if len(r.Failures()) != 2 {
				t.Fatalf("%d failures:\n%s", len(r.Failures()), r)
			}
		})
	}
}

func TestVerifyReleaseWheelReplacedOnIndex(t *testing.T) {
	t.Parallel()
	f := newVerifyTFixture(t, verifyTOptions{})
	// A second index serving another wheel under the same name (Warehouse
	// forbids file-name reuse; a compromised mirror does not).
	evil, err := pypitest.NewServer(pypitest.WithAPIToken("pypi-test"))
	if err != nil {
		t.Fatal(err)
	}
	defer evil.Close()
	d := t.TempDir()
	w := filepath.Join(d, verifyTWheel)
	os.WriteFile(w, verifyTWheelBytes(t, verifyTVersion, "backdoor"), 0o644)
	s := filepath.Join(d, verifyTSdist)
	os.WriteFile(s, verifyTSdistBytes(t, verifyTVersion), 0o644)
	verifyTUpload(t, evil, w, s)

	cfg := f.config()
	cfg.IndexURL = evil.URL
	r, err := Release(context.Background(), cfg)
	if !errors.Is(err, ErrFileReplaced) || r.OK() {
		t.Fatalf("err = %v\n%s", err, r)
	}
	verifyTWantFail(t, r, verifyTWheel, CheckSignature, ErrFileReplaced, "replaced")
	verifyTWantFail(t, r, verifyTWheel, CheckSums, ErrFileReplaced, "SHA256SUMS")
	verifyTWantFail(t, r, verifyTWheel, CheckSBOM, ErrFileReplaced, "replaced")
	if c := verifyTCheck(t, r, verifyTSdist, CheckSignature); c.Status != Passed {
		t.Fatalf("sdist: %+v", c)
	}

	// The index listing one hash and serving other bytes is caught at
	// download.
	f.index.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasPrefix(r.URL.Path, "/files/") && strings.HasSuffix(r.URL.Path, ".whl") {
			w.Write(verifyTWheelBytes(t, verifyTVersion, "swapped"))
			return true
		}
		return false
	})
	r, err = Release(context.Background(), f.config())
	if !errors.Is(err, ErrFileReplaced) {
		t.Fatalf("err = %v\n%s", err, r)
	}
	verifyTWantFail(t, r, verifyTWheel, CheckFetch, ErrFileReplaced, "index")
}

func TestVerifyReleaseWrongIdentity(t *testing.T) {
	t.Parallel()
	f := newVerifyTFixture(t, verifyTOptions{ref: "refs/heads/main"})
	r, err := Release(context.Background(), f.config())
	if !errors.Is(err, ErrIdentity) || r.OK() {
		t.Fatalf("err = %v\n%s", err, r)
	}
	for _, a := range []string{verifyTWheel, verifyTSdist, f.image + ":v1.0.0"} {
		ve := verifyTWantFail(t, r, a, CheckSignature, ErrIdentity, "branch main")
		if ve.Expected != r.Identity || !strings.HasSuffix(ve.Found, "@refs/heads/main") {
			t.Fatalf("%s: expected %q found %q", a, ve.Expected, ve.Found)
		}
	}
	if !strings.Contains(r.String(), "expected: "+r.Identity) {
		t.Fatalf("String() does not show expected vs found:\n%s", r)
	}
}

func TestVerifyReleaseBundleOfAnotherFile(t *testing.T) {
	t.Parallel()
	f := newVerifyTFixture(t, verifyTOptions{swapBundle: true})
	r, err := Release(context.Background(), f.config())
	if !errors.Is(err, ErrBundleMismatch) || errors.Is(err, ErrFileReplaced) {
		t.Fatalf("err = %v\n%s", err, r)
	}
	verifyTWantFail(t, r, verifyTSdist, CheckSignature, ErrBundleMismatch, "bundle of "+verifyTWheel)
	b, err := json.Marshal(r)
	if err != nil || !strings.Contains(string(b), `"reason":"verify: bundle signs another file"`) {
		t.Fatalf("JSON %s, %v", b, err)
	}
	if len(r.Failures()) != 1 {
		t.Fatalf("%d failures:\n%s", len(r.Failures()), r)
	}
}

func TestVerifyReleaseNotInLog(t *testing.T) {
	t.Parallel()
	f := newVerifyTFixture(t, verifyTOptions{stripTlog: true})
	r, err := Release(context.Background(), f.config())
	if !errors.Is(err, ErrNotInLog) {
		t.Fatalf("err = %v\n%s", err, r)
	}
	verifyTWantFail(t, r, verifyTWheel, CheckSignature, ErrNotInLog, "wait and retry")
	if len(r.Failures()) != 1 {
		t.Fatalf("%d failures:\n%s", len(r.Failures()), r)
	}
}

func TestVerifyReleaseMissingParts(t *testing.T) {
	t.Parallel()
	f := newVerifyTFixture(t, verifyTOptions{})
	ctx := context.Background()

	cfg := f.config()
	cfg.Version = "1.0.1" // neither released nor uploaded
	r, err := Release(ctx, cfg)
	if !errors.Is(err, ErrMissing) || r.OK() {
		t.Fatalf("err = %v\n%s", err, r)
	}
	verifyTWantFail(t, r, verifyTRepo+"@v1.0.1", CheckPublished, ErrMissing, "not published")

	// An index that lost the sdist: the release lists it, the index does not.
	partial, err := pypitest.NewServer(pypitest.WithAPIToken("pypi-test"))
	if err != nil {
		t.Fatal(err)
	}
	defer partial.Close()
	verifyTUpload(t, partial, filepath.Join(f.dir, verifyTWheel))
	cfg = f.config()
	cfg.IndexURL = partial.URL
	r, err = Release(ctx, cfg)
	if !errors.Is(err, ErrMissing) || len(r.Failures()) != 1 {
		t.Fatalf("err = %v\n%s", err, r)
	}
	verifyTWantFail(t, r, verifyTSdist, CheckFetch, ErrMissing, "index does not serve it")

	for _, bad := range []Config{
		{Repository: "octo-org", Version: "1.0.0"},
		{Repository: verifyTRepo, Version: "1.0"},
		{Repository: verifyTRepo, Version: "01.2.3"}, // preflight's strict rule: no leading zeros
		{Repository: verifyTRepo, Version: "1.0.0", Image: "ghcr.io/o/r:latest", Verifier: f.verifier},
		{Repository: verifyTRepo, Version: "1.0.0", Dir: "/does/not/exist", Verifier: f.verifier},
		{Repository: verifyTRepo, Version: "1.0.0", GitHubAPI: "http://github.example.org/api/v3/", Verifier: f.verifier},
	} {
		if _, err := Release(ctx, bad); !errors.Is(err, ErrConfig) {
			t.Errorf("%+v: err = %v", bad, err)
		}
	}
}

// TestReleaseProvenance: each way the build provenance can be wrong is one
// precise failure with a hint; a valid one passes, for the files and the
// image.
func TestReleaseProvenance(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		mode   string
		check  string
		reason error
		hint   string
	}{
		{"", "", nil, ""},
		{"missing", CheckFetch, ErrMissing, "no build provenance"},
		{"wrong-subject", CheckProvenanceSubject, ErrProvenance, "other bytes"},
		{"wrong-ref", CheckProvenanceSource, ErrProvenance, "branch main"},
		{"unsigned", CheckSignature, ErrSignature, "no DSSE-signed statement"},
	} {
		t.Run("provenance "+verifyOr(tc.mode, "valid"), func(t *testing.T) {
			t.Parallel()
			f := newVerifyTFixture(t, verifyTOptions{provenance: tc.mode})
			rep, err := Release(context.Background(), f.config())
			var prov, img *Artifact
			for i := range rep.Artifacts {
				switch rep.Artifacts[i].Kind {
				case KindProvenance:
					prov = &rep.Artifacts[i]
				case KindImage:
					img = &rep.Artifacts[i]
				}
			}
			if prov == nil || img == nil {
				t.Fatalf("no provenance or image artifact in\n%s", rep)
			}
			names := map[string]Status{}
			for _, c := range img.Checks {
				names[c.Name] = c.Status
			}
			if tc.mode != "wrong-ref" && (names[CheckProvenanceSource] != Passed || names[CheckSBOMAttestation] != Passed || names[CheckProvenanceSubject] != Passed) {
				t.Fatalf("image attestation checks %v\n%s", names, rep)
			}
			if tc.reason == nil {
				if err != nil {
					t.Fatalf("%v\n%s", err, rep)
				}
				if prov.OK() == false || len(prov.Checks) < 4 {
					t.Fatalf("provenance checks %+v", prov.Checks)
				}
				return
			}
			if !errors.Is(err, tc.reason) {
				t.Fatalf("err = %v, want %v\n%s", err, tc.reason, rep)
			}
			var found bool
			for _, c := range prov.Checks {
				if c.Status == Failed && c.Name == tc.check && errors.Is(c.Err, tc.reason) && strings.Contains(c.Err.Hint, tc.hint) {
					found = true
				}
			}
			if !found {
				t.Fatalf("no failed %s check with %v and hint %q in\n%s", tc.check, tc.reason, tc.hint, rep)
			}
			if tc.mode == "wrong-ref" && names[CheckProvenanceSource] != Failed {
				t.Fatalf("the image provenance built from a branch passed: %v", names)
			}
		})
	}
}

// SHA256SUMS and the SBOM are signed like the files: a release whose
// record is unsigned, or changed after it was signed, is refused (unless
// UnsignedRecordsUnsafe, for an unsigned one only).
func TestVerifyReleaseSignedRecords(t *testing.T) {
	t.Parallel()
	sbomName := ghrelease.SBOMAssetName("demo", verifyTVersion)
	for _, tc := range []struct {
		name     string
		o        verifyTOptions
		artifact string
		reason   error // nil: the release verifies
		hint     string
		unsafeOK bool // passes with UnsignedRecordsUnsafe
	}{
		{name: "signed", o: verifyTOptions{}},
		{name: "unsigned SHA256SUMS", o: verifyTOptions{unsignedSums: true}, artifact: "SHA256SUMS", reason: ErrMissing, hint: "signs SHA256SUMS", unsafeOK: true},
		{name: "unsigned SBOM", o: verifyTOptions{unsignedSBOM: true}, artifact: sbomName, reason: ErrMissing, hint: "signs " + sbomName, unsafeOK: true},
		{name: "tampered SHA256SUMS", o: verifyTOptions{tamperSums: true}, artifact: "SHA256SUMS", reason: ErrBundleMismatch, hint: "another artifact"},
		{name: "tampered SBOM", o: verifyTOptions{tamperSBOM: true}, artifact: sbomName, reason: ErrBundleMismatch, hint: "another artifact"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newVerifyTFixture(t, tc.o)
			r, err := Release(context.Background(), f.config())
			if tc.reason == nil {
				if err != nil || !r.OK() {
					t.Fatalf("err = %v\n%s", err, r)
				}
				for _, a := range []string{"SHA256SUMS", sbomName} {
					if c := verifyTCheck(t, r, a, CheckSignature); c.Status != Passed {
						t.Errorf("%s signature: %s %s", a, c.Status, c.Detail)
					}
				}
				return
			}
			if !errors.Is(err, ErrFailed) || r.OK() {
				t.Fatalf("err = %v, OK %v; want the release refused\n%s", err, r.OK(), r)
			}
			verifyTWantFail(t, r, tc.artifact, CheckSignature, tc.reason, tc.hint)
			if tc.artifact == "SHA256SUMS" {
				// Entries of an untrusted SHA256SUMS are not used.
				if c := verifyTCheck(t, r, verifyTWheel, CheckSums); c.Status != Skipped {
					t.Errorf("wheel sha256sums check: %s, want skipped", c.Status)
				}
			}
			cfg := f.config()
			cfg.UnsignedRecordsUnsafe = true
			r, err = Release(context.Background(), cfg)
			if tc.unsafeOK != (err == nil && r.OK()) {
				t.Errorf("UnsignedRecordsUnsafe: err = %v, OK %v, want OK %v\n%s", err, r.OK(), tc.unsafeOK, r)
			}
		})
	}
}
