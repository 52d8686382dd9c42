"""`python -m attnaudit.report.write`: the report moves into place only when complete; a
failed or killed `snakemake --report` leaves the previous report.html whole."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from attnaudit import lifeline
from attnaudit.report import write
from tests.workflow_runner import REPO, TINY, snakemake, write_config

PREVIOUS = "<html>the previous, good report</html>\n"

# A stand-in for `snakemake`: writes half a page to the path after --report, then fails,
# succeeds or hangs (argv: what to do, then what write() passes)
FAKE = """
import os, sys, time
how, args = sys.argv[1], sys.argv[2:]
path = args[args.index("--report") + 1]
with open(path, "w") as f:
    f.write("<html>half a new rep")
    f.flush()
    if how == "hang":
        print(os.getpid(), flush=True)
        time.sleep(120)
    if how == "fail":
        sys.exit(4)
    f.write("ort</html>\\n")
"""


def fake(how: str) -> tuple[str, ...]:
    return (sys.executable, "-c", FAKE, how)


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith("."))


@pytest.fixture
def previous(tmp_path) -> Path:
    report = tmp_path / "report.html"
    report.write_text(PREVIOUS)
    return report


def test_a_complete_report_replaces_the_previous_one(previous):
    assert write.write(previous, snakemake=fake("ok")) == previous
    assert previous.read_text() == "<html>half a new report</html>\n"
    assert leftovers(previous.parent) == []


def test_a_failed_report_leaves_the_previous_one_and_no_temporary(previous):
    with pytest.raises(write.ReportError, match=r"failed \(exit 4\); .* left as it was"):
        write.write(previous, snakemake=fake("fail"))
    assert previous.read_text() == PREVIOUS
    assert leftovers(previous.parent) == []


def test_the_options_go_before_the_report_path(previous):
    """`--configfile a.yaml` takes several values: put last, it would take the path."""
    seen = previous.parent / "argv"
    record = f"import sys; open({str(seen)!r}, 'w').write(repr(sys.argv[1:]))"
    with pytest.raises(write.ReportError, match="wrote nothing"):
        write.write(previous, ["--configfile", "a.yaml"], snakemake=(sys.executable, "-c", record))
    argv = eval(seen.read_text())
    assert argv[:3] == ["--configfile", "a.yaml", "--report"]
    assert Path(argv[3]).parent == previous.parent and argv[3].endswith(".part.html")


def test_a_zip_report_is_refused(tmp_path):
    with pytest.raises(write.ReportError, match="must end in .html"):
        write.write(tmp_path / "report.zip", snakemake=fake("ok"))


KILLED = """
import sys
from attnaudit.report import write
write.write(sys.argv[1], snakemake=tuple(sys.argv[2:]))
"""


def test_killed_midway_the_previous_report_stays_and_snakemake_stops(previous):
    """SIGKILL of the writer while Snakemake is half-way through the page: report.html is
    still the previous one, Snakemake dies with it, and the next write removes the
    temporary the killed one left."""
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED, str(previous), *fake("hang")],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    child = int(proc.stdout.readline())
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and lifeline.start_time(child):
        time.sleep(0.05)
    assert lifeline.start_time(child) is None, "snakemake --report outlived its writer"
    assert previous.read_text() == PREVIOUS
    (left,) = leftovers(previous.parent)
    assert (previous.parent / left).read_text() == "<html>half a new rep"
    write.write(previous, snakemake=fake("ok"))
    assert leftovers(previous.parent) == []


def test_the_command_line_says_what_happened(previous):
    done = subprocess.run(
        [sys.executable, "-m", "attnaudit.report.write"], capture_output=True, text=True
    )
    assert done.returncode == 2 and "report.html" in done.stderr


# -- the real snakemake ---------------------------------------------------------------------

TARGET = "results/syn/data/summary.json"


def size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:  # renamed into place meanwhile
        return 0


@pytest.mark.slow
def test_a_real_report_killed_midway_keeps_the_previous_then_completes(tmp_path):
    """`python -m attnaudit.report.write` around the real `snakemake --report` (of a tiny
    target): killed once Snakemake has begun the page, report.html is the previous one;
    left to finish, it is the complete new page."""
    write_config(tmp_path, TINY)
    snakemake(tmp_path, TARGET)
    report = tmp_path / "report.html"
    report.write_text(PREVIOUS)
    command = [
        sys.executable, "-m", "attnaudit.report.write", str(report), TARGET,
        "--snakefile", str(REPO / "Snakefile"), "--directory", str(tmp_path),
        "--configfile", str(tmp_path / "config.yaml"),
    ]  # fmt: skip
    proc = subprocess.Popen(command, stderr=subprocess.DEVNULL)
    begun = None
    while begun is None and proc.poll() is None:
        begun = next((p for p in tmp_path.glob(".report.html.*") if size(p)), None)
        time.sleep(0.001)
    assert begun is not None, "the writer finished before the page was seen begun"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert report.read_text() == PREVIOUS
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    page = report.read_text()
    assert page.rstrip().endswith("</html>") and len(page) > 100_000
    assert leftovers(tmp_path) == [".snakemake"]
