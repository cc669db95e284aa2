#!/usr/bin/env python3
"""Writes the seed corpus of one fuzz target into a directory (the seeds are generated, never
committed as opaque files).  Usage: fuzz/make-seeds.py decoder|stream|json DIR"""
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


def json_seeds():
    docs = [b'{"Status":"OK"}', b'[1,-2.5e+10,true,false,null,"\\u00e9\\uD83D\\uDE00"]', b'"x"', b"0", b" \t\n{}\r",
            b'{"a":{"b":[[],{}]},"c":"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"}', b"[1,]", b'{"a":1,}', b"\xef\xbb\xbf{}",
            b"[" * 600 + b"]" * 600, b"1e400", b"-0.0E-7", b'{"k":"\\"\\\\\\/\\b\\f\\n\\r\\t"}', b"[01]", b'"\\uD800"',
            b"\x7b\x00\x7d\x00", b"nul", b"{}{}"]
    return {"doc%02d" % i: d for i, d in enumerate(docs)}


def main():
    target, directory = sys.argv[1], sys.argv[2]
    seeds = {"decoder": decoder_seeds, "stream": stream_seeds, "json": json_seeds}[target]()
    os.makedirs(directory, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(directory, name), "wb") as f:
            f.write(data)
    print("%d seeds for %s in %s" % (len(seeds), target, directory))


if __name__ == "__main__":
    main()
