"""Atomic file writes and the project's file formats.

Every artifact is written to a temporary file in the target directory and renamed into
place, so a killed job never leaves a half-written file that a rerun would trust. The file
gets the mode an ordinary `open()` would give it (0666 less the umask: 0644 under umask
022), not the 0600 of the temporary file, so shared results stay readable, and a checksum
record (`attnaudit.checksums`) that `python -m attnaudit.verify` checks it against.

Readers raise `CorruptFileError` naming the file and the way out (delete it, rerun), for a
file they cannot parse and for one its checksum record says changed since it was written; a
write that fails raises `WriteError` naming the file and the cause in words (disk full, file
too large, permission).
"""

from __future__ import annotations

import contextlib
import errno
import glob
import json
import os
import pickle
import re
import resource
import socket
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from attnaudit import checksums
from attnaudit.lifeline import pid_alive

REBUILD = "delete it and rerun: snakemake will rebuild it"


class CorruptFileError(ValueError):
    """An intermediate that cannot be read as what it should be (truncated, overwritten)."""


def corrupt(path: str | os.PathLike, expected: str, exc: BaseException) -> CorruptFileError:
    """The error for `path` that is not a readable `expected`, with the reader's first line."""
    detail = str(exc).splitlines()[0] if str(exc) else "empty"
    return CorruptFileError(
        f"{path} is not a readable {expected} ({type(exc).__name__}: {detail}); {REBUILD}"
    )


def checked(path: str | os.PathLike, expected: str) -> Path:
    """`path`, refused where its checksum record says it changed since it was written, in
    place or with its mtime kept (a truncation Snakemake cannot see; a CSV would parse)."""
    record = checksums.read(path)
    if record is not None and (why := checksums.mismatch(path, record)) is not None:
        raise CorruptFileError(
            f"{path} is not the {expected} that was written there ({why}); {REBUILD}"
        )
    return Path(path)


class WriteError(OSError):
    """A write that failed, naming the file and the cause in words (its errno kept)."""


CAUSES = {
    errno.ENOSPC: "disk full",
    errno.EDQUOT: "disk quota exceeded",
    errno.EFBIG: "file too large (a file size limit, such as `ulimit -f`)",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EROFS: "read-only file system",
}
# Messages of writers that report a failed write without an errno: torch's zip writer, and
# numpy's short write to a file object.
SHORT_WRITES = ("iostream error", "PytorchStreamWriter failed", "inline_container", "requested and")


def write_cause(exc: BaseException, tmp: Path) -> int | None:
    """The errno of a failed write: its own, or for a writer that reports none (torch, numpy)
    the limit the partial file ran into (a full disk, the file size limit)."""
    if isinstance(exc, OSError) and exc.errno in CAUSES:
        return exc.errno
    if not isinstance(exc, (OSError, RuntimeError)) or not any(s in str(exc) for s in SHORT_WRITES):
        return None
    with contextlib.suppress(OSError):
        if os.statvfs(tmp.parent).f_bavail == 0:
            return errno.ENOSPC
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    with contextlib.suppress(OSError):
        if limit != resource.RLIM_INFINITY and tmp.stat().st_size >= limit - 4096:
            return errno.EFBIG
    return None


def write_failure(path: Path, code: int, exc: BaseException) -> WriteError:
    return WriteError(
        code,
        f"cannot write {path}: {CAUSES[code]} ({type(exc).__name__}: {exc}); nothing was "
        "written under its name",
    )


def current_umask() -> int:
    """The process's umask, read without changing it where Linux tells it (/proc), else
    set and restored at once."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _host() -> str:
    """This machine's name as it goes into a temporary's name (no dots, no separators)."""
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in socket.gethostname()) or "-"


def _writer_gone(name: str, prefix: str, suffix: str) -> bool:
    """Whether `name` is a temporary of this target (`<prefix><host>.<pid>.<random><suffix>`)
    whose writer is gone: a process of this machine whose pid no longer runs. A writer on
    another machine is never taken for gone; a temporary that names no writer (written
    before temporaries named theirs) is a killed write's. Another file's temporary (of
    `out.json.bak` beside `out.json`) never matches."""
    random = "[a-z0-9_]+"  # mkstemp's characters, never a dot
    named = re.fullmatch(
        rf"{re.escape(prefix)}([A-Za-z0-9_-]+)\.(\d+)\.{random}{re.escape(suffix)}", name
    )
    if named is None:
        return re.fullmatch(rf"{re.escape(prefix)}{random}{re.escape(suffix)}", name) is not None
    return named[1] == _host() and not pid_alive(int(named[2]))


@contextlib.contextmanager
def atomic_path(
    path: str | os.PathLike, suffix: str = ".part", record: bool = True
) -> Iterator[Path]:
    """Yield a temporary path beside `path` (ending in `suffix`), named with this machine and
    process; rename it onto `path` only on success, with the mode a new file gets under the
    umask (mkstemp's own is 0600), then record its checksum (`record`: the artifacts under
    results/ that `attnaudit.verify` checks; not report.html). A failed write raises
    `WriteError` naming `path` and the cause. Then remove the temporaries of `path` that
    killed writers left: only those whose writer is gone, so a concurrent writer's live
    temporary is kept."""
    path = Path(path)
    prefix = f".{path.name}."
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(
            prefix=f"{prefix}{_host()}.{os.getpid()}.", suffix=suffix, dir=path.parent
        )
    except OSError as exc:
        if exc.errno not in CAUSES:
            raise
        raise write_failure(path, exc.errno, exc) from exc
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        try:
            yield tmp_path
            mode = 0o666 & ~current_umask()
            os.chmod(tmp_path, mode)
            digest = checksums.digest(tmp_path) if record else None
            checksums.forget(path)
            os.replace(tmp_path, path)
        except (OSError, RuntimeError) as exc:
            code = None if isinstance(exc, WriteError) else write_cause(exc, tmp_path)
            if code is None:
                raise
            raise write_failure(path, code, exc) from exc
    finally:
        tmp_path.unlink(missing_ok=True)
    if digest is not None:
        with contextlib.suppress(OSError):  # without its record the file is unknown, not corrupt
            checksums.write(path, digest, mode)
    # Temporaries of earlier writes that were killed (SIGKILL runs no cleanup).
    for stale in path.parent.glob(f"{glob.escape(prefix)}*{glob.escape(suffix)}"):
        if _writer_gone(stale.name, prefix, suffix):
            stale.unlink(missing_ok=True)


def write_text(path: str | os.PathLike, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json(path: str | os.PathLike, obj: Any) -> None:
    write_text(path, json.dumps(obj, indent=2, sort_keys=True) + "\n")


def read_json(path: str | os.PathLike) -> Any:
    try:
        return json.loads(checked(path, "JSON file").read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise corrupt(path, "JSON file", exc) from None


def write_table(path: str | os.PathLike, df: pd.DataFrame) -> None:
    """Write a DataFrame as Parquet (.parquet) or CSV (.csv), atomically."""
    suffix = Path(path).suffix
    with atomic_path(path) as tmp:
        if suffix == ".parquet":
            df.to_parquet(tmp, index=False)
        elif suffix == ".csv":
            df.to_csv(tmp, index=False)
        else:
            raise ValueError(f"unsupported table format {suffix!r} for {path}")


def read_table(path: str | os.PathLike, columns: list[str] | None = None) -> pd.DataFrame:
    """A table written by `write_table` (only `columns`, where given); one that cannot be
    parsed is named (pyarrow's and pandas' own errors do not say which file)."""
    suffix = Path(path).suffix
    if suffix not in (".parquet", ".csv"):
        raise ValueError(f"unsupported table format {suffix!r} for {path}")
    checked(path, suffix[1:].upper() + " table")
    try:
        if suffix == ".parquet":
            return pd.read_parquet(path, columns=columns)
        return pd.read_csv(path, usecols=columns)
    except FileNotFoundError:
        raise
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise corrupt(path, suffix[1:].upper() + " table", exc) from None


def write_array(path: str | os.PathLike, values: Any) -> None:
    """Write a numpy array as .npy, atomically."""
    import numpy as np

    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.save(fh, values)


def read_array(path: str | os.PathLike) -> Any:
    """A .npy array written by `write_array` (no pickled objects)."""
    import numpy as np

    try:
        return np.load(checked(path, ".npy array"), allow_pickle=False)
    except (ValueError, EOFError) as exc:
        raise corrupt(path, ".npy array", exc) from None


def save_checkpoint(path: str | os.PathLike, state: dict[str, Any]) -> None:
    """Save tensors and plain data (no pickled classes) so loading can use weights_only."""
    import torch

    # Through a file object: Python's write reports a full disk by errno, and the archive's
    # inner folder is "archive" rather than the temporary's random name.
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        torch.save(state, fh)


class CheckpointError(CorruptFileError):
    """A checkpoint that is not a plain state dict, or not a readable torch file."""


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """A checkpoint written by `save_checkpoint`: tensors and plain data only.

    torch's restricted unpickler (`weights_only=True`) refuses anything else before any of
    its code runs; the refusal names the file and tells to retrain, never to load it
    unrestricted (a pickle can run any code when loaded).
    """
    import torch

    try:
        return torch.load(checked(path, "checkpoint"), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        found = str(exc).split("Unsupported global: GLOBAL ", 1)[-1].split(" ", 1)[0]
        what = f" (it refers to {found})" if found != str(exc) else ""
        raise CheckpointError(
            f"checkpoint {path} is not a plain state dict of tensors and plain data{what}; "
            "it was not loaded. attnaudit never loads pickled code: delete the file and "
            "rerun the job that trains it"
        ) from None
    except (RuntimeError, EOFError, zipfile.BadZipFile) as exc:
        raise CheckpointError(
            f"checkpoint {path} is not a readable torch file ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else 'empty'}); {REBUILD}"
        ) from None
