"""Atomic outputs: the mode a colleague can read, checkpoints that are never unpickled
beyond tensors and plain data, readers and writers that name the file they failed on, and
the checksum each write records."""

from __future__ import annotations

import errno
import hashlib
import os
import pathlib
import pickle
import shutil
import stat
import subprocess
import sys

import pandas as pd
import pytest

from attnaudit import checksums, io


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
        assert mode(path.parent / ".checksums" / f"{path.name}.sha256") == expected, path
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
        [p.name for p in keep] + [".checksums", "out.json"]
    )
    io.write_text(other, "x")  # now out.json.bak's temporary goes, its writer being gone
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [p.name for p in keep if ".bak." not in p.name] + [".checksums", "out.json", "out.json.bak"]
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
    assert sorted(p.name for p in tmp_path.iterdir()) == [".checksums", "out.json"]


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
    checksums.forget(path)  # the parser's error (a truncation its record finds: below)
    with pytest.raises(io.CheckpointError, match="is not a readable torch file") as info:
        io.load_checkpoint(path)
    assert str(path) in str(info.value)


def test_a_plain_pickle_of_a_dict_is_not_a_checkpoint_either(tmp_path):
    path = tmp_path / "model.pt"
    path.write_bytes(pickle.dumps({"state_dict": {}}, protocol=2))  # not torch's format
    with pytest.raises(io.CheckpointError, match="not a readable torch file") as info:
        io.load_checkpoint(path)
    assert str(path) in str(info.value) and "weights_only" not in str(info.value)


# -- readers name the file they fail on -----------------------------------------------------
def truncate(path, keep: int) -> None:
    """Cut `path` to its first `keep` bytes, keeping its mtime (what Snakemake looks at)."""
    before = os.stat(path)
    path.write_bytes(path.read_bytes()[:keep])
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def assert_names(info, path, expected: str) -> None:
    message = str(info.value)
    assert isinstance(info.value, io.CorruptFileError)
    assert str(path) in message and expected in message
    assert "delete it and rerun: snakemake will rebuild it" in message


def test_a_truncated_json_file_is_named(tmp_path):
    path = tmp_path / "seed1" / "metrics.json"
    io.write_json(path, {"accuracy": 0.75, "dataset": "synthetic"})
    truncate(path, 27)  # inside the string "dataset"
    checksums.forget(path)  # as one written before checksums: the parser's error
    with pytest.raises(io.CorruptFileError) as info:
        io.read_json(path)
    assert_names(info, path, "not a readable JSON file (JSONDecodeError: Unterminated string")


def test_a_json_file_that_is_not_text_is_named(tmp_path):
    path = tmp_path / "vocab.json"
    path.write_bytes(b'["a", "\xff"]')
    with pytest.raises(io.CorruptFileError) as info:
        io.read_json(path)
    assert_names(info, path, "UnicodeDecodeError")


@pytest.mark.parametrize("name", ["tokens.parquet", "epochs.csv"])
def test_a_truncated_or_garbled_table_is_named(tmp_path, name):
    path = tmp_path / name
    io.write_table(path, pd.DataFrame({"a": range(50), "b": ["x"] * 50}))
    if name.endswith(".parquet"):
        truncate(path, os.path.getsize(path) // 2)
    else:  # a truncated CSV still parses: only its record finds that (below)
        path.write_bytes(b"a,b\n1,\xff\xfe\n")
    checksums.forget(path)
    with pytest.raises(io.CorruptFileError) as info:
        io.read_table(path)
    assert_names(info, path, "PARQUET table" if name.endswith(".parquet") else "CSV table")


def test_a_truncated_npy_array_is_named_and_an_intact_one_reads_back(tmp_path):
    import numpy as np

    path = tmp_path / "matrix.npy"
    io.write_array(path, np.arange(12.0).reshape(3, 4))
    assert io.read_array(path).tolist() == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
    truncate(path, 100)
    checksums.forget(path)
    with pytest.raises(io.CorruptFileError) as info:
        io.read_array(path)
    assert_names(info, path, "not a readable .npy array")


def test_a_truncated_checkpoint_is_a_corrupt_file_with_the_way_out(tmp_path):
    import torch

    path = tmp_path / "model.pt"
    io.save_checkpoint(path, {"state_dict": {"w": torch.ones(3)}, "config": {}})
    truncate(path, os.path.getsize(path) - 30)
    checksums.forget(path)
    with pytest.raises(io.CheckpointError) as info:
        io.load_checkpoint(path)
    assert_names(info, path, "not a readable torch file")


def write_kind(path) -> None:
    """Write `path` through io, as the job that makes it would."""
    import numpy as np
    import torch

    if path.suffix == ".json":
        io.write_json(path, {"accuracy": 0.75, "words": ["a"] * 40})
    elif path.suffix == ".npy":
        io.write_array(path, np.zeros((20, 4)))
    elif path.suffix == ".pt":
        io.save_checkpoint(path, {"state_dict": {"w": torch.ones(40)}, "config": {}})
    else:
        io.write_table(path, pd.DataFrame({"a": range(40)}))


READERS = {".json": io.read_json, ".npy": io.read_array, ".pt": io.load_checkpoint}


@pytest.mark.parametrize("name", ["m.json", "t.parquet", "e.csv", "x.npy", "model.pt"])
def test_a_file_truncated_with_its_mtime_kept_is_refused_by_its_record(tmp_path, name):
    """What Snakemake cannot see: the job reading it stops, naming it (a truncated CSV
    would otherwise parse)."""
    path = tmp_path / name
    write_kind(path)
    size = os.path.getsize(path)
    truncate(path, size - 7)
    read = READERS.get(path.suffix, io.read_table)
    with pytest.raises(io.CorruptFileError) as info:
        read(path)
    assert_names(info, path, f"that was written there ({size - 7} bytes, {size} when written)")
    # rewritten since by something else (a new file, a new mtime): the record no longer applies
    shutil.copy(path, tmp_path / "copy")
    os.replace(tmp_path / "copy", path)
    if name == "e.csv":
        assert io.read_table(path)["a"].tolist() == list(range(38))  # what it would trust


@pytest.mark.parametrize("name", ["gone.json", "gone.parquet", "gone.csv", "gone.npy"])
def test_a_missing_file_is_missing_not_corrupt(tmp_path, name):
    read = READERS.get(pathlib.Path(name).suffix, io.read_table)
    with pytest.raises(FileNotFoundError):
        read(tmp_path / name)


# -- writes name the file and the cause -----------------------------------------------------
def disk_full(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_names_the_file_and_says_disk_full(tmp_path, monkeypatch):
    path = tmp_path / "results" / "metrics.json"
    monkeypatch.setattr(pathlib.Path, "write_text", disk_full)
    with pytest.raises(io.WriteError) as info:
        io.write_json(path, {"a": 1})
    assert info.value.errno == errno.ENOSPC
    assert f"cannot write {path}: disk full" in str(info.value)
    assert list(path.parent.iterdir()) == []  # no file, no temporary, no record


def test_torch_s_iostream_error_on_a_full_disk_says_disk_full(tmp_path, monkeypatch):
    import torch

    def short_write(state, fh):
        fh.write(b"PK\x03\x04")
        raise RuntimeError("basic_ios::clear: iostream error")

    class Full:
        f_bavail = 0

    monkeypatch.setattr(torch, "save", short_write)
    monkeypatch.setattr(os, "statvfs", lambda path: Full())
    path = tmp_path / "model.pt"
    with pytest.raises(io.WriteError) as info:
        io.save_checkpoint(path, {"state_dict": {}})
    assert info.value.errno == errno.ENOSPC
    assert f"cannot write {path}: disk full" in str(info.value) and "iostream" in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_an_unrelated_error_inside_a_write_is_not_called_a_write_failure(tmp_path):
    with pytest.raises(RuntimeError, match="^a bug$"), io.atomic_path(tmp_path / "x") as tmp:
        tmp.write_text("half")
        raise RuntimeError("a bug")


def test_a_directory_without_write_permission_is_named(tmp_path, monkeypatch):
    def refused(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(io.tempfile, "mkstemp", refused)
    with pytest.raises(io.WriteError, match="permission denied") as info:
        io.write_text(tmp_path / "report.md", "x")
    assert str(tmp_path / "report.md") in str(info.value)


FILE_SIZE_LIMIT = """
import resource, sys, torch, pandas as pd
from attnaudit import checksums, io
resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))
writes = {
    "table.parquet": lambda p: io.write_table(p, pd.DataFrame({"a": range(100000)})),
    "model.pt": lambda p: io.save_checkpoint(p, {"state_dict": {"w": torch.zeros(100000)}}),
}
for name, write in writes.items():
    try:
        write(sys.argv[1] + "/" + name)
    except io.WriteError as exc:
        print(exc.errno, exc)
"""


def test_a_file_size_limit_names_the_file_and_says_file_too_large(tmp_path):
    """A real limit (`ulimit -f`) in a child process: pyarrow's and torch's own errors."""
    proc = subprocess.run(
        [sys.executable, "-c", FILE_SIZE_LIMIT, str(tmp_path)],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    lines = proc.stdout.splitlines()
    assert len(lines) == 2, proc.stdout + proc.stderr
    for line, name in zip(lines, ["table.parquet", "model.pt"], strict=True):
        assert line.startswith(f"{errno.EFBIG} "), line
        assert f"cannot write {tmp_path / name}: file too large" in line
    assert list(tmp_path.iterdir()) == []


# -- checksum records -----------------------------------------------------------------------
def test_each_write_records_the_sha256_size_mtime_and_inode_of_what_it_wrote(tmp_path):
    path = tmp_path / "summary.json"
    for value in (1, 22):  # the record follows a rewrite
        io.write_json(path, {"n": value})
        data = path.read_bytes()
        record = (tmp_path / ".checksums" / "summary.json.sha256").read_text()
        stat = os.stat(path)
        sha = hashlib.sha256(data).hexdigest()
        assert record == f"{sha} {len(data)} {stat.st_mtime_ns} {stat.st_ino}\n"


def imdb_archive(path) -> None:
    """A small aclImdb archive, written (and recorded) as the download job writes it."""
    import io as bytes_io
    import tarfile

    with io.atomic_path(path) as tmp, tarfile.open(tmp, "w:gz") as tf:
        for i, name in enumerate(["train/pos/1_9", "train/neg/2_1", "test/pos/3_8"]):
            data = f"review number {i} ".encode() * 200
            info = tarfile.TarInfo(f"aclImdb/{name}.txt")
            info.size = len(data)
            tf.addfile(info, bytes_io.BytesIO(data))


@pytest.mark.parametrize("recorded", [True, False])
def test_a_truncated_download_is_named_by_its_checksum_record(tmp_path, recorded):
    from attnaudit.data.prepare import load_documents

    archive, other = tmp_path / "aclImdb_v1.tar.gz", tmp_path / "other.txt"
    imdb_archive(archive)
    io.write_text(other, "untouched")
    truncate(archive, os.path.getsize(archive) // 2)
    if not recorded:
        shutil.rmtree(tmp_path / ".checksums")
    with pytest.raises(io.CorruptFileError) as info:
        load_documents("imdb", {"type": "imdb"}, [archive, other])
    message = str(info.value)
    assert "delete it and rerun: snakemake will rebuild it" in message
    if recorded:  # the record tells which of the inputs changed
        assert message.startswith(f"{archive} is not a readable file of dataset 'imdb' (")
        assert str(other) not in message
    else:
        assert message.startswith(f"one of {archive}, {other} is not a readable file set")
