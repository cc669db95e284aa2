#!/usr/bin/env python3
"""Writes the resource-attack captures of issue #6 (reproducers for docs/robustness.md).

Usage: fuzz/make-attacks.py OUTDIR [SCALE [NAME...]]
  SCALE multiplies the sizes (default 1); NAMEs pick attacks (default all), e.g.
  fuzz/make-attacks.py /tmp/att 16 long-header-line   → a 1 GiB header line

  syn-flood.pcap            1,000,000 one-packet connections (a SYN each, 1 µs apart)
  content-length-2e63.pcap  a callback POST whose Content-Length is 2^63 (and 2^63-1 answered)
  endless-chunked.pcap      a response with chunked body that never ends (200,000 chunks)
  many-headers.pcap         a request with 100,000 header fields
  long-header-line.pcap     a 64 MiB header line over 1,000-byte segments (1 GiB with SCALE 16)
  deep-json.pcap            a callback answered with JSON nested 100,000 deep (deep-json-over: 100,001)
  retransmission-storm.pcap 20,000 overlapping retransmissions of a 64 KiB request body
"""
import struct
import sys


class Pcap:
    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        self.t = 1_700_000_000_000_000  # µs

    def record(self, frame, step_us=1):
        self.t += step_us
        self.f.write(struct.pack("<IIII", self.t // 1_000_000, self.t % 1_000_000, len(frame), len(frame)))
        self.f.write(frame)

    def close(self):
        self.f.close()


def frame(src, dst, sport, dport, seq, ack, flags, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4, flags, 65535, 0, 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40 + len(payload), 0, 0x4000, 64, 6, 0, src, dst)
    return b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00" + ip + tcp + payload


C, S = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
SYN, ACK, PSH, FIN = 2, 16, 8, 1


class Conn:
    """One client→server connection with a handshake; send() splits into segments."""

    def __init__(self, pcap, cport=40000, sport=80):
        self.p, self.cport, self.sport = pcap, cport, sport
        self.cseq, self.sseq = 1000, 900000
        self.p.record(frame(C, S, cport, sport, self.cseq, 0, SYN))
        self.p.record(frame(S, C, sport, cport, self.sseq, self.cseq + 1, SYN | ACK))
        self.cseq += 1
        self.sseq += 1
        self.p.record(frame(C, S, cport, sport, self.cseq, self.sseq, ACK))

    def client(self, data, mss=1400):
        for i in range(0, len(data), mss):
            part = data[i:i + mss]
            self.p.record(frame(C, S, self.cport, self.sport, self.cseq, self.sseq, PSH | ACK, part))
            self.cseq += len(part)

    def server(self, data, mss=1400):
        for i in range(0, len(data), mss):
            part = data[i:i + mss]
            self.p.record(frame(S, C, self.sport, self.cport, self.sseq, self.cseq, PSH | ACK, part))
            self.sseq += len(part)

    def close(self):
        self.p.record(frame(C, S, self.cport, self.sport, self.cseq, self.sseq, FIN | ACK))
        self.p.record(frame(S, C, self.sport, self.cport, self.sseq, self.cseq + 1, FIN | ACK))
        self.p.record(frame(C, S, self.cport, self.sport, self.cseq + 1, self.sseq + 1, ACK))


CB = (b"POST /oss/callback HTTP/1.1\r\nHost: cb.example.com\r\nUser-Agent: aliyun-oss-callback\r\n"
      b"Content-Type: application/x-www-form-urlencoded\r\nAuthorization: c2ln\r\n"
      b"x-oss-pub-key-url: aHR0cHM6Ly9nb3NzcHVibGljLmFsaWNkbi5jb20vY2FsbGJhY2tfcHViX2tleV92MS5wZW0=\r\n")


def syn_flood(path, n):
    p = Pcap(path)
    for i in range(n):
        src = bytes([10, (i >> 16) & 0xFF, (i >> 8) & 0xFF, i & 0xFF])
        p.record(frame(src, S, 1024 + i % 60000, 80, i, 0, SYN))
    p.close()


def content_length(path):
    p = Pcap(path)
    c = Conn(p)
    c.client(CB + b"Content-Length: 9223372036854775808\r\n\r\nbucket=b")
    c.server(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 9223372036854775807\r\n\r\n{\"a\":1}")
    c.close()
    p.close()


def endless_chunked(path, chunks):
    p = Pcap(path)
    c = Conn(p)
    body = b"bucket=b"
    c.client(CB + b"Content-Length: %d\r\n\r\n" % len(body) + body)
    c.server(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    piece = b"400\r\n" + b" " * 1024 + b"\r\n"
    batch = piece * 16
    for _ in range(chunks // 16):
        c.server(batch, mss=len(batch))
    p.close()


def many_headers(path, n):
    p = Pcap(path)
    c = Conn(p)
    headers = b"".join(b"X-H%d: v\r\n" % i for i in range(n))
    c.client(CB + headers + b"Content-Length: 0\r\n\r\n")
    c.server(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
    c.close()
    p.close()


def long_header_line(path, total):
    p = Pcap(path)
    c = Conn(p)
    c.client(CB + b"X-Long: ")
    chunk = b"a" * 1000
    for _ in range(total // 1000):
        c.client(chunk, mss=1000)
    c.client(b"\r\nContent-Length: 0\r\n\r\n")
    c.server(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
    c.close()
    p.close()


def deep_json(path, depth):
    p = Pcap(path)
    c = Conn(p)
    body = b"bucket=b"
    c.client(CB + b"Content-Length: %d\r\n\r\n" % len(body) + body)
    js = b"[" * depth + b"]" * depth
    c.server(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(js) + js)
    c.close()
    p.close()


def retransmission_storm(path, n):
    p = Pcap(path)
    c = Conn(p)
    body = b"x" * 65536
    data = CB + b"Content-Length: %d\r\n\r\n" % len(body) + body
    base = c.cseq
    # Overlapping retransmissions: segments of 1400 bytes starting at every 7th byte, forwards and back.
    for i in range(n):
        off = (i * 7919) % (len(data) - 1400)
        p.record(frame(C, S, 40000, 80, base + off, c.sseq, ACK, data[off:off + 1400]))
    c.client(data)
    c.server(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
    c.close()
    p.close()


def main():
    out = sys.argv[1]
    scale = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    attacks = {
        "syn-flood": lambda p: syn_flood(p, 1_000_000 * scale),
        "content-length-2e63": content_length,
        "endless-chunked": lambda p: endless_chunked(p, 200_000 * scale),
        "many-headers": lambda p: many_headers(p, 100_000 * scale),
        "long-header-line": lambda p: long_header_line(p, 64 * 1024 * 1024 * scale),
        "deep-json": lambda p: deep_json(p, 100_000),
        "deep-json-over": lambda p: deep_json(p, 100_001),
        "retransmission-storm": lambda p: retransmission_storm(p, 20_000 * scale),
    }
    for name in sys.argv[3:] or list(attacks):
        attacks[name]("%s/%s.pcap" % (out, name))
        print("wrote %s/%s.pcap" % (out, name))


if __name__ == "__main__":
    main()
