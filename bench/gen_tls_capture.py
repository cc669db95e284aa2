#!/usr/bin/env python3
"""Synthesise an HTTPS-callback capture (TLS records, never decryptable) and its truth.

    bench/gen_tls_capture.py OUT.pcap [--connections 20000] [--seed 1]

Each connection: SYN / SYN-ACK / ACK; a ClientHello without SNI (as OSS sends by default);
the server's TLS 1.3 flight (ServerHello, ChangeCipherSpec, one encrypted record); the client's
ChangeCipherSpec + Finished (a 53-byte record); an 850-byte request record; two session-ticket
records; a 230-byte response record; FINs. Every 50th connection answers after 6 s (slow), every
50th (offset 25) is refused by a fatal unrecognized_name alert after the ClientHello. Connections
are staggered so that about 200 are open at once. Writes OUT.truth.json with the expected
findings by rule. Record bytes are random: only the framing is real.
"""
import argparse
import json
import random
import struct


def u16(v):
    return struct.pack("!H", v)


def record(t, fragment, version=0x0303):
    return bytes([t]) + u16(version) + u16(len(fragment)) + fragment


def client_hello():
    body = u16(0x0303) + bytes(32) + bytes([32]) + bytes(32) + u16(4) + b"\x13\x01\x13\x02" + b"\x01\x00"
    ext = u16(43) + u16(5) + bytes([4]) + u16(0x0304) + u16(0x0303)
    body += u16(len(ext)) + ext
    msg = bytes([1]) + len(body).to_bytes(3, "big") + body
    return record(22, msg, 0x0301)


def server_hello():
    body = u16(0x0303) + bytes(32) + bytes([32]) + bytes(32) + b"\x13\x01" + b"\x00"
    ext = u16(43) + u16(2) + u16(0x0304)
    body += u16(len(ext)) + ext
    return record(22, bytes([2]) + len(body).to_bytes(3, "big") + body)


def app(n, rng):
    return record(23, rng.randbytes(n))


def frame(src, dst, sport, dport, seq, ack, flags, payload):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4, flags, 65535, 0, 0)
    total = 20 + len(tcp) + len(payload)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 0, 0x4000, 64, 6, 0, src, dst)
    return b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip + tcp + payload


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--connections", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    SYN, ACK, PSH, FIN = 0x02, 0x10, 0x08, 0x01
    server = bytes([10, 0, 0, 10])
    events = []  # (time, frame bytes)
    truth = {"connections": args.connections, "tls-handshake-failed": 0, "tls-no-sni": 0, "slow-response": 0}
    for i in range(args.connections):
        t = i * 0.005
        client = bytes([100, 103, (i >> 8) & 0xFF, i & 0xFF])
        cport = 20000 + i % 40000
        cs, ss = rng.getrandbits(32), rng.getrandbits(32)
        kind = "slow" if i % 50 == 0 else "alert" if i % 50 == 25 else "good"

        def c(payload, flags=PSH | ACK, dt=0.0001):
            nonlocal t, cs
            t += dt
            events.append((t, frame(client, server, cport, 443, cs, ss, flags, payload)))
            cs += len(payload) + (1 if flags & (SYN | FIN) else 0)

        def s(payload, flags=PSH | ACK, dt=0.0001):
            nonlocal t, ss
            t += dt
            events.append((t, frame(server, client, 443, cport, ss, cs, flags, payload)))
            ss += len(payload) + (1 if flags & (SYN | FIN) else 0)

        c(b"", SYN)
        s(b"", SYN | ACK)
        c(b"", ACK)
        c(client_hello())
        if kind == "alert":
            s(record(21, b"\x02\x70"))
            s(b"", FIN | ACK)
            c(b"", FIN | ACK)
            truth["tls-handshake-failed"] += 1
            truth["tls-no-sni"] += 1
            continue
        s(server_hello() + record(20, b"\x01") + app(2100, rng))
        c(record(20, b"\x01") + app(53, rng))
        c(app(850, rng))
        s(app(250, rng) + app(250, rng))
        s(app(230, rng), dt=6.0 if kind == "slow" else 0.0005)
        s(b"", FIN | ACK)
        c(b"", FIN | ACK)
        if kind == "slow":
            truth["slow-response"] += 1
    events.sort(key=lambda e: e[0])
    with open(args.out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        base = 1_795_627_201
        for t, data in events:
            sec = base + int(t)
            usec = int(round((t - int(t)) * 1e6))
            if usec == 1_000_000:
                sec, usec = sec + 1, 0
            f.write(struct.pack("<IIII", sec, usec, len(data), len(data)) + data)
    with open(args.out.rsplit(".", 1)[0] + ".truth.json", "w") as f:
        json.dump(truth, f, indent=1)
    print(json.dumps(truth))


if __name__ == "__main__":
    main()
