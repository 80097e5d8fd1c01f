#!/usr/bin/env bash
# Runs a command (typically `go test ./...` with TAGSHIP_INTEROP=1) inside a
# private network namespace whose only interface is a loopback that is up:
#
#   .ci/interop.sh go test ./...
#
# Why: the real Sigstore services bind fixed or all-interface ports (the
# timestamp authority's metrics on :2112, Fulcio's metrics port), and cosign
# reaches for the public Sigstore when misconfigured. In the namespace those
# ports clash with nothing on the machine, and any stray call to the outside
# fails at once instead of hanging — a test can't pass by talking to the
# public instance.
#
# Nothing can be downloaded inside, so before entering this script fetches
# the main module's dependencies (`go mod download`); inside it sets
# GOPROXY=off, GOFLAGS+=-mod=mod and GOTOOLCHAIN=local. Tools must already
# be installed (.ci/install.sh).
#
# Needs root (or CAP_SYS_ADMIN) and util-linux's unshare plus iproute2's ip.
# Where a namespace cannot be created it warns and runs the command as is:
# internal/sigstack then serialises its stacks with a file lock, but the
# ports above are shared with the rest of the machine.
set -euo pipefail

if (($# == 0)); then
	echo "usage: $0 COMMAND [ARG...]   e.g. $0 go test ./..." >&2
	exit 2
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

echo "== interop: warming the module cache (go mod download)"
(cd "$root" && go mod download)

export GOPROXY=off
export GOTOOLCHAIN=local
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod"

if unshare -n -- sh -c 'ip link set lo up' 2>/dev/null; then
	echo "== interop: running in a private network namespace (loopback only): $*"
	exec unshare -n -- sh -c 'ip link set lo up && exec "$@"' sh "$@"
fi
echo "== interop: WARNING: cannot create a network namespace (need root and unshare); running without one: $*" >&2
exec "$@"
