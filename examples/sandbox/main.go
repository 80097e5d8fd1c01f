// Command sandbox runs every remote service of a release as a local
// service on 127.0.0.1: the test doubles of tagship, the same ones the
// SDK's tests use, speaking the real protocols.
//
//	go run ./examples/sandbox -out DIR [-repo OWNER/REPO] [-ref refs/tags/vX.Y.Z] [-sha COMMIT | -git REPODIR]
//
// It starts
//
//   - an OIDC issuer that presents itself as GitHub Actions'
//     (https://token.actions.githubusercontent.com) with a GitHub Actions
//     token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN): its tokens
//     describe a tag push of -ref running -workflow in -repo at -sha (or
//     at the commit -ref names in the repository -git, when minted), so
//     the identities in certificates, bundles and release notes are the
//     production ones;
//   - a Fulcio-like CA with a CT log, a transparency log and a timestamp
//     authority (sign/signtest), trusted through DIR/trusted_root.json and
//     named by DIR/signing_config.json;
//   - a Warehouse-like index (pypi/pypitest) that trusts that workflow, in
//     the "pypi" environment, as the Trusted Publisher of every project;
//   - GitHub's releases API (ghrelease/ghreleasetest), plain HTTP;
//   - an OCI registry (oci/ocitest), plain HTTP on loopback;
//
// writes DIR/trusted_root.json, DIR/signing_config.json and DIR/env, prints
// READY, and serves until SIGINT or SIGTERM. DIR/env holds KEY=VALUE lines
// (values never need quoting): the TAGSHIP_* variables from which
// examples/release takes its endpoints, so that a workflow exported once
// runs against production or, with this environment alone, against the
// sandbox:
//
//	TAGSHIP_TRUSTED_ROOT, TAGSHIP_SIGNING_CONFIG  the Sigstore trust and services
//	TAGSHIP_INDEX_URL          the index's upload URL (examples/release -index)
//	TAGSHIP_SIMPLE_INDEX_URL   the index's simple API, where users read (examples/verify -index)
//	TAGSHIP_GITHUB_API         GitHub's API root (-github-api of both)
//	TAGSHIP_REGISTRY           the registry, HOST:PORT (images: $TAGSHIP_REGISTRY/owner/repo)
//	TAGSHIP_REPOSITORY, TAGSHIP_TAG, TAGSHIP_IDENTITY, TAGSHIP_ISSUER   what is signed, by whom
//	ACTIONS_ID_TOKEN_REQUEST_URL, ACTIONS_ID_TOKEN_REQUEST_TOKEN        the token endpoint
//	GITHUB_TOKEN               the token the GitHub double accepts
//	GITHUB_* and RUNNER_ENVIRONMENT   the run a runner would describe
//	                           (GITHUB_RUN_ID, GITHUB_WORKFLOW_REF, …: the
//	                           build provenance names the run from them;
//	                           GITHUB_SHA only without -git)
//
// Everything is in memory: a restart starts empty. The registry, index and
// GitHub double accept any project and repository; only the signing
// identity is fixed by the flags.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"

	"github.com/tagship/tagship/ghrelease/ghreleasetest"
	"github.com/tagship/tagship/oci/ocitest"
	"github.com/tagship/tagship/preflight"
	"github.com/tagship/tagship/pypi/pypitest"
	"github.com/tagship/tagship/sign"
	"github.com/tagship/tagship/sign/signtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// identity is the GitHub Actions run the sandbox's tokens describe.
type identity struct {
	Repository   string // OWNER/REPO
	Ref          string // refs/tags/vX.Y.Z
	SHA          string // the tagged commit, 40 hex
	GitDir       string // else resolve Ref in this repository at each mint
	WorkflowPath string // .github/workflows/release.yml
	Environment  string // the deployment environment the index trusts
}

var shaRE = regexp.MustCompile(`^[0-9a-f]{40}$`)

// run is main without the process: 0 after a clean shutdown, 1 when a
// service fails, 2 on bad flags.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "directory for trusted_root.json, signing_config.json and env (required)")
	id := identity{}
	fs.StringVar(&id.Repository, "repo", "octo-org/hello-release", "GitHub repository OWNER/REPO the tokens name")
	fs.StringVar(&id.Ref, "ref", "refs/tags/v0.11.0", "the pushed tag the tokens name, refs/tags/vX.Y.Z (or vX.Y.Z)")
	fs.StringVar(&id.SHA, "sha", "", "the tagged commit the tokens name (sha, workflow_sha), 40 hex (default: signtest's)")
	fs.StringVar(&id.GitDir, "git", "", "a git repository: the sha claim is the commit -ref names there, read when each token is minted (instead of -sha)")
	fs.StringVar(&id.WorkflowPath, "workflow", sign.DefaultWorkflowPath, "the release workflow the tokens name")
	fs.StringVar(&id.Environment, "environment", "pypi", "the deployment environment the tokens carry and the index's Trusted Publisher requires")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	id.Ref = "refs/tags/" + strings.TrimPrefix(id.Ref, "refs/tags/")
	var problems []string
	if *out == "" || fs.NArg() > 0 {
		problems = append(problems, "usage: sandbox -out DIR [-repo OWNER/REPO] [-ref refs/tags/vX.Y.Z] [-sha COMMIT]")
	}
	if owner, repo, ok := strings.Cut(id.Repository, "/"); !ok || owner == "" || repo == "" || strings.Contains(repo, "/") {
		problems = append(problems, fmt.Sprintf("-repo %q: want OWNER/REPO", id.Repository))
	}
	if _, err := preflight.ParseTag(strings.TrimPrefix(id.Ref, "refs/tags/")); err != nil {
		problems = append(problems, fmt.Sprintf("-ref %q: %v", id.Ref, err))
	}
	if id.SHA != "" && !shaRE.MatchString(id.SHA) {
		problems = append(problems, fmt.Sprintf("-sha %q: want the commit's 40 lowercase hex digits (git rev-parse HEAD)", id.SHA))
	}
	if id.SHA != "" && id.GitDir != "" {
		problems = append(problems, "give -sha or -git, not both")
	}
	if len(problems) > 0 {
		fmt.Fprintln(stderr, "sandbox:", strings.Join(problems, "\nsandbox: "))
		return 2
	}
	sb, err := startDoubles(id)
	if err != nil {
		fmt.Fprintln(stderr, "sandbox:", err)
		return 1
	}
	defer sb.Close()
	env, err := sb.write(*out)
	if err != nil {
		fmt.Fprintln(stderr, "sandbox:", err)
		return 1
	}
	fmt.Fprintf(stderr, "sandbox: %s signs as %s\n", id.Repository, env["TAGSHIP_IDENTITY"])
	for _, k := range []string{"TAGSHIP_INDEX_URL", "TAGSHIP_GITHUB_API", "TAGSHIP_REGISTRY", "ACTIONS_ID_TOKEN_REQUEST_URL"} {
		fmt.Fprintf(stderr, "sandbox: %s=%s\n", k, env[k])
	}
	fmt.Fprintf(stderr, "sandbox: environment in %s\n", filepath.Join(*out, "env"))
	fmt.Fprintln(stdout, "READY")
	<-ctx.Done()
	fmt.Fprintln(stderr, "sandbox: stopping")
	return 0
}

// doubles are the running services.
type doubles struct {
	id       identity
	sigstore *signtest.Sigstore
	pypi     *pypitest.Server
	github   *ghreleasetest.Server
	registry *ocitest.Registry
}

// startDoubles starts every double with its long-running (non-test)
// constructor; all construction is here.
func startDoubles(id identity) (_ *doubles, err error) {
	d := &doubles{id: id}
	defer func() {
		if err != nil {
			d.Close()
		}
	}()
	wf := signtest.Workflow{Repository: id.Repository, WorkflowPath: id.WorkflowPath, Ref: id.Ref, SHA: id.SHA,
		EventName: "push", Environment: id.Environment}
	if d.sigstore, err = signtest.NewServer(signtest.WithWorkflow(wf)); err != nil {
		return nil, fmt.Errorf("sigstore: %w", err)
	}
	if d.pypi, err = pypitest.NewServer(
		pypitest.WithIssuerDiscovery(d.sigstore.Issuer(), d.sigstore.IssuerURL()),
		pypitest.WithTrustedPublisher(pypitest.Publisher{Issuer: d.sigstore.Issuer(), Repository: id.Repository,
			Workflow: filepath.Base(id.WorkflowPath), Environment: id.Environment}),
	); err != nil {
		return nil, fmt.Errorf("pypi: %w", err)
	}
	if id.GitDir != "" {
		if err := d.followGit(); err != nil {
			return nil, err
		}
	}
	if d.github, err = ghreleasetest.NewServer(); err != nil {
		return nil, fmt.Errorf("github: %w", err)
	}
	if d.registry, err = ocitest.NewServer(); err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	return d, nil
}

// followGit makes each token's sha claims the commit that id.Ref names in
// id.GitDir at the time of the request: the sandbox can start before the
// release commit exists (its endpoints go into that commit), and a tag
// moved between runs is seen as GitHub would see it.
func (d *doubles) followGit() error {
	tokenURL, err := url.Parse(d.sigstore.TokenURL())
	if err != nil {
		return err
	}
	d.sigstore.SetHook(signtest.Issuer, func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != tokenURL.Path {
			return false
		}
		out, err := exec.CommandContext(r.Context(), "git", "-C", d.id.GitDir, "rev-parse", "--verify", "--quiet", d.id.Ref+"^{commit}").Output()
		sha := strings.TrimSpace(string(out))
		if err != nil || !shaRE.MatchString(sha) {
			http.Error(w, fmt.Sprintf("sandbox: %s does not name a commit in %s: the token's sha claim is unknown", d.id.Ref, d.id.GitDir), http.StatusInternalServerError)
			return true
		}
		wf := d.sigstore.Workflow()
		if wf.SHA != sha {
			wf.SHA = sha
			d.sigstore.SetWorkflow(wf)
		}
		return false
	})
	return nil
}

// Close stops every double that was started.
func (d *doubles) Close() {
	if d.registry != nil {
		d.registry.Close()
	}
	if d.github != nil {
		d.github.Close()
	}
	if d.pypi != nil {
		d.pypi.Close()
	}
	if d.sigstore != nil {
		d.sigstore.Close()
	}
}

// env is what DIR/env holds.
func (d *doubles) env(dir string) map[string]string {
	tag := strings.TrimPrefix(d.id.Ref, "refs/tags/")
	e := map[string]string{
		"TAGSHIP_TRUSTED_ROOT":     filepath.Join(dir, "trusted_root.json"),
		"TAGSHIP_SIGNING_CONFIG":   filepath.Join(dir, "signing_config.json"),
		"TAGSHIP_INDEX_URL":        d.pypi.UploadURL(),
		"TAGSHIP_SIMPLE_INDEX_URL": d.pypi.SimpleURL(),
		"TAGSHIP_GITHUB_API":       d.github.BaseURL(),
		"TAGSHIP_REGISTRY":         d.registry.Host(),
		"TAGSHIP_REPOSITORY":       d.id.Repository,
		"TAGSHIP_TAG":              tag,
		"TAGSHIP_IDENTITY":         sign.GitHubWorkflowIdentity(d.id.Repository, d.id.WorkflowPath, tag),
		"TAGSHIP_ISSUER":           d.sigstore.Issuer(),
		"GITHUB_TOKEN":             d.github.Token(),
	}
	for k, v := range d.sigstore.ActionsEnv() {
		e[k] = v
	}
	// The run's own variables, as a runner sets them (the build provenance
	// describes the run from them, and must name the run the tokens name).
	// With -git the commit is only known when a token is minted: the
	// runner (act) sets GITHUB_SHA from the checkout then.
	for k, v := range d.sigstore.Workflow().Env() {
		if d.id.GitDir != "" && (k == "GITHUB_SHA" || k == "GITHUB_WORKFLOW_SHA") {
			continue
		}
		e[k] = v
	}
	return e
}

// write writes the trust material and DIR/env, and returns the env.
func (d *doubles) write(dir string) (map[string]string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	env := d.env(dir)
	if err := d.sigstore.WriteTrustedRoot(env["TAGSHIP_TRUSTED_ROOT"]); err != nil {
		return nil, err
	}
	if err := d.sigstore.WriteSigningConfig(env["TAGSHIP_SIGNING_CONFIG"]); err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(env))
	for k, v := range env {
		if strings.ContainsAny(v, " \t\n'\"\\$`") {
			return nil, fmt.Errorf("%s=%q would need quoting in %s/env", k, v, dir)
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%s\n", k, env[k])
	}
	// The tokens are the doubles' own, but an env file with tokens is
	// still the owner's only.
	tmp := filepath.Join(dir, ".env.tmp")
	if err := os.WriteFile(tmp, []byte(b.String()), 0o600); err != nil {
		return nil, err
	}
	return env, os.Rename(tmp, filepath.Join(dir, "env"))
}
