#!/usr/bin/env python3
"""Send OSS-like upload callbacks to callback_server.py and write the ground truth.

Behaves like Alibaba Cloud OSS (shared/reference/oss-callback-facts.md §2-§4): one TCP connection
per callback, `POST <path>?<query> HTTP/1.1` with OSS's headers, an RSA-MD5 (PKCS#1 v1.5)
signature in `authorization`, `Connection: close`, and it gives up (closes) when no complete
response has arrived 5 s after the last request byte (unless a scenario says otherwise).

Signing uses the `openssl` command-line tool (`openssl dgst -md5 -sign`), because the Python
standard library has no RSA. The key is samples/keys/test-callback-private.pem: a TEST key made
for these samples, NOT OSS's key. x-oss-pub-key-url still names OSS's real key URL (as OSS would),
so the signatures verify only with samples/keys/test-callback-public.pem.

HTTPS scenarios (`tls` in scenarios.py) wrap the connection in Python's ssl like OSS calling an
https:// callbackUrl with callbackSNI false: no server_name (no SNI), no certificate check.

Usage: oss_sender.py [--out recording.json] [--only NAME ...] [--port-offset N] [--timeout SECONDS]
"""
import argparse
import base64
import hashlib
import json
import os
import platform
import re
import shutil
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import time
from email.utils import formatdate
from urllib.parse import unquote

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep samples/ free of __pycache__
sys.path.insert(0, HERE)
from scenarios import CAPTURE_FILTERS, PORT_RANGES, scenarios  # noqa: E402
from fake_oss import upload_requests  # noqa: E402

SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # Linux <asm-generic/socket.h>

PRIVATE_KEY = os.path.join(HERE, "keys", "test-callback-private.pem")
PUBLIC_KEY = os.path.join(HERE, "keys", "test-callback-public.pem")
PUB_KEY_URL = "https://gosspublic.alicdn.com/callback_pub_key_v1.pem"
BUCKET = "examplebucket"
REQUESTER = "1234567890123456"  # made up
USER_AGENT = "aliyun-oss-callback"
PLAIN_UA = "samples-http-client/1.0"
GAP_BETWEEN_SCENARIOS = 0.2
# The script that records each scenario table (scenarios.py), named in the truth it writes.
RECORDERS = {"samples": "record.sh", "field": "record-field.sh", "all": "record-snaplen.sh",
             "stacks": "record-stacks.sh", "hints": "record-hints.sh"}
# Where each table's per-scenario captures go.
CAPTURE_DIRS = {"samples": "captures", "field": "captures/field", "stacks": "captures/stacks",
                "hints": "captures/hints"}


def log(msg):
    sys.stderr.write("[sender %s] %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


def rfc3339(ns):
    if ns is None:
        return None
    secs, frac = divmod(ns, 1_000_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs)) + ".%09dZ" % frac


def stamp(prefix, ns):
    """{prefix: RFC 3339 string, prefix+'Ns': int} so every time is in both forms."""
    return {prefix: rfc3339(ns), prefix + "Ns": ns}


def endpoint(addr):
    host, port = addr[0], addr[1]
    return ("[%s]:%d" % (host, port)) if ":" in host else ("%s:%d" % (host, port))


# ---------------------------------------------------------------- signing (openssl CLI)

def openssl_sign(data):
    r = subprocess.run(["openssl", "dgst", "-md5", "-sign", PRIVATE_KEY], input=data,
                       capture_output=True, check=True)
    return r.stdout


def openssl_verify(data, sig):
    with tempfile.NamedTemporaryFile() as f:
        f.write(sig)
        f.flush()
        r = subprocess.run(["openssl", "dgst", "-md5", "-verify", PUBLIC_KEY, "-signature",
                            f.name], input=data, capture_output=True)
    return r.returncode == 0 and b"Verified OK" in r.stdout


def string_to_sign(target, body):
    """facts §3.1: url_decode(path) + ('?' + raw query if there is one) + '\\n' + body."""
    path, sep, query = target.partition("?")
    s = unquote(path).encode("utf-8")
    if sep and query:
        s += b"?" + query.encode("ascii")
    return s + b"\n" + body


# ---------------------------------------------------------------- HTTP response parsing

def parse_response(buf, start, eof):
    """Parse one response from buf[start:]. Returns a dict (or None if no byte yet).
    'end' is the offset just after this response when 'complete'."""
    if start >= len(buf):
        return None
    r = {"headersComplete": False, "complete": False, "start": start}
    hend = buf.find(b"\r\n\r\n", start)
    if hend < 0:
        r["end"] = len(buf)
        return r
    head = buf[start:hend].decode("latin-1")
    lines = head.split("\r\n")
    parts = lines[0].split(" ", 2)
    r["headersComplete"] = True
    r["statusLine"] = lines[0]
    r["httpVersion"] = parts[0]
    try:
        r["status"] = int(parts[1])
    except (IndexError, ValueError):
        r["status"] = None
    r["reason"] = parts[2] if len(parts) > 2 else ""
    headers = []
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers.append([k, v.strip()])
    r["headers"] = headers
    hmap = {k.lower(): v for k, v in headers}
    bstart = hend + 4
    r["headerBytes"] = bstart - start
    code = r["status"] or 0
    cl = hmap.get("content-length")
    r["contentLength"] = int(cl) if cl is not None and cl.isdigit() else None
    if 100 <= code < 200 or code in (204, 304):
        r["framing"] = "no-body"
        body, end, complete = b"", bstart, True
    elif "chunked" in hmap.get("transfer-encoding", "").lower():
        r["framing"] = "chunked"
        body, pos, complete = b"", bstart, False
        while True:
            le = buf.find(b"\r\n", pos)
            if le < 0:
                break
            size = int(buf[pos:le].split(b";")[0], 16)
            if size == 0:
                te = buf.find(b"\r\n\r\n", le)  # no trailers here: 0\r\n\r\n
                if te >= 0 and te == le:
                    pos, complete = le + 4, True
                elif te >= 0:
                    pos, complete = te + 4, True
                break
            if le + 2 + size + 2 > len(buf):
                break
            body += buf[le + 2: le + 2 + size]
            pos = le + 2 + size + 2
        end = pos
    elif r["contentLength"] is not None:
        r["framing"] = "content-length"
        end = min(len(buf), bstart + r["contentLength"])
        body = buf[bstart:end]
        complete = len(body) == r["contentLength"]
    else:
        r["framing"] = "close-delimited"
        body, end, complete = buf[bstart:], len(buf), eof
    r["bodyBytes"] = len(body)
    r["complete"] = complete
    r["end"] = end
    r["_body"] = body
    return r


def time_of_offset(recvs, off):
    """recvs: list of (end_offset_exclusive, t_ns). Time of the recv() that returned byte off."""
    for end, t in recvs:
        if off < end:
            return t
    return None


def finish_response(r, buf, recvs):
    body = r.pop("_body", b"")
    out = {k: r[k] for k in ("status", "reason", "httpVersion", "statusLine", "headers",
                             "framing", "contentLength", "headerBytes", "bodyBytes")
           if k in r}
    out["headersComplete"] = r["headersComplete"]
    out["complete"] = r["complete"]
    out["bytesReceived"] = r["end"] - r["start"]
    out.update(stamp("firstByte", time_of_offset(recvs, r["start"])))
    out.update(stamp("lastByte", time_of_offset(recvs, r["end"] - 1) if r["end"] > r["start"]
                     else None))
    if r["headersComplete"]:
        out["bodyBase64"] = base64.b64encode(body).decode()
        try:
            out["bodyText"] = body.decode("utf-8")
        except UnicodeDecodeError:
            out["bodyText"] = None
        out["bodySha256"] = hashlib.sha256(body).hexdigest()
    return out


# ---------------------------------------------------------------- requests

def callback_request(s):
    obj = "photos/%s.jpg" % s["name"]
    etag = hashlib.md5(s["name"].encode()).hexdigest().upper()
    body = ("bucket=%s&object=%s&etag=%s&size=12345&mimeType=image%%2Fjpeg"
            % (BUCKET, obj.replace("/", "%2F"), etag)).encode()
    signed_target = s["target"]
    sent_target = s["rewrite_path"] or signed_target
    sts = string_to_sign(signed_target, body)
    sig = openssl_sign(sts)
    sent_sts = string_to_sign(sent_target, body)
    now = time.time()
    host = "[::1]" if s["family"] == "ipv6" else s["host"]  # OSS sends the host without a port
    headers = [
        ("Host", host),
        ("Connection", s["connection"]),
        ("Authorization", base64.b64encode(sig).decode()),
        ("Content-MD5", base64.b64encode(hashlib.md5(body).digest()).decode()),
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Content-Length", str(len(body))),
        ("Date", formatdate(now, usegmt=True)),
        ("User-Agent", USER_AGENT),
        ("x-oss-bucket", BUCKET),
        ("x-oss-pub-key-url", base64.b64encode(PUB_KEY_URL.encode()).decode()),
        ("x-oss-request-id", "%08X%s" % (int(now), os.urandom(8).hex().upper())),
        ("x-oss-requester", REQUESTER),
        ("x-oss-signature-version", "1.0"),
        ("x-oss-tag", "CALLBACK"),
    ] + list(s["extra_headers"])
    if s["accept_encoding"]:
        # Not OSS's (it sends no Accept-Encoding): a tester's client that asks for compression.
        headers.insert(2, ("Accept-Encoding", s["accept_encoding"]))
    if s["unsigned"]:
        # A forger's request that does not bother to sign: OSS's headers without Authorization.
        headers = [kv for kv in headers if kv[0] != "Authorization"]
    head = ("POST %s HTTP/1.1\r\n" % sent_target
            + "".join("%s: %s\r\n" % kv for kv in headers) + "\r\n").encode("latin-1")
    sig_info = {
        "scheme": "RSA PKCS#1 v1.5 over MD5, base64 (facts §3.1)",
        "signedWith": "samples/keys/test-callback-private.pem (TEST key, not OSS's)",
        "verifyWith": "samples/keys/test-callback-public.pem",
        "keyBits": key_bits(),
        "signedTarget": signed_target,
        "sentTarget": sent_target,
        "stringToSign": sts.decode("utf-8"),
        "stringToSignAsSent": sent_sts.decode("utf-8"),
        "validAsSigned": openssl_verify(sts, sig),
        "validAsSent": openssl_verify(sent_sts, sig),
    }
    if s["unsigned"]:
        sig_info = None
    return head, body, headers, sig_info


# ---------------------------------------------------------------- forged callbacks

FORGED_KEY_URL = "https://callback-keys.example.net/callback_pub_key_v1.pem"
_FORGER_KEY = None


def forger_key():
    """A key pair the forger made for itself (one per run, in a temporary file; never committed)."""
    global _FORGER_KEY
    if _FORGER_KEY is None:
        fd, path = tempfile.mkstemp(prefix="forger-", suffix=".pem")
        os.close(fd)
        subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                        "rsa_keygen_bits:1024", "-out", path], capture_output=True, check=True)
        _FORGER_KEY = path
    return _FORGER_KEY


def forged_callback_request(s):
    """Like callback_request, but from a forger: the same OSS-looking headers, a signature made
    with the forger's own key, and x-oss-pub-key-url pointing at the forger's host (facts §3.2:
    a server that fetches whatever key URL it is given trusts this signature)."""
    obj = "photos/%s.jpg" % s["name"]
    body = ("bucket=%s&object=%s&etag=%s&size=1&mimeType=image%%2Fjpeg"
            % (BUCKET, obj.replace("/", "%2F"), "0" * 32)).encode()
    target = s["target"]
    sts = string_to_sign(target, body)
    sig = subprocess.run(["openssl", "dgst", "-md5", "-sign", forger_key()], input=sts,
                         capture_output=True, check=True).stdout
    now = time.time()
    headers = [
        ("Host", s["host"]),
        ("Connection", "close"),
        ("Authorization", base64.b64encode(sig).decode()),
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Content-Length", str(len(body))),
        ("Date", formatdate(now, usegmt=True)),
        ("User-Agent", USER_AGENT),
        ("x-oss-bucket", BUCKET),
        ("x-oss-pub-key-url", base64.b64encode(FORGED_KEY_URL.encode()).decode()),
        ("x-oss-signature-version", "1.0"),
        ("x-oss-tag", "CALLBACK"),
    ]
    head = ("POST %s HTTP/1.1\r\n" % target
            + "".join("%s: %s\r\n" % kv for kv in headers) + "\r\n").encode("latin-1")
    sig_info = {
        "scheme": "RSA PKCS#1 v1.5 over MD5, base64 (facts §3.1)",
        "signedWith": "a key the forger generated for this run (not kept)",
        "verifyWith": "nothing we hold: the key URL names the forger's host " + FORGED_KEY_URL,
        "keyBits": 1024,
        "signedTarget": target,
        "sentTarget": target,
        "stringToSign": sts.decode("utf-8"),
        "stringToSignAsSent": sts.decode("utf-8"),
        "validAsSigned": openssl_verify(sts, sig),
        "validAsSent": openssl_verify(sts, sig),
    }
    return head, body, headers, sig_info


_KEY_BITS = None


def key_bits():
    global _KEY_BITS
    if _KEY_BITS is None:
        r = subprocess.run(["openssl", "pkey", "-pubin", "-in", PUBLIC_KEY, "-noout", "-text"],
                           capture_output=True, text=True, check=True)
        first = r.stdout.splitlines()[0]  # "Public-Key: (1024 bit)"
        _KEY_BITS = int(first.split("(")[1].split()[0])
    return _KEY_BITS


def plain_get(s, path, close=False):
    headers = [("Host", "%s:%d" % (s["host"], s["port"])), ("User-Agent", PLAIN_UA),
               ("Accept", "*/*"), ("Connection", "close" if close else "keep-alive")]
    head = ("GET %s HTTP/1.1\r\n" % path
            + "".join("%s: %s\r\n" % kv for kv in headers) + "\r\n").encode("latin-1")
    return head, headers


def request_record(method, target, headers, head, body, t0, t1, sig=None):
    rec = {"method": method, "target": target, "httpVersion": "HTTP/1.1",
           "headers": [list(kv) for kv in headers], "headerBytes": len(head),
           "bodyBytes": len(body), "totalBytes": len(head) + len(body),
           "bodyText": body.decode("latin-1")}
    rec.update(stamp("sendStart", t0))
    rec.update(stamp("sendEnd", t1))
    if sig is not None:
        rec["signature"] = sig
    elif method == "POST" and any(k == "x-oss-tag" for k, _ in headers):
        rec["signed"] = False  # an OSS-style callback sent without an Authorization header
    return rec


# ---------------------------------------------------------------- connection handling

class Conn:
    def __init__(self, s):
        fam = socket.AF_INET6 if s["family"] == "ipv6" else socket.AF_INET
        self.sock = socket.socket(fam, socket.SOCK_STREAM)
        self.sock.bind((s["host"], 0))  # loopback only; the kernel picks the port, we record it
        self.client = endpoint(self.sock.getsockname())
        self.server = endpoint((s["host"], s["port"]))
        self.buf = b""
        self.recvs = []  # (end offset, t_ns)
        self.eof = False
        self.error = None
        # The hints table (record-hints.sh) takes each received segment's time from the
        # kernel (SO_TIMESTAMPNS, the clock tcpdump's timestamps use) rather than from when
        # recv() returned, which trails by tens of ms on a machine busy with other work.
        self.kernel_stamps = s["table"] == "hints" and not s["tls"]
        if self.kernel_stamps:
            self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)

    def recv_once(self, deadline_ns):
        """One recv() bounded by the deadline. Returns False on timeout, error or EOF."""
        remaining = (deadline_ns - time.time_ns()) / 1e9
        if remaining <= 0:
            self.error = "timeout"
            return False
        self.sock.settimeout(remaining)
        try:
            data, stamp_ns = self.receive()
        except socket.timeout:
            self.error = "timeout"
            return False
        except (ConnectionResetError, ssl.SSLError):
            self.error = "reset"
            return False
        t = time.time_ns()
        if not data:
            self.eof = True
            self.eof_ns = t
            return False
        self.buf += data
        self.recvs.append((len(self.buf), stamp_ns or t))
        return True

    def receive(self):
        """recv(), and the kernel's receive time of the data when kernel_stamps (else None)."""
        if not self.kernel_stamps or isinstance(self.sock, ssl.SSLSocket):
            return self.sock.recv(65536), None
        data, ancillary, _, _ = self.sock.recvmsg(65536, 64)
        for level, kind, value in ancillary:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(value) >= 16:
                sec, nsec = struct.unpack("qq", value[:16])
                return data, sec * 1_000_000_000 + nsec
        return data, None

    def read_response(self, start, deadline_ns):
        """Read until the response at `start` is complete, EOF, error or deadline."""
        while True:
            r = parse_response(self.buf, start, self.eof)
            if r is not None and r["complete"] and r["framing"] != "close-delimited":
                return r
            if not self.recv_once(deadline_ns):
                return parse_response(self.buf, start, self.eof)


def run_callback(s):
    c = Conn(s)
    rec = {"client": c.client, "server": c.server}
    head, body, headers, sig = (forged_callback_request if s["forge"] else callback_request)(s)
    t = time.time_ns()
    rec.update(stamp("connectStart", t))
    c.sock.settimeout(s["timeout"])
    try:
        c.sock.connect((s["host"], s["port"]))
    except ConnectionRefusedError:
        rec.update(stamp("connectEnd", time.time_ns()))
        rec["outcome"] = "refused"
        rec["exchanges"] = [{"index": 0, "request": None, "response": None,
                             "latencySeconds": None}]
        c.sock.close()
        rec.update(stamp("clientClose", time.time_ns()))
        return rec
    rec.update(stamp("connectEnd", time.time_ns()))
    if s["cut_request_at"] is not None:
        return cut_request(c, s, rec, head, headers)
    if s["tls"]:
        tls = tls_handshake(c, s)
        rec["tls"] = tls
        if tls["handshake"] != "completed":
            t_close = time.time_ns()
            c.sock.close()
            rec.update(stamp("clientClose", t_close))
            rec["outcome"] = "tls-handshake-failed"
            rec["exchanges"] = [{"index": 0, "request": None, "response": None,
                                 "latencySeconds": None}]
            return rec
    t0 = time.time_ns()
    if s["split"]:
        c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        c.sock.sendall(head)
        time.sleep(0.01)
        c.sock.sendall(body)
    else:
        c.sock.sendall(head + body)
    t1 = time.time_ns()
    req = request_record("POST", s["rewrite_path"] or s["target"], headers, head, body, t0, t1,
                         sig)
    req["writes"] = 2 if s["split"] else 1
    deadline = t1 + int(s["timeout"] * 1e9)
    r = c.read_response(0, deadline)
    if r is None:
        outcome = {"timeout": "timeout-gave-up", "reset": "reset"}.get(
            c.error, "closed-without-response")
        resp = None
    else:
        resp = finish_response(r, c.buf, c.recvs)
        if r["complete"] or (c.eof and r["headersComplete"]):
            outcome = "response"  # complete, or headers + a body cut short by EOF (see complete)
        else:
            outcome = {"timeout": "timeout-gave-up", "reset": "reset"}.get(
                c.error, "closed-without-response")
    t_close = time.time_ns()
    c.sock.close()
    rec.update(stamp("clientClose", t_close))
    rec["outcome"] = outcome
    if outcome == "timeout-gave-up":
        rec["gaveUpAfterSeconds"] = round((t_close - t1) / 1e9, 6)
    lat = None
    if resp is not None and outcome == "response" and resp.get("framing") == "close-delimited" \
            and resp["complete"] and getattr(c, "eof_ns", None):
        # A close-delimited body ends with the connection (RFC 9112 §6.3 rule 8): at the EOF.
        lat = round((c.eof_ns - t1) / 1e9, 6)
    elif resp is not None and outcome == "response" and resp.get("lastByteNs"):
        lat = round((resp["lastByteNs"] - t1) / 1e9, 6)
    rec["exchanges"] = [{"index": 0, "request": req, "response": resp, "latencySeconds": lat}]
    if resp is None and outcome in ("closed-without-response", "reset"):
        rec["exchanges"][0]["connectionEnd"] = connection_end(c, "server", before_request=False)
    return rec


def connection_end(c, by, before_request):
    """How the connection of an unanswered request ended, as the sender saw it: who ended it
    (the side whose FIN or RST the sender met first, or itself), how, and whether the server
    had ended it before the request was written."""
    how = "fin" if (c.eof or by == "client") else "rst" if c.error == "reset" else None
    return {"by": by, "how": how, "beforeRequest": before_request}


def server_closed_already(c):
    """True when the server's FIN is already queued on the socket: a peek (MSG_PEEK |
    MSG_DONTWAIT, nothing consumed) returns end of stream."""
    timeout = c.sock.gettimeout()
    c.sock.setblocking(False)  # with a timeout set, Python would wait out EAGAIN
    try:
        return c.sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False
    except ConnectionResetError:
        return True
    finally:
        c.sock.settimeout(timeout)


def cut_request(c, s, rec, head, headers):
    """Writes only the first `cut_request_at` bytes of the request head, then closes (a client
    that stops mid-head); records what was written and waits for nothing."""
    part = head[:s["cut_request_at"]]
    c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    t0 = time.time_ns()
    c.sock.sendall(part)
    t1 = time.time_ns()
    time.sleep(0.01)
    t_close = time.time_ns()
    c.sock.close()
    rec.update(stamp("clientClose", t_close))
    rec["outcome"] = "client-closed-mid-request"
    text = part.decode("latin-1")
    whole = [kv for kv in headers if "%s: %s\r\n" % kv in text]
    req = request_record("POST", s["target"], whole, part, b"", t0, t1)
    req.update(complete=False, headText=text, intendedHeaderBytes=len(head),
               note="the client wrote only these %d bytes of the head, then closed; headers "
                    "lists the header lines that were written whole" % len(part))
    req["writes"] = 1
    rec["exchanges"] = [{"index": 0, "request": req, "response": None, "latencySeconds": None,
                         "connectionEnd": connection_end(c, "client", before_request=False)}]
    return rec


def run_keepalive_callbacks(s):
    """Two signed callbacks on one connection (Connection: keep-alive): the second is sent
    100 ms after the first response, whether or not the server has closed since."""
    requests = [callback_request(s) for _ in range(2)]  # signed first: the gap is the pause
    c = Conn(s)
    rec = {"client": c.client, "server": c.server}
    rec.update(stamp("connectStart", time.time_ns()))
    c.sock.settimeout(s["timeout"])
    c.sock.connect((s["host"], s["port"]))
    rec.update(stamp("connectEnd", time.time_ns()))
    c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    exchanges, start, outcome = [], 0, "response"
    for i, (head, body, headers, sig) in enumerate(requests):
        closed_before = server_closed_already(c)
        t0 = time.time_ns()
        try:
            c.sock.sendall(head + body)
        except (BrokenPipeError, ConnectionResetError) as e:
            log("%s: request %d not sent: %s" % (s["name"], i, e))
            break
        t1 = time.time_ns()
        r = c.read_response(start, t1 + int(s["timeout"] * 1e9))
        resp = finish_response(r, c.buf, c.recvs) if r else None
        lat = round((resp["lastByteNs"] - t1) / 1e9, 6) if resp and r["complete"] else None
        exchanges.append({"index": i, "request": request_record(
            "POST", s["target"], headers, head, body, t0, t1, sig), "response": resp,
            "latencySeconds": lat})
        if not (r and r["complete"]):
            outcome = {"timeout": "timeout-gave-up", "reset": "reset"}.get(
                c.error, "closed-without-response")
            exchanges[-1]["connectionEnd"] = connection_end(c, "server", closed_before)
            exchanges[-1]["connectionEnd"]["sawAfterRequest"] = c.error or ("eof" if c.eof else None)
            break
        start = r["end"]
        time.sleep(0.1)
    t_close = time.time_ns()
    c.sock.close()
    rec.update(stamp("clientClose", t_close))
    rec["outcome"] = outcome
    rec["exchanges"] = exchanges
    return rec


def tls_handshake(c, s):
    """Wraps c.sock in TLS as OSS would (no SNI, no certificate check) and records the result."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if s["tls_max"] == "1.2":
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    out = {"sni": None, "offeredMaxVersion": "TLS " + (s["tls_max"] or "1.3")}
    t = time.time_ns()
    tls = ctx.wrap_socket(c.sock, server_hostname=None, do_handshake_on_connect=False)
    try:
        tls.do_handshake()
    except (ssl.SSLError, OSError) as e:
        out.update(handshake="failed", version=None, error=str(e),
                   reason=getattr(e, "reason", None))
        out.update(stamp("handshakeEnd", time.time_ns()))
        c.sock = tls
        return out
    out.update(stamp("handshakeStart", t))
    out.update(stamp("handshakeEnd", time.time_ns()))
    out.update(handshake="completed", version={"TLSv1.3": "TLS 1.3", "TLSv1.2": "TLS 1.2"}.get(
        tls.version(), tls.version()), cipher=tls.cipher()[0], error=None, reason=None)
    c.sock = tls
    return out


def run_plain(s):
    c = Conn(s)
    rec = {"client": c.client, "server": c.server}
    rec.update(stamp("connectStart", time.time_ns()))
    c.sock.settimeout(s["timeout"])
    c.sock.connect((s["host"], s["port"]))
    rec.update(stamp("connectEnd", time.time_ns()))
    c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    exchanges = []
    if s["mode"] == "keepalive":
        start = 0
        for i, path in enumerate(["/health", "/status"]):
            head, headers = plain_get(s, path)
            t0 = time.time_ns()
            c.sock.sendall(head)
            t1 = time.time_ns()
            r = c.read_response(start, t1 + int(s["timeout"] * 1e9))
            resp = finish_response(r, c.buf, c.recvs) if r else None
            lat = round((resp["lastByteNs"] - t1) / 1e9, 6) if resp and r["complete"] else None
            exchanges.append({"index": i, "request": request_record(
                "GET", path, headers, head, b"", t0, t1), "response": resp,
                "latencySeconds": lat})
            start = r["end"] if r else len(c.buf)
            time.sleep(0.05)
    else:  # pipelined
        h1, hd1 = plain_get(s, "/first")
        h2, hd2 = plain_get(s, "/second", close=True)
        t0 = time.time_ns()
        c.sock.sendall(h1 + h2)  # one write: both requests leave before any response
        t1 = time.time_ns()
        deadline = t1 + int(s["timeout"] * 1e9)
        start = 0
        for i, (path, head, headers) in enumerate([("/first", h1, hd1), ("/second", h2, hd2)]):
            r = c.read_response(start, deadline)
            resp = finish_response(r, c.buf, c.recvs) if r else None
            lat = round((resp["lastByteNs"] - t1) / 1e9, 6) if resp and r["complete"] else None
            req = request_record("GET", path, headers, head, b"", t0, t1)
            req["writes"] = 1
            req["note"] = "both pipelined requests were written by one send(); times are shared"
            exchanges.append({"index": i, "request": req, "response": resp,
                              "latencySeconds": lat})
            start = r["end"] if r else len(c.buf)
        while c.recv_once(deadline):  # drain to the server's FIN
            pass
    t_close = time.time_ns()
    c.sock.close()
    rec.update(stamp("clientClose", t_close))
    rec["outcome"] = "response" if all(e["response"] and e["response"]["complete"]
                                       for e in exchanges) else "closed-without-response"
    rec["exchanges"] = exchanges
    return rec


def run_upload(s):
    """The uploader's side: each request of the scenario on one keep-alive connection to the
    fake OSS endpoint, one at a time (fake_oss.py)."""
    c = Conn(s)
    rec = {"client": c.client, "server": c.server}
    rec.update(stamp("connectStart", time.time_ns()))
    c.sock.settimeout(s["timeout"])
    c.sock.connect((s["host"], s["port"]))
    rec.update(stamp("connectEnd", time.time_ns()))
    c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    exchanges = []
    start = 0
    for i, (method, target, headers, body) in enumerate(upload_requests(s["name"])):
        head = ("%s %s HTTP/1.1\r\n" % (method, target)).encode() + b"".join(
            ("%s: %s\r\n" % kv).encode() for kv in headers) + b"\r\n"
        t0 = time.time_ns()
        c.sock.sendall(head + body)
        t1 = time.time_ns()
        r = c.read_response(start, t1 + int(s["timeout"] * 1e9))
        resp = finish_response(r, c.buf, c.recvs) if r else None
        lat = round((resp["lastByteNs"] - t1) / 1e9, 6) if resp and r["complete"] else None
        exchanges.append({"index": i, "request": request_record(method, target, headers, head, body, t0, t1),
                          "response": resp, "latencySeconds": lat})
        start = r["end"] if r else len(c.buf)
        time.sleep(0.05)
    t_close = time.time_ns()
    c.sock.close()
    rec.update(stamp("clientClose", t_close))
    rec["outcome"] = "response" if all(e["response"] and e["response"]["complete"]
                                       for e in exchanges) else "closed-without-response"
    rec["exchanges"] = exchanges
    return rec


def versions():
    def first_line(cmd):
        try:
            r = subprocess.run(cmd, capture_output=True, text=True)
            return (r.stdout or r.stderr).strip().splitlines()[0]
        except (OSError, IndexError):
            return None
    return {"python": platform.python_version(), "kernel": platform.release(),
            "openssl": first_line(["openssl", "version"]),
            "tcpdump": first_line(["tcpdump", "--version"])}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(HERE, "recording.json"))
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--port-offset", type=int, default=0,
                    help="add N to every scenario's port (give the server the same offset)")
    ap.add_argument("--timeout", type=float,
                    help="wait this long for a response instead of each scenario's own timeout")
    ap.add_argument("--table", choices=sorted(PORT_RANGES), default="samples",
                    help="which scenario table (scenarios.py): samples (record.sh), field "
                         "(record-field.sh) or all")
    ap.add_argument("--snaplen", type=int,
                    help="the capture keeps this many bytes per packet: write each scenario's "
                         "expect for it (expect_snaplen200) where it differs")
    args = ap.parse_args()

    if shutil.which("openssl") is None:
        sys.exit("oss_sender.py: the `openssl` command is required to sign callbacks "
                 "(Debian: apt-get install openssl)")
    for k in (PRIVATE_KEY, PUBLIC_KEY):
        if not os.path.exists(k):
            sys.exit("oss_sender.py: missing %s (record.sh creates the test key pair)" % k)

    out = []
    for s in scenarios(args.port_offset, args.table):
        if args.only and s["name"] not in args.only:
            continue
        if args.timeout is not None:
            s["timeout"] = args.timeout
        log("%-20s -> %s:%d (%s)" % (s["name"], s["host"], s["port"], s["behaviour"]))
        rec = {"name": s["name"], "behaviour": s["behaviour"], "isCallback": s["is_callback"],
               "isTLS": s["tls"],
               "port": s["port"], "family": s["family"],
               "capture": "%s/%s.pcap" % (CAPTURE_DIRS[s["table"]], s["name"]),
               "expect": s["expect"], "why": s["why"],
               "senderTimeoutSeconds": s["timeout"]}
        if s["stack"] is not None:
            rec["stack"] = s["stack"]
            rec["legs"] = s["legs"]
        if s["tshark_sees_no_response"]:
            rec["tsharkSeesNoResponse"] = True
        if args.snaplen == 200 and s["expect_snaplen200"] is not None:
            rec["expectUncut"] = s["expect"]
            rec["expect"] = s["expect_snaplen200"]
        if s["mode"] == "callback":
            res = run_callback(s)
        elif s["mode"] == "keepalive-callbacks":
            res = run_keepalive_callbacks(s)
        elif s["mode"] == "upload":
            res = run_upload(s)
        else:
            res = run_plain(s)
        exchanges = res.pop("exchanges")
        if s["exchange_expect"] is not None:
            for e in exchanges:
                e["expect"] = s["exchange_expect"][e["index"]]
        rec.update(res)
        rec["exchanges"] = exchanges
        lat = rec["exchanges"][0]["latencySeconds"]
        st = (rec["exchanges"][0]["response"] or {}).get("status")
        log("%-20s    outcome=%s status=%s latency=%s client=%s" % (
            s["name"], rec["outcome"], st, lat, rec["client"]))
        out.append(rec)
        time.sleep(s["linger_after"] + GAP_BETWEEN_SCENARIOS)

    doc = {
        "schemaVersion": 1,
        "description": ("Ground truth written by samples/oss_sender.py while samples/%s "
                        "captured the traffic. Times are the sender's own clock (time.time_ns(), "
                        "the same CLOCK_REALTIME the capture timestamps use), taken around its "
                        "socket calls, so they trail the wire times by microseconds."
                        % RECORDERS[args.table]),
        "portRange": list(PORT_RANGES[args.table]),
        "captureFilter": CAPTURE_FILTERS[args.table],
        "ossTimeoutSeconds": 5.0,
        "signing": {"tool": "openssl dgst -md5 -sign (OpenSSL command line)",
                    "privateKey": "keys/test-callback-private.pem",
                    "publicKey": "keys/test-callback-public.pem",
                    "pubKeyUrlHeader": PUB_KEY_URL,
                    "caveat": "TEST key pair made for these samples. x-oss-pub-key-url names "
                              "OSS's real key URL, but the signatures verify only with "
                              "keys/test-callback-public.pem, never with OSS's published key."},
        "fieldNotes": {
            "outcome": "response | timeout-gave-up | reset | refused | closed-without-response "
                       "| tls-handshake-failed | client-closed-mid-request (connection level, "
                       "from the sender's side). "
                       "'response' includes a response cut short by the server's close: see "
                       "response.complete.",
            "tls": "HTTPS scenarios only: sni (always null: no SNI sent, like OSS by default), "
                   "offeredMaxVersion, handshake (completed | failed), version (as Python's "
                   "ssl reports it), error and reason (OpenSSL's, for a failed handshake). "
                   "Request and response are what the sender wrote and read inside TLS; "
                   "on the wire they are encrypted.",
            "latencySeconds": "response last byte (time the sender's recv() returned it) minus "
                              "request last byte (time sendall() returned); null when the "
                              "sender got no response or gave up. For a body cut short "
                              "(short-body) it is the last byte that did arrive.",
            "expect": "callback-doctor rule ids (design/PRODUCT.md) this scenario is built to "
                      "trigger on its callback exchange; [] = no finding expected. An "
                      "exchange's own `expect` overrides it for that exchange; `expectUncut` "
                      "keeps the uncut truth where a snaplen recording's expect differs.",
            "exchanges": "one per request on the connection; a refused connection has one "
                         "exchange with request null (as in the report contract).",
            "connectionEnd": "on an exchange whose request got no response (closed or reset, "
                             "not a timeout): who ended the connection as the sender saw it "
                             "(by: server | client), how (fin | rst) and beforeRequest (the "
                             "server's FIN was already queued when the request was written).",
        },
        "recordedBy": versions(),
        "scenarios": out,
    }
    text = json.dumps(doc, indent=2, ensure_ascii=False)
    # header pairs on one line each: ["Name", "value"]
    text = re.sub(r'\[\s+("(?:[^"\\]|\\.)*"),\s+("(?:[^"\\]|\\.)*")\s+\]', r"[\1, \2]", text)
    json.loads(text)  # still the same JSON
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        f.write(text + "\n")
    os.replace(tmp, args.out)
    log("wrote %s (%d scenarios)" % (args.out, len(out)))


if __name__ == "__main__":
    main()
