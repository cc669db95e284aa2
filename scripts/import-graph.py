#!/usr/bin/env python3
"""Prints the package's module graph as the sources' import statements draw it, and checks it.

    scripts/import-graph.py            the graph of Sources/, one module a line, in layers
    scripts/import-graph.py --check    exit 1, naming each difference, when Package.swift's declared
                                       dependencies (of every target, tests included) differ from
                                       the modules its sources import, or when the drawing in
                                       Package.swift's header differs from the printed graph
    --package FILE                     read another Package.swift (the sources stay beside this one)

An edge is `import M` (any access level, `@testable` included) of a module that is a target or
product of the package; system modules (Foundation, Glibc, Testing ...) are not edges. A dependency
on an executable target needs no import: it orders the build (end-to-end tests run the binary).
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
IMPORT = re.compile(
    r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|package|internal|fileprivate|private)\s+)?"
    r"import\s+(?:(?:struct|class|enum|protocol|typealias|func|var|let)\s+)?(\w+)",
    re.M,
)
TARGET = re.compile(r"\.(target|executableTarget|testTarget|systemLibrary)\(\s*name:\s*\"([^\"]+)\"")
HEADER_BEGIN = "// Module graph (printed by scripts/import-graph.py; a test keeps it in step):"
HEADER_END = "// (end of the module graph)"
# Columns of a drawn line after Package.swift's "//   " (the header stays within 120 columns).
WIDTH = 110


def declared_targets(package_text):
    """name -> (kind, declared dependencies, source directory) for every target in Package.swift."""
    targets = {}
    starts = [(m.start(), m.group(1), m.group(2)) for m in TARGET.finditer(package_text)]
    for i, (start, kind, name) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(package_text)
        body = package_text[start:end]
        deps = set()
        found = re.search(r"dependencies:\s*\[(.*?)\]", body, re.S)
        if found:
            listed = re.sub(r"\.product\(\s*name:\s*\"([^\"]+)\"[^)]*\)", r'"\1"', found.group(1))
            deps = set(re.findall(r"\"([^\"]+)\"", listed))
        path = re.search(r"path:\s*\"([^\"]+)\"", body)
        folder = path.group(1) if path else ("Tests/" if kind == "testTarget" else "Sources/") + name
        targets[name] = (kind, deps, ROOT / folder)
    return targets


def imports(folder, known):
    """The package modules the Swift files under `folder` import."""
    found = set()
    for file in sorted(folder.rglob("*.swift")):
        found.update(m for m in IMPORT.findall(file.read_text(encoding="utf-8")) if m in known)
    return found


def layers(graph):
    """Module -> layer: 0 for a module importing nothing, else one more than its deepest import."""
    depth = {}

    def visit(module, path=()):
        if module in path:
            sys.exit("import cycle: " + " -> ".join(path + (module,)))
        if module not in depth:
            depth[module] = 1 + max((visit(d, path + (module,)) for d in graph.get(module, ())), default=-1)
        return depth[module]

    for module in graph:
        visit(module)
    return depth


def drawing(graph):
    """The graph as lines: layer by layer, each module with the modules it imports."""
    depth = layers(graph)
    order = sorted(graph, key=lambda m: (depth[m], m.lower()))
    width = max(len(m) for m in order)
    lines = []
    for module in order:
        deps = sorted(graph[module], key=lambda d: (-depth[d], d.lower()))
        line = f"{depth[module]}  {module.ljust(width)}"
        if deps:
            line += " ─► "
        indent = " " * len(line)
        for i, dep in enumerate(deps):
            word = dep + ("," if i + 1 < len(deps) else "")
            if len(line) + 1 + len(word) > WIDTH and not line.endswith("─► "):
                lines.append(line.rstrip())
                line = indent
            elif not line.endswith(("─► ", " " * 4)) or line.strip() == "":
                line += "" if line.endswith(" ") else " "
            line += word
        lines.append(line.rstrip())
    return lines


def main(argv):
    package = ROOT / "Package.swift"
    if "--package" in argv:
        package = pathlib.Path(argv[argv.index("--package") + 1])
    text = package.read_text(encoding="utf-8")
    targets = declared_targets(text)
    known = set(targets) | {d for _, deps, _ in targets.values() for d in deps}
    real = {name: imports(folder, known) for name, (kind, _, folder) in targets.items() if kind != "systemLibrary"}
    graph = {name: real.get(name, set()) for name, (kind, _, _) in targets.items() if kind != "testTarget"}
    graph = {n: d for n, d in graph.items() if targets[n][2].parts[-2] == "Sources" or targets[n][0] == "systemLibrary"}
    lines = drawing(graph)
    if "--check" not in argv:
        print("\n".join(lines))
        return 0
    problems = []
    for name, (kind, declared, _) in sorted(targets.items()):
        if kind == "systemLibrary":
            continue
        builds_only = {d for d in declared if targets.get(d, ("",))[0] == "executableTarget"}
        for d in sorted(real[name] - declared):
            problems.append(f"{name} imports {d} but Package.swift does not declare it")
        for d in sorted(declared - real[name] - builds_only):
            problems.append(f"{name} declares {d} but never imports it")
    header = re.search(re.escape(HEADER_BEGIN) + r"\n((?://.*\n)*?)" + re.escape(HEADER_END), text)
    drawn = [re.sub(r"^//\s{0,3}", "", l) for l in header.group(1).splitlines()] if header else None
    drawn = [l for l in drawn if l] if drawn is not None else None
    if drawn != lines:
        problems.append(
            "Package.swift's header does not draw the real graph; between its marker lines it should read:\n"
            + "\n".join("//   " + l for l in lines))
    for problem in problems:
        print(f"{package}: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
