#!/usr/bin/env python3
"""The Python app behind nginx in record-stacks.sh: a stdlib http.server per upstream port.

Every port answers a POST with 200 application/json {"Status":"OK"} and a Content-Length,
after the delay its scenario needs (scenarios.py STACK_SCENARIOS, `legs`):
  18070, 18074, 18075  at once
  18072                after 4 s (nginx's proxy_read_timeout is 3 s)
  18073                after 6 s (OSS gives up at 5 s)
Port 18099 is deliberately NOT served (nginx's upstream is down).

Usage: stack_app.py --ready-file PATH   (127.0.0.1 only; stops on SIGINT/SIGTERM)
"""
import argparse
import http.server
import os
import signal
import sys
import threading
import time

DELAYS = {18070: 0.0, 18072: 4.0, 18073: 6.0, 18074: 0.0, 18075: 0.0}
BODY = b'{"Status":"OK"}'


class App(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        time.sleep(DELAYS[self.server.server_address[1]])
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            self.wfile.write(BODY)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # nginx already closed: the answer came too late
        self.close_connection = True

    def log_message(self, fmt, *args):
        sys.stderr.write("[stack_app %d] %s\n" % (self.server.server_address[1], fmt % args))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ready-file", required=True)
    args = ap.parse_args()
    servers = []
    for port in sorted(DELAYS):
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), App)
        srv.daemon_threads = True
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with open(args.ready_file, "w") as f:
        f.write(str(os.getpid()))
    stop.wait()
    for srv in servers:
        srv.shutdown()


if __name__ == "__main__":
    main()
