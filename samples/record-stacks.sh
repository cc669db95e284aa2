#!/usr/bin/env bash
# Record callbacks to real server stacks (issue #19; STACK_SCENARIOS in scenarios.py) into
# samples/captures/stacks/ and samples/recording-stacks.json:
#   Debian's nginx in front of stack_app.py (Python http.server) on 9070-9075 -> 18070-18075
#   (18099 is an upstream with no listener), nginx + php-fpm over a unix socket on 9076-9077,
#   PHP's built-in server (`php -S`) on 9080 and the JDK's HttpServer (`java File.java`) on 9081.
# One `tcpdump -i lo` records OSS -> front server AND front server -> upstream: both legs are on
# lo, as on a host captured with `tcpdump -i any`.
#
#   sudo samples/record-stacks.sh        (from anywhere; about 25 s; installs nginx-light,
#                                          php-fpm and php-cli with apt-get when missing)
#
# Every server is started by this script with its own configuration in a temporary directory
# and stopped by its pid. Files are replaced only after a complete run.
set -euo pipefail

SAMPLES=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CAPDIR=$SAMPLES/captures/stacks

die() { echo "record-stacks.sh: $*" >&2; exit 1; }
say() { echo "record-stacks.sh: $*" >&2; }

# ------------------------------------------------------------------ prerequisites
[ "$(id -u)" -eq 0 ] || die "needs root (capturing on lo, apt-get): run 'sudo $0'"
need_apt=
command -v nginx >/dev/null 2>&1 || need_apt="$need_apt nginx-light"
ls /usr/sbin/php-fpm* >/dev/null 2>&1 || need_apt="$need_apt php-fpm"
command -v php >/dev/null 2>&1 || need_apt="$need_apt php-cli"
if [ -n "$need_apt" ]; then
    say "installing$need_apt"
    DEBIAN_FRONTEND=noninteractive apt-get install -y $need_apt >/dev/null
fi
for cmd in python3 openssl tcpdump capinfos nginx php java; do
    command -v "$cmd" >/dev/null 2>&1 || die "missing: $cmd"
done
PHP_FPM=$(ls /usr/sbin/php-fpm* | head -1)
[ -f "$SAMPLES/keys/test-callback-private.pem" ] || die "missing keys/test-callback-private.pem"
[ "$(head -c 3 "$SAMPLES/stacks/php/config.php" | od -An -tx1 | tr -d ' ')" = efbbbf ] \
    || die "stacks/php/config.php lost its BOM (EF BB BF)"

cd "$SAMPLES"
export PYTHONDONTWRITEBYTECODE=1
FILTER=$(python3 -c 'from scenarios import STACK_CAPTURE_FILTER; print(STACK_CAPTURE_FILTER)')

# ------------------------------------------------------------------ children and cleanup
WORK=$(mktemp -d "${TMPDIR:-/tmp}/callback-doctor-stacks.XXXXXX")
APP_PID= NGINX_PID= FPM_PID= PHPS_PID= JDK_PID= CAP_PID= SENDER_PID=
cleanup() {
    local rc=$?
    set +e
    [ -n "$SENDER_PID" ] && { kill -TERM "$SENDER_PID" 2>/dev/null; wait "$SENDER_PID" 2>/dev/null; }
    # Only our own children, by pid (nginx's and php-fpm's masters stop their workers).
    [ -n "$CAP_PID" ] && kill -INT "$CAP_PID" 2>/dev/null
    [ -n "$NGINX_PID" ] && kill -QUIT "$NGINX_PID" 2>/dev/null
    [ -n "$FPM_PID" ] && kill -QUIT "$FPM_PID" 2>/dev/null
    for pid in $APP_PID $PHPS_PID $JDK_PID; do kill -TERM "$pid" 2>/dev/null; done
    for pid in $CAP_PID $NGINX_PID $FPM_PID $APP_PID $PHPS_PID $JDK_PID; do wait "$pid" 2>/dev/null; done
    if [ "$rc" -ne 0 ]; then
        say "failed (exit $rc); logs:"
        for f in "$WORK"/*.log "$WORK"/*.err; do
            [ -f "$f" ] && { echo "--- $(basename "$f")" >&2; tail -5 "$f" >&2; }
        done
    fi
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_for() {  # wait_for FILE PID NAME: until FILE exists (up to 20 s) while PID lives
    for _ in $(seq 200); do
        [ -e "$1" ] && return 0
        kill -0 "$2" 2>/dev/null || die "$3 exited"
        sleep 0.1
    done
    die "$3 did not become ready"
}
wait_port() {  # wait_port PORT PID NAME
    for _ in $(seq 200); do
        python3 -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(s.connect_ex(('127.0.0.1',$1)))" 2>/dev/null && return 0
        kill -0 "$2" 2>/dev/null || die "$3 exited"
        sleep 0.1
    done
    die "$3 does not listen on $1"
}
mkdir -p "$WORK/captures" "$WORK/nginx"

# ------------------------------------------------------------------ configuration
cat > "$WORK/php-fpm.conf" <<CONF
[global]
pid = $WORK/php-fpm.pid
error_log = $WORK/php-fpm.log
daemonize = no
[callbacks]
user = root
group = root
listen = $WORK/php-fpm.sock
listen.mode = 0666
pm = static
pm.max_children = 2
php_admin_flag[display_errors] = on
php_admin_flag[html_errors] = off
php_admin_value[error_reporting] = E_ALL
CONF

proxy() {  # proxy LISTEN_PORT UPSTREAM EXTRA...: a server block forwarding to UPSTREAM
    local port=$1 upstream=$2; shift 2
    cat <<CONF
    server {
        listen 127.0.0.1:$port;
        $*
        location / {
            proxy_pass $upstream;
            proxy_set_header Host \$host;
            proxy_set_header X-Real-IP \$remote_addr;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
        }
    }
CONF
}
{
    cat <<CONF
user root;
worker_processes 1;
daemon off;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log info;
events { worker_connections 64; }
http {
    access_log $WORK/nginx-access.log;
    client_body_temp_path $WORK/nginx/body;
    proxy_temp_path $WORK/nginx/proxy;
    fastcgi_temp_path $WORK/nginx/fastcgi;
    uwsgi_temp_path $WORK/nginx/uwsgi;
    scgi_temp_path $WORK/nginx/scgi;
    default_type application/octet-stream;
CONF
    proxy 9070 http://127.0.0.1:18070
    proxy 9071 http://127.0.0.1:18099
    proxy 9072 http://127.0.0.1:18072 "proxy_read_timeout 3s;"
    proxy 9073 http://127.0.0.1:18073
    cat <<CONF
    server {
        listen 127.0.0.1:9074;
        location /h11/ {
            proxy_pass http://127.0.0.1:18074/;
            proxy_set_header X-Real-IP \$remote_addr;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
        }
    }
CONF
    proxy 9075 http://127.0.0.1:18075 "gzip on; gzip_types application/json; gzip_min_length 1;"
    for port in 9076 9077; do
        cat <<CONF
    server {
        listen 127.0.0.1:$port;
        root $SAMPLES/stacks/php;
        location ~ \.php\$ {
            include /etc/nginx/fastcgi_params;
            fastcgi_param SCRIPT_FILENAME \$document_root\$fastcgi_script_name;
            fastcgi_pass unix:$WORK/php-fpm.sock;
        }
    }
CONF
    done
    echo "}"
} > "$WORK/nginx.conf"
nginx -t -c "$WORK/nginx.conf" -p "$WORK" 2>"$WORK/nginx-t.err" || die "nginx -t: $(cat "$WORK/nginx-t.err")"

# ------------------------------------------------------------------ servers
python3 "$SAMPLES/stacks/stack_app.py" --ready-file "$WORK/app.ready" 2>"$WORK/app.log" &
APP_PID=$!
wait_for "$WORK/app.ready" "$APP_PID" stack_app.py
"$PHP_FPM" -F -R -y "$WORK/php-fpm.conf" -p "$WORK" 2>"$WORK/php-fpm.err" &
FPM_PID=$!
wait_for "$WORK/php-fpm.sock" "$FPM_PID" php-fpm
nginx -c "$WORK/nginx.conf" -p "$WORK" 2>"$WORK/nginx.err" &
NGINX_PID=$!
wait_port 9077 "$NGINX_PID" nginx
php -S 127.0.0.1:9080 -t "$SAMPLES/stacks/php" "$SAMPLES/stacks/php/router.php" >"$WORK/php-s.log" 2>&1 &
PHPS_PID=$!
wait_port 9080 "$PHPS_PID" "php -S"
java "$SAMPLES/stacks/StackJdkServer.java" 9081 "$WORK/jdk.ready" >"$WORK/jdk.log" 2>&1 &
JDK_PID=$!
wait_for "$WORK/jdk.ready" "$JDK_PID" "java StackJdkServer.java"

# ------------------------------------------------------------------ capture
tcpdump -i lo -s 0 -U -Z root -w "$WORK/captures/all-lo.pcap" "$FILTER" 2>"$WORK/lo.err" &
CAP_PID=$!
for _ in $(seq 100); do grep -q "listening on" "$WORK/lo.err" 2>/dev/null && break; sleep 0.1; done
grep -q "listening on" "$WORK/lo.err" || die "tcpdump did not start: $(tail -2 "$WORK/lo.err")"
sleep 0.5

# ------------------------------------------------------------------ traffic
python3 "$SAMPLES/oss_sender.py" --table stacks --out "$WORK/recording-stacks.json" &
SENDER_PID=$!
wait "$SENDER_PID" || die "oss_sender.py failed"
SENDER_PID=
sleep 1

# ------------------------------------------------------------------ stop cleanly, by pid
kill -INT "$CAP_PID"; wait "$CAP_PID" || true; CAP_PID=
grep -E "captured|dropped" "$WORK/lo.err" | sed "s/^/  tcpdump lo: /" >&2
grep -q "^0 packets dropped by kernel" "$WORK/lo.err" || die "tcpdump dropped packets"
# Record what each server was, for the truth file.
{
    nginx -v 2>&1; php -v | head -1; "$PHP_FPM" -v | head -1; java -version 2>&1 | head -1
} > "$WORK/versions.txt"
cp "$WORK/nginx.conf" "$WORK/captures/nginx.conf.txt"
sed -i "s|$WORK|\$WORK|g; s|$SAMPLES|\$SAMPLES|g" "$WORK/captures/nginx.conf.txt"

# ------------------------------------------------------------------ split per scenario
# A scenario's capture holds its front port and its upstream ports (the inner legs).
python3 - "$WORK/recording-stacks.json" "$WORK/versions.txt" > "$WORK/ports" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
doc["stackVersions"] = open(sys.argv[2]).read().strip().splitlines()
doc["combinedCapture"] = "captures/stacks/all-lo.pcap"
doc["fieldNotes"]["legs"] = ("stacks only: the connections the front server opens for this "
    "callback (upstream host:port, what the app does, expect: answered 200 | refused | "
    "answered too late | none = FastCGI over a unix socket, not on the wire). They are not "
    "callbacks OSS made: a report counts one callback per scenario.")
json.dump(doc, open(sys.argv[1], "w"), indent=2, ensure_ascii=False)
for s in doc["scenarios"]:
    ports = [s["port"]] + [int(l["upstream"].rsplit(":", 1)[1]) for l in s["legs"]
                           if l["upstream"].startswith("127.0.0.1:")]
    print(s["name"], " or ".join("tcp port %d" % p for p in ports))
PY
while read -r name filter; do
    tcpdump -r "$WORK/captures/all-lo.pcap" -Z root -w "$WORK/captures/$name.pcap" "$filter" 2>/dev/null
done < "$WORK/ports"
chmod 644 "$WORK"/captures/* "$WORK/recording-stacks.json"
{
    printf 'file\tpackets\tbytes\n'
    for f in "$WORK"/captures/*.pcap; do
        IFS=$'\t' read -r _ pk sz < <(capinfos -T -r -c -s "$f")
        printf '%s\t%s\t%s\n' "$(basename "$f")" "$pk" "$sz"
    done
} > "$WORK/captures/MANIFEST.tsv"

# ------------------------------------------------------------------ install
mkdir -p "$CAPDIR"
rm -f "$CAPDIR"/*.pcap "$CAPDIR"/MANIFEST.tsv "$CAPDIR"/nginx.conf.txt
mv "$WORK"/captures/* "$CAPDIR"/
mv "$WORK/recording-stacks.json" "$SAMPLES/recording-stacks.json"
say "wrote captures/stacks/ ($(ls "$CAPDIR" | wc -l) files) and recording-stacks.json"
