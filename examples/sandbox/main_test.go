package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tagship/tagship/ghrelease"
	"github.com/tagship/tagship/oci"
	"github.com/tagship/tagship/pypi"
	"github.com/tagship/tagship/release"
	"github.com/tagship/tagship/release/prepare"
	"github.com/tagship/tagship/release/releasetest"
	"github.com/tagship/tagship/release/verify"
	"github.com/tagship/tagship/sign"
)

// startSandbox runs the command until the test ends and returns DIR/env.
func startSandbox(t *testing.T, args ...string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var errb syncBuffer
	done := make(chan int, 1)
	go func() {
		code := run(ctx, append([]string{"-out", dir}, args...), pw, &errb)
		pw.Close()
		done <- code
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("sandbox exit %d after SIGINT:\n%s", code, errb.String())
			}
		case <-time.After(10 * time.Second):
			t.Error("sandbox did not stop")
		}
	})
	line, err := bufio.NewReader(pr).ReadString('\n')
	if line != "READY\n" {
		t.Fatalf("first line %q (%v), want READY\n%s", line, err, errb.String())
	}
	go io.Copy(io.Discard, pr)
	raw, err := os.ReadFile(filepath.Join(dir, "env"))
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			t.Fatalf("env line %q", l)
		}
		env[k] = v
	}
	return env
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestSandboxRelease releases a project against the sandbox with nothing
// but DIR/env — the trust material by file, every endpoint by URL, the
// tokens from the token endpoint — as a workflow run would, then verifies
// the whole release as a user would, reading the index's simple API.
func TestSandboxRelease(t *testing.T) {
	t.Parallel()
	const repo, tag = "Octo-Org/sandboxed", "v0.11.0"
	env := startSandbox(t, "-repo", repo, "-ref", "refs/tags/"+tag, "-sha", strings.Repeat("ab", 20))
	for _, k := range []string{"TAGSHIP_TRUSTED_ROOT", "TAGSHIP_SIGNING_CONFIG", "TAGSHIP_INDEX_URL", "TAGSHIP_GITHUB_API",
		"TAGSHIP_REGISTRY", "ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "GITHUB_TOKEN"} {
		if env[k] == "" {
			t.Errorf("env lacks %s", k)
		}
	}
	if want := "https://github.com/Octo-Org/sandboxed/.github/workflows/release.yml@refs/tags/v0.11.0"; env["TAGSHIP_IDENTITY"] != want {
		t.Errorf("identity %q, want %q", env["TAGSHIP_IDENTITY"], want)
	}
	if strings.Contains(env["TAGSHIP_REGISTRY"], "/") || !strings.HasPrefix(env["TAGSHIP_REGISTRY"], "127.0.0.1:") {
		t.Errorf("TAGSHIP_REGISTRY %q: want 127.0.0.1:PORT", env["TAGSHIP_REGISTRY"])
	}
	cfg, image := releaseConfig(t, env, repo, tag)
	p, err := release.Standard(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := p.Run(context.Background())
	if err != nil {
		t.Fatalf("%v\n%s", err, rep.Table())
	}
	v, err := sign.NewVerifier(sign.WithVerifierTrustedRootFile(env["TAGSHIP_TRUSTED_ROOT"]))
	if err != nil {
		t.Fatal(err)
	}
	vr, err := verify.Release(context.Background(), verify.Config{Repository: repo, Version: "0.11.0", Project: "hello-release",
		IndexURL: env["TAGSHIP_SIMPLE_INDEX_URL"], GitHubAPI: env["TAGSHIP_GITHUB_API"], GitHubToken: env["GITHUB_TOKEN"],
		Image: image, Verifier: v})
	if err != nil {
		t.Fatalf("verify: %v\n%s", err, vr)
	}
	if !vr.OK() || vr.Identity != env["TAGSHIP_IDENTITY"] || vr.Issuer != env["TAGSHIP_ISSUER"] {
		t.Errorf("verify report:\n%s", vr)
	}
}

// TestSandboxIdentity: the sandbox signs for -repo and -ref only. A
// release of another repository gets certificates for the sandbox's
// identity, which its own identity check refuses before anything is
// published.
func TestSandboxIdentity(t *testing.T) {
	t.Parallel()
	env := startSandbox(t, "-repo", "octo-org/one", "-ref", "v1.2.3")
	if env["TAGSHIP_TAG"] != "v1.2.3" || !strings.HasSuffix(env["TAGSHIP_IDENTITY"], "/octo-org/one/.github/workflows/release.yml@refs/tags/v1.2.3") {
		t.Errorf("env: %v", env)
	}
	// The runner names its workflow (GITHUB_WORKFLOW_REF): Standard
	// refuses to release another repository before any job runs.
	cfg, _ := releaseConfig(t, env, "octo-org/two", "v1.2.3")
	if _, err := release.Standard(cfg); !errors.Is(err, release.ErrInvalidPipeline) || !strings.Contains(err.Error(), "octo-org/one/.github/workflows/release.yml") {
		t.Fatalf("release of another repository: %v, want the running workflow named before any job", err)
	}
	// Without it (a runner that does not say), the certificate does: its
	// identity is the sandbox's, and every signature is refused.
	getenv := cfg.Getenv
	cfg.Getenv = func(k string) string {
		if k == "GITHUB_WORKFLOW_REF" {
			return ""
		}
		return getenv(k)
	}
	cfg.NoProvenance = true
	p, err := release.Standard(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := p.Run(context.Background())
	if err == nil || !errors.Is(err, sign.ErrIdentityMismatch) {
		t.Fatalf("release of another repository: %v, want %v\n%s", err, sign.ErrIdentityMismatch, rep.Table())
	}
}

func TestSandboxFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "usage: sandbox -out DIR"},
		{[]string{"-out", t.TempDir(), "-repo", "nope"}, `-repo "nope": want OWNER/REPO`},
		{[]string{"-out", t.TempDir(), "-ref", "refs/tags/v1.2"}, `-ref "refs/tags/v1.2"`},
		{[]string{"-out", t.TempDir(), "-ref", "refs/heads/main"}, `-ref "refs/tags/refs/heads/main"`},
		{[]string{"-out", t.TempDir(), "-sha", "HEAD"}, `-sha "HEAD"`},
	} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), tc.args, &out, &errb); code != 2 || !strings.Contains(errb.String(), tc.want) || out.Len() > 0 {
			t.Errorf("%q: exit %d, out %q, want 2 and %q in:\n%s", tc.args, code, out.String(), tc.want, errb.String())
		}
	}
}

// releaseConfig is a standard release of a sample project of repo at tag,
// configured from the sandbox's env alone, plus the variables GitHub
// Actions sets for a tag push; it returns the image repository too.
func releaseConfig(t *testing.T, env map[string]string, repo, tag string) (release.StandardConfig, string) {
	t.Helper()
	// The run: the sandbox's variables, and what GitHub Actions sets.
	getenv := func(k string) string {
		switch k {
		case "GITHUB_ACTIONS", "CI":
			return "true"
		case "GITHUB_EVENT_NAME":
			return "push"
		case "GITHUB_REF":
			return "refs/tags/" + tag
		case "GITHUB_REF_NAME":
			return tag
		case "GITHUB_REF_TYPE":
			return "tag"
		case "GITHUB_REPOSITORY":
			return repo
		}
		return env[k]
	}
	dir := t.TempDir()
	if err := releasetest.WriteProject(dir, releasetest.Project{Repository: repo}); err != nil {
		t.Fatal(err)
	}
	if _, err := prepare.Release(context.Background(), prepare.Config{Version: tag, Dir: dir, NoGitUnsafe: true, Now: releasetest.PrepareDate}); err != nil {
		t.Fatal(err)
	}
	plat, err := releasetest.ImageSources(filepath.Join(t.TempDir(), "image"))
	if err != nil {
		t.Fatal(err)
	}
	tokens := release.CheckedTokenSource(sign.DefaultTokenSource(sign.WithTokenEnv(getenv)))
	image := env["TAGSHIP_REGISTRY"] + "/" + strings.ToLower(repo)
	cfg := release.StandardConfig{Dir: dir, Repository: repo, Getenv: getenv, Build: releasetest.BuildDists,
		SignerOptions: []sign.Option{sign.WithTokenSource(tokens), sign.WithSigningConfigFile(env["TAGSHIP_SIGNING_CONFIG"]),
			sign.WithTrustedRootFile(env["TAGSHIP_TRUSTED_ROOT"])},
		VerifierOptions: []sign.VerifierOption{sign.WithVerifierTrustedRootFile(env["TAGSHIP_TRUSTED_ROOT"])},
		ImageRepository: image, Platforms: plat,
		IndexURL: env["TAGSHIP_INDEX_URL"], PyPIOptions: []pypi.Option{pypi.WithTokenSource(tokens)},
		GitHubOptions: []ghrelease.Option{ghrelease.WithToken(env["GITHUB_TOKEN"]),
			ghrelease.WithBaseURL(env["TAGSHIP_GITHUB_API"], strings.Replace(env["TAGSHIP_GITHUB_API"], "/api/v3/", "/api/uploads/", 1))},
		OCIOptions:      []oci.Option{oci.WithEnv(getenv)},
		PipelineOptions: []release.Option{release.WithStateDir(filepath.Join(dir, ".tagship"))},
	}
	return cfg, image
}

// TestSandboxGitSHA: with -git, each token's sha claims are the commit the
// tag names at the time of the request; no tag, no token.
func TestSandboxGitSHA(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	repo := t.TempDir()
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git("init", "-q")
	git("commit", "-q", "--allow-empty", "-m", "one")
	env := startSandbox(t, "-repo", "octo-org/git", "-ref", "v2.0.0", "-git", repo)
	tokens := sign.DefaultTokenSource(sign.WithTokenEnv(func(k string) string { return env[k] }))
	if _, err := tokens.Token(context.Background(), "sigstore"); err == nil || !strings.Contains(err.Error(), "500") {
		t.Errorf("token before the tag exists: %v", err)
	}
	for _, msg := range []string{"two", "three"} {
		git("commit", "-q", "--allow-empty", "-m", msg)
		git("tag", "-f", "v2.0.0")
		want := git("rev-parse", "HEAD")
		tok, err := tokens.Token(context.Background(), "sigstore")
		if err != nil {
			t.Fatal(err)
		}
		claims := jwtClaims(t, tok)
		for _, c := range []string{"sha", "workflow_sha", "job_workflow_sha"} {
			if claims[c] != want {
				t.Errorf("%s claim %v, want %s", c, claims[c], want)
			}
		}
		if claims["ref"] != "refs/tags/v2.0.0" || claims["repository"] != "octo-org/git" ||
			claims["workflow_ref"] != "octo-org/git/.github/workflows/release.yml@refs/tags/v2.0.0" {
			t.Errorf("claims: %v", claims)
		}
	}
}

// jwtClaims decodes a JWT's payload (its signature is the verifiers' to
// check; here only the claims matter).
func jwtClaims(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts", len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}
