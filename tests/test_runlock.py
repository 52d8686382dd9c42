"""One run per directory: the run lock refuses a second process, names the holder, and is
freed by the operating system when its holder is killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from attnaudit import runlock

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="flock: POSIX only")

HOLD = """
import sys, time
from attnaudit import runlock
runlock.acquire(sys.argv[1])
print("held", flush=True)
sys.stdin.readline()
"""
TRY = """
import sys
from pathlib import Path
import time
from attnaudit import runlock
try:
    runlock.acquire(sys.argv[1])
except runlock.RunningError as exc:
    print(exc)
    raise SystemExit(3)
print("acquired")
"""


def python(code: str, *args, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", code, *map(str, args)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, **kwargs,
    )  # fmt: skip


def attempt(workdir) -> tuple[int, str]:
    proc = python(TRY, workdir)
    out, _ = proc.communicate(timeout=60)
    return proc.returncode, out.strip()


@pytest.fixture
def holder(tmp_path):
    proc = python(HOLD, tmp_path)
    assert proc.stdout.readline() == "held\n"
    yield proc
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def test_a_second_process_is_refused_with_one_line_naming_the_holder(tmp_path, holder):
    code, out = attempt(tmp_path)
    assert code == 3
    assert "\n" not in out
    assert f"Snakemake process {holder.pid} on " in out
    assert f"`ps -p {holder.pid}`" in out
    record = json.loads((tmp_path / runlock.LOCK).read_text())
    assert record["pid"] == holder.pid
    # `python -m attnaudit.runlock` says the same, and fails while a run holds it
    check = subprocess.run(
        [sys.executable, "-m", "attnaudit.runlock", str(tmp_path)], capture_output=True, text=True
    )
    assert check.returncode == 1
    assert f"process {holder.pid} " in check.stdout


def test_the_lock_is_freed_when_its_holder_is_killed(tmp_path, holder):
    assert attempt(tmp_path)[0] == 3
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    assert attempt(tmp_path) == (0, "acquired")  # no stale lock to remove
    check = subprocess.run(
        [sys.executable, "-m", "attnaudit.runlock", str(tmp_path)], capture_output=True, text=True
    )
    assert (check.returncode, "no run holds" in check.stdout) == (0, True)


def test_the_lock_is_freed_when_its_holder_exits(tmp_path, holder):
    holder.communicate("done\n", timeout=60)
    assert attempt(tmp_path) == (0, "acquired")


HOLD_WITH_JOB = """
import subprocess, sys
from attnaudit import runlock
runlock.acquire(sys.argv[1])
job = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
print(job.pid, flush=True)
sys.stdin.readline()
"""


def test_a_job_outliving_its_killed_run_does_not_hold_the_lock(tmp_path):
    """The descriptor is close-on-exec: the jobs a run starts do not inherit the lock."""
    run = python(HOLD_WITH_JOB, tmp_path)
    job = int(run.stdout.readline())
    try:
        os.kill(run.pid, signal.SIGKILL)
        run.wait()
        os.kill(job, 0)  # the orphan job still runs
        assert attempt(tmp_path) == (0, "acquired")
    finally:
        os.kill(job, signal.SIGKILL)


def test_taking_it_twice_in_one_process_is_a_no_op(tmp_path):
    first = runlock.acquire(tmp_path)
    try:
        assert runlock.acquire(tmp_path) == first
        assert attempt(tmp_path)[0] == 3
    finally:
        os.close(runlock._held.pop(first))
    assert attempt(tmp_path) == (0, "acquired")


RAW_HOLD = """
import fcntl, json, os, socket, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(float(sys.argv[2]))  # then write the record, as acquire() does just after
os.pwrite(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "since": 0}).encode()
          + b" " * 200, 0)
sys.stdin.readline()
"""


@pytest.mark.parametrize("delay", [0.3, 5.0])
def test_a_refusal_never_names_the_dead_run_before_the_holder(tmp_path, delay):
    """Between taking the lock and writing its record, the file still names the run before,
    now gone: the refusal waits for the new record, or names no process."""
    lock = tmp_path / runlock.LOCK
    lock.parent.mkdir(parents=True)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    lock.write_text(json.dumps({"pid": dead.pid, "host": os.uname().nodename, "since": 0}))
    proc = python(RAW_HOLD, lock, delay)
    try:
        assert proc.stdout.readline() == "held\n"
        code, out = attempt(tmp_path)
        assert code == 3
        assert f"process {dead.pid} " not in out
        if delay < 1:
            assert f"Snakemake process {proc.pid} on " in out
        else:
            assert "has not said which yet" in out
    finally:
        proc.kill()
        proc.wait()


def test_a_writer_is_alive_while_it_runs_and_gone_once_exited_even_unreaped():
    from attnaudit.lifeline import pid_alive

    proc = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.readline()"],
                            stdin=subprocess.PIPE)  # fmt: skip
    assert pid_alive(proc.pid) and pid_alive(os.getpid())
    proc.stdin.close()
    deadline = time.monotonic() + 30
    while pid_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.02)  # exits; a zombie until waited for
    assert not pid_alive(proc.pid)
    assert Path(f"/proc/{proc.pid}/stat").read_text().split(") ")[1][0] == "Z"  # not reaped
    proc.wait()
    assert not pid_alive(0) and not pid_alive(-1)
