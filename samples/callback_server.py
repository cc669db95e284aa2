#!/usr/bin/env python3
"""A deliberately misbehaving HTTP callback server for recording callback-doctor samples.

Raw sockets (Python stdlib only), so every byte on the wire is chosen here. One behaviour per
listening port (table in scenarios.py); the `refused` port gets no listener. Listens on 127.0.0.1
(and ::1 for IPv6 scenarios) only.

Usage: callback_server.py [--ready-file PATH] [--port-offset N] [--only NAME ...]
Runs until SIGINT/SIGTERM. Writes PATH (if given) once every listener is bound.
"""
import argparse
import base64
import gzip
import hashlib
import os
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
from email.utils import formatdate
from urllib.parse import unquote

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep samples/ free of __pycache__
sys.path.insert(0, HERE)
from scenarios import scenarios  # noqa: E402
from fake_oss import handle_upload  # noqa: E402

SERVER = "callback-doctor-samples/1.0"
TLS_CERT = os.path.join(HERE, "keys", "test-tls-cert.pem")
TLS_KEY = os.path.join(HERE, "keys", "test-tls-key.pem")
# HTTPS behaviours: the HTTP behaviour behind the TLS layer (None: the handshake fails first).
TLS_BEHAVIOURS = {"tls-good": "good-json", "tls-slow-6s": "slow-6s", "tls-silent": "silent",
                  "tls-sni-required": None, "tls-version-mismatch": None}
GOOD = b'{"Status":"OK"}'


def log(msg):
    sys.stderr.write("[server %s] %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


def run_until_signalled(ready_file):
    """Writes this process's pid to `ready_file` (when given: the recording scripts wait for it)
    and returns when SIGTERM or SIGINT arrives; the servers' listeners run on daemon threads."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    if ready_file:
        with open(ready_file, "w") as f:
            f.write("%d\n" % os.getpid())
    while not stop.wait(0.2):
        pass


def http_date():
    return formatdate(usegmt=True)


def read_request(conn, buf=b""):
    """Read one HTTP/1.x request (headers + Content-Length body). Returns (request_bytes, rest)
    or (None, buf) on EOF before a complete request."""
    while b"\r\n\r\n" not in buf:
        chunk = conn.recv(65536)
        if not chunk:
            return None, buf
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None, buf
        rest += chunk
    return head + b"\r\n\r\n" + rest[:length], rest[length:]


def response(status, reason, headers, body=b"", version=b"HTTP/1.1"):
    lines = [version + b" %d " % status + reason.encode()]
    for k, v in headers:
        lines.append(k.encode() + b": " + v.encode())
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def json_response(status, reason, body, extra=()):
    hs = [("Date", http_date()), ("Server", SERVER)] + list(extra) + [
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(body))),
        ("Connection", "close"),
    ]
    return response(status, reason, hs, body)


STATUS = {
    "status-400": (400, "Bad Request", b'{"Status":"Error","Message":"bad request"}', ()),
    "status-404": (404, "Not Found", b'{"Status":"Error","Message":"not found"}', ()),
    "status-500": (500, "Internal Server Error",
                   b'{"Status":"Error","Message":"internal error"}', ()),
    "status-502": (502, "Bad Gateway", b'{"Status":"Error","Message":"bad gateway"}', ()),
    "status-201": (201, "Created", GOOD, ()),
    "status-302": (302, "Found", b'{"Status":"Moved","Location":"/oss/callback-new"}',
                   (("Location", "http://127.0.0.1:9001/oss/callback-new"),)),
}


def handle_callback(conn, behaviour):
    req, _ = read_request(conn)
    if req is None:
        log("%s: client closed before a complete request" % behaviour)
        return
    first = req.split(b"\r\n", 1)[0].decode("latin-1")
    log("%s: %s (%d bytes)" % (behaviour, first, len(req)))

    if behaviour == "good-json":
        conn.sendall(json_response(200, "OK", GOOD))
    elif behaviour == "bom-json":
        conn.sendall(json_response(200, "OK", b"\xef\xbb\xbf" + GOOD))
    elif behaviour == "plain-ok":
        body = b"OK"
        conn.sendall(response(200, "OK", [
            ("Date", http_date()), ("Server", SERVER), ("Content-Type", "text/plain"),
            ("Content-Length", str(len(body))), ("Connection", "close")], body))
    elif behaviour == "html-error-page":
        body = (b"<!DOCTYPE html>\n<html><head><title>Error</title></head>\n"
                b"<body><h1>Something went wrong</h1>\n"
                b"<p>The application could not process your request.</p></body></html>\n")
        conn.sendall(response(200, "OK", [
            ("Date", http_date()), ("Server", SERVER),
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(body))), ("Connection", "close")], body))
    elif behaviour in STATUS:
        code, reason, body, extra = STATUS[behaviour]
        conn.sendall(json_response(code, reason, body, extra))
    elif behaviour == "status-204":
        # RFC 9110: no body and no Content-Length in a 204.
        conn.sendall(response(204, "No Content", [
            ("Date", http_date()), ("Server", SERVER), ("Connection", "close")]))
    elif behaviour in ("slow-6s", "slow-4_5s"):
        time.sleep(6.0 if behaviour == "slow-6s" else 4.5)
        try:
            conn.sendall(json_response(200, "OK", GOOD))
        except OSError as e:  # the client may have given up and reset us
            log("%s: late write failed: %s" % (behaviour, e))
    elif behaviour == "chunked":
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn.sendall(response(200, "OK", [
            ("Date", http_date()), ("Server", SERVER), ("Content-Type", "application/json"),
            ("Transfer-Encoding", "chunked"), ("Connection", "close")]))
        for part in (b'{"Sta', b'tus":', b'"OK"}'):
            time.sleep(0.05)
            conn.sendall(b"%x\r\n" % len(part) + part + b"\r\n")
        time.sleep(0.05)
        conn.sendall(b"0\r\n\r\n")
    elif behaviour == "gzip":
        body = gzip.compress(GOOD, mtime=0)
        conn.sendall(response(200, "OK", [
            ("Date", http_date()), ("Server", SERVER), ("Content-Type", "application/json"),
            ("Content-Encoding", "gzip"), ("Content-Length", str(len(body))),
            ("Connection", "close")], body))
    elif behaviour == "no-content-length":
        # HTTP/1.0 style: the body ends when the connection closes.
        conn.sendall(response(200, "OK", [
            ("Date", http_date()), ("Server", SERVER), ("Content-Type", "application/json")],
            GOOD, version=b"HTTP/1.0"))
    elif behaviour == "short-body":
        # What the public Python 3 sample server puts on the wire (facts §5): BaseHTTPRequestHandler
        # writes the status line and headers, then self.wfile.write(str) raises TypeError, so the
        # body never comes and the connection closes.
        conn.sendall(response(200, "OK", [
            ("Server", "BaseHTTP/0.6 Python/%d.%d.%d" % sys.version_info[:3]),
            ("Date", http_date()), ("Content-Type", "application/json"),
            ("Content-Length", "15")], b"", version=b"HTTP/1.0"))
    elif behaviour == "silent":
        # Never answer; wait for the client to give up, then close.
        conn.settimeout(30)
        try:
            while conn.recv(65536):
                pass
        except OSError:
            pass
    elif behaviour == "reset-after-request":
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    else:
        raise ValueError(behaviour)


# ---------------------------------------------------------------- signature-checking servers

PUBLIC_KEY = os.path.join(HERE, "keys", "test-callback-public.pem")


def request_parts(req):
    """(target, {lower-case header: value}, body) of one request read by read_request."""
    head, _, body = req.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    target = lines[0].split(b" ")[1].decode("latin-1")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers.setdefault(name.strip().lower().decode("latin-1"), value.strip().decode("latin-1"))
    return target, headers, body


def handle_double_hash_verifier(conn):
    """A server that verifies signatures, wrongly (the bug of aliyun-oss-python-sdk issue #272,
    facts §6 item 7): it hashes the string to sign with MD5 and then verifies the signature over
    that digest with MD5 again, so a genuine callback never verifies and gets 403."""
    req, _ = read_request(conn)
    if req is None:
        log("double-hash-403: client closed before a complete request")
        return
    target, headers, body = request_parts(req)
    path, sep, query = target.partition("?")
    sts = unquote(path).encode("utf-8") + (b"?" + query.encode() if sep and query else b"") + b"\n" + body
    digest = hashlib.md5(sts).digest()  # the bug: this digest is what gets verified (hashed again)
    ok = False
    try:
        sig = base64.b64decode(headers.get("authorization", ""), validate=True)
        with tempfile.NamedTemporaryFile() as f:
            f.write(sig)
            f.flush()
            r = subprocess.run(["openssl", "dgst", "-md5", "-verify", PUBLIC_KEY, "-signature",
                                f.name], input=digest, capture_output=True)
        ok = r.returncode == 0
    except (ValueError, OSError) as e:
        log("double-hash-403: %s" % e)
    log("double-hash-403: %s -> %s" % (target, "verified" if ok else "rejected"))
    if ok:
        conn.sendall(json_response(200, "OK", GOOD))
    else:
        conn.sendall(json_response(403, "Forbidden",
                                   b'{"Status":"Error","Message":"signature verification failed"}'))


def handle_accepts_anything(conn):
    """A server that never checks signatures (like the official samples without the key-URL
    prefix check, facts §3.2): every POST gets 200 and {"Status":"OK"}."""
    req, _ = read_request(conn)
    if req is None:
        log("accepts-anything: client closed before a complete request")
        return
    log("accepts-anything: %s (%d bytes), not verified" % (
        req.split(b"\r\n", 1)[0].decode("latin-1"), len(req)))
    conn.sendall(json_response(200, "OK", GOOD))


SIGNATURE_BEHAVIOURS = {
    "double-hash-403": handle_double_hash_verifier,
    "accepts-anything": handle_accepts_anything,
}


def handle_keepalive(conn, behaviour):
    """HTTP/1.1 persistent connection: answer each request until the client closes."""
    buf = b""
    n = 0
    while True:
        req, buf = read_request(conn, buf)
        if req is None:
            return
        n += 1
        line = req.split(b"\r\n", 1)[0]
        target = line.split(b" ")[1].decode("latin-1")
        log("%s: request %d %s" % (behaviour, n, line.decode("latin-1")))
        body = b'{"path":"%s","n":%d}\n' % (target.encode(), n)
        close = b"\r\nconnection: close" in req.lower()
        if behaviour == "pipelined" and n > 1:
            time.sleep(0.02)  # answer in order, as separate writes
        conn.sendall(response(200, "OK", [
            ("Date", http_date()), ("Server", SERVER), ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("Connection", "close" if close else "keep-alive")], body))
        if close:
            return


def tls_context(behaviour):
    """The server's TLS configuration for one HTTPS behaviour (Python's ssl, i.e. OpenSSL)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(TLS_CERT, TLS_KEY)
    if behaviour == "tls-sni-required":
        # Like a server or CDN with several certificates on one address: without SNI it cannot
        # pick one and aborts with a fatal unrecognized_name alert (RFC 6066 §3).
        def need_sni(sslobj, server_name, context):
            if server_name is None:
                return ssl.ALERT_DESCRIPTION_UNRECOGNIZED_NAME
            return None
        ctx.sni_callback = need_sni
    elif behaviour == "tls-version-mismatch":
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    elif behaviour == "tls-good":
        # TLS 1.2, so that both record-layer handshakes are recorded (the others negotiate 1.3).
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def serve_conn(conn, peer, behaviour):
    try:
        if behaviour in TLS_BEHAVIOURS:
            try:
                conn = tls_context(behaviour).wrap_socket(conn, server_side=True)
            except (ssl.SSLError, OSError) as e:
                log("%s: TLS handshake failed: %s" % (behaviour, e))
                return
            log("%s: TLS handshake done: %s %s" % (behaviour, conn.version(), conn.cipher()[0]))
            handle_callback(conn, TLS_BEHAVIOURS[behaviour])
        elif behaviour in ("keep-alive", "pipelined"):
            handle_keepalive(conn, behaviour)
        elif behaviour.startswith("upload-"):
            handle_upload(conn, behaviour, log)  # the fake OSS endpoint (fake_oss.py)
        elif behaviour in SIGNATURE_BEHAVIOURS:
            SIGNATURE_BEHAVIOURS[behaviour](conn)
        else:
            handle_callback(conn, behaviour)
    except Exception as e:  # noqa: BLE001 - a test server logs and carries on
        log("%s: %s from %s: %s" % (behaviour, type(e).__name__, peer, e))
    finally:
        try:
            conn.close()
        except OSError:
            pass


def listener(sock, behaviour):
    while True:
        try:
            conn, peer = sock.accept()
        except OSError:
            return
        threading.Thread(target=serve_conn, args=(conn, peer, behaviour), daemon=True).start()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ready-file")
    ap.add_argument("--port-offset", type=int, default=0,
                    help="add N to every scenario's port (give the sender the same offset)")
    ap.add_argument("--only", nargs="*", help="listen only for these scenarios")
    args = ap.parse_args()

    socks = []
    for s in scenarios(args.port_offset):
        if s["behaviour"] == "refused":
            continue
        if args.only and s["name"] not in args.only:
            continue
        if s["family"] == "ipv6":
            sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        else:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((s["host"], s["port"]))
        sock.listen(16)
        socks.append(sock)
        threading.Thread(target=listener, args=(sock, s["behaviour"]), daemon=True).start()
        log("listening %s port %d: %s" % (s["host"], s["port"], s["behaviour"]))

    run_until_signalled(args.ready_file)
    for sock in socks:
        sock.close()
    log("stopped")


if __name__ == "__main__":
    main()
