#!/usr/bin/env python3
"""layers.py - `make test` step "layers": the architecture's rules, checked on the built objects.

1. src/core/ never includes a PostgreSQL header (it is Postgres-free C) and never calls the glue.
2. No call circle between source files: with each object's undefined symbols resolved to the
   object that defines them, the graph of src/core and src/pg objects has no cycle, so every
   file can be read (and changed) knowing only the files below it.
Run from the repository root after `make`.
"""
import glob
import re
import subprocess
import sys
from collections import defaultdict

PG_HEADERS = re.compile(r'#\s*include\s*[<"](postgres|fmgr|funcapi|miscadmin|utils/|access/|catalog/|executor/|nodes/)')


def symbols(obj):
    defined, undefined = set(), set()
    for line in subprocess.run(["nm", obj], capture_output=True, text=True, check=True).stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "TDBR":
            defined.add(parts[2])
        elif len(parts) == 2 and parts[0] == "U":
            undefined.add(parts[1])
    return defined, undefined


def cycles(graph, nodes):
    """Strongly connected components of more than one node (Tarjan, iterative)."""
    index, low, on_stack, stack, found, counter = {}, {}, set(), [], [], [0]
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter[0]; counter[0] += 1
        stack.append(root); on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter[0]; counter[0] += 1
                    stack.append(child); on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop(); on_stack.discard(member); component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def main():
    checks = {"core includes no PostgreSQL header": [], "core never calls the glue": [],
              "no call circle between files": []}
    header, calls, circle = checks.values()
    for path in sorted(glob.glob("src/core/*.c") + glob.glob("src/core/*.h")):
        with open(path) as f:
            if PG_HEADERS.search(f.read()):
                header.append(f"{path} includes a PostgreSQL header")
    sources = glob.glob("src/core/*.c") + glob.glob("src/pg/*.c")
    objects = sorted(glob.glob("src/core/*.o") + glob.glob("src/pg/*.o"))
    if len(objects) < len(sources):
        circle.append("objects missing: run make first")
    owner, needs = {}, {}
    for obj in objects:
        defined, undefined = symbols(obj)
        needs[obj] = undefined
        for symbol in defined:
            owner[symbol] = obj
    graph = defaultdict(set)
    for obj, undefined in needs.items():
        for symbol in undefined:
            target = owner.get(symbol)
            if target and target != obj:
                graph[obj].add(target)
                if obj.startswith("src/core/") and target.startswith("src/pg/"):
                    calls.append(f"{obj} calls the glue ({symbol} in {target})")
    for component in cycles(graph, objects):
        circle.append("call circle between " + ", ".join(c[:-2] + ".c" for c in component))
    for name, failures in checks.items():
        for failure in failures:
            print(f"layers: {name}: FAILED: {failure}")
    failed = sum(1 for failures in checks.values() if failures)
    print(f"layers: {len(checks) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
