#!/usr/bin/env bash
# Record the extra uploader-side scenarios (issue #16 item 7; upload_extras.py, ports 9060-9063)
# from real HTTP traffic on loopback into samples/uploads/ (<scenario>.pcap and recording.json,
# the ground truth). Leaves record.sh's captures/ and recording.json alone, and lies outside
# captures/, so `analyze samples/captures` sees what it always saw.
#
#   sudo samples/record-uploads.sh        (from anywhere; about 3 s)
#
# 1. starts `tcpdump -i lo -s 0` on the scenario ports -> all-lo.pcap (pcap, µs, Ethernet);
# 2. runs upload_extras.py: the fake OSS endpoint (fake_oss.handle_upload) and the uploads, one
#    keep-alive connection per scenario; it writes recording.json, the ground truth;
# 3. stops the capture by pid and splits it per port into uploads/<scenario>.pcap.
# Everything is recorded into a temporary directory first; the old files are replaced only
# after a complete run.
set -euo pipefail

SAMPLES=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CAPDIR=$SAMPLES/uploads

die() { echo "record-uploads.sh: $*" >&2; exit 1; }
for cmd in python3 tcpdump; do
    command -v "$cmd" >/dev/null 2>&1 || die "missing: $cmd (Debian: apt-get install -y python3 tcpdump)"
done
probe_err=$(timeout 1 tcpdump -i lo -w /dev/null 'tcp port 1' 2>&1 >/dev/null) && probe_rc=0 || probe_rc=$?
[ "$probe_rc" -eq 124 ] || die "tcpdump cannot capture on lo (needs root or CAP_NET_RAW): $(echo "$probe_err" | tail -1)"
ZROOT=()
[ "$(id -u)" -eq 0 ] && ZROOT=(-Z root)

cd "$SAMPLES"
export PYTHONDONTWRITEBYTECODE=1  # no __pycache__ in samples/
FILTER=$(python3 -c 'from upload_extras import CAPTURE_FILTER; print(CAPTURE_FILTER)')

WORK=$(mktemp -d "${TMPDIR:-/tmp}/callback-doctor-uploads.XXXXXX")
CAP_PID=
cleanup() {
    local rc=$?
    set +e
    [ -n "$CAP_PID" ] && { kill -INT "$CAP_PID" 2>/dev/null; wait "$CAP_PID" 2>/dev/null; }
    [ "$rc" -ne 0 ] && [ -f "$WORK/tcpdump.err" ] && tail -5 "$WORK/tcpdump.err" >&2
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

tcpdump -i lo -s 0 -U "${ZROOT[@]}" -w "$WORK/all-lo.pcap" "$FILTER" 2>"$WORK/tcpdump.err" &
CAP_PID=$!
for _ in $(seq 100); do grep -q "listening on" "$WORK/tcpdump.err" 2>/dev/null && break; sleep 0.1; done
grep -q "listening on" "$WORK/tcpdump.err" || die "tcpdump did not start"
sleep 0.5

python3 "$SAMPLES/upload_extras.py" --out "$WORK/recording.json" || die "upload_extras.py failed"
sleep 0.5
kill -INT "$CAP_PID"; wait "$CAP_PID" || true; CAP_PID=
grep -q "^0 packets dropped by kernel" "$WORK/tcpdump.err" || die "tcpdump dropped packets"

mkdir -p "$WORK/captures"
python3 -c 'from upload_extras import SCENARIOS
for s in SCENARIOS: print(s["name"], s["port"])' | while read -r name port; do
    tcpdump -r "$WORK/all-lo.pcap" -w "$WORK/captures/$name.pcap" "tcp port $port" 2>/dev/null
    [ -s "$WORK/captures/$name.pcap" ] || die "no packets for $name (port $port)"
done
chmod 644 "$WORK"/captures/*.pcap "$WORK/recording.json"
mkdir -p "$CAPDIR"
rm -f "$CAPDIR"/*.pcap "$CAPDIR/recording.json"
mv "$WORK"/captures/*.pcap "$CAPDIR"/
mv "$WORK/recording.json" "$CAPDIR/recording.json"
echo "record-uploads.sh: wrote uploads/ ($(ls "$CAPDIR"/*.pcap | wc -l) captures and recording.json)" >&2
