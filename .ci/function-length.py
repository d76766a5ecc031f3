#!/usr/bin/env python3
"""Fails when a function, initializer, subscript or accessor body in Sources/ is longer than
MAX lines (default 150), counted from the declaration's first line to its closing brace."""
import os, re, sys

MAX = int(os.environ.get("MAX_FUNCTION_LINES", "150"))
DECL = re.compile(r'^\s*(?:(?:@\w+(?:\([^)]*\))?|public|package|internal|private|fileprivate|open|static|class|final|override|mutating|nonmutating|nonisolated|consuming|borrowing|convenience|required|dynamic|isolated|@inlinable|@usableFromInline)\s+)*(func\s|init[?!]?\s*[(<]|deinit\b|subscript\s*[(<])')

def strip(line, state):
    """Removes string literals and comments from a line; `state` carries block comments and
    multi-line strings across lines."""
    out, i = [], 0
    while i < len(line):
        if state["block"]:
            j = line.find("*/", i)
            if j < 0: return "".join(out)
            state["block"] = False; i = j + 2; continue
        if state["multi"]:
            j = line.find('"""', i)
            if j < 0: return "".join(out)
            state["multi"] = False; i = j + 3; continue
        if line.startswith("//", i): break
        if line.startswith("/*", i): state["block"] = True; i += 2; continue
        if line.startswith('"""', i): state["multi"] = True; i += 3; continue
        c = line[i]
        if c == '"':
            i += 1
            while i < len(line) and line[i] != '"':
                i += 2 if line[i] == "\\" else 1
            i += 1; continue
        out.append(c); i += 1
    return "".join(out)

def check(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    state = {"block": False, "multi": False}
    clean = [strip(l, state) for l in lines]
    problems = []
    for n, line in enumerate(clean):
        if not DECL.match(line):
            continue
        depth, opened = 0, False
        for m in range(n, len(clean)):
            for c in clean[m]:
                if c == "{": depth += 1; opened = True
                elif c == "}": depth -= 1
            if opened and depth <= 0:
                length = m - n + 1
                if length > MAX:
                    problems.append((path, n + 1, length, lines[n].strip()))
                break
            if not opened and m > n and (clean[m].strip() == "" or DECL.match(clean[m])):
                break  # a protocol requirement without a body
    return problems

def main(roots):
    problems = []
    for root in roots:
        for dirpath, _, files in os.walk(root):
            for f in files:
                if f.endswith(".swift"):
                    problems += check(os.path.join(dirpath, f))
    for path, line, length, text in sorted(problems, key=lambda p: -p[2]):
        print(f"{path}:{line}: {length} lines (max {MAX}): {text[:100]}")
    if problems:
        print(f"function-length: {len(problems)} function(s) over {MAX} lines", file=sys.stderr)
        return 1
    print(f"function-length: no function in {', '.join(roots)} over {MAX} lines")
    return 0

sys.exit(main(sys.argv[1:] or ["Sources"]))
