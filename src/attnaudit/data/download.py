"""Fetch a dataset file: local mirror first, then the official address; verify; write atomically.

A mirror is a directory (or a file:// address of one) holding files under their registry
`filename`. Whatever goes wrong - unreachable address, wrong checksum, truncated copy - the
error names the dataset and nothing is left at the destination.
"""

from __future__ import annotations

import hashlib
import shutil
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from attnaudit.data.registry import RemoteFile
from attnaudit.io import atomic_path

CHUNK = 1 << 20


class DownloadError(RuntimeError):
    """A dataset file could not be fetched or failed verification."""


def sha256sum(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def mirror_dir(mirror: str | None) -> Path | None:
    if not mirror:
        return None
    if mirror.startswith("file://"):
        return Path(urllib.parse.unquote(urllib.parse.urlparse(mirror).path))
    return Path(mirror)


def candidate_sources(remote: RemoteFile, mirror: str | None) -> list[str]:
    """Where to look, in order: the mirror's copy (if present), then the official address."""
    sources = []
    root = mirror_dir(mirror)
    if root is not None and (root / remote.filename).is_file():
        sources.append((root / remote.filename).resolve().as_uri())
    sources.append(remote.url)
    return sources


def _copy(source: str, dest: Path, timeout: float) -> None:
    with urllib.request.urlopen(source, timeout=timeout) as response, open(dest, "wb") as out:
        shutil.copyfileobj(response, out, CHUNK)


def fetch(
    dataset: str,
    remote: RemoteFile,
    dest: str | Path,
    mirror: str | None = None,
    timeout: float = 60.0,
) -> str:
    """Copy `remote` to `dest` and verify its SHA-256; return the source that was used."""
    errors = []
    for source in candidate_sources(remote, mirror):
        with atomic_path(dest) as tmp:
            try:
                _copy(source, tmp, timeout)
            except (urllib.error.URLError, OSError, ValueError) as exc:
                errors.append(f"{source}: {exc}")
                continue
            actual = sha256sum(tmp)
            if actual != remote.sha256:
                raise DownloadError(
                    f"dataset {dataset!r}: checksum mismatch for {remote.filename} from "
                    f"{source}: expected sha256 {remote.sha256}, got {actual}. The file may be "
                    "truncated or corrupt; nothing was kept."
                )
            return source
    raise DownloadError(
        f"dataset {dataset!r}: could not fetch {remote.filename}: " + "; ".join(errors)
    )
