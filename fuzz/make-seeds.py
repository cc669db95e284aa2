#!/usr/bin/env python3
"""Writes the seed corpus of one fuzz target into a directory (the seeds are generated, never
committed as opaque files).  Usage: fuzz/make-seeds.py decoder|stream|json|tls|upload|pcapng DIR"""
import base64
import json
import os
import struct
import sys


def ipv4_tcp(payload=b"", flags=0x18, sport=40000, dport=80, seq=1, ack=1, options=b"", frag=0):
    tcp_header_len = 20 + len(options)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, (tcp_header_len // 4) << 4, flags, 65535, 0, 0) + options
    total = 20 + len(tcp) + len(payload)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 1, frag, 64, 6, 0, bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    return ip + tcp + payload


def ipv6_tcp(payload=b"", flags=0x18, ext=b"", next_header=6):
    tcp = struct.pack("!HHIIBBHHH", 40000, 443, 7, 9, 5 << 4, flags, 65535, 0, 0)
    body = ext + tcp + payload
    ip = struct.pack("!IHBB16s16s", 0x60000000, len(body), next_header, 64, b"\x20\x01" + b"\x00" * 13 + b"\x01", b"\x00" * 15 + b"\x01")
    return ip + body


def ethernet(net, ethertype=0x0800, vlans=0):
    head = b"\x00\x11\x22\x33\x44\x55" + b"\x66\x77\x88\x99\xaa\xbb"
    for _ in range(vlans):
        head += struct.pack("!HH", 0x8100, 42)
    return head + struct.pack("!H", ethertype) + net


def sll(net, proto=0x0800):
    return struct.pack("!HHH8sH", 0, 1, 6, b"\x00" * 8, proto) + net


def sll2(net, proto=0x0800):
    return struct.pack("!HHIHBB8s", proto, 0, 2, 1, 0, 6, b"\x00" * 8) + net


def decoder_seeds():
    # byte 0: link layer index (0 ethernet, 1 SLL, 2 SLL2, 3 raw, 4 IPv4, 5 IPv6, 6 NULL, 7 LOOP, 9 unsupported)
    # bytes 1-2: bytes the snaplen cut (little endian)
    def seed(layer, record, cut=0):
        return bytes([layer]) + struct.pack("<H", cut) + record

    http = b"POST /cb HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"
    v4 = ipv4_tcp(http)
    v6 = ipv6_tcp(http)
    hop_by_hop = bytes([6, 0]) + b"\x00" * 6
    frag_hdr = bytes([6, 0, 0, 1]) + b"\x00\x00\x00\x01"
    mss = b"\x02\x04\x05\xb4\x01\x03\x03\x07"
    pppoe = struct.pack("!BBHH", 0x11, 0, 1, len(v4) + 2) + struct.pack("!H", 0x0021) + v4
    return {
        "eth-ipv4": seed(0, ethernet(v4)),
        "eth-ipv4-syn-options": seed(0, ethernet(ipv4_tcp(flags=0x02, options=mss))),
        "eth-ipv6": seed(0, ethernet(v6, 0x86DD)),
        "eth-ipv6-ext": seed(0, ethernet(ipv6_tcp(http, ext=hop_by_hop, next_header=0), 0x86DD)),
        "eth-ipv6-frag": seed(0, ethernet(ipv6_tcp(http, ext=frag_hdr, next_header=44), 0x86DD)),
        "eth-vlan2": seed(0, ethernet(v4, vlans=2)),
        "eth-pppoe": seed(0, ethernet(pppoe, 0x8864)),
        "eth-arp": seed(0, ethernet(b"\x00\x01\x08\x00\x06\x04\x00\x01" + b"\x00" * 20, 0x0806)),
        "eth-ipv4-fragment": seed(0, ethernet(ipv4_tcp(http, frag=0x2000))),
        "eth-ipv4-snaplen": seed(0, ethernet(v4)[:60], cut=len(v4) + 14 - 60),
        "sll": seed(1, sll(v4)),
        "sll2": seed(2, sll2(v6, 0x86DD)),
        "raw4": seed(3, v4),
        "raw6": seed(3, v6),
        "ipv4": seed(4, v4),
        "ipv6": seed(5, v6),
        "null": seed(6, struct.pack("<I", 2) + v4),
        "null-v6": seed(6, struct.pack("<I", 30) + v6),
        "loop": seed(7, struct.pack("!I", 2) + v4),
        "unsupported": seed(9, b"\x80\x00" + v4),
    }


# The stream target's input is a list of segments, 5 header bytes each:
#   b0: bit 0 direction (0 client→server), bits 1-2 connection (0-3), bit 3 jump 700 s in time
#   b1: TCP flags (FIN 1, SYN 2, RST 4, PSH 8, ACK 16)
#   b2-b3: little-endian signed offset of the sequence number from the next expected one
#   b4: payload length (cut to what is left), then the payload.
FIN, SYN, RST, PSH, ACK = 1, 2, 4, 8, 16


def seg(direction, flags, payload=b"", conn=0, delta=0, jump=False):
    # Payloads over 255 bytes become several records; only the first carries a gap (delta > 0),
    # and a retransmission (delta < 0, which does not move "next") keeps its place for each part.
    out = b""
    while True:
        part, payload = payload[:255], payload[255:]
        out += bytes([direction | conn << 1 | (8 if jump else 0), flags]) + struct.pack("<h", delta) + bytes([len(part)]) + part
        if not payload:
            return out
        delta = delta + len(part) if delta < 0 else 0


def handshake(conn=0):
    return seg(0, SYN, conn=conn) + seg(1, SYN | ACK, conn=conn) + seg(0, ACK, conn=conn)


def close(conn=0):
    return seg(0, FIN | ACK, conn=conn) + seg(1, FIN | ACK, conn=conn) + seg(0, ACK, conn=conn)


CALLBACK_BODY = b'bucket=b&object=o.jpg&etag=E&size=3&mimeType=image%2Fjpeg'
CALLBACK = (b"POST /oss/callback HTTP/1.1\r\nHost: cb.example.com\r\nUser-Agent: aliyun-oss-callback\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nAuthorization: c2ln\r\n"
            b"x-oss-pub-key-url: aHR0cHM6Ly9nb3NzcHVibGljLmFsaWNkbi5jb20vY2FsbGJhY2tfcHViX2tleV92MS5wZW0=\r\n"
            b"Content-Length: %d\r\n\r\n" % len(CALLBACK_BODY)) + CALLBACK_BODY
OK_JSON = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{"Status":"OK"}'


def stream_seeds():
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n5\r\n{\"a\":\r\n2\r\n1}\r\n0\r\n\r\n"
    bad = b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 5\r\n\r\nnope!"
    return {
        "callback-ok": handshake() + seg(0, PSH | ACK, CALLBACK) + seg(1, PSH | ACK, OK_JSON) + close(),
        "callback-split": handshake() + seg(0, ACK, CALLBACK[:40]) + seg(0, PSH | ACK, CALLBACK[40:]) + seg(1, PSH | ACK, chunked) + close(),
        "retransmit-reorder": handshake() + seg(0, ACK, CALLBACK[50:], delta=50)
        + seg(0, ACK, CALLBACK[:60], delta=-len(CALLBACK)) + seg(0, ACK, CALLBACK[:60], delta=-len(CALLBACK)) + seg(1, PSH | ACK, bad) + close(),
        "gap-then-rst": handshake() + seg(0, ACK, CALLBACK[:30]) + seg(0, ACK, CALLBACK[60:], delta=30) + seg(1, RST),
        "refused": seg(0, SYN) + seg(1, RST | ACK),
        "pipelined-two-conns": handshake(0) + handshake(1) + seg(0, PSH | ACK, CALLBACK + CALLBACK)
        + seg(0, PSH | ACK, CALLBACK, conn=1) + seg(1, PSH | ACK, OK_JSON + OK_JSON) + seg(1, PSH | ACK, bad, conn=1) + close(0),
        "no-handshake-idle": seg(0, PSH | ACK, CALLBACK) + seg(1, PSH | ACK, OK_JSON[:30], jump=True) + seg(1, ACK, OK_JSON[30:]),
        "expect-100": handshake() + seg(0, PSH | ACK, CALLBACK.replace(b"\r\n\r\n", b"\r\nExpect: 100-continue\r\n\r\n", 1))
        + seg(1, PSH | ACK, b"HTTP/1.1 100 Continue\r\n\r\n" + OK_JSON) + close(),
    }


def stream_seeds_new_modules():
    """HTTPS callbacks (TLSRecords) and uploads to OSS (UploadCallbacks), through the same segments."""
    config = base64.b64encode(CALLBACK_CONFIG)
    put = (b"PUT /photo.jpg HTTP/1.1\r\nHost: bucket.oss-cn-hangzhou.aliyuncs.com\r\nx-oss-callback: " + config
           + b"\r\nx-oss-callback-var: " + base64.b64encode(CALLBACK_VAR) + b"\r\nContent-Length: 4\r\n\r\n\xff\xd8\xff\xd9")
    failed = oss_error(b"CallbackFailed", b"Error status : 502.")
    answer_203 = b"HTTP/1.1 203 Non-Authoritative Information\r\nContent-Type: application/xml\r\nContent-Length: %d\r\n\r\n" % len(failed) + failed
    form = post_object_form(config)
    post = (b"POST / HTTP/1.1\r\nHost: bucket.oss-cn-hangzhou.aliyuncs.com\r\nContent-Type: multipart/form-data; boundary=" + BOUNDARY
            + b"\r\nContent-Length: %d\r\n\r\n" % len(form) + form)
    bad = oss_error(b"InvalidArgument", b"The callback configuration is not json format.", b"0007-00000003")
    answer_400 = b"HTTP/1.1 400 Bad Request\r\nContent-Type: application/xml\r\nContent-Length: %d\r\n\r\n" % len(bad) + bad
    return {
        "https-tls13": handshake() + seg(0, PSH | ACK, TLS13_CLIENT) + seg(1, PSH | ACK, TLS13_SERVER)
        + seg(0, PSH | ACK, TLS13_CLIENT_FINISHED + app_data(400)) + seg(1, PSH | ACK, app_data(250)) + close(),
        "https-no-sni-alert": handshake() + seg(0, PSH | ACK, tls_record(22, client_hello(sni=None), 0x0301))
        + seg(1, PSH | ACK, alert(2, 112)) + seg(1, RST),
        "upload-put-203": handshake() + seg(0, PSH | ACK, put) + seg(1, PSH | ACK, answer_203) + close(),
        "upload-post-400": handshake() + seg(0, PSH | ACK, post) + seg(1, PSH | ACK, answer_400) + close(),
    }


def json_seeds():
    docs = [b'{"Status":"OK"}', b'[1,-2.5e+10,true,false,null,"\\u00e9\\uD83D\\uDE00"]', b'"x"', b"0", b" \t\n{}\r",
            b'{"a":{"b":[[],{}]},"c":"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"}', b"[1,]", b'{"a":1,}', b"\xef\xbb\xbf{}",
            b"[" * 600 + b"]" * 600, b"1e400", b"-0.0E-7", b'{"k":"\\"\\\\\\/\\b\\f\\n\\r\\t"}', b"[01]", b'"\\uD800"',
            b"\x7b\x00\x7d\x00", b"nul", b"{}{}"]
    return {"doc%02d" % i: d for i, d in enumerate(docs)}


# ---- TLS (the tls target; also HTTPS seeds for the stream target) ----

def u16(v):
    return struct.pack("!H", v)


def vec8(b):
    return bytes([len(b)]) + b


def vec16(b):
    return u16(len(b)) + b


def ext(kind, data):
    return u16(kind) + vec16(data)


def tls_record(kind, body, version=0x0303):
    return bytes([kind]) + u16(version) + vec16(body)


def handshake_msg(kind, body):
    return bytes([kind]) + struct.pack("!I", len(body))[1:] + body


HRR_RANDOM = bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")


def client_hello(sni=b"cb.example.com", alpn=(b"http/1.1",), versions=(0x0A0A, 0x0304, 0x0303), legacy=0x0303,
                 padding=0, key_share=True):
    exts = b""
    if sni is not None:
        exts += ext(0, vec16(b"\x00" + vec16(sni)))
    exts += ext(10, vec16(u16(0x001D) + u16(0x0017)))  # supported_groups
    if alpn:
        exts += ext(16, vec16(b"".join(vec8(a) for a in alpn)))
    exts += ext(13, vec16(u16(0x0804) + u16(0x0403)))  # signature_algorithms
    if versions:
        exts += ext(43, vec8(b"".join(u16(v) for v in versions)))
    if key_share:
        exts += ext(51, vec16(u16(0x001D) + vec16(bytes(range(32)))))
    if padding:
        exts += ext(21, b"\x00" * padding)
    suites = b"".join(u16(s) for s in (0x1301, 0x1302, 0x1303, 0xC02F, 0xC030, 0x009C))
    body = u16(legacy) + bytes(range(32)) + vec8(bytes(range(32))) + vec16(suites) + vec8(b"\x00") + vec16(exts)
    return handshake_msg(1, body)


def server_hello(selected=0x0304, alpn=None, hrr=False, suite=0x1301):
    exts = b""
    if selected:
        exts += ext(43, u16(selected))
    if alpn:
        exts += ext(16, vec16(vec8(alpn)))
    if selected == 0x0304:
        exts += ext(51, u16(0x001D) + vec16(bytes(range(32, 64))))
    random = HRR_RANDOM if hrr else bytes(range(100, 132))
    body = u16(0x0303) + random + vec8(bytes(range(32))) + u16(suite) + b"\x00" + vec16(exts)
    return handshake_msg(2, body)


CCS = tls_record(20, b"\x01")


def app_data(n, fill=0xA5):
    return tls_record(23, bytes([fill]) * n)


def alert(level, code):
    return tls_record(21, bytes([level, code]))


# Items of the tls target: two control bytes each (see fuzz/harnesses/tls.swift).
C, S = 0, 1


def data(direction, payload, split=0):
    out = b""
    while True:
        part, payload = payload[:255], payload[255:]
        out += bytes([direction | split << 3, len(part)]) + part
        if not payload:
            return out


def gap(direction, length):
    if 1 <= length <= 255:
        return bytes([direction | 2 << 1, length])
    return bytes([direction | 2 << 1, 0]) + struct.pack("<H", length if length < 65536 else 0)


def end(direction, code):  # 0 FIN, 1 RST by it, 2 RST by the other, 3 end of capture, 4 idle
    return bytes([direction | 3 << 1, code])


TLS13_CLIENT = tls_record(22, client_hello(), 0x0301)
TLS13_SERVER = tls_record(22, server_hello(alpn=b"http/1.1")) + CCS + app_data(120) + app_data(900) + app_data(264) + app_data(53)
TLS13_CLIENT_FINISHED = CCS + app_data(53)


def tls_seeds():
    default = b"\x01"  # maxHellos 2, maxHelloBytes 65536
    tls13 = (data(C, TLS13_CLIENT) + data(S, TLS13_SERVER) + data(C, TLS13_CLIENT_FINISHED) + data(C, app_data(400))
             + data(S, app_data(250) + app_data(250)) + data(S, app_data(180)) + data(C, app_data(19)) + end(C, 0) + end(S, 0))
    tls12_client_hello = tls_record(22, client_hello(versions=(), key_share=False, alpn=()), 0x0301)
    tls12_server = tls_record(22, server_hello(selected=0, suite=0xC02F) + handshake_msg(11, b"\x00" * 300) + handshake_msg(14, b""))
    tls12 = (data(C, tls12_client_hello) + data(S, tls12_server)
             + data(C, tls_record(22, handshake_msg(16, b"\x20" + b"\x11" * 32)) + CCS + tls_record(22, b"\x99" * 40))
             + data(S, CCS + tls_record(22, b"\x77" * 40)) + data(C, app_data(300)) + data(S, app_data(120)) + end(C, 0))
    hrr = (data(C, TLS13_CLIENT) + data(S, tls_record(22, server_hello(hrr=True)) + CCS)
           + data(C, CCS + tls_record(22, client_hello(sni=b"cb.example.com"))) + data(S, TLS13_SERVER)
           + data(C, app_data(53) + app_data(200)) + data(S, app_data(100)) + end(C, 1))
    ch = tls_record(22, client_hello(), 0x0301)
    split_hello = client_hello(sni=b"a-rather-long-callback-server-name.example.org", alpn=(b"h2", b"http/1.1"))
    three_records = (tls_record(22, split_hello[:3], 0x0301) + tls_record(22, split_hello[3:100], 0x0301)
                     + tls_record(22, split_hello[100:], 0x0301))
    return {
        "tls13-full": default + tls13,
        "tls13-split-pieces": default + data(C, TLS13_CLIENT, split=1) + data(S, TLS13_SERVER, split=6)
        + data(C, TLS13_CLIENT_FINISHED + app_data(40), split=3) + data(S, app_data(30), split=2) + end(C, 0),
        "tls12-full": default + tls12,
        "tls12-encrypted-alert": default + data(C, tls12_client_hello) + data(S, tls12_server)
        + data(C, CCS + tls_record(21, b"\x55" * 26)) + end(S, 0),
        "tls13-encrypted-alert": default + data(C, TLS13_CLIENT) + data(S, TLS13_SERVER) + data(C, CCS + app_data(19)) + end(C, 0),
        "hello-retry": default + hrr,
        "no-sni-fatal-alert": default + data(C, tls_record(22, client_hello(sni=None), 0x0301)) + data(S, alert(2, 112)) + end(S, 2),
        "warning-then-fin": default + data(C, ch) + data(S, alert(1, 0)) + end(S, 0),
        "hello-over-three-records": default + data(C, three_records, split=1) + data(S, tls_record(22, server_hello(selected=0x0303))),
        "truncated-hello": default + data(C, ch[:77]) + end(C, 3),
        "gap-in-app-data": default + data(C, TLS13_CLIENT) + data(S, TLS13_SERVER) + data(C, TLS13_CLIENT_FINISHED)
        + data(C, app_data(400)[:100]) + gap(C, 200) + data(C, app_data(400)[300:] + app_data(20)) + data(S, app_data(64)) + end(C, 0),
        "gap-over-header": default + data(C, TLS13_CLIENT) + data(S, TLS13_SERVER) + data(C, TLS13_CLIENT_FINISHED)
        + data(C, app_data(100)[:50]) + gap(C, 60) + data(C, b"\xAA" * 40) + end(C, 4),
        "gap-in-hello": default + data(C, ch[:60]) + gap(C, 40) + data(C, ch[100:]) + data(S, alert(2, 40)),
        "gap-huge": default + data(C, ch) + gap(S, 70000) + data(S, app_data(10)),
        "not-tls-after-hello": default + data(C, ch + b"GET / HTTP/1.1\r\nHost: x\r\n\r\n") + end(C, 0),
        "zero-length-records": default + data(C, tls_record(22, b"", 0x0301) + ch + tls_record(23, b"") + tls_record(21, b"")),
        "bounded-hellos": b"\x05" + data(C, tls_record(22, client_hello(padding=400), 0x0301)) + data(S, TLS13_SERVER),
        "one-hello-only": b"\x00" + hrr,
        "tiny-bound": b"\x0d" + data(C, ch) + data(S, tls_record(22, server_hello())),
        "hello-body-client": b"\x80" + client_hello(alpn=(b"h2",) * 20)[4:],
        "hello-body-client-tls12": b"\x80" + client_hello(sni=None, versions=(), key_share=False, alpn=())[4:],
        "hello-body-server": b"\xa0" + server_hello(alpn=b"h2")[4:],
        "hello-body-hrr": b"\xa0" + server_hello(hrr=True)[4:],
        "build-1": b"\xc0" + bytes(range(256)),
        "build-2": b"\xc0\xff\x03\x03\x20" + bytes(range(40, 200)) * 3,
        "build-3": b"\xc0\x3f" + bytes(reversed(range(256))) * 2,
    }


# ---- Uploads (the upload target; byte 0 picks the decoder, see fuzz/harnesses/upload.swift) ----

CALLBACK_CONFIG = json.dumps({
    "callbackUrl": "https://cb.example.com/oss/callback;http://121.43.113.8:23456/index.html",
    "callbackHost": "cb.example.com",
    "callbackBody": "bucket=${bucket}&object=${object}&etag=${etag}&size=${size}&mimeType=${mimeType}&my_var=${x:my_var}",
    "callbackBodyType": "application/x-www-form-urlencoded",
    "callbackSNI": True,
    "signatureVersion": "1.0",
}, separators=(",", ":")).encode()
CALLBACK_VAR = b'{"x:my_var":"value","x:uid":"12345"}'
BOUNDARY = b"----WebKitFormBoundary7MA4YWxkTrZu0gW"


def post_object_form(callback_b64, fields=((b"key", b"user/${filename}"), (b"x:my_var", b"value")), file=True, close=True):
    out = b""
    for name, value in fields:
        out += b"--" + BOUNDARY + b'\r\nContent-Disposition: form-data; name="' + name + b'"\r\n\r\n' + value + b"\r\n"
    if callback_b64 is not None:
        out += b"--" + BOUNDARY + b'\r\nContent-Disposition: form-data; name="callback"\r\n\r\n' + callback_b64 + b"\r\n"
    if file:
        out += (b"--" + BOUNDARY + b'\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n'
                b"Content-Type: image/jpeg\r\n\r\n\xff\xd8\xff\xe0JFIF\r\n")
    if close:
        out += b"--" + BOUNDARY + b"--\r\n"
    return out


def oss_error(code, message, ec=b"0007-00000203", extra=b""):
    return (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n  <Code>' + code + b"</Code>\n  <Message>" + message
            + b"</Message>\n  <RequestId>5C3D9175B6FC201293AD****</RequestId>\n  <HostId>bucket.oss-cn-hangzhou.aliyuncs.com</HostId>\n"
            + extra + b"  <EC>" + ec + b"</EC>\n</Error>\n")


def upload_seeds():
    b64 = base64.b64encode(CALLBACK_CONFIG)
    var64 = base64.b64encode(CALLBACK_VAR)
    content_type = b"multipart/form-data; boundary=" + BOUNDARY
    form = post_object_form(b64)
    private = json.dumps({"callbackUrl": "http://192.168.1.10:8080/cb;[::1]/x;localhost", "callbackBody": ""}).encode()
    too_many = json.dumps({"callbackUrl": ";".join("h%d.example.com" % i for i in range(7)), "callbackBody": "a=b",
                           "callbackSNI": "true", "signatureVersion": "3", "callbackBodyType": "text/plain", "extra": [1, {"k": None}]}).encode()
    seeds = {
        # 0: Base64
        "b64-config": b"\x00" + b64,
        "b64-url-safe": b"\x00" + base64.urlsafe_b64encode(b"\xfb\xff\xfe" * 5),
        "b64-pad-bits": b"\x00QR==",
        "b64-bad": b"\x00eyJh=Yi",
        "b64-no-pad": b"\x00eyJhIjox",
        # 1: SmallJSON
        "json-config": b"\x01" + CALLBACK_CONFIG,
        "json-escapes": b'\x01{"a":"\\u00e9\\uD83D\\uDE00\\n\\"","b":[1,-2.5e+10,true,false,null],"c":{}}',
        "json-deep-31": b"\x01" + b"[" * 32 + b"]" * 32,
        "json-deep-32": b"\x01" + b"[" * 32 + b"1" + b"]" * 32,
        "json-bad": b'\x01{"a":01}',
        "json-lone-surrogate": b'\x01"\\uDC00"',
        "json-utf8": b'\x01["\xc3\xa9\xf0\x9f\x98\x80", "\xed\xa0\x80"]',
        # 2: callbackUrl
        "url-https": b"\x02https://cb.example.com:8443/oss/callback?a=1",
        "url-bare-ip": b"\x02121.43.113.8:23456/index.html",
        "url-v6": b"\x02http://[2001:db8::1]:80/cb",
        "url-mapped": b"\x02[::ffff:10.0.0.1]",
        "url-userinfo": b"\x02 http://user:pw@example.com:0/ ",
        "url-bad-scheme": b"\x02ftp://example.com",
        "ipv6-text": b"\x02fe80::1%eth0",
        # 3: PostObject form
        "form": b"\x03" + content_type + b"\n" + form,
        "form-quoted-boundary": b'\x03multipart/form-data; charset=utf-8; boundary="' + BOUNDARY + b'"\n' + form,
        "form-truncated": b"\x03" + content_type + b"\n" + form[:150],
        "form-no-file": b"\x03" + BOUNDARY + b"\n" + post_object_form(b64, file=False),
        # 4: inspect (flags, then target NUL x-oss-callback NUL x-oss-callback-var NUL Content-Type NUL body)
        "inspect-header": b"\x04\x01/object.jpg\x00" + b64 + b"\x00" + var64 + b"\x00\x00",
        "inspect-query": b"\x04\x01/object.jpg?callback=" + b64.replace(b"+", b"%2B") + b"&callback-var=" + var64 + b"\x00\x00\x00\x00",
        "inspect-form": b"\x04\x01/\x00\x00\x00" + content_type + b"\x00" + form,
        "inspect-both-places": b"\x04\x01/o?callback=" + b64 + b"\x00" + b64 + b"\x00\x00" + content_type + b"\x00" + form,
        "inspect-form-cut": b"\x04\x00/\x00\x00\x00" + content_type + b"\x00" + post_object_form(b"QUJD" * 300)[:900],
        "inspect-var-only": b"\x04\x01/\x00\x00" + var64 + b"\x00\x00",
        # 5: one configuration from header, query and form
        "locations-config": b"\x05" + CALLBACK_CONFIG + b"\x00" + CALLBACK_VAR,
        "locations-private": b"\x05" + private,
        "locations-too-many": b"\x05" + too_many + b'\x00{"X:Up":1,"x:ok":"v"}',
        "locations-not-object": b"\x05[1,2]",
        "locations-too-long": b"\x05" + b'{"callbackUrl":"' + b"a" * 3900 + b'"}',
        # 6: OSS error documents
        "error-callback-failed": b"\x06" + oss_error(b"CallbackFailed", b"Error status : 502."),
        "error-invalid-argument": b"\x06" + oss_error(b"InvalidArgument", b"The callback configuration is not json format.",
                                                      b"0007-00000003", b"  <ArgumentName>callback</ArgumentName>\n  <ArgumentValue>e30=</ArgumentValue>\n"),
        "error-entities": b"\x06<Error><Code>CallbackFailed</Code><Message><![CDATA[Error status : -1 8 reply timeout, cost:5000ms]]> &amp;&#x41;&#65;&#0;&bogus;</Message></Error>",
        "error-unclosed": b"\x06<Error><Code>CallbackFailed</Code><Message>Error status : 400. missing content-length",
        # 7: messages
        "msg-status": b"\x07Error status : 400.",
        "msg-minus-one": b"\x07Error status : -1. OSS can not connect to your callbackUrl, please check it",
        "msg-timeout": b"\x07error Status:-1 8 reply timeout, cost:5001ms, timeout:5000ms",
        "msg-content-length": b"\x07Error status : 400. invalid conent-length\x00Response body is not valid json format.",
        "msg-others": b"\x07Too many callback requests.\x00Get image info failed.",
        "msg-entities": b"\x07a & b < c > \"d\" 'e' \xe2\x82\xac\x01\x00 ",
    }
    return seeds


# ---- pcapng (the pcapng target: the file's bytes, see fuzz/harnesses/pcapng.swift) ----

def png_block(kind, body, big=False):
    e = ">" if big else "<"
    body += b"\x00" * (-len(body) % 4)
    return struct.pack(e + "II", kind, len(body) + 12) + body + struct.pack(e + "I", len(body) + 12)


def png_option(code, value, big=False):
    e = ">" if big else "<"
    return struct.pack(e + "HH", code, len(value)) + value + b"\x00" * (-len(value) % 4)


def png_shb(big=False, section_length=-1):
    e = ">" if big else "<"
    return png_block(0x0A0D0D0A, struct.pack(e + "IHHq", 0x1A2B3C4D, 1, 0, section_length), big)


def png_idb(linktype, snaplen=262144, options=b"", big=False):
    e = ">" if big else "<"
    if options:
        options += png_option(0, b"", big)
    return png_block(1, struct.pack(e + "HHI", linktype, 0, snaplen) + options, big)


def png_epb(interface, units, data, original=None, big=False):
    e = ">" if big else "<"
    original = len(data) if original is None else original
    return png_block(6, struct.pack(e + "IIIII", interface, units >> 32, units & 0xFFFFFFFF, len(data), original) + data, big)


def png_spb(data, original=None, big=False):
    e = ">" if big else "<"
    return png_block(3, struct.pack(e + "I", len(data) if original is None else original) + data, big)


def png_pb(interface, units, data, big=False):
    e = ">" if big else "<"
    return png_block(2, struct.pack(e + "HHIIII", interface, 0, units >> 32, units & 0xFFFFFFFF, len(data), len(data)) + data, big)


def pcapng_seeds():
    http = b"POST /cb HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"
    eth, cooked = ethernet(ipv4_tcp(http)), sll2(ipv4_tcp(http))
    ns = png_option(9, bytes([9]))
    binary = png_option(9, bytes([0x80 | 20]))
    offset = png_option(14, struct.pack("<q", 1_700_000_000))
    t = 1_764_118_703_731_000
    seeds = {
        "two-links": png_shb() + png_idb(1) + png_idb(276) + png_epb(0, t, eth) + png_epb(1, t + 5, cooked),
        "big-endian": png_shb(True) + png_idb(1, big=True) + png_idb(276, options=png_option(9, bytes([9]), True), big=True)
        + png_epb(1, t * 1000, cooked, big=True) + png_epb(0, t, eth, big=True),
        "resolutions": png_shb() + png_idb(1, options=ns) + png_idb(113, options=binary + offset) + png_idb(101)
        + png_epb(0, t * 1000, eth) + png_epb(1, 12345 << 20, sll(ipv4_tcp(http))) + png_epb(2, t, ipv4_tcp(http)),
        "simple-and-obsolete": png_shb() + png_idb(276, snaplen=64) + png_spb(cooked) + png_pb(0, t, cooked) + png_spb(cooked[:40], 500),
        "sections": png_shb() + png_idb(1) + png_epb(0, t, eth) + png_shb(True) + png_idb(276, big=True) + png_epb(0, t, cooked, big=True),
        "skipped-blocks": png_shb() + png_idb(1) + png_block(4, png_option(1, b"\x7f\x00\x00\x01host\x00") + png_option(0, b""))
        + png_block(5, struct.pack("<III", 0, 0, 0)) + png_block(0x0BAD, b"custom") + png_epb(0, t, eth),
        "truncated-snaplen": png_shb() + png_idb(1, snaplen=60) + png_epb(0, t, eth[:60], original=len(eth)),
    }
    here = os.path.dirname(os.path.abspath(__file__))
    sample = os.path.join(here, "..", "samples", "captures", "two-interfaces.pcapng")
    with open(sample, "rb") as f:
        seeds["two-interfaces-sample-head"] = f.read(8192)
    return seeds


def main():
    target, directory = sys.argv[1], sys.argv[2]
    seeds = {"decoder": decoder_seeds, "stream": lambda: {**stream_seeds(), **stream_seeds_new_modules()}, "json": json_seeds, "tls": tls_seeds, "upload": upload_seeds, "pcapng": pcapng_seeds}[target]()
    os.makedirs(directory, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(directory, name), "wb") as f:
            f.write(data)
    print("%d seeds for %s in %s" % (len(seeds), target, directory))


if __name__ == "__main__":
    main()
