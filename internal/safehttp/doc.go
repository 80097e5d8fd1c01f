// Package safehttp is tagship's one careful HTTP client layer, shared by
// sign, oci, pypi and ghrelease. It handles what every remote call must
// get right, so that no package writes it again:
//
//   - Policy: retries with exponential backoff and jitter on connection
//     errors, 5xx and 429, honouring Retry-After up to a cap; never on
//     other 4xx (the caller is wrong, asking again will not help).
//   - Transport: every hop (redirects included) is https, or http to a
//     loopback host, unless the caller opted out with AllowHTTP;
//     credentials are bound to their origin (scheme, host and port) and
//     removed from any redirect that leaves it (a request with a body is
//     refused instead); every credential seen is learnt by a Redactor;
//     reason phrases and error bodies are redacted before anyone above can
//     read, log or truncate them; bodies are capped (by the announced
//     Content-Length where there is one).
//   - Redactor: every known secret, with its base64 and HTTP Basic forms
//     and any prefix of it a server chose to quote, replaced by
//     "[REDACTED]" before text is truncated, logged, stored or returned.
//     RedactHandler applies it to slog records.
//   - ReadAll, ReadJSON and RedactText: bounded reads, a success answer
//     checked (status, media type, required JSON fields) before it is
//     believed, and server text quoted only after redaction.
//
// Model: go-containerregistry's pkg/v1/remote/transport (one retrying
// transport, wrapped once, options with stated defaults). The package
// keeps no global state.
package safehttp
