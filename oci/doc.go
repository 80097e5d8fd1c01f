// Package oci publishes multi-platform container images for a release:
// it assembles an OCI image index from per-platform images, pushes it to an
// immutable version tag, signs the pushed digest keylessly in the formats
// cosign verifies, and verifies such signatures against a pinned identity.
// It is built on go-containerregistry.
//
// # Assemble
//
// [Assemble] builds an OCI image index from one [PlatformSource] per
// platform: an OCI image layout directory (docker buildx --output type=oci,
// ko, crane), a `docker save` tarball, a remote reference, an in-hand
// v1.Image, or an empty base — each optionally topped with one reproducible
// layer made from a local directory or files ([LayerSpec]: sorted entries,
// fixed modification time, uid/gid 0 without user or group names,
// normalised modes; written compressed to a temporary file and hashed while
// written, never held in memory). The expected platforms default to
// linux/amd64 and linux/arm64 ([WithPlatforms], variants such as
// linux/arm/v7; linux/arm64/v8 is linux/arm64). Every expected platform
// must be provided exactly once, nothing else may be, and each image's
// config must declare the platform it is filed under; otherwise Assemble
// fails with a [*PlatformError] matching [ErrPlatformMissing],
// [ErrPlatformDuplicate], [ErrPlatformUnexpected], [ErrPlatformMismatch] or
// [ErrPlatformInvalid]. BuildKit attestation manifests (unknown/unknown with
// vnd.docker.reference.type) that refer to a chosen image are kept in the
// index but never count as a platform. The resulting [*Index] is a
// v1.ImageIndex; [Index.Close] removes its temporary files.
//
// [Build] is Assemble for an image that a builder writes: it runs a
// [LayoutBuild] (a shell command, or docker buildx for a Dockerfile) into
// a temporary OCI layout named by $TAGSHIP_IMAGE_LAYOUT, without the CI's
// credentials and with its output redacted, and assembles the index the
// layout holds; a builder that writes no layout fails with [ErrBuild].
//
// # Push
//
// [Push] writes an index to REGISTRY/REPO:vX.Y.Z. Tags are release tags:
// one that is not a strict vX.Y.Z ([CheckTag]: no leading zeros, no
// pre-release or build suffix), "latest" included, is refused with
// [ErrTagNotVersion] unless [WithMutableTagUnsafe] is given. Tags are
// immutable: when the tag already points to the same digest nothing is
// written (PushResult.Unchanged, zero uploads — reruns are idempotent);
// when it points to another digest Push fails with [*TagConflictError]
// carrying both digests. Blobs the registry already has are not uploaded
// again (PushResult.Uploaded and Skipped count them); layers stream from
// their source and upload in parallel ([WithJobs], default 4); answers
// 408/429/5xx and connection errors are retried with backoff
// ([WithRetryBackoff]) after at least the registry's Retry-After
// ([WithMaxRetryAfter]); other 4xx answers fail at once.
//
// Credentials come from [WithKeychain], by default the docker config
// keychain (authn.DefaultKeychain) and then [GitHubKeychain], which answers
// for ghcr.io with GITHUB_TOKEN as the password of GITHUB_ACTOR
// ([WithEnv] injects the environment). Plain HTTP is used only for loopback
// registries (127.0.0.0/8, ::1, localhost); any other registry is reached
// over HTTPS — even where go-containerregistry would choose HTTP, for
// RFC 1918 addresses or *.local names — unless [WithInsecureHTTPUnsafe].
// Credentials never appear in errors or logs.
//
// # Sign and verify
//
// [Sign] signs a manifest digest (REGISTRY/REPO@sha256:…, never a tag) with
// a sign.Signer, and with [WithRecursive] each platform manifest of an
// index, like cosign sign --recursive. It writes ([WithFormats]) both:
//
//   - the form cosign v2 verifies by default: the "sha256-<hex>.sig" tag,
//     whose layer ([SimpleSigningMediaType]) is the simple-signing payload
//     naming the digest, with the annotations [AnnotationSignature],
//     [AnnotationCertificate], [AnnotationChain],
//     [AnnotationRFC3161Timestamp], [AnnotationRekorBundle] (only when the
//     log is Rekor v1: Rekor v2 issues no signed entry timestamp) and
//     [AnnotationSigstoreBundle] (the full bundle, for [Verify]);
//   - the Sigstore bundle v0.3 of a DSSE in-toto statement (subject = the
//     digest, predicate type [CosignSignPredicateType]) attached as an OCI
//     1.1 referrer with artifactType [BundleArtifactType], as cosign v3 and
//     cosign v2 --new-bundle-format write; on registries without the
//     referrers API (docker-registry 2.8) the "sha256-<hex>" referrers tag
//     is maintained.
//
// What the real cosign accepts (tested in interop_test.go against
// docker-registry 2.8.2, Fulcio, TesseraCT, the TSA and Rekor v2):
// cosign v2.6.5 `verify --trusted-root … --certificate-identity …
// --certificate-oidc-issuer … --use-signed-timestamps` accepts the bundle
// form (it finds the referrer by itself, or with --new-bundle-format), and
// so does cosign v3.1.3 without flags. The .sig form made with a Rekor v2
// log carries no dev.sigstore.cosign/bundle (Rekor v2 has no signed entry
// timestamp) and cosign v2.6.5 then looks the entry up with the Rekor v1
// search API, which Rekor v2 does not serve: it verifies that form only with
// --insecure-ignore-tlog --use-signed-timestamps. With a Rekor v1 log the
// .sig form verifies with cosign's default flags.
//
// [Verify] resolves a reference to its digest ([WithExpectedDigest] pins
// it: a moved tag fails with [ErrDigestMismatch]), reads both forms, and
// succeeds when at least one signature covers exactly that digest and
// passes the sign.Verifier with the sign.Policy (pinned identity and
// issuer). Failures say what failed: [ErrNoSignature], [ErrDigestMismatch]
// (a signature copied from another digest), or the sign package's
// sentinels (sign.ErrIdentityMismatch, sign.ErrIssuerMismatch, …). Legacy
// signatures made by cosign itself are verified from their annotations
// (this needs the Rekor v1 signed entry timestamp); bundle signatures made
// by cosign v3 verify; cosign v2.6.5's bundle signatures against Rekor v2
// do not (their dsse v0.0.2 log entries are unknown to the rekor-tiles
// v2.3.0 client linked here).
//
// [SignAndVerify] is the whole step after a [Push]: it signs the pushed
// digest, attaches the attestations of [WithAttestation], and reads them
// back through the tag pinned to that digest, so that a release records
// success only once a user's verification would pass.
//
// # Testing
//
// Package oci/ocitest runs an in-process registry on 127.0.0.1 with fault
// injection (status codes with Retry-After, connection resets, stalls) and
// request accounting, and starts the real Debian docker-registry for
// interop tests.
package oci
