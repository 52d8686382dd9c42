"""One run per directory: an exclusive OS lock that the main Snakemake process of a run takes
while Snakemake parses the workflow, before it plans anything.

Snakemake's own lock (`.snakemake/locks/`) is checked, then written: two runs started at the
same instant can both pass it, run the same jobs and delete each other's outputs. This lock
is `flock` on `.snakemake/attnaudit/run.lock`, taken without waiting, held by an open file
for the life of the process and released by the operating system when the process ends,
however it ends (a SIGKILL never leaves it stale). The file is opened close-on-exec, so
the jobs a run starts do not hold it. The holder writes its pid and start time into the
file, so a refused run says who holds it. Only a run that executes jobs takes it (the
workflow asks `lifeline.runs`): dry runs, `--report`, `--lint` and `--summary` do not.

On a shared file system, flock works across machines only where the file system supports
it (NFS v4 and Lustre do; docs/guarantees.md#one-run).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import time
from pathlib import Path

from attnaudit.lifeline import pid_alive

LOCK = Path(".snakemake") / "attnaudit" / "run.lock"

_held: dict[Path, int] = {}  # lock file -> the open descriptor that holds it


class RunningError(RuntimeError):
    """Another run of the workflow holds this directory's lock."""


def holder(workdir: Path | str = ".", wait: float = 2.0) -> dict | None:
    """What the run holding the lock wrote about itself (pid, host, since), or None when the
    file holds no record of a live process after `wait` seconds: a run that took the lock
    writes its record just after, over the record of the run before."""
    deadline = time.monotonic() + wait
    while True:
        with contextlib.suppress(OSError, ValueError):
            found = json.loads((Path(workdir) / LOCK).read_text() or "null")
            if isinstance(found, dict) and _alive(found):
                return found
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.01)


def _alive(record: dict) -> bool:
    """Whether the process a record names runs (on another machine: taken as running)."""
    if record.get("host") != socket.gethostname():
        return True
    pid = record.get("pid")
    return isinstance(pid, int) and pid_alive(pid)


def refusal(path: Path, owner: dict | None) -> str:
    """The one line a refused run prints: who holds the lock, since when, how to check."""
    start = "another run of this workflow is running in this directory: "
    if not owner:
        return (
            f"{start}a process holds {path} but has not said which yet; "
            "`python -m attnaudit.runlock` shows it; wait for it to finish, then run again"
        )
    since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(float(owner.get("since", 0))))
    pid, host = owner.get("pid"), owner.get("host", "?")
    return (
        f"{start}Snakemake process {pid} on {host}, since {since} (it holds {path}; "
        f"`ps -p {pid}` or `python -m attnaudit.runlock` shows it); wait for it to finish or "
        "stop it, then run again"
    )


def acquire(workdir: Path | str = ".") -> Path:
    """Take the directory's run lock for the rest of this process's life, or raise
    RunningError with the one line to show. Taking it again in the same process is a no-op."""
    path = Path(workdir).absolute() / LOCK
    if path in _held:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise RunningError(refusal(path, holder(workdir))) from None
    record = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.time()}
    os.ftruncate(fd, 0)
    os.pwrite(fd, (json.dumps(record) + "\n").encode(), 0)
    _held[path] = fd
    return path


def main(argv: list[str] | None = None) -> int:
    """`python -m attnaudit.runlock [DIRECTORY]`: say whether a run holds the directory's
    lock, and which."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m attnaudit.runlock", description=main.__doc__)
    parser.add_argument("directory", nargs="?", default=".", help="the working directory")
    workdir = Path(parser.parse_args(argv).directory)
    path = workdir / LOCK
    if not path.exists():
        print(f"attnaudit: no run has held {path}")
        return 0
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        print(f"attnaudit: {refusal(path, holder(workdir))}")
        return 1
    finally:
        os.close(fd)
    print(f"attnaudit: no run holds {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
