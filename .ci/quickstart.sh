#!/usr/bin/env bash
# The README's first command, end to end, checked by the real tools:
# run the quickstart pushing to Debian's real docker-registry, then verify
# every signed file (the distributions, SHA256SUMS and the SBOM) with the
# real `cosign verify-blob` and the image with
# `cosign verify`, against the quickstart's trusted_root.json and the
# production identity. Run inside .ci/interop.sh (private loopback).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
cosign="$root/tools/bin/cosign"
[ -x "$cosign" ] || { echo "quickstart.sh: $cosign missing: run .ci/install.sh" >&2; exit 1; }
command -v docker-registry >/dev/null || { echo "quickstart.sh: docker-registry missing: run .ci/install.sh" >&2; exit 1; }

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$work/registry.yml" <<YAML
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $work/registry}}
http: {addr: 127.0.0.1:$port}
YAML
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
for _ in $(seq 50); do
	python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/v2/')" 2>/dev/null && break
	sleep 0.1
done

echo "== go run ./examples/quickstart -out $work/out -registry 127.0.0.1:$port"
start=$SECONDS
go run ./examples/quickstart -out "$work/out" -registry "127.0.0.1:$port"
echo "== quickstart wall time, including go run's compile: $((SECONDS - start)) s"

cd "$work/out"
export TUF_ROOT="$work/tuf"
identity=$(python3 -c 'import json; print(json.load(open("release.json"))["identity"])')
issuer=$(python3 -c 'import json; print(json.load(open("release.json"))["issuer"])')
echo "== $("$cosign" version 2>&1 | grep -i gitversion || true)"
python3 -c 'import json; m=json.load(open("release.json")); [print(a["path"], a["bundle"]) for a in m["artifacts"]]; [print(m[k], m[k]+".sigstore.json") for k in ("checksums", "sbom")]' |
while read -r file bundle; do
	echo "== cosign verify-blob $file"
	"$cosign" verify-blob --trusted-root trusted_root.json --bundle "$bundle" \
		--certificate-identity "$identity" --certificate-oidc-issuer "$issuer" "$file"
	echo "== the same bundle must NOT verify for a branch identity"
	if "$cosign" verify-blob --trusted-root trusted_root.json --bundle "$bundle" \
		--certificate-identity "${identity%@*}@refs/heads/main" --certificate-oidc-issuer "$issuer" "$file" 2>/dev/null; then
		echo "cosign accepted a wrong identity" >&2; exit 1
	fi
done
ref=$(python3 -c 'import json; m=json.load(open("release.json"))["image"]; print(m["reference"].rsplit(":",1)[0]+"@"+m["digest"])')
echo "== cosign verify $ref"
"$cosign" verify --trusted-root trusted_root.json --allow-http-registry \
	--certificate-identity "$identity" --certificate-oidc-issuer "$issuer" "$ref" >/dev/null
echo "quickstart outputs verified by the real cosign"
