#!/usr/bin/env python3
"""The Python parts of record-hints.sh (issue #19); 127.0.0.1 only:
  9065  slow app behind nginx-504-read-timeout: a real http.server that answers
        {"Status":"OK"} (Content-Length) 4 s after reading the request
  9066  app behind nginx-gzip-chunked: a real http.server that answers {"Status":"OK"} with a
        Content-Length at once
  lowercase-status-403      (its scenario port) raw socket: 'http/1.1 403 Forbidden', JSON body
  close-delimited-fin-5_5s  (its scenario port) raw socket: 'HTTP/1.0 200 OK', JSON body, no
                            Content-Length, the FIN 5.5 s after the body

Usage: hints_server.py [--ready-file PATH]. Runs until SIGINT/SIGTERM.
"""
import argparse
import http.server
import os
import signal
import socket
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
from scenarios import (HINTS_UPSTREAM_JSON, HINTS_UPSTREAM_SLOW, scenarios)  # noqa: E402
from callback_server import (GOOD, http_date, log, read_request, response,  # noqa: E402
                             run_until_signalled)

SLOW_APP_DELAY = 4.0   # behind nginx's proxy_read_timeout 3s
LATE_FIN_DELAY = 5.5   # close-delimited-fin-5_5s


class JSONApp(http.server.BaseHTTPRequestHandler):
    """A plain Python app: reads the callback, answers {"Status":"OK"} with a Content-Length."""
    delay = 0.0

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        time.sleep(self.delay)
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(GOOD)))
            self.end_headers()
            self.wfile.write(GOOD)
        except OSError as e:  # nginx gave up first (the 504 case)
            log("app %d: %s" % (self.server.server_address[1], e))

    def log_message(self, fmt, *args):
        log("app %d: %s" % (self.server.server_address[1], fmt % args))


class SlowJSONApp(JSONApp):
    delay = SLOW_APP_DELAY


def lowercase_status(conn):
    read_request(conn)
    conn.sendall(response(403, "Forbidden", [("Content-Type", "application/json"),
                                             ("Content-Length", str(len(GOOD)))],
                          GOOD, version=b"http/1.1"))


def close_delimited_late_fin(conn):
    read_request(conn)
    conn.sendall(b"HTTP/1.0 200 OK\r\nDate: " + http_date().encode()
                 + b"\r\nContent-Type: application/json\r\n\r\n" + GOOD)
    time.sleep(LATE_FIN_DELAY)


RAW = {"lowercase-status-403": lowercase_status, "close-delimited-fin-5_5s": close_delimited_late_fin}


def serve_raw(sock, handler):
    while True:
        try:
            conn, _ = sock.accept()
        except OSError:
            return
        def run(c=conn):
            with c:
                handler(c)
        threading.Thread(target=run, daemon=True).start()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ready-file")
    args = ap.parse_args()
    stoppers = []
    for port, app in ((HINTS_UPSTREAM_SLOW, SlowJSONApp), (HINTS_UPSTREAM_JSON, JSONApp)):
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), app)
        threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
        stoppers.append(httpd.shutdown)
        log("listening 127.0.0.1 port %d: %s" % (port, app.__name__))
    for s in scenarios(table="hints"):
        if s["behaviour"] not in RAW:
            continue
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((s["host"], s["port"]))
        sock.listen(16)
        threading.Thread(target=serve_raw, args=(sock, RAW[s["behaviour"]]), daemon=True).start()
        stoppers.append(sock.close)
        log("listening %s port %d: %s" % (s["host"], s["port"], s["behaviour"]))
    run_until_signalled(args.ready_file)
    for stopper in stoppers:
        stopper()
    log("stopped")


if __name__ == "__main__":
    main()
