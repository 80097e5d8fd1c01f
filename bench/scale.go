package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/tagship/tagship/ghrelease/ghreleasetest"
	"github.com/tagship/tagship/pypi/pypitest"
	"github.com/tagship/tagship/release/releasetest"
	"github.com/tagship/tagship/sign"
	"github.com/tagship/tagship/sign/signtest"
)

// Targets of issue 17.
const (
	scaleReleaseTarget = 1.5 // wall of the N-artifact release ≤ 1.5 × the 2-artifact release's
	scaleSignTarget    = 0.1 // signing N files ≤ 0.1 × cosign sign-blob once per file
	scaleRSSTarget     = 1.25
)

// scale measures what a release with many artifacts costs against the
// real Sigstore stack: examples/sign on N small files against cosign
// sign-blob run once per file in sequence, and the standard release
// (examples/release) of N distributions against the same release of 2.
func (b *bench) scale(ctx context.Context) {
	n := 48
	if b.quick {
		n = 16
	}
	signMeasure := fmt.Sprintf("scale: sign %d files (real stack): wall", n)
	releaseMeasure := fmt.Sprintf("scale: standard release, %d vs 2 artifacts (real stack): wall", n)
	rssMeasure := fmt.Sprintf("scale: standard release, %d vs 2 artifacts: peak RSS (flat)", n)
	cosignAnchor := fmt.Sprintf("cosign sign-blob × %d, in sequence", n)
	smallAnchor := "tagship examples/release, 2 artifacts"
	signBin, signErr := b.example(ctx, "sign")
	relBin, relErr := b.example(ctx, "release")
	env, err := b.startSigstore(ctx)
	if err == nil && env.stack == nil {
		env.close()
		err = na("real Sigstore stack not installed")
	}
	if err != nil {
		if _, isNA := err.(*naError); !isNA {
			b.fail("starting the local Sigstore stack: %v", err)
		}
		b.rows = append(b.rows, naRows(signMeasure, err, cosignAnchor)...)
		b.rows = append(b.rows, naRows(releaseMeasure, err, smallAnchor)...)
		b.rows = append(b.rows, naRows(rssMeasure, err, smallAnchor)...)
		return
	}
	defer env.close()
	w := env.st.Workflow()
	tag := strings.TrimPrefix(w.Ref, "refs/tags/")

	// Sign N files: tagship signs them with one Signer, concurrently;
	// cosign once per file, as a release script's loop does.
	dir := filepath.Join(b.work, "scale-sign")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.fail("%v", err)
		return
	}
	defer os.RemoveAll(dir)
	var files []string
	for i := range n {
		f := filepath.Join(dir, fmt.Sprintf("dist-%02d.whl", i))
		if err := signtest.WriteRandomFile(f, 64<<10); err != nil {
			b.fail("%v", err)
			return
		}
		files = append(files, f)
	}
	removeBundles := func() {
		for _, f := range files {
			os.Remove(sign.DefaultBundlePath(f))
			os.Remove(f + ".cosign.sigstore.json")
		}
	}
	tokenFile := filepath.Join(b.work, "scale-oidc-token")
	defer os.Remove(tokenFile)
	ours := contender{name: "tagship examples/sign", make: func() (*exec.Cmd, error) {
		if signErr != nil {
			return nil, signErr
		}
		removeBundles()
		cmd := exec.Command(signBin, append([]string{"-signing-config", env.signingConfig, "-trusted-root", env.trustedRoot}, files...)...)
		cmd.Env = cleanEnv(sign.EnvActionsTokenRequestURL+"="+env.st.TokenURL(),
			sign.EnvActionsTokenRequestToken+"="+env.st.RequestToken())
		return cmd, nil
	}, check: func(sample) error {
		for _, f := range files {
			if !fileExists(sign.DefaultBundlePath(f)) {
				return fmt.Errorf("examples/sign wrote no bundle for %s", f)
			}
		}
		return nil
	}}
	cosign := contender{name: cosignAnchor, make: func() (*exec.Cmd, error) {
		if env.cosign == "" {
			return nil, na("cosign not installed")
		}
		removeBundles()
		tok, err := env.st.MintToken(sign.DefaultAudience)
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(tokenFile, []byte(tok), 0o600); err != nil {
			return nil, err
		}
		script := `cosign=$1; sc=$2; tr=$3; tok=$4; shift 4
for f in "$@"; do
  "$cosign" sign-blob --yes --signing-config "$sc" --trusted-root "$tr" --identity-token "$tok" \
    --new-bundle-format --bundle "$f.cosign.sigstore.json" "$f" >/dev/null || exit 1
done`
		cmd := exec.Command("/bin/sh", append([]string{"-c", script, "sh", env.cosign, env.signingConfig, env.trustedRoot, tokenFile}, files...)...)
		cmd.Env = env.cosignEnv
		return cmd, nil
	}, check: func(sample) error {
		for _, f := range files {
			if !fileExists(f + ".cosign.sigstore.json") {
				return fmt.Errorf("cosign wrote no bundle for %s", f)
			}
		}
		return nil
	}}
	b.logf("sign %d files", n)
	res := b.compare(ctx, b.runs, ours, cosign)
	b.record(wallRows(signMeasure, res[0], scaleSignTarget, res[1]), res[0], res[1])
	removeBundles()

	// The standard release of N and of 2 distributions.
	var closers []func()
	defer func() {
		for _, c := range closers {
			c()
		}
	}()
	release := func(dists int) contender {
		template := filepath.Join(b.work, fmt.Sprintf("scale-project-%d", dists))
		var prepErr error
		tags, err := releasetest.WheelTags(dists - 1)
		if err == nil {
			err = releasetest.WriteProject(template, releasetest.Project{Version: strings.TrimPrefix(tag, "v"), Repository: w.Repository})
		}
		if err == nil {
			err = releasetest.BuildMatrix(tags...)(ctx, template, filepath.Join(template, "dist"))
		}
		prepErr = err
		var idx *pypitest.Server
		name := fmt.Sprintf("tagship examples/release, %d artifacts", dists)
		return contender{name: name, make: func() (*exec.Cmd, error) {
			if relErr != nil {
				return nil, relErr
			}
			if prepErr != nil {
				return nil, prepErr
			}
			// Fresh index, GitHub, project copy and state per run.
			var err error
			idx, err = pypitest.NewServer(
				pypitest.WithIssuerDiscovery(env.st.Issuer(), env.st.IssuerURL()),
				pypitest.WithTrustedPublisher(pypitest.Publisher{Issuer: env.st.Issuer(), Repository: w.Repository,
					Workflow: filepath.Base(w.WorkflowPath), Environment: w.Environment}),
				pypitest.WithDiscardContent())
			if err != nil {
				return nil, err
			}
			closers = append(closers, idx.Close)
			gh, err := ghreleasetest.NewServer()
			if err != nil {
				return nil, err
			}
			closers = append(closers, gh.Close)
			run := filepath.Join(b.work, fmt.Sprintf("scale-run-%d-%d", dists, len(closers)))
			if err := os.CopyFS(run, os.DirFS(template)); err != nil {
				return nil, err
			}
			closers = append(closers, func() { os.RemoveAll(run) })
			cmd := exec.Command(relBin, "-repo", w.Repository, "-tag", tag, "-dir", run, "-build", "true",
				"-index", idx.UploadURL(), "-signing-config", env.signingConfig, "-trusted-root", env.trustedRoot,
				"-issuer", env.st.Issuer(), "-github-api", gh.BaseURL(), "-state", filepath.Join(run, ".tagship"))
			// The run's environment as a runner sets it (the build
			// provenance describes the run from it), and its credentials.
			runEnv := []string{"GITHUB_TOKEN=" + gh.Token(),
				sign.EnvActionsTokenRequestURL + "=" + env.st.TokenURL(),
				sign.EnvActionsTokenRequestToken + "=" + env.st.RequestToken()}
			for k, v := range w.Env() {
				runEnv = append(runEnv, k+"="+v)
			}
			cmd.Env = cleanEnv(runEnv...)
			return cmd, nil
		}, check: func(sample) error {
			if got := len(idx.Files()); got != dists {
				return fmt.Errorf("%s: %d files on the index, want %d", name, got, dists)
			}
			return nil
		}}
	}
	b.logf("standard release of %d and of 2 artifacts", n)
	rel := b.compare(ctx, b.runs, release(n), release(2))
	big, small := rel[0], rel[1]
	b.record(wallRows(releaseMeasure, big, scaleReleaseTarget, small), big, small)
	b.rows = append(b.rows, rssRow(rssMeasure, big, 0, scaleRSSTarget, small))
	b.note("Scale: the same local Sigstore as the sign rows. `scale: sign %d files` signs %d files of 64 KiB with one `examples/sign` process (one key and certificate, %d files at a time by default) against a shell loop running `cosign sign-blob` once per file. "+
		"`scale: standard release` runs `examples/release` (preflight, sign + verify, PEP 740 attestations, PyPI upload to `pypi/pypitest`, GitHub release on `ghrelease/ghreleasetest`; no image) on `releasetest.BuildMatrix` output: %d distributions (%d platform wheels + sdist) against 2 (1 wheel + sdist), fresh index, GitHub and state each run; the ratio is the %d-artifact wall ÷ the 2-artifact wall, and peak RSS should stay flat.",
		n, n, 32, n, n-1, n)
}
