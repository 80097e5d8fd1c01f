package release_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/tagship/tagship/oci"
	"github.com/tagship/tagship/release"
	"github.com/tagship/tagship/sign"
)

// TestIdentityPinning: a release signed by
// https://github.com/octo-org/hello-release/.github/workflows/release.yml@refs/tags/v0.11.0
// (issuer https://token.actions.githubusercontent.com) verifies for exactly
// that identity: a near miss of any part — tag, repository, workflow file,
// ref kind, issuer spelling or scheme, GitHub claims — is refused, for the
// files' bundles and for the image's signatures alike.
func TestIdentityPinning(t *testing.T) {
	t.Parallel()
	fc := faultWorld(t)
	env := fc.env
	p, err := release.Standard(faultConfig(t, env, fc.dir, ""))
	if err != nil {
		t.Fatal(err)
	}
	if r, err := p.Run(context.Background()); err != nil {
		t.Fatalf("release: %v\n%s", err, r.Table())
	}
	const (
		repo   = "octo-org/hello-release"
		wf     = ".github/workflows/release.yml"
		tag    = "v0.11.0"
		issuer = "https://token.actions.githubusercontent.com"
		id     = "https://github.com/" + repo + "/" + wf + "@refs/tags/" + tag
	)
	if env.Repository != repo || env.Tag != tag || env.Sigstore.Issuer() != issuer {
		t.Fatalf("the doubles sign for %s %s %s", env.Repository, env.Tag, env.Sigstore.Issuer())
	}
	good := sign.Policy{Identity: id, Issuer: issuer, Repository: repo, Ref: "refs/tags/" + tag, EventName: "push"}
	with := func(f func(*sign.Policy)) sign.Policy { p := good; f(&p); return p }

	for _, tc := range []struct {
		name   string
		policy sign.Policy
		ok     bool
		is     error // the sentinel a refusal wraps (nil: any)
	}{
		{"exact identity, issuer and claims", good, true, nil},
		{"GitHubReleasePolicy", sign.GitHubReleasePolicy(repo, "", tag), true, nil},
		{"identity only", sign.Policy{Identity: id, Issuer: issuer}, true, nil},

		{"tag v0.11.00", with(func(p *sign.Policy) { p.Identity = "https://github.com/" + repo + "/" + wf + "@refs/tags/v0.11.00" }), false, sign.ErrIdentityMismatch},
		{"tag v0.11 (prefix)", with(func(p *sign.Policy) { p.Identity = "https://github.com/" + repo + "/" + wf + "@refs/tags/v0.11" }), false, sign.ErrIdentityMismatch},
		{"tag v0.11.1", sign.GitHubReleasePolicy(repo, "", "v0.11.1"), false, nil},
		{"another repository", sign.GitHubReleasePolicy("octo-org/hello-release2", "", tag), false, nil},
		{"another owner", sign.GitHubReleasePolicy("evil-org/hello-release", "", tag), false, nil},
		{"repository in other case", sign.GitHubReleasePolicy("Octo-Org/Hello-Release", "", tag), false, nil},
		{"another workflow file", sign.GitHubReleasePolicy(repo, ".github/workflows/publish.yml", tag), false, nil},
		{"workflow file .yaml", sign.GitHubReleasePolicy(repo, ".github/workflows/release.yaml", tag), false, nil},
		{"refs/heads/ ref", with(func(p *sign.Policy) {
			p.Identity = "https://github.com/" + repo + "/" + wf + "@refs/heads/" + tag
		}), false, sign.ErrIdentityMismatch},
		{"refs/heads/main", with(func(p *sign.Policy) {
			p.Identity = "https://github.com/" + repo + "/" + wf + "@refs/heads/main"
			p.Ref = "refs/heads/main"
		}), false, nil},
		{"identity over http", with(func(p *sign.Policy) { p.Identity = "http://github.com/" + repo + "/" + wf + "@refs/tags/" + tag }), false, sign.ErrIdentityMismatch},
		{"identity with trailing slash", with(func(p *sign.Policy) { p.Identity = id + "/" }), false, sign.ErrIdentityMismatch},
		{"issuer with trailing slash", with(func(p *sign.Policy) { p.Issuer = issuer + "/" }), false, sign.ErrIssuerMismatch},
		{"issuer over http", with(func(p *sign.Policy) { p.Issuer = "http://token.actions.githubusercontent.com" }), false, sign.ErrIssuerMismatch},
		{"issuer of another service", with(func(p *sign.Policy) { p.Issuer = "https://accounts.google.com" }), false, sign.ErrIssuerMismatch},
		{"claim: another repository", with(func(p *sign.Policy) { p.Repository = "octo-org/other" }), false, sign.ErrClaimMismatch},
		{"claim: another ref", with(func(p *sign.Policy) { p.Ref = "refs/tags/v0.11.1" }), false, sign.ErrClaimMismatch},
		{"claim: a branch ref", with(func(p *sign.Policy) { p.Ref = "refs/heads/main" }), false, sign.ErrClaimMismatch},
		{"claim: pull_request event", with(func(p *sign.Policy) { p.EventName = "pull_request" }), false, sign.ErrClaimMismatch},
		{"claim: workflow_dispatch event", with(func(p *sign.Policy) { p.EventName = "workflow_dispatch" }), false, sign.ErrClaimMismatch},
		{"loose regexp matching another tag only", sign.Policy{IdentityRegexpLoose: `^https://github\.com/octo-org/hello-release/\.github/workflows/release\.yml@refs/tags/v0\.11\.1$`, Issuer: issuer}, false, sign.ErrIdentityMismatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			v, err := sign.NewVerifier(env.Sigstore.VerifierOptions()...)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{"hello_release-0.11.0-py3-none-any.whl", "hello_release-0.11.0.tar.gz"} {
				path := filepath.Join(fc.dir, "dist", f)
				_, err := v.VerifyFile(ctx, path, path+".sigstore.json", tc.policy)
				checkPinned(t, "file "+f, tc.ok, tc.is, err)
			}
			_, err = oci.Verify(ctx, env.ImageRepository()+":"+tag, tc.policy, v)
			checkPinned(t, "image", tc.ok, tc.is, err)
		})
	}
}

func checkPinned(t *testing.T, what string, ok bool, is error, err error) {
	t.Helper()
	switch {
	case ok && err != nil:
		t.Errorf("%s: does not verify: %v", what, err)
	case !ok && err == nil:
		t.Errorf("%s: verifies, but the policy names another identity", what)
	case !ok && is != nil && !errors.Is(err, is) && !errors.Is(err, oci.ErrNoSignature):
		t.Errorf("%s: refused, but not with %v: %v", what, is, err)
	}
}
