"""Which tests exercise each mutated module: the selections of tests/mutation/cosmic-ray.toml.

    python -m coverage run --rcfile=tests/mutation/coverage.rc -m pytest -m "not slow" \
        -p no:cacheprovider -o addopts="" --durations=0 tests/ > .mutation/coverage-run.log
    python tests/mutation/select_tests.py .mutation/coverage-run.log

A test exercises a module when it runs a line inside one of the module's functions (not
only its module-level lines, which importing runs). Per module this prints the test files
in which every test exercises it and, from the other files, the tests that do (as pytest
node ids), fastest file first, with the seconds they took under coverage (from
--durations=0).
"""

from __future__ import annotations

import ast
import re
import sys
from collections import defaultdict
from pathlib import Path

import coverage
import toml

REPO = Path(__file__).resolve().parents[2]


def body_lines(path: Path) -> set[int]:
    """Lines inside function bodies (not the def lines, not module level)."""
    lines: set[int] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for stmt in node.body:
                lines.update(range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1))
    return lines


def durations(log: Path) -> dict[str, float]:
    """Seconds per test function (setup + call + teardown, parameters summed)."""
    out: dict[str, float] = defaultdict(float)
    for line in log.read_text().splitlines():
        m = re.match(r"^([0-9.]+)s (call|setup|teardown)\s+(\S+?)(\[.*\])?$", line)
        if m:
            out[m.group(3)] += float(m.group(1))
    return out


def context_test(context: str) -> str | None:
    """'tests.test_engine.test_x' -> 'tests/test_engine.py::test_x'."""
    parts = context.split(".")
    if len(parts) < 3 or parts[0] != "tests":
        return None
    return f"{'/'.join(parts[:-1])}.py::{parts[-1]}"


def main(log: str, data_file: str = str(REPO / ".mutation" / ".coverage")) -> int:
    config = toml.loads((REPO / "tests" / "mutation" / "cosmic-ray.toml").read_text())
    groups = config["attnaudit-mutation"]["groups"]
    data = coverage.CoverageData(basename=data_file)
    data.read()
    seconds = durations(Path(log))
    all_tests: dict[str, set[str]] = defaultdict(set)
    for context in data.measured_contexts():
        test = context_test(context)
        if test:
            all_tests[test.split("::")[0]].add(test)
    for name, group in groups.items():
        module = (REPO / group["module-path"]).resolve()
        measured = next((f for f in data.measured_files() if Path(f).resolve() == module), None)
        if measured is None:
            print(f"{name}: not measured")
            continue
        inside = body_lines(module)
        by_context = data.contexts_by_lineno(measured)
        hits: set[str] = set()
        for line, contexts in by_context.items():
            if line in inside:
                hits.update(t for t in map(context_test, contexts) if t)
        per_file: dict[str, list[str]] = defaultdict(list)
        for test in sorted(hits):
            per_file[test.split("::")[0]].append(test)
        print(f"[{name}] {group['module-path']}")
        for file, tests in sorted(per_file.items(), key=lambda x: sum(seconds[t] for t in x[1])):
            whole = set(tests) == all_tests[file]
            cost = sum(seconds[t] for t in tests)
            print(f"  {cost:6.1f} s  {file if whole else ' '.join(tests)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
