"""The registry's files per options, mirror overrides, and fetching members of archives."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import logging
import re
import tarfile
import zipfile
from pathlib import Path

import pytest

from attnaudit.data.download import DownloadError, fetch
from attnaudit.data.errors import DatasetError
from attnaudit.data.registry import (
    REGISTRY,
    UNKNOWN,
    DatasetSpec,
    RemoteFile,
    get_spec,
    n_classes_for,
    resolve_files,
)

MIRROR = Path(__file__).resolve().parents[2] / "shared" / "data"
SHA256 = re.compile(r"[0-9a-f]{64}")
NEWS_MIRROR_SHA256 = "a139fb51e75acedef330d0947c88a7cd32fcb6f8530456138b55441249ff60cc"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_every_remote_file_has_an_address_and_a_checksum_or_says_unknown():
    for spec in REGISTRY.values():
        for f in spec.files:
            assert f.url.startswith(("http://", "https://")), f
            for checksum in (f.sha256, f.archive_sha256 or UNKNOWN):
                assert checksum == UNKNOWN or SHA256.fullmatch(checksum), f
            if f.sha256 == UNKNOWN and (f.archive_sha256 or UNKNOWN) == UNKNOWN:
                assert "unknown" in spec.description.lower(), spec.name
        assert spec.description and spec.min_count >= 1


def test_class_counts_follow_options():
    assert n_classes_for(get_spec("imdb"), {}) == 2
    assert n_classes_for(get_spec("imdb"), {"task": "rating"}) == 8
    assert n_classes_for(get_spec("20news"), {}) == 2
    assert n_classes_for(get_spec("20news_all"), {}) == 20
    assert n_classes_for(get_spec("yelp_full"), {}) == 5
    assert n_classes_for(get_spec("synthetic"), {"n_classes": 3}) == 3
    assert n_classes_for(get_spec("table"), {"path": "x.csv"}) is None


def test_agnews_resplit_needs_only_test_csv():
    spec = get_spec("agnews")
    assert [f.filename for f in resolve_files(spec, {})] == [
        "ag_news_csv/train.csv",
        "ag_news_csv/test.csv",
    ]
    assert [f.filename for f in resolve_files(spec, {"test_only_resplit": True})] == [
        "ag_news_csv/test.csv"
    ]
    assert resolve_files(get_spec("table"), {"path": "mine.csv"}) == []


def test_file_overrides_change_only_the_mirror_copy():
    spec = get_spec("imdb")
    override = {"mirror_name": "aclImdb_v1.reconstructed.tar.gz", "mirror_sha256": "ab" * 32}
    (f,) = resolve_files(spec, {"files": {"aclImdb_v1.tar.gz": override}})
    assert (f.mirror_name, f.mirror_sha256) == (override["mirror_name"], "ab" * 32)
    assert (f.filename, f.sha256) == (spec.files[0].filename, spec.files[0].sha256)
    with pytest.raises(DatasetError, match=r"unknown file\(s\) \['imdb.tgz'\]"):
        resolve_files(spec, {"files": {"imdb.tgz": override}})
    with pytest.raises(DatasetError, match=r"unknown key\(s\) \['sha'\]"):
        resolve_files(spec, {"files": {"aclImdb_v1.tar.gz": {"sha": "x"}}})


def test_mirror_copy_under_another_name_and_checksum(tmp_path):
    official, rebuilt = b"official bytes", b"rebuilt bytes"
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "data.rebuilt.tgz").write_bytes(rebuilt)
    remote = RemoteFile("http://127.0.0.1:9/data.tgz", sha(official), "data.tgz")
    spec = DatasetSpec("toy", parser=lambda paths, options: None, files=(remote,))
    override = {"mirror_name": "data.rebuilt.tgz"}
    (renamed,) = resolve_files(spec, {"files": {"data.tgz": override}})
    with pytest.raises(DownloadError, match="checksum mismatch"):  # official sha for the copy
        fetch("toy", renamed, tmp_path / "a" / "data.tgz", str(mirror))
    override["mirror_sha256"] = sha(rebuilt)
    (pinned,) = resolve_files(spec, {"files": {"data.tgz": override}})
    dest = tmp_path / "b" / "data.tgz"
    assert fetch("toy", pinned, dest, str(mirror)).startswith("file:")
    assert dest.read_bytes() == rebuilt


@pytest.mark.parametrize("kind", ["zip", "tar"])
def test_member_of_an_official_archive_is_extracted_and_checked(tmp_path, kind, caplog):
    payload = b"sentence\tlabel\nfine\t1\n"
    archive = tmp_path / f"official.{kind}"
    if kind == "zip":
        with zipfile.ZipFile(archive, "w") as zf:
            zf.writestr("SST-2/dev.tsv", payload)
    else:
        with tarfile.open(archive, "w:gz") as tf:
            info = tarfile.TarInfo("SST-2/dev.tsv")
            info.size = len(payload)
            tf.addfile(info, io.BytesIO(payload))
    remote = RemoteFile(
        archive.as_uri(),
        sha(payload),
        "SST-2/dev.tsv",
        member="SST-2/dev.tsv",
        archive_sha256=sha(archive.read_bytes()),
    )
    dest = tmp_path / "out" / "SST-2" / "dev.tsv"
    assert fetch("toy", remote, dest) == archive.as_uri()
    assert dest.read_bytes() == payload
    left = [p.name for p in dest.parent.iterdir() if p.name != ".checksums"]
    assert left == ["dev.tsv"]  # no archive left behind

    vouched = dataclasses.replace(remote, sha256=UNKNOWN)  # like SST-2/train.tsv
    with caplog.at_level(logging.WARNING, logger="attnaudit"):
        fetch("toy", vouched, tmp_path / "out1" / "dev.tsv")
    assert "NOT verified" not in caplog.text  # the checked archive vouches for its member
    missing = dataclasses.replace(remote, member="SST-2/train.tsv")

    with pytest.raises(DownloadError, match="no member 'SST-2/train.tsv'"):
        fetch("toy", missing, tmp_path / "out2" / "train.tsv")
    wrong = dataclasses.replace(remote, archive_sha256="0" * 64)
    with pytest.raises(DownloadError, match="checksum mismatch for the archive"):
        fetch("toy", wrong, tmp_path / "out3" / "dev.tsv")
    assert list((tmp_path / "out3").iterdir()) == []


def test_unknown_checksum_is_fetched_with_a_warning(tmp_path, caplog):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "x.csv").write_bytes(b"1,a\n")
    remote = RemoteFile("http://127.0.0.1:9/x.csv", UNKNOWN, "x.csv")
    with caplog.at_level(logging.WARNING, logger="attnaudit"):
        fetch("toy", remote, tmp_path / "out" / "x.csv", str(tmp_path / "m"))
    assert "NOT verified" in caplog.text and sha(b"1,a\n") in caplog.text


@pytest.mark.mirror
def test_registry_checksums_match_the_offline_mirror(tmp_path):
    if not MIRROR.is_dir():
        pytest.skip(f"offline dataset mirror {MIRROR} is not present (../shared/data)")
    agnews = resolve_files(get_spec("agnews"), {"test_only_resplit": True})
    sst2 = resolve_files(get_spec("sst2"), {})
    news = resolve_files(
        get_spec("20news"),
        {
            "files": {
                "20news-bydate.tar.gz": {
                    "mirror_name": "20news-bydate.reconstructed.tar.gz",
                    "mirror_sha256": NEWS_MIRROR_SHA256,
                }
            }
        },
    )
    for remote in [*agnews, *sst2, *news]:  # official member checksums for AG and SST-2 dev
        source = fetch("mirror", remote, tmp_path / remote.filename, str(MIRROR), timeout=5)
        assert source.startswith("file://"), remote
