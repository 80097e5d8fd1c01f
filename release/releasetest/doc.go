// Package releasetest runs a whole release offline: every remote service
// of the standard release as an in-process double on 127.0.0.1, and a
// sample Python project to release — like net/http/httptest, for release
// pipelines.
//
//	env := releasetest.New(t)             // Sigstore, registry, PyPI, GitHub; closed with the test
//	_, err = env.PrepareProject(ctx, dir) // sample project, prepared for env.Tag
//	report, err := env.Release(ctx, dir)  // the standard release on the doubles
//
// (outside a test — the sandbox, the quickstart — env, err :=
// releasetest.NewEnv() and defer env.Close()), or, to change the configuration, build it yourself:
//
//	cfg, err := env.Config(dir) // a release.StandardConfig wired to the doubles
//	p, err := release.Standard(cfg)
//	report, err := p.Run(ctx)
//
// The Sigstore double's OIDC issuer presents itself as GitHub Actions'
// (https://token.actions.githubusercontent.com) and mints tokens for a tag
// push of Env.Repository's release workflow in the "pypi" environment, so
// the identities in bundles, certificates and release notes are exactly
// the production ones; only the trust root differs (Env.Sigstore's
// trusted_root.json). The PyPI double trusts that workflow as a Trusted
// Publisher. Faults are injected on the doubles themselves (Env.Sigstore,
// Env.PyPI, Env.GitHub); the embedded registry can be replaced with a real
// one ([WithRegistry]).
//
// [BuildDists] is a build function that writes a real, reproducible wheel
// and sdist without Python, so the same project always builds to the same
// bytes.
package releasetest
