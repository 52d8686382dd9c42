"""Snakemake's between-workflow output cache (`--cache` with SNAKEMAKE_OUTPUT_CACHE) for
downloads and preprocessing: several checkouts or workdirs share one copy of each dataset."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import mirror_file
from tests.workflow_runner import planned_jobs, snakemake, write_config

pytestmark = pytest.mark.slow

SYNTHETIC = {"type": "synthetic", "n_train": 120, "n_dev": 40, "n_test": 40, "vocab_size": 80,
             "max_length": 12}  # fmt: skip
PREPROCESSED = ("tokens.parquet", "vocab.json", "summary.json")


def workdir_with(root: Path, name: str, datasets: dict, **extra) -> Path:
    workdir = root / name
    workdir.mkdir()
    config = {"datasets": datasets, "encoders": ["average"], "attentions": ["additive"],
              "seeds": [1], "training": {"epochs": 1}, **extra}  # fmt: skip
    write_config(workdir, config)
    return workdir


def cached(cache: Path) -> set[Path]:
    return {p for p in cache.rglob("*") if p.is_file()}


def test_two_workdirs_share_one_copy_of_a_preprocessed_dataset(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    env = {"SNAKEMAKE_OUTPUT_CACHE": str(cache)}
    # targets first: `--cache` takes an optional list of rule names
    one = workdir_with(tmp_path, "one", {"syn": SYNTHETIC})
    snakemake(one, "results/syn/data/summary.json", "--cache", env=env)
    assert len(cached(cache)) == len(PREPROCESSED)

    two = workdir_with(tmp_path, "two", {"syn": SYNTHETIC})
    proc = snakemake(two, "results/syn/data/summary.json", "--cache", env=env)
    assert len(cached(cache)) == len(PREPROCESSED), "the second workdir made a second copy"
    for name in PREPROCESSED:
        first, second = (w / "results/syn/data" / name for w in (one, two))
        assert first.is_symlink() and second.is_symlink()
        assert first.resolve() == second.resolve() and first.resolve().parent == cache
    assert "Symlinking output file results/syn/data/tokens.parquet from cache" in proc.stderr
    assert not (two / "results/logs/preprocess/syn.log").stat().st_size, "preprocess ran again"
    # and the cached tables work downstream: nothing left to do for preprocessing
    assert "preprocess" not in planned_jobs(two, "--cache", env=env)

    # The cache key ignores wildcards: the dataset name is a param, so another name (whose
    # summary.json names it) or other options get their own entries, never this one's.
    other_options = {**SYNTHETIC, "seed": 5}
    three = workdir_with(tmp_path, "three", {"syn_renamed": SYNTHETIC, "syn": other_options})
    snakemake(
        three, "results/syn_renamed/data/summary.json", "results/syn/data/summary.json",
        "--cache", env=env,
    )  # fmt: skip
    assert len(cached(cache)) == 3 * len(PREPROCESSED)
    assert (three / "results/syn_renamed/data/summary.json").read_text().count("syn_renamed")


@pytest.mark.mirror
def test_downloads_are_shared_and_never_refetched_for_a_preprocessing_option(tmp_path):
    mirror = str(mirror_file("trainDevTestTrees_PTB.zip").parent)
    cache = tmp_path / "cache"
    cache.mkdir()
    env = {"SNAKEMAKE_OUTPUT_CACHE": str(cache)}
    archive = "trainDevTestTrees_PTB.zip"
    one = workdir_with(tmp_path, "one", {"sst": {"type": "sst"}}, mirror=mirror)
    snakemake(one, f"resources/sst/{archive}", "--cache", env=env)
    # Another workdir and another dataset name of the same type: the same bytes, one copy.
    two = workdir_with(tmp_path, "two", {"sst_again": {"type": "sst"}}, mirror=mirror)
    snakemake(two, f"resources/sst_again/{archive}", "--cache", env=env)
    assert len(cached(cache)) == 1
    assert (one / "resources/sst" / archive).resolve() == (
        two / "resources/sst_again" / archive
    ).resolve()
    # Editing a preprocessing option changes what preprocess makes, not what is fetched.
    write_config(
        one,
        {"mirror": mirror, "datasets": {"sst": {"type": "sst", "min_count": 2}},
         "encoders": ["average"], "attentions": ["additive"], "seeds": [1],
         "training": {"epochs": 1}},
    )  # fmt: skip
    assert planned_jobs(one, f"resources/sst/{archive}", "--cache", env=env) == {}
