// Package ghperm is the module's one home for the data model of GitHub
// Actions token permissions and the checks that need nothing but it: the
// access levels ([Read], [Write]), the scopes GitHub knows, a job's grants
// ([Permissions]: what they allow, how they print, whether GitHub would
// accept them), the running job a context carries ([WithJob], [JobOf]),
// the check of a use against it ([Require], refusing with a
// [*PermissionError] that matches [ErrPermission]) and an
// http.RoundTripper that asks, before each request, for the access its
// method needs ([Transport], [Need]).
//
// The contract:
//
//   - A scope that is not listed is not granted; write implies read;
//     id-token has only write.
//   - [Permissions.Validate] accepts exactly what GitHub accepts in a job's
//     permissions: known scopes, "read" or "write", id-token: write.
//   - [Require] refuses a use the job in its context is not granted, and
//     reports each use it allows to that job's callback; a context without
//     a job has nothing to check and every use passes.
//   - [Transport] sends a request only when its check allows the scope with
//     read for GET, HEAD and OPTIONS and write for every other method; a
//     refused request is never sent and its body is closed.
//
// Package release puts each pipeline job in the context of its Run (its
// grants' uses become events) and re-exports these names as type aliases
// and thin wrappers (release.Permissions, release.Require, …), so its
// users see one vocabulary. For that reason the error texts speak as
// "release:".
//
// It is an internal leaf: it imports only the standard library.
package ghperm
