"""Jobs die with their Snakemake process; a lock whose owners are all gone is removed by the
next run (attnaudit.lifeline), on stand-in processes: no workflow runs here."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from attnaudit import lifeline

pytestmark = pytest.mark.skipif(not lifeline.supported(), reason="needs Linux /proc")
SRC = str(Path(__file__).resolve().parents[1] / "src")

# A stand-in for Snakemake: registers itself, starts a "job" (directly, or through bash as a
# shell command would) that ties itself to it and then writes a heartbeat; prints the pids.
OWNER = textwrap.dedent(
    """
    import shlex, subprocess, sys, time
    from attnaudit import lifeline
    lifeline.register()
    job = (
        "from attnaudit import lifeline; import pathlib, time, sys\\n"
        "lifeline.guard_job()\\n"
        "beat = pathlib.Path(sys.argv[1])\\n"
        "while True:\\n"
        "    beat.write_text(str(time.time())); time.sleep(0.05)\\n"
    )
    argv = [sys.executable, "-c", job, sys.argv[1]]
    if sys.argv[2] == "shell":
        argv = ["bash", "-c", "true; " + shlex.join(argv) + "; true"]  # bash forks
    child = subprocess.Popen(argv)
    print(child.pid, flush=True)
    time.sleep(600)
    """
)


def env() -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if k != lifeline.ENV}
    out["PYTHONPATH"] = SRC
    return out


def wait_for(predicate, timeout: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(0.02)
    raise AssertionError(f"not within {timeout} s")


def live(pid: int) -> bool:
    return lifeline.start_time(pid) is not None


def descendants(pid: int) -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir()
            if p.name.isdigit() and pid in lifeline.ancestors(int(p.name))]  # fmt: skip


@pytest.mark.parametrize("how", ["direct", "shell"])
def test_a_job_dies_with_the_snakemake_process_that_started_it(tmp_path, how):
    beat = tmp_path / "beat"
    owner = subprocess.Popen([sys.executable, "-c", OWNER, str(beat), how], env=env(),
                             stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        wait_for(beat.exists, 60)
        jobs = descendants(owner.pid)
        assert jobs and all(live(p) for p in jobs)
        owner.kill()  # SIGKILL: no cleanup of its own
        owner.wait()
        took = wait_for(lambda: not any(live(p) for p in jobs), 10)
        last = beat.read_text()
        time.sleep(0.3)
        assert beat.read_text() == last  # it writes nothing more
        # the parent-death signal at once; through bash, the watchdog within 0.5 s
        assert took < 3, took
    finally:
        for pid in [owner.pid, *descendants(owner.pid)]:
            if live(pid):
                os.kill(pid, signal.SIGKILL)
        owner.wait()


def gone_identity() -> str:
    proc = subprocess.Popen(["sleep", "60"])
    ident = lifeline.identity(proc.pid)
    proc.kill()
    proc.wait()
    assert ident and not lifeline.is_alive(ident)
    return ident


def test_a_job_whose_snakemake_is_already_gone_does_not_start(monkeypatch):
    monkeypatch.setenv(lifeline.ENV, gone_identity())
    with pytest.raises(SystemExit, match="that started this job is gone"):
        lifeline.guard_job()


def test_a_job_not_started_by_that_snakemake_is_left_alone(monkeypatch):
    other = subprocess.Popen(["sleep", "60"])  # alive, but not our ancestor
    try:
        monkeypatch.setenv(lifeline.ENV, lifeline.identity(other.pid))
        lifeline.guard_job()
        assert not lifeline._guarded
    finally:
        other.kill()
        other.wait()


def directory(tmp_path: Path, owners: dict[str, dict], locks: bool = True) -> Path:
    """A working directory with Snakemake's lock files and owner records."""
    if locks:
        (tmp_path / lifeline.LOCKS).mkdir(parents=True)
        for name in ("0.input.lock", "0.output.lock"):
            (tmp_path / lifeline.LOCKS / name).write_text("results/x\n")
    (tmp_path / lifeline.OWNERS).mkdir(parents=True)
    for ident, where in owners.items():
        record = {"identity": ident, **lifeline.machine(), **where}
        (tmp_path / lifeline.OWNERS / ident.replace(":", "-")).write_text(json.dumps(record))
    return tmp_path


def test_the_lock_of_a_killed_run_is_removed_and_said(tmp_path):
    ident = gone_identity()
    workdir = directory(tmp_path, {ident: {}})
    said = []
    assert lifeline.break_stale_lock(workdir, say=said.append)
    assert not list((workdir / lifeline.LOCKS).iterdir())
    assert not list((workdir / lifeline.OWNERS).iterdir())
    pid = ident.split(":")[0]
    assert said == [f"attnaudit: removed the lock left by a killed run (Snakemake process {pid}, "
                    "gone); its unfinished jobs run again"]  # fmt: skip


def test_its_jobs_still_running_are_stopped_first(tmp_path, monkeypatch):
    monkeypatch.setattr(lifeline, "GRACE_S", 0.5)
    ident = gone_identity()
    # an orphan that ignores SIGTERM and has no guard: it must be killed
    stubborn = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"
    orphan = subprocess.Popen([sys.executable, "-c", stubborn], env={**env(), lifeline.ENV: ident})
    try:
        wait_for(lambda: orphan.pid in lifeline.jobs_of(ident), 5)
        said = []
        assert lifeline.break_stale_lock(directory(tmp_path, {ident: {}}), say=said.append)
        assert orphan.wait(timeout=5) == -signal.SIGKILL
        assert said[0].startswith(
            f"attnaudit: 1 job(s) of the killed run are still running: {orphan.pid} (python"
        )
        assert said[1] == f"attnaudit: killed [{orphan.pid}] after 0.5 s"
    finally:
        if orphan.poll() is None:
            orphan.kill()
            orphan.wait()


@pytest.mark.parametrize(
    ("owners", "why"),
    [
        (lambda: {lifeline.identity(os.getpid()): {}}, "its owner is alive"),
        (lambda: {gone_identity(): {}, lifeline.identity(os.getpid()): {}}, "one owner is alive"),
        (lambda: {gone_identity(): {"host": "another-node"}}, "owned on another machine"),
        (lambda: {gone_identity(): {"pid_namespace": "pid:[1]"}}, "another PID namespace"),
        (lambda: {}, "no record: an owner we cannot judge"),
    ],
)
def test_a_lock_that_may_be_live_is_left_to_snakemake(tmp_path, owners, why):
    workdir = directory(tmp_path, owners())
    assert not lifeline.break_stale_lock(workdir, say=print), why
    assert len(list((workdir / lifeline.LOCKS).iterdir())) == 2, why


def test_after_a_reboot_every_owner_is_gone(tmp_path):
    alive_then = lifeline.identity(os.getpid())  # same pid and start, but an older boot
    before_boot = lifeline.boot_time() - 60
    workdir = directory(tmp_path, {alive_then: {"boot": "an-earlier-boot", "written": before_boot}})
    assert lifeline.break_stale_lock(workdir, say=lambda _: None)


def test_another_boot_since_this_one_is_another_machine_of_the_same_name(tmp_path):
    ident = gone_identity()
    workdir = directory(tmp_path, {ident: {"boot": "its-own-boot", "written": time.time()}})
    assert not lifeline.break_stale_lock(workdir, say=print)


def test_records_of_gone_runs_without_a_lock_are_tidied(tmp_path):
    workdir = directory(tmp_path, {gone_identity(): {}}, locks=False)
    assert not lifeline.break_stale_lock(workdir, say=print)
    assert not list((workdir / lifeline.OWNERS).iterdir())


def test_register_records_the_main_process_until_it_exits(tmp_path):
    script = (
        "import os, sys; from attnaudit import lifeline\n"
        "lifeline.register(sys.argv[1], main=True)\n"
        "print(os.environ[lifeline.ENV])\n"
        "print(sorted(os.listdir(sys.argv[1] + '/.snakemake/attnaudit/owners')))"
    )
    out = subprocess.run([sys.executable, "-c", script, str(tmp_path)], env=env(),
                         capture_output=True, text=True, check=True).stdout.split("\n")  # fmt: skip
    assert out[1] == str([out[0].replace(":", "-")])
    assert not list((tmp_path / lifeline.OWNERS).iterdir())  # removed at exit


# -- when recovery happens -----------------------------------------------------------------
def parsed(*argv: str):
    from snakemake.cli import get_argument_parser

    return get_argument_parser().parse_args(list(argv))


@pytest.mark.parametrize(
    ("argv", "runs"),
    [
        (["--cores", "2"], True),
        (["--cores", "1", "results/report/learned_vs_uniform.csv", "--forceall"], True),
        (["--touch"], True),  # takes the lock as a run does
        (["--report", "r.html", "--report-after-run", "--cores", "1"], True),
        (["-n"], False),
        (["-np", "--cores", "2"], False),
        (["--dry-run"], False),
        (["--lint"], False),
        (["--report", "r.html"], False),
        (["--summary"], False),
        (["--detailed-summary"], False),
        (["--list-changes", "params"], False),
        (["--unlock"], False),
        (["--dag"], False),
        (["--delete-all-output"], False),
        (["--cleanup-metadata", "results/x"], False),
    ],
)
def test_only_a_command_that_runs_the_workflow_recovers(argv, runs):
    assert lifeline.runs(parsed(*argv)) is runs


def orphan_of(ident: str) -> subprocess.Popen:
    """A stand-in job of the killed run `ident`, still running."""
    proc = subprocess.Popen(["sleep", "60"], env={**env(), lifeline.ENV: ident})
    wait_for(lambda: proc.pid in lifeline.jobs_of(ident), 5)
    return proc


def test_the_command_breaks_a_stale_lock_by_hand(tmp_path, monkeypatch):
    monkeypatch.setattr(lifeline, "GRACE_S", 0.5)
    ident = gone_identity()
    workdir = directory(tmp_path, {ident: {}})
    orphan = orphan_of(ident)
    try:
        command = [sys.executable, "-m", "attnaudit.lifeline", str(workdir)]
        out = subprocess.run(command, env=env(), capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert "removed the lock left by a killed run" in out.stderr
        assert orphan.wait(timeout=15) == -signal.SIGKILL  # after the grace period
        assert not list((workdir / lifeline.LOCKS).iterdir())
        again = subprocess.run(command, env=env(), capture_output=True, text=True, timeout=60)
        assert again.returncode == 0 and "no lock of a killed run" in again.stderr
    finally:
        if orphan.poll() is None:
            orphan.kill()
            orphan.wait()


@pytest.mark.slow
def test_a_dry_run_a_lint_and_a_summary_leave_a_stale_lock_and_its_jobs_alone(tmp_path):
    """Only a run recovers: queries of the real workflow neither remove a stale lock nor stop
    the killed run's jobs nor record an owner (what a run would do, tests/test_kills.py)."""
    from tests.workflow_runner import REPO, snakemake

    ident = gone_identity()
    workdir = directory(tmp_path, {ident: {}})
    (workdir / "config.yaml").write_text((REPO / "config.yaml").read_text())  # the default
    orphan = orphan_of(ident)
    try:
        for query in (["-n"], ["--lint"], ["--summary"]):
            snakemake(workdir, *query, env={"PYTHONPATH": SRC}, timeout=300)
            assert orphan.poll() is None, query
            assert len(list((workdir / lifeline.LOCKS).iterdir())) == 2, query
            assert [p.name for p in (workdir / lifeline.OWNERS).iterdir()] == [
                ident.replace(":", "-")
            ], query
    finally:
        orphan.kill()
        orphan.wait()
