// Package sigstack starts the real Sigstore services on 127.0.0.1 for
// tagship's interop tests: Fulcio, a TesseraCT certificate-transparency log,
// the timestamp authority and Rekor v2 — the same binaries the public
// instance runs, built from the pinned versions in tools/go.mod by
// tools/build.sh (or .ci/install.sh) into tools/bin.
//
// # Contract
//
// [Start] takes the URL of an OIDC issuer that the caller already runs (for
// example sign/signtest's in-process issuer, which mints GitHub-Actions-shaped
// tokens) and returns a running [Stack]:
//
//   - Fulcio (serve --ca=ephemeralca) trusts that issuer as type
//     github-workflow (client ID "sigstore" unless [WithClientID]), so
//     certificates carry the URI SAN https://github.com/<job_workflow_ref>
//     and the GitHub extensions 1.3.6.1.4.1.57264.1.*.
//   - TesseraCT is Fulcio's CT log: certificates carry real embedded SCTs.
//   - The timestamp authority signs RFC 3161 timestamps with an in-memory key.
//   - Rekor v2 (rekor-tiles) is the transparency log; its checkpoint origin
//     is "127.0.0.1", as recorded in the trusted root.
//   - Stack.TrustedRootPath and Stack.SigningConfigPath are written by the
//     real `cosign trusted-root create` and `cosign signing-config create`
//     (Rekor api-version 2, TSA and Rekor selection ANY), so they are what
//     cosign itself accepts with --trusted-root and --signing-config.
//
// Typical use (see sign/interop_test.go):
//
//	st := signtest.New(t, signtest.WithIssuerSelfURL()) // OIDC issuer on 127.0.0.1
//	stack := sigstack.Start(t, st.Issuer())
//	signer, _ := sign.NewSigner(
//		sign.WithSigningConfigFile(stack.SigningConfigPath),
//		sign.WithTrustedRootFile(stack.TrustedRootPath),
//		sign.WithTokenSource(st.TokenSource()))
//	fs, _ := signer.SignFile(ctx, path)
//	out, err := stack.Cosign(t, "verify-blob", "--bundle", fs.BundlePath,
//		"--trusted-root", stack.TrustedRootPath,
//		"--certificate-identity", st.Identity(),
//		"--certificate-oidc-issuer", st.Issuer(),
//		"--use-signed-timestamps", path)
//
// Every service listens on 127.0.0.1 on a free port chosen at start. The
// stack is ready when Start returns (all health endpoints answer) and is
// stopped by t.Cleanup; its working directory (keys, storage, one log file
// per service) is a t.TempDir. When the test fails, the tail of every
// service's log is printed. The version of each tool (read from the Go
// build information of its binary) is logged with t.Logf and available in
// Stack.Tools.
//
// A missing binary skips the test, or fails it under TAGSHIP_INTEROP=1 (see
// internal/interop). A service that does not come up fails the test.
//
// Outside a test (bench/ uses it), [Launch] starts the same stack in a
// temporary directory and returns an error instead of failing a test (a
// missing binary wraps [ErrToolMissing]); [Stack.Close] stops it, releases
// the lock and removes the directory. Start is a thin wrapper around it.
//
// # Running cosign
//
// [Stack.Cosign] and [Stack.CosignCmd] run the pinned cosign with TUF_ROOT
// set to a directory of the stack and with the SIGSTORE_*, COSIGN_* and
// ACTIONS_ID_TOKEN_* variables of the calling environment removed, so cosign
// never falls back to the public TUF repository or picks up an ambient
// identity token. Callers must still pass --trusted-root (verification) or
// --signing-config (signing, cosign v2.6.5: without --use-signing-config)
// explicitly; with Rekor v2, cosign v2.6.5 verification needs
// --use-signed-timestamps. cosign v2.6.5 reads an --identity-token value
// as a raw token only when it is an RS256 JWT and otherwise as a file name:
// pass the path of a file holding the token. Raw tokens are masked in what
// Stack.Cosign logs and returns.
//
// # Concurrency and network namespaces
//
// The timestamp authority binds its metrics endpoint to :2112 on all
// interfaces, hard-coded, and exits when that port is taken; Fulcio binds its
// metrics port on all interfaces too. Stacks are therefore serialised per
// network namespace: Start takes an exclusive file lock (named after the
// namespace, in os.TempDir) and holds it until cleanup, so two stacks never
// run at once in one namespace — across tests of one binary and across test
// binaries that `go test ./...` runs in parallel. A test therefore must not
// start a second stack while it holds one; share one stack between subtests
// instead. Start fails with a clear message when something else already
// holds :2112.
//
// The package works with or without a private network namespace. In CI the
// interop suite runs under .ci/interop.sh, inside `unshare -n` with only the
// loopback interface up: no clash with other services on the machine, the
// all-interfaces metrics ports are only reachable on loopback, and any stray
// call to the public Sigstore fails at once instead of timing out.
package sigstack
