// Package pypi publishes Python distributions to PyPI (or any index that
// speaks Warehouse's upload API) the way pypa/gh-action-pypi-publish and
// twine do, with stricter guarantees.
//
// # Distributions
//
// [OpenDistribution] opens a wheel (PEP 427 file name) or an sdist (PEP 625
// "{normalized_name}-{version}.tar.gz"), parses its core metadata
// (Metadata-Version 1.0–2.4, see [ParseMetadata]), checks that the metadata
// name and version agree with the file name, and hashes the file (sha256,
// blake2b-256, md5) in one streaming pass. Hostile archives — oversized
// metadata (more than [MaxMetadataSize]), decompression bombs, absolute,
// "..", backslash or NUL member paths, several .dist-info directories,
// members outside the sdist's top directory, truncated or non-gzip data —
// produce a *[DistributionError] (errors.Is [ErrInvalidDistribution]) and
// never an unbounded read. [Distribution.CheckVersion] compares the
// version with a release tag after PEP 440 normalisation. [OpenDistDir]
// takes a build's output directory as one release (every file of the
// version and of one project, a wheel and an sdist, every problem in one
// error matching [ErrDist]); [CheckProject] refuses files of another
// project than the manifest's.
//
// # Trusted Publishing
//
// A [Client] created by [New] with [WithTokenSource] exchanges a CI OIDC
// token for a short-lived upload token: GET {index}/_/oidc/audience, ask the
// token source for a token with that audience, POST
// {index}/_/oidc/mint-token. Refusals become a *[MintError] naming
// Warehouse's error code, saying what to fix and showing the OIDC token's
// non-secret claims (repository, workflow, ref, environment). The minted
// token is re-minted when it is within two minutes of expiry between files.
// Tokens never appear in errors or log lines: every token the client holds
// (API, OIDC, minted, and their Basic forms) is redacted from server text
// before it is shortened, logged or returned (internal/safehttp).
//
// # Upload
//
// [Client.Upload] POSTs each file to {index}/legacy/ (the base index URL
// may be given with or without the trailing /legacy/) as multipart form
// data with the same fields, in the same order, as twine 4.0.2, with Basic
// auth "__token__:<token>". The body is streamed — the form fields and
// the file part's header, then the file, then the closing boundary (an
// io.MultiReader, with an exact Content-Length, as twine sends) — from the
// file, which is reopened for every attempt and re-hashed while sent (a
// file changed since OpenDistribution fails with [ErrFileChanged]): it is
// never held in memory. Retries use exponential backoff on 5xx, 429
// (honouring Retry-After) and connection errors, never on other 4xx. A
// redirect fails with [ErrRedirect], because it means the index URL is
// wrong. A success answer is not believed: the upload counts once the
// index lists the file with its sha256 (read back, polled by the retry
// policy), else [ErrNotListed].
//
// Skip-existing compares hashes, not names. Before sending a file the
// client looks it up (PEP 691 JSON simple API, falling back to
// /pypi/{name}/{version}/json): an identical file is reported [Skipped]
// without being sent (and without minting a token), a different one under
// the same name is a *[ConflictError] naming both hashes. When the lookup
// cannot answer, the upload's own answer decides: on "File already exists"
// (400) or 409 the file is looked up again and judged the same way.
//
// # PEP 740 attestations
//
// With [WithAttestations], every file gets a publish attestation: an
// in-toto Statement v1 whose subject is the file name and sha256, with
// predicate type https://docs.pypi.org/attestations/publish/v1, signed as
// DSSE by a [DSSESigner] (such as sign's keyless signer), converted to
// PyPI's attestation object and sent in the "attestations" form field. It
// is also written next to the file as "<file>.publish.attestation".
//
// The test double in package pypi/pypitest runs Warehouse's endpoints on
// 127.0.0.1.
package pypi
