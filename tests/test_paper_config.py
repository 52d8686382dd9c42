"""configs/paper.yaml plans the whole study (dry runs only: nothing is downloaded or trained)."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from tests.conftest import SHARED_DATA
from tests.workflow_runner import REPO

pytestmark = pytest.mark.slow

DATASETS, ENCODERS, ATTENTIONS, SEEDS = 4, 3, 3, 5
RUNS = DATASETS * ENCODERS * ATTENTIONS * SEEDS  # 180 trained models


def plan(workdir, *configfiles, extra=()):
    """Rule -> job count of `snakemake -n --configfile <configfiles> --config mirror=...`,
    run as a user would (no config.yaml of the tests)."""
    cmd = [
        sys.executable, "-m", "snakemake", "-n", "--quiet", "rules",
        "--snakefile", str(REPO / "Snakefile"), "--directory", str(workdir), "--cores", "2",
        "--configfile", *[str(REPO / "configs" / f) for f in configfiles],
        "--config", f"mirror={SHARED_DATA}", *extra,
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-5000:]
    jobs = {}
    for line in proc.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit() and parts[0] not in ("job", "total"):
            jobs[parts[0]] = int(parts[1])
    return jobs


def test_paper_config_with_the_mirror_plans_the_whole_study(tmp_path):
    jobs = plan(tmp_path, "paper.yaml", "mirror.yaml")
    assert jobs["train"] == RUNS
    # sst zip, imdb and 20news archives, AG News test.csv only (test_only_resplit)
    assert jobs["download"] == 4 and jobs["preprocess"] == DATASETS
    # the vectors are fetched once and one matrix per dataset serves its 45 models
    assert jobs["download_vectors"] == 1 and jobs["embedding_matrix"] == DATASETS
    assert jobs["learned_vs_uniform"] == 1 and jobs["dataset_statistics"] == 1
    assert jobs["all"] == 1
    assert not (tmp_path / "results").exists()  # a dry run writes nothing


def test_paper_config_alone_uses_the_official_files_and_the_papers_vectors(tmp_path):
    jobs = plan(tmp_path, "paper.yaml")
    assert jobs["train"] == RUNS
    assert jobs["download"] == 5  # AG News train.csv and test.csv
    assert jobs["download_vectors"] == 1 and jobs["embedding_matrix"] == DATASETS


def test_paper_config_replaces_the_default_and_the_overlay_only_adds_the_mirror():
    paper = yaml.safe_load((REPO / "configs/paper.yaml").read_text())
    overlay = yaml.safe_load((REPO / "configs/mirror.yaml").read_text())
    assert sorted(paper["datasets"]) == ["20news", "agnews", "imdb", "sst"]
    assert paper["encoders"] == ["lstm", "cnn", "average"]
    assert paper["attentions"] == ["additive", "dot", "uniform"]
    assert paper["seeds"] == [1, 2, 3, 4, 5]
    training = paper["training"]
    assert (training["epochs"], training["batch_size"], training["lr"]) == (8, 32, 1.0e-3)
    assert (training["weight_decay"], training["class_weighted"]) == (1.0e-5, True)
    assert paper["embeddings"][training["embeddings"]]["type"] == "fasttext_wiki_simple"
    # the overlay touches the mirror's files, AG News' split and the vectors, nothing else
    assert set(overlay) == {"datasets", "embeddings", "training"}
    assert set(overlay["training"]) == {"embeddings"}
    assert overlay["datasets"]["agnews"] == {"test_only_resplit": True}
    for name in ("imdb", "20news"):
        assert set(overlay["datasets"][name]) == {"files"}
    sums_file = SHARED_DATA / "SHA256SUMS"
    if not sums_file.is_file():
        pytest.skip(f"{sums_file} is not present: the overlay's checksums cannot be compared")
    sums = {}
    for line in sums_file.read_text().splitlines():
        sha, name = line.split()
        sums[name.removeprefix("./")] = sha
    for entry in (*overlay["datasets"].values(), *overlay["embeddings"].values()):
        for override in entry.get("files", {}).values():
            assert sums[override["mirror_name"]] == override["mirror_sha256"]


def test_beyond_config_plans_every_model_and_the_deception_runs(tmp_path):
    """configs/beyond.yaml: 2 datasets x 4 encoders x 6 attentions x 3 seeds trained, the
    analyses on the 4 learned attentions, deception on the synthetic dataset only."""
    jobs = plan(tmp_path, "beyond.yaml")
    assert jobs["train"] == 2 * 4 * 6 * 3
    assert jobs["analyse"] == 2 * 4 * 4 * 3  # learned attention: every analysis family
    # the two uniform controls (uniform, clsuniform): faithfulness
    assert jobs["analyse_uniform"] == 2 * 4 * 2 * 3
    assert jobs["pruthi_deception"] == 2 * 4 * 3  # 2 models x 4 weights x 3 seeds
    assert jobs["pruthi_deception_report"] == 1
