// Package signtest is an in-process Sigstore for tests, like net/http/httptest
// for HTTP: each service runs the real protocol on its own 127.0.0.1 server,
// so sigstore-go's (and cosign's) real clients talk to it.
//
//   - OIDC issuer: /.well-known/openid-configuration, /.well-known/jwks and a
//     GitHub-Actions-style token endpoint (GET /token?audience=X with
//     "Authorization: bearer <request token>" → {"value": "<jwt>"}), so
//     ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN work ([Sigstore.ActionsEnv]). Tokens
//     are RS256 JWTs with every GitHub Actions claim Fulcio's github-workflow
//     issuer type requires (iss, aud, sub "repo:O/R:ref:refs/tags/vX",
//     job_workflow_ref, job_workflow_sha, workflow_ref, workflow_sha,
//     repository, repository_id, repository_owner, repository_owner_id,
//     repository_visibility, ref, ref_type, sha, event_name, run_id,
//     run_attempt, runner_environment, environment, …), describing a
//     [Workflow] chosen per test ([WithWorkflow], [Sigstore.SetWorkflow]).
//     The issuer name defaults to "https://token.actions.githubusercontent.com"
//     (identities identical to production) while served on loopback;
//     [WithIssuerSelfURL] names it after its own URL so that a real Fulcio can
//     fetch its keys.
//   - Fulcio-compatible CA: POST /api/v2/signingCert (the JSON form
//     sigstore-go's Fulcio client sends: bearer token or
//     credentials.oidcIdentityToken, publicKeyRequest with proof of
//     possession over the token subject, or a CSR) and GET
//     /api/v2/trustBundle. It verifies the token against the issuer key and
//     issues 10-minute certificates with the URI SAN
//     https://github.com/<job_workflow_ref>, the Fulcio GitHub workflow
//     extensions 1.3.6.1.4.1.57264.1.1–.6 and .8–.22, and an embedded SCT
//     from an in-process CT log key (cosign checks SCTs by default).
//   - Rekor v1-compatible transparency log: POST /api/v1/log/entries
//     (hashedrekord and dsse entries, validated and canonicalized by Rekor's
//     own type code), GET /api/v1/log/entries/{uuid}, GET /api/v1/log;
//     entries carry integratedTime, a signed entry timestamp and an RFC 6962
//     inclusion proof with a signed checkpoint; re-submitting an entry gives
//     409 with its Location, as Rekor does.
//   - Rekor v2-compatible transparency log: POST /api/v2/log/entries
//     (hashedrekord v0.0.2, validated and canonicalized by rekor-tiles' own
//     type code), entries with an inclusion proof and a checkpoint signed as a
//     note whose origin is the log's host name, no integrated time.
//     [WithRekorVersion](2) makes SignerOptions and SigningConfig name it
//     (default: v1). Both logs are always in the trusted root; the [Rekor]
//     fault endpoint covers both.
//   - RFC 3161 timestamp authority: POST /api/v1/timestamp, GET
//     /api/v1/timestamp/certchain ([WithoutTSA] turns it off).
//
// [Sigstore.TrustedRoot] / [Sigstore.WriteTrustedRoot] give the
// trusted_root.json (accepted by `cosign verify-blob --trusted-root`),
// [Sigstore.SigningConfig] / [Sigstore.WriteSigningConfig] a signing config
// v0.2. [Sigstore.SignerOptions] and [Sigstore.VerifierOptions] (or
// [Sigstore.NewSigner], [Sigstore.NewVerifier], [Sigstore.Policy]) connect
// package sign to it in two lines:
//
//	st := signtest.New(t)
//	s, _ := st.NewSigner()
//	fs, _ := s.SignFile(ctx, path)
//	v, _ := st.NewVerifier()
//	_, err := v.VerifyFile(ctx, path, fs.BundlePath, st.Policy())
//
// Faults: [Sigstore.Fail] queues a [Fault] for an [Endpoint] ([Issuer],
// [Fulcio], [Rekor], [TSA]): a status code (with Retry-After), a connection
// reset, a stall, or a truncated answer, for the next Times requests:
//
//	st.AddFault(signtest.Fulcio, signtest.Fault{Status: 503, Times: 2})
//
// [Sigstore.SetHook] installs an arbitrary handler in front of an endpoint;
// [Sigstore.Requests], [Sigstore.Entries], [Sigstore.Certificates] and
// [Sigstore.TokensMinted] expose state.
//
// [BenchmarkSignFile] and [BenchmarkSHA256Floor] are benchmark bodies for
// the streaming signer and its hashing floor.
//
// The double is for tests: its keys live in memory and it trusts anyone
// holding its request token.
package signtest
