package provenance_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tagship/tagship/provenance"
	"github.com/tagship/tagship/sign"
	"github.com/tagship/tagship/sign/signtest"
)

const (
	sumA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	sumB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

func workflow() signtest.Workflow {
	return signtest.Workflow{Repository: "octo-org/hello", Ref: "refs/tags/v1.2.3", RunID: "777", RunAttempt: "2"}
}

func getenv(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestGitHubRunFromEnv(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		edit    func(map[string]string)
		problem string // "" = valid
	}{
		{"double's environment", func(map[string]string) {}, ""},
		{"no server URL means github.com", func(m map[string]string) { delete(m, "GITHUB_SERVER_URL") }, ""},
		{"outside GitHub Actions", func(m map[string]string) { clear(m) }, "GITHUB_REPOSITORY"},
		{"short sha", func(m map[string]string) { m["GITHUB_SHA"] = "abc" }, "GITHUB_SHA"},
		{"bare ref", func(m map[string]string) { m["GITHUB_REF"] = "v1.2.3" }, "GITHUB_REF"},
		{"workflow ref of another repository", func(m map[string]string) {
			m["GITHUB_WORKFLOW_REF"] = "evil/repo/.github/workflows/release.yml@refs/tags/v1.2.3"
		}, "GITHUB_WORKFLOW_REF"},
		{"workflow ref for another ref", func(m map[string]string) {
			m["GITHUB_WORKFLOW_REF"] = "octo-org/hello/.github/workflows/release.yml@refs/heads/main"
		}, "GITHUB_WORKFLOW_REF"},
		{"run id not a number", func(m map[string]string) { m["GITHUB_RUN_ID"] = "x1" }, "GITHUB_RUN_ID"},
		{"no attempt", func(m map[string]string) { delete(m, "GITHUB_RUN_ATTEMPT") }, "GITHUB_RUN_ATTEMPT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := workflow().Env()
			tc.edit(env)
			r, err := provenance.GitHubRunFromEnv(getenv(env))
			if tc.problem == "" {
				if err != nil {
					t.Fatal(err)
				}
				if r.WorkflowPath != ".github/workflows/release.yml" || r.Repository != "octo-org/hello" || r.ServerURL != "https://github.com" {
					t.Fatalf("run %+v", r)
				}
				if r.BuilderID() != workflow().Identity() {
					t.Fatalf("builder id %s, certificate identity %s", r.BuilderID(), workflow().Identity())
				}
				if r.InvocationID() != "https://github.com/octo-org/hello/actions/runs/777/attempts/2" {
					t.Fatalf("invocation %s", r.InvocationID())
				}
				return
			}
			var ee *provenance.EnvError
			if !errors.As(err, &ee) || !errors.Is(err, provenance.ErrEnvironment) || !strings.Contains(err.Error(), tc.problem) {
				t.Fatalf("err = %v, want an EnvError naming %s", err, tc.problem)
			}
		})
	}
}

func build(t *testing.T) provenance.Build {
	t.Helper()
	r, err := provenance.GitHubRunFromEnv(getenv(workflow().Env()))
	if err != nil {
		t.Fatal(err)
	}
	return provenance.Build{Run: r, StartedOn: time.Date(2026, 11, 3, 10, 0, 0, 5, time.UTC), FinishedOn: time.Date(2026, 11, 3, 10, 4, 0, 0, time.UTC)}
}

// TestStatementShape reads the statement back as plain JSON: the fields
// GitHub's build type and cosign's --type slsaprovenance1 look at.
func TestStatementShape(t *testing.T) {
	t.Parallel()
	b := build(t)
	stmt, err := b.Statement(provenance.Subject{Name: "hello-1.2.3.tar.gz", SHA256: sumA}, provenance.Subject{Name: "hello-1.2.3-py3-none-any.whl", SHA256: sumB})
	if err != nil {
		t.Fatal(err)
	}
	again, _ := b.Statement(provenance.Subject{Name: "hello-1.2.3.tar.gz", SHA256: sumA}, provenance.Subject{Name: "hello-1.2.3-py3-none-any.whl", SHA256: sumB})
	if string(again) != string(stmt) {
		t.Fatal("the statement bytes are not stable")
	}
	var v struct {
		Type          string `json:"_type"`
		PredicateType string `json:"predicateType"`
		Subject       []struct {
			Name   string
			Digest map[string]string
		}
		Predicate struct {
			BuildDefinition struct {
				BuildType          string
				ExternalParameters struct {
					Workflow struct{ Repository, Ref, Path string }
				}
				InternalParameters   struct{ Github map[string]string }
				ResolvedDependencies []struct {
					URI    string
					Digest map[string]string
				}
			}
			RunDetails struct {
				Builder  struct{ ID string }
				Metadata struct{ InvocationID, StartedOn, FinishedOn string }
			}
		}
	}
	if err := json.Unmarshal(stmt, &v); err != nil {
		t.Fatal(err)
	}
	bd, rd := v.Predicate.BuildDefinition, v.Predicate.RunDetails
	for _, c := range []struct{ name, got, want string }{
		{"_type", v.Type, "https://in-toto.io/Statement/v1"},
		{"predicateType", v.PredicateType, "https://slsa.dev/provenance/v1"},
		{"subject[0]", v.Subject[0].Name + " " + v.Subject[0].Digest["sha256"], "hello-1.2.3.tar.gz " + sumA},
		{"buildType", bd.BuildType, "https://actions.github.io/buildtypes/workflow/v1"},
		{"workflow.repository", bd.ExternalParameters.Workflow.Repository, "https://github.com/octo-org/hello"},
		{"workflow.ref", bd.ExternalParameters.Workflow.Ref, "refs/tags/v1.2.3"},
		{"workflow.path", bd.ExternalParameters.Workflow.Path, ".github/workflows/release.yml"},
		{"github.event_name", bd.InternalParameters.Github["event_name"], "push"},
		{"github.repository_id", bd.InternalParameters.Github["repository_id"], "123456789"},
		{"resolvedDependencies.uri", bd.ResolvedDependencies[0].URI, "git+https://github.com/octo-org/hello@refs/tags/v1.2.3"},
		{"resolvedDependencies.gitCommit", bd.ResolvedDependencies[0].Digest["gitCommit"], signtest.DefaultWorkflow().SHA},
		{"builder.id", rd.Builder.ID, "https://github.com/octo-org/hello/.github/workflows/release.yml@refs/tags/v1.2.3"},
		{"invocationId", rd.Metadata.InvocationID, "https://github.com/octo-org/hello/actions/runs/777/attempts/2"},
		{"startedOn", rd.Metadata.StartedOn, "2026-11-03T10:00:00Z"},
		{"finishedOn", rd.Metadata.FinishedOn, "2026-11-03T10:04:00Z"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if strings.ContainsAny(string(stmt), "\n ") {
		t.Errorf("statement is not compact: %s", stmt)
	}
}

func TestStatementRefusesBadSubjects(t *testing.T) {
	t.Parallel()
	b := build(t)
	for _, s := range [][]provenance.Subject{nil, {{Name: "x", SHA256: "abc"}}, {{Name: "x", SHA256: strings.ToUpper(sumA)}}} {
		if _, err := b.Statement(s...); !errors.Is(err, provenance.ErrMalformed) {
			t.Errorf("subjects %v: err = %v, want ErrMalformed", s, err)
		}
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	stmt, err := build(t).Statement(provenance.Subject{Name: "hello-1.2.3.tar.gz", SHA256: sumA})
	if err != nil {
		t.Fatal(err)
	}
	p, err := provenance.Parse(stmt)
	if err != nil {
		t.Fatal(err)
	}
	good := provenance.Expect{Repository: "octo-org/hello", Ref: "v1.2.3", WorkflowPath: ".github/workflows/release.yml",
		Subjects: []provenance.Subject{{Name: "hello-1.2.3.tar.gz", SHA256: sumA}}}
	for _, tc := range []struct {
		name  string
		edit  func(*provenance.Expect)
		want  error
		field string
	}{
		{"matches", func(*provenance.Expect) {}, nil, ""},
		{"digest-only subject", func(e *provenance.Expect) { e.Subjects = []provenance.Subject{{SHA256: sumA}} }, nil, ""},
		{"replaced file", func(e *provenance.Expect) { e.Subjects[0].SHA256 = sumB }, provenance.ErrSubject, "subject hello-1.2.3.tar.gz"},
		{"file it does not describe", func(e *provenance.Expect) { e.Subjects[0].Name = "other.whl" }, provenance.ErrSubject, "subject"},
		{"other tag", func(e *provenance.Expect) { e.Ref = "refs/tags/v1.2.4" }, provenance.ErrSource, "workflow.ref"},
		{"other repository", func(e *provenance.Expect) { e.Repository = "evil/hello" }, provenance.ErrSource, "workflow.repository"},
		{"other workflow", func(e *provenance.Expect) { e.WorkflowPath = ".github/workflows/ci.yml" }, provenance.ErrSource, "workflow.path"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := good
			e.Subjects = append([]provenance.Subject(nil), good.Subjects...)
			tc.edit(&e)
			err := p.Check(e)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var me *provenance.MismatchError
			if !errors.Is(err, tc.want) || !errors.As(err, &me) || me.Field != tc.field || me.Hint == "" {
				t.Fatalf("err = %v, want %v on field %q with a hint", err, tc.want, tc.field)
			}
		})
	}
}

func TestCheckBranchBuild(t *testing.T) {
	t.Parallel()
	w := workflow()
	w.Ref = "refs/heads/main"
	r, err := provenance.GitHubRunFromEnv(getenv(w.Env()))
	if err != nil {
		t.Fatal(err)
	}
	stmt, _ := provenance.Build{Run: r}.Statement(provenance.Subject{Name: "f", SHA256: sumA})
	p, err := provenance.Parse(stmt)
	if err != nil {
		t.Fatal(err)
	}
	err = p.Check(provenance.Expect{Repository: "octo-org/hello", Ref: "v1.2.3"})
	if !errors.Is(err, provenance.ErrSource) || !strings.Contains(err.Error(), "branch main") {
		t.Fatalf("err = %v, want a branch-build hint", err)
	}
}

func TestParseRefuses(t *testing.T) {
	t.Parallel()
	stmt, _ := build(t).Statement(provenance.Subject{Name: "f", SHA256: sumA})
	for name, payload := range map[string]string{
		"not JSON":         "{",
		"legacy statement": strings.Replace(string(stmt), "Statement/v1", "Statement/v0.1", 1),
		"other predicate":  strings.Replace(string(stmt), "slsa.dev/provenance/v1", "slsa.dev/provenance/v0.2", 1),
		"no subjects":      `{"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"https://slsa.dev/provenance/v1","predicate":{}}`,
		"empty predicate":  `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"f","digest":{"sha256":"` + sumA + `"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{}}`,
	} {
		if _, err := provenance.Parse([]byte(payload)); !errors.Is(err, provenance.ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
}

// TestVerify signs provenance with the Sigstore double (the run's
// certificate and the run's environment agree) and verifies it.
func TestVerify(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	signer, v, policy := sigstore(t)
	stmt, err := build(t).Statement(provenance.Subject{Name: "hello-1.2.3.tar.gz", SHA256: sumA})
	if err != nil {
		t.Fatal(err)
	}
	b, err := signer.SignDSSE(ctx, provenance.PayloadType, stmt)
	if err != nil {
		t.Fatal(err)
	}
	e := provenance.Expect{Repository: "octo-org/hello", Ref: "v1.2.3", WorkflowPath: sign.DefaultWorkflowPath,
		Subjects: []provenance.Subject{{Name: "hello-1.2.3.tar.gz", SHA256: sumA}}}
	p, res, err := provenance.Verify(ctx, v, b, policy, e)
	if err != nil {
		t.Fatal(err)
	}
	if res.Identity != policy.Identity || p.SourceCommit != signtest.DefaultWorkflow().SHA {
		t.Fatalf("verified %s, commit %s", res.Identity, p.SourceCommit)
	}

	t.Run("another identity", func(t *testing.T) {
		bad := policy
		bad.Identity = "https://github.com/evil/hello/.github/workflows/release.yml@refs/tags/v1.2.3"
		if _, _, err := provenance.Verify(ctx, v, b, bad, e); !errors.Is(err, sign.ErrIdentityMismatch) {
			t.Fatalf("err = %v, want sign.ErrIdentityMismatch", err)
		}
	})
	t.Run("provenance claiming another run than the signer's", func(t *testing.T) {
		r := build(t)
		r.Run.SHA = strings.Repeat("1", 40)
		r.Run.RunID = "1"
		forged, _ := r.Statement(provenance.Subject{Name: "hello-1.2.3.tar.gz", SHA256: sumA})
		fb, err := signer.SignDSSE(ctx, provenance.PayloadType, forged)
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = provenance.Verify(ctx, v, fb, policy, e)
		if !errors.Is(err, provenance.ErrSource) || !strings.Contains(err.Error(), "gitCommit") || !strings.Contains(err.Error(), "invocationId") {
			t.Fatalf("err = %v, want commit and invocation mismatches", err)
		}
	})
	t.Run("a message signature is not provenance", func(t *testing.T) {
		mb, err := signer.SignDigest(ctx, make([]byte, 32))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := provenance.Verify(ctx, v, mb, policy, e); !errors.Is(err, sign.ErrInvalidBundle) {
			t.Fatalf("err = %v, want sign.ErrInvalidBundle", err)
		}
	})
}

func FuzzParse(f *testing.F) {
	r, _ := provenance.GitHubRunFromEnv(getenv(workflow().Env()))
	stmt, _ := provenance.Build{Run: r}.Statement(provenance.Subject{Name: "f", SHA256: sumA})
	f.Add(stmt)
	f.Add([]byte(`{"_type":"https://in-toto.io/Statement/v1"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := provenance.Parse(data)
		if err != nil {
			if !errors.Is(err, provenance.ErrMalformed) {
				t.Fatalf("error %v does not match ErrMalformed", err)
			}
			return
		}
		if len(p.Subjects) == 0 {
			t.Fatal("parsed a statement without subjects")
		}
		_ = p.Check(provenance.Expect{Repository: "o/r", Ref: "v1.0.0", Subjects: p.Subjects})
	})
}
