"""The whole-download deadline (a server that trickles bytes never trips the per-read
timeout) and the offline hint of a failed download."""

from __future__ import annotations

import http.server
import threading
import time

import pytest

from attnaudit.data import download
from attnaudit.data.remote import RemoteFile


class Trickle(http.server.BaseHTTPRequestHandler):
    """One byte every 0.1 s, of a 100-byte file: 10 s in all."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "100")
        self.end_headers()
        for _ in range(100):
            self.wfile.write(b"x")
            self.wfile.flush()
            time.sleep(0.1)

    def log_message(self, *args):
        pass


@pytest.fixture
def trickle():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/data.txt"
    server.shutdown()


def test_a_trickling_download_stops_at_the_deadline_naming_the_file_and_leaves_nothing(
    trickle, tmp_path, monkeypatch
):
    monkeypatch.setenv("ATTNAUDIT_DOWNLOAD_DEADLINE", "0.5")
    remote = RemoteFile(url=trickle, sha256="0" * 64, filename="data.txt")
    dest = tmp_path / "data.txt"
    start = time.monotonic()
    with pytest.raises(download.DownloadError) as err:
        download.fetch("slow", remote, dest, timeout=5.0)
    took = time.monotonic() - start
    assert 0.5 <= took < 3.0  # the per-read timeout (5 s) never fired; the file takes 10 s
    message = str(err.value)
    assert "dataset 'slow': could not fetch data.txt" in message
    assert "longer than its deadline of 0.5 s (ATTNAUDIT_DOWNLOAD_DEADLINE)" in message
    assert list(tmp_path.iterdir()) == []  # no partial file, under its name or another


def test_a_failed_download_says_how_to_use_the_mirror(tmp_path):
    remote = RemoteFile(url=(tmp_path / "absent.txt").as_uri(), sha256="0" * 64,
                        filename="absent.txt")  # fmt: skip
    with pytest.raises(download.DownloadError) as err:
        download.fetch("gone", remote, tmp_path / "out.txt")
    assert "--config mirror=DIR" in str(err.value)
    assert "docs/datasets.md#without-mirror" in str(err.value)


def test_the_deadline_defaults_to_half_an_hour(monkeypatch):
    monkeypatch.delenv("ATTNAUDIT_DOWNLOAD_DEADLINE", raising=False)
    assert download.deadline() == 1800.0
