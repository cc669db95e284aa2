#!/usr/bin/env bash
# Builds and runs one fuzz target in one process (one core: no -jobs/-workers, no fork mode) for SECONDS seconds.
#
#   fuzz/run.sh decoder|stream|json SECONDS [extra libFuzzer flags…]
#
# Seeds are generated into fuzz/.work/seeds/TARGET by fuzz/make-seeds.py; the growing corpus is
# fuzz/.work/corpus/TARGET; crashes, timeouts and out-of-memory inputs land in
# fuzz/.work/artifacts/TARGET/. The libFuzzer log is fuzz/.work/logs/TARGET-<date>.log.
set -euo pipefail
target=${1:?usage: fuzz/run.sh decoder|stream|json SECONDS}
seconds=${2:?usage: fuzz/run.sh decoder|stream|json SECONDS}
shift 2
here=$(cd "$(dirname "$0")" && pwd)
work="$here/.work"
"$here/build.sh" "$target"
python3 "$here/make-seeds.py" "$target" "$work/seeds/$target"
mkdir -p "$work/corpus/$target" "$work/artifacts/$target" "$work/logs"
log="$work/logs/$target-$(date +%Y%m%d-%H%M%S).log"
max_len=4096
[ "$target" = stream ] && max_len=16384
echo "fuzzing $target for $seconds s; log $log"
"$work/bin/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len="$max_len" -print_final_stats=1 -artifact_prefix="$work/artifacts/$target/" "$@" \
    "$work/corpus/$target" "$work/seeds/$target" >"$log" 2>&1 || { echo "fuzzer stopped with $? — see $log"; tail -40 "$log"; exit 1; }
tail -20 "$log"
