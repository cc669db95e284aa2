#!/usr/bin/env bash
# "No slower" between two revisions, measured in instructions rather than seconds (issue #21): the
# release binary of each revision analyzes the same generated capture in every output format under
# valgrind's cachegrind (`--cache-sim=no`), which counts the user-space instructions the process
# executes ("I refs"). The count does not depend on the machine's load — a refactor can be judged on
# a machine kept busy by other builds, where wall-clock medians cannot tell 3 % from noise. It says
# nothing about cache misses or branch prediction; bench/run.sh's wall times are the other half.
#
#   bench/instructions.sh BASE [HEAD]        # HEAD defaults to the working tree's HEAD
#   SIZE=20M FORMATS="json markdown" bench/instructions.sh c414811
#
# Each revision is checked out (git worktree, detached) and built in release under
# bench/out/revisions/REV, once. The capture is bench/gen_capture.py's (default 5 MB, seed 1), the
# same for both. Prints one row per format: instructions for BASE and HEAD and HEAD/BASE.
# Needs: swift, valgrind, python3.
set -euo pipefail
cd "$(dirname "$0")/.."

BASE=${1:?usage: bench/instructions.sh BASE [HEAD]}
HEAD=${2:-HEAD}
SIZE=${SIZE:-5M}
FORMATS=${FORMATS:-"text json jsonl markdown html"}
OUT=bench/out
mkdir -p "$OUT/revisions"
command -v valgrind >/dev/null || { echo "bench: valgrind is missing (apt-get install -y valgrind)" >&2; exit 2; }

GEN=$(sha256sum bench/gen_capture.py | cut -c1-8)
CAPTURE=$OUT/callbacks-$SIZE-seed1-$GEN.pcap
[ -f "$CAPTURE" ] || python3 bench/gen_capture.py "$CAPTURE" --size "$SIZE" --seed 1 >/dev/null

# The release binary of revision $1, built once in its own detached worktree.
binary() {
    local rev dir
    rev=$(git rev-parse --short=12 "$1^{commit}")
    dir=$OUT/revisions/$rev
    if [ ! -x "$dir/.build/release/callback-doctor" ]; then
        [ -d "$dir" ] || git worktree add -q --detach "$dir" "$rev"
        (cd "$dir" && swift build -c release --product callback-doctor >&2)
    fi
    # valgrind 3.19 cannot read the debug information swiftc writes ("possibly corrupted
    # debuginfo"), so it runs a stripped copy: the same machine code.
    strip -o "$dir/callback-doctor.stripped" "$dir/.build/release/callback-doctor"
    echo "$dir/callback-doctor.stripped"
}

# Instructions executed by `analyze` of the capture ($3, default the generated one) in format $2
# with binary $1.
instructions() {
    local log
    log=$(mktemp)
    local status=0
    # Swift seeds its Hasher per process; fixed here, so two runs of one binary count the same.
    SWIFT_DETERMINISTIC_HASHING=1 valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null --log-file="$log" \
        "$1" analyze --public-key samples/keys/test-callback-public.pem --format "$2" --list-all "${3:-$CAPTURE}" \
        >/dev/null 2>"$log.stderr" || status=$?
    # 1 is "a callback failed" (the capture has failures); anything else means nothing was measured.
    if [ "$status" -gt 1 ]; then
        echo "bench: $1 analyze --format $2 exited $status:" >&2
        cat "$log.stderr" >&2
        exit 1
    fi
    rm -f "$log.stderr"
    local count
    count=$(sed -n 's/.*I *refs: *//p' "$log" | tr -d ',')
    [ -n "$count" ] || { echo "bench: valgrind counted nothing for $1 -o $2:" >&2; tail -5 "$log" >&2; exit 1; }
    rm -f "$log"
    echo "$count"
}

A=$(binary "$BASE")
B=$(binary "$HEAD")
echo "capture: $CAPTURE ($(du -h "$CAPTURE" | cut -f1))"
echo "base $(git rev-parse --short "$BASE") → head $(git rev-parse --short "$HEAD"), instructions (cachegrind I refs)"
printf '%-6s %16s %16s %8s\n' format base head head/base
for format in $FORMATS; do
    a=$(instructions "$A" "$format")
    b=$(instructions "$B" "$format")
    printf '%-6s %16s %16s %8s\n' "$format" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.4f", b / a }')"
done
# A one-callback sample: what every run pays before its first packet (start-up, option parsing).
a=$(instructions "$A" json samples/captures/good-json.pcap)
b=$(instructions "$B" json samples/captures/good-json.pcap)
printf '%-6s %16s %16s %8s   (samples/captures/good-json.pcap: start-up)\n' small "$a" "$b" \
    "$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.4f", b / a }')"
