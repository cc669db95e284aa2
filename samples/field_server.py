#!/usr/bin/env python3
"""Callback servers that behave like the ones met in the field (issue #16), for record-field.sh.

One behaviour per port, from FIELD_SCENARIOS in scenarios.py; 127.0.0.1 only:
  python-http-server-dies  a real http.server (BaseHTTPRequestHandler) whose handler writes the
                           head and all but the last 15 body bytes, then dies with an exception
  express-json-400         parses every request body as JSON (express.json({type: '*/*'}) style)
                           and answers a body it cannot parse with an express-like 400 HTML page
  close-after-request      reads the request, closes about 1 ms later without answering
  accepts-anything         200 {"Status":"OK"} without checking anything (callback_server.py's)
  keepalive-idle-close     HTTP/1.1 keep-alive with a 20 ms idle timeout: answers, then closes
  good-json                callback_server.py's (used with a client that closes mid-head)
  slow-body-5_8s           head at once (Content-Length the second header), body 5.8 s later
  chunked-slow-86ms        chunked: head, a chunk 40 ms later, the last chunk 86 ms after the head

Usage: field_server.py [--ready-file PATH] [--only NAME ...]
Runs until SIGINT/SIGTERM. Writes PATH (if given) once every listener is bound.
"""
import argparse
import http.server
import json
import os
import signal
import socket
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep samples/ free of __pycache__
sys.path.insert(0, HERE)
from scenarios import scenarios  # noqa: E402
from callback_server import (GOOD, SERVER, run_until_signalled, handle_accepts_anything, handle_callback,  # noqa: E402
                             http_date, json_response, log, read_request, request_parts,
                             response)

SHORT_BY = 15           # python-http-server-dies: body bytes never written
IDLE_TIMEOUT = 0.020    # keepalive-idle-close: the server's keep-alive idle timeout
SLOW_BODY_DELAY = 5.8   # slow-body-5_8s
CHUNK_DELAYS = (0.040, 0.046)  # chunked-slow-86ms: first chunk, then the last chunk


# ---------------------------------------------------------------- a real http.server that dies

class HandlerDied(Exception):
    """The deliberate crash of DyingHandler, after part of the body was written."""


class DyingHandler(http.server.BaseHTTPRequestHandler):
    """Python's own HTTP server code (HTTP/1.0, as BaseHTTPRequestHandler speaks by default): the
    head goes out in one write when end_headers() flushes it, the body in the next write. The
    handler writes all of the body but SHORT_BY bytes, then raises; socketserver catches it and
    closes the connection (shutdown + close: a FIN)."""

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        form = self.rfile.read(length).decode("latin-1")  # read all, so the close is a FIN
        obj = dict(p.partition("=")[::2] for p in form.split("&")).get("object", "")
        body = json.dumps({"Status": "OK", "Object": obj.replace("%2F", "/")},
                          separators=(",", ":")).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[:-SHORT_BY])
        raise HandlerDied("died after %d of %d body bytes" % (len(body) - SHORT_BY, len(body)))

    def log_message(self, fmt, *args):
        log("python-http-server-dies: " + fmt % args)


class DyingServer(http.server.HTTPServer):
    def handle_error(self, request, client_address):
        log("python-http-server-dies: handler raised %s; socketserver closes the connection" % (
            sys.exc_info()[1],))


# ---------------------------------------------------------------- raw-socket behaviours

def express_error_page(message):
    """The HTML an express-like framework's default error handler sends for an exception
    (development mode: the error's text and a short stack, HTML-escaped, in a <pre>)."""
    stack = [message, "at JSON.parse (&lt;anonymous&gt;)",
             "at parseJSONBody (/srv/callback-app/server.js:14:21)"]
    pre = "<br> &nbsp; &nbsp;".join(stack)
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<title>Error</title>\n</head>\n<body>\n<pre>%s</pre>\n</body>\n</html>\n" % pre).encode()


def v8_json_error(body):
    """The message Node's JSON.parse (V8 before Node 20) gives for `body`, or None when the body
    parses: 'Unexpected token <c> in JSON at position <n>' for the byte where Python's json
    parser stopped too, 'Unexpected end of JSON input' at the end."""
    try:
        json.loads(body.decode("utf-8"))
        return None
    except UnicodeDecodeError as e:
        return "Unexpected token in JSON at position %d" % e.start
    except json.JSONDecodeError as e:
        if e.pos >= len(e.doc):
            return "Unexpected end of JSON input"
        return "Unexpected token %s in JSON at position %d" % (e.doc[e.pos], e.pos)


def handle_express_json_400(conn):
    req, _ = read_request(conn)
    if req is None:
        log("express-json-400: client closed before a complete request")
        return
    _, _, body = request_parts(req)
    error = v8_json_error(body)
    if error is None:
        conn.sendall(json_response(200, "OK", GOOD))
        return
    log("express-json-400: SyntaxError: %s" % error)
    page = express_error_page("SyntaxError: " + error)
    conn.sendall(response(400, "Bad Request", [
        ("X-Powered-By", "Express"), ("Content-Security-Policy", "default-src 'none'"),
        ("X-Content-Type-Options", "nosniff"), ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Length", str(len(page))), ("Date", http_date()), ("Connection", "close")], page))


def handle_close_after_request(conn):
    req, _ = read_request(conn)
    if req is None:
        log("close-after-request: client closed before a complete request")
        return
    time.sleep(0.001)
    log("close-after-request: read %d bytes, closing without an answer" % len(req))
    # serve_conn closes: nothing unread, so the kernel sends a FIN (not a RST).


def handle_keepalive_idle_close(conn):
    """Answer requests on one connection until the client is idle for IDLE_TIMEOUT, then close."""
    buf = b""
    n = 0
    while True:
        conn.settimeout(None if n == 0 else IDLE_TIMEOUT)
        try:
            req, buf = read_request(conn, buf)
        except socket.timeout:
            log("keepalive-idle-close: idle %.0f ms after response %d, closing" % (
                IDLE_TIMEOUT * 1e3, n))
            return
        if req is None:
            return
        n += 1
        conn.sendall(response(200, "OK", [
            ("Date", http_date()), ("Server", SERVER), ("Content-Type", "application/json"),
            ("Content-Length", str(len(GOOD))), ("Connection", "keep-alive")], GOOD))


def sleep_until(deadline):
    """Sleeps until time.monotonic() reaches `deadline` (a schedule from one start, so that
    scheduling delays do not add up)."""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(left, 0.005) if left < 0.02 else left - 0.01)


def handle_slow_body(conn):
    req, _ = read_request(conn)
    if req is None:
        return
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    conn.sendall(response(200, "OK", [
        ("Content-Length", str(len(GOOD))), ("Content-Type", "application/json"),
        ("Date", http_date()), ("Server", SERVER), ("Connection", "close")]))
    head_sent = time.monotonic()
    sleep_until(head_sent + SLOW_BODY_DELAY)
    conn.sendall(GOOD)


def handle_chunked_slow(conn):
    req, _ = read_request(conn)
    if req is None:
        return
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    conn.sendall(response(200, "OK", [
        ("Content-Type", "application/json"), ("Transfer-Encoding", "chunked"),
        ("Date", http_date()), ("Server", SERVER), ("Connection", "close")]))
    head_sent = time.monotonic()
    sleep_until(head_sent + CHUNK_DELAYS[0])
    conn.sendall(b"%x\r\n" % len(GOOD) + GOOD + b"\r\n")
    sleep_until(head_sent + CHUNK_DELAYS[0] + CHUNK_DELAYS[1])
    conn.sendall(b"0\r\n\r\n")


RAW_BEHAVIOURS = {
    "express-json-400": handle_express_json_400,
    "close-after-request": handle_close_after_request,
    "accepts-anything": handle_accepts_anything,
    "keepalive-idle-close": handle_keepalive_idle_close,
    "good-json": lambda conn: handle_callback(conn, "good-json"),
    "slow-body-5_8s": handle_slow_body,
    "chunked-slow-86ms": handle_chunked_slow,
}


def serve_conn(conn, peer, behaviour):
    try:
        RAW_BEHAVIOURS[behaviour](conn)
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
    ap.add_argument("--only", nargs="*", help="listen only for these scenarios")
    args = ap.parse_args()

    stoppers = []
    for s in scenarios(table="field"):
        if args.only and s["name"] not in args.only:
            continue
        address = (s["host"], s["port"])
        if s["behaviour"] == "python-http-server-dies":
            httpd = DyingServer(address, DyingHandler)
            threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1},
                             daemon=True).start()
            stoppers.append(httpd.shutdown)
        else:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
            sock.listen(16)
            threading.Thread(target=listener, args=(sock, s["behaviour"]), daemon=True).start()
            stoppers.append(sock.close)
        log("listening %s port %d: %s" % (s["host"], s["port"], s["behaviour"]))

    run_until_signalled(args.ready_file)
    for stopper in stoppers:
        stopper()
    log("stopped")


if __name__ == "__main__":
    main()
