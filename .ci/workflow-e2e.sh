#!/usr/bin/env bash
# The exported release workflow, run unchanged on a real runner
# implementation: nektos/act v0.2.89 in host mode (no Docker), offline,
# with the upstream actions from ../shared/actions, against the doubles of
# examples/sandbox.
#
#   bash .ci/workflow-e2e.sh [FIXTURE_DIR]
#
# FIXTURE_DIR (default .ci/fixtures/reference, shaped like tagship's
# reference project: a Python package in backend/, CHANGELOG.md at the
# root, backend/Dockerfile, no Go code) holds a project tree and a file
# `release-flags`: one line of examples/release flags, in which
# ${TAGSHIP_REGISTRY} stands for the sandbox registry's HOST:PORT and whose
# -repo OWNER/REPO names the repository (act's origin, the sandbox's
# identity).
#
#   1. serves this checkout as github.com/tagship/tagship@VERSION from a
#      file module proxy placed before the Go module proxy in GOPROXY, so
#      the jobs' `go run github.com/tagship/tagship/examples/release@VERSION`
#      runs this code;
#   2. starts examples/sandbox for the repository and tag;
#   3. exports the workflow into a git copy of the fixture, commits, tags
#      v<manifest version>;
#   4. runs act for the tag push and checks that all five jobs succeeded in
#      needs order;
#   5. verifies the whole release as a user would (examples/verify,
#      verify.Release) and with the real cosign (--trusted-root);
#   6. runs act again from a fresh clone and a fresh artifact store ("Re-run
#      all jobs"), which must succeed and change nothing published (index
#      files and hashes, release assets and hashes, the image digest).
#
# The last line is `workflow-e2e: 5/5 jobs, verify OK, rerun converged`, or
# `workflow-e2e: FAILED: ...`. Needs go, git, node >= 20, Debian's python3
# with python3-build, buildah, tools/bin/cosign (.ci/install.sh), and the
# actions folder: $TAGSHIP_SHARED (default ../shared, next to the clone).
# KEEP=1 keeps the work directory (logs, repositories, downloads).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
fixture="$(cd "${1:-$root/.ci/fixtures/reference}" && pwd)"
shared="${TAGSHIP_SHARED:-$root/../shared}"
actions="$shared/actions"
PYTHON=/usr/bin/python3
work="$(mktemp -d "${TMPDIR:-/tmp}/workflow-e2e.XXXXXX")"
t0=$SECONDS
stage="setup"
sandbox_pid=""
verdict=""

say() { printf '\n== %s  [t+%ds]\n' "$*" $((SECONDS - t0)) >&2; }
fail() { verdict="workflow-e2e: FAILED: $* (work dir: $work)"; exit 1; }
cleanup() {
	local rc=$?
	if [ -n "$sandbox_pid" ]; then kill -TERM "$sandbox_pid" 2>/dev/null || true; wait "$sandbox_pid" 2>/dev/null || true; fi
	if [ "$rc" != 0 ] && [ -z "$verdict" ]; then verdict="workflow-e2e: FAILED: $stage: exit status $rc (work dir: $work)"; fi
	if [ "$rc" = 0 ] && [ "${KEEP:-0}" != 1 ]; then rm -rf "$work"; fi
	[ -n "$verdict" ] && echo "$verdict"
	return "$rc"
}
trap cleanup EXIT
free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# ------------------------------------------------------------------ tools
stage="tools"
[ -f "$fixture/release-flags" ] || fail "$fixture has no release-flags file"
[ -d "$actions" ] || fail "no actions folder at $actions (set TAGSHIP_SHARED to the folder holding actions/)"
for t in go git node buildah; do command -v "$t" >/dev/null || fail "$t is not on PATH (.ci/install.sh)"; done
"$PYTHON" -c 'import build, setuptools, wheel' 2>/dev/null || fail "$PYTHON lacks build/setuptools/wheel (apt-get install python3-build python3-setuptools python3-wheel)"
cosign="$root/tools/bin/cosign"
[ -x "$cosign" ] || fail "$cosign missing (.ci/install.sh builds it)"
ACT=$(bash "$actions/selftest.sh" --act) || fail "could not build or find the patched act (bash $actions/selftest.sh --act)"
NODE=$(command -v node)
GOROOT_HOST=$(go env GOROOT)
GOVER=$(go env GOVERSION); GOVER=${GOVER#go}
PYVER=$("$PYTHON" -c 'import platform; print(platform.python_version())')
say "act $("$ACT" --version | awk '{print $3}'), node $("$NODE" --version), go $GOVER, python $PYVER, $(buildah --version)"

# ------------------------------------------------------- 1. module proxy
stage="module proxy"
say "serving this checkout through a file module proxy"
proxy="$work/goproxy"
mod=github.com/tagship/tagship
# The files a module zip of this checkout holds: tracked and untracked
# (not ignored) files, without nested modules (tools/), as the go command
# would take them from a VCS tag.
git ls-files -co --exclude-standard -z > "$work/files.z"
VERSION=$("$PYTHON" - "$work/files.z" "$proxy" "$mod" <<'PY'
import hashlib, json, os, sys, zipfile
files_z, proxy, mod = sys.argv[1:]
names = sorted(n for n in open(files_z, "rb").read().decode().split("\0") if n)
nested = {os.path.dirname(n) for n in names if os.path.basename(n) == "go.mod" and os.path.dirname(n)}
def keep(n):
    if not os.path.isfile(n) or os.path.islink(n):
        return False
    parts = n.split("/")
    return not any("/".join(parts[:i]) in nested for i in range(1, len(parts))) and "vendor" not in parts[:-1]
names = [n for n in names if keep(n)]
h = hashlib.sha256()
for n in names:
    h.update(n.encode() + b"\0" + open(n, "rb").read() + b"\0")
version = "v0.0.0-e2e.h" + h.hexdigest()[:12]
d = os.path.join(proxy, mod, "@v")
os.makedirs(d, exist_ok=True)
with zipfile.ZipFile(os.path.join(d, version + ".zip"), "w", zipfile.ZIP_DEFLATED) as z:
    for n in names:
        z.write(n, mod + "@" + version + "/" + n)
open(os.path.join(d, version + ".mod"), "wb").write(open("go.mod", "rb").read())
json.dump({"Version": version, "Time": "2026-11-26T00:00:00Z"}, open(os.path.join(d, version + ".info"), "w"))
open(os.path.join(d, "list"), "w").write(version + "\n")
print(version)
PY
)
upstream_proxy=$(go env GOPROXY)
export GOPROXY="file://$proxy,$upstream_proxy"
export GONOSUMDB="$mod" GOTOOLCHAIN=local GOWORK=off GOFLAGS=-buildvcs=false
say "$mod@$VERSION: go install examples/release, examples/verify (what the jobs will run)"
mkdir -p "$work/bin"
(cd "$work" && GOBIN="$work/bin" go install "$mod/examples/release@$VERSION" "$mod/examples/verify@$VERSION") \
	|| fail "go install $mod/examples/release@$VERSION from the file proxy"
go build -o "$work/bin/sandbox" ./examples/sandbox || fail "go build ./examples/sandbox"

# --------------------------------------------------------- the fixture
stage="fixture"
line=$(grep -v '^[[:space:]]*#' "$fixture/release-flags" | grep -v '^[[:space:]]*$' | head -n 1)
[ -n "$line" ] || fail "$fixture/release-flags holds no line of flags"
flags=()
flag_value() { # flag_value NAME: the value of -NAME in flags
	local i
	for ((i = 0; i < ${#flags[@]}; i++)); do
		case "${flags[$i]}" in
		"-$1" | "--$1") echo "${flags[$((i + 1))]:-}"; return ;;
		"-$1="* | "--$1="*) echo "${flags[$i]#*=}"; return ;;
		esac
	done
}
# shellcheck disable=SC2016 # the placeholder, literally
placeholder='${TAGSHIP_REGISTRY}'
pre=${line//"$placeholder"/registry.invalid} # the registry is known once the sandbox is up
eval "flags=($pre)"
repo=$(flag_value repo)
[[ "$repo" =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]] || fail "release-flags: -repo OWNER/REPO is required (found '$repo')"
manifest=$(flag_value manifest); manifest=${manifest:-pyproject.toml}
read -r project version < <("$PYTHON" -c 'import sys, tomllib; p = tomllib.load(open(sys.argv[1], "rb"))["project"]; print(p["name"], p["version"])' "$fixture/$manifest") \
	|| fail "cannot read [project] name and version from $fixture/$manifest"
tag="v$version"

src="$work/repo"
mkdir -p "$src"
(cd "$fixture" && tar --exclude=./release-flags -cf - .) | tar -xf - -C "$src"
git -C "$src" init -q -b main
git -C "$src" remote add origin "https://github.com/$repo.git"

# ------------------------------------------------------------ 2. sandbox
stage="sandbox"
say "examples/sandbox for $repo at refs/tags/$tag"
"$work/bin/sandbox" -out "$work/sandbox" -repo "$repo" -ref "refs/tags/$tag" -git "$src" \
	> "$work/sandbox.out" 2> "$work/sandbox.log" &
sandbox_pid=$!
for _ in $(seq 300); do
	grep -qx READY "$work/sandbox.out" 2>/dev/null && break
	kill -0 "$sandbox_pid" 2>/dev/null || fail "the sandbox exited: $(tail -n 3 "$work/sandbox.log")"
	sleep 0.1
done
grep -qx READY "$work/sandbox.out" || fail "the sandbox did not print READY"
declare -A sb
while IFS='=' read -r k v; do sb[$k]=$v; done < "$work/sandbox/env"
line=${line//"$placeholder"/${sb[TAGSHIP_REGISTRY]}}
eval "flags=($line)"
image=$(flag_value image)

# ------------------------------------------------ 3. export, commit, tag
stage="export"
say "export the workflow (examples/release@$VERSION -workflow $line)"
mkdir -p "$src/.github/workflows"
(cd "$src" && env -u TAGSHIP_TRUSTED_ROOT -u TAGSHIP_SIGNING_CONFIG -u TAGSHIP_INDEX_URL -u TAGSHIP_GITHUB_API \
	"$work/bin/release" -workflow -version "$VERSION" -go-version "$GOVER" "${flags[@]}") \
	> "$src/.github/workflows/release.yml" || fail "the export failed"
if [ -x "$root/tools/bin/actionlint" ] && command -v shellcheck >/dev/null; then
	(cd "$src" && "$root/tools/bin/actionlint" -no-color -shellcheck "$(command -v shellcheck)" .github/workflows/release.yml) \
		|| fail "actionlint refused the exported workflow"
fi
git -C "$src" add -A
git -C "$src" -c user.name=e2e -c user.email=e2e@example.invalid commit -qm "Release $tag"
git -C "$src" -c user.name=e2e -c user.email=e2e@example.invalid tag -a "$tag" -m "$tag"
sha=$(git -C "$src" rev-parse "$tag^{commit}")

# ------------------------------------------------------------- act runs
TC="$work/tool_cache" # setup-go and setup-python find the local Go and Python here
mkdir -p "$TC/go/$GOVER" "$TC/Python/$PYVER"
ln -s "$GOROOT_HOST" "$TC/go/$GOVER/x64" && touch "$TC/go/$GOVER/x64.complete"
"$PYTHON" -m venv --system-site-packages "$TC/Python/$PYVER/x64" >/dev/null 2>&1 ||
	{ rm -rf "$TC/Python/$PYVER/x64"; "$PYTHON" -m venv --without-pip --system-site-packages "$TC/Python/$PYVER/x64"; } ||
	fail "$PYTHON -m venv"
touch "$TC/Python/$PYVER/x64.complete"
printf '{"ref": "refs/tags/%s", "before": "0000000000000000000000000000000000000000", "after": "%s", "created": true}\n' "$tag" "$sha" > "$work/event.json"
jobs_in_order=(preflight build-wheel build-image publish-pypi publish-release)
# The workflow pins each action by commit: map each `uses: OWNER/NAME@REF`
# (the ref exactly as written) to the local copy of that action.
local_actions=()
while read -r use; do
	name=${use%@*}
	name=${name#*/}
	dirs=("$actions/$name"@*)
	[ -d "${dirs[0]}" ] || fail "the workflow uses $use, which $actions does not hold"
	local_actions+=(--local-repository "$use=${dirs[0]}")
done < <(sed -n 's/^ *uses: \([^ #]*\).*/\1/p' "$src/.github/workflows/release.yml" | sort -u)

# run_act N DIR: the tag push in DIR with a fresh action cache and artifact
# store; the log is $work/act-N.log.
run_act() {
	local n=$1 dir=$2 cache="$work/act-cache-$1" port rc
	mkdir -p "$cache" "$work/home-$n"
	ln -s "$TC" "$cache/tool_cache" # act sets RUNNER_TOOL_CACHE=$cache/tool_cache
	port=$(free_port)
	# The run's GITHUB_RUN_ID/_ATTEMPT must be the ones the sandbox's tokens
	# name (the build provenance is checked against the certificate), and
	# act sets no GITHUB_WORKFLOW_REF, which a GitHub runner always does.
	set +e
	(cd "$dir" && env -i HOME="$work/home-$n" USER="${USER:-root}" LANG=C.UTF-8 TERM=dumb ACT_DISABLE_VERSION_CHECK=1 \
		PATH="$(dirname "$NODE"):/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
		GOPROXY="$GOPROXY" GONOSUMDB="$GONOSUMDB" GOTOOLCHAIN=local GOFLAGS=-buildvcs=false \
		GOMODCACHE="$(go env GOMODCACHE)" GOCACHE="$(go env GOCACHE)" \
		timeout -k 10 1800 "$ACT" push -W .github/workflows/release.yml -e "$work/event.json" \
		-P ubuntu-latest=-self-hosted \
		--action-cache-path "$cache" --action-offline-mode \
		"${local_actions[@]}" \
		--artifact-server-path "$work/artifacts-$n" --artifact-server-addr 127.0.0.1 --artifact-server-port "$port" \
		--no-cache-server \
		--env "ACTIONS_ID_TOKEN_REQUEST_URL=${sb[ACTIONS_ID_TOKEN_REQUEST_URL]}" \
		--env "ACTIONS_ID_TOKEN_REQUEST_TOKEN=${sb[ACTIONS_ID_TOKEN_REQUEST_TOKEN]}" \
		--env "TAGSHIP_TRUSTED_ROOT=${sb[TAGSHIP_TRUSTED_ROOT]}" \
		--env "TAGSHIP_SIGNING_CONFIG=${sb[TAGSHIP_SIGNING_CONFIG]}" \
		--env "TAGSHIP_INDEX_URL=${sb[TAGSHIP_INDEX_URL]}" \
		--env "TAGSHIP_GITHUB_API=${sb[TAGSHIP_GITHUB_API]}" \
		--env "GITHUB_RUN_ID=${sb[GITHUB_RUN_ID]}" \
		--env "GITHUB_RUN_ATTEMPT=${sb[GITHUB_RUN_ATTEMPT]}" \
		--env "GITHUB_WORKFLOW_REF=${sb[GITHUB_WORKFLOW_REF]}" \
		-s "GITHUB_TOKEN=${sb[GITHUB_TOKEN]}") > "$work/act-$n.log" 2>&1
	rc=$?
	set -e
	grep -E '🏁|❌' "$work/act-$n.log" >&2 || true
	return $rc
}

# check_jobs N: every job succeeded, each after all of its needs; prints
# "K/5" and fails naming the first job that did not succeed.
check_jobs() {
	local n=$1 log="$work/act-$1.log"
	"$PYTHON" - "$log" "$src/.github/workflows/release.yml" "${jobs_in_order[@]}" <<'PY'
import re, sys
log, wf, jobs = sys.argv[1], sys.argv[2], sys.argv[3:]
lines = open(log, encoding="utf-8", errors="replace").read().splitlines()
needs, cur = {}, None
for l in open(wf):
    m = re.match(r"^  ([a-z-]+):$", l)
    if m:
        cur = m.group(1)
    m = re.match(r"^    needs: \[(.*)\]$", l)
    if m and cur:
        needs[cur] = [x.strip() for x in m.group(1).split(",")]
first, done, failed = {}, {}, {}
for i, l in enumerate(lines):
    m = re.match(r"^\[[^/\]]+/([a-z-]+)\s*\]\s*(.*)$", l)
    if not m:
        continue
    job, rest = m.groups()
    first.setdefault(job, i)
    if "🏁  Job succeeded" in rest:
        done[job] = i
    if "🏁  Job failed" in rest:
        failed[job] = i
ok, problems = 0, []
for j in jobs:
    if j not in done:
        problems.append(f"{j} {'failed' if j in failed else 'did not run'}")
        continue
    late = [n for n in needs.get(j, []) if n not in done or done[n] > first[j]]
    if late:
        problems.append(f"{j} started before {', '.join(late)} succeeded")
        continue
    ok += 1
print(f"{ok}/{len(jobs)}" + ("" if not problems else ": " + "; ".join(problems)))
sys.exit(0 if not problems else 1)
PY
}

# snapshot FILE: what is published, with content hashes: the index's files,
# the release (state, notes, assets) and the image's digest.
snapshot() {
	GITHUB_TOKEN="${sb[GITHUB_TOKEN]}" "$PYTHON" - "${sb[TAGSHIP_SIMPLE_INDEX_URL]}" "$project" "${sb[TAGSHIP_GITHUB_API]}" "$repo" "$tag" "$image" > "$1" <<'PY'
import hashlib, json, os, re, sys, urllib.request
simple, project, api, repo, tag, image = sys.argv[1:]
def get(url, accept=None, token=False):
    q = urllib.request.Request(url)
    if accept:
        q.add_header("Accept", accept)
    if token:
        q.add_header("Authorization", "Bearer " + os.environ["GITHUB_TOKEN"])
    with urllib.request.urlopen(q, timeout=60) as r:
        return r.read(), r.headers
norm = re.sub(r"[-_.]+", "-", project).lower()
body, _ = get(simple.rstrip("/") + "/" + norm + "/", "application/vnd.pypi.simple.v1+json")
for f in sorted(json.loads(body)["files"], key=lambda f: f["filename"]):
    print("index", f["filename"], "sha256:" + f["hashes"]["sha256"])
body, _ = get(f"{api.rstrip('/')}/repos/{repo}/releases/tags/{tag}", "application/vnd.github+json", True)
rel = json.loads(body)
print("release", tag, "draft=%s" % rel["draft"], "notes-sha256:" + hashlib.sha256(rel["body"].encode()).hexdigest())
for a in sorted(rel["assets"], key=lambda a: a["name"]):
    data, _ = get(f"{api.rstrip('/')}/repos/{repo}/releases/assets/{a['id']}", "application/octet-stream", True)
    print("asset", a["name"], "sha256:" + hashlib.sha256(data).hexdigest())
if image:
    host, _, path = image.partition("/")
    body, hdr = get(f"http://{host}/v2/{path}/manifests/{tag}",
                    "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json")
    print("image", f"{image}:{tag}", "sha256:" + hashlib.sha256(body).hexdigest())
PY
}

# ---------------------------------------------------------- 4. first run
stage="first act run"
say "act: the tag push of $tag in $repo (log: $work/act-1.log)"
run_act 1 "$src" || { tail -n 60 "$work/act-1.log" >&2; fail "first run: act exited non-zero; jobs $(check_jobs 1 || true) (log: $work/act-1.log)"; }
jobs1=$(check_jobs 1) || fail "first run: jobs $jobs1 (log: $work/act-1.log)"
say "first run: $jobs1 jobs succeeded in needs order"

# ---------------------------------------------------------- 5. verify
stage="verify"
say "verify.Release (examples/verify) against the sandbox"
export TUF_ROOT="$work/tuf"
GITHUB_TOKEN="${sb[GITHUB_TOKEN]}" "$work/bin/verify" -repo "$repo" -version "$version" -project "$project" \
	-index "${sb[TAGSHIP_SIMPLE_INDEX_URL]}" -github-api "${sb[TAGSHIP_GITHUB_API]}" ${image:+-image "$image"} \
	-trusted-root "${sb[TAGSHIP_TRUSTED_ROOT]}" -download-dir "$work/verify-1" > "$work/verify-1.txt" 2>&1 ||
	{ cat "$work/verify-1.txt" >&2; fail "verify.Release refused the release (see above)"; }
cat "$work/verify-1.txt" >&2
say "the real cosign ($("$cosign" version 2>&1 | awk '/GitVersion/ {print $2}')) on the published files and image"
n=0
for f in "$work/verify-1"/*.whl "$work/verify-1"/*.tar.gz; do
	[ -f "$f" ] || continue
	"$cosign" verify-blob --trusted-root "${sb[TAGSHIP_TRUSTED_ROOT]}" --bundle "$f.sigstore.json" \
		--certificate-identity "${sb[TAGSHIP_IDENTITY]}" --certificate-oidc-issuer "${sb[TAGSHIP_ISSUER]}" \
		--certificate-github-workflow-repository "$repo" --certificate-github-workflow-ref "refs/tags/$tag" \
		--certificate-github-workflow-sha "$sha" --certificate-github-workflow-trigger push "$f" ||
		fail "cosign verify-blob $(basename "$f") (identity ${sb[TAGSHIP_IDENTITY]}, commit $sha)"
	n=$((n + 1))
done
[ "$n" -ge 2 ] || fail "verify downloaded $n distribution files, want a wheel and an sdist"
snapshot "$work/published-1.txt" || fail "could not read back what the first run published"
cat "$work/published-1.txt" >&2
if [ -n "$image" ]; then
	digest=$(awk '$1 == "image" {print $3}' "$work/published-1.txt")
	"$cosign" verify --trusted-root "${sb[TAGSHIP_TRUSTED_ROOT]}" --allow-http-registry \
		--certificate-identity "${sb[TAGSHIP_IDENTITY]}" --certificate-oidc-issuer "${sb[TAGSHIP_ISSUER]}" \
		--certificate-github-workflow-sha "$sha" "$image@$digest" > "$work/cosign-image.json" ||
		fail "cosign verify $image@$digest"
fi

# ------------------------------------------------------------ 6. rerun
stage="rerun"
say "\"Re-run all jobs\": a fresh clone at $tag, a fresh artifact store (log: $work/act-2.log)"
git clone -q "$src" "$work/repo-rerun"
git -C "$work/repo-rerun" remote set-url origin "https://github.com/$repo.git"
git -C "$work/repo-rerun" checkout -q "$tag"
rerun_ok=1
run_act 2 "$work/repo-rerun" || rerun_ok=0
jobs2=$(check_jobs 2) || rerun_ok=0
snapshot "$work/published-2.txt" || fail "could not read back what is published after the rerun"
if ! diff -u "$work/published-1.txt" "$work/published-2.txt" > "$work/published.diff"; then
	cat "$work/published.diff" >&2
	fail "5/5 jobs, verify OK, but the rerun changed what was published: $(grep -c '^[-+][a-z]' "$work/published.diff") lines differ (see $work/published.diff)"
fi
if [ "$rerun_ok" != 1 ]; then
	reason=$(grep -E -m 3 'level=error|Error:|release: ' "$work/act-2.log" | sed 's/^\[[^]]*\] *//' | cut -c1-300 | tr '\n' ' ')
	fail "5/5 jobs, verify OK, but the rerun did not converge: jobs $jobs2; nothing published changed; first errors: $reason (log: $work/act-2.log)"
fi
verdict="workflow-e2e: 5/5 jobs, verify OK, rerun converged"
say "done in $((SECONDS - t0))s"
