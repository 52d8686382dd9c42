"""`python -m attnaudit.verify`: every artifact checked against the checksum its write
recorded; a corrupted file is listed for deletion, an unrecorded one is unknown."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from attnaudit import io, verify
from tests.workflow_runner import REPO, planned_jobs, snakemake


def keep_mtime(path: Path, data: bytes) -> None:
    """Overwrite `path` with `data`, its mtime kept: Snakemake still sees it up to date."""
    before = os.stat(path)
    path.write_bytes(data)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def results_tree(root: Path) -> dict[str, Path]:
    files = {
        "metrics": root / "syn" / "m" / "seed1" / "metrics.json",
        "table": root / "syn" / "m" / "seed1" / "importance.parquet",
        "page": root / "report" / "table.md",
    }
    io.write_json(files["metrics"], {"accuracy": 0.5, "loss": 1.25})
    io.write_table(files["table"], pd.DataFrame({"tau": [0.1, 0.2, 0.3]}))
    io.write_text(files["page"], "| a |\n|---|\n| 1 |\n")
    return files


def run_verify(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "attnaudit.verify", str(root), *args],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_intact_artifacts_pass_and_exit_zero(tmp_path):
    results_tree(tmp_path)
    proc = run_verify(tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (
        proc.stdout
        == f"attnaudit.verify {tmp_path}: 3 intact, 0 corrupt, 0 without a checksum record\n"
    )


def test_a_truncated_file_with_its_mtime_kept_is_listed_for_deletion(tmp_path):
    files = results_tree(tmp_path)
    keep_mtime(files["metrics"], files["metrics"].read_bytes()[:10])
    proc = run_verify(tmp_path)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert (
        lines[0] == f"attnaudit.verify {tmp_path}: 2 intact, 1 corrupt, 0 without a checksum record"
    )
    assert lines[1].startswith("corrupt: delete these, then run the same snakemake command")
    size = len('{\n  "accuracy": 0.5,\n  "loss": 1.25\n}\n')
    assert lines[2:] == [f"  {files['metrics']}  (10 bytes, {size} when written)"]


def test_a_change_of_the_same_size_is_found_by_its_checksum(tmp_path):
    files = results_tree(tmp_path)
    keep_mtime(files["page"], files["page"].read_bytes().replace(b"1", b"7"))
    found = verify.check(tmp_path)
    assert found.corrupt == [(files["page"], "its content changed since it was written")]
    assert sorted(found.intact) == sorted([files["metrics"], files["table"]])


def test_a_file_without_a_record_is_unknown_not_corrupt(tmp_path):
    files = results_tree(tmp_path)
    log = tmp_path / "logs" / "train.log"
    log.parent.mkdir()
    log.write_text("epoch 1\n")  # written by Snakemake or a logger, not through io
    (files["metrics"].parent / ".metrics.json.x1.part").write_text("half")  # a live write
    proc = run_verify(tmp_path, "--verbose")
    assert proc.returncode == 0
    assert proc.stdout.splitlines() == [
        f"attnaudit.verify {tmp_path}: 3 intact, 0 corrupt, 1 without a checksum record",
        "without a checksum record (not checked):",
        f"  {log}",
    ]


def test_a_moved_tree_keeps_its_records(tmp_path):
    results_tree(tmp_path / "a")
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    found = verify.check(tmp_path / "b")
    assert len(found.intact) == 3 and not found.corrupt and not found.unknown


def test_a_missing_results_directory_is_an_error(tmp_path):
    proc = run_verify(tmp_path / "nowhere")
    assert proc.returncode == 2 and "is not a directory" in proc.stderr


@pytest.mark.slow
def test_a_default_run_corrupted_in_one_file_is_found_and_plans_nothing_else(tmp_path):
    """The default workflow, then a checkpoint truncated with its mtime kept: verify lists
    exactly it, and the checksum records never make Snakemake plan a rerun."""
    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    snakemake(tmp_path, timeout=1800)
    assert planned_jobs(tmp_path) == {}
    results = tmp_path / "results"
    found = verify.check(results)  # every artifact checked: only logs and benchmarks unknown
    assert found.intact and not found.corrupt
    assert {p.relative_to(results).parts[0] for p in found.unknown} == {"logs", "benchmarks"}
    checkpoint = next(results.rglob("model.pt"))
    size = checkpoint.stat().st_size
    keep_mtime(checkpoint, checkpoint.read_bytes()[:100])
    assert planned_jobs(tmp_path) == {}  # Snakemake would trust it
    proc = run_verify(results)
    assert proc.returncode == 1
    listed = [line for line in proc.stdout.splitlines() if line.startswith("  ")]
    assert listed == [f"  {checkpoint}  (100 bytes, {size} when written)"]


def test_a_kill_between_the_rename_and_the_new_record_leaves_the_file_unknown(
    tmp_path, monkeypatch
):
    path = tmp_path / "metrics.json"
    io.write_json(path, {"accuracy": 0.5})
    monkeypatch.setattr(io.checksums, "write", lambda *args: None)  # killed before it
    io.write_json(path, {"accuracy": 0.75, "loss": 0.5})
    found = verify.check(tmp_path)
    assert found.unknown == [path] and not found.corrupt  # never the old file's record


def test_a_file_written_since_by_something_else_is_unknown_not_corrupt(tmp_path):
    """A restore from Snakemake's cache or a hand edit gives a new mtime, which Snakemake
    sees itself: the old record no longer applies."""
    files = results_tree(tmp_path)
    saved = tmp_path / "report" / "saved.md"  # an editor's save: a new file renamed over it
    saved.write_text("| a |\n|---|\n| 2 |\n| 3 |\n")
    os.utime(saved, ns=(0, os.stat(files["page"]).st_mtime_ns + 1))  # coarse clocks
    os.replace(saved, files["page"])
    found = verify.check(tmp_path)
    assert found.unknown == [files["page"]] and not found.corrupt


def test_snakemake_s_touch_after_the_job_keeps_the_record(tmp_path):
    """Snakemake sets every output's mtime when its job ends: the same file (inode), still
    checked."""
    files = results_tree(tmp_path)
    for path in files.values():
        os.utime(path, ns=(0, os.stat(path).st_mtime_ns + 10**9))
    assert len(verify.check(tmp_path).intact) == 3
    keep_mtime(files["table"], files["table"].read_bytes()[:-1])
    assert [p for p, _ in verify.check(tmp_path).corrupt] == [files["table"]]
