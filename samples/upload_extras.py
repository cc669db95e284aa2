"""More uploads to the fake OSS endpoint (issue #16 item 7), recorded by record-uploads.sh.

The uploader's side again (fake_oss.py has the first four scenarios): uploads whose callback
parameters OSS accepts but that will not work as meant. This script is both sides at once: it
serves fake_oss.handle_upload on 127.0.0.1, ports 9060-9063 (outside record.sh's 9001-9040 and
the field recordings' 9041-9059), sends each scenario's uploads on one keep-alive connection,
and writes the ground truth (what was sent, what the fake answered, the rules expected) as JSON.

    python3 upload_extras.py --out uploads/recording.json

fake_oss.py stays as it is (record.sh's captures must stay byte-identical): the answers this
script's scenarios get are added to its CALLBACK_FAILED table at run time, here.
"""
import argparse
import json
import socket
import sys
import threading
import time

import fake_oss
from fake_oss import GOOD_CALLBACK, b64, put

HOST = "127.0.0.1"
PORT_MIN, PORT_MAX = 9060, 9063
CAPTURE_FILTER = "tcp and portrange %d-%d and host %s" % (PORT_MIN, PORT_MAX, HOST)

JSON_CALLBACK = dict(GOOD_CALLBACK, callbackBodyType="application/json")


def json_template_requests(which):
    # OSS's documented form with the closing brace missing; the same, complete; the variables
    # quoted by the uploader (what OSS does with that is not documented: not judged).
    broken = dict(JSON_CALLBACK, callbackBody='{"object":${object},"size":${size}')
    good = dict(JSON_CALLBACK, callbackBody='{"object":${object},"size":${size},"uid":${x:uid}}')
    quoted = dict(JSON_CALLBACK, callbackBody='{"object":"${object}","size":"${size}"}')
    uid = ("x-oss-callback-var", b64({"x:uid": "1042"}))
    if which == "broken":
        return [put("/json/broken.txt", [("x-oss-callback", b64(broken))])]
    return [put("/json/good.txt", [("x-oss-callback", b64(good)), uid]),
            put("/json/quoted.txt", [("x-oss-callback", b64(quoted))])]


SCENARIOS = [
    dict(name="upload-json-body-broken", port=9060,
         requests=lambda: json_template_requests("broken"),
         # What OSS reports when the callback server refuses the body with 400 (facts §4.7).
         callbackFailed=("Error status : 400.", "0007-00000203"),
         expect=[["callback-config-warning", "callback-failed-at-oss"]],
         why="callbackBodyType application/json with callbackBody {\"object\":${object},\"size\":${size}: "
             "the closing brace is missing, so no substitution of the variables gives JSON. The fake "
             "OSS answers 203 'Error status : 400.' (EC 0007-00000203), as when the callback server "
             "refuses a body that is not JSON."),
    dict(name="upload-json-body-ok", port=9061,
         requests=lambda: json_template_requests("ok"),
         callbackFailed=None,
         expect=[[], []],
         why="callbackBodyType application/json. 1: the complete template, variables bare as OSS "
             "documents. 2: variables quoted by the uploader, \"${object}\": whether OSS then quotes "
             "again is not documented (facts §2.4), so no warning. The fake answers 200 to both."),
    dict(name="upload-callback-var-only", port=9062,
         requests=lambda: [put("/var-only.txt", [("x-oss-callback-var", b64({"x:uid": "1042"}))])],
         callbackFailed=None,
         expect=[["callback-config-warning"]],
         why="x-oss-callback-var without x-oss-callback (an SDK call given callback_var only): "
             "OSS makes no callback; the fake answers 200."),
    dict(name="upload-variable-case", port=9063,
         requests=lambda: [put("/var-case.txt", [
             ("x-oss-callback", b64(dict(GOOD_CALLBACK, callbackBody="object=${object}&v=${x:MyVar}"))),
             ("x-oss-callback-var", b64({"x:MyVar": "7"}))])],
         callbackFailed=None,
         expect=[["callback-config-warning"]],
         why="callback-var member x:MyVar starts with x: but has upper-case letters; OSS documents "
             "custom variable names as lower case (facts §7.2). The fake answers 200."),
]


def log(text):
    print("upload_extras: " + text, file=sys.stderr)


def serve(sock, behaviour):
    while True:
        try:
            conn, _ = sock.accept()
        except OSError:
            return
        try:
            fake_oss.handle_upload(conn, behaviour, log)
        finally:
            conn.close()


def read_response(sock, buf):
    """(status line, headers, body), rest of buffer; a Content-Length response, as the fake sends."""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise OSError("connection closed before a response head")
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = [tuple(part.strip() for part in line.split(":", 1)) for line in lines[1:]]
    length = int(dict((k.lower(), v) for k, v in headers)["content-length"])
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise OSError("connection closed inside a response body")
        rest += chunk
    return (lines[0], headers, rest[:length]), rest[length:]


def send(s):
    sock = socket.create_connection((HOST, s["port"]), timeout=5)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    rec = {"client": "%s:%d" % sock.getsockname(), "server": "%s:%d" % (HOST, s["port"]), "exchanges": []}
    buf = b""
    for i, (method, target, headers, body) in enumerate(s["requests"]()):
        head = ("%s %s HTTP/1.1\r\n" % (method, target)).encode() + b"".join(
            ("%s: %s\r\n" % kv).encode() for kv in headers) + b"\r\n"
        sock.sendall(head + body)
        (status_line, _, payload), buf = read_response(sock, buf)
        rec["exchanges"].append({
            "index": i, "method": method, "target": target, "requestHeaders": headers,
            "statusLine": status_line, "responseBody": payload.decode("utf-8"), "expect": s["expect"][i]})
        time.sleep(0.05)
    sock.close()
    return rec


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    listeners = []
    for s in SCENARIOS:
        if s["callbackFailed"]:
            fake_oss.CALLBACK_FAILED[s["name"]] = s["callbackFailed"]
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, s["port"]))
        sock.listen(8)
        listeners.append(sock)
        threading.Thread(target=serve, args=(sock, s["name"]), daemon=True).start()
    records = []
    for s in SCENARIOS:
        rec = {"name": s["name"], "port": s["port"], "capture": "uploads/%s.pcap" % s["name"],
               "why": s["why"]}
        rec.update(send(s))
        records.append(rec)
        time.sleep(0.2)
    for sock in listeners:
        sock.close()
    with open(args.out, "w") as f:
        json.dump({"schemaVersion": 1, "captureFilter": CAPTURE_FILTER, "scenarios": records}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
