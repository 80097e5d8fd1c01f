// Package provenance builds, parses and checks SLSA v1 build provenance for
// a release made by a GitHub Actions workflow: an in-toto Statement v1
// (https://in-toto.io/Statement/v1) whose predicate is SLSA Provenance v1
// ([PredicateType]) with GitHub's own build type for workflows
// ([BuildTypeGitHubWorkflow], the one actions/attest-build-provenance
// writes), so that tools that read GitHub artifact attestations read
// tagship's too.
//
// # Why a package of its own
//
// Provenance lives where its data lives. A signature (package sign) says who
// signed; provenance says how and from what source the artifacts were built:
// the repository, the ref and commit, the workflow file, the run and its
// attempt. That data is the GitHub Actions run — the GITHUB_* environment
// of the job, the same run the signing certificate's Fulcio extensions
// describe — and belongs to neither the signing machinery (sign), nor to
// one kind of artifact (pypi, oci): the same predicate describes the wheel,
// the sdist and the image. So this package owns the run ([GitHubRun], read
// by [GitHubRunFromEnv]), the predicate ([Build]) and the statement rules
// ([Statement], [Parse], [Provenance.Check], [CheckCertificate]); package
// sign signs the statement as DSSE into a Sigstore bundle, package oci
// attaches statements to images (oci.Attest), and release/verify checks
// them for users.
//
// # Contract
//
//   - [GitHubRunFromEnv] reads GITHUB_SERVER_URL, GITHUB_REPOSITORY,
//     GITHUB_REPOSITORY_ID, GITHUB_REPOSITORY_OWNER_ID, GITHUB_REF,
//     GITHUB_SHA, GITHUB_WORKFLOW_REF, GITHUB_EVENT_NAME, GITHUB_RUN_ID,
//     GITHUB_RUN_ATTEMPT and RUNNER_ENVIRONMENT; a missing or malformed
//     variable is an [*EnvError] naming each (errors.Is ErrEnvironment).
//   - [Build.Predicate] fills buildDefinition (buildType, externalParameters
//     .workflow {repository, ref, path}, internalParameters.github
//     {event_name, repository_id, repository_owner_id, runner_environment},
//     resolvedDependencies [git+REPO@REF with gitCommit]) and runDetails
//     (builder.id = server URL + "/" + the workflow ref, which is the
//     certificate identity Fulcio issues for the run; metadata.invocationId
//     = the run URL with its attempt; startedOn/finishedOn when known).
//   - [Statement] encodes a statement as compact JSON with a stable field
//     order: the bytes that get signed.
//   - [Parse] accepts a Statement v1 with the SLSA v1 predicate only; it is
//     fuzzed. [Provenance.Check] compares subjects (name and sha256, byte for
//     byte), source repository, ref, workflow path and build type with what
//     the caller expects; [CheckCertificate] compares builder, commit and
//     invocation with the signing certificate's Fulcio extensions. Every
//     difference is a [*MismatchError] (expected, found, hint) matching
//     ErrSubject or ErrSource.
//   - [Verify] does all of it for a Sigstore bundle: the DSSE signature for
//     a pinned identity (sign.Verifier.VerifyDSSE), the payload type, the
//     statement, the expectations and the certificate cross-check.
//     [VerifyBundleFile] does it for a bundle stored in a file.
//   - [WriteBundle] makes the provenance of a set of files: the statement
//     of a [Build] for the expected subjects, signed as DSSE by a
//     [DSSESigner] (sign.Signer), checked with [Verify] on the very bytes
//     it writes, then written atomically; a bundle that does not verify is
//     never written.
//
// Why the in-toto Go bindings (github.com/in-toto/attestation v1.2.0): they
// are the in-toto project's own types for Statement v1 and SLSA Provenance
// v1, with the spec's validation rules (Validate); hand-written structs would
// copy the spec. The bindings are protobuf messages and protojson output is
// deliberately unstable in whitespace, so [Statement] re-encodes through
// encoding/json to get stable bytes.
package provenance
