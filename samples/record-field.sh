#!/usr/bin/env bash
# Record the field-server scenarios (issue #16; FIELD_SCENARIOS in scenarios.py, ports 9041-9059)
# from real HTTP traffic on loopback into samples/captures/field/ and samples/recording-field.json.
# Leaves record.sh's captures/, all-*.pcap(ng) and recording.json alone.
#
#   sudo samples/record-field.sh        (from anywhere; about 15 s)
#
# 1. starts field_server.py (a real http.server that dies mid-body, an express-like 400 page, a
#    server that closes without answering, ...; 127.0.0.1 only) and waits until it is ready;
# 2. starts `tcpdump -i lo -s 0` -> captures/field/all-lo.pcap (pcap, µs, Ethernet);
# 3. runs oss_sender.py --table field (it writes recording-field.json, the ground truth);
# 4. stops the capture and the server by pid, splits all-lo.pcap per scenario port into
#    captures/field/<scenario>.pcap, writes captures/field/MANIFEST.tsv and runs
#    check_captures.py --recording recording-field.json.
# Everything is recorded into a temporary directory first; the old files are replaced only
# after a complete run.
set -euo pipefail

SAMPLES=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CAPDIR=$SAMPLES/captures/field

die() { echo "record-field.sh: $*" >&2; exit 1; }
say() { echo "record-field.sh: $*" >&2; }

# ------------------------------------------------------------------ prerequisites
for cmd in python3 openssl tcpdump capinfos tshark; do
    command -v "$cmd" >/dev/null 2>&1 || die "missing: $cmd (Debian: apt-get install -y python3 openssl tcpdump tshark)"
done
[ "$(id -u)" -eq 0 ] || die "needs root (capturing on lo): run 'sudo $0'"
probe_err=$(timeout 1 tcpdump -i lo -w /dev/null 'tcp port 1' 2>&1 >/dev/null) && probe_rc=0 || probe_rc=$?
[ "$probe_rc" -eq 124 ] || die "tcpdump cannot capture on lo: $(echo "$probe_err" | tail -1)"
[ -f "$SAMPLES/keys/test-callback-private.pem" ] || die "missing keys/test-callback-private.pem (record.sh makes it)"

cd "$SAMPLES"
export PYTHONDONTWRITEBYTECODE=1  # no __pycache__ in samples/
read -r PORT_MIN PORT_MAX < <(python3 -c 'from scenarios import FIELD_PORT_MIN as a, FIELD_PORT_MAX as b; print(a, b)')
FILTER=$(python3 -c 'from scenarios import FIELD_CAPTURE_FILTER; print(FIELD_CAPTURE_FILTER)')

# Nothing else may listen on the field ports.
python3 - <<'EOF' || die "a field scenario port is in use (see above); stop whatever listens there"
import socket, sys
from scenarios import scenarios
bad = 0
for s in scenarios(table="field"):
    with socket.socket(socket.AF_INET) as k:
        k.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            k.bind((s["host"], s["port"]))
        except OSError as e:
            print("port %s:%d (%s): %s" % (s["host"], s["port"], s["name"], e), file=sys.stderr)
            bad = 1
sys.exit(bad)
EOF

# ------------------------------------------------------------------ children and cleanup
WORK=$(mktemp -d "${TMPDIR:-/tmp}/callback-doctor-field.XXXXXX")
SERVER_PID= CAP_PID= SENDER_PID=
cleanup() {
    local rc=$?
    set +e
    # Only our own children, by pid.
    [ -n "$SENDER_PID" ] && { kill -TERM "$SENDER_PID" 2>/dev/null; wait "$SENDER_PID" 2>/dev/null; }
    for pid in $CAP_PID $SERVER_PID; do kill -INT "$pid" 2>/dev/null; done
    for pid in $CAP_PID $SERVER_PID; do wait "$pid" 2>/dev/null; done
    if [ "$rc" -ne 0 ]; then
        say "failed (exit $rc); logs:"
        for f in "$WORK"/*.err "$WORK"/server.log; do
            [ -f "$f" ] && { echo "--- $(basename "$f")" >&2; tail -5 "$f" >&2; }
        done
    fi
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$WORK/captures"

# ------------------------------------------------------------------ server
python3 "$SAMPLES/field_server.py" --ready-file "$WORK/server.ready" 2>"$WORK/server.log" &
SERVER_PID=$!
for _ in $(seq 100); do
    [ -f "$WORK/server.ready" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || die "field_server.py exited: $(tail -3 "$WORK/server.log")"
    sleep 0.1
done
[ -f "$WORK/server.ready" ] || die "field_server.py did not become ready"

# ------------------------------------------------------------------ capture
tcpdump -i lo -s 0 -U -Z root -w "$WORK/captures/all-lo.pcap" "$FILTER" 2>"$WORK/lo.err" &
CAP_PID=$!
for _ in $(seq 100); do grep -q "listening on" "$WORK/lo.err" 2>/dev/null && break; sleep 0.1; done
grep -q "listening on" "$WORK/lo.err" || die "tcpdump did not start: $(tail -2 "$WORK/lo.err")"
sleep 0.5  # the capture socket is open; give it a moment before the first SYN

# ------------------------------------------------------------------ traffic
python3 "$SAMPLES/oss_sender.py" --table field --out "$WORK/recording-field.json" &
SENDER_PID=$!
wait "$SENDER_PID" || die "oss_sender.py failed"
SENDER_PID=
sleep 1

# ------------------------------------------------------------------ stop cleanly, by pid
kill -INT "$CAP_PID"; wait "$CAP_PID" || true; CAP_PID=
kill -INT "$SERVER_PID"; wait "$SERVER_PID" || true; SERVER_PID=
grep -E "captured|dropped" "$WORK/lo.err" | sed "s/^/  tcpdump lo: /" >&2
grep -q "^0 packets dropped by kernel" "$WORK/lo.err" || die "tcpdump dropped packets"
chmod 644 "$WORK"/captures/* "$WORK/recording-field.json"

# ------------------------------------------------------------------ split per scenario
python3 -c 'from scenarios import scenarios
for s in scenarios(table="field"): print(s["name"], s["port"])' > "$WORK/ports"
while read -r name port; do
    tcpdump -r "$WORK/captures/all-lo.pcap" -Z root -w "$WORK/captures/$name.pcap" \
        "tcp port $port" 2>/dev/null
done < "$WORK/ports"
chmod 644 "$WORK"/captures/*

# ------------------------------------------------------------------ manifest (as record.sh's)
{
    printf 'file\tscenario\tport\tlink_type\tformat\ttimestamps\tpackets\tbytes\n'
    IFS=$'\t' read -r _ fmt _enc pk sz < <(capinfos -T -r -t -E -c -s "$WORK/captures/all-lo.pcap")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' all-lo.pcap "(all)" "$PORT_MIN-$PORT_MAX" "EN10MB(1)" "$fmt" usec "$pk" "$sz"
    while read -r name port; do
        IFS=$'\t' read -r _ fmt _enc pk sz < <(capinfos -T -r -t -E -c -s "$WORK/captures/$name.pcap")
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name.pcap" "$name" "$port" "EN10MB(1)" "$fmt" usec "$pk" "$sz"
    done < "$WORK/ports"
} > "$WORK/captures/MANIFEST.tsv"

# ------------------------------------------------------------------ install and check
mkdir -p "$CAPDIR"
rm -f "$CAPDIR"/*.pcap "$CAPDIR"/MANIFEST.tsv
mv "$WORK"/captures/* "$CAPDIR"/
mv "$WORK/recording-field.json" "$SAMPLES/recording-field.json"
say "wrote captures/field/ ($(ls "$CAPDIR" | wc -l) files) and recording-field.json"

python3 "$SAMPLES/check_captures.py" --recording recording-field.json \
    || die "check_captures.py found differences (see above)"
say "done"
