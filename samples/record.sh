#!/usr/bin/env bash
# Re-record samples/captures/ and samples/recording.json from real HTTP traffic on loopback.
#
#   sudo ./record.sh            (from anywhere; about 80 s)
#
# 1. starts callback_server.py (one misbehaving HTTP server per port, 127.0.0.1 / ::1 only);
# 2. starts four captures at once, all with the same BPF filter:
#      tcpdump -i lo                              -> captures/all-lo.pcap       (pcap, µs)
#      tcpdump -i lo --time-stamp-precision=nano  -> captures/all-lo-nano.pcap  (pcap, ns)
#      tcpdump -i any                             -> captures/all-any.pcap      (LINUX_SLL2)
#      dumpcap -i lo -n                           -> captures/all-lo.pcapng     (pcapng)
# 3. runs oss_sender.py through every scenario (it writes recording.json, the ground truth);
# 4. stops the captures with SIGINT, splits all-lo.pcap per scenario port into
#    captures/<scenario>.pcap, writes captures/MANIFEST.tsv, and runs check_captures.py.
# Everything is recorded into a temporary directory first; the old files are replaced only
# after a complete run.
set -euo pipefail

SAMPLES=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CAPDIR=$SAMPLES/captures
KEYDIR=$SAMPLES/keys

die() { echo "record.sh: $*" >&2; exit 1; }
say() { echo "record.sh: $*" >&2; }

# ------------------------------------------------------------------ prerequisites
missing=()
for cmd in python3 openssl tcpdump dumpcap capinfos tshark; do
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
done
if ((${#missing[@]})); then
    die "missing: ${missing[*]}
  Debian/Ubuntu: apt-get install -y python3 openssl tcpdump tshark
  (tshark pulls in wireshark-common, which has dumpcap and capinfos)"
fi
python3 -c 'import sys; sys.exit(sys.version_info < (3, 8))' \
    || die "python3 >= 3.8 is required (found $(python3 --version 2>&1))"

# Capturing needs root, or CAP_NET_RAW (+CAP_NET_ADMIN) on tcpdump and dumpcap. Probe for real.
priv_hint="capturing on lo needs root or CAP_NET_RAW: run 'sudo $0', or
  setcap cap_net_raw,cap_net_admin=eip \$(command -v tcpdump) \$(command -v dumpcap)"
if [ "$(id -u)" -ne 0 ]; then
    say "not running as root; probing whether tcpdump can capture anyway"
fi
probe_err=$(timeout 1 tcpdump -i lo -w /dev/null 'tcp port 1' 2>&1 >/dev/null) && probe_rc=0 || probe_rc=$?
if [ "$probe_rc" -ne 124 ]; then
    die "$priv_hint
  (tcpdump said: $(echo "$probe_err" | tail -1))"
fi

# tcpdump drops root to the 'tcpdump' user by default here; keep root so it can write to the
# temporary directory and the files end up owned like the rest of the checkout.
ZROOT=()
[ "$(id -u)" -eq 0 ] && ZROOT=(-Z root)

cd "$SAMPLES"
export PYTHONDONTWRITEBYTECODE=1  # no __pycache__ in samples/
read -r PORT_MIN PORT_MAX < <(python3 -c 'from scenarios import PORT_MIN, PORT_MAX; print(PORT_MIN, PORT_MAX)')
FILTER=$(python3 -c 'from scenarios import CAPTURE_FILTER; print(CAPTURE_FILTER)')

# Nothing else may listen on the scenario ports (a listener on the 'refused' port would spoil it).
python3 - <<'EOF' || die "a scenario port is in use (see above); stop whatever listens there"
import socket, sys
from scenarios import scenarios
bad = 0
for s in scenarios():
    fam = socket.AF_INET6 if s["family"] == "ipv6" else socket.AF_INET
    with socket.socket(fam) as k:
        k.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            k.bind((s["host"], s["port"]))
        except OSError as e:
            print("port %s:%d (%s): %s" % (s["host"], s["port"], s["name"], e), file=sys.stderr)
            bad = 1
sys.exit(bad)
EOF

# ------------------------------------------------------------------ test key (made once)
if [ ! -f "$KEYDIR/test-callback-private.pem" ]; then
    say "creating the TEST key pair in keys/ (committed; made once)"
    mkdir -p "$KEYDIR"
    {
        echo "TEST KEY ONLY - generated for callback-doctor samples/ (openssl genpkey, RSA 1024)."
        echo "Not OSS's key, not a secret, protects nothing. Do not use it anywhere else."
        openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 2>/dev/null
    } > "$KEYDIR/test-callback-private.pem"
    openssl pkey -in "$KEYDIR/test-callback-private.pem" -pubout -out "$KEYDIR/test-callback-public.pem"
fi

# ------------------------------------------------------------------ TLS test certificate (made once)
# The HTTPS scenarios' server certificate: self-signed, for a made-up name, committed like the
# signing key. OSS's client is modelled without a certificate check, so its name does not matter.
if [ ! -f "$KEYDIR/test-tls-key.pem" ] || [ ! -f "$KEYDIR/test-tls-cert.pem" ]; then
    say "creating the TEST TLS certificate in keys/ (committed; made once)"
    mkdir -p "$KEYDIR"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 36500 \
        -subj "/CN=callback.example.test" -addext "subjectAltName=DNS:callback.example.test" \
        -keyout "$KEYDIR/test-tls-key.raw" -out "$KEYDIR/test-tls-cert.pem" 2>/dev/null
    {
        echo "TEST KEY ONLY - self-signed TLS certificate key for callback-doctor samples/ (openssl req -x509, EC P-256)."
        echo "Not a secret, protects nothing. Do not use it anywhere else."
        cat "$KEYDIR/test-tls-key.raw"
    } > "$KEYDIR/test-tls-key.pem"
    rm -f "$KEYDIR/test-tls-key.raw"
    chmod 644 "$KEYDIR/test-tls-key.pem"
fi

# ------------------------------------------------------------------ children and cleanup
WORK=$(mktemp -d "${TMPDIR:-/tmp}/callback-doctor-record.XXXXXX")
CAP_PIDS=()
SERVER_PID=
SENDER_PID=
cleanup() {
    local rc=$?
    set +e
    # Only our own children, by pid. Background jobs of a script ignore SIGINT unless they set
    # a handler (tcpdump, dumpcap and callback_server.py do; the sender gets TERM).
    if [ -n "$SENDER_PID" ]; then
        kill -TERM "$SENDER_PID" 2>/dev/null
        wait "$SENDER_PID" 2>/dev/null
    fi
    for pid in "${CAP_PIDS[@]}" ${SERVER_PID:+"$SERVER_PID"}; do
        kill -INT "$pid" 2>/dev/null || true
    done
    for pid in "${CAP_PIDS[@]}" ${SERVER_PID:+"$SERVER_PID"}; do
        wait "$pid" 2>/dev/null || true
    done
    if [ "$rc" -ne 0 ] && [ -d "$WORK" ]; then
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
python3 "$SAMPLES/callback_server.py" --ready-file "$WORK/server.ready" 2>"$WORK/server.log" &
SERVER_PID=$!
for _ in $(seq 100); do
    [ -f "$WORK/server.ready" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || die "callback_server.py exited: $(tail -3 "$WORK/server.log")"
    sleep 0.1
done
[ -f "$WORK/server.ready" ] || die "callback_server.py did not become ready"

# ------------------------------------------------------------------ captures (simultaneous)
tcpdump -i lo  -s 0 -U "${ZROOT[@]}" -w "$WORK/captures/all-lo.pcap" "$FILTER" 2>"$WORK/lo.err" &
CAP_PIDS+=($!)
tcpdump -i lo  -s 0 -U "${ZROOT[@]}" --time-stamp-precision=nano \
        -w "$WORK/captures/all-lo-nano.pcap" "$FILTER" 2>"$WORK/lo-nano.err" &
CAP_PIDS+=($!)
tcpdump -i any -s 0 -U "${ZROOT[@]}" -w "$WORK/captures/all-any.pcap" "$FILTER" 2>"$WORK/any.err" &
CAP_PIDS+=($!)
dumpcap -i lo -n -f "$FILTER" -w "$WORK/captures/all-lo.pcapng" 2>"$WORK/dumpcap.err" &
CAP_PIDS+=($!)

ready() { grep -qE "listening on|Capturing on" "$1" 2>/dev/null; }
for _ in $(seq 100); do
    ready "$WORK/lo.err" && ready "$WORK/lo-nano.err" && ready "$WORK/any.err" \
        && ready "$WORK/dumpcap.err" && break
    sleep 0.1
done
for f in lo lo-nano any dumpcap; do
    ready "$WORK/$f.err" || die "capture '$f' did not start: $(tail -2 "$WORK/$f.err")"
done
sleep 0.5  # the capture sockets are open; give them a moment before the first SYN

# ------------------------------------------------------------------ traffic
# In the background and waited for, so that a TERM/INT to this script is acted on at once.
python3 "$SAMPLES/oss_sender.py" --out "$WORK/recording.json" &
SENDER_PID=$!
wait "$SENDER_PID" || die "oss_sender.py failed"
SENDER_PID=
sleep 1

# ------------------------------------------------------------------ stop cleanly
for pid in "${CAP_PIDS[@]}"; do kill -INT "$pid"; done
for pid in "${CAP_PIDS[@]}"; do wait "$pid" || true; done
CAP_PIDS=()
kill -INT "$SERVER_PID"; wait "$SERVER_PID" || true; SERVER_PID=
for f in lo lo-nano any; do
    grep -E "captured|dropped" "$WORK/$f.err" | sed "s/^/  tcpdump $f: /" >&2
    grep -q "^0 packets dropped by kernel" "$WORK/$f.err" || die "tcpdump $f dropped packets"
done
grep -E "Packets" "$WORK/dumpcap.err" | sed "s/^/  dumpcap: /" >&2 || true
chmod 644 "$WORK"/captures/*

# ------------------------------------------------------------------ split per scenario
python3 -c 'from scenarios import scenarios
for s in scenarios(): print(s["name"], s["port"])' > "$WORK/ports"
while read -r name port; do
    tcpdump -r "$WORK/captures/all-lo.pcap" "${ZROOT[@]}" -w "$WORK/captures/$name.pcap" \
        "tcp port $port" 2>/dev/null
done < "$WORK/ports"

# ------------------------------------------------------------------ manifest
linktype() {  # as tcpdump names it when reading the file, plus the LINKTYPE_ number
    local name
    name=$(tcpdump -r "$1" -c 1 2>&1 >/dev/null | sed -n 's/.*link-type \([^ ]*\) .*/\1/p' | head -1)
    case $name in
        EN10MB) echo "EN10MB(1)" ;;
        LINUX_SLL2) echo "LINUX_SLL2(276)" ;;
        LINUX_SLL) echo "LINUX_SLL(113)" ;;
        *) echo "$name" ;;
    esac
}
tsprec() {  # timestamp resolution: from the pcap magic, or the pcapng IDB's if_tsresol
    case $2 in
        pcap) echo usec ;;
        nsecpcap) echo nsec ;;
        pcapng) capinfos -I "$1" 2>/dev/null | sed -n 's/.*Time precision = \([a-z]*\).*/\1/p' | head -1 | sed 's/nanoseconds/nsec/;s/microseconds/usec/' ;;
        *) echo "?" ;;
    esac
}
{
    printf 'file\tscenario\tport\tlink_type\tformat\ttimestamps\tpackets\tbytes\n'
    for f in all-lo.pcap all-lo-nano.pcap all-any.pcap all-lo.pcapng; do
        IFS=$'\t' read -r _ fmt _enc pk sz < <(capinfos -T -r -t -E -c -s "$WORK/captures/$f")
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$f" "(all)" "$PORT_MIN-$PORT_MAX" \
            "$(linktype "$WORK/captures/$f")" "$fmt" "$(tsprec "$WORK/captures/$f" "$fmt")" "$pk" "$sz"
    done
    while read -r name port; do
        f=$name.pcap
        IFS=$'\t' read -r _ fmt _enc pk sz < <(capinfos -T -r -t -E -c -s "$WORK/captures/$f")
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$f" "$name" "$port" \
            "$(linktype "$WORK/captures/$f")" "$fmt" "$(tsprec "$WORK/captures/$f" "$fmt")" "$pk" "$sz"
    done < "$WORK/ports"
} > "$WORK/captures/MANIFEST.tsv"

# ------------------------------------------------------------------ install and check
mkdir -p "$CAPDIR"
rm -f "$CAPDIR"/*.pcap "$CAPDIR"/*.pcapng "$CAPDIR"/MANIFEST.tsv
mv "$WORK"/captures/* "$CAPDIR"/
mv "$WORK/recording.json" "$SAMPLES/recording.json"
say "wrote captures/ ($(ls "$CAPDIR" | wc -l) files) and recording.json"

python3 "$SAMPLES/check_captures.py" || die "check_captures.py found differences (see above)"
say "done"
