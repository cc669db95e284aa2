#!/usr/bin/env bash
# Proves issue #21's last "done when": the full suite passes twice in a row on a machine kept
# busy, from a clone inside a private (mode 0700) directory.
#
#   scripts/busy-suite.sh [--keep]
#
# 1. Clones this checkout's HEAD commit (committed work only; a dirty tree is named, not
#    tested) into `mktemp -d` (mode 0700), with `shared/` beside it as a symlink to this
#    checkout's `../shared` when that exists, so the corpus suites run as they do here.
# 2. Builds the tests there (`swift build --build-tests`), on a quiet machine as far as this
#    script goes.
# 3. Starts the load: one busy loop per core (`nproc`, or LOAD_JOBS), at normal priority, so the
#    tests compete for every core as they do beside a parallel build.
# 4. Runs the full `swift test --skip-build` twice in a row and prints each run's exit status,
#    wall time and Swift Testing's summary line; then stops the load.
#
# Exits 0 only when both runs pass. The logs (build, run 1, run 2) are kept in a directory
# named at the end; the clone is removed unless --keep is given.
set -euo pipefail

keep=false
[[ "${1:-}" == "--keep" ]] && keep=true
source_root=$(cd "$(dirname "$0")/.." && pwd)
commit=$(git -C "$source_root" rev-parse HEAD)
if [[ -n "$(git -C "$source_root" status --porcelain --untracked-files=no)" ]]; then
    echo "busy-suite: uncommitted changes in $source_root are not tested (the clone is of $commit)" >&2
fi

work=$(mktemp -d)
chmod 0700 "$work"
logs=$(mktemp -d "${TMPDIR:-/tmp}/busy-suite-logs.XXXXXX")
load_pids=()
child=""

# Runs "$@" in the clone with its output to the log $1, as a child the EXIT trap can stop.
in_clone() {
    local log=$1
    shift
    (cd "$clone" && exec "$@") >"$log" 2>&1 &
    child=$!
    local status=0
    wait "$child" || status=$?
    child=""
    return "$status"
}

stop_load() {
    local pid
    for pid in "${load_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${load_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    load_pids=()
}
finish() {
    stop_load
    if [[ -n "$child" ]]; then
        kill "$child" 2>/dev/null || true
        wait "$child" 2>/dev/null || true
    fi
    if $keep; then echo "busy-suite: clone kept in $work"; else rm -rf "$work" 2>/dev/null || { sleep 5; rm -rf "$work"; }; fi
    echo "busy-suite: logs in $logs"
}
trap finish EXIT

clone="$work/callback-doctor"
git clone -q "$source_root" "$clone"
git -C "$clone" checkout -q --detach "$commit"
if [[ -d "$source_root/../shared" ]]; then
    ln -s "$(cd "$source_root/../shared" && pwd)" "$work/shared"
fi
echo "busy-suite: $commit cloned into $work (mode $(stat -c %a "$work"))"

started=$(date +%s)
if ! in_clone "$logs/build.log" swift build --build-tests; then
    tail -n 30 "$logs/build.log" >&2
    echo "busy-suite: the build failed" >&2
    exit 1
fi
echo "busy-suite: tests built in $(($(date +%s) - started)) s"

jobs=${LOAD_JOBS:-$(nproc)}
for _ in $(seq "$jobs"); do
    (while :; do :; done) &
    load_pids+=($!)
done
echo "busy-suite: load started: $jobs busy loops (pids ${load_pids[*]}); load average $(cut -d' ' -f1-3 /proc/loadavg)"

failed=0
for run in 1 2; do
    started=$(date +%s)
    status=0
    in_clone "$logs/run-$run.log" swift test --skip-build || status=$?
    seconds=$(($(date +%s) - started))
    summary=$(grep -E "Test run with [0-9]+ tests? .*(passed|failed)" "$logs/run-$run.log" | tail -n 1 || true)
    echo "busy-suite: run $run: exit $status in ${seconds} s, load average $(cut -d' ' -f1-3 /proc/loadavg): ${summary:-no summary line}"
    if ((status != 0)); then
        failed=1
        grep -E "(Test|Suite) .* (failed|recorded an issue)" "$logs/run-$run.log" | head -n 40 >&2 || true
    fi
done
stop_load

if ((failed)); then
    echo "busy-suite: FAILED (see the logs)" >&2
    exit 1
fi
echo "busy-suite: both runs passed"
