// Package buildcmd is the module's one home for running the user's build
// (a wheel/sdist build, an image build) as a subprocess without the CI's
// credentials, as DESIGN.md rule 9 requires.
//
// The contract of [Run]:
//
//   - The subprocess's environment is the process's own without every
//     variable that is, or may carry, a credential ([IsCredential]: the
//     CI's known token, OIDC-request and registry variables by name, and any
//     name containing TOKEN, SECRET, PASSWORD, PASSWD, API_KEY, APIKEY,
//     PRIVATE_KEY or CREDENTIAL), plus the caller's [Command.Env]. A
//     compromised build dependency can then neither mint an OIDC token (and
//     have any file certified as the release identity) nor publish with the
//     CI's tokens.
//   - The values removed, and every known CI credential [Command.Getenv]
//     reports, are secrets: they are cut from the output (and their base64
//     forms, see internal/safehttp's Redactor) before a line is handed to
//     [Command.Log] and before the output's tail goes into an error.
//   - The subprocess runs with the caller's ctx: cancelling ctx kills it,
//     and Run returns at most five seconds later even when the process left
//     children holding its output open.
//   - A failure is an [*Error] that says what ran, where, the exit status,
//     the redacted tail of the output and a hint; it matches [ErrFailed]
//     and wraps the os/exec error (errors.As to *exec.ExitError works).
//
// [Environ] is the scrubbing on its own, for callers that run a process
// some other way.
//
// It is an internal leaf: it imports internal/safehttp (the one Redactor)
// and the standard library, nothing else of the module.
package buildcmd
