"""Shared test fixtures: the offline dataset mirror beside the checkout, tiny tables."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def mirror_file(name: str) -> Path:
    """A file of ../shared/data, or skip the test with the reason."""
    path = SHARED_DATA / name
    if not path.is_file():
        pytest.skip(f"offline mirror file {path} is not present")
    return path


@pytest.fixture(scope="module")
def one_thread():
    """torch on one thread for a module of tiny models, then as before: on tensors this small
    a second thread only adds overhead, tenfold when the machine's cores are busy."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The files that run whole workflows (any test marked `slow`) first, each file's tests
    still together and in order: with one file per xdist worker, a long file started last
    would leave one worker running it alone while the other idles."""
    slow = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow)  # stable
