#!/usr/bin/env python3
"""Checks the import rules of docs/architecture.md: every `import` of a CRMKit module in
Sources/<Module>/ must be allowed by the table between the `import-rules` markers of that page,
and every module in Sources/ must have a row. Exit 1 on any violation, naming file and line."""
import os, re, sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
PAGE = os.path.join(ROOT, "docs", "architecture.md")
IMPORT = re.compile(r'^\s*(?:@\w+(?:\([^)]*\))?\s+)*import\s+(?:(?:struct|class|enum|protocol|typealias|func|let|var)\s+)?([A-Za-z_][A-Za-z0-9_]*)')

def rules():
    text = open(PAGE, encoding="utf-8").read()
    match = re.search(r"<!-- import-rules:begin -->(.*?)<!-- import-rules:end -->", text, re.S)
    if not match:
        sys.exit("imports: docs/architecture.md has no <!-- import-rules:begin --> … <!-- import-rules:end --> table")
    table = {}
    for line in match.group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not cells[0].startswith("`"):
            continue
        module = cells[0].strip("`")
        allowed = set(re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", cells[1]))
        table[module] = allowed
    return table

def main():
    table = rules()
    ours = set(table)
    problems = []
    sources = os.path.join(ROOT, "Sources")
    for module in sorted(os.listdir(sources)):
        if not os.path.isdir(os.path.join(sources, module)):
            continue
        if module not in table:
            problems.append(f"Sources/{module}: no row in docs/architecture.md's import rules")
            continue
        for dirpath, _, files in os.walk(os.path.join(sources, module)):
            for name in files:
                if not name.endswith(".swift"):
                    continue
                path = os.path.join(dirpath, name)
                for number, line in enumerate(open(path, encoding="utf-8"), 1):
                    found = IMPORT.match(line)
                    if not found:
                        continue
                    imported = found.group(1)
                    if imported in ours and imported != module and imported not in table[module]:
                        rel = os.path.relpath(path, ROOT)
                        problems.append(f"{rel}:{number}: {module} imports {imported}, which docs/architecture.md does not allow")
    for problem in problems:
        print(problem)
    if problems:
        print(f"imports: {len(problems)} violation(s) of docs/architecture.md", file=sys.stderr)
        return 1
    print(f"imports: {len(table)} modules follow docs/architecture.md's import rules")
    return 0

sys.exit(main())
