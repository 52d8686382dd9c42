"""Atomic outputs: the mode a colleague can read, and checkpoints that are never unpickled
beyond tensors and plain data."""

from __future__ import annotations

import os
import pathlib
import pickle
import stat
import subprocess
import sys

import pandas as pd
import pytest

from attnaudit import io


@pytest.fixture
def umask():
    """Set the process umask for a test, then restore it."""
    before = os.umask(0o022)
    os.umask(before)
    yield lambda mask: os.umask(mask)
    os.umask(before)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def write_every_kind(directory) -> list:
    table = pd.DataFrame({"a": [1, 2]})
    paths = [directory / n for n in ("t.txt", "j.json", "t.parquet", "t.csv", "raw.bin")]
    io.write_text(paths[0], "x")
    io.write_json(paths[1], {"a": 1})
    io.write_table(paths[2], table)
    io.write_table(paths[3], table)
    with io.atomic_path(paths[4]) as tmp:
        tmp.write_bytes(b"\0")
    return paths


@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_outputs_have_the_mode_the_umask_allows(tmp_path, umask, mask, expected):
    umask(mask)
    for path in write_every_kind(tmp_path):
        assert mode(path) == expected, path
        # and as an ordinary open() would have made it
        plain = tmp_path / f"plain-{path.name}"
        plain.write_text("")
        assert mode(plain) == expected
    assert not list(tmp_path.glob(".*.part"))


def test_a_failed_write_leaves_neither_the_file_nor_its_temporary(tmp_path):
    target = tmp_path / "out.json"
    with pytest.raises(RuntimeError), io.atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []


def test_temporaries_of_killed_writes_are_removed_by_the_next_write(tmp_path):
    target, other = tmp_path / "out.json", tmp_path / "out.json.bak"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    host = io._host()
    left = [
        tmp_path / ".out.json.abc123.part",  # named no writer (before writers were named)
        tmp_path / ".out.json.x_y.part",
        tmp_path / f".out.json.{host}.{dead.pid}.k2j_9x.part",  # its writer is gone
    ]
    for path in left:
        path.write_text("half")  # what a SIGKILLed write leaves
    keep = [
        tmp_path / ".other.json.abc.part",  # another output's
        tmp_path / f".out.json.bak.{host}.{dead.pid}.abc.part",  # out.json.bak's, not out.json's
        tmp_path / f".out.json.{host}.{os.getpid()}.live_1.part",  # a live writer's
        tmp_path / f".out.json.{host}x.{dead.pid}.abc.part",  # another machine's writer
    ]
    for path in keep:
        path.write_text("being written")
    io.write_json(target, {"a": 1})
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [p.name for p in keep] + ["out.json"]
    )
    io.write_text(other, "x")  # now out.json.bak's temporary goes, its writer being gone
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [p.name for p in keep if ".bak." not in p.name] + ["out.json", "out.json.bak"]
    )


def test_temporaries_are_named_with_the_machine_and_the_writer(tmp_path):
    with io.atomic_path(tmp_path / "out.json") as tmp:
        assert tmp.name.startswith(f".out.json.{io._host()}.{os.getpid()}.")
        assert tmp.name.endswith(".part")
    with io.atomic_path(tmp_path / "report.html", suffix=".part.html") as tmp:
        assert tmp.name.endswith(".part.html")


WRITER = """
import sys, time
from attnaudit import io
with io.atomic_path(sys.argv[1]) as tmp:
    tmp.write_text("the other writer's")
    print(tmp, flush=True)
    sys.stdin.readline()  # held open until the test says go on
"""


def test_a_concurrent_writers_live_temporary_survives_another_write(tmp_path):
    """Two writers of one file at once (two runs of the same job): the second one's cleanup
    keeps the first one's temporary, so the first one's rename still succeeds."""
    target = tmp_path / "out.json"
    first = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(target)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    live = pathlib.Path(first.stdout.readline().strip())
    io.write_text(target, "mine")
    assert live.exists()
    first.communicate("go on\n", timeout=60)
    assert first.returncode == 0
    assert target.read_text() == "the other writer's"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_current_umask_is_read_without_changing_it(umask):
    umask(0o027)
    assert io.current_umask() == 0o027
    assert io.current_umask() == 0o027  # unchanged by reading it


# -- checkpoints ----------------------------------------------------------------------------
class Evil:
    """Unpickling it writes `marker`: the code an unrestricted load would run."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (pathlib.Path.write_text, (pathlib.Path(self.marker), "code ran"))


def test_a_malicious_checkpoint_is_refused_by_name_and_its_code_never_runs(tmp_path):
    import torch

    checkpoint, marker = tmp_path / "model.pt", tmp_path / "marker"
    torch.save({"state_dict": Evil(marker), "config": {}}, checkpoint)
    # the file really carries code: an unrestricted load runs it (here, in a copy)
    probe = tmp_path / "probe.pt"
    torch.save({"state_dict": Evil(tmp_path / "probe-marker")}, probe)
    torch.load(probe, weights_only=False)
    assert (tmp_path / "probe-marker").read_text() == "code ran"
    assert not marker.exists()

    with pytest.raises(io.CheckpointError) as info:
        io.load_checkpoint(checkpoint)
    message = str(info.value)
    assert not marker.exists()
    assert str(checkpoint) in message
    assert "not a plain state dict" in message
    assert "getattr" in message  # what it refers to
    assert "weights_only" not in message and "trust" not in message
    assert info.value.__cause__ is None and info.value.__suppress_context__  # no torch advice


def test_a_plain_checkpoint_loads_and_a_truncated_one_is_named(tmp_path):
    import torch

    path = tmp_path / "model.pt"
    io.save_checkpoint(path, {"state_dict": {"w": torch.ones(2)}, "config": {"n": 1}})
    state = io.load_checkpoint(path)
    assert state["config"] == {"n": 1} and torch.equal(state["state_dict"]["w"], torch.ones(2))

    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(io.CheckpointError, match="is not a readable torch file") as info:
        io.load_checkpoint(path)
    assert str(path) in str(info.value)


def test_a_plain_pickle_of_a_dict_is_not_a_checkpoint_either(tmp_path):
    path = tmp_path / "model.pt"
    path.write_bytes(pickle.dumps({"state_dict": {}}, protocol=2))  # not torch's format
    with pytest.raises(io.CheckpointError, match="not a readable torch file") as info:
        io.load_checkpoint(path)
    assert str(path) in str(info.value) and "weights_only" not in str(info.value)
