#!/usr/bin/env bash
# Builds the pinned third-party tools used by tagship's interop tests into
# tools/bin: cosign, fulcio, rekor-server, timestamp-server, tesseract, crane,
# actionlint, and cosign3 (cosign v3, skipped with TAGSHIP_TOOLS_COSIGN3=0).
#
# The versions are pinned by the `tool` directives in tools/go.mod (a module
# of its own: the main module never depends on it). Each binary is built with
# its own `go build -o bin/NAME PKG` (two of the packages are both named
# "posix"). A binary is skipped when it is up to date: bin/.NAME.stamp holds
# a hash of its module's go.mod and go.sum, this script, the package and the
# Go version it was built with.
#
# Usage: bash tools/build.sh            # build what is missing or stale
#        TAGSHIP_TOOLS_FORCE=1 bash tools/build.sh   # rebuild everything
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
self="$here/$(basename "${BASH_SOURCE[0]}")"
cd "$here"
export GOWORK=off
export GOFLAGS="${GOFLAGS:-} -mod=readonly -trimpath"
mkdir -p bin

# name  module-dir  package
tools=(
	"cosign           .        github.com/sigstore/cosign/v2/cmd/cosign"
	"fulcio           .        github.com/sigstore/fulcio"
	"rekor-server     .        github.com/sigstore/rekor-tiles/v2/cmd/rekor-server/posix"
	"timestamp-server .        github.com/sigstore/timestamp-authority/v2/cmd/timestamp-server"
	"tesseract        .        github.com/transparency-dev/tesseract/cmd/tesseract/posix"
	"crane            .        github.com/google/go-containerregistry/cmd/crane"
	"actionlint       .        github.com/rhysd/actionlint/cmd/actionlint"
)
# cosign v3 lives in a module of its own (tools/cosign3) so that its newer
# dependencies do not move the versions the rest of the stack builds with.
if [[ "${TAGSHIP_TOOLS_COSIGN3:-1}" == 1 ]]; then
	tools+=("cosign3          cosign3  github.com/sigstore/cosign/v3/cmd/cosign")
fi

gover="$(go env GOVERSION)"
echo "tools/build.sh: Go $gover, output $here/bin"

total_start=$SECONDS
for entry in "${tools[@]}"; do
	read -r name dir pkg <<<"$entry"
	out="$here/bin/$name"
	stampfile="$here/bin/.$name.stamp"
	stamp="$( { cat "$dir/go.mod" "$dir/go.sum" "$self"; echo "$gover $pkg"; } | sha256sum | cut -d' ' -f1)"
	# The module providing pkg, and its pinned version.
	read -r mod ver < <(cd "$dir" && go list -f '{{.Module.Path}} {{.Module.Version}}' "$pkg")
	if [[ -x "$out" && -f "$stampfile" && "$(cat "$stampfile")" == "$stamp" && -z "${TAGSHIP_TOOLS_FORCE:-}" ]]; then
		echo "  $name $ver ($pkg): up to date, skipped"
		continue
	fi
	shown="tools"
	[[ "$dir" == . ]] || shown="tools/$dir"
	echo "  $name $ver: (cd $shown && go build -o tools/bin/$name $pkg)"
	start=$SECONDS
	# release-utils/version (cosign, fulcio, timestamp-server, rekor-server)
	# reports "devel" for a dependency build unless told its version; -X is
	# a no-op for binaries that do not link that package.
	(cd "$dir" && go build \
		-ldflags "-s -w -X sigs.k8s.io/release-utils/version.gitVersion=$ver" \
		-o "$out.tmp" "$pkg")
	mv -f "$out.tmp" "$out"
	echo "$stamp" >"$stampfile"
	echo "  $name $ver ($mod): built in $((SECONDS - start))s"
done
echo "tools/build.sh: done in $((SECONDS - total_start))s"
