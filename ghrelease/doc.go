// Package ghrelease assembles a GitHub Release safely: release notes with
// the literal signature-verification commands, draft-first idempotent asset
// upload, and a CycloneDX SBOM. It talks to GitHub through go-github v60.
//
// # Notes
//
// [Notes] renders a release body from [NotesData] with text/template
// ([DefaultNotesTemplate] unless [WithNotesTemplate]): the version heading
// and the changelog section ([NotesData.UseChangelog] takes both from a
// parsed changelog; [WithVersionHeading] leaves the heading out), a "Full
// diff" link when there is an earlier release to compare with, then
// "Verifying signed artifacts" with ready-to-paste `pip download` / `gh
// release download` steps, `cosign verify-blob` and `sigstore verify
// identity` commands for every signed file (the distributions and, when
// given, the signed SHA256SUMS and SBOM), a `sha256sum --check` against
// SHA256SUMS, and `cosign verify` for the image (by tag and by digest).
// tagship's CI runs every one of them verbatim with the real verifiers
// (internal/verbatim, .ci/verbatim.sh). The certificate identity and issuer
// are data ([NotesData.Identity], [NotesData.Issuer]): the caller passes
// the values its signing and verification used (the standard release
// does), so the published commands check exactly what was signed, and
// this package does not depend on the signing one. Every substituted value is
// validated and shell-quoted. GitHub refuses bodies over [MaxBodyLength]
// characters: Notes checks up front and shortens only the changelog part,
// saying so and linking the full CHANGELOG; the verification section is
// never cut. If it cannot fit, Notes fails with [ErrNotesTooLong].
//
// # Publish
//
// [Publisher.Publish] makes a release public with all its assets:
//
//   - all input is validated (asset names GitHub would rewrite are refused,
//     see [ValidateAssetName]) and every file is hashed before any request;
//   - the release for the tag is found with drafts included (GitHub's
//     get-by-tag hides drafts, so the release list is searched too) or
//     created as a draft; several drafts of the tag (two runs racing)
//     converge on the oldest, the others deleted; a release already
//     published by hand gets these notes (immutable: refused);
//   - assets are uploaded concurrently ([WithConcurrency], default 4),
//     streamed from disk, reopened and re-hashed on every attempt, with
//     retries and backoff on 5xx, 429, rate limits (Retry-After and
//     X-RateLimit-Reset are honoured) and connection errors, never on other
//     4xx ([WithRetry]);
//   - an asset already on the release with the same name, size and sha256
//     is skipped (the asset is downloaded and hashed: never trusted
//     through a checksums file on the same release); a different one
//     is an [*AssetConflictError] carrying both hashes, unless
//     [WithReplaceAssets];
//   - a SHA256SUMS asset (sha256sum format) listing every asset is written
//     last ([WithChecksumsAsset]; a release that signs its SHA256SUMS
//     writes it with [WriteChecksums] and publishes it as an asset);
//   - only then is the draft published, with make_latest "true" only when
//     the tag is the highest semver among published, non-prerelease
//     releases (decided from a fresh list; given back to a higher version
//     published concurrently);
//   - and the publish counts only once the release, read back by its tag,
//     is public with every asset, each downloaded and hashed against the
//     built file ([ErrNotPublished], [WithoutReadBackUnsafe]).
//
// A failure never leaves a half-populated public release: the release stays
// a draft and running Publish again completes it. An already published
// release with all assets is a no-op. Releases that GitHub made immutable
// (its immutable releases setting) cannot get new assets after publication;
// Publish detects this (the release's "immutable" field, or GitHub's 422)
// and fails with [ErrImmutableRelease] explaining why.
//
// The token ([WithToken], default $GITHUB_TOKEN) is bound to the API and
// uploads origins (scheme, host and port: internal/safehttp), never sent
// across a redirect to another origin, and redacted from every error, log
// line and quoted server text. Downloads are capped at the size the
// release lists. Plain http:// is accepted only for loopback hosts unless
// [WithInsecureHTTPUnsafe].
//
// # Reading a release
//
// A [Downloader] reads releases as users do ([Downloader.ReleaseByTag];
// [Downloader.ReleaseForTag] finds drafts too) and streams assets to
// files, hashed while written ([Downloader.DownloadAsset]).
// [Downloader.Adopt] lets a rerun converge on what an earlier run already
// published: it downloads the release's copies of a group of local files
// (a file and its signature), hands them to the caller's judgement (a
// signature check: this package has none) and puts accepted copies in
// place of the local files. [Downloader.AdoptSignature] does so for a
// signature this run made anew, taking an identical copy unjudged.
//
// # Assemble
//
// [Assemble] writes what a release carries besides its signed files —
// the SBOM, SHA256SUMS (each signed by a callback: signing is the
// caller's) and the notes — reproducibly, and returns the [Release] that
// attaches them all, in a fixed order, for Publish.
//
// # SBOM
//
// [SBOM] writes a CycloneDX (spec [SBOMSpecVersion]) JSON document with
// github.com/CycloneDX/cyclonedx-go: the project as metadata component,
// each release file with SHA-256 and SHA-512, the container image with its
// digest (purl pkg:oci, see [OCIPackageURL]) and the wheel's Requires-Dist
// dependencies ([ParseRequirement], PEP 508) as pkg:pypi components. Tests
// validate it against the official CycloneDX JSON schema.
//
// The package ghreleasetest is an in-process fake of the GitHub releases
// API for tests, which go-github and the gh CLI talk to unchanged.
package ghrelease
