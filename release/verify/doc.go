// Package verify is the downstream user's verification of a whole
// published release — the reference's "How to verify a release as a
// downstream user" — in one call, [Release].
//
// From a repository, a version and where the release lives (package index,
// GitHub, image registry), it downloads the wheel and sdist from the index
// (each checked against the hash the index lists), their Sigstore bundles,
// SHA256SUMS and the CycloneDX SBOM from the GitHub release, verifies every
// bundle for the pinned identity
// https://github.com/OWNER/REPO/.github/workflows/release.yml@refs/tags/vX.Y.Z
// and the GitHub Actions issuer, compares every hash with SHA256SUMS and the
// SBOM, and resolves the image tag to the digest whose signature it
// verifies by digest. SHA256SUMS and the SBOM must themselves be signed
// ("<name>.sigstore.json", same identity): a release whose records are
// unsigned or changed after signing is refused, and an unverified
// SHA256SUMS is not used ([Config.UnsignedRecordsUnsafe] accepts unsigned
// records of older releases). [Config.Dir] verifies offline from files
// already downloaded.
//
// The [Report] lists each artifact and each check with its outcome; every
// failed check carries an [*Error] with one condition (ErrIdentity,
// ErrTagMoved, ErrFileReplaced, ErrNotInLog, …: errors.Is), what was
// expected, what was found, and a troubleshooting hint. An invalid [Config]
// is an error matching [ErrConfig]; otherwise Release always returns a
// report, whose Err is nil only when every check passed.
//
// The package depends on sign, oci, pypi and ghrelease, and on nothing of
// package release: verifying needs none of the machinery that publishes.
package verify
