#!/usr/bin/env bash
# Runs every Fuzz… target of the module, one at a time, for a short budget
# each, and fails if any of them finds a crash.
#
#   .ci/fuzz.sh                    # 3–5 s per target (about 3 min for all)
#   TAGSHIP_FUZZTIME=30s .ci/fuzz.sh
#   TAGSHIP_FUZZMINIMIZE=60s .ci/fuzz.sh   # minimise new inputs as go test does
#   .ci/fuzz.sh ./pypi ./sign      # only these packages
#
# Targets are discovered with `go test -list`; seeds come from each
# package's testdata/ (testdata/fuzz/FuzzX/ and the files the targets add).
# New crashers are written by `go test` to testdata/fuzz/FuzzX/: commit
# them with the fix.
set -uo pipefail
cd "$(dirname "$0")/.."

pkgs=("$@")
if [ ${#pkgs[@]} -eq 0 ]; then
  # Packages with a Fuzz function in a test file (tools/ is a separate module).
  mapfile -t pkgs < <(grep -rl --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]*\(' . \
    | grep -v '^./tools/' | xargs -n1 dirname | sort -u)
fi

targets=()
for p in "${pkgs[@]}"; do
  list=$(go test -list '^Fuzz' "$p" 2>&1) || { echo "FAIL listing $p:"; echo "$list"; exit 1; }
  for f in $(printf '%s\n' "$list" | grep -E '^Fuzz'); do
    targets+=("$p $f")
  done
done
n=${#targets[@]}
if [ "$n" -eq 0 ]; then
  echo "no fuzz targets found"; exit 1
fi

budget=${TAGSHIP_FUZZTIME:-}
if [ -z "$budget" ]; then
  # 5 s each, less when there are many targets: about 75 s of fuzzing in all
  # (plus a few seconds of build and seed runs per target).
  secs=$(( 75 / n ))
  [ "$secs" -gt 5 ] && secs=5
  [ "$secs" -lt 3 ] && secs=3
  budget="${secs}s"
fi
# Each new input is minimised for at most 10 runs, not go test's default of
# 60 s: with a budget of seconds, and with targets whose coverage varies from
# run to run (goroutines, map order), minimising took the whole budget
# (FuzzOpenWheel ran 110 inputs in 40 s; with 10x, over 1,000 a second). A
# failing input is written all the same, less minimised.
minimize=${TAGSHIP_FUZZMINIMIZE:-10x}
echo "fuzzing $n targets, $budget each (minimising for $minimize)"

failed=()
start=$(date +%s)
for t in "${targets[@]}"; do
  set -- $t
  pkg=$1 fn=$2
  t0=$(date +%s)
  out=$(go test -run '^$' -fuzz "^${fn}\$" -fuzztime "$budget" -fuzzminimizetime "$minimize" -parallel 2 "$pkg" 2>&1)
  rc=$?
  # The go command can end a short -fuzztime with "context deadline
  # exceeded" while a worker is still starting or minimising, on a loaded
  # machine, without any failing input: that is the fuzzer's clock, not a
  # crash (a real one writes "Failing input written to testdata/fuzz/…").
  # Such a run is repeated once; a second one counts.
  if [ $rc -ne 0 ] && printf '%s\n' "$out" | grep -q 'context deadline exceeded' &&
    ! printf '%s\n' "$out" | grep -q 'Failing input written to'; then
    printf 'again %-14s %-28s (the fuzzer ran out of time without a failing input)\n' "$pkg" "$fn"
    out=$(go test -run '^$' -fuzz "^${fn}\$" -fuzztime "$budget" -fuzzminimizetime "$minimize" -parallel 2 "$pkg" 2>&1)
    rc=$?
  fi
  dt=$(( $(date +%s) - t0 ))
  if [ $rc -eq 0 ]; then
    execs=$(printf '%s\n' "$out" | grep -oE 'execs: [0-9]+' | tail -1)
    printf 'ok    %-14s %-28s %3ds %s\n' "$pkg" "$fn" "$dt" "${execs:-}"
  else
    printf 'FAIL  %-14s %-28s %3ds\n' "$pkg" "$fn" "$dt"
    printf '%s\n' "$out" | tail -40 | sed 's/^/      /'
    failed+=("$pkg $fn")
  fi
done
echo "fuzzing took $(( $(date +%s) - start ))s"
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]}"
  exit 1
fi
