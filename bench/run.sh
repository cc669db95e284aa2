#!/usr/bin/env bash
# The benchmark of issues #5 and #20 (not part of `swift test`): the same capture, in the same run,
# through
#   1. the floor: the bare libpcap read loop (bench/pcap_loop.c: pcap_next_ex over every record,
#      nothing else) plus libcrypto's own cost for the signature work in the capture — one RSA-512
#      verification per signed callback at `openssl speed rsa512`'s verify rate and MD5 over the
#      signed bytes at `openssl speed -evp md5`'s 16384-byte rate (its fastest), the counts taken
#      from the generator's truth (signedCallbacks, signedBytes), the rates measured three times in
#      this run (before, between and after the timings; the median is used),
#   2. callback-doctor analyze (one file, one job; and the same file split by connection across
#      every core, `--jobs $(nproc)`), every signature verified (--public-key),
#   3. tshark extracting the same exchanges (method, status, http.time) — on a 20 MB slice,
#      because tshark is slow,
# printing medians of several runs (hyperfine), the ratios to the floor, the split ratio, peak RSS
# (/usr/bin/time -v), the --jobs 2 speed-up on two captures, and checking callback-doctor's
# findings (and tshark's responses) against the generator's own record of what it put in the
# capture. One command, self-contained: it builds the release binary and generates the captures
# (once, into bench/out/).
#
#   bench/run.sh                      # 500 MB capture (generated once into bench/out/), 5 runs
#   RUNS=10 bench/run.sh
#   BIG2G=1 bench/run.sh              # also time and peak RSS on a 2 GB capture
#   SIZE=1G SLICE=10M bench/run.sh    # other sizes
#
# Needs: swift, cc + libpcap-dev, python3, tshark, hyperfine, GNU time, openssl (apt-get install -y
# tshark hyperfine time openssl). Captures and results go to bench/out/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE=${SIZE:-500M}
SLICE=${SLICE:-20M}
RUNS=${RUNS:-5}
TSHARK_RUNS=${TSHARK_RUNS:-3}
OUT=bench/out
mkdir -p "$OUT"

for tool in tshark hyperfine python3 cc /usr/bin/time openssl; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install -y tshark hyperfine time openssl)" >&2; exit 2; }
done

echo "== build"
swift build -c release --product callback-doctor 2>&1 | tail -1
TOOL=.build/release/callback-doctor
cc -O2 -Wall -o "$OUT/pcap_loop" bench/pcap_loop.c -lpcap
LOOP=$OUT/pcap_loop

echo "== captures (bench/gen_capture.py, generated once)"
generate() { # path size seed
    if [ ! -f "$1" ]; then python3 bench/gen_capture.py "$1" --size "$2" --seed "$3"; fi
}
# Captures are named after the generator's content, so a changed generator (say, one that signs
# differently) never leaves a stale capture measured under the new name.
GEN=$(sha256sum bench/gen_capture.py | cut -c1-8)
BIG=$OUT/callbacks-$SIZE-seed1-$GEN.pcap
BIG2=$OUT/callbacks-$SIZE-seed2-$GEN.pcap
# The same seed, stopped at 20 MB: the first 20 MB of the same traffic, every connection complete.
SL=$OUT/callbacks-$SLICE-seed1-$GEN.pcap
generate "$BIG" "$SIZE" 1
generate "$BIG2" "$SIZE" 2
generate "$SL" "$SLICE" 1
ls -l "$BIG" "$BIG2" "$SL" | awk '{ printf "  %s  %d bytes\n", $9, $5 }'

# --jobs / --quiet once the CLI has them; before that the CLI's defaults (jobs = cores) apply and
# "one after another" is two processes in sequence.
if "$TOOL" analyze --help 2>&1 | grep -q -- '--jobs'; then HAS_JOBS=1; else HAS_JOBS=0; fi
if "$TOOL" analyze --help 2>&1 | grep -q -- '--quiet'; then QUIET=--quiet; else QUIET=; fi
# The generated callbacks are signed with the benchmark's own key (bench/gen_capture.py): with its
# public half every signature verifies, as OSS's would with OSS's key, and is verified for real.
if "$TOOL" analyze --help 2>&1 | grep -q -- '--public-key'; then QUIET="$QUIET --public-key bench/keys/bench-callback-public.pem"; fi
ONE_JOB=; [ "$HAS_JOBS" = 1 ] && ONE_JOB="--jobs 1"

TSHARK_FIELDS="-2 -o tcp.desegment_tcp_streams:TRUE -o http.desegment_body:TRUE -o tcp.reassemble_out_of_order:TRUE \
-d tcp.port==9000,http -Y 'http.request or http.response' -T fields -E separator=/t \
-e frame.number -e http.request.method -e http.response.code -e http.time -e http.request_in"

# Page cache warm for everybody.
cat "$BIG" "$BIG2" "$SL" >/dev/null

# libcrypto's own rates on this host (the floor's crypto part): RSA-512 verifications per second and
# MD5 bytes per second at 16384-byte blocks, appended to $OUT/crypto-rates.txt as "verify md5".
: >"$OUT/crypto-rates.txt"
crypto_rates() {
    local verify md5
    verify=$(openssl speed -seconds 1 rsa512 2>/dev/null | awk '$1 == "rsa" && $2 == "512" { print $NF }')
    md5=$(openssl speed -seconds 1 -evp md5 2>/dev/null | awk '$1 == "md5" { v = $NF; sub(/k$/, "", v); print v * 1000 }')
    [ -n "$verify" ] && [ -n "$md5" ] || { echo "bench: cannot read openssl speed's output" >&2; exit 2; }
    echo "$verify $md5" >>"$OUT/crypto-rates.txt"
    echo "  openssl speed: rsa512 $verify verify/s, md5 $md5 B/s (16384-byte blocks)"
}
echo "== libcrypto's rates (1 of 3)"
crypto_rates

echo "== machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== timing: the loop and callback-doctor on the $SIZE capture ($RUNS runs each)"
CORES=$(nproc)
hyperfine --style basic --warmup 1 --runs "$RUNS" -i --export-json "$OUT/h-big.json" \
    -n loop "$LOOP $BIG" \
    -n callback-doctor "$TOOL analyze $ONE_JOB $QUIET $BIG" \
    -n callback-doctor-split "$TOOL analyze --jobs $CORES $QUIET $BIG"
echo "== libcrypto's rates (2 of 3)"
crypto_rates
echo "== timing: tshark, callback-doctor and the loop on the $SLICE slice"
hyperfine --style basic --runs "$TSHARK_RUNS" -i --export-json "$OUT/h-slice.json" \
    -n tshark "tshark -r $SL $TSHARK_FIELDS" \
    -n callback-doctor "$TOOL analyze $ONE_JOB $QUIET $SL" \
    -n loop "$LOOP $SL"
echo "== timing: two captures one after another vs --jobs 2"
if [ "$HAS_JOBS" = 1 ]; then
    SEQUENTIAL="$TOOL analyze --jobs 1 $QUIET $BIG $BIG2"
    PARALLEL="$TOOL analyze --jobs 2 $QUIET $BIG $BIG2"
else
    SEQUENTIAL="$TOOL analyze $BIG >/dev/null; $TOOL analyze $BIG2"
    PARALLEL="$TOOL analyze $BIG $BIG2"
fi
hyperfine --style basic --runs "$RUNS" -i --export-json "$OUT/h-jobs.json" \
    -n sequential "$SEQUENTIAL" -n jobs-2 "$PARALLEL"

echo "== libcrypto's rates (3 of 3)"
crypto_rates
echo "== peak RSS (/usr/bin/time -v)"
rss() { # name command...
    local name=$1; shift
    /usr/bin/time -v "$@" >/dev/null 2>"$OUT/time-$name.txt" || true
    echo "$name $(awk -F': ' '/Maximum resident set size/ { print $2 }' "$OUT/time-$name.txt")" >>"$OUT/rss.txt"
}
: >"$OUT/rss.txt"
rss loop-big "$LOOP" "$BIG"
rss doctor-big "$TOOL" analyze $ONE_JOB $QUIET "$BIG"
rss doctor-big-split "$TOOL" analyze --jobs "$CORES" $QUIET "$BIG"
# Every report format, one job and split: the bound is meant to hold whatever the format.
for FORMAT in json jsonl markdown html; do
    rss "doctor-big-$FORMAT" "$TOOL" analyze $ONE_JOB $QUIET --format "$FORMAT" "$BIG"
    rss "doctor-big-split-$FORMAT" "$TOOL" analyze --jobs "$CORES" $QUIET --format "$FORMAT" "$BIG"
done
rss doctor-slice "$TOOL" analyze $ONE_JOB $QUIET "$SL"
rss tshark-slice sh -c "tshark -r $SL $TSHARK_FIELDS"
rss doctor-jobs2 "$TOOL" analyze $QUIET "$BIG" "$BIG2"
if [ "${BIG2G:-0}" = 1 ]; then
    HUGE=$OUT/callbacks-2G-seed3-$GEN.pcap
    generate "$HUGE" 2G 3
    cat "$HUGE" >/dev/null
    /usr/bin/time -v "$TOOL" analyze $ONE_JOB $QUIET "$HUGE" >/dev/null 2>"$OUT/time-doctor-2g.txt" || true
    echo "doctor-2g $(awk -F': ' '/Maximum resident set size/ { print $2 }' "$OUT/time-doctor-2g.txt")" >>"$OUT/rss.txt"
    echo "doctor-2g-seconds $(awk -F': ' '/Elapsed \(wall clock\)/ { print $2 }' "$OUT/time-doctor-2g.txt")" >>"$OUT/rss.txt"
    echo "doctor-2g-bytes $(stat -c %s "$HUGE")" >>"$OUT/rss.txt"
fi

echo "== findings against the generator's truth"
"$TOOL" analyze $QUIET --format json "$BIG" >"$OUT/report-big.json" || true
python3 bench/check_findings.py report "$BIG" "$OUT/report-big.json"
# That report came from the capture split across every core; one job must give it byte for byte.
"$TOOL" analyze $ONE_JOB $QUIET --format json "$BIG" >"$OUT/report-big-one-job.json" || true
if cmp -s "$OUT/report-big.json" "$OUT/report-big-one-job.json"; then
    echo "  split across $CORES cores and one job: identical JSON reports"
else
    echo "bench: the split report differs from the one-job report" >&2
    exit 1
fi
"$TOOL" analyze $QUIET --format json "$SL" >"$OUT/report-slice.json" || true
python3 bench/check_findings.py report "$SL" "$OUT/report-slice.json"
sh -c "tshark -r $SL $TSHARK_FIELDS" >"$OUT/tshark-slice.tsv"
python3 bench/check_findings.py tshark "$SL" "$OUT/tshark-slice.tsv"

echo "== results"
python3 - "$OUT" "$BIG" "$SL" "$BIG2" "$CORES" <<'EOF'
import json, os, statistics, sys
out, big, sl, big2, cores = sys.argv[1:6]
def medians(name):
    with open(os.path.join(out, name)) as f:
        return {r["command"]: r["median"] for r in json.load(f)["results"]}
def truth(capture):
    with open(capture[:-5] + ".truth.json") as f:
        return json.load(f)
def cpu(name):
    with open(os.path.join(out, name)) as f:
        return {r["command"]: r["user"] + r["system"] for r in json.load(f)["results"]}
h, s, j = medians("h-big.json"), medians("h-slice.json"), medians("h-jobs.json")
c = cpu("h-big.json")
rss = dict(line.split() for line in open(os.path.join(out, "rss.txt")) if len(line.split()) == 2)
rates = [tuple(map(float, line.split())) for line in open(os.path.join(out, "crypto-rates.txt")) if line.strip()]
verify_rate = statistics.median(r[0] for r in rates)
md5_rate = statistics.median(r[1] for r in rates)
mb = lambda path: os.path.getsize(path) / 1e6
B, S = mb(big), mb(sl)
def crypto(capture):
    t = truth(capture)
    return t["signedCallbacks"] / verify_rate + t["signedBytes"] / md5_rate, t
crypto_big, t_big = crypto(big)
crypto_slice, t_slice = crypto(sl)
floor_big, floor_slice = h["loop"] + crypto_big, s["loop"] + crypto_slice
one, split = h["callback-doctor"], h["callback-doctor-split"]
print("capture %s: %.0f MB, %d signed callbacks, %.1f MB signed; slice %s: %.1f MB"
      % (os.path.basename(big), B, t_big["signedCallbacks"], t_big["signedBytes"] / 1e6, os.path.basename(sl), S))
print("libcrypto (median of %d openssl speed runs): rsa512 %.0f verify/s, md5 %.0f MB/s" % (len(rates), verify_rate, md5_rate / 1e6))
print("floor            %7.3f s  = loop %.3f s + crypto %.3f s (%d RSA-512 verifications, MD5 over %.1f MB)"
      % (floor_big, h["loop"], crypto_big, t_big["signedCallbacks"], t_big["signedBytes"] / 1e6))
print("callback-doctor  %7.3f s  %7.0f MB/s   %.2fx the floor (target <= 2.5x, stretch 1.5x); %.2fx the bare loop   (--jobs 1)"
      % (one, B / one, one / floor_big, one / h["loop"]))
print("split            %7.3f s  %7.0f MB/s   %.2fx the floor; %.2fx of one job (target <= 0.55x)   (--jobs %s on the one file)"
      % (split, B / split, split / floor_big, split / one, cores))
print("CPU time (user + system, means; robust on a busy host): loop %.3f s, floor %.3f s, one job %.3f s = %.2fx the floor, split %.3f s"
      % (c["loop"], c["loop"] + crypto_big, c["callback-doctor"], c["callback-doctor"] / (c["loop"] + crypto_big), c["callback-doctor-split"]))
print("tshark (slice)   %7.3f s  %7.2f MB/s   callback-doctor on the same slice: %.3f s, %.0f MB/s, %.2fx the slice's floor (%.3f s)"
      % (s["tshark"], S / s["tshark"], s["callback-doctor"], S / s["callback-doctor"], s["callback-doctor"] / floor_slice, floor_slice))
print("throughput vs tshark: %.0fx on the slice, %.0fx on the big capture, %.0fx split across %s cores   (target >= 40x)"
      % ((S / s["callback-doctor"]) / (S / s["tshark"]), (B / one) / (S / s["tshark"]),
         (B / split) / (S / s["tshark"]), cores))
print("two captures: one after another %.3f s, --jobs 2 %.3f s: %.2fx"
      % (j["sequential"], j["jobs-2"], j["jobs-2"] / j["sequential"]))
kb = lambda k: ("%.1f MB" % (int(rss[k]) / 1024)) if k in rss else "-"
print("peak RSS: loop %s; callback-doctor %s (text), %s (json), %s (split across %s cores); on the slice %s; tshark on the slice %s; jobs 2 on two captures %s"
      % (kb("loop-big"), kb("doctor-big"), kb("doctor-big-json"), kb("doctor-big-split"), cores, kb("doctor-slice"), kb("tshark-slice"),
         kb("doctor-jobs2")))
print("peak RSS by format on the big capture (one job / split across %s cores; target <= 64 MB): %s"
      % (cores, ", ".join("%s %s / %s" % (f, kb("doctor-big" + ("" if f == "text" else "-" + f)),
                                          kb("doctor-big-split" + ("" if f == "text" else "-" + f)))
                          for f in ("text", "json", "jsonl", "markdown", "html"))))
if "doctor-2g" in rss:
    print("2 GB capture (%.0f MB): %s, peak RSS %s" % (int(rss["doctor-2g-bytes"]) / 1e6, rss["doctor-2g-seconds"], kb("doctor-2g")))
EOF
echo "== machine load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
