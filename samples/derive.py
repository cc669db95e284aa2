#!/usr/bin/env python3
"""Derive messy captures from the real loopback recordings in samples/captures/.

    python3 samples/derive.py            # rewrites samples/derived/ (deterministic: seeded)
    python3 samples/derive.py --check    # verifies the committed files are what this script makes

Python 3.8+ standard library only. Reads and writes pcap itself (no scapy, no libpcap).

The TCP-level variants and snaplen-200 come from samples/captures/all-lo.pcap (tcpdump -i lo:
Ethernet, µs, every HTTP scenario, one TCP connection each; the HTTPS scenarios' connections
are left out). To keep samples/derived/ small, the
link-layer variants and split-1448 come from a subset of the per-scenario captures
(samples/captures/<scenario>.pcap, merged in time order; SUBSET below): IPv4 and IPv6, each
body rule, a refusal, a reset, keep-alive and pipelining. The bytes every TCP connection carries
are the recorded ones; only how they are packed into segments, which segments the capture
keeps, and how the frames are wrapped changes:

    split-1448     every data segment re-split to at most 1448 payload bytes (Ethernet MSS)
    split-small    every data segment re-split to small random sizes (seeded: a quarter 1-8
                   bytes, cutting inside tokens and CRLFs, the rest 40-300 bytes)
    reorder        split-small, then the pieces of each original segment shuffled in windows
                   of up to 4 (seeded); the FIN rides on the last piece, so it can come early
    capture-order  capture order is not wire order (`tcpdump -i any` on several cores, queues
                   merged): split-small, then the pieces of each HTTP message permuted in
                   windows of 2-4 over the capture positions they had, every other packet (the
                   peer's pure ACKs and ACK fields) left where it was captured; where the peer
                   answered a segment with a pure ACK of all of it, a window ending at that
                   segment's last piece writes its last piece just after that ACK, so some
                   pieces (often a message's head) come after the ACK that acknowledges them.
                   Time stamps are the pieces' own, so they are not monotonic in the file
    dup-exact      split-small plus exact retransmissions of about a third of the pieces
    dup-overlap    split-small plus retransmissions that straddle two pieces, and a
                   re-packetised retransmission of a whole original segment
    drop-middle    response bytes split at 48 bytes (and at header/body boundaries); the middle
                   response piece of every connection is not in the capture
    drop-last      the same split; the last response data piece before the server's FIN (or
                   before the end of the connection) is not in the capture
    vlan           every frame carries an 802.1Q tag (VLAN 100)
    qinq           802.1ad outer tag (VLAN 200) + 802.1Q inner tag (VLAN 100)
    raw            LINKTYPE_RAW (101): the IP packet without a link header
    null           LINKTYPE_NULL (0): 4-byte address family, little-endian host order
                   (AF_INET 2; AF_INET6 30, the macOS value)
    snaplen-200    every record cut to 200 bytes with its original length kept and a file
                   snaplen of 200, as `tcpdump -s 200` writes

Timestamps: every piece of a re-split segment keeps the original segment's capture time, so
request end, response end and latency are those of the recording.

The field servers' recording (samples/captures/field/all-lo.pcap, record-field.sh; truth in
recording-field.json) gives field-split-small, field-reorder and field-capture-order: the same
variants with pieces of 1-8 or 9-64 bytes (field_sizes: its messages are 5-866 bytes, so every
message is several pieces), and capture-order windows that never span pieces captured more
than 2 ms apart (capture reordering is microseconds to milliseconds; these servers pause 86 ms
between chunks and 5.8 s inside a body, and no capture writes a segment seconds late; without
the bound, 4 of 6 seeds write a piece of slow-body-5_8s's head after an ACK stamped 5.8 s
later, past the reassembler's 200 ms ReorderWindow, and it is reported `incomplete`). Every
field scenario is in them, the unusual endings too: the recording carries every FIN and RST in
a packet of its own and pieces only take positions their own message's bytes had (or the slot
just after the peer's pure ACK that follows them), so no byte moves across a FIN or RST and
none is invented; check_field_variant verifies exactly that for each field file (bytes as
recorded at their sequence numbers, every byte carried, no piece after its direction's FIN or
after an RST, data-less packets the recorded ones in the recorded order). In particular:
head-then-dies (server FINs 15 bytes short of its Content-Length): the body's pieces stay
before the FIN; keepalive-after-server-fin: the second request stays after the server's FIN
(as recorded) and before the server's RST; client-closes-mid-header: the 58 header bytes are
permuted before the client's FIN; slow-body-5_8s: head and body are permuted only within
themselves (5.8 s apart).

Outputs (samples/derived/):
    <variant>.pcap    the captures
    MANIFEST.tsv      file, variant, expect (same | gaps), scenarios (all | comma-separated
                      names), truth (the ground-truth file, relative to samples/, the scenarios
                      come from: recording.json, recording-field.json or
                      derived/recorded-snaplen200.json), link type, snaplen, packets, bytes,
                      sha256, what
    GAPS.tsv          every stream byte range the capture lacks, per file: client, server,
                      direction (request|response), exchange index on the connection, stream
                      offset (0 = first byte after the SYN), length, where it starts (part:
                      headers = the message head, body = after its CRLF CRLF) and at which
                      offset into that part

A real `tcpdump -s 200` recording (samples/record-snaplen.sh) writes
samples/derived/recorded-snaplen200.pcap and recorded-snaplen200.json; when present, this
script lists it in MANIFEST.tsv and its lost bytes in GAPS.tsv too (it does not change it).
"""

import argparse
import hashlib
import io
import os
import random
import re
import struct
import sys
import zlib

HERE_ = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep samples/ free of __pycache__
sys.path.insert(0, HERE_)
from scenarios import scenarios as _scenarios  # noqa: E402

# The HTTPS scenarios' ports: their streams are encrypted TLS records, not HTTP, so they are left
# out of every derived capture (these variants exercise TCP reassembly and the HTTP parser).
TLS_PORTS = {s["port"] for s in _scenarios() if s["tls"]}

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "captures", "all-lo.pcap")
OUT = os.path.join(HERE, "derived")
RECORDED_SNAPLEN = "recorded-snaplen200.pcap"

LINKTYPE_NULL = 0
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
LINKTYPE_NAMES = {0: "NULL(0)", 1: "EN10MB(1)", 101: "RAW(101)"}

# ---------------------------------------------------------------------------------------- pcap


class Record:
    __slots__ = ("sec", "frac", "data", "orig_len")

    def __init__(self, sec, frac, data, orig_len):
        self.sec, self.frac, self.data, self.orig_len = sec, frac, data, orig_len


def read_pcap(path):
    """Returns (linktype, snaplen, nanosecond, [Record]). Classic pcap in either byte order."""
    with open(path, "rb") as f:
        blob = f.read()
    magic = blob[:4]
    table = {
        b"\xd4\xc3\xb2\xa1": ("<", False), b"\xa1\xb2\xc3\xd4": (">", False),
        b"\x4d\x3c\xb2\xa1": ("<", True), b"\xa1\xb2\x3c\x4d": (">", True),
    }
    if magic not in table:
        raise SystemExit("%s: not a classic pcap file (magic %s)" % (path, magic.hex()))
    endian, nano = table[magic]
    _, _, _, _, snaplen, linktype = struct.unpack(endian + "HHiIII", blob[4:24])
    records, pos = [], 24
    while pos + 16 <= len(blob):
        sec, frac, caplen, orig = struct.unpack(endian + "IIII", blob[pos:pos + 16])
        pos += 16
        if pos + caplen > len(blob):
            raise SystemExit("%s: record cut short at byte %d" % (path, pos))
        records.append(Record(sec, frac, blob[pos:pos + caplen], orig))
        pos += caplen
    return linktype & 0xFFFF, snaplen, nano, records


def write_pcap(path, linktype, snaplen, records):
    """Little-endian, microsecond pcap (as tcpdump writes on x86)."""
    out = io.BytesIO()
    out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype))
    for r in records:
        out.write(struct.pack("<IIII", r.sec, r.frac, len(r.data), r.orig_len))
        out.write(r.data)
    data = out.getvalue()
    with open(path, "wb") as f:
        f.write(data)
    return data


# ------------------------------------------------------------------------------- packet model


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


FIN, SYN, RST = 0x01, 0x02, 0x04


class Packet:
    """An Ethernet / IPv4|IPv6 / TCP frame of the source capture, split into its parts."""

    def __init__(self, record):
        self.record = record
        data = record.data
        self.ethernet = data[:14]
        ethertype = struct.unpack("!H", data[12:14])[0]
        if ethertype == 0x0800:
            self.version = 4
            ihl = (data[14] & 0x0F) * 4
            total = struct.unpack("!H", data[16:18])[0]
            self.ip = bytearray(data[14:14 + ihl])
            if self.ip[9] != 6:
                raise ValueError("not TCP")
            self.src, self.dst = bytes(self.ip[12:16]), bytes(self.ip[16:20])
            tcp = data[14 + ihl:14 + total]
        elif ethertype == 0x86DD:
            self.version = 6
            self.ip = bytearray(data[14:54])
            if self.ip[6] != 6:
                raise ValueError("IPv6 extension headers are not expected in the samples")
            plen = struct.unpack("!H", data[18:20])[0]
            self.src, self.dst = bytes(self.ip[8:24]), bytes(self.ip[24:40])
            tcp = data[54:54 + plen]
        else:
            raise ValueError("not IP")
        offset = (tcp[12] >> 4) * 4
        self.tcp = bytearray(tcp[:offset])
        self.payload = bytes(tcp[offset:])
        self.sport, self.dport, self.seq, self.ack = struct.unpack("!HHII", tcp[:12])
        self.flags = tcp[13]

    def build(self, seq, payload, flags):
        """The same frame carrying `payload` at `seq` with `flags`, lengths and checksums redone."""
        tcp = bytearray(self.tcp)
        struct.pack_into("!I", tcp, 4, seq & 0xFFFFFFFF)
        tcp[13] = flags
        tcp[16:18] = b"\0\0"
        segment = bytes(tcp) + payload
        ip = bytearray(self.ip)
        if self.version == 4:
            struct.pack_into("!H", ip, 2, len(ip) + len(segment))
            ip[10:12] = b"\0\0"
            struct.pack_into("!H", ip, 10, checksum(bytes(ip)))
            pseudo = self.src + self.dst + struct.pack("!BBH", 0, 6, len(segment))
        else:
            struct.pack_into("!H", ip, 4, len(segment))
            pseudo = self.src + self.dst + struct.pack("!IxxxB", len(segment), 6)
        struct.pack_into("!H", tcp, 16, checksum(pseudo + segment))
        return self.ethernet + bytes(ip) + bytes(tcp) + payload

    def at(self, data):
        """A record with this packet's time and `data` (complete, not cut)."""
        return Record(self.record.sec, self.record.frac, data, len(data))


def endpoint_text(address, port):
    if len(address) == 4:
        return "%d.%d.%d.%d:%d" % (tuple(address) + (port,))
    groups = ["%x" % g for g in struct.unpack("!8H", address)]
    # RFC 5952: the longest run (>= 2) of zero groups becomes "::".
    best, run = (0, 0), (0, 0)
    for i, g in enumerate(groups + ["end"]):
        if g == "0":
            run = (run[0], run[1] + 1) if run[1] else (i, 1)
        else:
            if run[1] > best[1]:
                best = run
            run = (0, 0)
    if best[1] >= 2:
        head = ":".join(groups[:best[0]])
        tail = ":".join(groups[best[0] + best[1]:])
        text = head + "::" + tail
    else:
        text = ":".join(groups)
    return "[%s]:%d" % (text, port)


class Connection:
    """One TCP connection of the source: who is the client (the SYN sender), ISNs, full streams."""

    def __init__(self, client, server):
        self.client, self.server = client, server
        self.isn = {}  # direction -> initial sequence number
        self.stream = {"request": bytearray(), "response": bytearray()}
        self.messages = {}  # direction -> [(start, header_end, end)]

    def direction(self, packet):
        return "request" if (packet.src, packet.sport) == self.client else "response"

    def offset(self, packet, direction):
        return (packet.seq - self.isn[direction] - 1) & 0xFFFFFFFF


def connections_of(packets):
    """Maps each TCP packet to its Connection and rebuilds both byte streams of every connection
    (the source is a loss-free loopback capture, so the streams are complete)."""
    table, owner = {}, []
    for p in packets:
        key = frozenset([(p.src, p.sport), (p.dst, p.dport)])
        conn = table.get(key)
        if conn is None:
            if not p.flags & SYN or p.flags & 0x10:
                raise SystemExit("a connection starts without a SYN; the source must hold whole connections")
            conn = table[key] = Connection((p.src, p.sport), (p.dst, p.dport))
        direction = conn.direction(p)
        if p.flags & SYN:
            conn.isn[direction] = p.seq
        owner.append(conn)
    for p, conn in zip(packets, owner):
        direction = conn.direction(p)
        if p.payload:
            at = conn.offset(p, direction)
            stream = conn.stream[direction]
            if at > len(stream):
                raise SystemExit("the source capture has a hole; derive from a complete recording")
            stream[at:at + len(p.payload)] = p.payload
    for conn in table.values():
        conn.messages["request"] = http_messages(bytes(conn.stream["request"]), is_request=True)
        conn.messages["response"] = http_messages(bytes(conn.stream["response"]), is_request=False)
    return owner


def http_messages(stream, is_request):
    """(start, header_end, end) of each HTTP/1.x message in a complete stream (RFC 9112 framing;
    enough for the samples: Content-Length, chunked, no-body statuses, close-delimited)."""
    out, pos = [], 0
    while pos < len(stream):
        head_end = stream.find(b"\r\n\r\n", pos)
        if head_end < 0:
            out.append((pos, len(stream), len(stream)))
            break
        head_end += 4
        lines = stream[pos:head_end].decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        status = None if is_request else int(lines[0].split()[1])
        if status is not None and (100 <= status < 200 or status in (204, 304)):
            end = head_end
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            end = head_end
            while True:
                line_end = stream.find(b"\r\n", end)
                size = int(stream[end:line_end].split(b";")[0], 16)
                end = line_end + 2
                if size == 0:
                    end = stream.find(b"\r\n\r\n", end - 2) + 4
                    break
                end += size + 2
        elif "content-length" in headers:
            end = min(len(stream), head_end + int(headers["content-length"]))
        elif is_request:
            end = head_end
        else:
            end = len(stream)  # close-delimited
        out.append((pos, head_end, end))
        pos = end
    return out


def locate(conn, direction, start, length):
    """(exchange index, 'headers'|'body', offset into that part) for lost stream bytes
    [start, start + length): the message they start in, and whether they start in its head."""
    messages = conn.messages[direction]
    for index, (m_start, head_end, m_end) in enumerate(messages):
        if m_start <= start < max(m_end, m_start + 1) or index == len(messages) - 1:
            if start < head_end:
                return index, "headers", start - m_start
            return index, "body", start - head_end
    raise SystemExit("lost bytes outside every message")


# ----------------------------------------------------------------------------------- variants


def pieces_of(payload, sizes):
    """Cuts `payload` into consecutive pieces whose lengths come from the iterator `sizes`."""
    out, pos = [], 0
    while pos < len(payload):
        n = max(1, next(sizes))
        out.append((pos, payload[pos:pos + n]))
        pos += n
    return out


def fixed(n):
    while True:
        yield n


def random_sizes(rng):
    """Small random piece sizes: a quarter of them 1-8 bytes (cuts inside tokens, CRLFs, the
    BOM), the rest 40-300 bytes."""
    while True:
        yield rng.randint(1, 8) if rng.random() < 0.25 else rng.randint(40, 300)


def field_sizes(rng):
    """Piece sizes for the field recording, whose messages are short (5-866 bytes): a quarter
    1-8 bytes, the rest 9-64, so that every message is several pieces to permute."""
    while True:
        yield rng.randint(1, 8) if rng.random() < 0.25 else rng.randint(9, 64)


def split_records(packets, owner, sizes_for, rearrange=None):
    """Re-splits every data segment. `sizes_for(packet, conn, direction)` gives the size iterator
    (or cut points); `rearrange(pieces)` may reorder or add pieces, given (seq, payload, flags)."""
    out = []
    for p, conn in zip(packets, owner):
        if not p.payload:
            out.append(p.at(p.record.data))
            continue
        direction = conn.direction(p)
        pieces = []
        cut = pieces_of(p.payload, sizes_for(p, conn, direction))
        for i, (offset, chunk) in enumerate(cut):
            flags = p.flags if i == len(cut) - 1 else p.flags & ~FIN
            pieces.append(((p.seq + offset) & 0xFFFFFFFF, chunk, flags))
        if rearrange is not None:
            pieces = rearrange(p, pieces)
        for seq, chunk, flags in pieces:
            out.append(p.at(p.build(seq, chunk, flags)))
    return out


def variant_split_1448(packets, owner, rng):
    return split_records(packets, owner, lambda p, c, d: fixed(1448)), []


def variant_split_small(packets, owner, rng, sizes=random_sizes):
    return split_records(packets, owner, lambda p, c, d: sizes(rng)), []


def variant_reorder(packets, owner, rng, sizes=random_sizes):
    def shuffle(p, pieces):
        out = []
        for i in range(0, len(pieces), 4):
            window = pieces[i:i + 4]
            if len(window) > 1:
                original = list(window)
                while window == original:
                    rng.shuffle(window)
            out.extend(window)
        return out
    return split_records(packets, owner, lambda p, c, d: sizes(rng), shuffle), []


def message_of(conn, direction, offset):
    """Index of the HTTP message of `direction` that stream offset `offset` falls in."""
    for index, (start, _, end) in enumerate(conn.messages[direction]):
        if start <= offset < end:
            return index
    return len(conn.messages[direction])


def acknowledging_peer_ack(packets, owner, k):
    """Index of the peer's next packet on the connection of data packet `k` when that packet is a
    pure ACK of all of `k`'s bytes (loopback acknowledges at once), else None."""
    p, conn = packets[k], owner[k]
    end = (p.seq + len(p.payload)) & 0xFFFFFFFF
    for j in range(k + 1, len(packets)):
        if owner[j] is not conn:
            continue
        q = packets[j]
        pure = not q.payload and q.flags & 0x10 and not q.flags & (SYN | FIN | RST)
        if (q.src, q.sport) != (p.src, p.sport) and pure and q.ack == end:
            return j
        return None
    return None


def variant_capture_order(packets, owner, rng, max_spread_us=None, sizes=random_sizes):
    """Every data segment re-split like split-small; the pieces of each HTTP message permuted in
    windows of 2-4 over the capture positions they had, while every other packet (the peer's
    ACKs above all) stays where it was captured. Where the peer's next packet after a segment is
    a pure ACK of it, a window ending at that segment's last piece has its last position moved
    to just after the ACK: whichever piece lands there is written after the ACK that
    acknowledges it. With `max_spread_us`, a window ends before a piece captured more than that
    many microseconds after the window's first piece (a capture writes packets out of order by
    microseconds to milliseconds, not by the seconds a slow server pauses between writes)."""
    slots = []  # per source packet: [record] or the positions of its pieces
    first_slot = []  # per source packet: its first output position
    pieces = {}  # (conn id, direction, message) -> [(position, (seq, chunk, flags, packet))]
    count = 0
    for p, conn in zip(packets, owner):
        first_slot.append(count)
        if not p.payload:
            count += 1
            continue
        direction = conn.direction(p)
        cut = pieces_of(p.payload, sizes(rng))
        for i, (offset, chunk) in enumerate(cut):
            flags = p.flags if i == len(cut) - 1 else p.flags & ~FIN
            key = (id(conn), direction, message_of(conn, direction, conn.offset(p, direction) + offset))
            pieces.setdefault(key, []).append((count, ((p.seq + offset) & 0xFFFFFFFF, chunk, flags, p)))
            count += 1
    # The last piece of a segment acknowledged at once -> the position of that ACK.
    acked_at = {}
    for k, p in enumerate(packets):
        if p.payload:
            j = acknowledging_peer_ack(packets, owner, k)
            if j is not None:
                last = (first_slot[k + 1] if k + 1 < len(packets) else count) - 1
                acked_at[last] = first_slot[j]
    placed, after = {}, {}  # position -> piece; ACK position -> pieces written just after it
    for key in sorted(pieces, key=lambda key: pieces[key][0][0]):
        group, i = pieces[key], 0
        while i < len(group):
            window = group[i:i + rng.randint(2, 4)]
            if max_spread_us is not None:
                window = within_spread(window, max_spread_us)
            i += len(window)
            positions = [position for position, _ in window]
            contents = [piece for _, piece in window]
            if len(contents) > 1:
                original = list(contents)
                while contents == original:
                    rng.shuffle(contents)
            ack = acked_at.get(positions[-1]) if len(contents) > 1 else None
            for position, piece in zip(positions, contents):
                if ack is not None and position == positions[-1]:
                    after.setdefault(ack, []).append(piece)
                else:
                    placed[position] = piece
    out = []
    for k, p in enumerate(packets):
        if not p.payload:
            out.append(p.at(p.record.data))
            for seq, chunk, flags, q in after.get(first_slot[k], []):
                out.append(q.at(q.build(seq, chunk, flags)))
            continue
        end = first_slot[k + 1] if k + 1 < len(packets) else count
        for position in range(first_slot[k], end):
            if position in placed:
                seq, chunk, flags, q = placed[position]
                out.append(q.at(q.build(seq, chunk, flags)))
    return out, []


def within_spread(window, max_spread_us):
    """The longest prefix of `window` ([(position, (seq, chunk, flags, packet))]) whose pieces
    were captured at most `max_spread_us` microseconds after its first piece (at least one)."""
    def micros(piece):
        record = piece[1][3].record
        return record.sec * 1000000 + record.frac
    first = micros(window[0])
    n = 1
    while n < len(window) and abs(micros(window[n]) - first) <= max_spread_us:
        n += 1
    return window[:n]


def variant_dup_exact(packets, owner, rng):
    def duplicate(p, pieces):
        out, pending = [], []
        for piece in pieces:
            out.append(piece)
            out.extend(pending)  # a copy of the previous piece, after this one
            pending = [piece] if rng.random() < 0.3 else []
        out.extend(pending)
        return out
    return split_records(packets, owner, lambda p, c, d: random_sizes(rng), duplicate), []


def variant_dup_overlap(packets, owner, rng):
    def overlap(p, pieces):
        out = []
        for i, piece in enumerate(pieces):
            out.append(piece)
            if i > 0 and rng.random() < 0.4:
                # second half of the previous piece + first half of this one, same bytes
                (seq_a, a, _), (seq_b, b, flags_b) = pieces[i - 1], piece
                start = len(a) // 2
                chunk = a[start:] + b[:max(1, len(b) // 2)]
                out.append(((seq_a + start) & 0xFFFFFFFF, chunk, flags_b & ~FIN))
        if len(pieces) > 1 and rng.random() < 0.3:
            # the whole original segment again, re-packetised as one
            out.append((p.seq, p.payload, p.flags))
        return out
    return split_records(packets, owner, lambda p, c, d: random_sizes(rng), overlap), []


def response_cuts(p, conn, direction):
    """Cut points for the drop variants: response bytes in pieces of 48, never straddling a
    message's head/body boundary; requests unchanged."""
    if direction != "response":
        return fixed(1 << 30)
    base = conn.offset(p, direction)
    bounds = set()
    for start, head_end, end in conn.messages["response"]:
        bounds.update((start, head_end, end))
    sizes, pos, end = [], base, base + len(p.payload)
    while pos < end:
        nxt = min(end, pos + 48)
        for b in sorted(bounds):
            if pos < b < nxt:
                nxt = b
                break
        sizes.append(nxt - pos)
        pos = nxt
    return iter(sizes)


def variant_drop(packets, owner, rng, which):
    records = split_records(packets, owner, response_cuts)
    reparsed = [Packet(r) for r in records]
    re_owner = []
    by_key = {}
    for p, conn in zip(packets, owner):
        by_key[frozenset([(p.src, p.sport), (p.dst, p.dport)])] = conn
    for p in reparsed:
        re_owner.append(by_key[frozenset([(p.src, p.sport), (p.dst, p.dport)])])
    # Response data pieces per connection, in capture order.
    candidates = {}
    for i, (p, conn) in enumerate(zip(reparsed, re_owner)):
        if p.payload and conn.direction(p) == "response":
            candidates.setdefault(id(conn), (conn, []))[1].append(i)
    drop, gaps = set(), []
    for conn, indices in candidates.values():
        if which == "middle":
            if len(indices) < 3:
                continue
            victim = indices[len(indices) // 2]
        else:
            victim = indices[-1]
        p = reparsed[victim]
        if p.flags & FIN:
            # Keep the FIN: the capture lost the data, not the end of the stream.
            records[victim] = p.at(p.build((p.seq + len(p.payload)) & 0xFFFFFFFF, b"", p.flags))
        else:
            drop.add(victim)
        start = conn.offset(p, "response")
        gaps.append((conn, "response", start, len(p.payload)) + locate(conn, "response", start, len(p.payload)))
    return [r for i, r in enumerate(records) if i not in drop], gaps


def relink(records, make):
    out = []
    for r in records:
        data = make(r.data)
        out.append(Record(r.sec, r.frac, data, len(data)))
    return out


def vlan_tag(tpid, vid):
    return struct.pack("!HH", tpid, vid & 0x0FFF)


def variant_vlan(packets, owner, rng):
    return [Record(p.record.sec, p.record.frac, d, len(d)) for p in packets
            for d in [p.record.data[:12] + vlan_tag(0x8100, 100) + p.record.data[12:]]], []


def variant_qinq(packets, owner, rng):
    return [Record(p.record.sec, p.record.frac, d, len(d)) for p in packets
            for d in [p.record.data[:12] + vlan_tag(0x88A8, 200) + vlan_tag(0x8100, 100) + p.record.data[12:]]], []


def variant_raw(packets, owner, rng):
    return relink([p.record for p in packets], lambda d: d[14:]), []


def variant_null(packets, owner, rng):
    def wrap(d):
        family = 2 if struct.unpack("!H", d[12:14])[0] == 0x0800 else 30
        return struct.pack("<I", family) + d[14:]
    return relink([p.record for p in packets], wrap), []


def snaplen_gaps(packets, owner, records):
    """Lost stream bytes of records with caplen < len, given the parsed (uncut) packets."""
    gaps = []
    for p, conn, r in zip(packets, owner, records):
        lost = r.orig_len - len(r.data)
        if lost <= 0 or not p.payload:
            continue
        header_bytes = len(p.record.data) - len(p.payload)
        kept = max(0, len(r.data) - header_bytes)
        missing = len(p.payload) - kept
        if missing <= 0:
            continue
        direction = conn.direction(p)
        start = conn.offset(p, direction) + kept
        gaps.append((conn, direction, start, missing) + locate(conn, direction, start, missing))
    return gaps


def variant_snaplen(packets, owner, rng):
    records = [Record(p.record.sec, p.record.frac, p.record.data[:200], len(p.record.data)) for p in packets]
    return records, snaplen_gaps(packets, owner, records)


VARIANTS = [
    # name, function, link type, snaplen, expectation, description
    ("split-1448", variant_split_1448, LINKTYPE_ETHERNET, 262144, "same",
     "every data segment re-split to at most 1448 payload bytes"),
    ("split-small", variant_split_small, LINKTYPE_ETHERNET, 262144, "same",
     "every data segment re-split to random sizes (1-8 or 40-300 bytes)"),
    ("reorder", variant_reorder, LINKTYPE_ETHERNET, 262144, "same",
     "split-small, then pieces shuffled in windows of up to 4 (FIN may come before earlier data)"),
    ("capture-order", variant_capture_order, LINKTYPE_ETHERNET, 262144, "same",
     "split-small, pieces of each message permuted in windows of 2-4 with the peer's ACKs left in place "
     "(some pieces written after the ACK that acknowledges them)"),
    ("dup-exact", variant_dup_exact, LINKTYPE_ETHERNET, 262144, "same",
     "split-small plus exact retransmissions of about a third of the pieces"),
    ("dup-overlap", variant_dup_overlap, LINKTYPE_ETHERNET, 262144, "same",
     "split-small plus retransmissions straddling two pieces and whole-segment re-packetised retransmissions"),
    ("drop-middle", lambda p, o, r: variant_drop(p, o, r, "middle"), LINKTYPE_ETHERNET, 262144, "gaps",
     "responses split at 48 bytes; the middle response piece of every connection is missing"),
    ("drop-last", lambda p, o, r: variant_drop(p, o, r, "last"), LINKTYPE_ETHERNET, 262144, "gaps",
     "responses split at 48 bytes; the last response data piece before the FIN is missing"),
    ("vlan", variant_vlan, LINKTYPE_ETHERNET, 262144, "same", "802.1Q tag (VLAN 100) on every frame"),
    ("qinq", variant_qinq, LINKTYPE_ETHERNET, 262144, "same",
     "802.1ad outer tag (VLAN 200) + 802.1Q inner tag (VLAN 100) on every frame"),
    ("raw", variant_raw, LINKTYPE_RAW, 262144, "same", "LINKTYPE_RAW (101): IP packets without a link header"),
    ("null", variant_null, LINKTYPE_NULL, 262144, "same",
     "LINKTYPE_NULL (0): address family 2 / 30, little-endian"),
    ("snaplen-200", variant_snaplen, LINKTYPE_ETHERNET, 200, "gaps",
     "records cut to 200 bytes, original lengths kept (tcpdump -s 200)"),
]


# The per-scenario captures the link-layer variants and split-1448 are made from.
SUBSET = ["good-json", "bom-json", "plain-ok", "status-404", "chunked", "gzip", "short-body",
          "reset-after-request", "refused", "ipv6-good-json", "keep-alive", "pipelined"]


def read_subset():
    """The SUBSET scenario captures merged in capture-time order (each is `tcpdump -r all-lo.pcap
    'tcp port N'`, so this is all-lo.pcap restricted to those connections)."""
    merged = []
    for name in SUBSET:
        path = os.path.join(HERE, "captures", name + ".pcap")
        linktype, _, nano, records = read_pcap(path)
        if linktype != LINKTYPE_ETHERNET or nano:
            raise SystemExit("%s: expected Ethernet with microsecond timestamps" % path)
        merged.extend(records)
    merged.sort(key=lambda r: (r.sec, r.frac))  # stable: equal times keep file order
    return merged

SUBSET_VARIANTS = {"split-1448", "vlan", "qinq", "raw", "null"}

# The field servers' recording (samples/record-field.sh; truth in recording-field.json): every
# FIN and RST in it is a packet of its own, so re-splitting and permuting the pieces of one
# message never moves a byte across a FIN or RST (check_field_variant verifies it).
FIELD_SOURCE = os.path.join(HERE, "captures", "field", "all-lo.pcap")
# Capture reordering is microseconds to milliseconds; a field server pauses 86 ms between chunks
# and 5.8 s before the rest of a body, and no capture writes a segment that late.
FIELD_MAX_SPREAD_US = 2000
FIELD_VARIANTS = [
    # name, function, description (link type Ethernet, snaplen 262144, expectation same)
    ("split-small", lambda p, o, r: variant_split_small(p, o, r, sizes=field_sizes),
     "every data segment re-split to random sizes (1-8 or 9-64 bytes)"),
    ("reorder", lambda p, o, r: variant_reorder(p, o, r, sizes=field_sizes),
     "split-small, then the pieces of each segment shuffled in windows of up to 4"),
    ("capture-order",
     lambda p, o, r: variant_capture_order(p, o, r, max_spread_us=FIELD_MAX_SPREAD_US, sizes=field_sizes),
     "split-small, pieces of each message permuted in windows of 2-4 (never spanning more than %d ms of "
     "capture time) with the peer's ACKs left in place (some pieces written after the ACK that acknowledges "
     "them)" % (FIELD_MAX_SPREAD_US // 1000)),
]

# Which truth file (relative to samples/) a MANIFEST row's scenarios come from.
TRUTH_ALL = "recording.json"
TRUTH_FIELD = "recording-field.json"
TRUTH_RECORDED_SNAPLEN = "derived/recorded-snaplen200.json"


def seed_for(name):
    return zlib.crc32(("callback-doctor/" + name).encode())


def derive(out_dir):
    linktype, _, nano, records = read_pcap(SOURCE)
    if linktype != LINKTYPE_ETHERNET or nano:
        raise SystemExit("%s: expected Ethernet with microsecond timestamps" % SOURCE)
    sources = {}
    for source, recs in (("all", records), ("subset", read_subset())):
        packets = [p for p in (Packet(r) for r in recs) if p.sport not in TLS_PORTS and p.dport not in TLS_PORTS]
        sources[source] = (packets, connections_of(packets))
    os.makedirs(out_dir, exist_ok=True)
    manifest, gap_rows = [], []
    for name, function, link, snaplen, expect, what in VARIANTS:
        source = "subset" if name in SUBSET_VARIANTS else "all"
        packets, owner = sources[source]
        rng = random.Random(seed_for(name))
        derived, gaps = function(packets, owner, rng)
        filename = name + ".pcap"
        data = write_pcap(os.path.join(out_dir, filename), link, snaplen, derived)
        origin = "captures/all-lo.pcap" if source == "all" else "the SUBSET scenario captures"
        manifest.append((filename, name, expect, "all" if source == "all" else ",".join(SUBSET), TRUTH_ALL,
                         LINKTYPE_NAMES[link], snaplen, len(derived), len(data),
                         hashlib.sha256(data).hexdigest(), "%s (from %s)" % (what, origin)))
        gap_rows.extend(gap_row(filename, g) for g in gaps)
    manifest.extend(derive_field(out_dir))
    recorded = os.path.join(out_dir, RECORDED_SNAPLEN)
    if os.path.exists(recorded):
        link, snaplen, nano, recs = read_pcap(recorded)
        # The uncut packets are not in the file: rebuild streams from what is, per connection,
        # using each record's original length for the lost tail.
        manifest.append((RECORDED_SNAPLEN, "recorded-snaplen200", "gaps", "all", TRUTH_RECORDED_SNAPLEN,
                         LINKTYPE_NAMES.get(link, str(link)),
                         snaplen, len(recs), os.path.getsize(recorded), sha256_file(recorded),
                         "real recording: tcpdump -i lo -s 200 (samples/record-snaplen.sh); "
                         "ground truth in recorded-snaplen200.json"))
        gap_rows.extend(gap_row(RECORDED_SNAPLEN, g) for g in recorded_gaps(recs))
    with open(os.path.join(out_dir, "MANIFEST.tsv"), "w") as f:
        f.write("file\tvariant\texpect\tscenarios\ttruth\tlink_type\tsnaplen\tpackets\tbytes\tsha256\twhat\n")
        for row in manifest:
            f.write("\t".join(str(x) for x in row) + "\n")
    with open(os.path.join(out_dir, "GAPS.tsv"), "w") as f:
        f.write("file\tclient\tserver\tdirection\texchange\toffset\tlength\tpart\tpart_offset\n")
        for row in gap_rows:
            f.write("\t".join(str(x) for x in row) + "\n")
    return manifest


def derive_field(out_dir):
    """FIELD_VARIANTS of the field recording, as `field-<variant>.pcap`; their MANIFEST rows.
    Nothing is lost, so they add no GAPS.tsv rows."""
    linktype, _, nano, records = read_pcap(FIELD_SOURCE)
    if linktype != LINKTYPE_ETHERNET or nano:
        raise SystemExit("%s: expected Ethernet with microsecond timestamps" % FIELD_SOURCE)
    packets = [Packet(r) for r in records]
    owner = connections_of(packets)
    rows = []
    for name, function, what in FIELD_VARIANTS:
        rng = random.Random(seed_for("field/" + name))
        derived, _ = function(packets, owner, rng)
        check_field_variant(packets, owner, derived, name)
        filename = "field-" + name + ".pcap"
        data = write_pcap(os.path.join(out_dir, filename), LINKTYPE_ETHERNET, 262144, derived)
        rows.append((filename, name, "same", "all", TRUTH_FIELD, LINKTYPE_NAMES[LINKTYPE_ETHERNET], 262144,
                     len(derived), len(data), hashlib.sha256(data).hexdigest(),
                     "%s (from captures/field/all-lo.pcap)" % what))
    return rows


def check_field_variant(packets, owner, derived, name):
    """Stops unless `derived` is a faithful rewrite of `packets`: every data piece carries the
    recorded bytes at its sequence number, every recorded byte is carried, no piece of a
    direction comes after that direction's FIN, no piece after an RST of its connection, and the
    packets without data (ACKs, SYNs, FINs, RSTs) are the recorded ones in the recorded order."""
    by_key = {frozenset([(p.src, p.sport), (p.dst, p.dport)]): conn for p, conn in zip(packets, owner)}
    carried = {}  # (conn id, direction) -> set of stream offsets
    closed = set()  # (conn id, direction) after its FIN; (conn id, "rst") after an RST
    control = []
    for record in derived:
        q = Packet(record)
        conn = by_key[frozenset([(q.src, q.sport), (q.dst, q.dport)])]
        direction = conn.direction(q)
        if q.payload:
            at = conn.offset(q, direction)
            if bytes(conn.stream[direction][at:at + len(q.payload)]) != q.payload:
                raise SystemExit("field-%s: a piece carries bytes the recording does not" % name)
            if (id(conn), direction) in closed or (id(conn), "rst") in closed:
                raise SystemExit("field-%s: a piece of %s comes after its FIN or an RST" % (name, direction))
            carried.setdefault((id(conn), direction), set()).update(range(at, at + len(q.payload)))
        else:
            control.append(record.data)
        if q.flags & FIN:
            closed.add((id(conn), direction))
        if q.flags & RST:
            closed.add((id(conn), "rst"))
    for conn in set(owner):
        for direction in ("request", "response"):
            if len(carried.get((id(conn), direction), ())) != len(conn.stream[direction]):
                raise SystemExit("field-%s: %s bytes of a connection are not all carried" % (name, direction))
    if control != [p.record.data for p in packets if not p.payload]:
        raise SystemExit("field-%s: the packets without data are not the recorded ones in order" % name)


def gap_row(filename, gap):
    conn, direction, start, length, index, part, at = gap
    return (filename, endpoint_text(*conn.client), endpoint_text(*conn.server), direction, index, start, length,
            part, at)


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class CutPacket(Packet):
    """A packet of a snaplen-cut capture: headers complete, payload possibly cut."""

    def __init__(self, record):
        super().__init__(record)
        if self.version == 4:
            total = struct.unpack("!H", bytes(self.ip[2:4]))[0]
            self.wire_payload = total - len(self.ip) - len(self.tcp)
        else:
            self.wire_payload = struct.unpack("!H", bytes(self.ip[4:6]))[0] - len(self.tcp)


MESSAGE_START = re.compile(rb"^(HTTP/1\.[01] [0-9]{3}|[A-Za-z]+ [^ ]+ HTTP/1\.[01]\r\n)")


def recorded_gaps(records):
    """Lost bytes of a real snaplen-cut recording, whose uncut bytes exist nowhere. A message
    starts where a record's payload starts with a status line or a request line (each write of
    the sender and the server is one segment on loopback); its head ends at the first captured
    CRLF CRLF after that, or, if none was captured, the head runs into the lost bytes."""
    packets = [CutPacket(r) for r in records]
    table, owner = {}, []
    for p in packets:
        key = frozenset([(p.src, p.sport), (p.dst, p.dport)])
        if key not in table:
            table[key] = Connection((p.src, p.sport), (p.dst, p.dport))
        conn = table[key]
        if p.flags & SYN:
            conn.isn[conn.direction(p)] = p.seq
        owner.append(conn)
    starts = {}  # (conn id, direction) -> sorted message start offsets
    lost = []
    for p, conn in zip(packets, owner):
        if p.wire_payload <= 0:
            continue
        direction = conn.direction(p)
        at = conn.offset(p, direction)
        stream = conn.stream[direction]
        chunk = p.payload + b"\0" * (p.wire_payload - len(p.payload))
        if len(stream) < at + len(chunk):
            stream.extend(b"\0" * (at + len(chunk) - len(stream)))
        stream[at:at + len(chunk)] = chunk
        if MESSAGE_START.match(p.payload):
            starts.setdefault((id(conn), direction), set()).add(at)
        if len(p.payload) < p.wire_payload:
            lost.append((conn, direction, at + len(p.payload), p.wire_payload - len(p.payload)))
    gaps = []
    for conn, direction, start, length in lost:
        begins = sorted(starts.get((id(conn), direction), {0}))
        index = max(0, sum(1 for b in begins if b <= start) - 1)
        m_start = begins[index]
        m_next = begins[index + 1] if index + 1 < len(begins) else len(conn.stream[direction])
        head_end = bytes(conn.stream[direction]).find(b"\r\n\r\n", m_start, m_next)
        if head_end < 0 or start < head_end + 4:
            gaps.append((conn, direction, start, length, index, "headers", start - m_start))
        else:
            gaps.append((conn, direction, start, length, index, "body", start - head_end - 4))
    return gaps


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="derive into a temporary directory and compare with samples/derived/")
    args = parser.parse_args()
    if args.check:
        import filecmp
        import shutil
        import tempfile
        tmp = tempfile.mkdtemp(prefix="derive-check.")
        try:
            recorded = os.path.join(OUT, RECORDED_SNAPLEN)
            if os.path.exists(recorded):
                shutil.copy(recorded, tmp)
            manifest = derive(tmp)
            names = [row[0] for row in manifest if row[0] != RECORDED_SNAPLEN] + ["MANIFEST.tsv", "GAPS.tsv"]
            _, mismatch, errors = filecmp.cmpfiles(OUT, tmp, names, shallow=False)
            if mismatch or errors:
                print("derive.py --check: differs from samples/derived/: %s" % ", ".join(mismatch + errors))
                return 1
            print("derive.py --check: samples/derived/ is up to date (%d files)" % len(names))
            return 0
        finally:
            shutil.rmtree(tmp)
    manifest = derive(OUT)
    total = sum(row[8] for row in manifest)
    for row in manifest:
        print("%-28s %5d packets %7d bytes  %s" % (row[0], row[7], row[8], row[1]))
    print("total %d bytes in %s" % (total, os.path.relpath(OUT)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
