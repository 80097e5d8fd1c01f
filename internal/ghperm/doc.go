// Package ghperm is the module's one home for the data model of GitHub
// Actions token permissions and the checks that need nothing but it: the
// access levels ([Read], [Write]), the scopes GitHub knows, a job's grants
// ([Permissions]: what they allow, how they print, whether GitHub would
// accept them), the refusal of a use that was not granted
// ([*PermissionError], matching [ErrPermission]) and an http.RoundTripper
// that asks, before each request, for the access its method needs
// ([Transport], [Need]).
//
// The contract:
//
//   - A scope that is not listed is not granted; write implies read;
//     id-token has only write.
//   - [Permissions.Validate] accepts exactly what GitHub accepts in a job's
//     permissions: known scopes, "read" or "write", id-token: write.
//   - [Transport] sends a request only when its check allows the scope with
//     read for GET, HEAD and OPTIONS and write for every other method; a
//     refused request is never sent and its body is closed.
//
// Who is running and what it was granted is not this package's business:
// package release keeps that per-run context plumbing (the running job,
// Require, the checked token source) and re-exports these names as type
// aliases (release.Permissions, release.ErrPermission, …), so its users see
// one vocabulary. For that reason the error texts speak as "release:".
//
// It is an internal leaf: it imports only the standard library.
package ghperm
