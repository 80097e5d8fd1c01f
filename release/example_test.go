package release_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/tagship/tagship/release"
	"github.com/tagship/tagship/sign"
)

func ExamplePipeline() {
	type built struct{ Files []string }
	p, err := release.New([]release.Job{
		{Name: "preflight", Run: func(ctx context.Context, in *release.Inputs) (any, error) {
			return "v0.11.0", nil
		}},
		{Name: "build-wheel", Needs: []string{"preflight"}, Run: func(ctx context.Context, in *release.Inputs) (any, error) {
			tag, err := release.Get[string](in, "preflight")
			return built{Files: []string{"securescan-" + tag[1:] + "-py3-none-any.whl"}}, err
		}},
		{Name: "publish-pypi", Needs: []string{"build-wheel"}, Run: func(ctx context.Context, in *release.Inputs) (any, error) {
			b, err := release.Get[built](in, "build-wheel")
			return len(b.Files), err
		}},
	})
	if err != nil {
		panic(err)
	}
	report, err := p.Run(context.Background())
	if err != nil {
		panic(err)
	}
	for _, j := range report.Jobs {
		fmt.Println(j.Name, j.Status, string(j.Output))
	}
	// Output:
	// preflight succeeded "v0.11.0"
	// build-wheel succeeded {"Files":["securescan-0.11.0-py3-none-any.whl"]}
	// publish-pypi succeeded 1
}

func ExamplePipeline_Plan() {
	// A job without Run is refused when the pipeline is built.
	_, err := release.New([]release.Job{{Name: "preflight"}})
	fmt.Println(err)

	noop := func(context.Context, *release.Inputs) (any, error) { return nil, nil }
	p, _ := release.New([]release.Job{
		{Name: "publish-pypi", Needs: []string{"build-wheel"}, Run: noop,
			Plan: func() []string { return []string{"upload dist/*.whl dist/*.tar.gz to https://upload.pypi.org/legacy/"} }},
		{Name: "build-wheel", Run: noop,
			Plan: func() []string { return []string{"run python3 -m build", "sign each file in dist/ keyless"} }},
	})
	fmt.Print(release.FormatPlan(p.Plan()))
	// Output:
	// release: invalid job: preflight: Run is nil
	// 1. build-wheel
	//    - run python3 -m build
	//    - sign each file in dist/ keyless
	// 2. publish-pypi (after build-wheel)
	//    - upload dist/*.whl dist/*.tar.gz to https://upload.pypi.org/legacy/
}

// A job declares the GitHub token permissions it needs; the engine holds
// it to them in-process too, so a job that signs without id-token: write
// fails in a test, not on the runner.
func ExampleCheckedTokenSource() {
	tokens := release.CheckedTokenSource(sign.StaticToken("an OIDC token"))
	sign1 := func(ctx context.Context, in *release.Inputs) (any, error) {
		_, err := tokens.Token(ctx, "sigstore")
		return nil, err
	}
	p, _ := release.New([]release.Job{
		{Name: "build", Run: sign1, Permissions: release.Permissions{release.ScopeContents: release.Read, release.ScopeIDToken: release.Write}},
		{Name: "lint", Run: sign1, Permissions: release.Permissions{release.ScopeContents: release.Read}},
	})
	r, _ := p.Run(context.Background())
	for _, j := range r.Jobs {
		fmt.Println(j.Name, j.Status)
	}
	lint, _ := r.Job("lint")
	var pe *release.PermissionError
	if errors.As(lint.Err, &pe) {
		fmt.Printf("%s needs %s: %s\n", pe.Job, pe.Scope, pe.Need)
	}
	// Output:
	// build succeeded
	// lint failed
	// lint needs id-token: write
}
