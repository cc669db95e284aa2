#!/usr/bin/env python3
"""Lists the long functions in Sources, and checks that none is long without saying why.

A function here is any body a reader has to hold at once: `func`, `init`, `deinit`, `subscript`
and a computed property (`var name: Type {`). Its length counts the lines from the declaration
to the closing brace, both included (what an editor shows). Nested functions count inside their
enclosing one and are also listed on their own.

    python3 scripts/function-lengths.py              # every function over 60 lines, longest first
    python3 scripts/function-lengths.py --over 40    # another threshold
    python3 scripts/function-lengths.py --check      # exit 1 if one over 80 lines does not say why

`--check` (run by EndToEndTests' FunctionLengthTests, issue #21) accepts a function over the limit
only when the comment right above its declaration (its doc comment, attributes between are fine)
contains "Long because" followed by the reason, e.g.

    /// Long because: one `switch` over the validator's states is the hot loop; ...

The lexer knows Swift's comments (nested `/* */`), string literals (`"…"`, `\"\"\"…\"\"\"`, raw
`#"…"#`) and interpolations (`\\(…)`, which may hold strings of their own), so braces inside them
do not count.
"""

import argparse
import os
import re
import sys

DECLARATION = re.compile(
    r"^\s*(?:@[\w.]+(?:\([^)]*\))?\s+)*"
    r"(?:(?:public|private|fileprivate|internal|package|open|static|class|final|mutating|nonmutating"
    r"|override|convenience|required|nonisolated|consuming|borrowing|dynamic|lazy)(?:\([^)]*\))?\s+)*"
    r"(func\s+[^\s(<]+|init[?!]?|deinit|subscript|var\s+\w+\s*:[^={]*\{)")
LIMIT = 80
REASON = "Long because"


def code_only(text):
    """`text` with comments and string contents blanked (newlines kept), so braces are code."""
    out = []
    i, n = 0, len(text)
    # Each entry: ("string", hashes, multiline) or ("interp", paren depth) or ("block", depth)
    stack = []

    def starts(s):
        return text.startswith(s, i)

    while i < n:
        c = text[i]
        top = stack[-1] if stack else None
        if top and top[0] == "block":
            if starts("/*"):
                stack[-1] = ("block", top[1] + 1)
                i += 2
            elif starts("*/"):
                stack.pop() if top[1] == 1 else stack.__setitem__(-1, ("block", top[1] - 1))
                i += 2
            else:
                out.append("\n" if c == "\n" else " ")
                i += 1
            continue
        if top and top[0] == "string":
            _, hashes, multiline = top
            closing = ('"""' if multiline else '"') + "#" * hashes
            escape = "\\" + "#" * hashes
            if starts(escape + "("):
                stack.append(("interp", 1))
                out.append(" " * (len(escape) + 1))
                i += len(escape) + 1
            elif starts(escape):
                out.append(" " * (len(escape) + 1))
                i += len(escape) + 1
            elif starts(closing):
                stack.pop()
                out.append('"')
                i += len(closing)
            else:
                out.append("\n" if c == "\n" else " ")
                i += 1
            continue
        # code (top level or inside an interpolation)
        if starts("//"):
            while i < n and text[i] != "\n":
                i += 1
            continue
        if starts("/*"):
            stack.append(("block", 1))
            i += 2
            continue
        m = re.compile(r'(#*)("""|")').match(text, i)
        if m:
            hashes = len(m.group(1))
            stack.append(("string", hashes, m.group(2) == '"""'))
            out.append('"')
            i = m.end()
            continue
        if top and top[0] == "interp":
            if c == "(":
                stack[-1] = ("interp", top[1] + 1)
            elif c == ")":
                if top[1] == 1:
                    stack.pop()
                    out.append(" ")
                    i += 1
                    continue
                stack[-1] = ("interp", top[1] - 1)
        out.append(c)
        i += 1
    return "".join(out)


def functions(path):
    """(length, line, name, reason) for each function in the file at `path`."""
    with open(path, encoding="utf-8") as f:
        raw = f.read().split("\n")
    code = code_only("\n".join(raw)).split("\n")
    found = []
    for index, line in enumerate(code):
        match = DECLARATION.match(line)
        if not match:
            continue
        depth, opened, end = 0, None, None
        for j in range(index, len(code)):
            for ch in code[j]:
                if ch == "{":
                    depth += 1
                    opened = j if opened is None else opened
                elif ch == "}":
                    depth -= 1
            if opened is not None and depth <= 0:
                end = j
                break
            # A protocol requirement or a declaration without a body.
            if opened is None and (j > index + 20 or (j > index and DECLARATION.match(code[j]))):
                break
        if end is None:
            continue
        name = re.sub(r"\s+", " ", match.group(1)).rstrip(" {")
        found.append((end - index + 1, index + 1, name, says_why(raw, index)))
    return found


def says_why(raw, index):
    """Whether the comment block right above line `index` (attributes skipped) gives a reason."""
    k = index - 1
    while k >= 0 and raw[k].strip().startswith("@"):
        k -= 1
    while k >= 0 and raw[k].strip().startswith("//"):
        if REASON in raw[k]:
            return True
        k -= 1
    return False


def sources(root):
    for directory, _, names in sorted(os.walk(root)):
        for name in sorted(names):
            if name.endswith(".swift"):
                yield os.path.join(directory, name)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=os.path.join(os.path.dirname(__file__), "..", "Sources"))
    parser.add_argument("--over", type=int, default=60, help="list functions longer than this")
    parser.add_argument("--check", action="store_true", help=f"fail on one over {LIMIT} lines without a reason")
    arguments = parser.parse_args()
    root = os.path.normpath(arguments.root)
    rows = []
    for path in sources(root):
        with open(path, encoding="utf-8") as f:
            code = code_only(f.read())
        if code.count("{") != code.count("}"):
            # The lexer misread a literal: every length in this file would be wrong.
            print(f"{os.path.relpath(path, os.path.dirname(root))}: unbalanced braces outside strings and comments "
                  "(a literal this script does not understand)", file=sys.stderr)
            return 2
        for length, line, name, reason in functions(path):
            rows.append((length, os.path.relpath(path, os.path.dirname(root)), line, name, reason))
    rows.sort(key=lambda r: (-r[0], r[1], r[2]))
    if arguments.check:
        unexplained = [r for r in rows if r[0] > LIMIT and not r[4]]
        for length, path, line, name, _ in unexplained:
            print(f"{path}:{line}: {name} is {length} lines (over {LIMIT}) and does not say why "
                  f"(a comment above it with \"{REASON}: …\")", file=sys.stderr)
        return 1 if unexplained else 0
    for length, path, line, name, reason in rows:
        if length > arguments.over:
            print(f"{length:5d}  {path}:{line}  {name}{'  (says why)' if reason else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
