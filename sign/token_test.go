package sign_test

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tagship/tagship/sign"
	"github.com/tagship/tagship/sign/signtest"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestTokenSources(t *testing.T) {
	t.Parallel()
	st := signtest.New(t)
	ctx := context.Background()
	tests := []struct {
		name     string
		ts       sign.TokenSource
		wantErr  error
		contains string // in the error
		wantIss  string
	}{
		{"static", sign.StaticToken("a.b.c"), nil, "", ""},
		{"static empty", sign.StaticToken(""), sign.ErrNoToken, "empty", ""},
		{"actions", sign.GitHubActionsTokenSource(sign.WithTokenEnv(st.Getenv)), nil, "", sign.GitHubActionsIssuer},
		{"actions missing vars", sign.GitHubActionsTokenSource(sign.WithTokenEnv(env(nil))), sign.ErrNoToken, "permissions: id-token: write", ""},
		{"actions bad request token", sign.GitHubActionsTokenSource(sign.WithTokenEnv(env(map[string]string{
			sign.EnvActionsTokenRequestURL: st.TokenURL(), sign.EnvActionsTokenRequestToken: "wrong-request-token"}))), sign.ErrNoToken, "401", ""},
		{"env", sign.EnvTokenSource("MY_TOKEN", sign.WithTokenEnv(env(map[string]string{"MY_TOKEN": "x.y.z\n"}))), nil, "", ""},
		{"env missing", sign.EnvTokenSource("MY_TOKEN", sign.WithTokenEnv(env(nil))), sign.ErrNoToken, "MY_TOKEN", ""},
		{"default prefers actions", sign.DefaultTokenSource(sign.WithTokenEnv(func(k string) string {
			if k == sign.EnvSigstoreIDToken {
				return "from.sigstore.env"
			}
			return st.Getenv(k)
		})), nil, "", sign.GitHubActionsIssuer},
		{"default falls back to SIGSTORE_ID_TOKEN", sign.DefaultTokenSource(sign.WithTokenEnv(env(map[string]string{sign.EnvSigstoreIDToken: "p.q.r"}))), nil, "", ""},
		{"default none", sign.DefaultTokenSource(sign.WithTokenEnv(env(map[string]string{"GITHUB_ACTIONS": "true"}))), sign.ErrNoToken, "id-token: write", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tok, err := tc.ts.Token(ctx, "sigstore")
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), tc.contains) {
					t.Fatalf("err = %v, want %v containing %q", err, tc.wantErr, tc.contains)
				}
				if strings.Contains(err.Error(), st.RequestToken()) || strings.Contains(err.Error(), "wrong-request-token") {
					t.Fatalf("request token leaked: %v", err)
				}
				return
			}
			if err != nil || tok == "" {
				t.Fatalf("token %q err %v", tok, err)
			}
			if tc.wantIss != "" {
				c, err := sign.ParseTokenClaims(tok)
				if err != nil {
					t.Fatal(err)
				}
				if c.Issuer != tc.wantIss || len(c.Audience) != 1 || c.Audience[0] != "sigstore" {
					t.Errorf("claims %s", c)
				}
			}
		})
	}
}

func TestParseTokenClaims(t *testing.T) {
	t.Parallel()
	st := signtest.New(t, signtest.WithWorkflow(signtest.Workflow{Repository: "Metbcy/securescan", Ref: "v0.11.0", Environment: "release"}))
	tok, err := st.MintToken("sigstore")
	if err != nil {
		t.Fatal(err)
	}
	c, err := sign.ParseTokenClaims(tok)
	if err != nil {
		t.Fatal(err)
	}
	if c.Repository != "Metbcy/securescan" || c.Ref != "refs/tags/v0.11.0" || c.Environment != "release" ||
		c.Subject != "repo:Metbcy/securescan:environment:release" || c.EventName != "push" ||
		c.JobWorkflowRef != "Metbcy/securescan/.github/workflows/release.yml@refs/tags/v0.11.0" ||
		time.Until(c.Expiry) <= 0 || c.SHA == "" || c.WorkflowRef == "" {
		t.Errorf("claims %+v", c)
	}
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, bad := range []string{"", "a.b", "a.!!!.c", "a." + enc("[1]") + ".c", "a." + enc(`{"aud":5}`) + ".c"} {
		if _, err := sign.ParseTokenClaims(bad); !errors.Is(err, sign.ErrNoToken) {
			t.Errorf("ParseTokenClaims(%q) = %v", bad, err)
		}
	}
	c, err = sign.ParseTokenClaims("a." + enc(`{"aud":["x","y"],"iss":"i","exp":1700000000}`) + ".c")
	if err != nil || len(c.Audience) != 2 || c.Expiry.Unix() != 1700000000 {
		t.Errorf("list audience: %+v %v", c, err)
	}
}

func TestIdentityAndPolicy(t *testing.T) {
	t.Parallel()
	tests := []struct{ repo, wf, tag, want string }{
		{"Metbcy/securescan", ".github/workflows/release.yml", "v0.11.0", "https://github.com/Metbcy/securescan/.github/workflows/release.yml@refs/tags/v0.11.0"},
		{"o/r", "", "v1.2.3", "https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1.2.3"},
		{"o/r", "/.github/workflows/x.yaml", "refs/tags/v2.0.0", "https://github.com/o/r/.github/workflows/x.yaml@refs/tags/v2.0.0"},
	}
	for _, tc := range tests {
		if got := sign.GitHubWorkflowIdentity(tc.repo, tc.wf, tc.tag); got != tc.want {
			t.Errorf("GitHubWorkflowIdentity(%q,%q,%q) = %q, want %q", tc.repo, tc.wf, tc.tag, got, tc.want)
		}
	}
	p := sign.GitHubReleasePolicy("o/r", "", "v1.2.3")
	if p.Issuer != sign.GitHubActionsIssuer || p.Ref != "refs/tags/v1.2.3" || p.Repository != "o/r" || p.Validate() != nil {
		t.Errorf("policy %+v", p)
	}
	for _, bad := range []sign.Policy{{}, {Identity: "x"}, {Issuer: "y"}, {Identity: "x", IdentityRegexpLoose: "y", Issuer: "z"}, {IdentityRegexpLoose: "(", Issuer: "z"}} {
		if err := bad.Validate(); !errors.Is(err, sign.ErrInvalidPolicy) {
			t.Errorf("Validate(%+v) = %v", bad, err)
		}
	}
}
