"""Profiles (profiles/default, local, slurm) as the dry run sees them, and device placement.

Dry runs need no cluster: they show each job's resources and job group as sbatch would get
them. tests/test_slurm.py submits to a real one.
"""

from __future__ import annotations

from collections import Counter

import pytest
import torch
import yaml

from attnaudit.train import resolve_device
from tests.workflow_runner import REPO, dry_run, write_config

PROFILES = REPO / "profiles"
CONFIG = {
    "datasets": {"synthetic": {"type": "synthetic", "n_train": 100, "n_dev": 40, "n_test": 40}},
    "encoders": ["average"],
    "attentions": ["additive", "uniform"],
    "seeds": [1, 2],
    "training": {"epochs": 1},
}


def profile(name: str) -> dict:
    return yaml.safe_load((PROFILES / name / "config.yaml").read_text())


def test_the_automatic_default_profile_overrides_no_key_of_the_others():
    """Snakemake applies profiles/default after --profile and a key set in both takes the
    default's value wholesale: a `default-resources` there would drop slurm_partition."""
    default = set(profile("default"))
    for name in ("local", "slurm"):
        assert not default & set(profile(name)), name


@pytest.fixture(scope="module")
def slurm_plan(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("profile")
    write_config(workdir, CONFIG)
    return dry_run(workdir, "--profile", str(PROFILES / "slurm"))


@pytest.mark.slow
def test_slurm_profile_gives_every_job_partition_runtime_memory_and_cpus(slurm_plan):
    submitted = [job for job in slurm_plan if job.rule != "all"]
    assert {"preprocess", "train", "learned_vs_uniform"} <= {job.rule for job in submitted}
    for job in submitted:
        assert job.resources["slurm_partition"] == "debug", job
        assert {"runtime", "mem_mb", "cpus_per_task"} <= set(job.resources), job
    train = [job for job in submitted if job.rule == "train"]
    assert len(train) == 4
    for job in train:
        assert job.resources["mem_mb"] == "4000" and job.resources["runtime"] == "240"
        assert job.resources["cpus_per_task"] == "1"  # training.threads
        assert job.resources["gpu"] == "0"  # training.device: cpu
    preprocess = next(job for job in submitted if job.rule == "preprocess")
    assert preprocess.resources["mem_mb"] == "8000"


@pytest.mark.slow
def test_slurm_profile_packs_small_jobs_into_group_jobs(slurm_plan):
    """Rules name their own group; the profile only says how many go into one sbatch job."""
    lvu = next(job for job in slurm_plan if job.rule == "learned_vs_uniform")
    assert lvu.group == "aggregates"
    analyses = [job for job in slurm_plan if job.rule.startswith("analyse")]
    assert analyses and {job.group for job in analyses} == {"analyses"}
    grouped = [job for job in slurm_plan if job.group]
    # one submission per group job, not per job
    per_group_job = Counter(job.group_job for job in grouped)
    assert len(per_group_job) < len(grouped)
    assert not [job for job in slurm_plan if job.rule in ("train", "preprocess") and job.group]


@pytest.mark.slow
def test_cuda_training_asks_the_scheduler_for_a_gpu_and_nothing_else_does(tmp_path):
    write_config(tmp_path, {**CONFIG, "training": {"epochs": 1, "device": "cuda"}})
    jobs = dry_run(tmp_path, "--profile", str(PROFILES / "slurm"))
    gpus = {job.rule: job.resources.get("gpu") for job in jobs}
    assert gpus.pop("train") == "1"
    assert set(gpus.values()) == {None}


@pytest.mark.slow
def test_local_profile_dry_run(tmp_path):
    write_config(tmp_path, CONFIG)
    jobs = dry_run(tmp_path, "--profile", str(PROFILES / "local"))
    assert Counter(job.rule for job in jobs)["train"] == 4
    assert not any("slurm_partition" in job.resources for job in jobs)


def test_auto_takes_the_gpu_a_job_sees(monkeypatch):
    """A SLURM job given a GPU sees it (CUDA_VISIBLE_DEVICES) and `auto` takes it."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == torch.device("cuda")
    assert resolve_device("cuda") == torch.device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == torch.device("cpu")
    assert resolve_device("cpu") == torch.device("cpu")


def test_cuda_without_a_visible_gpu_names_what_the_job_was_given(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    with pytest.raises(RuntimeError, match=r"no CUDA device \(CUDA_VISIBLE_DEVICES=0, torch"):
        resolve_device("cuda")
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES")
    with pytest.raises(RuntimeError, match="CUDA_VISIBLE_DEVICES=unset"):
        resolve_device("cuda")


def test_slurm_status_comes_from_squeue():
    """sacct needs slurmdbd accounting; without it the plugin waits forever after the jobs
    end (docs/cluster.md). squeue works everywhere with SLURM's default MinJobAge."""
    assert profile("slurm")["slurm-status-command"] == "squeue"


def test_every_rule_that_computes_declares_its_threads_and_resources():
    """Cluster resources come from the rules themselves: a new rule cannot be forgotten by
    the profile. Downloads run on the submitting host (localrules)."""
    import re

    rules = {}
    for path in sorted((REPO / "workflow/rules").glob("*.smk")):
        for name, body in re.findall(
            r"(?m)^ *rule (\w+):\n((?:(?: {4,}.*)?\n)+)", path.read_text()
        ):
            rules[name] = body
    assert {"train", "analyse", "wp_guided", "wp_adversary", "preprocess"} <= set(rules)
    for name, body in rules.items():
        if name in ("all", "download", "download_vectors", "fetch_checkpoint"):
            continue
        assert "resources:" in body and "mem_mb=" in body and "runtime=" in body, name
        if re.search(r"scripts/(train|analysis|wiegreffe_pinter|deception)\.py", body):
            assert "threads: THREADS" in body, name
    assert "set-resources" not in profile("slurm") and "groups" not in profile("slurm")
