"""Two real runs started at the same instant in one directory, many times: every time one
runs and the other is refused before it plans (attnaudit.runlock), with the one line that
names the holder, and nothing is lost: the winner's outputs are complete and the same.

Each try forces `preprocess` to run again (`--forcerun`), the job two unlocked runs would
both run and then delete each other's outputs of. Both processes import Snakemake first,
then wait on a barrier file that the test creates once both are ready, so their
parses start within a millisecond of each other.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.workflow_runner import TINY, snakemake, snakemake_command, write_config

pytestmark = pytest.mark.slow

TRIES = 50

OUTPUTS = ("tokens.parquet", "vocab.json", "summary.json")
TARGETS = [f"results/syn/data/{name}" for name in OUTPUTS]
REFUSED = "attnaudit: another run of this workflow is running in this directory: "

# `snakemake` itself, its import done before the barrier (argv: barrier, snakemake's args)
RUN = """
import os, sys, time
from snakemake.cli import main
barrier = sys.argv[1]
sys.argv = [os.path.join(os.path.dirname(sys.executable), "snakemake"), *sys.argv[2:]]
print("ready", flush=True)
while not os.path.exists(barrier):
    time.sleep(0.0002)
main()
"""


def race(workdir: Path, barrier: Path) -> list[subprocess.CompletedProcess]:
    """Start two runs, release them at once, and wait for both."""
    args = snakemake_command(workdir, *TARGETS, "--forcerun", "preprocess")[3:]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", RUN, str(barrier), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for _ in range(2)
    ]
    for proc in procs:
        assert proc.stdout.readline() == "ready\n"
    barrier.touch()
    done = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        done.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    barrier.unlink()
    return done


def test_two_runs_started_at_once_one_is_refused_and_nothing_is_lost(tmp_path):
    workdir = tmp_path / "work"
    workdir.mkdir()
    write_config(workdir, TINY)
    snakemake(workdir, *TARGETS)
    data = workdir / "results" / "syn" / "data"
    expected = {name: (data / name).read_bytes() for name in OUTPUTS}
    start, refusals = time.monotonic(), []
    for attempt in range(TRIES):
        before = {name: (data / name).stat().st_mtime_ns for name in OUTPUTS}
        runs = race(workdir, tmp_path / "go")
        codes = sorted(run.returncode for run in runs)
        shown = "\n".join(f"rc {r.returncode}:\n{r.stderr[-3000:]}" for r in runs)
        assert codes == [0, 1], f"try {attempt}: {shown}"
        winner, loser = sorted(runs, key=lambda run: run.returncode)
        refused = [line for line in loser.stderr.splitlines() if line.startswith(REFUSED)]
        assert len(refused) == 1, f"try {attempt}: {shown}"
        assert "Building DAG" not in loser.stderr  # refused before it planned
        assert "1 of 1 steps (100%) done" in winner.stderr, f"try {attempt}: {shown}"
        # nothing lost: the winner's outputs are there, rewritten and the same
        for name in OUTPUTS:
            assert (data / name).read_bytes() == expected[name], (attempt, name)
            assert (data / name).stat().st_mtime_ns > before[name], (attempt, name)
        assert not list(workdir.rglob(".*.part")), attempt
        assert not list((workdir / ".snakemake" / "incomplete").rglob("*")), attempt
        refusals.append(refused[0])
    assert len(refusals) == TRIES
    # and Snakemake's records agree: nothing to do
    rest = snakemake(workdir, *TARGETS, "-n")
    assert "Nothing to be done" in rest.stdout + rest.stderr, rest.stderr
    print(f"{TRIES} tries in {time.monotonic() - start:.0f} s")
