"""The whole workflow, end to end, on a tiny synthetic config and on SST from the mirror."""

from __future__ import annotations

import json
import shutil
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from tests.conftest import mirror_file
from tests.workflow_runner import dry_run, planned_jobs, snakemake, write_config

pytestmark = pytest.mark.slow

TINY = {
    "datasets": {
        "synthetic": {"type": "synthetic", "n_train": 200, "n_dev": 60, "n_test": 60,
                      "vocab_size": 120, "max_length": 16},
    },
    "encoders": ["lstm", "average"],
    "attentions": ["additive", "uniform"],
    "seeds": [1, 2],
    "training": {"epochs": 2, "embedding_dim": 16},
    "jain_wallace": {
        "importance": {"max_instances": 30},
        "permutation": {"max_instances": 30, "n_permutations": 20},
        "adversary": {"max_instances": 30, "steps": 50},
    },
    "serrano_smith": {
        "single_weight": {"max_instances": 30},
        "multi_weight": {"max_instances": 30, "n_random": 2, "ig_steps": 10},
    },
    "faithfulness": {
        "eraser": {"max_instances": 30, "n_random": 2, "ig_steps": 10},
        "planted": {"max_instances": 30, "n_random": 2, "ig_steps": 10},
    },
    "wiegreffe_pinter": {"adversarial": {"lambdas": [0.0, 1.0], "epochs": 2}},
}  # fmt: skip


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("tiny")
    write_config(workdir, TINY)
    snakemake(workdir)
    return workdir


def test_tiny_run_produces_models_tables_figure_and_report(tiny_run):
    for model in ("lstm-additive", "lstm-uniform", "average-additive", "average-uniform"):
        for seed in (1, 2):
            run = tiny_run / "results" / "synthetic" / model / f"seed{seed}"
            metrics = json.loads((run / "metrics.json").read_text())
            assert metrics["dataset"] == "synthetic" and metrics["seed"] == seed
            assert 0.0 <= metrics["test_f1"] <= 1.0
            assert len(pd.read_csv(run / "epochs.csv")) == 2
            preds = pd.read_parquet(run / "predictions.parquet")
            assert len(preds) == 60 and {"id", "attention", "probs", "pred"} <= set(preds)
            assert (
                (tiny_run / "results/logs/train/synthetic" / model / f"seed{seed}.log")
                .stat()
                .st_size
            )
    table = pd.read_csv(tiny_run / "results/report/learned_vs_uniform.csv")
    assert sorted(table["encoder"]) == ["average", "lstm"]
    assert (table["n"] == 2).all() and (table["n_uniform"] == 2).all()
    assert "± " in (tiny_run / "results/report/learned_vs_uniform.md").read_text()
    assert (tiny_run / "results/report/figures/learned_vs_uniform.png").stat().st_size > 10_000
    tau = pd.read_csv(tiny_run / "results/report/jain_wallace/tau.csv")
    assert set(tau["model"]) == {"lstm-additive", "average-additive"}
    assert set(tau["pair"]) == {"attn_grad", "attn_loo", "grad_loo"} and (tau["n_seeds"] == 2).all()
    adversary = pd.read_parquet(
        tiny_run / "results/synthetic/lstm-additive/seed1/jain_wallace/adversary.parquet"
    )
    assert len(adversary) == 30 and (adversary["output_tvd"] <= 0.01 + 1e-9).all()
    for name in ("permutation", "adversary_histogram", "adversary_by_max_attention"):
        assert (
            tiny_run / f"results/report/figures/jain_wallace_{name}.png"
        ).stat().st_size > 10_000
    flips = pd.read_csv(tiny_run / "results/report/serrano_smith/flip_fractions.csv")
    assert set(flips["ranking"]) == {
        "attention", "attention_gradient", "grad_x_attention", "random", "loo",
        "integrated_gradients",
    }  # fmt: skip
    assert flips["never_flipped"].between(0, 1).all()
    decisions = pd.read_csv(tiny_run / "results/report/serrano_smith/decision_flips.csv")
    cells = decisions.drop(columns=["dataset", "model", "ranking"])
    assert list(cells) == [
        f"top {a}, random {b}" for a in ("flips", "keeps") for b in ("flips", "keeps")
    ]
    assert np.allclose(cells.sum(axis=1), 100.0)
    aopc = pd.read_csv(tiny_run / "results/report/faithfulness/aopc.csv")
    rankings = {"attention", "gradient", "grad_x_attention", "loo", "integrated_gradients",
                "random"}  # fmt: skip
    assert set(aopc["ranking"]) == rankings and (aopc["n_seeds"] == 2).all()
    # uniform-attention models are analysed too (their gradient, LOO, IG rankings)
    assert {"lstm-uniform", "average-uniform"} <= set(aopc["model"])
    planted = pd.read_csv(tiny_run / "results/report/faithfulness/planted.csv")
    assert set(planted["model"]) == {"lstm-additive", "lstm-uniform", "average-additive",
                                     "average-uniform"}  # fmt: skip
    assert planted["precision_at_k"].between(0, 1).all()
    lines = (tiny_run / "results/report/faithfulness/rationales.jsonl").read_text().splitlines()
    # models x seeds x rankings (first ordering) x instances; uniform attention ranks nothing
    assert len(lines) == (2 * 6 + 2 * 4) * 2 * 30
    snakemake(tiny_run, "--report", "report.html")
    html = (tiny_run / "report.html").read_text(errors="replace")
    assert "learned_vs_uniform.png" in html and "Is attention needed?" in html
    assert "jain_wallace_permutation.png" in html and "Permuting attention" in html
    # every result table is in the report as an HTML page (shown as a table, not offered as
    # a CSV download), next to every figure; tests/test_report_browser.py renders them
    line = next(x for x in html.splitlines() if x.lstrip().startswith("var categories = "))
    categories = json.loads(line.split("=", 1)[1].strip().rstrip(";"))
    items = {p for sub in categories.values() for paths in sub.values() for p in paths}
    report = tiny_run / "results/report"
    tables = {  # the verdicts' CSVs are the verdict pages' data, not pages of their own
        p.with_suffix(".html").relative_to(tiny_run).as_posix()
        for p in report.rglob("*.csv")
        if p.parent.name != "verdicts"
    }
    figures = {p.relative_to(tiny_run).as_posix() for p in report.glob("figures/*.png")}
    pages = {p.relative_to(tiny_run).as_posix() for p in report.glob("verdicts/*-*.html")}
    assert len(tables) == 20 and len(figures) == 13 and len(pages) == 4  # 2 models x 2 pages
    assert items == tables | figures | pages | {"results/report/open_questions.html"}
    assert set(categories) == {
        "Data", "Jain & Wallace", "Serrano & Smith", "Wiegreffe & Pinter", "Beyond the papers",
        "Verdicts", "Open questions",
    }  # fmt: skip


def test_nothing_reruns_and_a_training_edit_reruns_only_downstream(tiny_run):
    assert planned_jobs(tiny_run) == {}
    edited = {**TINY, "training": {**TINY["training"], "epochs": 3}}
    write_config(tiny_run, edited)
    try:
        assert planned_jobs(tiny_run) == {
            "all": 1, "train": 8, "learned_vs_uniform": 1, "analyse": 4, "analyse_uniform": 4,
            "report_jain_wallace": 1, "report_serrano_smith": 1, "report_faithfulness": 1,
            "report_vashishth": 1, "verdicts": 1, "wp_seed_variance": 2,
            "wp_seed_variance_report": 1, "wp_guided": 1, "wp_guided_report": 1,
            "wp_adversary": 4, "wp_adversarial_report": 1, "open_questions": 1,
        }  # fmt: skip
    finally:
        write_config(tiny_run, TINY)
    assert planned_jobs(tiny_run) == {}


def test_an_analysis_edit_reruns_the_analysis_jobs_and_tables_never_training(tiny_run):
    """One job per model runs its analyses: editing one reruns the jobs of the models it
    runs on (learned attention here) and the tables that read them (the seed-variance
    report reads Jain & Wallace's adversaries), never training."""
    jw = TINY["jain_wallace"]
    edited = {**TINY, "jain_wallace": {**jw, "permutation": {**jw["permutation"], "seed": 3}}}
    write_config(tiny_run, edited)
    try:
        assert planned_jobs(tiny_run) == {
            "all": 1, "analyse": 4, "report_jain_wallace": 1, "report_serrano_smith": 1,
            "report_faithfulness": 1, "report_vashishth": 1, "wp_seed_variance_report": 1,
            "verdicts": 1, "open_questions": 1,  # the encoder comparison reads the analyses
        }  # fmt: skip
    finally:
        write_config(tiny_run, TINY)


def test_wiegreffe_pinter_tables_and_the_uniform_variant(tiny_run):
    report = tiny_run / "results/report/wiegreffe_pinter"
    guided = pd.read_csv(report / "guided_mlp.csv")
    assert list(guided["variant"]) == ["uniform", "own", "base", "adversary"]
    assert (guided["n"] == 2).all()
    assert list(pd.read_csv(report / "adversarial.csv")["lambda"]) == [0.0, 1.0]
    results = tiny_run / "results/synthetic"
    # the uniform variant is the average-uniform run itself (not trained again)
    uniform = [json.loads((results / f"average-uniform/seed{s}/metrics.json").read_text())
               for s in (1, 2)]  # fmt: skip
    row = guided.set_index("variant").loc["uniform"]
    assert row["mean"] == pytest.approx(np.mean([m["test_f1"] for m in uniform]))
    assert not (results / "wiegreffe_pinter/guided/uniform").exists()
    for seed in (1, 2):
        own = json.loads(
            (results / f"wiegreffe_pinter/guided/own/seed{seed}/metrics.json").read_text()
        )
        assert own["attention"] == "fixed" and own["guide"] == "average-additive"


def test_a_new_lambda_or_seed_runs_only_its_own_jobs(tiny_run):
    aggregates = [
        "learned_vs_uniform", "report_jain_wallace", "report_serrano_smith",
        "report_faithfulness", "report_vashishth", "verdicts", "wp_seed_variance_report",
        "wp_guided_report", "wp_adversarial_report", "open_questions",
    ]  # fmt: skip
    adversarial = TINY["wiegreffe_pinter"]["adversarial"]
    lambdas = {"wiegreffe_pinter": {"adversarial": {**adversarial, "lambdas": [0.0, 0.5, 1.0]}}}
    for edit, key, value, expected in [
        (lambdas, "lam", "0.5",
         {"all": 1, "wp_adversary": 2, "wp_adversarial_report": 1, "verdicts": 1}),
        ({"seeds": [1, 2, 3]}, "seed", "3",
         {"all": 1, **dict.fromkeys(aggregates, 1), "train": 4, "analyse": 2,
          "analyse_uniform": 2, "wp_guided": 1, "wp_adversary": 2,
          "wp_seed_variance": 2}),  # seed variance: one job per model over all seeds
    ]:  # fmt: skip
        write_config(tiny_run, {**TINY, **edit})
        try:
            jobs = dry_run(tiny_run)
        finally:
            write_config(tiny_run, TINY)
        assert Counter(job.rule for job in jobs) == expected
        assert {job.wildcards[key] for job in jobs if key in job.wildcards} == {value}
    assert planned_jobs(tiny_run) == {}


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ({"trainig": {"epochs": 2}}, "trainig"),
        ({"training": {"epochs": "three"}}, "training.epochs"),
        ({"training": {"lr": "1e-3"}}, "training.lr"),
        ({"encoders": ["lstn"]}, "encoders': unknown name(s) ['lstn']"),
        ({"datasets": {"toy": {"type": "nope"}}}, "datasets.toy.type"),
    ],
)
def test_bad_config_is_one_clear_error_naming_the_key(tmp_path, override, key):
    write_config(tmp_path, {**TINY, **override})
    proc = snakemake(tmp_path, "-n", check=False)
    assert proc.returncode != 0
    output = proc.stdout + proc.stderr
    assert f"invalid config: config key '{key}" in output, output[-2000:]
    assert "Failed validating" not in output  # no schema dump
    assert not (tmp_path / "results").exists()


@pytest.mark.mirror
def test_sst_through_the_mirror(tmp_path):
    mirror = mirror_file("trainDevTestTrees_PTB.zip").parent
    config = {
        "mirror": str(mirror),
        "datasets": {"sst": {"type": "sst"}},
        "encoders": ["average"],
        "attentions": ["additive"],
        "seeds": [1],
        "training": {"epochs": 2, "embedding_dim": 64},
    }
    write_config(tmp_path, config)
    snakemake(tmp_path)
    summary = json.loads((tmp_path / "results/sst/data/summary.json").read_text())
    assert [summary["splits"][s]["n"] for s in ("train", "dev", "test")] == [6920, 872, 1821]
    metrics = json.loads((tmp_path / "results/sst/average-additive/seed1/metrics.json").read_text())
    assert metrics["test_accuracy"] > 0.65
    log = (tmp_path / "results/logs/download/sst/trainDevTestTrees_PTB.zip.log").read_text()
    assert "sha256 verified" in log and mirror.resolve().as_uri() in log


@pytest.mark.mirror
def test_corrupt_archive_in_mirror_is_a_clear_error_and_leaves_nothing(tmp_path):
    original = mirror_file("trainDevTestTrees_PTB.zip")
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / original.name).write_bytes(original.read_bytes()[:100_000])  # truncated copy
    workdir = tmp_path / "work"
    workdir.mkdir()
    config = {**TINY, "mirror": str(mirror), "datasets": {"sst": {"type": "sst"}}}
    write_config(workdir, config)
    proc = snakemake(workdir, "--until", "preprocess", check=False)
    assert proc.returncode != 0
    assert "dataset 'sst': checksum mismatch for trainDevTestTrees_PTB.zip" in proc.stderr
    assert "expected sha256 5c613a4f" in proc.stderr
    assert not (workdir / "resources/sst").exists() or not any(
        (workdir / "resources/sst").iterdir()
    )
    shutil.rmtree(mirror)


def test_hierarchical_and_multiclass_models_run_the_erasure_analyses(tmp_path):
    """A 3-class task split into sentences: HAN (items = sentences) next to a flat model."""
    config = {
        "datasets": {"synthetic": {"type": "synthetic", "n_classes": 3, "n_train": 300,
                                   "n_dev": 60, "n_test": 60, "vocab_size": 120,
                                   "max_length": 24, "sentence_length": 6, "sentences": True}},
        "encoders": ["hangru", "lstm"],
        "attentions": ["additive"],
        "seeds": [1],
        "training": {"epochs": 2, "embedding_dim": 16},
        "jain_wallace": {k: {"max_instances": 20} for k in ("importance", "permutation")}
        | {"adversary": {"max_instances": 20, "steps": 20}},
        "serrano_smith": {"single_weight": {"max_instances": 30},
                          "multi_weight": {"max_instances": 30, "n_random": 2, "ig_steps": 10}},
    }  # fmt: skip
    write_config(tmp_path, config)
    snakemake(tmp_path)
    run = tmp_path / "results/synthetic/hangru-additive/seed1"
    preds = pd.read_parquet(run / "predictions.parquet")
    assert {len(p) for p in preds["probs"]} == {3}
    assert (preds["length"] == [len(a) for a in preds["attention"]]).all()
    assert preds["length"].max() == 4  # up to 24 tokens in sentences of 6
    multi = pd.read_parquet(run / "serrano_smith/multi_weight.parquet")
    assert set(multi["ranking"]) == {
        "attention", "attention_gradient", "grad_x_attention", "random"
    }  # fmt: skip
    assert (multi["length"] > 1).all()
    assert not (run / "jain_wallace").exists()  # token-level importance: flat models only
    flat = pd.read_parquet(
        tmp_path / "results/synthetic/lstm-additive/seed1/serrano_smith/multi_weight.parquet"
    )
    assert "integrated_gradients" in set(flat["ranking"])
