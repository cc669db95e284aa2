#!/usr/bin/env bash
# What redaction costs (issue #17 item 4; not part of `swift test`): one generated capture of
# about 10,000 exchanges, every exchange listed (--list-all), each report format rendered with and
# without redaction in the same hyperfine run, printing the medians and redacted/unredacted ratios
# (target: every ratio <= 1.15). Markdown and HTML redact by default (--no-redact is the plain
# run); JSON does not (--redact is the redacted run). Reports go to /dev/null.
#
#   bench/redaction.sh                 # 36 MB capture (~12,000 exchanges), 5 runs each
#   RUNS=10 SIZE=30M bench/redaction.sh
#   TOOL=path/to/callback-doctor bench/redaction.sh   # measure another build (no swift build)
#
# Needs: swift, python3, hyperfine (apt-get install -y hyperfine). Captures and results go to
# bench/out/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE=${SIZE:-36M}
RUNS=${RUNS:-5}
OUT=bench/out
mkdir -p "$OUT"

for tool in hyperfine python3; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install -y hyperfine)" >&2; exit 2; }
done

if [ -z "${TOOL:-}" ]; then
    echo "== build"
    swift build -c release --product callback-doctor 2>&1 | tail -1
    TOOL=.build/release/callback-doctor
fi

echo "== capture (bench/gen_capture.py, generated once)"
GEN=$(sha256sum bench/gen_capture.py | cut -c1-8)
CAPTURE=$OUT/callbacks-$SIZE-seed1-$GEN.pcap
[ -f "$CAPTURE" ] || python3 bench/gen_capture.py "$CAPTURE" --size "$SIZE" --seed 1
python3 -c 'import json, sys; t = json.load(open(sys.argv[1])); print("  %s: %d exchanges, %d callbacks" % (sys.argv[2], t["exchanges"], t["callbacks"]))' \
    "${CAPTURE%.pcap}.truth.json" "$CAPTURE"
cat "$CAPTURE" >/dev/null

# The generated callbacks are signed with the benchmark's key: verified for real, as in bench/run.sh.
COMMON="analyze --quiet --list-all --public-key bench/keys/bench-callback-public.pem"
echo "== machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== timing ($RUNS runs each; the plain and redacted runs of a format in one hyperfine run)"
for FORMAT in html markdown json; do
    case $FORMAT in
        json) PLAIN="" REDACTED="--redact" ;;
        *) PLAIN="--no-redact" REDACTED="" ;;
    esac
    hyperfine --style basic --warmup 1 --runs "$RUNS" -i --export-json "$OUT/h-redaction-$FORMAT.json" \
        -n "$FORMAT-plain" "$TOOL $COMMON --format $FORMAT $PLAIN $CAPTURE > /dev/null" \
        -n "$FORMAT-redacted" "$TOOL $COMMON --format $FORMAT $REDACTED $CAPTURE > /dev/null"
done

echo "== results"
python3 - "$OUT" <<'EOF'
import json, os, sys
out = sys.argv[1]
worst = 0.0
for fmt in ("html", "markdown", "json"):
    with open(os.path.join(out, "h-redaction-%s.json" % fmt)) as f:
        med = {r["command"]: r["median"] for r in json.load(f)["results"]}
    plain, redacted = med[fmt + "-plain"], med[fmt + "-redacted"]
    ratio = redacted / plain
    worst = max(worst, ratio)
    print("%-8s  plain %7.3f s   redacted %7.3f s   ratio %.3f  (+%.1f %%)" % (fmt, plain, redacted, ratio, (ratio - 1) * 100))
print("worst ratio %.3f   (target <= 1.15)" % worst)
EOF
echo "== machine load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
