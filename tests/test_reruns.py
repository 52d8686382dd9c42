"""What reruns after an edit, read from the dry-run job list of one trained tiny workdir.

The workflow runs from a copy of the checkout (Snakefile, workflow/, src/, envs/, ...), so
the tests that edit code edit the copy, never the repository. Each test undoes its edit;
the last one checks that nothing is left to do.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from pathlib import Path

import pytest

from tests.workflow_runner import REPO, dry_run, planned_jobs, snakemake, write_config

pytestmark = pytest.mark.slow

SYNTHETIC = {"type": "synthetic", "n_train": 120, "n_dev": 40, "n_test": 40, "vocab_size": 80,
             "max_length": 12}  # fmt: skip
BASE = {
    "datasets": {"syn_a": SYNTHETIC, "syn_b": {**SYNTHETIC, "seed": 1}},
    "encoders": ["average"],
    "attentions": ["additive", "uniform"],
    "seeds": [1],
    "training": {"epochs": 1, "embedding_dim": 8},
}
# The learned-vs-uniform table needs every run's metrics: training and one aggregate.
TARGETS = ("results/report/learned_vs_uniform.csv",)
N_RUNS = 4  # 2 datasets x 1 encoder x 2 attentions x 1 seed


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("checkout")
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    shutil.copy2(REPO / "Snakefile", root / "Snakefile")
    for part in ("workflow", "src", "profiles", "envs"):
        shutil.copytree(REPO / part, root / part, ignore=ignore)  # copy2 keeps mtimes
    return root


@pytest.fixture(scope="module")
def trained(checkout, tmp_path_factory) -> Path:
    workdir = tmp_path_factory.mktemp("reruns")
    write_config(workdir, BASE)
    snakemake(workdir, *TARGETS, checkout=checkout)
    return workdir


def plan(workdir: Path, checkout: Path):
    """The dry run: jobs per rule, and the dry-run jobs themselves."""
    jobs = dry_run(workdir, *TARGETS, checkout=checkout)
    return Counter(job.rule for job in jobs), jobs


@pytest.fixture
def edit_config(trained):
    """Write an edited config for one test; the base config comes back afterwards."""
    yield lambda config: write_config(trained, config)
    write_config(trained, BASE)


@pytest.fixture
def edit_code(checkout):
    """Edit a file of the checkout copy (a comment line appended: new content, new mtime);
    its content and mtime come back afterwards."""
    saved = {}

    def _edit(relative: str) -> Path:
        path = checkout / relative
        saved[path] = (path.read_bytes(), path.stat())
        with path.open("a") as f:
            f.write("\n# edited\n")  # now: newer than the outputs
        return path

    yield _edit
    for path, (content, stat) in saved.items():
        path.write_bytes(content)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_nothing_reruns_without_an_edit(trained, checkout):
    assert planned_jobs(trained, *TARGETS, checkout=checkout) == {}


def test_a_training_edit_reruns_training_and_aggregates_never_data(trained, checkout, edit_config):
    edit_config({**BASE, "training": {**BASE["training"], "epochs": 2}})
    counts, jobs = plan(trained, checkout)
    assert counts == {"train": N_RUNS, "learned_vs_uniform": 1}
    assert all("Params have changed" in job.reason for job in jobs if job.rule == "train")


def test_a_dataset_option_edit_reruns_that_dataset_and_downstream(trained, checkout, edit_config):
    datasets = {**BASE["datasets"], "syn_b": {**BASE["datasets"]["syn_b"], "n_train": 100}}
    edit_config({**BASE, "datasets": datasets})
    counts, jobs = plan(trained, checkout)
    assert counts == {"preprocess": 1, "train": 2, "learned_vs_uniform": 1}
    assert {job.wildcards.get("dataset") for job in jobs if job.rule != "learned_vs_uniform"} == {
        "syn_b"
    }


def test_adding_a_seed_runs_only_the_new_runs(trained, checkout, edit_config):
    edit_config({**BASE, "seeds": [1, 2]})
    counts, jobs = plan(trained, checkout)
    assert counts == {"train": N_RUNS, "learned_vs_uniform": 1}
    assert {job.wildcards["seed"] for job in jobs if job.rule == "train"} == {"2"}


def test_adding_a_dataset_runs_only_its_jobs(trained, checkout, edit_config):
    edit_config({**BASE, "datasets": {**BASE["datasets"], "syn_c": {**SYNTHETIC, "seed": 2}}})
    counts, jobs = plan(trained, checkout)
    assert counts == {"preprocess": 1, "train": 2, "learned_vs_uniform": 1}
    assert {job.wildcards.get("dataset") for job in jobs if job.rule != "learned_vs_uniform"} == {
        "syn_c"
    }


def test_editing_model_code_reruns_training_not_preprocessing(trained, checkout, edit_code):
    edited = edit_code("src/attnaudit/models/encoders.py")
    counts, jobs = plan(trained, checkout)
    assert counts == {"train": N_RUNS, "learned_vs_uniform": 1}
    train = [job for job in jobs if job.rule == "train"]
    assert all(f"Updated input files: {edited}" in job.reason for job in train), train[0].reason


def test_editing_parser_code_reruns_preprocessing_and_downstream(trained, checkout, edit_code):
    edit_code("src/attnaudit/data/synthetic.py")
    counts, _ = plan(trained, checkout)
    assert counts == {"preprocess": 2, "train": N_RUNS, "learned_vs_uniform": 1}


def test_editing_an_aggregate_script_reruns_only_that_aggregate(trained, checkout, edit_code):
    edit_code("workflow/scripts/learned_vs_uniform.py")
    counts, jobs = plan(trained, checkout)
    assert counts == {"learned_vs_uniform": 1}
    assert "Code has changed" in jobs[0].reason, jobs[0].reason


def test_editing_code_no_rule_uses_reruns_nothing(trained, checkout, edit_code):
    edit_code("src/attnaudit/analyses/jain_wallace.py")  # not used by training or this table
    assert plan(trained, checkout)[0] == {}


def test_a_touched_but_unchanged_library_file_reruns_nothing(trained, checkout):
    """Library files are inputs, and Snakemake compares the checksum of an input newer than
    the outputs (files up to --max-checksum-file-size, 1 MB): a `git checkout` that only
    touches them reruns nothing. `script:` files are judged by mtime alone."""
    path = checkout / "src/attnaudit/train.py"
    stat = path.stat()
    os.utime(path)  # now: newer than the outputs
    try:
        assert planned_jobs(trained, *TARGETS, checkout=checkout) == {}
    finally:
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_every_edit_was_undone(trained, checkout):
    assert planned_jobs(trained, *TARGETS, checkout=checkout) == {}
