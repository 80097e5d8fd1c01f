#!/usr/bin/env bash
# Installs everything tagship's tests need on a fresh Debian 12 machine, as
# root; idempotent (each step skips what is already there). Called by
# .ci/run; safe to run by hand.
#
#   1. Debian packages: the real clients the interop tests drive (twine,
#      pip, gh, docker-registry, htpasswd, openssl), unshare/ip for
#      .ci/interop.sh, and buildah and python3-venv for .ci/workflow-e2e.sh.
#      One `apt-get update`, only when something is missing.
#   2. npm: @octokit/fixtures-server (recorded api.github.com answers) and
#      @sigstore/verify (sigstore-js, an independent verifier for
#      .ci/verbatim.sh) into tools/node (gitignored).
#   3. Go tools: the pinned Sigstore stack, cosign, crane and actionlint,
#      built by tools/build.sh into tools/bin (gitignored).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export DEBIAN_FRONTEND=noninteractive
total_start=$SECONDS

step() { echo "== install: $*"; step_start=$SECONDS; }
done_step() { echo "== install: $1 done in $((SECONDS - step_start))s"; }

# ---------------------------------------------------------------- 1. apt
step "Debian packages"
apt_packages=(
	docker-registry   # OCI registry 2.8.2 (oci interop)
	apache2-utils     # htpasswd for the registry's basic auth
	twine             # PyPI upload client 4.0.2 (pypi interop)
	python3-build     # python3 -m build --no-isolation
	python3-setuptools
	python3-wheel
	python3-pip       # pip download from pypitest
	python3-packaging # PEP 440 reference for preflight's normaliser
	gh                # GitHub CLI 2.23.0 (ghrelease interop)
	openssl           # keys, hashing floor in benchmarks
	time              # GNU time: peak RSS of benchmarked processes
	iproute2          # ip link set lo up (.ci/interop.sh)
	util-linux        # unshare -n (.ci/interop.sh)
	ca-certificates
	git
	buildah           # builds images offline: the image-build interop test and the e2e fixture (.ci/workflow-e2e.sh)
	shellcheck        # actionlint runs it on the exported workflow's run: steps
	python3-venv      # setup-python's tool-cache entry for act (.ci/workflow-e2e.sh)
)
missing=()
for p in "${apt_packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
# Node.js may come from Debian (nodejs + npm) or from an image that ships its
# own npm inside nodejs: only install Debian's when there is none.
if ! command -v node >/dev/null; then missing+=(nodejs); fi
if ! command -v npm >/dev/null; then missing+=(npm); fi
if ((${#missing[@]})); then
	echo "   installing: ${missing[*]}"
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
	echo "   all ${#apt_packages[@]} packages and node/npm already installed"
fi
for p in docker-registry twine gh openssl; do
	printf '   %-16s %s\n' "$p" "$(dpkg-query -W -f='${Version}' "$p")"
done
printf '   %-16s %s (npm %s)\n' node "$(node --version)" "$(npm --version)"
done_step "Debian packages"

# ---------------------------------------------------------------- 2. npm
step "npm @octokit/fixtures-server"
fixtures_version=8.1.7
node_dir="$root/tools/node"
pkg_json="$node_dir/node_modules/@octokit/fixtures-server/package.json"
have=""
if [[ -f "$pkg_json" ]]; then
	have="$(node -p "require('$pkg_json').version")"
fi
if [[ "$have" == "$fixtures_version" ]]; then
	echo "   @octokit/fixtures-server $have already in tools/node, skipped"
else
	mkdir -p "$node_dir"
	npm install --prefix "$node_dir" --save-exact --no-audit --no-fund --loglevel=error \
		"@octokit/fixtures-server@$fixtures_version"
	echo "   installed @octokit/fixtures-server $(node -p "require('$pkg_json').version") into tools/node"
fi
# Its CLI binds all interfaces: tests start it from a Node wrapper bound to
# 127.0.0.1 with NODE_PATH=tools/node/node_modules. The link lets
# interop.Tool(t, "octokit-fixtures-server") find (or skip on) it.
mkdir -p "$root/tools/bin"
ln -sfn ../node/node_modules/.bin/octokit-fixtures-server "$root/tools/bin/octokit-fixtures-server"
done_step "npm @octokit/fixtures-server"

# sigstore-js's verifier: the newest major that runs on the machine's Node
# (4.x needs Node >= 22; 3.x supports ^20.17). .ci/verbatim.sh checks the
# release notes' sigstore commands with it, and sign's interop tests use it
# as an independent verifier (examples/sign/testdata/sigstore-js-verify.js).
step "npm @sigstore/verify"
sigstore_verify_version=3.1.1
sv_json="$node_dir/node_modules/@sigstore/verify/package.json"
have=""
if [[ -f "$sv_json" ]]; then
	have="$(node -p "require('$sv_json').version")"
fi
if [[ "$have" == "$sigstore_verify_version" ]]; then
	echo "   @sigstore/verify $have already in tools/node, skipped"
else
	npm install --prefix "$node_dir" --save-exact --no-audit --no-fund --loglevel=error \
		"@octokit/fixtures-server@$fixtures_version" "@sigstore/verify@$sigstore_verify_version" \
		"@sigstore/bundle@4.0.0" "@sigstore/protobuf-specs@0.5.2"
	echo "   installed @sigstore/verify $(node -p "require('$sv_json').version") into tools/node"
fi
done_step "npm @sigstore/verify"

# ---------------------------------------------------------------- 3. Go tools
step "Go tools (tools/build.sh)"
command -v go >/dev/null || { echo "install: go is not on PATH" >&2; exit 1; }
echo "   $(go version)"
bash "$root/tools/build.sh"
done_step "Go tools (tools/build.sh)"

echo "== install: all done in $((SECONDS - total_start))s"
