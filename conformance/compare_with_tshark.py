#!/usr/bin/env python3
"""Compare callback-doctor's HTTP exchanges with tshark's on the shared corpus.

    python3 conformance/compare_with_tshark.py [--binary .build/debug/callback-doctor]
        [--corpus ../shared/corpus/http] [--table conformance/differences.md]
        [--check] [--json] [--write-table] [--jobs N] [FILE ...]

For every capture (default: every file in ../shared/corpus/http, relative to the package root),
runs

  * `callback-doctor analyze --format json FILE`, and
  * tshark 4.x with `-2 -o tcp.desegment_tcp_streams:TRUE -o http.desegment_headers:TRUE
    -o http.desegment_body:TRUE`, plus `-d tcp.port==P,http` for every server port P of our
    own report that tshark does not already decode as HTTP (`tshark -G decodes`); twice, with
    and without `-o tcp.reassemble_out_of_order:TRUE`, keeping the reading in which more
    requests got a response (out-of-order reassembly helps with reordered segments and hurts
    when a segment is lost for good: tshark then holds back the rest of the connection),

and compares, per TCP connection (the unordered pair of endpoints), the ordered list of
(method, target, final status) pairs. A request without a response has status null; a response
whose request was not captured has method and target null; 1xx interim responses other than
101 are not pairs (101 Switching Protocols is final). Lists are aligned by longest common
subsequence, so one extra or missing pair does not shift the rest.

Agreement = pairs tshark finds that we find with the same values / tshark's pairs. Every pair
that is not matched, on either side, is a difference; each must be listed with its reason in
conformance/differences.md (`--write-table` adds new ones with reason "UNEXPLAINED", keeping
the reasons already written). `--check` exits 1 when agreement is below 97 %, or a difference
is not listed (or still says UNEXPLAINED). Listed differences that no longer occur are reported
as stale (a warning: the table should be trimmed). `--json` prints the results as one JSON
object for the test suite (Tests/EndToEndTests/ConformanceTests.swift).

Python 3.8+, standard library only.
"""

import argparse
import concurrent.futures
import ipaddress
import json
import os
import re
import subprocess
import sys
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_CORPUS = os.path.join(os.path.dirname(ROOT), "shared", "corpus", "http")
DEFAULT_TABLE = os.path.join(ROOT, "conformance", "differences.md")
DEFAULT_BINARY = os.path.join(ROOT, ".build", "debug", "callback-doctor")
THRESHOLD = 0.97
UNEXPLAINED = "UNEXPLAINED"
CAPTURE_SUFFIXES = (".pcap", ".pcapng", ".cap", ".dmp")

TSHARK_OPTIONS = [
    "-2",
    "-o", "tcp.desegment_tcp_streams:TRUE",
    "-o", "http.desegment_headers:TRUE",
    "-o", "http.desegment_body:TRUE",
]
# Off by default in tshark. It pairs responses whose segments arrive out of order, but when a
# segment is missing for good it holds back everything after it on that connection (zeek's
# 1000-requests-one-dropped-response: 999 responses lost with it, all found without it).
OUT_OF_ORDER = ["-o", "tcp.reassemble_out_of_order:TRUE"]


# ------------------------------------------------------------------------------------ helpers


def endpoint(address, port):
    """`ip:port`, IPv6 as `[addr]:port` in RFC 5952 form (as our report writes them)."""
    ip = ipaddress.ip_address(address)
    text = ip.compressed
    return ("[%s]:%s" % (text, port)) if ip.version == 6 else ("%s:%s" % (text, port))


def parse_endpoint(text):
    if text.startswith("["):
        address, port = text[1:].rsplit("]:", 1)
    else:
        address, port = text.rsplit(":", 1)
    return endpoint(address, int(port))


def connection_key(a, b):
    return tuple(sorted((a, b)))


def pair_text(pair):
    """A pair as compact JSON: ["GET","/x",200]; null for what was not seen."""
    return json.dumps(list(pair), ensure_ascii=True, separators=(",", ":"))


def lcs_match(left, right):
    """Indices (i, j) of a longest common subsequence of two lists."""
    n, m = len(left), len(right)
    if n * m > 4_000_000:  # very long keep-alive connections: align greedily in order
        out, j = [], 0
        for i, x in enumerate(left):
            k = j
            while k < m and right[k] != x:
                k += 1
            if k < m:
                out.append((i, k))
                j = k + 1
        return out
    table = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        row, below = table[i], table[i + 1]
        for j in range(m - 1, -1, -1):
            row[j] = below[j + 1] + 1 if left[i] == right[j] else max(below[j], row[j + 1])
    out, i, j = [], 0, 0
    while i < n and j < m:
        if left[i] == right[j]:
            out.append((i, j))
            i += 1
            j += 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return out


# --------------------------------------------------------------------------------------- ours


def ours(binary, path):
    """{connection key: {"client", "server", "pairs": [...]}} and the server ports, from our JSON."""
    proc = subprocess.run([binary, "analyze", "--list-all", "--format", "json", path], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)
    if proc.returncode not in (0, 1, 2) or not proc.stdout:
        raise RuntimeError("callback-doctor failed on %s (exit %d): %s"
                           % (path, proc.returncode, proc.stderr.decode(errors="replace").strip()))
    report = json.loads(proc.stdout)
    connections, ports = {}, set()
    exchanges = [e for e in report["exchanges"] if e.get("request") or e.get("response")]
    exchanges.sort(key=lambda e: (e["connection"]["id"], e["connection"]["index"]))
    for e in exchanges:
        client = parse_endpoint(e["connection"]["client"])
        server = parse_endpoint(e["connection"]["server"])
        ports.add(int(server.rsplit(":", 1)[1]))
        request, response = e.get("request"), e.get("response")
        pair = (request["method"] if request else None, request["target"] if request else None,
                response["status"] if response else None)
        entry = connections.setdefault(connection_key(client, server),
                                       {"client": client, "server": server, "pairs": []})
        entry["pairs"].append(pair)
    return connections, ports


# ------------------------------------------------------------------------------------- tshark


_HTTP_PORTS = None


def tshark_http_ports():
    """Ports tshark decodes as HTTP without being told (`tshark -G decodes`)."""
    global _HTTP_PORTS
    if _HTTP_PORTS is None:
        out = subprocess.run(["tshark", "-G", "decodes"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             universal_newlines=True).stdout
        _HTTP_PORTS = {int(f[1]) for f in (line.split("\t") for line in out.splitlines())
                       if len(f) == 3 and f[0] == "tcp.port" and f[2] == "http"}
    return _HTTP_PORTS


def tshark_version():
    out = subprocess.run(["tshark", "--version"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         universal_newlines=True).stdout
    return out.splitlines()[0] if out else "tshark"


def find_key(node, key):
    """The first value of `key` anywhere in a tshark JSON subtree (request/status lines nest
    their fields under an object keyed by the line's text)."""
    if isinstance(node, dict):
        if key in node:
            return node[key]
        for value in node.values():
            found = find_key(value, key)
            if found is not None:
                return found
    elif isinstance(node, list):
        for value in node:
            found = find_key(value, key)
            if found is not None:
                return found
    return None


def first(value):
    return value[0] if isinstance(value, list) else value


def tshark_reading(path, ports):
    """tshark's pairs, read with and without out-of-order reassembly; the reading with more
    answered requests is used ("where it helps"), the default one on a tie."""
    def answered(reading):
        return sum(1 for c in reading[0].values() for pair in c["pairs"] if pair[2] is not None)

    def unanswered(reading):
        return sum(1 for c in reading[0].values() for pair in c["pairs"] if pair[2] is None)

    default = tshark_pairs(path, ports, out_of_order=False)
    if unanswered(default) == 0:
        return default + (False,)  # nothing the second reading could add
    reordered = tshark_pairs(path, ports, out_of_order=True)
    return reordered + (True,) if answered(reordered) > answered(default) else default + (False,)


def tshark_pairs(path, ports, out_of_order):
    extra = sorted(p for p in ports if p not in tshark_http_ports())
    command = ["tshark", "-n", "-r", path] + TSHARK_OPTIONS + (OUT_OF_ORDER if out_of_order else [])
    for port in extra:
        command += ["-d", "tcp.port==%d,http" % port]
    command += ["-Y", "http", "-T", "json", "--no-duplicate-keys", "-J", "frame tcp ip ipv6 http"]
    proc = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    text = proc.stdout.decode("utf-8", errors="replace").strip()
    packets = json.loads(text) if text else []
    requests = {}   # request frame -> indices into order
    answered_in = {}  # response frame -> indices into order of the requests naming it (http.response_in)
    order = []      # (stream key, frame, occurrence, kind, data)
    responses = []  # (stream key, frame, occurrence, status, request_in, client, server)
    for packet in packets:
        layers = packet["_source"]["layers"]
        frame = int(first(layers["frame"]["frame.number"]))
        # The innermost IP header: tunnels (VXLAN, L2TP, GRE) put several in one frame, merged
        # into a list per key by --no-duplicate-keys, in the order the layers appear.
        ip_keys = [k for k in layers if k in ("ip", "ipv6")]
        tcp = layers.get("tcp")
        if not ip_keys or tcp is None:
            continue
        ip = layers[ip_keys[-1]]
        ip = ip[-1] if isinstance(ip, list) else ip
        tcp = tcp[-1] if isinstance(tcp, list) else tcp
        if "ip.src" in ip:
            src_ip, dst_ip = first(ip["ip.src"]), first(ip["ip.dst"])
        else:
            src_ip, dst_ip = first(ip["ipv6.src"]), first(ip["ipv6.dst"])
        src = endpoint(src_ip, int(first(tcp["tcp.srcport"])))
        dst = endpoint(dst_ip, int(first(tcp["tcp.dstport"])))
        key = (int(first(tcp["tcp.stream"])), connection_key(src, dst))
        http = layers.get("http")
        messages = http if isinstance(http, list) else [http]
        for occurrence, message in enumerate(messages):
            if not isinstance(message, dict):
                continue
            method = find_key(message, "http.request.method")
            status = find_key(message, "http.response.code")
            if method is not None:
                uri = find_key(message, "http.request.uri")
                response_in = message.get("http.response_in")
                requests.setdefault(frame, []).append(len(order))
                if response_in is not None:
                    answered_in.setdefault(int(first(response_in)), []).append(len(order))
                order.append([key, frame, occurrence, "request", [first(method), first(uri) if uri is not None else "",
                                                                  None], src, dst])
            elif status is not None:
                request_in = message.get("http.request_in")
                responses.append((key, frame, occurrence, int(first(status)),
                                  int(first(request_in)) if request_in is not None else None, src, dst))
    # Attach each final response to its request: the request it names (http.request_in), or
    # else a request that names its frame (http.response_in; tshark sets only that side when
    # several responses share a frame); the first of them still open.
    for key, frame, occurrence, status, request_in, src, dst in responses:
        if 100 <= status < 200 and status != 101:
            continue
        attached = False
        candidates = requests.get(request_in, []) if request_in is not None else answered_in.get(frame, [])
        for index in candidates:
            entry = order[index]
            if entry[0] == key and entry[4][2] is None:
                entry[4][2] = status
                attached = True
                break
        if not attached:
            order.append([key, frame, occurrence, "response", [None, None, status], dst, src])
    order.sort(key=lambda e: (e[0][0], e[1], e[2]))
    connections = {}
    for key, frame, occurrence, kind, pair, client, server in order:
        entry = connections.setdefault(key[1], {"client": client, "server": server, "pairs": []})
        entry["pairs"].append(tuple(pair))
    return connections, extra, proc.returncode


# ---------------------------------------------------------------------------------- comparing


def compare_file(binary, path):
    name = os.path.basename(path)
    try:
        mine, ports = ours(binary, path)
        theirs, extra_ports, tshark_status, out_of_order = tshark_reading(path, ports)
    except (RuntimeError, ValueError, KeyError) as error:
        return {"file": name, "error": str(error), "tshark": 0, "ours": 0, "matched": 0, "differences": []}
    differences = []
    matched = tshark_total = ours_total = 0
    for key in sorted(set(mine) | set(theirs)):
        left = theirs.get(key, {}).get("pairs", [])
        right = mine.get(key, {}).get("pairs", [])
        info = mine.get(key) or theirs.get(key)
        label = "%s -> %s" % (info["client"], info["server"])
        pairs = lcs_match(left, right)
        matched += len(pairs)
        tshark_total += len(left)
        ours_total += len(right)
        used_left = {i for i, _ in pairs}
        used_right = {j for _, j in pairs}
        for i, pair in enumerate(left):
            if i not in used_left:
                differences.append((name, label, "tshark-only", pair_text(pair)))
        for j, pair in enumerate(right):
            if j not in used_right:
                differences.append((name, label, "ours-only", pair_text(pair)))
    return {"file": name, "tshark": tshark_total, "ours": ours_total, "matched": matched,
            "extraPorts": extra_ports, "outOfOrder": out_of_order, "tsharkExit": tshark_status,
            "differences": differences}


# -------------------------------------------------------------------------------------- table

TABLE_HEADER = """# Differences between callback-doctor and tshark on ../shared/corpus/http

Generated rows come from `python3 conformance/compare_with_tshark.py --write-table`; the
reasons are written by hand (see conformance/README.md). Every difference the script finds must
be listed here with its reason; `--check` (and `Tests/EndToEndTests/ConformanceTests.swift`)
fail on an unlisted one. `side` says who has the pair: `tshark-only` lowers the agreement,
`ours-only` does not but must still be explained. A pair is `[method, target, final status]`,
null where that part was not seen.

| file | connection | side | pair | count | reason |
|---|---|---|---|---|---|
"""


def escape_cell(text):
    return text.replace("\\", "\\\\").replace("|", "\\|")


def unescape_cell(text):
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in "\\|":
            out.append(text[i + 1])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def split_row(line):
    cells, current, i = [], [], 0
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body):
            current.append(body[i:i + 2])
            i += 2
            continue
        if body[i] == "|":
            cells.append("".join(current).strip())
            current = []
        else:
            current.append(body[i])
        i += 1
    cells.append("".join(current).strip())
    return [unescape_cell(c) for c in cells]


def read_table(path):
    """{(file, connection, side, pair): (count, reason)} from the markdown table."""
    rows = {}
    if not os.path.exists(path):
        return rows, ""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    notes = ""
    in_table = False
    for line in text.splitlines():
        if line.startswith("| file |"):
            in_table = True
            continue
        if in_table and line.startswith("|---"):
            continue
        if in_table and line.startswith("|"):
            cells = split_row(line)
            if len(cells) != 6:
                raise SystemExit("%s: a row does not have 6 cells: %s" % (path, line))
            file, connection, side, pair, count, reason = cells
            pair = pair.strip("`")
            rows[(file, connection, side, pair)] = (int(count), reason)
            continue
        if in_table and not line.strip().startswith("|"):
            in_table = False
        if not in_table and rows:
            notes += line + "\n"
    return rows, notes.strip()


def write_table(path, found, old, notes):
    """Rewrites the rows for the differences `found`, keeping each one's reason from `old`, and
    the hand-written notes after the table."""
    with open(path, "w", encoding="utf-8") as f:
        f.write(TABLE_HEADER)
        for key in sorted(found):
            file, connection, side, pair = key
            reason = old.get(key, (0, UNEXPLAINED))[1]
            f.write("| %s | %s | %s | `%s` | %d | %s |\n" % (
                escape_cell(file), escape_cell(connection), side, escape_cell(pair), found[key], escape_cell(reason)))
        if notes:
            f.write("\n" + notes + "\n")


# --------------------------------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", help="captures (default: every capture in --corpus)")
    parser.add_argument("--binary", default=DEFAULT_BINARY)
    parser.add_argument("--corpus", default=DEFAULT_CORPUS)
    parser.add_argument("--table", default=DEFAULT_TABLE)
    parser.add_argument("--check", action="store_true", help="exit 1 below 97 %% or on unlisted differences")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--write-table", action="store_true", help="rewrite the table's rows, keeping reasons")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()

    if not os.access(args.binary, os.X_OK):
        raise SystemExit("no callback-doctor binary at %s (swift build first, or pass --binary)" % args.binary)
    files = args.files or sorted(os.path.join(args.corpus, f) for f in os.listdir(args.corpus)
                                 if f.endswith(CAPTURE_SUFFIXES))
    tshark_http_ports()
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(lambda p: compare_file(args.binary, p), files))

    found = Counter()
    for r in results:
        found.update(r["differences"])
    table, notes = read_table(args.table)
    if args.write_table:
        write_table(args.table, found, table, notes)
        table, _ = read_table(args.table)
    unlisted, stale = [], []
    for key, count in sorted(found.items()):
        listed = table.get(key)
        if listed is None or listed[0] != count or listed[1] in ("", UNEXPLAINED):
            unlisted.append({"file": key[0], "connection": key[1], "side": key[2], "pair": key[3], "count": count,
                             "listedCount": listed[0] if listed else 0})
    for key, (count, _) in sorted(table.items()):
        if key not in found:
            stale.append({"file": key[0], "connection": key[1], "side": key[2], "pair": key[3], "count": count})

    tshark_total = sum(r["tshark"] for r in results)
    matched = sum(r["matched"] for r in results)
    ratio = matched / tshark_total if tshark_total else 1.0
    errors = [r for r in results if "error" in r]
    ok = ratio >= THRESHOLD and not unlisted and not errors

    if args.json:
        print(json.dumps({
            "tshark": tshark_version(), "threshold": THRESHOLD,
            "total": {"tshark": tshark_total, "ours": sum(r["ours"] for r in results), "matched": matched,
                      "agreement": ratio},
            "files": [dict({k: v for k, v in r.items() if k != "differences"}, differences=len(r["differences"]))
                      for r in results],
            "differences": sum(found.values()), "unlisted": unlisted, "stale": stale,
            "errors": [{"file": r["file"], "error": r["error"]} for r in errors], "ok": ok,
        }, indent=1))
    else:
        print("callback-doctor vs %s, %d captures" % (tshark_version(), len(results)))
        print("%-70s %7s %7s %7s %8s  %s" % ("file", "tshark", "ours", "agree", "", "tshark reading"))
        for r in results:
            if "error" in r:
                print("%-70s ERROR %s" % (r["file"], r["error"]))
                continue
            pct = "%.1f%%" % (100.0 * r["matched"] / r["tshark"]) if r["tshark"] else "-"
            print("%-70s %7d %7d %7d %8s  %s" % (r["file"], r["tshark"], r["ours"], r["matched"], pct,
                                                 "out-of-order" if r["outOfOrder"] else "default"))
        print("TOTAL: %d of tshark's %d pairs found with the same values = %.2f%% (threshold %.0f%%)"
              % (matched, tshark_total, 100.0 * ratio, 100 * THRESHOLD))
        print("differences: %d (%d distinct); unlisted or unexplained: %d; stale table rows: %d"
              % (sum(found.values()), len(found), len(unlisted), len(stale)))
        for u in unlisted:
            print("  UNLISTED %s | %s | %s | %s x%d" % (u["file"], u["connection"], u["side"], u["pair"], u["count"]))
        for s in stale:
            print("  stale    %s | %s | %s | %s" % (s["file"], s["connection"], s["side"], s["pair"]))
    if args.check and not ok:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
