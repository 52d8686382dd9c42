"""Clean recovery after a kill: jobs die with the Snakemake process that started them, and the
next run removes the lock of a run whose Snakemake process is gone.

Snakemake runs each job of this workflow as a child process and guards the working
directory with lock files (`.snakemake/locks/`) that name no owner. When the Snakemake
process itself is killed (SIGKILL, an out-of-memory kill, a closed terminal), nothing
removes the lock, so the next run fails with a LockException, and its running jobs go on
as orphans, still writing results. Here:

- `register(...)`, called by the workflow (common.smk) while Snakemake parses it, puts the
  identity of this Snakemake process in the environment its jobs inherit
  (`ATTNAUDIT_SNAKEMAKE`). Only the main process of a run that executes jobs (`runs`: not
  a dry run, `--report`, `--lint`, `--summary` or another query, which take no lock) also
  calls `break_stale_lock`, then writes an owner record (`.snakemake/attnaudit/owners/`),
  removed when it exits. `python -m attnaudit.lifeline [DIRECTORY]` breaks a stale lock
  without running anything.
- `guard_job()`, called by every job at start (`attnaudit.joblog.job_log`), ties the job to
  that process: Linux's parent-death signal where Snakemake is the job's parent, and a
  watchdog thread that checks twice a second that it is still an ancestor. When it is gone,
  the job stops (SIGTERM, then SIGKILL 2 s later), so an orphan never renames a result
  into place after its run died. A job that finds its Snakemake already gone does
  not start.
- `break_stale_lock(...)`: when `.snakemake/locks/` holds locks and every owner record
  there belongs to a process that is gone (on this machine, in this PID namespace, since
  this boot; or any process recorded before the machine rebooted), it waits for that run's jobs to
  stop (killing those that outlive the grace period), removes the locks and the records,
  and says so. A lock with a live owner, an owner on another machine or no record at all is
  left to Snakemake, which refuses to run as before (`snakemake --unlock` removes it).

Linux only (/proc); elsewhere every function does nothing.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

ENV = "ATTNAUDIT_SNAKEMAKE"  # "<pid>:<start time>" of the Snakemake process running the jobs
OWNERS = Path(".snakemake") / "attnaudit" / "owners"
LOCKS = Path(".snakemake") / "locks"
POLL_S = 0.5
GRACE_S = 5.0  # a killed run's job still running when the next run starts: then SIGKILL
JOB_GRACE_S = 2.0  # a job whose Snakemake is gone unwinds this long, then SIGKILL
PR_SET_PDEATHSIG = 1

log = logging.getLogger("attnaudit")
PROC = Path("/proc")


# -- processes ------------------------------------------------------------------------------
def _stat(pid: int) -> list[str] | None:
    """/proc/<pid>/stat from the state field on (the name may hold spaces)."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def start_time(pid: int) -> str | None:
    """When a live (not zombie) process started, in clock ticks since boot; None if gone."""
    fields = _stat(pid)
    if fields is None or fields[0] in ("Z", "X"):
        return None
    return fields[19]


def parent(pid: int) -> int | None:
    fields = _stat(pid)
    return int(fields[1]) if fields else None


def ancestors(pid: int) -> list[int]:
    """The parent, its parent, ... up to PID 1 (or the namespace's root)."""
    chain, seen = [], {pid}
    while True:
        pid = parent(pid) or 0
        if pid <= 0 or pid in seen:
            return chain
        chain.append(pid)
        seen.add(pid)


def identity(pid: int) -> str | None:
    start = start_time(pid)
    return f"{pid}:{start}" if start else None


def pid_alive(pid: int) -> bool:
    """Whether process `pid` of this machine runs (a zombie does not where /proc tells):
    the test of a temporary's or a lock record's writer, which names no start time."""
    if pid <= 0:
        return False
    if supported():
        return start_time(pid) is not None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process
        return True
    return True


def is_alive(ident: str) -> bool:
    """Whether the process `<pid>:<start>` still runs (a reused PID has another start)."""
    pid, _, start = ident.partition(":")
    return pid.isdigit() and start_time(int(pid)) == start


def machine() -> dict[str, str]:
    """Where a PID means something: host, boot and PID namespace."""

    def read(path: str, link: bool = False) -> str:
        with contextlib.suppress(OSError):
            return os.readlink(path) if link else Path(path).read_text().strip()
        return ""

    return {
        "host": socket.gethostname(),
        "boot": read("/proc/sys/kernel/random/boot_id"),
        "pid_namespace": read("/proc/self/ns/pid", link=True),
    }


def boot_time() -> float:
    """When this machine booted (seconds since the epoch); 0 where unknown."""
    with contextlib.suppress(OSError, ValueError):
        for line in (PROC / "stat").read_text().splitlines():
            if line.startswith("btime "):
                return float(line.split()[1])
    return 0.0


def supported() -> bool:
    return sys.platform.startswith("linux") and (PROC / "self" / "stat").exists()


# -- the owner of a run -----------------------------------------------------------------------
# Snakemake's command-line options (argparse names) that read, show or tidy a workflow without
# running its jobs; with none of them (and no dry run) the command runs the workflow.
QUERIES = (
    "dryrun", "lint", "list_target_rules", "list_rules", "print_compilation", "containerize",
    "report", "generate_unit_tests", "dag", "rulegraph", "filegraph", "d3dag", "unlock",
    "cleanup_metadata", "conda_cleanup_envs", "conda_create_envs_only", "list_conda_envs",
    "cleanup_shadow", "container_cleanup_images", "list_changes", "list_input_changes",
    "list_params_changes", "list_untracked", "summary", "detailed_summary", "archive",
    "delete_all_output", "delete_temp_output",
)  # fmt: skip


def runs(options: object) -> bool:
    """Whether Snakemake's parsed command line (`options`, its argparse namespace) runs the
    workflow and so takes its lock (`--touch` does; `--report --report-after-run` does):
    Snakemake parses the workflow before it acts on the command, so the workflow asks here
    whether this parse is a run's."""
    asked = {name for name in QUERIES if getattr(options, name, None) not in (None, False)}
    if asked == {"report"} and getattr(options, "report_after_run", False):
        return True
    return not asked


def register(workdir: Path | str = ".", main: bool = False) -> None:
    """Make this Snakemake process the one its jobs belong to. In the `main` process of a
    run (not a job's own Snakemake process on a cluster node), first remove a stale lock
    (`break_stale_lock`), then record this process as an owner of the directory until it
    exits: Snakemake parses the workflow before it takes the lock, so every process that
    can hold a lock of this directory has a record."""
    if not supported():
        return
    ident = identity(os.getpid())
    if ident is None:
        return
    os.environ[ENV] = ident
    if not main:
        return
    workdir = Path(workdir)
    with contextlib.suppress(OSError):
        break_stale_lock(workdir)
    record = workdir / OWNERS / ident.replace(":", "-")
    try:
        record.parent.mkdir(parents=True, exist_ok=True)
        record.write_text(
            json.dumps(
                {"pid": os.getpid(), "identity": ident, **machine(), "written": time.time(),
                 "argv": sys.argv}
            )
        )  # fmt: skip
    except OSError:
        return
    atexit.register(lambda: record.unlink(missing_ok=True))


def _owner_state(record: Path, here: dict[str, str]) -> str:
    """'alive', 'gone' or 'unknown' (another machine or PID namespace) for an owner record."""
    try:
        owner = json.loads(record.read_text())
    except (OSError, ValueError):
        return "unknown"
    if owner.get("host") != here["host"]:
        return "unknown"
    if owner.get("boot") != here["boot"]:
        # written before this machine booted: it rebooted since (a record of another
        # machine with the same name is not older than this boot, unless it runs very long)
        return "gone" if float(owner.get("written", 0)) < boot_time() else "unknown"
    if owner.get("pid_namespace") != here["pid_namespace"]:
        return "unknown"
    return "alive" if is_alive(str(owner.get("identity", ""))) else "gone"


def jobs_of(ident: str) -> list[int]:
    """The live processes started by the Snakemake process `ident` (their environment names
    it): its jobs, still running."""
    found = []
    needle = f"{ENV}={ident}".encode()
    for entry in PROC.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if needle in environ.split(b"\0") and start_time(int(entry.name)):
            found.append(int(entry.name))
    return sorted(found)


def _describe(pid: int) -> str:
    try:
        argv = (PROC / str(pid) / "cmdline").read_bytes().split(b"\0")
    except OSError:
        return str(pid)
    words = [a.decode(errors="replace") for a in argv if a]
    return f"{pid} ({' '.join(Path(w).name if '/' in w else w for w in words[:3])})"


def stop(pids: list[int], grace: float | None = None) -> list[int]:
    """Wait up to `grace` seconds (GRACE_S) for `pids` to exit, then SIGKILL those left;
    the pids killed."""
    deadline = time.monotonic() + (GRACE_S if grace is None else grace)
    idents = {p: identity(p) for p in pids}
    while time.monotonic() < deadline and any(i and is_alive(i) for i in idents.values()):
        time.sleep(0.1)
    killed = []
    for pid, ident in idents.items():
        if ident and is_alive(ident):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
    return killed


def break_stale_lock(workdir: Path | str = ".", say: Callable[[str], None] | None = None) -> bool:
    """Remove the lock of runs whose Snakemake processes are all gone (see the module's
    docstring); True if a lock was removed."""
    say = say or (lambda text: print(text, file=sys.stderr, flush=True))
    workdir = Path(workdir)
    locks = sorted((workdir / LOCKS).glob("*.lock"))
    records = sorted((workdir / OWNERS).glob("*"))
    here = machine()
    states = {record: _owner_state(record, here) for record in records}
    gone = [r for r, state in states.items() if state == "gone"]
    if not locks or not gone or len(gone) != len(records):
        if not locks:  # no lock: records of gone runs are only litter
            for record in gone:
                record.unlink(missing_ok=True)
        return False
    for record in gone:
        ident = record.name.replace("-", ":", 1)
        orphans = jobs_of(ident)
        if orphans:
            shown = ", ".join(_describe(p) for p in orphans)
            say(f"attnaudit: {len(orphans)} job(s) of the killed run are still running: {shown}")
            killed = stop(orphans)
            if killed:
                say(f"attnaudit: killed {killed} after {GRACE_S:g} s")
    for lock in locks:
        lock.unlink(missing_ok=True)
    for record in gone:
        record.unlink(missing_ok=True)
    pids = ", ".join(r.name.split("-", 1)[0] for r in gone)
    say(
        f"attnaudit: removed the lock left by a killed run (Snakemake process {pids}, gone); "
        "its unfinished jobs run again"
    )
    return True


# -- a job --------------------------------------------------------------------------------------
def _terminate(signum, frame):  # SIGTERM in a job: unwind (atomic writes remove their temp)
    log.error("stopping this job: SIGTERM")
    raise SystemExit(128 + signum)


def _die(reason: str) -> None:
    log.error("stopping this job: %s", reason)
    with contextlib.suppress(OSError):
        os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(JOB_GRACE_S)
    os.kill(os.getpid(), signal.SIGKILL)


def _watch(owner: int, ident: str) -> None:
    while True:
        time.sleep(POLL_S)
        if not is_alive(ident) or owner not in ancestors(os.getpid()):
            _die(f"the Snakemake process that started it ({owner}) is gone")
            return


def die_with_parent(signum: int = signal.SIGTERM) -> None:
    """Have Linux send `signum` to this process when its parent dies (elsewhere: nothing)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0)


_guarded = False


def guard_job() -> None:
    """Tie this job to the Snakemake process that started it (see the module docstring)."""
    global _guarded
    ident = os.environ.get(ENV, "")
    if _guarded or not supported() or ":" not in ident:
        return
    owner = int(ident.split(":", 1)[0])
    if not is_alive(ident):
        raise SystemExit(f"attnaudit: the Snakemake process {owner} that started this job is gone")
    if owner not in ancestors(os.getpid()):
        return  # not its descendant (a job started by hand, on another node): nothing to tie
    _guarded = True
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)
    if os.getppid() == owner:
        die_with_parent()
        if os.getppid() != owner:  # it died before the signal was armed
            raise SystemExit(f"attnaudit: the Snakemake process {owner} is gone")
    threading.Thread(target=_watch, args=(owner, ident), daemon=True, name="lifeline").start()


# -- by hand ------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    """`python -m attnaudit.lifeline [DIRECTORY]`: what a run does first, without the run:
    stop the jobs of a killed run still going and remove its stale lock (or say there is
    none to remove)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m attnaudit.lifeline", description=main.__doc__)
    parser.add_argument("directory", nargs="?", default=".", help="the working directory")
    workdir = Path(parser.parse_args(argv).directory)
    if not supported():
        print("attnaudit: needs Linux /proc; use snakemake --unlock", file=sys.stderr)
        return 1
    if not break_stale_lock(workdir):
        print(f"attnaudit: no lock of a killed run in {workdir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
