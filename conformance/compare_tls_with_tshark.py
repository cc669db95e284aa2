#!/usr/bin/env python3
"""Compare callback-doctor's TLS ClientHello reading (SNI) with tshark's on the shared corpus.

    python3 conformance/compare_tls_with_tshark.py [--binary .build/debug/callback-doctor]
        [--corpus ../shared/corpus] [--check]

For every capture under the corpus (recursively) in which tshark's TLS dissector finds a
ClientHello over TCP (`-Y "tls.handshake.type==1 && tcp"`), runs `callback-doctor analyze
--format json --list-all` and compares the multiset of (client port, SNI or empty) pairs:
tshark's from `tcp.srcport` and `tls.handshake.extensions_server_name`, ours from each
exchange's `connection.client` and `tls.clientHello.sni`.

callback-doctor reads TLS only on connections whose client stream, seen from its first byte,
begins with a handshake record; tshark also finds ClientHellos after a SOCKS or HTTP CONNECT
preamble and on connections picked up mid-stream. Those are counted as "tshark only". `--check`
exits 1 when a ClientHello we did read disagrees with tshark (a different SNI, or one tshark
does not have).
"""
import argparse
import collections
import glob
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def tshark_hellos(path):
    r = subprocess.run(["tshark", "-n", "-r", path, "-Y", "tls.handshake.type==1 && tcp", "-T", "fields",
                        "-e", "tcp.srcport", "-e", "tls.handshake.extensions_server_name"],
                       capture_output=True, text=True, timeout=300)
    out = []
    for line in r.stdout.splitlines():
        if line.strip():
            fields = line.split("\t") + [""]
            out.append((fields[0], fields[1]))
    return out


def our_hellos(binary, path):
    r = subprocess.run([binary, "analyze", "--format", "json", "--list-all", "-q", path],
                       capture_output=True, text=True, timeout=600)
    try:
        report = json.loads(r.stdout)
    except ValueError:
        return None
    out = []
    for e in report["exchanges"]:
        hello = (e.get("tls") or {}).get("clientHello")
        if hello is not None:
            out.append((e["connection"]["client"].rsplit(":", 1)[1], hello["sni"] or ""))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default=os.path.join(ROOT, ".build/debug/callback-doctor"))
    ap.add_argument("--corpus", default=os.path.join(os.path.dirname(ROOT), "shared", "corpus"))
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    files = sorted(p for p in glob.glob(os.path.join(args.corpus, "**", "*"), recursive=True)
                   if p.endswith((".pcap", ".pcapng", ".cap")))
    totals = collections.Counter()
    bad = 0
    print("capture\ttshark\tours\tagree\ttshark-only\tours-only")
    for path in files:
        theirs = tshark_hellos(path)
        if not theirs:
            continue
        ours = our_hellos(args.binary, path)
        if ours is None:
            print("%s\tunreadable by callback-doctor" % os.path.basename(path))
            bad += 1
            continue
        t, o = collections.Counter(theirs), collections.Counter(ours)
        agree = sum((t & o).values())
        only_ours = sum((o - t).values())
        totals.update(tshark=len(theirs), ours=len(ours), agree=agree, tshark_only=len(theirs) - agree,
                      ours_only=only_ours)
        bad += only_ours > 0
        print("%s\t%d\t%d\t%d\t%d\t%d" % (os.path.basename(path), len(theirs), len(ours), agree,
                                          len(theirs) - agree, only_ours))
    print("total: tshark %(tshark)d ClientHellos over TCP, ours %(ours)d, same client port and SNI "
          "%(agree)d, tshark only %(tshark_only)d, ours only %(ours_only)d" % totals)
    if args.check and bad:
        sys.exit(1)


if __name__ == "__main__":
    main()
