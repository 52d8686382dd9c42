import hashlib

import pytest

from attnaudit.data.download import DownloadError, fetch
from attnaudit.data.registry import RemoteFile


@pytest.fixture
def archive(tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    payload = b"some archive bytes\n" * 1000
    (mirror / "data.zip").write_bytes(payload)
    remote = RemoteFile(
        url="http://127.0.0.1:9/unreachable/data.zip",  # discard port: refused at once
        sha256=hashlib.sha256(payload).hexdigest(),
        filename="data.zip",
    )
    return mirror, remote, payload


def test_mirror_directory_and_file_url_are_used(archive, tmp_path):
    mirror, remote, payload = archive
    for m in (str(mirror), mirror.as_uri()):
        dest = tmp_path / "out" / m[-6:].replace("/", "_") / "data.zip"
        source = fetch("toy", remote, dest, mirror=m)
        assert source.startswith("file://")
        assert dest.read_bytes() == payload


def test_truncated_copy_is_a_checksum_error_and_leaves_nothing(archive, tmp_path):
    mirror, remote, payload = archive
    (mirror / "data.zip").write_bytes(payload[:-100])
    dest = tmp_path / "out" / "data.zip"
    with pytest.raises(DownloadError) as err:
        fetch("toy", remote, dest, mirror=str(mirror))
    message = str(err.value)
    assert "'toy'" in message and remote.sha256 in message and "expected" in message
    assert list(dest.parent.iterdir()) == []


def test_unreachable_address_without_mirror_names_the_dataset(archive, tmp_path):
    _, remote, _ = archive
    dest = tmp_path / "out" / "data.zip"
    with pytest.raises(DownloadError, match="dataset 'toy': could not fetch data.zip"):
        fetch("toy", remote, dest, mirror=str(tmp_path / "empty-mirror"), timeout=5)
    assert not dest.exists() and list(dest.parent.iterdir()) == []


@pytest.mark.parametrize("kind", ["missing directory", "missing file", "a file, not a directory"])
def test_a_mirror_that_cannot_serve_is_named_beside_the_official_address(
    archive, tmp_path, caplog, kind
):
    mirror, remote, _ = archive
    if kind == "missing directory":
        where, why = tmp_path / "no-such-mirror", "no such directory"
    elif kind == "missing file":
        (mirror / "data.zip").unlink()
        where, why = mirror, "no file data.zip"
    else:
        where, why = mirror / "data.zip", "not a directory"
    dest = tmp_path / "out" / "data.zip"
    with pytest.raises(DownloadError) as err:
        fetch("toy", remote, dest, mirror=str(where), timeout=5)
    message = str(err.value)
    assert message.startswith(f"dataset 'toy': could not fetch data.zip: mirror {where}")
    assert why in message
    assert f"{remote.url}: " in message  # and the official address's own failure
    assert f"mirror {where}" in caplog.text and "trying the official address" in caplog.text
    assert not dest.exists()
