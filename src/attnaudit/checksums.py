"""Checksum records of written artifacts, so a corrupted file is found before a job trusts it.

Every file written through `attnaudit.io.atomic_path` gets a record, `.checksums/<name>.sha256`
in its own directory: its SHA-256, size, mtime and inode, one line, written atomically after
the file is in place. The record sits beside the file, so a moved or copied project keeps
it, and is no output Snakemake knows of, so it never triggers a rerun. A record applies to
the file while it keeps its inode (Snakemake touches every output after its job: a new
mtime) or its mtime (`cp -a`, `rsync -a`: a new inode). A file that has neither was written
since by something else (a restore from Snakemake's cache, an editor's save, plain `cp`):
it is unknown, not corrupt, and Snakemake sees its new mtime itself. `attnaudit.verify`
reads them.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

FOLDER = ".checksums"
CHUNK = 1 << 20


@dataclass(frozen=True)
class Record:
    sha256: str
    size: int
    mtime_ns: int
    inode: int


def digest(path: str | os.PathLike) -> Record:
    """The SHA-256, size, mtime and inode of a file, read in chunks (a checkpoint need not
    fit twice in memory)."""
    sha = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            sha.update(chunk)
        stat = os.fstat(fh.fileno())
    return Record(sha.hexdigest(), stat.st_size, stat.st_mtime_ns, stat.st_ino)


def record_path(path: str | os.PathLike) -> Path:
    path = Path(path)
    return path.parent / FOLDER / f"{path.name}.sha256"


def forget(path: str | os.PathLike) -> None:
    """Remove the record of `path` before it is replaced: a kill between the rename and the
    new record then leaves the file unknown, never checked against the old file's record."""
    record_path(path).unlink(missing_ok=True)


def write(path: str | os.PathLike, record: Record, mode: int) -> None:
    """Record `path`'s checksum, atomically (a temporary renamed into place), with `mode`
    (that of the file: a colleague who can read it can check it)."""
    target = record_path(path)
    target.parent.mkdir(exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(f"{record.sha256} {record.size} {record.mtime_ns} {record.inode}\n")
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)


def read(path: str | os.PathLike) -> Record | None:
    """The record that applies to `path` as it is now (same inode or same mtime), or None
    where there is none, it is not a record, or the file was written since by another."""
    try:
        sha256, *numbers = record_path(path).read_text(encoding="ascii").split()
        record = Record(sha256, *map(int, numbers))
        stat = os.stat(path)
        if stat.st_ino != record.inode and stat.st_mtime_ns != record.mtime_ns:
            return None
    except (OSError, ValueError, TypeError, UnicodeDecodeError):
        return None
    return record


def mismatch(path: str | os.PathLike, record: Record) -> str | None:
    """Why `path` is not the file `record` describes (size first: no read), or None."""
    size = Path(path).stat().st_size
    if size != record.size:
        return f"{size} bytes, {record.size} when written"
    if digest(path).sha256 != record.sha256:
        return "its content changed since it was written"
    return None


def changed(paths: Sequence[str | os.PathLike]) -> list[Path]:
    """Those of `paths` that differ from their records (files without one are left out)."""
    return [Path(p) for p in paths if (r := read(p)) is not None and mismatch(p, r) is not None]
