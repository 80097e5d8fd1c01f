// Package shell quotes words for a POSIX shell: the one home of the
// quoting rule behind every command tagship writes for someone to run —
// the exported workflow's run steps (internal/ghworkflow), the
// verification commands of the release notes (ghrelease) and the
// maintainer's checklist (release/prepare).
//
// Every function returns one word that sh, bash and dash read back as the
// input exactly: plain when it holds only characters no shell treats
// specially (letters, digits and "_@%+=:,./-"), else quoted. It imports
// only the standard library.
package shell
