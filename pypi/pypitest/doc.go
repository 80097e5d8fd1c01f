// Package pypitest runs a Warehouse-like Python package index on
// 127.0.0.1 for tests, like net/http/httptest: real twine, pip and
// pypi.Client talk to it over HTTP.
//
// Endpoints:
//
//   - GET /_/oidc/audience → {"audience":"pypi"} ([WithAudience]).
//   - POST /_/oidc/mint-token {"token": jwt}: the OIDC token's signature is
//     checked against the issuer's keys ([WithIssuer] fetches them through
//     /.well-known/openid-configuration → jwks_uri like Warehouse;
//     [WithIssuerDiscovery], [WithIssuerKeys], [WithIssuerPublicKey] and
//     [Issuer] are alternatives), then iss, aud, exp/nbf and the GitHub
//     claims (repository, workflow file from job_workflow_ref, environment)
//     against the [Publisher]s registered with [WithTrustedPublisher]. The
//     answer is 200 {"success":true,"token":"pypi-…","expires":N} or 422
//     {"message":"Token request failed","errors":[{"code","description"}]}
//     with Warehouse's codes invalid-payload, invalid-token,
//     invalid-publisher, invalid-reuse-token (a jti seen before) and
//     not-enabled ([WithTrustedPublishingDisabled]). Minted tokens live 15
//     minutes ([WithTokenLifetime]) and are scoped to Publisher.Project.
//   - POST /legacy/ (file_upload): Basic auth "__token__" with a minted token
//     or a classic token from [WithAPIToken]; the form is validated with
//     Warehouse's messages (required metadata fields, protocol version,
//     digests, filename prefix and version, "Invalid distribution file."
//     from pypi.OpenDistribution of the stored file). A digest mismatch is a
//     400; a duplicate file name with other content is a 400 "File already
//     exists ('<file>', with blake2_256 hash '<hex>'). See
//     https://pypi.org/help/#file-name-reuse for more information."; an
//     identical re-upload is a 200. As on Warehouse the message is also the
//     HTTP reason phrase (twine prints it). PEP 740 "attestations" are
//     accepted only with Trusted Publishing, must hold exactly one
//     attestation whose statement names the file and its sha256 with the
//     publish predicate, signed (DSSE) by the certificate's key; the chain,
//     transparency log and identity are checked by the hook given to
//     [WithAttestationVerifier] (e.g. sign.Verifier.VerifyDSSE).
//   - GET /simple/ and /simple/<project>/: PEP 503 HTML (with #sha256=
//     fragments and data-requires-python) or PEP 691 JSON ([SimpleJSON])
//     by Accept header; non-normalised names redirect.
//   - GET /pypi/<project>/json and /pypi/<project>/<version>/json.
//   - GET /files/<sha256>/<filename>: downloads.
//
// State accessors: [Server.Files], [Server.File], [Server.Content],
// [Server.UploadAttempts], [Server.MintCount], and [Server.Captures], which
// records every /legacy/ request's form fields in order (for comparing
// clients). Fault injection: [Server.AddFault] (status with Retry-After,
// connection reset mid-body, stall, truncated response, for N requests)
// and [Server.SetHook]. [WriteWheel] writes large valid wheels for
// benchmarks ([WithDiscardContent] keeps the server from storing them).
package pypitest
