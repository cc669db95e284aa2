#!/usr/bin/env python3
"""Cross-check samples/recording.json (what the sender saw) against samples/captures/ (what was
on the wire), using tshark as an independent reader. record.sh runs this after every recording.

For every scenario it checks, from the per-scenario pcap:
  - one TCP connection, from the recorded client ip:port to the recorded server ip:port;
  - request bytes on the wire == bytes the sender wrote; response bytes == bytes it received;
  - tshark's HTTP dissector (-d tcp.port==N,http) sees the recorded status codes;
  - wire latency (last response payload frame - last request payload frame) ~ recorded latency;
  - the outcome is visible on the wire (RST for refused/reset, client FIN ~5 s after the request
    for timeout-gave-up, no server payload before that FIN);
  - the callback signature, rebuilt from the captured request bytes, verifies with the test
    public key exactly when the recording says it should (validAsSent).
And for the combined captures: packet counts agree across the four files, their link types and
formats are as documented, and the per-scenario files add up to all-lo.pcap.

Usage: check_captures.py [-v]     (-v also prints tshark's one-line view of each HTTP message)
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from decimal import Decimal
from urllib.parse import unquote

HERE = os.path.dirname(os.path.abspath(__file__))
CAP = os.path.join(HERE, "captures")
PUBLIC_KEY = os.path.join(HERE, "keys", "test-callback-public.pem")

LATENCY_TOLERANCE_S = 0.020   # sender (after recv()/sendall() return) vs wire timestamps:
                              # usually < 0.3 ms apart, a few ms when Python is descheduled
GIVE_UP_TOLERANCE_S = 0.05


def tshark(pcap, *args):
    r = subprocess.run(["tshark", "-n", "-r", pcap] + list(args), capture_output=True,
                       text=True)
    if r.returncode != 0:
        raise RuntimeError("tshark failed on %s: %s" % (pcap, r.stderr.strip()))
    return r.stdout


FIELDS = ["frame.number", "frame.time_epoch", "ip.src", "ipv6.src", "tcp.srcport",
          "tcp.dstport", "tcp.flags.syn", "tcp.flags.fin", "tcp.flags.reset", "tcp.len",
          "tcp.stream", "tcp.payload"]


def packets(pcap):
    args = ["-T", "fields", "-E", "separator=\t", "-E", "occurrence=f"]
    for f in FIELDS:
        args += ["-e", f]
    out = []
    for line in tshark(pcap, *args).splitlines():
        v = dict(zip(FIELDS, line.split("\t")))
        out.append({
            "n": int(v["frame.number"]),
            "t": int(Decimal(v["frame.time_epoch"]) * 1_000_000_000),
            "src": v["ip.src"] or v["ipv6.src"],
            "sport": int(v["tcp.srcport"]), "dport": int(v["tcp.dstport"]),
            "syn": v["tcp.flags.syn"] in ("1", "True"),
            "fin": v["tcp.flags.fin"] in ("1", "True"),
            "rst": v["tcp.flags.reset"] in ("1", "True"),
            "len": int(v["tcp.len"] or 0), "stream": int(v["tcp.stream"]),
            "payload": bytes.fromhex(v.get("tcp.payload", "").replace(":", "")),
        })
    return out


def ep(addr, port):
    return ("[%s]:%d" % (addr, port)) if ":" in addr else ("%s:%d" % (addr, port))


def verify_sig(request_bytes):
    """Rebuild the string to sign from captured request bytes and verify it (facts §3.1).
    None when the request carries no authorization header (unsigned)."""
    head, _, body = request_bytes.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    target = lines[0].split(" ")[1]
    hdr = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        hdr[k.strip().lower()] = v.strip()
    import base64
    if "authorization" not in hdr:
        return None
    sig = base64.b64decode(hdr["authorization"])
    path, sep, query = target.partition("?")
    sts = unquote(path).encode("utf-8") + ((b"?" + query.encode()) if sep and query else b"")
    sts += b"\n" + body
    with tempfile.NamedTemporaryFile() as f:
        f.write(sig)
        f.flush()
        r = subprocess.run(["openssl", "dgst", "-md5", "-verify", PUBLIC_KEY, "-signature",
                            f.name], input=sts, capture_output=True)
    return r.returncode == 0


# The alert each failing HTTPS scenario must show on the wire (tls.alert_message.desc).
TLS_ALERTS = {"TLSV1_UNRECOGNIZED_NAME": "112", "TLSV1_ALERT_PROTOCOL_VERSION": "70"}


def check_tls_scenario(s, verbose):
    """An HTTPS scenario, through tshark's TLS dissector: the ClientHello and its SNI, the alert
    of a failed handshake, and the wire latency of the encrypted records."""
    errs, notes = [], []
    pcap = os.path.join(HERE, s["capture"])
    pk = packets(pcap)
    port = s["port"]
    if len({p["stream"] for p in pk}) != 1:
        errs.append("expected 1 TCP connection")
    syn = [p for p in pk if p["syn"] and p["dport"] == port]
    if not syn or ep(syn[0]["src"], syn[0]["sport"]) != s["client"]:
        errs.append("no SYN from the recorded client %s" % s["client"])
        return errs, notes, pk
    decode = ["-d", "tcp.port==%d,tls" % port]
    hellos = tshark(pcap, *decode, "-Y", "tls.handshake.type==1", "-T", "fields", "-e",
                    "tls.handshake.extensions_server_name").splitlines()
    if len(hellos) != 1:
        errs.append("expected one ClientHello, tshark found %d" % len(hellos))
    sni = [h for h in hellos if h.strip()]
    notes.append("ClientHello SNI (tshark): %s" % (sni[0] if sni else "none"))
    if (s["tls"]["sni"] is None) != (not sni):
        errs.append("SNI %s on the wire, %s recorded" % (sni, s["tls"]["sni"]))
    alerts = tshark(pcap, *decode, "-Y", "tls.alert_message.desc", "-T", "fields", "-e",
                    "tls.alert_message.desc").split()
    if s["tls"]["handshake"] == "failed":
        want = TLS_ALERTS.get(s["tls"]["reason"])
        notes.append("alerts (tshark): %s, sender saw %s" % (alerts, s["tls"]["reason"]))
        if want and want not in alerts:
            errs.append("expected alert %s on the wire, tshark saw %s" % (want, alerts))
    c2s = [p for p in pk if p["dport"] == port]
    s2c = [p for p in pk if p["sport"] == port]
    ex = s["exchanges"][0]
    client_fin = next((p["n"] for p in c2s if p["fin"]), None)
    if ex["latencySeconds"] is not None:
        send_end = ex["request"]["sendEndNs"]
        req = max((p for p in c2s if p["len"] and p["t"] <= send_end + 1_000_000),
                  key=lambda p: p["n"])
        resp = max((p for p in s2c if p["len"] and (client_fin is None or p["n"] < client_fin)),
                   key=lambda p: p["n"])
        wire = (resp["t"] - req["t"]) / 1e9
        notes.append("latency wire %.6f s (last request record to last response record), "
                     "sender %.6f s" % (wire, ex["latencySeconds"]))
        if abs(wire - ex["latencySeconds"]) > LATENCY_TOLERANCE_S:
            errs.append("latency differs by more than %.0f ms" % (LATENCY_TOLERANCE_S * 1e3))
    return errs, notes, pk


def check_scenario(s, verbose):
    if s.get("isTLS"):
        return check_tls_scenario(s, verbose)
    errs, notes = [], []
    pcap = os.path.join(HERE, s["capture"])
    pk = packets(pcap)
    port = s["port"]
    streams = sorted({p["stream"] for p in pk})
    if len(streams) != 1:
        errs.append("expected 1 TCP connection, found %d" % len(streams))
    syn = [p for p in pk if p["syn"] and p["dport"] == port]
    if not syn:
        errs.append("no SYN to port %d" % port)
        return errs, notes, pk
    client = ep(syn[0]["src"], syn[0]["sport"])
    if client != s["client"]:
        errs.append("client %s on the wire, %s recorded" % (client, s["client"]))
    c2s = [p for p in pk if p["dport"] == port]
    s2c = [p for p in pk if p["sport"] == port]
    srv = ep(s2c[0]["src"], port) if s2c else None
    if srv and srv != s["server"]:
        errs.append("server %s on the wire, %s recorded" % (srv, s["server"]))
    req_wire = b"".join(p["payload"] for p in c2s)
    resp_wire = b"".join(p["payload"] for p in s2c)
    reqs = [e["request"] for e in s["exchanges"] if e["request"]]
    resps = [e["response"] for e in s["exchanges"] if e["response"]]
    req_rec = sum(r["totalBytes"] for r in reqs)
    if len(req_wire) != req_rec:
        errs.append("request bytes: %d on the wire, %d written" % (len(req_wire), req_rec))
    client_fin = next((p for p in c2s if p["fin"]), None)
    last_req = max((p for p in c2s if p["len"]), key=lambda p: p["n"], default=None)

    outcome = s["outcome"]
    if outcome == "refused":
        if not (len(pk) == 2 and s2c and s2c[0]["rst"]):
            errs.append("refused: expected SYN then RST, got %d packets" % len(pk))
    elif outcome == "reset":
        if not any(p["rst"] for p in s2c):
            errs.append("reset: no RST from the server")
        if resp_wire:
            errs.append("reset: server sent %d payload bytes" % len(resp_wire))
    elif outcome == "timeout-gave-up":
        if client_fin is None or last_req is None:
            errs.append("timeout-gave-up: no client FIN / request")
        else:
            waited = (client_fin["t"] - last_req["t"]) / 1e9
            notes.append("client FIN %.3f s after the request" % waited)
            if abs(waited - s["senderTimeoutSeconds"]) > GIVE_UP_TOLERANCE_S:
                errs.append("gave up after %.3f s on the wire, expected %.1f" % (
                    waited, s["senderTimeoutSeconds"]))
            early = [p for p in s2c if p["len"] and p["n"] < client_fin["n"]]
            if early:
                errs.append("server payload before the client gave up")
            late = sum(p["len"] for p in s2c if p["n"] > client_fin["n"])
            if late:
                rst = any(p["rst"] for p in c2s if p["n"] > client_fin["n"])
                notes.append("%d response bytes arrived after the client's FIN%s" % (
                    late, ", answered by client RST" if rst else ""))
    else:
        got = sum(r["bytesReceived"] for r in resps)
        if len(resp_wire) != got:
            errs.append("response bytes: %d on the wire, %d received" % (len(resp_wire), got))

    # HTTP statuses as tshark's dissector sees them (-2 two-pass, as the project's reference).
    codes = tshark(pcap, "-2", "-d", "tcp.port==%d,http" % port, "-Y", "http.response",
                   "-T", "fields", "-e", "http.response.code").split()
    rec_codes = [str(r["status"]) for r in resps if r.get("status") is not None]
    if outcome in ("response", "closed-without-response", "reset") and codes != rec_codes:
        # tshark keeps a response whose body is cut short as a reassembly gap; note it.
        cut = [str(r["status"]) for r in resps if r.get("status") is not None and not r["complete"]]
        if s.get("tsharkSeesNoResponse") and codes == []:
            notes.append("tshark's HTTP dissector takes no response here (a lower-case status "
                         "line); recorded %s" % rec_codes)
        elif cut and codes == [c for c in rec_codes if c not in cut]:
            notes.append("tshark shows no http.response for the cut-short %s (body shorter than "
                         "Content-Length)" % ", ".join(cut))
        else:
            errs.append("tshark statuses %s, recorded %s" % (codes, rec_codes))
    if verbose:
        lines = tshark(pcap, "-2", "-d", "tcp.port==%d,http" % port, "-Y", "http").splitlines()
        notes += ["  | " + l.strip() for l in lines]

    # Latency on the wire vs recorded (callback exchanges with a response): the frame holding
    # the request's last byte to the frame holding the response's last byte.
    req_end = resp_end = 0
    for e in s["exchanges"]:
        if e["request"] is None:
            continue
        req_end += e["request"]["totalBytes"]
        if e["response"] is not None:
            resp_end += e["response"]["bytesReceived"]
        if not s["isCallback"] or e["latencySeconds"] is None or last_req is None:
            continue
        req_frame = frame_at(c2s, req_end - 1)
        resp_frame = frame_at(s2c, resp_end - 1)
        server_fin = next((p for p in s2c if p["fin"]), None)
        if (e["response"] or {}).get("framing") == "close-delimited" and server_fin is not None:
            resp_frame = server_fin  # the body ends with the connection (RFC 9112 §6.3 rule 8)
        wire = (resp_frame["t"] - req_frame["t"]) / 1e9
        notes.append("latency wire %.6f s, sender %.6f s%s" % (
            wire, e["latencySeconds"], " (exchange %d)" % e["index"] if e["index"] else ""))
        if abs(wire - e["latencySeconds"]) > LATENCY_TOLERANCE_S:
            errs.append("latency differs by more than %.0f ms" % (LATENCY_TOLERANCE_S * 1e3))
    ex = s["exchanges"][0]
    if s["isCallback"] and ex["latencySeconds"] is not None and last_req is not None:
        req = ex["request"]
        first_req = min((p for p in c2s if p["len"]), key=lambda p: p["n"])
        if not (req["sendStartNs"] - 1000 <= first_req["t"] <= req["sendEndNs"] + 1000):
            notes.append("first request frame %+d µs from sendStart" % (
                (first_req["t"] - req["sendStartNs"]) // 1000))

    # Signature, independently, from the wire bytes of each request.
    if s["isCallback"] and reqs:
        at = 0
        for r in reqs:
            ok = verify_sig(req_wire[at:at + r["totalBytes"]])
            at += r["totalBytes"]
            want = r["signature"]["validAsSent"] if "signature" in r else None
            notes.append("signature from wire bytes: %s" % {
                True: "verifies", False: "does NOT verify", None: "none (no authorization)"}[ok])
            if ok != want:
                errs.append("signature verifies=%s, recording says validAsSent=%s" % (ok, want))

    errs += check_unanswered(s, c2s, s2c, notes)
    return errs, notes, pk


def frame_at(frames, offset):
    """The payload frame holding stream byte `offset` (0 = the first payload byte; segments
    are neither lost nor retransmitted on loopback), or None past the end."""
    seen = 0
    for p in frames:
        if p["len"]:
            if seen + p["len"] > offset:
                return p
            seen += p["len"]
    return None


def first_frame_at(frames, offset):
    """The number of the frame holding stream byte `offset`, or None."""
    p = frame_at(frames, offset)
    return p["n"] if p else None


def check_unanswered(s, c2s, s2c, notes):
    """Requests the sender got no response to (other than timeouts, checked above): no server
    payload after the request, and which side ended the connection first, as the wire shows."""
    errs = []
    if s["outcome"] in ("timeout-gave-up", "refused"):
        return errs
    at = 0
    for e in s["exchanges"]:
        if e["request"] is None:
            continue
        req_start = first_frame_at(c2s, at)  # the frame carrying the request's first byte
        at += e["request"]["totalBytes"]
        if e["response"] is not None or req_start is None:
            continue
        after = [p for p in s2c if p["len"] and p["n"] > req_start]
        if after:
            errs.append("exchange %d: server payload after a request recorded as unanswered" % e["index"])
        ends = sorted([("server", p) for p in s2c if p["fin"] or p["rst"]]
                      + [("client", p) for p in c2s if p["fin"] or p["rst"]],
                      key=lambda x: x[1]["n"])
        desc = ["%s %s frame %d%s" % (side, "FIN" if p["fin"] else "RST", p["n"],
                                      " (before the request)" if p["n"] < req_start else "")
                for side, p in ends]
        notes.append("exchange %d unanswered; connection ends: %s" % (e["index"], ", ".join(desc)))
        if not ends:
            errs.append("exchange %d: no FIN or RST on the wire" % e["index"])
            continue
        # The sender's own account (connectionEnd) against the wire: the first FIN or RST.
        told = e.get("connectionEnd")
        side, first = ends[0]
        wire = {"by": side, "how": "fin" if first["fin"] else "rst",
                "beforeRequest": first["n"] < req_start}
        if told and any(told[k] != wire[k] for k in wire):
            errs.append("exchange %d: connectionEnd %s, the wire shows %s" % (
                e["index"], {k: told[k] for k in wire}, wire))
    return errs


# The combined captures of each recording (relative to captures/), with their format and link
# type as capinfos names them; the first is the one the per-scenario files are cut from.
COMBINED = {
    "recording.json": {"all-lo.pcap": ("pcap", "ether"), "all-lo-nano.pcap": ("nsecpcap", "ether"),
                       "all-any.pcap": ("pcap", "linux-sll2"), "all-lo.pcapng": ("pcapng", "ether")},
    "recording-field.json": {"field/all-lo.pcap": ("pcap", "ether")},
    "recording-hints.json": {"hints/all-lo.pcap": ("pcap", "ether")},
}


def capinfo(path):
    out = subprocess.run(["capinfos", "-T", "-r", "-t", "-E", "-c", path], capture_output=True,
                         text=True, check=True).stdout.strip().split("\t")
    return {"format": out[1], "encap": out[2], "packets": int(out[3])}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--recording", default="recording.json",
                    help="the truth to check: recording.json (record.sh) or recording-field.json "
                         "(record-field.sh)")
    args = ap.parse_args()
    rec = json.load(open(os.path.join(HERE, args.recording)))
    failed = 0
    total = 0
    for s in rec["scenarios"]:
        errs, notes, pk = check_scenario(s, args.verbose)
        total += len(pk)
        print("%-4s %-20s %-16s %3d pkts  outcome=%s" % (
            "FAIL" if errs else "ok", s["name"], s["client"], len(pk), s["outcome"]))
        for n in notes:
            print("       " + n)
        for e in errs:
            print("    !! " + e)
        failed += bool(errs)

    expect = COMBINED.get(args.recording, {})
    counts = {}
    for f, (fmt, enc) in expect.items():
        ci = capinfo(os.path.join(CAP, f))
        counts[f] = ci["packets"]
        status = "ok" if (ci["format"], ci["encap"]) == (fmt, enc) else "FAIL"
        failed += status != "ok"
        print("%-4s %-20s %s/%s, %d packets" % (status, f, ci["format"], ci["encap"],
                                                ci["packets"]))
    if len(set(counts.values())) != 1:
        print("FAIL combined captures disagree on the packet count: %s" % counts)
        failed += 1
    combined = next(iter(expect), None)
    if combined is None:
        print("info no combined captures known for %s" % args.recording)
    elif counts[combined] != total:
        print("FAIL per-scenario files hold %d packets, %s %d" % (total, combined, counts[combined]))
        failed += 1
    else:
        print("ok   per-scenario files add up to %s (%d packets)" % (combined, total))

    # Same packets, same clock: the µs capture's times are the ns capture's times truncated?
    if "all-lo-nano.pcap" not in expect:
        print("%d problem(s)" % failed)
        sys.exit(1 if failed else 0)
    lo = [p["t"] for p in packets(os.path.join(CAP, "all-lo.pcap"))]
    nano = [p["t"] for p in packets(os.path.join(CAP, "all-lo-nano.pcap"))]
    if len(lo) == len(nano):
        # Each capture has its own socket and its own timestamp per packet, so the same packet
        # carries slightly different times in the two files.
        diffs = [abs(a - b) for a, b in zip(lo, nano)]
        print("info same packet, all-lo.pcap vs all-lo-nano.pcap timestamps: max |diff| %.3f "
              "µs, mean %.3f µs (independent capture sockets)" % (
                  max(diffs) / 1e3, sum(diffs) / len(diffs) / 1e3))
    print("%d problem(s)" % failed)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
