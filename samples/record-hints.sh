#!/usr/bin/env bash
# Record the stacks callback servers really run (issue #19: HINTS_SCENARIOS in scenarios.py,
# ports 9100-9109) from real HTTP traffic on loopback into samples/captures/hints/ and
# samples/recording-hints.json. Leaves every other recording alone.
#
#   sudo samples/record-hints.sh        (from anywhere; about 25 s)
#
# 1. installs what it needs when missing (Debian: nginx, php-cli, a JDK);
# 2. starts, each by pid: hints_server.py (the apps behind nginx on 9065/9066, a raw server
#    answering 'http/1.1 403', a close-delimited answer with a late FIN), Debian's nginx
#    (hints/nginx.conf.in: 502 from a dead upstream on 9064, 504 after proxy_read_timeout 3s,
#    gzip on), the JDK's HttpServer (stacks/StackJdkServer.java, `java File.java`) and PHP's
#    built-in server twice (hints/warning.php with display_errors on; hints/callback.php, which
#    rejects a bad signature with exit() like OSS's PHP demo);
# 3. captures `tcpdump -i lo -s 0` on ports 9100-9109 only (the apps behind nginx, on 9064-9066,
#    are not captured: one leg per callback) -> captures/hints/all-lo.pcap;
# 4. runs oss_sender.py --table hints (it writes recording-hints.json, the ground truth);
# 5. stops everything by pid, splits per scenario port, writes captures/hints/MANIFEST.tsv and
#    runs check_captures.py --recording recording-hints.json.
set -euo pipefail

SAMPLES=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CAPDIR=$SAMPLES/captures/hints

die() { echo "record-hints.sh: $*" >&2; exit 1; }
say() { echo "record-hints.sh: $*" >&2; }

# ------------------------------------------------------------------ prerequisites
[ "$(id -u)" -eq 0 ] || die "needs root (capturing on lo): run 'sudo $0'"
missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v php >/dev/null 2>&1 || missing+=(php-cli)
command -v java >/dev/null 2>&1 || missing+=(default-jdk-headless)
for cmd in python3 openssl tcpdump capinfos tshark; do
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
done
if [ "${#missing[@]}" -gt 0 ]; then
    say "installing: ${missing[*]}"
    apt-get install -y "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed"
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
probe_err=$(timeout 1 tcpdump -i lo -w /dev/null 'tcp port 1' 2>&1 >/dev/null) && probe_rc=0 || probe_rc=$?
[ "$probe_rc" -eq 124 ] || die "tcpdump cannot capture on lo: $(echo "$probe_err" | tail -1)"
[ -f "$SAMPLES/keys/test-callback-private.pem" ] || die "missing keys/test-callback-private.pem (record.sh makes it)"

cd "$SAMPLES"
export PYTHONDONTWRITEBYTECODE=1
read -r PORT_MIN PORT_MAX < <(python3 -c 'from scenarios import HINTS_PORT_MIN as a, HINTS_PORT_MAX as b; print(a, b)')
FILTER=$(python3 -c 'from scenarios import HINTS_CAPTURE_FILTER; print(HINTS_CAPTURE_FILTER)')

# Nothing else may listen on the scenario ports or the upstream ports (9064 must stay dead).
python3 - <<'PY' || die "a port is in use (see above); stop whatever listens there"
import socket, sys
from scenarios import scenarios, HINTS_UPSTREAM_DEAD, HINTS_UPSTREAM_SLOW, HINTS_UPSTREAM_JSON
bad = 0
ports = [s["port"] for s in scenarios(table="hints")] + [HINTS_UPSTREAM_DEAD, HINTS_UPSTREAM_SLOW, HINTS_UPSTREAM_JSON]
for port in ports:
    with socket.socket(socket.AF_INET) as k:
        k.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            k.bind(("127.0.0.1", port))
        except OSError as e:
            print("port 127.0.0.1:%d: %s" % (port, e), file=sys.stderr)
            bad = 1
sys.exit(bad)
PY

# ------------------------------------------------------------------ children and cleanup
WORK=$(mktemp -d "${TMPDIR:-/tmp}/callback-doctor-stacks.XXXXXX")
chmod 755 "$WORK"
PIDS=() CAP_PID= SENDER_PID=
cleanup() {
    local rc=$?
    set +e
    # Only our own children, by pid.
    [ -n "$SENDER_PID" ] && { kill -TERM "$SENDER_PID" 2>/dev/null; wait "$SENDER_PID" 2>/dev/null; }
    for pid in $CAP_PID "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for pid in $CAP_PID "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
    if [ "$rc" -ne 0 ]; then
        say "failed (exit $rc); logs:"
        for f in "$WORK"/*.err "$WORK"/*.log "$WORK"/nginx/error.log; do
            [ -f "$f" ] && { echo "--- $(basename "$f")" >&2; tail -5 "$f" >&2; }
        done
    fi
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$WORK/captures" "$WORK/nginx"

wait_port() {  # port name pid
    for _ in $(seq 200); do
        python3 -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(s.connect_ex(('127.0.0.1', $1)))" && return 0
        kill -0 "$3" 2>/dev/null || die "$2 exited"
        sleep 0.1
    done
    die "$2 did not listen on port $1"
}
port_of() { python3 -c "from scenarios import by_name; print(by_name("hints")['$1']['port'])"; }

# ------------------------------------------------------------------ servers
python3 "$SAMPLES/hints_server.py" --ready-file "$WORK/server.ready" 2>"$WORK/server.log" &
PIDS+=($!)
for _ in $(seq 100); do [ -f "$WORK/server.ready" ] && break; sleep 0.1; done
[ -f "$WORK/server.ready" ] || die "hints_server.py did not become ready"

sed "s|@WORK@|$WORK|g" "$SAMPLES/hints/nginx.conf.in" > "$WORK/nginx/nginx.conf"
"$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' 2>"$WORK/nginx.err" &
PIDS+=($!)
for name in nginx-502-upstream-down nginx-504-read-timeout nginx-gzip-chunked; do
    wait_port "$(port_of $name)" nginx "${PIDS[-1]}"
done

JDK_PORT=$(port_of jdk-httpserver-chunked)
java "$SAMPLES/stacks/StackJdkServer.java" "$JDK_PORT" "$WORK/jdk.ready" 2>"$WORK/jdk.err" &
PIDS+=($!)
for _ in $(seq 300); do [ -f "$WORK/jdk.ready" ] && break; sleep 0.1; done
[ -f "$WORK/jdk.ready" ] || die "StackJdkServer.java did not become ready: $(tail -3 "$WORK/jdk.err")"
# One request before the capture: the JVM loads and compiles the handler's classes on its first
# request (half a second on a busy machine), which is not what a running server does.
python3 -c "import urllib.request; urllib.request.urlopen(urllib.request.Request('http://127.0.0.1:$JDK_PORT/warm-up', data=b'x')).read()" \
    || die "the JDK server did not answer its warm-up request"

for name in php-warning-before-json php-demo-empty-200; do
    port=$(port_of $name)
    php -d display_errors=1 -S "127.0.0.1:$port" -t "$SAMPLES/hints" 2>"$WORK/php-$port.log" &
    PIDS+=($!)
    wait_port "$port" "php -S" "${PIDS[-1]}"
done

# ------------------------------------------------------------------ capture
tcpdump -i lo -s 0 -U -Z root -w "$WORK/captures/all-lo.pcap" "$FILTER" 2>"$WORK/lo.err" &
CAP_PID=$!
for _ in $(seq 100); do grep -q "listening on" "$WORK/lo.err" 2>/dev/null && break; sleep 0.1; done
grep -q "listening on" "$WORK/lo.err" || die "tcpdump did not start: $(tail -2 "$WORK/lo.err")"
sleep 0.5

# ------------------------------------------------------------------ traffic
# At a higher priority: its clock readings (the truth's latencies) then trail the wire by
# little even on a machine busy with other work (the end-to-end tests allow 10 ms).
nice -n -10 python3 "$SAMPLES/oss_sender.py" --table hints --out "$WORK/recording-hints.json" &
SENDER_PID=$!
wait "$SENDER_PID" || die "oss_sender.py failed"
SENDER_PID=
sleep 1

# ------------------------------------------------------------------ stop cleanly, by pid
kill -INT "$CAP_PID"; wait "$CAP_PID" || true; CAP_PID=
for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
PIDS=()
grep -E "captured|dropped" "$WORK/lo.err" | sed "s/^/  tcpdump lo: /" >&2
grep -q "^0 packets dropped by kernel" "$WORK/lo.err" || die "tcpdump dropped packets"

# ------------------------------------------------------------------ split per scenario, manifest
python3 -c 'from scenarios import scenarios
for s in scenarios(table="hints"): print(s["name"], s["port"])' > "$WORK/ports"
while read -r name port; do
    tcpdump -r "$WORK/captures/all-lo.pcap" -Z root -w "$WORK/captures/$name.pcap" "tcp port $port" 2>/dev/null
done < "$WORK/ports"
chmod 644 "$WORK"/captures/* "$WORK/recording-hints.json"
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
mv "$WORK/recording-hints.json" "$SAMPLES/recording-hints.json"
say "wrote captures/hints/ ($(ls "$CAPDIR" | wc -l) files) and recording-hints.json"
python3 "$SAMPLES/check_captures.py" --recording recording-hints.json \
    || die "check_captures.py found differences (see above)"
say "done"
