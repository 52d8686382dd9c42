"""Fetch a dataset (or word-vectors) file: mirror first, then the official address; verify;
write atomically.

A mirror is a directory (or a file:// address of one) holding files under their registry
`mirror_name` (by default the `filename`), checked against `mirror_sha256`. A file that is a
`member` of an official archive is fetched by downloading the archive beside the
destination, checking it (`archive_sha256`), and extracting the member. Whatever goes wrong -
unreachable address, wrong checksum, truncated copy - the error names the dataset and nothing
is left at the destination. A mirror that is set but does not exist, or lacks the file, is
named in that error beside the official address (and in a warning when the official address
then serves the file). A checksum recorded as "unknown" is not checked, with a warning that
gives the file's actual SHA-256 so that it can be pinned.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tarfile
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

from attnaudit.data.remote import UNKNOWN, RemoteFile, mirror_dir
from attnaudit.io import atomic_path

CHUNK = 1 << 20
# The most seconds one file's download may take, besides the per-read `timeout` (a server
# that sends a byte every few seconds never trips that one); the environment variable
# ATTNAUDIT_DOWNLOAD_DEADLINE overrides it: how a download runs, not what it fetches, so no
# setting whose edit would rerun the downloads.
DEADLINE = 1800.0
OFFLINE_HINT = (
    "without network, put the files in a directory and run with --config mirror=DIR "
    "(docs/datasets.md#mirror; each dataset without it: docs/datasets.md#without-mirror)"
)
log = logging.getLogger("attnaudit")


class DownloadError(RuntimeError):
    """A dataset file could not be fetched or failed verification."""


def sha256sum(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def mirror_problem(remote: RemoteFile, mirror: str | None) -> str | None:
    """Why the mirror cannot serve `remote`: no such directory, or no such file in it."""
    root = mirror_dir(mirror)
    if root is None:
        return None
    if not root.is_dir():
        what = "not a directory" if root.exists() else "no such directory"
        given = f" (mirror: {mirror})" if str(root) != mirror else ""
        return f"mirror {root}{given}: {what}"
    if not (root / remote.mirror_name).is_file():
        return f"mirror {root}: no file {remote.mirror_name}"
    return None


def candidate_sources(remote: RemoteFile, mirror: str | None) -> list[str]:
    """Where to look, in order: the mirror's copy (if present), then the official address."""
    sources = []
    root = mirror_dir(mirror)
    if root is not None and (root / remote.mirror_name).is_file():
        sources.append((root / remote.mirror_name).resolve().as_uri())
    sources.append(remote.url)
    return sources


def deadline() -> float:
    """The whole-download deadline in seconds (`DEADLINE`, or ATTNAUDIT_DOWNLOAD_DEADLINE)."""
    return float(os.environ.get("ATTNAUDIT_DOWNLOAD_DEADLINE", DEADLINE))


def _copy(source: str, dest: Path, timeout: float) -> None:
    """Copy `source` to `dest`, each read within `timeout` and the whole within `deadline()`:
    a TimeoutError naming both when it takes longer."""
    limit = deadline()
    end = time.monotonic() + limit
    with urllib.request.urlopen(source, timeout=timeout) as response, open(dest, "wb") as out:
        read = getattr(response, "read1", response.read)  # what has come, not a full chunk
        while block := read(CHUNK):
            out.write(block)
            if time.monotonic() > end:
                raise TimeoutError(
                    f"the download took longer than its deadline of {limit:g} s "
                    "(ATTNAUDIT_DOWNLOAD_DEADLINE)"
                )


def _known(checksum: str) -> bool:
    return checksum not in ("", UNKNOWN)


def _verify(owner: str, what: str, source: str, path: Path, expected: str) -> None:
    actual = sha256sum(path)
    if not _known(expected):
        log.warning(
            "%s: %s from %s is NOT verified (no published SHA-256); its SHA-256 is %s",
            owner,
            what,
            source,
            actual,
        )
    elif actual != expected:
        raise DownloadError(
            f"{owner}: checksum mismatch for {what} from {source}: expected "
            f"sha256 {expected}, got {actual}. The file may be truncated or corrupt; nothing "
            "was kept."
        )


def _copy_member(owner: str, remote: RemoteFile, dest: Path, timeout: float) -> None:
    """Download the archive at remote.url beside `dest`, check it, extract remote.member."""
    with tempfile.TemporaryDirectory(prefix=".archive-", dir=dest.parent) as tmpdir:
        archive = Path(tmpdir) / "archive"
        _copy(remote.url, archive, timeout)
        if _known(remote.archive_sha256):  # else the member's own checksum decides
            _verify(
                owner,
                f"the archive of {remote.filename}",
                remote.url,
                archive,
                remote.archive_sha256,
            )
        try:
            if zipfile.is_zipfile(archive):
                with zipfile.ZipFile(archive) as zf, zf.open(remote.member) as src:
                    _write(src, dest)
            else:
                with tarfile.open(archive) as tf:
                    src = tf.extractfile(remote.member)
                    if src is None:
                        raise KeyError(remote.member)
                    _write(src, dest)
        except KeyError:
            raise DownloadError(f"{owner}: {remote.url} has no member {remote.member!r}") from None


def _write(src, dest: Path) -> None:
    with open(dest, "wb") as out:
        shutil.copyfileobj(src, out, CHUNK)


def fetch(
    dataset: str,
    remote: RemoteFile,
    dest: str | Path,
    mirror: str | None = None,
    timeout: float = 60.0,
    kind: str = "dataset",
) -> str:
    """Copy `remote` to `dest` and verify its SHA-256; return the source that was used.

    Errors and warnings name the owner as `<kind> '<dataset>'` (kind "embeddings" for vectors).
    """
    owner = f"{kind} {dataset!r}"
    errors = []
    skipped = mirror_problem(remote, mirror)
    if skipped:
        errors.append(skipped)
        log.warning("%s: %s; trying the official address %s", owner, skipped, remote.url)
    for source in candidate_sources(remote, mirror):
        official = source == remote.url
        try:
            with atomic_path(dest) as tmp:
                if official and remote.member:
                    _copy_member(owner, remote, tmp, timeout)
                else:
                    _copy(source, tmp, timeout)
                expected = remote.sha256 if official else remote.mirror_sha256
                vouched = official and remote.member and _known(remote.archive_sha256)
                if _known(expected) or not vouched:  # a checked archive vouches for its member
                    _verify(owner, remote.filename, source, tmp, expected)
        except (
            urllib.error.URLError,
            OSError,
            ValueError,
            zipfile.BadZipFile,
            tarfile.TarError,
        ) as exc:
            errors.append(f"{source}: {exc}")
            if not official:
                log.warning("%s: the mirror's copy failed (%s); trying %s", owner, exc, remote.url)
            continue
        return source
    raise DownloadError(
        f"{owner}: could not fetch {remote.filename}: " + "; ".join(errors) + f"; {OFFLINE_HINT}"
    )
