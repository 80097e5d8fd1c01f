// Package sign signs release files with Sigstore — keylessly, or with a
// key the project holds — and verifies them against a pinned identity or
// public key.
//
// # Signing
//
// A [Signer] holds one ephemeral ECDSA P-256 key for its lifetime (one
// release run), gets a short-lived Fulcio certificate for the OIDC identity of
// its [TokenSource] (GitHub Actions by default, see [DefaultTokenSource]),
// records every signature in the transparency log(s) (Rekor v1 or v2) and
// optionally in RFC 3161 timestamp authorities, then verifies the resulting
// bundle against the trusted root before returning it: a bundle that would
// not verify is never returned or written (fail closed).
//
//	s, err := sign.NewSigner(
//		sign.WithSigningConfigFile("signing_config.json"), // or WithFulcioURL/WithRekorURL/WithTSAURL
//		sign.WithTrustedRootFile("trusted_root.json"),     // default: public-good TUF root
//	)
//	fs, err := s.SignFile(ctx, "dist/pkg-1.0.0.tar.gz")  // writes dist/pkg-1.0.0.tar.gz.sigstore.json
//	b, err := s.SignDigest(ctx, sha256Digest)            // e.g. an image manifest digest
//	b, err := s.SignDSSE(ctx, "application/vnd.in-toto+json", statement) // attestations (PEP 740, images)
//
// [Signer.SignFile] streams: the file is hashed while read (two 1 MiB
// buffers, reading overlapped with hashing) and never held in memory; the
// bundle (protobuf bundle v0.3 JSON, [BundleMediaType]) is written
// atomically to path + ".sigstore.json" ([WithBundlePath] overrides). Service calls are retried on connection
// errors, 5xx and 429 (honouring Retry-After) with exponential backoff
// ([WithRetry]); other 4xx answers fail at once. Tokens never appear in
// errors or logs; token claims (issuer, subject, audience) do, to explain
// refusals.
//
// [SignFiles] gives many files a bundle that verifies under a [Policy], at
// most [WithConcurrency] at once with one Signer, keeping a bundle that
// already verifies for its file ([KeptBundle]) and checking each new one
// ([SignVerified]); [VerifyFiles] checks, before publishing, that files
// are still the ones signed. One file failing does not stop the others.
//
// Services come from a signing_config.json v0.2 ([WithSigningConfigFile]),
// explicit URLs ([WithFulcioURL], [WithRekorURL] with API version 1 or 2,
// [WithTSAURL]), or by default the public-good signing config via TUF.
// With [WithSigningKey] the Signer signs with a caller's crypto.Signer (a
// KMS or HSM key; ECDSA P-256 or RSA) instead: no token, no Fulcio; the
// bundle names the key by a hint instead of carrying a certificate, and is
// still logged and timestamped.
//
// Plain http:// URLs are accepted only for loopback hosts unless
// [WithInsecureHTTPUnsafe] is given. Rekor v2 entries carry no integrated
// time, so Rekor v2 needs a timestamp authority.
//
// # Verifying
//
// A [Verifier] checks a bundle against trust material (a trusted_root.json
// via [WithVerifierTrustedRootFile], or by default the public-good root via
// TUF, which needs network) and a [Policy]. The identity is required: an
// exact certificate SAN ([Policy.Identity], built by [GitHubWorkflowIdentity])
// and an exact OIDC issuer ([Policy.Issuer], [GitHubActionsIssuer]). A regular
// expression form exists as [Policy.IdentityRegexpLoose]. Optional claim
// checks compare the Fulcio GitHub certificate extensions: repository, ref,
// trigger event, workflow SHA. [GitHubReleasePolicy] builds the usual policy.
// A key policy ([KeyPolicy], with [ParsePublicKeyPEM] or [LoadPublicKey])
// names a public key instead of an identity, for bundles signed with a
// long-lived key; the same log, timestamp and threshold rules apply, and a
// bundle of one kind is refused by a policy of the other.
//
//	v, err := sign.NewVerifier(sign.WithVerifierTrustedRootFile("trusted_root.json"))
//	p := sign.GitHubReleasePolicy("OWNER/REPO", sign.DefaultWorkflowPath, "v1.2.3")
//	res, err := v.VerifyFile(ctx, "pkg-1.0.0.tar.gz", "pkg-1.0.0.tar.gz.sigstore.json", p)
//	res, err := v.VerifyDigest(ctx, b, digest, p)
//	res, err := v.VerifyDSSE(ctx, b, p) // res.PayloadType, res.Payload for the caller's checks
//
// Defaults: at least 1 transparency-log entry ([WithTransparencyLogThreshold]),
// at least 1 trusted signing time (RFC 3161 timestamp or Rekor v1 integrated
// time, [WithObserverTimestampThreshold]), RFC 3161 timestamps optional
// ([WithSignedTimestampThreshold]), and 1 embedded SCT when the trusted root
// lists a CT log ([WithVerifierSCTThreshold]). Verification streams the file
// (hash, then verify by digest).
//
// # Errors
//
// Conditions are sentinels ([ErrIdentityMismatch], [ErrIssuerMismatch],
// [ErrClaimMismatch], [ErrKeyMismatch], [ErrDigestMismatch], [ErrNotInLog]
// and its refinements [ErrLogEntryMismatch], [ErrInclusionProof] and
// [ErrCheckpoint], [ErrCertificateExpired], [ErrTimestamp],
// [ErrSignatureInvalid], [ErrUntrustedCertificate], [ErrInvalidBundle],
// [ErrNoToken], [ErrInvalidPolicy], [ErrInsecureURL], [ErrConfig]). A failed
// check is a [*VerificationError] naming the check with expected and found
// values; it matches its sentinel with errors.Is. Each names the real cause:
// a log entry commits to the signature and certificate, so before a failure
// is blamed on the log the certificate chain and the signature are checked
// on their own (an altered signature is ErrSignatureInvalid, not
// ErrNotInLog). Digest algorithms are spelled "sha256" everywhere. Service failures are [*ServiceError]
// (wrapping a [*StatusError] when a service kept answering 5xx/429).
//
// Helpers: [SHA256File] (streaming digest), [LoadBundle] / [ParseBundle]
// (read a bundle), [DefaultBundlePath], [ParseTokenClaims] (token claims for
// messages), [Signer.Identity] / [Signer.Certificate] (what the last
// signature was made as: the strings release notes publish).
//
// Limits: a Rekor v2 request retried after a connection reset that had in
// fact been logged gets 409 Conflict from the log (sigstore-go cannot rebuild
// the entry); signing fails and a new attempt signs afresh.
//
// # Testing
//
// Package sign/signtest runs an in-process Sigstore (OIDC issuer minting
// GitHub-Actions-shaped tokens, Fulcio-compatible CA with the GitHub
// certificate extensions and embedded SCTs, Rekor v1- and v2-compatible logs,
// RFC 3161 timestamp authority) on 127.0.0.1, with fault hooks; the real
// cosign verifies its bundles with only --trusted-root:
//
//	st := signtest.New(t)
//	s, _ := st.NewSigner()       // sign.NewSigner(st.SignerOptions()...)
//	v, _ := st.NewVerifier()     // sign.NewVerifier(st.VerifierOptions()...)
//	p := st.Policy()             // the policy matching the tokens it mints
package sign
