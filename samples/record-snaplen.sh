#!/usr/bin/env bash
# Record a few scenarios with a real `tcpdump -s 200` (records cut to 200 bytes, original length
# kept), the capture a user gets with a small snaplen. Leaves record.sh and captures/ alone.
#
#   sudo samples/record-snaplen.sh        (from anywhere; about 15 s)
#
# The scenarios are a dozen of record.sh's (callback_server.py) and two of record-field.sh's
# (field_server.py: slow-body-5_8s and chunked-slow-86ms, whose heads are longer than the 134
# payload bytes a 200-byte Ethernet record keeps, with Content-Length / Transfer-Encoding early).
# Writes samples/derived/recorded-snaplen200.pcap (tcpdump -i lo -s 200: Ethernet, µs) and
# samples/derived/recorded-snaplen200.json (oss_sender.py's ground truth for the same run), then
# re-runs derive.py so MANIFEST.tsv and GAPS.tsv list the recording and the bytes it lost.
set -euo pipefail

SAMPLES=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=$SAMPLES/derived
SNAPLEN=200
SCENARIOS=(good-json bom-json plain-ok html-error-page status-404 status-204 chunked gzip
           no-content-length short-body reset-after-request keep-alive)
FIELD_SCENARIOS=(slow-body-5_8s chunked-slow-86ms)

die() { echo "record-snaplen.sh: $*" >&2; exit 1; }
for cmd in python3 openssl tcpdump; do
    command -v "$cmd" >/dev/null 2>&1 || die "missing: $cmd (Debian: apt-get install -y python3 openssl tcpdump)"
done
probe_err=$(timeout 1 tcpdump -i lo -w /dev/null 'tcp port 1' 2>&1 >/dev/null) && probe_rc=0 || probe_rc=$?
[ "$probe_rc" -eq 124 ] || die "tcpdump cannot capture on lo (needs root or CAP_NET_RAW): $(echo "$probe_err" | tail -1)"
ZROOT=()
[ "$(id -u)" -eq 0 ] && ZROOT=(-Z root)

cd "$SAMPLES"
export PYTHONDONTWRITEBYTECODE=1
FILTER=$(python3 -c 'from scenarios import CAPTURE_FILTERS; print(CAPTURE_FILTERS["all"])')

WORK=$(mktemp -d "${TMPDIR:-/tmp}/callback-doctor-snaplen.XXXXXX")
SERVER_PID= FIELD_PID= CAP_PID= SENDER_PID=
cleanup() {
    local rc=$?
    set +e
    [ -n "$SENDER_PID" ] && { kill -TERM "$SENDER_PID" 2>/dev/null; wait "$SENDER_PID" 2>/dev/null; }
    for pid in $CAP_PID $SERVER_PID $FIELD_PID; do kill -INT "$pid" 2>/dev/null; done
    for pid in $CAP_PID $SERVER_PID $FIELD_PID; do wait "$pid" 2>/dev/null; done
    if [ "$rc" -ne 0 ]; then
        for f in "$WORK"/*.err "$WORK"/server.log; do [ -f "$f" ] && { echo "--- $(basename "$f")" >&2; tail -5 "$f" >&2; }; done
    fi
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

python3 "$SAMPLES/callback_server.py" --ready-file "$WORK/server.ready" 2>"$WORK/server.log" &
SERVER_PID=$!
python3 "$SAMPLES/field_server.py" --ready-file "$WORK/field.ready" --only "${FIELD_SCENARIOS[@]}" \
    2>"$WORK/field.log" &
FIELD_PID=$!
for _ in $(seq 100); do [ -f "$WORK/server.ready" ] && [ -f "$WORK/field.ready" ] && break; sleep 0.1; done
[ -f "$WORK/server.ready" ] || die "callback_server.py did not become ready"
[ -f "$WORK/field.ready" ] || die "field_server.py did not become ready"

tcpdump -i lo -s "$SNAPLEN" -U "${ZROOT[@]}" -w "$WORK/capture.pcap" "$FILTER" 2>"$WORK/tcpdump.err" &
CAP_PID=$!
for _ in $(seq 100); do grep -q "listening on" "$WORK/tcpdump.err" 2>/dev/null && break; sleep 0.1; done
grep -q "listening on" "$WORK/tcpdump.err" || die "tcpdump did not start"
sleep 0.5

python3 "$SAMPLES/oss_sender.py" --out "$WORK/recording.json" --table all --snaplen "$SNAPLEN" \
    --only "${SCENARIOS[@]}" "${FIELD_SCENARIOS[@]}" &
SENDER_PID=$!
wait "$SENDER_PID" || die "oss_sender.py failed"
SENDER_PID=
sleep 1

kill -INT "$CAP_PID"; wait "$CAP_PID" || true; CAP_PID=
kill -INT "$SERVER_PID"; wait "$SERVER_PID" || true; SERVER_PID=
kill -INT "$FIELD_PID"; wait "$FIELD_PID" || true; FIELD_PID=
grep -q "^0 packets dropped by kernel" "$WORK/tcpdump.err" || die "tcpdump dropped packets"
grep -E "captured" "$WORK/tcpdump.err" | sed 's/^/  tcpdump: /' >&2

mkdir -p "$OUT"
chmod 644 "$WORK/capture.pcap" "$WORK/recording.json"
mv "$WORK/capture.pcap" "$OUT/recorded-snaplen200.pcap"
mv "$WORK/recording.json" "$OUT/recorded-snaplen200.json"
python3 "$SAMPLES/derive.py" >/dev/null
echo "record-snaplen.sh: wrote derived/recorded-snaplen200.pcap and .json ($((${#SCENARIOS[@]} + ${#FIELD_SCENARIOS[@]})) scenarios)" >&2
