#!/usr/bin/env bash
# Builds and runs one fuzz target in one process (one core: no -jobs/-workers, no fork mode) for SECONDS seconds.
#
#   fuzz/run.sh decoder|stream|json|tls|upload|pcapng SECONDS [extra libFuzzer flags…]
#
# Seeds are generated into fuzz/.work/seeds/TARGET by fuzz/make-seeds.py; the growing corpus is
# fuzz/.work/corpus/TARGET; crashes, timeouts and out-of-memory inputs land in
# fuzz/.work/artifacts/TARGET/. The libFuzzer log is fuzz/.work/logs/TARGET-<date>.log.
set -euo pipefail
target=${1:?usage: fuzz/run.sh decoder|stream|json|tls|upload|pcapng SECONDS}
seconds=${2:?usage: fuzz/run.sh decoder|stream|json|tls|upload|pcapng SECONDS}
shift 2
here=$(cd "$(dirname "$0")" && pwd)
work="$here/.work"
"$here/build.sh" "$target"
python3 "$here/make-seeds.py" "$target" "$work/seeds/$target"
mkdir -p "$work/corpus/$target" "$work/artifacts/$target" "$work/logs"
log="$work/logs/$target-$(date +%Y%m%d-%H%M%S).log"
# Inputs long enough for each target's bounds: stream carries whole exchanges; tls a handshake with
# both flights and gaps across records; upload goes past the 5 KB Base64 bound and the 8 KiB form
# value bound (the 16 KiB error-document bound is reached by padding inside the harness).
case "$target" in
stream) max_len=16384 ;;
tls) max_len=8192 ;;
upload) max_len=10240 ;;
# pcapng: a section header, interfaces and a few packet blocks of real size.
pcapng) max_len=8192 ;;
*) max_len=4096 ;;
esac
echo "fuzzing $target for $seconds s; log $log"
"$work/bin/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len="$max_len" -print_final_stats=1 -artifact_prefix="$work/artifacts/$target/" "$@" \
    "$work/corpus/$target" "$work/seeds/$target" >"$log" 2>&1 || { echo "fuzzer stopped with $? — see $log"; tail -40 "$log"; exit 1; }
tail -20 "$log"
