#!/usr/bin/env python3
"""Synthesise a large, valid OSS-callback capture and the truth about every exchange in it.

    bench/gen_capture.py OUT.pcap [--size 500M] [--seed 1] [--truth OUT.truth.tsv]

Writes a classic pcap (microsecond timestamps, little-endian, LINKTYPE_ETHERNET) of
Ethernet / IPv4 / TCP traffic between many OSS senders (100.103.x.y, ephemeral ports) and one
callback server (10.0.0.10:9000), and two truth files next to it:

- OUT.truth.tsv: one line per exchange, in the order the exchanges started:
  client, server, index (0-based on its connection), kind, method, status, latency (µs between
  the last request frame and the last response frame, as Wireshark's http.time; `-` when there
  is no complete response), and the callback-doctor rule ids the exchange must produce;
- OUT.truth.json: the totals (exchanges, callbacks, passed, failed, refused, findings by rule,
  packets, bytes, and the signature work: signed callbacks and the bytes of their strings to sign).

The traffic: `--concurrency` connections are open at any time and their packets interleave. Every
connection has a real handshake (SYN with an MSS option, SYN-ACK, ACK), random initial sequence
numbers (some wrap past 2^32), MSS-sized (1460-byte) segments, delayed ACKs every second segment,
and a FIN exchange (or RST). About 60 % of the connections carry one callback with
`Connection: close` (as OSS sends them); the rest are keep-alive connections carrying 2-24
exchanges. A few connections are Kubernetes-style health checks (GET, not callbacks), and a few
connection attempts are refused (SYN answered by RST). Callback requests carry OSS's headers
(authorization + x-oss-pub-key-url, User-Agent: aliyun-oss-callback, x-oss-tag: CALLBACK) and
form-encoded bodies from 100 bytes to 32 KiB (custom callback variables); responses are JSON from
15 bytes to 16 KiB. About 3 % of callbacks fail, spread over: bad-status, non-json-body,
bom-prefix, slow-response, no-response (server reset, or OSS giving up after 5 s),
missing-content-length (chunked) and content-length-mismatch (short body, then FIN).

IPv4 header checksums are correct; TCP checksums are left 0, as in captures taken on a host with
checksum offload (neither callback-doctor nor tshark's defaults verify them). Deterministic for a
given seed and size. Standard library only.
"""
import argparse
import base64
import calendar
import hashlib
import heapq
import json
import os
import random
import struct
import sys

MSS = 1460
SERVER_IP = bytes([10, 0, 0, 10])
SERVER_PORT = 9000
SERVER_MAC = bytes.fromhex("020000000a0a")
GATEWAY_MAC = bytes.fromhex("0200000000fe")
PUB_KEY_URL_B64 = base64.b64encode(b"https://gosspublic.alicdn.com/callback_pub_key_v1.pem").decode()

SYN, FIN, RST, PSH, ACK = 0x02, 0x01, 0x04, 0x08, 0x10

# Failure kinds of callbacks, with their weights among the failing 3 % and the rules they produce.
FAILURES = [
    ("bad-status", 20, ["bad-status"]),
    ("non-json-body", 16, ["non-json-body"]),
    ("bom-prefix", 10, ["bom-prefix"]),
    ("slow-response", 10, ["slow-response"]),
    ("no-response-reset", 10, ["no-response"]),
    ("no-response-gave-up", 8, ["no-response"]),
    ("missing-content-length", 14, ["missing-content-length"]),
    ("content-length-mismatch", 12, ["content-length-mismatch"]),
]
FAILURE_RATE = 0.03
REFUSED_RATE = 0.002  # of connections
HEALTH_RATE = 0.02  # of connections
KEEPALIVE_RATE = 0.4  # of callback connections


# The benchmark's own callback key (512-bit RSA, like OSS's; made for the benchmark, protects
# nothing): the callbacks are signed for real, so callback-doctor verifies every signature
# (run with --public-key bench/keys/bench-callback-public.pem, which is this key's public half)
# and its verification cost is part of what the benchmark measures.
BENCH_KEY_N = 0xebd4c32c6a084efbac89018711cd8248c8f8ce9ee6c75f71367877500285ba7ba40b36923edd86205bc819ae075f1be4b4f1a64184af010ef339c1c694a9f725
BENCH_KEY_D = 0xa78cf845bbe7bf45ebe5432295b16ed90b804a3c77363b47122e3086b5e411029de6243a45504d830163c05060efcb7400c22dbdcd918b67f85a3a8da6752ad9
# RFC 8017 §9.2: the DER DigestInfo prefix for MD5.
MD5_DIGEST_INFO = bytes.fromhex("3020300c06082a864886f70d020505000410")


def sign_callback(string_to_sign):
    """RSASSA-PKCS1-v1_5 with MD5 (facts §3.1) with the benchmark key: 64 bytes."""
    t = MD5_DIGEST_INFO + hashlib.md5(string_to_sign).digest()
    em = b"\x00\x01" + b"\xff" * (64 - 3 - len(t)) + b"\x00" + t
    return pow(int.from_bytes(em, "big"), BENCH_KEY_D, BENCH_KEY_N).to_bytes(64, "big")


def parse_size(text):
    text = text.strip().upper()
    scale = 1
    for suffix, factor in (("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30)):
        if text.endswith(suffix):
            text, scale = text[:-1], factor
            break
    return int(float(text) * scale)


class Bodies:
    """Precomputed body material, sliced per exchange so generation stays fast."""

    def __init__(self, rng):
        alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        # Custom callback variables: `&x:var=value` pairs, form-urlencoded.
        pairs = []
        n = 0
        while n < 40000:
            value = "".join(rng.choice(alphabet) for _ in range(rng.randint(8, 60)))
            pair = "&x%%3Avar%d=%s%%2F%s" % (len(pairs), value[: len(value) // 2], value[len(value) // 2 :])
            pairs.append(pair)
            n += len(pair)
        self.form_filler = "".join(pairs)
        # JSON response bodies of many sizes: {"Status":"OK","items":[{...},...]}.
        self.json_bodies = []
        for i in range(64):
            target = int(200 * (16384 / 200) ** (i / 63))
            items = []
            size = 30
            k = 0
            while size < target:
                item = '{"id":%d,"name":"obj-%s","size":%d,"ratio":%s,"ok":%s,"tags":["a%d","b"],"meta":null}' % (
                    k, "".join(rng.choice(alphabet) for _ in range(10)), rng.randint(0, 10**9),
                    repr(round(rng.random(), 4)), "true" if k % 2 else "false", k)
                items.append(item)
                size += len(item) + 1
                k += 1
            self.json_bodies.append(('{"Status":"OK","items":[' + ",".join(items) + "]}").encode())
        self.small_json = [b'{"Status":"OK"}', b'{"Status":"OK","code":0}', b'{"status":"ok","message":"success"}',
                           b'{"Status":"OK","etag":"D41D8CD98F00B204E9800998ECF8427E"}']
        self.html = (b"<!DOCTYPE html><html><head><title>Error</title></head><body><h1>Something went wrong"
                     b"</h1><p>Please try again later.</p></body></html>")


class Exchange:
    __slots__ = ("conn", "index", "kind", "method", "status", "rules", "req_end", "resp_end", "complete")

    def __init__(self, conn, index, kind, method, status, rules, complete=True):
        self.conn = conn
        self.index = index
        self.kind = kind
        self.method = method
        self.status = status
        self.rules = rules
        self.req_end = None
        self.resp_end = None
        self.complete = complete


class Connection:
    __slots__ = ("number", "client_ip", "client_port", "steps", "position", "c_next", "s_next", "c_ipid", "s_ipid",
                 "c_prefix", "s_prefix", "c_sum", "s_sum", "exchanges")

    def __init__(self, number, rng):
        self.number = number
        a = number % 1024
        self.client_ip = bytes([100, 103, a >> 8 | 64, a & 0xFF])
        self.client_port = 32768 + (number // 1024) % 28000
        self.steps = []
        self.position = 0
        self.c_next = rng.getrandbits(32)
        self.s_next = rng.getrandbits(32)
        if number % 50 == 7:
            # Some connections start just below 2^32, so their sequence numbers wrap.
            self.c_next = (0x100000000 - rng.randint(200, 4000)) & 0xFFFFFFFF
            self.s_next = (0x100000000 - rng.randint(200, 4000)) & 0xFFFFFFFF
        self.c_ipid = rng.getrandbits(16)
        self.s_ipid = rng.getrandbits(16)
        c_eth = SERVER_MAC + GATEWAY_MAC + b"\x08\x00"
        s_eth = GATEWAY_MAC + SERVER_MAC + b"\x08\x00"
        self.c_prefix = c_eth
        self.s_prefix = s_eth
        # Partial IPv4 checksum sums of the constant header words (version/IHL, DF, TTL/proto, addresses).
        const = 0x4500 + 0x4000 + (64 << 8 | 6)
        ci, si = self.client_ip, SERVER_IP
        words = (ci[0] << 8 | ci[1]) + (ci[2] << 8 | ci[3]) + (si[0] << 8 | si[1]) + (si[2] << 8 | si[3])
        self.c_sum = const + words
        self.s_sum = const + words
        self.exchanges = []

    @property
    def client(self):
        return "%d.%d.%d.%d:%d" % (*self.client_ip, self.client_port)


class Generator:
    def __init__(self, out, target, seed, concurrency, gap_us):
        self.out = out
        self.target = target
        self.rng = random.Random(seed)
        self.bodies = Bodies(random.Random(seed ^ 0x5EED))
        self.concurrency = concurrency
        self.gap = gap_us
        self.now = calendar.timegm((2026, 11, 25, 8, 0, 0)) * 1_000_000
        self.start = self.now
        self.written = 24
        self.packets = 0
        self.buffer = []
        self.buffered = 0
        self.connections = 0
        # The signature work in the capture, for the benchmark's floor: one RSA verification per
        # signed callback and MD5 over its string to sign.
        self.signed_callbacks = 0
        self.signed_bytes = 0
        self.exchanges = []
        self.heap = []
        self.counter = 0

    # --- packets -------------------------------------------------------------------------

    def emit(self, conn, from_client, flags, payload, t):
        if from_client:
            seq, ack = conn.c_next, conn.s_next
            conn.c_next = (seq + len(payload) + (1 if flags & (SYN | FIN) else 0)) & 0xFFFFFFFF
            ipid = conn.c_ipid = (conn.c_ipid + 1) & 0xFFFF
            src, dst, sport, dport = conn.client_ip, SERVER_IP, conn.client_port, SERVER_PORT
            prefix, partial = conn.c_prefix, conn.c_sum
        else:
            seq, ack = conn.s_next, conn.c_next
            conn.s_next = (seq + len(payload) + (1 if flags & (SYN | FIN) else 0)) & 0xFFFFFFFF
            ipid = conn.s_ipid = (conn.s_ipid + 1) & 0xFFFF
            src, dst, sport, dport = SERVER_IP, conn.client_ip, SERVER_PORT, conn.client_port
            prefix, partial = conn.s_prefix, conn.s_sum
        if not flags & ACK:
            ack = 0
        if flags & SYN:
            options = b"\x02\x04\x05\xb4"  # MSS 1460
            tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 6 << 4, flags, 64240, 0, 0) + options
        else:
            tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 502, 0, 0)
        total = 20 + len(tcp) + len(payload)
        s = partial + total + ipid
        s = (s & 0xFFFF) + (s >> 16)
        s = (s & 0xFFFF) + (s >> 16)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, ipid, 0x4000, 64, 6, (~s) & 0xFFFF, src, dst)
        length = 14 + total
        record = struct.pack("<IIII", t // 1_000_000, t % 1_000_000, length, length)
        self.buffer.append(record + prefix + ip + tcp)
        if payload:
            self.buffer.append(payload)
        self.buffered += 16 + length
        self.written += 16 + length
        self.packets += 1
        if self.buffered > 8 << 20:
            self.flush()

    def flush(self):
        self.out.write(b"".join(self.buffer))
        self.buffer = []
        self.buffered = 0

    # --- connection scripts --------------------------------------------------------------
    # A step is (delay_us, from_client, flags, payload, tag). The delay counts from the previous
    # step's emission; the scheduler interleaves the steps of all open connections.

    def send(self, steps, from_client, data, tag=None, first_delay=0):
        """`data` in MSS-sized segments, PSH on the last, and the receiver's delayed ACKs."""
        rng = self.rng
        n = len(data)
        offsets = range(0, n, MSS)
        last = len(offsets) - 1
        for i, off in enumerate(offsets):
            flags = ACK | (PSH if i == last else 0)
            steps.append((first_delay if i == 0 else rng.randint(0, 30), from_client, flags,
                          data[off:off + MSS], tag if i == last else None))
            if i % 2 == 1 or i == last:
                steps.append((rng.randint(20, 80), not from_client, ACK, b"", None))

    def request(self, conn, index, keep_alive, body_size):
        rng = self.rng
        obj = "photos%%2F%d-%d.jpg" % (conn.number, index)
        base = "bucket=examplebucket&object=%s&etag=%032X&size=%d&mimeType=image%%2Fjpeg" % (
            obj, rng.getrandbits(128), rng.randint(1000, 10**8))
        if body_size > len(base):
            start = rng.randint(0, len(self.bodies.form_filler) - body_size)
            body = base + self.bodies.form_filler[start:start + body_size - len(base)]
        else:
            body = base
        body = body.encode()
        string_to_sign = b"/oss/callback\n" + body
        self.signed_callbacks += 1
        self.signed_bytes += len(string_to_sign)
        auth = base64.b64encode(sign_callback(string_to_sign)).decode()
        md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
        head = ("POST /oss/callback HTTP/1.1\r\nHost: callback.example.com:9000\r\nConnection: %s\r\n"
                "Authorization: %s\r\nContent-MD5: %s\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                "Content-Length: %d\r\nDate: Wed, 25 Nov 2026 08:%02d:%02d GMT\r\nUser-Agent: aliyun-oss-callback\r\n"
                "x-oss-bucket: examplebucket\r\nx-oss-pub-key-url: %s\r\nx-oss-request-id: %016X%08X\r\n"
                "x-oss-requester: 1234567890123456\r\nx-oss-signature-version: 1.0\r\nx-oss-tag: CALLBACK\r\n\r\n") % (
            "keep-alive" if keep_alive else "close", auth, md5, len(body), rng.randint(0, 59), rng.randint(0, 59),
            PUB_KEY_URL_B64, rng.getrandbits(64), rng.getrandbits(32))
        return head.encode() + body

    def response(self, status, reason, body, keep_alive, content_type=b"application/json", length=None):
        head = b"HTTP/1.1 %d %s\r\nServer: nginx/1.24.0\r\nDate: Wed, 25 Nov 2026 08:00:00 GMT\r\nContent-Type: %s\r\n" % (
            status, reason, content_type)
        head += b"Content-Length: %d\r\n" % (len(body) if length is None else length)
        head += b"Connection: %s\r\n\r\n" % (b"keep-alive" if keep_alive else b"close")
        return head + body

    def request_body_size(self):
        r = self.rng.random()
        if r < 0.70:
            return self.rng.randint(100, 400)
        if r < 0.95:
            return self.rng.randint(1000, 4000)
        return self.rng.randint(4000, 32768)

    def passing_body(self):
        r = self.rng.random()
        if r < 0.75:
            return self.rng.choice(self.bodies.small_json)
        if r < 0.95:
            return self.bodies.json_bodies[self.rng.randint(0, 31)]
        return self.bodies.json_bodies[self.rng.randint(32, 63)]

    def new_connection(self):
        rng = self.rng
        conn = Connection(self.connections, rng)
        self.connections += 1
        steps = conn.steps
        r = rng.random()
        if r < REFUSED_RATE:
            ex = Exchange(conn, 0, "connection-refused", "-", None, ["connection-refused"], complete=False)
            conn.exchanges.append(ex)
            steps.append((0, True, SYN, b"", None))
            steps.append((rng.randint(30, 200), False, RST | ACK, b"", None))
            return conn
        steps.append((0, True, SYN, b"", None))
        steps.append((rng.randint(50, 300), False, SYN | ACK, b"", None))
        steps.append((rng.randint(50, 300), True, ACK, b"", None))
        if r < REFUSED_RATE + HEALTH_RATE:
            ex = Exchange(conn, 0, "health-check", "GET", 200, [])
            conn.exchanges.append(ex)
            self.send(steps, True, b"GET /healthz HTTP/1.1\r\nHost: 10.0.0.10:9000\r\nUser-Agent: kube-probe/1.29\r\n"
                      b"Accept: */*\r\nConnection: close\r\n\r\n", ("req", ex))
            self.send(steps, False, b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
                      b"Connection: close\r\n\r\nok", ("resp", ex), first_delay=rng.randint(100, 2000))
            self.close(steps, server_first=True)
            return conn
        keep_alive = rng.random() < KEEPALIVE_RATE
        count = rng.randint(2, 24) if keep_alive else 1
        for index in range(count):
            last = index == count - 1
            if index > 0:
                first_delay = rng.randint(1000, 200_000)
            else:
                first_delay = rng.randint(50, 500)
            ended = self.callback(conn, steps, index, keep_alive and not last, first_delay)
            if ended:
                return conn
        self.close(steps, server_first=not keep_alive)
        return conn

    def close(self, steps, server_first):
        rng = self.rng
        steps.append((rng.randint(50, 500), not server_first, FIN | ACK, b"", None))
        steps.append((rng.randint(50, 300), server_first, FIN | ACK, b"", None))
        steps.append((rng.randint(50, 300), not server_first, ACK, b"", None))

    def callback(self, conn, steps, index, keep_alive, first_delay):
        """Appends one callback exchange; returns True when it ended the connection."""
        rng = self.rng
        kind = "pass"
        if rng.random() < FAILURE_RATE:
            pick = rng.randint(1, sum(w for _, w, _ in FAILURES))
            for name, weight, _ in FAILURES:
                pick -= weight
                if pick <= 0:
                    kind = name
                    break
        rules = next((r for n, _, r in FAILURES if n == kind), [])
        request = self.request(conn, index, keep_alive, self.request_body_size())
        think = rng.randint(500, 40_000)
        ex = Exchange(conn, index, kind, "POST", 200, list(rules))
        conn.exchanges.append(ex)
        # Request, with the first segment `first_delay` after the previous step.
        self.send(steps, True, request, ("req", ex), first_delay=first_delay)
        if kind == "pass":
            self.send(steps, False, self.response(200, b"OK", self.passing_body(), keep_alive), ("resp", ex),
                      first_delay=think)
            return False
        if kind == "bad-status":
            status, reason = rng.choice([(500, b"Internal Server Error"), (404, b"Not Found"), (502, b"Bad Gateway"),
                                         (403, b"Forbidden"), (201, b"Created"), (400, b"Bad Request")])
            ex.status = status
            if status in (400, 401, 403):
                # The signature verifies, and this is how a failed signature check answers.
                ex.rules.append("genuine-callback-rejected")
            body = b'{"error":"callback handler failed","code":%d}' % status
            self.send(steps, False, self.response(status, reason, body, keep_alive), ("resp", ex), first_delay=think)
            return False
        if kind == "non-json-body":
            if rng.random() < 0.5:
                data = self.response(200, b"OK", b"OK", keep_alive, content_type=b"text/plain")
            else:
                data = self.response(200, b"OK", self.bodies.html, keep_alive, content_type=b"text/html; charset=utf-8")
            self.send(steps, False, data, ("resp", ex), first_delay=think)
            return False
        if kind == "bom-prefix":
            body = b"\xef\xbb\xbf" + rng.choice(self.bodies.small_json)
            self.send(steps, False, self.response(200, b"OK", body, keep_alive), ("resp", ex), first_delay=think)
            return False
        if kind == "slow-response":
            body = self.passing_body()
            self.send(steps, False, self.response(200, b"OK", body, keep_alive), ("resp", ex),
                      first_delay=rng.randint(6_000_000, 7_500_000))
            return False
        if kind == "missing-content-length":
            body = self.passing_body()
            chunks = b""
            pos = 0
            while pos < len(body):
                size = min(len(body) - pos, rng.randint(8, 4096))
                chunks += b"%x\r\n" % size + body[pos:pos + size] + b"\r\n"
                pos += size
            chunks += b"0\r\n\r\n"
            head = (b"HTTP/1.1 200 OK\r\nServer: express\r\nContent-Type: application/json\r\n"
                    b"Transfer-Encoding: chunked\r\nConnection: %s\r\n\r\n" % (b"keep-alive" if keep_alive else b"close"))
            self.send(steps, False, head + chunks, ("resp", ex), first_delay=think)
            return False
        if kind == "no-response-reset":
            ex.status = None
            ex.complete = False
            steps.append((think, False, RST | ACK, b"", None))
            return True
        if kind == "no-response-gave-up":
            ex.status = None
            ex.complete = False
            # OSS stops waiting 5 s after the request and closes; the server closes later.
            steps.append((5_000_000 + rng.randint(0, 20_000), True, FIN | ACK, b"", None))
            steps.append((rng.randint(50, 300), False, ACK, b"", None))
            steps.append((rng.randint(1000, 400_000), False, FIN | ACK, b"", None))
            steps.append((rng.randint(50, 300), True, ACK, b"", None))
            return True
        if kind == "content-length-mismatch":
            body = rng.choice(self.bodies.small_json)
            ex.complete = False
            data = self.response(200, b"OK", body[: len(body) // 2], False, length=len(body))
            self.send(steps, False, data, None, first_delay=think)
            steps.append((rng.randint(50, 500), False, FIN | ACK, b"", None))
            steps.append((rng.randint(50, 300), True, FIN | ACK, b"", None))
            steps.append((rng.randint(50, 300), False, ACK, b"", None))
            return True
        raise AssertionError(kind)

    # --- scheduling ----------------------------------------------------------------------

    def push(self, conn, ready):
        self.counter += 1
        heapq.heappush(self.heap, (ready, self.counter, conn))

    def run(self):
        self.out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        for _ in range(self.concurrency):
            conn = self.new_connection()
            self.push(conn, self.now + conn.steps[0][0])
        heap = self.heap
        while heap:
            ready, _, conn = heapq.heappop(heap)
            now = self.now + self.gap
            if ready > now:
                now = ready
            self.now = now
            delay, from_client, flags, payload, tag = conn.steps[conn.position]
            self.emit(conn, from_client, flags, payload, now)
            if tag is not None:
                which, ex = tag
                if which == "req":
                    ex.req_end = now
                else:
                    ex.resp_end = now
            conn.position += 1
            if conn.position < len(conn.steps):
                self.push(conn, now + conn.steps[conn.position][0])
            else:
                self.exchanges.extend(conn.exchanges)
                conn.steps = None
                if self.written < self.target:
                    fresh = self.new_connection()
                    self.push(fresh, now + fresh.steps[0][0])
        self.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out")
    parser.add_argument("--size", default="500M", help="approximate file size (K/M/G suffixes), default 500M")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=200, help="connections open at once, default 200")
    parser.add_argument("--gap-us", type=int, default=20, help="minimum µs between two packets, default 20")
    args = parser.parse_args()

    target = parse_size(args.size)
    tmp = args.out + ".part"
    with open(tmp, "wb") as out:
        gen = Generator(out, target, args.seed, args.concurrency, args.gap_us)
        gen.run()
    os.replace(tmp, args.out)

    base = args.out[:-5] if args.out.endswith(".pcap") else args.out
    exchanges = sorted(gen.exchanges, key=lambda e: (e.req_end if e.req_end is not None else 0, e.conn.number, e.index))
    totals = {"exchanges": 0, "callbacks": 0, "callbacksPassed": 0, "callbacksFailed": 0, "refusedConnections": 0,
              "findingsByRule": {}}
    server = "%d.%d.%d.%d:%d" % (*SERVER_IP, SERVER_PORT)
    with open(base + ".truth.tsv", "w") as tsv:
        tsv.write("client\tserver\tindex\tkind\tmethod\tstatus\tlatencyMicros\trules\n")
        for e in exchanges:
            latency = "-"
            if e.complete and e.req_end is not None and e.resp_end is not None:
                latency = str(e.resp_end - e.req_end)
            tsv.write("%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n" % (
                e.conn.client, server, e.index, e.kind, e.method, "-" if e.status is None else e.status, latency,
                ",".join(e.rules) or "-"))
            totals["exchanges"] += 1
            if e.kind == "connection-refused":
                totals["refusedConnections"] += 1
            elif e.kind != "health-check":
                totals["callbacks"] += 1
                totals["callbacksFailed" if e.rules else "callbacksPassed"] += 1
            for rule in e.rules:
                totals["findingsByRule"][rule] = totals["findingsByRule"].get(rule, 0) + 1
    totals["connections"] = gen.connections
    totals["packets"] = gen.packets
    totals["signedCallbacks"] = gen.signed_callbacks
    totals["signedBytes"] = gen.signed_bytes
    totals["bytes"] = gen.written
    totals["seed"] = args.seed
    totals["captureSeconds"] = (gen.now - gen.start) / 1e6
    with open(base + ".truth.json", "w") as f:
        json.dump(totals, f, indent=2, sort_keys=True)
        f.write("\n")
    sys.stderr.write("%s: %d bytes, %d packets, %d connections, %d exchanges (%d callbacks, %d failing)\n" % (
        args.out, gen.written, gen.packets, gen.connections, totals["exchanges"], totals["callbacks"],
        totals["callbacksFailed"]))


if __name__ == "__main__":
    main()
