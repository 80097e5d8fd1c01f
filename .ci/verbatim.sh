#!/usr/bin/env bash
# The release notes' commands, verbatim, with the real verifiers (DESIGN.md
# rule 11): makes a release with the standard pipeline against the real
# local Sigstore stack (Fulcio, CT log, TSA, Rekor v2) and the PyPI, GitHub
# and registry doubles, then runs every command of every shell block of the
# notes as published — cosign v2.6.5 and v3.1.3 (plus --trusted-root),
# sigstore-js's @sigstore/verify for sigstore-python's command, gh release
# download, pip download, sha256sum — and the identity-pinned ones again for
# refs/heads/main, another tag and another repository, which must fail.
# See internal/verbatim. Run inside .ci/interop.sh (private loopback):
#
#   bash .ci/interop.sh bash .ci/verbatim.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
echo "== go run ./internal/verbatim/cmd/verbatim $*"
exec go run ./internal/verbatim/cmd/verbatim "$@"
