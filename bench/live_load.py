#!/usr/bin/env python3
"""Load for `callback-doctor watch`: many OSS-like callbacks on loopback, as fast as possible.

    bench/live_load.py [--port 19060] [--callbacks 5000] [--clients 8] [--fail-every 10]

Starts a small HTTP server on 127.0.0.1:PORT (200 + {"Status":"OK"} with Content-Length and
Connection: close; every FAIL-EVERY-th request, by a `fail` query parameter, gets 500), then sends
CALLBACKS POSTs from CLIENTS threads, one connection each, with OSS's User-Agent. Prints what it
sent and how long it took, as JSON on stdout, for comparing with watch's report:

    callback-doctor watch -i lo -f 'tcp port 19060' --format json -o /tmp/live.json &
    python3 bench/live_load.py; kill -INT %1

(No signature: the callbacks are recognised by `User-Agent: aliyun-oss-callback`.)
"""
import argparse
import json
import socket
import sys
import threading
import time

GOOD = b'{"Status":"OK"}'


def serve(sock):
    while True:
        try:
            conn, _ = sock.accept()
        except OSError:
            return
        threading.Thread(target=answer, args=(conn,), daemon=True).start()


def answer(conn):
    with conn:
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = conn.recv(65536)
            if not chunk:
                return
            buf += chunk
        head, _, rest = buf.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(rest) < length:
            chunk = conn.recv(65536)
            if not chunk:
                return
            rest += chunk
        status = b"500 Internal Server Error" if b"fail=1" in head.split(b"\r\n")[0] else b"200 OK"
        conn.sendall(b"HTTP/1.1 " + status + b"\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
                     b"Connection: close\r\n\r\n" % len(GOOD) + GOOD)
        try:
            conn.recv(1)  # wait for the client's FIN, as OSS closes first
        except OSError:
            pass


def client(port, indices, fail_every, errors):
    body = b"bucket=examplebucket&object=photo.jpg&size=1024"
    for i in indices:
        fail = fail_every and i % fail_every == 0
        target = "/oss/callback?n=%d%s" % (i, "&fail=1" if fail else "")
        request = ("POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUser-Agent: aliyun-oss-callback\r\n"
                   "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n"
                   "Connection: close\r\n\r\n" % (target, port, len(body))).encode() + body
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                s.sendall(request)
                response = b""
                # Read the whole response (its body is GOOD), then close first, as OSS does.
                while not (b"\r\n\r\n" in response and len(response.partition(b"\r\n\r\n")[2]) >= len(GOOD)):
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    response += chunk
        except OSError:
            errors.append(i)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=19060)
    ap.add_argument("--callbacks", type=int, default=5000)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--fail-every", type=int, default=10)
    args = ap.parse_args()

    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", args.port))
    server.listen(256)
    threading.Thread(target=serve, args=(server,), daemon=True).start()

    errors = []
    started = time.time()
    threads = [threading.Thread(target=client, args=(args.port, range(c, args.callbacks, args.clients), args.fail_every, errors))
               for c in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.time() - started
    time.sleep(0.5)
    server.close()
    failing = len([i for i in range(args.callbacks) if args.fail_every and i % args.fail_every == 0])
    json.dump({"callbacks": args.callbacks, "failing": failing, "errors": len(errors), "seconds": round(elapsed, 3),
               "callbacksPerSecond": round(args.callbacks / elapsed, 1)}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
