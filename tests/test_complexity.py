"""The open questions' complexity sweeps: the training share, the trend rule on hand-made
tables, the plan, the config checks, and the sweep (with the class effects and the transfer
matrix) through the workflow."""

from __future__ import annotations

import functools
import json
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from attnaudit import io
from attnaudit.config import ConfigError
from attnaudit.data.subsample import cap_splits, share_size, train_share
from attnaudit.data.tokens import UNK_ID
from attnaudit.plan import Plan
from attnaudit.report import complexity
from attnaudit.stages.data import preprocess
from tests.workflow_runner import (
    dry_run,
    open_questions_config,
    planned_jobs,
    snakemake,
    write_config,
)


# -- the training share ---------------------------------------------------------------------
def token_table() -> pd.DataFrame:
    """40 training instances (30 of class 0, 10 of class 1), each with its own word
    (id 100 + i) and the shared word 7; dev and test hold word 7 and a training word."""
    rows = [{"split": "train", "label": int(i >= 30), "token_ids": np.array([7, 100 + i])}
            for i in range(40)]  # fmt: skip
    rows += [{"split": s, "label": 0, "token_ids": np.array([7, 100 + i, 3])}
             for s in ("dev", "test") for i in range(40)]  # fmt: skip
    return pd.DataFrame(rows).assign(id=lambda t: [f"i{k}" for k in range(len(t))])


def kept_words(table: pd.DataFrame) -> set[int]:
    return {int(ids[1]) for ids in table.loc[table["split"] == "train", "token_ids"]}


def test_a_share_is_stratified_and_keeps_dev_and_test_whole():
    table = token_table()
    half = train_share(table, 0.5, seed=1)
    train = half[half["split"] == "train"]
    assert Counter(train["label"]) == {0: 15, 1: 5}  # half of each class
    assert (half["split"] != "train").sum() == 80
    assert share_size(0.25, 10) == 3 and share_size(0.01, 10) == 1  # half up, at least one


def test_shares_are_nested_per_seed_and_differ_between_seeds():
    table = token_table()
    quarter, half = (kept_words(train_share(table, f, seed=4)) for f in (0.25, 0.5))
    assert quarter < half
    assert kept_words(train_share(table, 0.5, seed=4)) == half  # the same seed, the same share
    assert kept_words(train_share(table, 0.5, seed=5)) != half
    assert kept_words(train_share(table, 1.0, seed=4)) == set(range(100, 140))


def test_words_only_the_dropped_instances_hold_read_as_unknown():
    table = token_table()
    half = train_share(table, 0.5, seed=2)
    kept = kept_words(half)
    for ids in half.loc[half["split"] != "train", "token_ids"]:
        assert ids[0] == 7 and ids[2] == 3  # a kept word and a special token stay
    dev_words = [int(ids[1]) for ids in table.loc[table["split"] == "dev", "token_ids"]]
    dev_after = [int(ids[1]) for ids in half.loc[half["split"] == "dev", "token_ids"]]
    assert dev_after == [w if w in kept else UNK_ID for w in dev_words]


@pytest.mark.parametrize("fraction", [0.0, 1.5])
def test_a_share_outside_0_1_is_refused(fraction):
    with pytest.raises(ValueError, match="not in"):
        train_share(token_table(), fraction, seed=0)


def test_a_capped_split_is_a_stratified_subset_and_the_others_stay_whole():
    docs = pd.DataFrame({"id": [f"d{i}" for i in range(140)],
                         "split": ["train"] * 80 + ["dev"] * 20 + ["test"] * 40,
                         "label": [0] * 60 + [1] * 20 + [0, 1] * 10 + [0] * 30 + [1] * 10,
                         "text": "x"})  # fmt: skip
    capped = cap_splits(docs, {"train": 20, "dev": None, "test": 100})
    train = capped[capped["split"] == "train"]
    assert Counter(train["label"]) == {0: 15, 1: 5}  # a quarter of each class
    assert (capped["split"] == "dev").sum() == 20 and (capped["split"] == "test").sum() == 40
    assert capped["id"].tolist() == sorted(capped["id"], key=lambda i: int(i[1:]))  # in order
    assert set(train["id"]) < set(cap_splits(docs, {"train": 40})["id"])  # nested in a larger cap
    assert cap_splits(docs, {"train": 200}) is docs


def test_preprocessing_builds_the_vocabulary_on_the_capped_training_split(tmp_path):
    """Each training text has its own word: the capped vocabulary holds the kept texts'
    words only, and the summary gives each split's size before the cap."""
    path = tmp_path / "mine.csv"
    words = [f"w{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(60)]  # no digits: qqq
    rows = [f"{w} common,{i % 2}" for i, w in enumerate(words)]
    path.write_text("text,label\n" + "\n".join(rows) + "\n")
    options = {"type": "table", "path": str(path), "labels": [0, 1], "min_count": 1,
               "dev_fraction": 0.2, "test_fraction": 0.2, "max_train": 12}  # fmt: skip
    out = {k: str(tmp_path / f"out.{k}") for k in ("tokens", "vocab", "summary")}
    out["tokens"] += ".parquet"
    preprocess("mine", options, [str(path)], **out)
    summary = io.read_json(out["summary"])
    table = pd.read_parquet(out["tokens"])
    train_words = {t[0] for t in table.loc[table["split"] == "train", "tokens"]}
    assert summary["splits"]["train"]["n"] == 12 == len(train_words)
    assert summary["splits"]["train"]["n_before_cap"] == 36
    assert summary["splits"]["test"]["n"] == summary["splits"]["test"]["n_before_cap"] == 12
    vocab = set(io.read_json(out["vocab"]))
    assert set(words) & vocab == train_words and "common" in vocab


# -- the trend rule ---------------------------------------------------------------------------
def test_rho_is_scipys_and_the_interval_covers_as_stated():
    """The interval's coverage, by simulation: normal pairs of correlation r have the
    population Spearman rho (6 / pi) arcsin(r / 2) (Pearson's theorem); the 95 % interval
    holds it in about 95 % of samples of 16 pairs (Bonett & Wright's claim)."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=16), rng.normal(size=16)
    assert complexity.spearman_interval(x, y)[0] == pytest.approx(stats.spearmanr(x, y)[0])
    for r in (0.0, 0.6):
        truth = 6 / np.pi * np.arcsin(r / 2)
        held = 0
        for _ in range(2000):
            a = rng.normal(size=16)
            b = r * a + np.sqrt(1 - r**2) * rng.normal(size=16)
            _, lower, upper = complexity.spearman_interval(a, b)
            held += lower <= truth <= upper
        assert 0.93 <= held / 2000 <= 0.975, (r, held)


def test_the_interval_needs_four_pairs_and_a_varying_measure():
    rho, lower, upper = complexity.spearman_interval([1, 2, 3], [1, 2, 3])
    assert rho == pytest.approx(1.0) and np.isnan(lower) and np.isnan(upper)
    assert np.isnan(complexity.spearman_interval([1, 2, 3, 4], [5, 5, 5, 5])[0])


def sweep_table(effect: dict[str, float], noise: float = 0.01) -> pd.DataFrame:
    """`sweep_runs`'s shape by hand: 4 hidden sizes x 5 seeds on one dataset, each measure
    `effect[measure]` times the size's rank plus seeded noise."""
    rng = np.random.default_rng(3)
    rows = [{"dataset": "d", "axis": "hidden_size", "value": h, "seed": s,
             **{m: effect[m] * k + noise * rng.normal() for m in complexity.MEASURES}}
            for k, h in enumerate([16, 32, 64, 128]) for s in range(5)]  # fmt: skip
    return pd.DataFrame(rows)


def test_the_rule_reads_a_rise_a_fall_and_no_trend():
    table = complexity.trends(
        sweep_table({"test_accuracy": 0.1, "permutation_tvd": -0.1, "adversary_jsd": 0.0})
    )
    trend = table.set_index("measure")["trend"]
    assert trend.to_dict() == {"test_accuracy": "rises", "permutation_tvd": "falls",
                               "adversary_jsd": "undecided"}  # fmt: skip
    assert (table["n_models"] == 20).all() and (table["n_values"] == 4).all()
    row = table.set_index("measure").loc["adversary_jsd"]
    assert row["lower"] < 0 < row["upper"]
    found = complexity.complexity_finding(table)
    assert len(found) == 1 and found[0].startswith("d, hidden size: test accuracy: rises with it")
    assert "no trend the sweep can decide" in found[0] and "20 models" in found[0]


def test_a_strong_but_noisy_trend_over_few_models_is_undecided():
    """Three seeds of two values: rho may be high, but 6 models cannot rule out 0."""
    runs = sweep_table({"test_accuracy": 0.1, "permutation_tvd": 0.0, "adversary_jsd": 0.0},
                       noise=0.2)  # fmt: skip
    runs = runs[runs["value"].isin([16, 32]) & (runs["seed"] < 3)]
    row = complexity.trends(runs).set_index("measure").loc["test_accuracy"]
    assert row["n_models"] == 6 and row["rho"] > 0.3
    assert row["trend"] == "undecided" and row["lower"] < 0


def test_sweep_runs_puts_the_configured_size_on_both_axes():
    """Four models: hidden 16 and 128 on the whole split, 128 on half of it; the
    per-model measures are the encoder section's (median of the median changes, mean max
    JSD)."""
    models = [(16, 1.0), (128, 1.0), (128, 0.5)]
    label = {"dataset": "d", "model": "lstm-additive", "seed": 1}
    sizes = [{"hidden_size": h, "train_fraction": f} for h, f in models]
    metrics = pd.DataFrame([{**label, **size, "test_accuracy": 0.5 + i / 10}
                            for i, size in enumerate(sizes)])  # fmt: skip
    permutation = pd.DataFrame([{**label, **size, "median_change": c}
                                for size in sizes for c in (0.1, 0.3, 0.2)])  # fmt: skip
    adversary = pd.DataFrame([{**label, **size, "max_jsd": j}
                              for size in sizes for j in (0.2, 0.4)])  # fmt: skip
    runs = complexity.sweep_runs(metrics, permutation, adversary, hidden=128)
    assert list(zip(runs["axis"], runs["value"], strict=True)) == [
        ("hidden_size", 16), ("hidden_size", 128),
        ("train_fraction", 0.5), ("train_fraction", 1.0)]  # fmt: skip
    assert runs["test_accuracy"].tolist() == pytest.approx([0.5, 0.6, 0.7, 0.6])
    assert runs["permutation_tvd"].tolist() == pytest.approx([0.2] * 4)
    assert runs["adversary_jsd"].tolist() == pytest.approx([0.3] * 4)
    values = complexity.per_value(runs)
    one = values[(values["axis"] == "train_fraction") & (values["value"] == 0.5)]
    assert one.set_index("measure").loc["test_accuracy", "mean"] == pytest.approx(0.7)


# -- plan and config --------------------------------------------------------------------------
default_config = functools.partial(open_questions_config, "complexity")


def test_the_plan_reuses_the_models_own_run_and_resizes_the_others():
    plan = Plan(default_config(datasets=["synthetic"], hidden_sizes=[16, 128],
                               train_fractions=[0.5, 1.0]))  # fmt: skip
    assert plan.complexity_points() == [("16", "1"), ("128", "1"), ("128", "0.5")]
    files = plan.complexity_files("model.pt")
    sweep = "results/synthetic/open_questions/complexity"
    assert files[:2] == [f"{sweep}/hidden16-fraction1/seed1/model.pt",
                         f"{sweep}/hidden16-fraction1/seed2/model.pt"]  # fmt: skip
    assert files[2:4] == [
        "results/synthetic/lstm-additive/seed1/model.pt",
        "results/synthetic/lstm-additive/seed2/model.pt",
    ]  # the own run
    assert plan.complexity_training("16")["encoder_options"] == {"lstm": {"hidden_size": 16}}
    settings = plan.complexity_analysis_settings()["jain_wallace"]
    assert set(settings) == {"permutation", "adversary"}
    assert {s["max_instances"] for s in settings.values()} == {500}
    assert plan.complexity_params()["models"][4] == ["synthetic", 128, 0.5, 1]
    assert "results/report/figures/open_questions_complexity.png" in plan.targets()


def test_without_the_model_in_the_config_every_point_is_trained():
    config = default_config(datasets=["synthetic"], hidden_sizes=[128], train_fractions=[])
    config["encoders"] = ["average"]
    plan = Plan(config)
    assert not plan.complexity_reuses("128", "1")
    assert plan.complexity_files("model.pt")[0].startswith(
        "results/synthetic/open_questions/complexity/hidden128-fraction1/"
    )


def test_no_datasets_no_sweep():
    plan = Plan(default_config())
    assert plan.complexity_points() == [] and plan.complexity_params() is None
    assert "results/report/figures/open_questions_complexity.png" not in plan.targets()


@pytest.mark.parametrize(
    ("sweep", "message"),
    [
        ({"datasets": ["sst"]}, "open_questions.complexity.datasets': unknown name(s) ['sst']"),
        ({"datasets": ["synthetic"], "model": "lstm-uniform"}, "has uniform attention"),
        ({"datasets": ["synthetic"], "model": "cnn-additive"}, "unknown name(s) ['cnn']"),
        ({"datasets": ["synthetic"], "train_fractions": [0.5, 0.5000001]}, "the same path twice"),
        ({"datasets": ["synthetic"], "train_fractions": [0.0]}, "train_fractions"),
        ({"datasets": ["synthetic"], "hiden_sizes": [8]}, "hiden_sizes"),
    ],
)
def test_a_bad_sweep_is_refused_naming_the_key(sweep, message):
    with pytest.raises(ConfigError, match="open_questions.complexity") as err:
        default_config(**sweep)
    assert message in str(err.value)


# -- through the workflow -----------------------------------------------------------------------
SWEPT = {
    "datasets": {
        "synthetic": {"type": "synthetic", "n_train": 200, "n_dev": 60, "n_test": 60,
                      "vocab_size": 120, "max_length": 16},
    },
    "encoders": ["lstm"],
    "attentions": ["additive", "uniform"],
    "seeds": [1, 2],
    "training": {"epochs": 2, "embedding_dim": 16},
    "analyses": [],
    "wiegreffe_pinter": {"guided_mlp": {"variants": ["uniform"]},
                         "adversarial": {"lambdas": []}},
    "jain_wallace": {"permutation": {"n_permutations": 20}, "adversary": {"steps": 50}},
    "open_questions": {"complexity": {"datasets": ["synthetic"], "hidden_sizes": [8, 128],
                                      "train_fractions": [0.5, 1.0], "max_instances": 30},
                       "class_effects": {"datasets": ["synthetic"], "max_instances": 20,
                                         "n_permutations": 10},
                       "transfer": {"datasets": ["synthetic"]}},
}  # fmt: skip


@pytest.mark.slow
def test_the_sweep_and_the_class_effects_through_the_workflow(tmp_path):
    write_config(tmp_path, SWEPT)
    snakemake(tmp_path)
    sweep = tmp_path / "results/synthetic/open_questions/complexity"
    assert not (sweep / "hidden128-fraction1/seed1/model.pt").exists()  # the own run, reused
    half = json.loads((sweep / "hidden128-fraction0.5/seed1/metrics.json").read_text())
    own = tmp_path / "results/synthetic/lstm-additive/seed1/metrics.json"
    whole = json.loads(own.read_text())
    assert abs(half["n_train"] - 100) <= 1 and whole["n_train"] == 200  # per class, half up
    assert half["train_fraction"] == 0.5
    assert pd.read_parquet(sweep / "hidden8-fraction1/seed2/jain_wallace/adversary.parquet")[
        "id"].nunique() == 30  # fmt: skip
    report = tmp_path / "results/report"
    trends = pd.read_csv(report / "open_questions/complexity.csv")
    assert len(trends) == 6 and (trends["n_models"] == 4).all()
    assert set(trends["trend"]) <= {"rises", "falls", "undecided"}
    page = (report / "open_questions.html").read_text()
    assert "What makes adversarial attention easy?" in page
    assert complexity.complexity_finding(trends)[0] in page
    effects = pd.read_csv(report / "open_questions/class_effects.csv")
    assert set(effects["measure"]) == {"top_below_other", "counter_attention",
                                       "permutation_elsewhere"}  # fmt: skip
    assert (effects["n_seeds"] == 2).all() and "Beyond the decision" in page
    per_run = pd.read_parquet(
        tmp_path / "results/synthetic/lstm-additive/seed1/open_questions/class_effects.parquet"
    )
    assert per_run["id"].nunique() == 20 and set(per_run["cls"]) == {0, 1}
    moved = pd.read_csv(report / "open_questions/transfer.csv")  # lstm-additive into lstm
    assert len(moved) == 1 and moved["n_seeds"].iloc[0] == 2
    own_f1 = [json.loads(own.parent.with_name(f"seed{s}").joinpath("metrics.json").read_text())
              ["test_f1"] for s in (1, 2)]  # fmt: skip
    assert moved["own_f1"].iloc[0] == pytest.approx(np.mean(own_f1))
    assert "Is it sound to transfer attention between models?" in page
    # the cap reruns the sweep's analyses and the page, never training
    edited = json.loads(json.dumps(SWEPT))
    edited["open_questions"]["complexity"]["max_instances"] = 20
    write_config(tmp_path, edited)
    assert planned_jobs(tmp_path) == {"all": 1, "complexity_analyse": 6, "open_questions": 1}
    edited["open_questions"]["complexity"]["max_instances"] = 30
    edited["open_questions"]["class_effects"]["n_permutations"] = 5
    write_config(tmp_path, edited)
    assert planned_jobs(tmp_path) == {"all": 1, "class_effects": 2, "open_questions": 1}
    edited["open_questions"]["class_effects"]["n_permutations"] = 10
    # a new hidden size trains and analyses only its own models
    edited["open_questions"]["complexity"]["hidden_sizes"] = [8, 16, 128]
    write_config(tmp_path, edited)
    jobs = dry_run(tmp_path)
    assert Counter(j.rule for j in jobs) == {
        "all": 1, "complexity_train": 2, "complexity_analyse": 2, "open_questions": 1}  # fmt: skip
    assert {j.wildcards["hidden"] for j in jobs if "hidden" in j.wildcards} == {"16"}
