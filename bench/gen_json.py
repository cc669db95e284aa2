#!/usr/bin/env python3
"""Seeded JSON workloads for the JSON validator's micro-benchmark (bench/json-validator.sh).

    bench/gen_json.py OUTDIR [--mb 16] [--seed 1]

Writes one file per workload into OUTDIR, each about --mb MB of documents, every document stored
as a 4-byte little-endian length followed by its bytes (so the benchmark validates documents one by
one, as callback bodies are validated):

- valid.docs    callback-response-like objects: short strings, numbers, true/false/null, small
                arrays and nested objects (1-4 KB each);
- bom.docs      the same documents led by a UTF-8 byte order mark (the validator stops at byte 0:
                this measures the per-document cost);
- broken.docs   valid documents with one byte replaced, inserted or cut off at a random place;
- deep.docs     arrays and objects nested 50-5,000 levels deep (past the inline 64-level word);
- strings.docs  long strings: escapes (\\n \\" \\\\ \\/ \\t), \\u escapes, surrogate pairs, and raw
                2-, 3- and 4-byte UTF-8;
- numbers.docs  arrays of numbers in every form of RFC 8259 section 6 (signs, fractions, exponents).

Python's `random` seeded with --seed: the same arguments write the same bytes.
"""
import argparse
import json
import pathlib
import random
import struct


def callback_object(rng, depth=0):
    members = []
    for _ in range(rng.randint(3, 12)):
        key = rng.choice(["Status", "filename", "size", "mimeType", "x:var", "etag", "bucket", "ok", "items"])
        kind = rng.randrange(8)
        if kind < 3:
            value = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789-_/.") for _ in range(rng.randint(2, 60)))
        elif kind == 3:
            value = rng.randint(-(10**12), 10**12)
        elif kind == 4:
            value = round(rng.uniform(-1e6, 1e6), rng.randint(0, 6))
        elif kind == 5:
            value = rng.choice([True, False, None])
        elif kind == 6:
            value = [rng.randint(0, 10**6) for _ in range(rng.randint(0, 8))]
        else:
            value = callback_object(rng, depth + 1) if depth < 3 else "leaf"
        members.append((key + str(len(members)), value))
    return dict(members)


def valid_doc(rng):
    doc = {"Status": "OK", "items": [callback_object(rng) for _ in range(rng.randint(1, 6))]}
    return json.dumps(doc, ensure_ascii=False, indent=rng.choice([None, 2])).encode()


def broken_doc(rng):
    doc = bytearray(valid_doc(rng))
    at = rng.randrange(len(doc))
    action = rng.randrange(3)
    if action == 0:
        doc[at] = rng.choice(b'{}[],:"\\ 0-+.eE\x00\x1f\x80\xc0\xed\xff')
    elif action == 1:
        doc.insert(at, rng.choice(b'{}[],:"\\ 0-+.eE\x00\x1f\x80\xc0\xed\xff'))
    else:
        del doc[at:]
    return bytes(doc)


def deep_doc(rng):
    levels = rng.choice([50, 70, 200, 1000, 5000])
    opens, closes = [], []
    for level in range(levels):
        if rng.randrange(2):
            opens.append('{"k%d":' % level)
            closes.append("}")
        else:
            opens.append("[")
            closes.append("]")
    return ("".join(opens) + "1" + "".join(reversed(closes))).encode()


def long_string_doc(rng):
    parts = []
    for _ in range(rng.randint(200, 2000)):
        kind = rng.randrange(10)
        if kind < 4:
            parts.append("".join(rng.choice("abcdefghij klmnop") for _ in range(rng.randint(1, 40))))
        elif kind == 4:
            parts.append(rng.choice(['\\n', '\\"', "\\\\", "\\/", "\\t", "\\r"]))
        elif kind == 5:
            parts.append("\\u%04x" % rng.choice([rng.randint(0x20, 0xD7FF), rng.randint(0xE000, 0xFFFF)]))
        elif kind == 6:
            code = rng.randint(0x10000, 0x10FFFF) - 0x10000
            parts.append("\\u%04X\\u%04X" % (0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF)))
        else:
            ranges = [(0x80, 0x7FF), (0x800, 0xD7FF), (0xE000, 0xFFFF), (0x10000, 0x10FFFF)]
            low, high = rng.choice(ranges)
            parts.append(chr(rng.randint(low, high)) * rng.randint(1, 8))
    return ('{"text":"' + "".join(parts) + '"}').encode("utf-8")


def number(rng):
    text = rng.choice(["", "-"])
    text += "0" if rng.randrange(5) == 0 else str(rng.randint(1, 10 ** rng.randint(1, 18)))
    if rng.randrange(2):
        text += "." + str(rng.randint(0, 10**6)).zfill(rng.randint(1, 6))
    if rng.randrange(3) == 0:
        text += rng.choice("eE") + rng.choice(["", "+", "-"]) + str(rng.randint(0, 400))
    return text


def numbers_doc(rng):
    return ("[" + ",".join(number(rng) for _ in range(rng.randint(100, 1000))) + "]").encode()


WORKLOADS = {
    "valid": valid_doc,
    "bom": lambda rng: b"\xef\xbb\xbf" + valid_doc(rng),
    "broken": broken_doc,
    "deep": deep_doc,
    "strings": long_string_doc,
    "numbers": numbers_doc,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir")
    parser.add_argument("--mb", type=float, default=16)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    out = pathlib.Path(args.outdir)
    out.mkdir(parents=True, exist_ok=True)
    target = int(args.mb * 1_000_000)
    for index, (name, make) in enumerate(WORKLOADS.items()):
        rng = random.Random(args.seed * 1000 + index)
        written = 0
        with open(out / f"{name}.docs", "wb") as f:
            while written < target:
                doc = make(rng)
                f.write(struct.pack("<I", len(doc)))
                f.write(doc)
                written += len(doc)
        print(f"  {name}.docs: {written} bytes")


if __name__ == "__main__":
    main()
