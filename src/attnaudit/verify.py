"""`python -m attnaudit.verify [RESULTS]`: check every artifact under RESULTS (default
`results`) against the checksum recorded when it was written, and list what to delete.

A truncated or overwritten file whose mtime was kept looks up to date to Snakemake, which
would feed it to the next job; this finds it first. Files without a record that applies
(logs, benchmarks, files written before checksums, or since by another tool: a new mtime,
which Snakemake sees) are unknown, not corrupt.
Exit status: 0 when nothing is corrupt, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from attnaudit import checksums


@dataclass
class Findings:
    intact: list[Path] = field(default_factory=list)
    corrupt: list[tuple[Path, str]] = field(default_factory=list)
    unknown: list[Path] = field(default_factory=list)


def artifacts(root: Path) -> list[Path]:
    """Every file under `root` but the checksum records and temporaries of writes."""
    found = []
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != checksums.FOLDER)
        found += [Path(directory, f) for f in sorted(files) if not f.endswith(".part")]
    return found


def check(root: str | os.PathLike) -> Findings:
    """Compare each artifact's size, then SHA-256, with its record."""
    findings = Findings()
    for path in artifacts(Path(root)):
        record = checksums.read(path)
        if record is None:
            findings.unknown.append(path)
            continue
        why = checksums.mismatch(path, record)
        if why is None:
            findings.intact.append(path)
        else:
            findings.corrupt.append((path, why))
    return findings


def report(root: str | os.PathLike, findings: Findings, verbose: bool) -> str:
    lines = [
        f"attnaudit.verify {root}: {len(findings.intact)} intact, "
        f"{len(findings.corrupt)} corrupt, {len(findings.unknown)} without a checksum record"
    ]
    if findings.corrupt:
        lines.append(
            "corrupt: delete these, then run the same snakemake command again (it rebuilds "
            "them and what depends on them):"
        )
        lines += [f"  {path}  ({why})" for path, why in findings.corrupt]
    if verbose and findings.unknown:
        lines.append("without a checksum record (not checked):")
        lines += [f"  {path}" for path in findings.unknown]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m attnaudit.verify", description=__doc__)
    parser.add_argument("results", nargs="?", default="results", help="default: results")
    parser.add_argument("-v", "--verbose", action="store_true", help="list unrecorded files")
    args = parser.parse_args(argv)
    if not Path(args.results).is_dir():
        print(f"attnaudit.verify: {args.results} is not a directory", file=sys.stderr)
        return 2
    findings = check(args.results)
    print(report(args.results, findings, args.verbose))
    return 1 if findings.corrupt else 0


if __name__ == "__main__":
    sys.exit(main())
