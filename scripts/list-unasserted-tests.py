#!/usr/bin/env python3
"""Lists the @Test functions of Tests/ whose bodies hold no expectation (#expect, #require,
Issue.record) and call no helper that holds one, transitively, by name (issue #21: "checks that
cannot fail"). String literals and comments are blanked first, so braces inside them do not count.
The list is for review by hand: a test named here asserts nothing the runner can see."""
import glob, re, sys

EXPECTATION = re.compile(r"#expect|#require|Issue\.record")
FUNC = re.compile(r"\bfunc\s+(\w+)[^{]*?\{", re.S)
CALL = re.compile(r"\b(\w+)\s*\(")


def blank(source):
    """`source` with comments and string literals (plain, raw, multi-line) replaced by spaces."""
    out, i, n = [], 0, len(source)
    pattern = re.compile(r'//[^\n]*|/\*.*?\*/|(#*)"""(.*?)"""\1|(#+)"[^\n]*?"\3|"(?:\\.|[^"\\\n])*"', re.S)
    for m in pattern.finditer(source):
        out.append(source[i:m.start()])
        out.append(re.sub(r"[^\n]", " ", m.group(0)))
        i = m.end()
    out.append(source[i:])
    return "".join(out)


def functions(text):
    """(name, start, body, attributes) of every `func` with a body; `attributes` is the text
    between the end of the previous function and this one (None for a function nested in another
    one's body, which cannot be a @Test)."""
    previous_end = 0
    for m in FUNC.finditer(text):
        depth, i = 1, m.end()
        while depth and i < len(text):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        nested = m.start() < previous_end
        yield m.group(1), m.start(), text[m.end():i], None if nested else text[previous_end:m.start()]
        if not nested:
            previous_end = i


def main():
    texts = {path: blank(open(path).read()) for path in sorted(glob.glob("Tests/**/*.swift", recursive=True))}
    every = [(path, *f) for path, text in texts.items() for f in functions(text)]
    calls = [set(CALL.findall(body)) for _, _, _, body, _ in every]
    asserting = {name for _, name, _, body, _ in every if EXPECTATION.search(body)}
    while True:
        grown = {every[i][1] for i, called in enumerate(calls) if called & asserting} | asserting
        if grown == asserting:
            break
        asserting = grown
    found = 0
    for path, name, start, body, attributes in every:
        text = texts[path]
        if attributes is None or "@Test" not in attributes or name in asserting:
            continue
        found += 1
        print(f"{path}:{text.count(chr(10), 0, start) + 1}: {name}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
