package sign

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Every error returned by this package that stands for one of
// these conditions matches it with errors.Is.
var (
	// ErrNoToken: no OIDC token could be obtained (missing environment, token
	// endpoint failure, empty token).
	ErrNoToken = errors.New("sign: no OIDC identity token")
	// ErrIdentityMismatch: the certificate's subject alternative name is not
	// the identity the policy requires.
	ErrIdentityMismatch = errors.New("sign: certificate identity mismatch")
	// ErrIssuerMismatch: the certificate's OIDC issuer is not the issuer the
	// policy requires.
	ErrIssuerMismatch = errors.New("sign: certificate OIDC issuer mismatch")
	// ErrClaimMismatch: an optional GitHub claim check of the policy
	// (repository, ref, event, workflow SHA) failed.
	ErrClaimMismatch = errors.New("sign: certificate GitHub claim mismatch")
	// ErrDigestMismatch: the bundle signs another artifact than the one given.
	ErrDigestMismatch = errors.New("sign: artifact digest mismatch")
	// ErrNotInLog: the bundle carries no transparency-log entry the trusted
	// root can verify (or fewer than the threshold).
	ErrNotInLog = errors.New("sign: not in transparency log")
	// ErrLogEntryMismatch: a transparency-log entry from a trusted log does
	// not match the bundle (it logs another signature, key or digest) or its
	// signed entry timestamp does not verify: the entry was altered. It
	// matches ErrNotInLog too.
	ErrLogEntryMismatch = fmt.Errorf("%w: log entry altered or for another signature", ErrNotInLog)
	// ErrInclusionProof: a log entry's inclusion proof does not lead to the
	// root hash of its checkpoint. It matches ErrNotInLog too.
	ErrInclusionProof = fmt.Errorf("%w: inclusion proof does not verify", ErrNotInLog)
	// ErrCheckpoint: a log entry's checkpoint (signed tree head) is not
	// signed by the log's key. It matches ErrNotInLog too.
	ErrCheckpoint = fmt.Errorf("%w: checkpoint signature does not verify", ErrNotInLog)
	// ErrCertificateExpired: the signing certificate was not valid at the
	// (verified) signing time.
	ErrCertificateExpired = errors.New("sign: certificate not valid at signing time")
	// ErrTimestamp: fewer verified timestamps than required (an RFC 3161
	// timestamp that does not verify does not count).
	ErrTimestamp = errors.New("sign: timestamp verification failed")
	// ErrSignatureInvalid: the signature does not verify with the
	// certificate's key (or the policy's public key).
	ErrSignatureInvalid = errors.New("sign: signature invalid")
	// ErrKeyMismatch: the policy requires a signature by a public key and
	// the bundle was signed by another key or keylessly (with a Fulcio
	// certificate).
	ErrKeyMismatch = errors.New("sign: not signed by the policy's public key")
	// ErrUntrustedCertificate: the certificate does not chain to a trusted
	// Fulcio CA, or lacks the required SCTs.
	ErrUntrustedCertificate = errors.New("sign: certificate not trusted")
	// ErrInvalidBundle: the bundle cannot be parsed or is not a Sigstore bundle.
	ErrInvalidBundle = errors.New("sign: invalid bundle")
	// ErrInvalidPolicy: the policy is incomplete (no identity or no issuer,
	// and no public key) or mixes a public key with an identity.
	ErrInvalidPolicy = errors.New("sign: invalid verification policy")
	// ErrInsecureURL: a service URL uses plain http to a non-loopback host.
	ErrInsecureURL = errors.New("sign: insecure service URL")
	// ErrConfig: the signer or verifier configuration is incomplete.
	ErrConfig = errors.New("sign: invalid configuration")
	// ErrVerification: verification failed for a reason none of the more
	// precise sentinels describes.
	ErrVerification = errors.New("sign: verification failed")
)

// VerificationError describes one failed verification check. It matches the
// sentinel of its condition (errors.Is) and also wraps the underlying cause.
type VerificationError struct {
	// Check names the check that failed: "identity", "issuer",
	// "repository", "ref", "event", "workflow-sha", "key", "digest",
	// "tlog", "inclusion-proof", "checkpoint", "timestamp", "certificate",
	// "validity", "signature", "bundle".
	Check string
	// Expected is what the policy or caller required ("" when not applicable).
	Expected string
	// Found is what the bundle or artifact carried.
	Found string
	// Hint tells the user how to fix it ("" when none).
	Hint string
	// Condition is the condition (ErrIdentityMismatch, …).
	Condition error
	// Err is the underlying error, if any.
	Err error
}

func (e *VerificationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sign: verification check %q failed", e.Check)
	if e.Expected != "" || e.Found != "" {
		fmt.Fprintf(&b, ": expected %q, found %q", e.Expected, e.Found)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	if e.Hint != "" {
		b.WriteString(" (")
		b.WriteString(e.Hint)
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns the condition and the underlying error.
func (e *VerificationError) Unwrap() []error {
	var out []error
	if e.Condition != nil {
		out = append(out, e.Condition)
	}
	if e.Err != nil {
		out = append(out, e.Err)
	}
	return out
}

// ServiceError is a failure talking to a Sigstore service (Fulcio, Rekor, a
// timestamp authority or the OIDC token endpoint).
type ServiceError struct {
	Service string // "fulcio", "rekor", "tsa", "oidc"
	URL     string // base URL of the service (never contains credentials)
	Err     error
}

func (e *ServiceError) Error() string {
	return fmt.Sprintf("sign: %s at %s: %v", e.Service, e.URL, e.Err)
}

func (e *ServiceError) Unwrap() error { return e.Err }

// redactError returns err with every occurrence of secret replaced, so that
// tokens echoed by a server never reach a caller's logs.
func redactError(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	changed := false
	for _, s := range secrets {
		if len(s) >= 8 && strings.Contains(msg, s) {
			msg = strings.ReplaceAll(msg, s, "[REDACTED]")
			changed = true
		}
	}
	if !changed {
		return err
	}
	return &redactedError{msg: msg, err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }

// Is lets errors.Is see sentinels in the original chain without exposing its
// message.
func (e *redactedError) Is(target error) bool { return errors.Is(e.err, target) }
