"""Atomic file writes and the project's file formats.

Every artifact is written to a temporary file in the target directory and renamed into
place, so a killed job never leaves a half-written file that a rerun would trust. The file
gets the mode an ordinary `open()` would give it (0666 less the umask: 0644 under umask
022), not the 0600 of the temporary file, so shared results stay readable.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import pickle
import re
import socket
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from attnaudit.lifeline import pid_alive


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
def atomic_path(path: str | os.PathLike, suffix: str = ".part") -> Iterator[Path]:
    """Yield a temporary path beside `path` (ending in `suffix`), named with this
    machine and process; rename it onto `path` only on success, with the mode a new file
    gets under the umask (mkstemp's own is 0600). Then remove the temporaries of `path`
    that killed writers left: only those whose writer is gone, so a concurrent writer's
    live temporary is kept."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{path.name}."
    fd, tmp = tempfile.mkstemp(
        prefix=f"{prefix}{_host()}.{os.getpid()}.", suffix=suffix, dir=path.parent
    )
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o666 & ~current_umask())
        os.replace(tmp_path, path)
    finally:
        tmp_path.unlink(missing_ok=True)
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
    return json.loads(Path(path).read_text(encoding="utf-8"))


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


def read_table(path: str | os.PathLike) -> pd.DataFrame:
    suffix = Path(path).suffix
    if suffix == ".parquet":
        return pd.read_parquet(path)
    if suffix == ".csv":
        return pd.read_csv(path)
    raise ValueError(f"unsupported table format {suffix!r} for {path}")


def save_checkpoint(path: str | os.PathLike, state: dict[str, Any]) -> None:
    """Save tensors and plain data (no pickled classes) so loading can use weights_only."""
    import torch

    with atomic_path(path) as tmp:
        torch.save(state, tmp)


class CheckpointError(ValueError):
    """A checkpoint that is not a plain state dict, or not a readable torch file."""


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """A checkpoint written by `save_checkpoint`: tensors and plain data only.

    torch's restricted unpickler (`weights_only=True`) refuses anything else before any of
    its code runs; the refusal names the file and tells to retrain, never to load it
    unrestricted (a pickle can run any code when loaded).
    """
    import torch

    try:
        return torch.load(path, map_location="cpu", weights_only=True)
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
            f"{str(exc).splitlines()[0] if str(exc) else 'empty'}); delete it and rerun "
            "the job that trains it"
        ) from None
