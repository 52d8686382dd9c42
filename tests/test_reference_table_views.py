"""Report tables and their markdown views on hand-made inputs: every cell written out by
hand (the numbers a reader sees in report.html and results/report/*.md)."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from attnaudit.report import tables

NAN = np.nan


def test_to_markdown_cells_by_hand():
    frame = pd.DataFrame({"a": ["x", "y"], "b": [0.12345, NAN], "c": [3, 4]})
    assert tables.to_markdown(frame) == (
        "| a | b | c |\n|---|---|---|\n| x | 0.123 | 3 |\n| y |  | 4 |\n"
    )
    assert "| x | 0.1 | 3 |" in tables.to_markdown(frame, floatfmt=".1f")


def paired_metrics(rows) -> pd.DataFrame:
    """rows: (dataset, encoder, [(seed, learned, uniform)])."""
    out = []
    for dataset, encoder, runs in rows:
        for seed, learned, uniform in runs:
            out += [(dataset, encoder, "additive", seed, learned),
                    (dataset, encoder, "uniform", seed, uniform)]  # fmt: skip
    return pd.DataFrame(out, columns=["dataset", "encoder", "attention", "seed", "test_f1"])


def test_the_paired_test_pairs_within_one_dataset_and_encoder():
    """Two datasets and two encoders with the same seeds: each row's paired t-test is
    scipy's on its own runs only; no difference at all gives p = 1, a constant non-zero one
    p = 0 (t is infinite)."""
    metrics = paired_metrics([
        ("d", "lstm", [(1, 0.90, 0.85), (2, 0.88, 0.86), (3, 0.91, 0.84)]),
        ("d", "cnn", [(1, 0.70, 0.75), (2, 0.60, 0.66), (3, 0.72, 0.70)]),
        ("e", "lstm", [(1, 0.5, 0.5), (2, 0.6, 0.6), (3, 0.7, 0.7)]),
        ("e", "cnn", [(1, 0.5, 0.4), (2, 0.6, 0.5), (3, 0.7, 0.6)]),
        ("f", "lstm", [(1, 0.9, 0.8), (2, 0.7, 0.65)]),  # two pairs are enough for a test
    ])  # fmt: skip
    table = tables.learned_vs_uniform(metrics).set_index(["dataset", "encoder"])
    runs = {("d", "lstm"): ([0.90, 0.88, 0.91], [0.85, 0.86, 0.84]),
            ("d", "cnn"): ([0.70, 0.60, 0.72], [0.75, 0.66, 0.70])}  # fmt: skip
    for key, (learned, uniform) in runs.items():
        expected = stats.ttest_rel(learned, uniform)
        assert table.loc[key, "p_paired"] == pytest.approx(expected.pvalue)
        low, high = expected.confidence_interval()
        assert table.loc[key, "delta_ci95"] == pytest.approx((high - low) / 2)
    assert table.loc[("e", "lstm"), "p_paired"] == 1.0
    assert table.loc[("e", "lstm"), "delta_ci95"] == 0.0
    assert table.loc[("e", "cnn"), "p_paired"] == 0.0
    two = stats.ttest_rel([0.9, 0.7], [0.8, 0.65])
    assert table.loc[("f", "lstm"), "p_paired"] == pytest.approx(two.pvalue)
    assert table.loc[("f", "lstm"), "n_paired"] == 2


def test_learned_vs_uniform_markdown_by_hand():
    table = pd.DataFrame({"dataset": ["d", "d"], "encoder": ["lstm", "cnn"],
                          "attention": ["additive", "additive"], "mean": [0.8, NAN],
                          "std": [0.1, NAN], "n": [3, 0], "mean_uniform": [0.75, 0.5],
                          "std_uniform": [NAN, 0.02], "n_uniform": [1, 2],
                          "delta": [0.05, NAN], "delta_ci95": [NAN, NAN],
                          "p_paired": [NAN, NAN]})  # fmt: skip
    lines = tables.learned_vs_uniform_markdown(table).splitlines()
    assert lines[2] == "| d | lstm | additive | 0.800 ± 0.100 (3) | 0.750 (1) | 0.050 |  |  |"
    assert lines[3] == "| d | cnn | additive | n/a | 0.500 ± 0.020 (2) |  |  |  |"


def summary(name, splits, **extra) -> dict:
    return {"dataset": name, "n_classes": 2, "vocab_size": 10, "splits": splits, **extra}


def split(n, counts, mean_length, max_length, **extra) -> dict:
    return {"n": n, "class_counts": counts, "mean_length": mean_length,
            "max_length": max_length, **extra}  # fmt: skip


def test_dataset_statistics_and_their_markdown_by_hand():
    """'b' has no dev split (0, not 1); rows come sorted by name with a fresh index; the
    largest class over all splits: 5 + 3 of 8 + 8 = 50 %, 'b': 10 of 16 = 62.5 %."""
    a = summary("b", {"train": split(12, [9, 3], 10.0, 20, median_length=9, p90_length=15),
                      "test": split(4, [1, 3], 7.0, 30)}, resplit_from_test=True)  # fmt: skip
    b = summary("a", {"train": split(8, [5, 3], 5.0, 9), "dev": split(4, [2, 2], 7.0, 8),
                      "test": split(4, [1, 3], 4.0, 6)})  # fmt: skip
    table = tables.dataset_statistics([a, b])
    assert table.index.equals(pd.RangeIndex(2)) and table["dataset"].tolist() == ["a", "b"]
    row = table.iloc[1]
    assert (row["n_train"], row["n_dev"], row["n_test"], row["n_total"]) == (12, 0, 4, 16)
    assert row["majority_share"] == pytest.approx(10 / 16)
    assert row["mean_length"] == pytest.approx((12 * 10.0 + 4 * 7.0) / 16)  # 9.25
    assert row["max_length"] == 30 and row["train_classes"] == "9 / 3"
    assert table.iloc[0]["majority_share"] == pytest.approx(0.5)
    lines = tables.dataset_statistics_markdown(table).splitlines()
    assert lines[2] == "| a | 2 | 10 | 8 | 4 | 4 | 5 / 3 | 1 / 3 | 50.0 % | 5 | n/a | 9 |  |"
    assert lines[3] == ("| b | 2 | 10 | 12 | 0 | 4 | 9 / 3 | 1 / 3 | 62.5 % | 9 | 9 / 15 | 30 "
                        "| test-only re-split: not comparable |")  # fmt: skip


def test_tau_markdown_by_hand():
    table = pd.DataFrame({"dataset": "d", "model": "m",
                          "pair": ["attn_loo", "attn_grad", "attn_grad"], "pred": [0, 1, 0],
                          "tau_mean": [0.123, -0.5, 0.25],
                          "tau_std": [0.2, 0.1, 0.05], "sig_frac": [1.0, 0.25, 0.5]})  # fmt: skip
    assert tables.tau_markdown(table).splitlines() == [
        "| dataset | model | attention vs gradient, class 0 | attention vs gradient, class 1 "
        "| attention vs LOO, class 0 |",
        "|---|---|---|---|---|",
        "| d | m | 0.25 ± 0.05 (0.50) | -0.50 ± 0.10 (0.25) | 0.12 ± 0.20 (1.00) |",
    ]


def test_attention_bins_without_instances_get_no_row():
    """Only the bins that hold instances appear (two of five here)."""
    table = pd.DataFrame({"dataset": "d", "model": "m", "pred": 0, "seed": [1, 1, 2],
                          "max_attention": [0.05, 1.0, 0.07], "x": [1.0, 2.0, 3.0]})  # fmt: skip
    out = tables.by_attention_bin(table, "x")
    assert out["bin"].astype(str).tolist() == ["[0, 0.1)", "[0.75, 1]"]
    assert out["mean"].tolist() == [2.0, 2.0] and out["n"].tolist() == [2, 1]


def single_rows(seed, flips) -> list[tuple]:
    return [("d", "m", "attention", seed, top, rand) for top, rand in flips]


def test_flip_table_percent_is_not_rounded():
    """Seed 1: 1 of 3 instances in each of three cells -> 33.33 %, not 33."""
    rows = single_rows(1, [(True, True), (True, False), (False, False)])
    single = pd.DataFrame(rows, columns=["dataset", "model", "ranking", "seed", "flip_top",
                                         "flip_random"])  # fmt: skip
    row = tables.flip_table(single).iloc[0]
    assert row["top flips, random flips"] == pytest.approx(100 / 3)
    assert row["top keeps, random flips"] == 0.0


def test_flip_fractions_count_ties_as_neither_fewer_nor_more_and_name_the_model():
    """Two instances both rankings flip: gradient needs 2 vs attention 2 (a tie) and 1 vs 3
    (fewer): fewer 1/2, more 0."""
    multi = pd.DataFrame({
        "dataset": "d", "model": "lstm-additive", "seed": 1, "id": ["a", "b", "a", "b"],
        "ranking": ["attention", "attention", "gradient", "gradient"],
        "flipped": True, "n_erased": [2, 3, 2, 1], "fraction": [0.5, 0.75, 0.5, 0.25],
    })  # fmt: skip
    out = tables.flip_fractions(multi).set_index("ranking")
    assert out.loc["gradient", "fewer_than_attention"] == 0.5
    assert out.loc["gradient", "more_than_attention"] == 0.0
    assert (out["model"] == "lstm-additive").all() and (out["dataset"] == "d").all()


def seeds_table() -> pd.DataFrame:
    return pd.DataFrame({"dataset": "d", "model": "m", "seed": 1, "id": ["a", "b"],
                         "other_seeds": [np.array([2, 3])] * 2,
                         "jsd": [np.array([0.1, 0.3]), np.array([0.2, 0.2])],
                         "tvd": [np.array([0.01, 0.03]), np.array([0.0, 0.04])]})  # fmt: skip


def test_adversarial_table_and_markdown_with_the_seed_reference():
    adversary = pd.DataFrame({"dataset": ["e", "d", "d"], "lambda": [1.0, 0.5, 0.5],
                              "base_model": "m", "seed": [1, 1, 2], "test_f1": [0.7, 0.8, 0.9],
                              "mean_tvd": [0.01, 0.02, 0.04],
                              "mean_jsd": [0.3, 0.4, 0.6]})  # fmt: skip
    base = pd.DataFrame({"dataset": ["d", "d", "d", "e"], "model": "m", "seed": [1, 2, 3, 1],
                         "test_f1": [0.85, 0.95, 0.1, 0.0]})  # fmt: skip
    table = tables.adversarial(adversary, base)
    assert table.index.equals(pd.RangeIndex(2)) and table["dataset"].tolist() == ["d", "e"]
    row = table.iloc[0]
    # the base model's F1 on d over the adversary's seeds 1 and 2 (not seed 3, not e's)
    assert row["f1"] == pytest.approx(0.85) and row["base_f1"] == pytest.approx(0.9)
    assert row["jsd_std"] == pytest.approx(np.std([0.4, 0.6], ddof=1)) and row["n_seeds"] == 2
    lines = tables.adversarial_markdown(table.iloc[:1], seeds_table()).splitlines()
    assert lines[2] == ("| d | adversary, λ = 0.5 | 0.850 ± 0.071 | 0.900 ± 0.071 "
                        "| 0.0300 ± 0.0141 | 0.5000 ± 0.1414 | 2 |")  # fmt: skip
    # other seeds: mean JSD over instances and other seeds 0.2, TVD 0.02; 3 seeds in all
    assert lines[3] == "| d | other seeds of m |  |  | 0.0200 | 0.2000 | 3 |"


def test_deception_markdown_by_hand():
    table = pd.DataFrame({"dataset": "d", "model": "m", "weight": [0.0, 1.0],
                          "accuracy": [0.9, 0.85], "accuracy_std": [0.01, 0.02],
                          "accuracy_ci95": [0.05, NAN], "planted_mass": [0.6, NAN],
                          "planted_mass_ci95": [0.1, NAN], "distractor_mass": [0.1, 0.3],
                          "distractor_mass_ci95": [0.04, NAN], "precision_attention": [0.8, 0.1],
                          "precision_attention_std": [0.0, 0.0],
                          "precision_attention_ci95": [0.02, 0.03], "n_seeds": [3, 1]})  # fmt: skip
    assert tables.deception_markdown(table).splitlines() == [
        "| dataset | model | λ | test accuracy | attention mass on planted tokens "
        "| attention mass on distractors | precision@k attention | seeds |",
        "|---|---|---|---|---|---|---|---|",
        "| d | m | 0 | 0.900 ± 0.050 | 0.600 ± 0.100 | 0.100 ± 0.040 | 0.800 ± 0.020 | 3 |",
        "| d | m | 1 | 0.850 | n/a | 0.300 | 0.100 ± 0.030 | 1 |",
    ]


def test_median_fraction_all_counts_a_never_flipped_instance_as_all_items():
    """Fraction 0.2 and two never flipped (1 each): median over all 1.0; over the flipped
    ones 0.2; never flipped 2 of 3."""
    multi = pd.DataFrame({"dataset": "d", "model": "m", "seed": 1, "id": ["a", "b", "c"],
                          "ranking": "attention", "flipped": [True, False, False],
                          "n_erased": [2, 0, 0], "fraction": [0.2, NAN, NAN]})  # fmt: skip
    row = tables.flip_fractions(multi).iloc[0]
    assert row["median_fraction_all"] == 1.0 and row["median_fraction"] == pytest.approx(0.2)
    assert row["never_flipped"] == pytest.approx(2 / 3)


def test_guided_findings_read_equal_means_as_at_least_as_much():
    table = pd.DataFrame({"dataset": "d", "variant": ["own", "base", "adversary"],
                          "mean": [0.8, 0.8, 0.7], "ci95": [0.01, 0.02, 0.03]})  # fmt: skip
    assert tables.guided_mlp_findings(table) == (
        "- d: the base model's attention helps the MLP at least as much as its own "
        "(F1 0.800 ± 0.020 vs 0.800 ± 0.010, 95 % intervals); the adversary's helps it less "
        "than the base model's (F1 0.700 ± 0.030 vs 0.800 ± 0.020, 95 % intervals).\n"
    )
