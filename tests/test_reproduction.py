"""The reproduction table: each statistic per seed from hand-made per-run tables, labelled
as its source names it, with the paper's own value and the within-tolerance rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from attnaudit.report import reproduction


def hand_tables(dataset: str = "mysst") -> dict[str, pd.DataFrame]:
    metrics = pd.DataFrame(
        [(dataset, m, s, acc, auc, f1)
         for m, s, acc, auc, f1 in [("lstm-additive", 1, 0.80, 0.90, 0.81),
                                    ("lstm-additive", 2, 0.82, 0.88, 0.79),
                                    ("lstm-uniform", 1, 0.78, 0.86, 0.78),
                                    ("lstm-uniform", 2, 0.80, 0.87, 0.80)]],
        columns=["dataset", "model", "seed", "test_accuracy", "test_roc_auc", "test_f1"],
    )  # fmt: skip
    importance = pd.DataFrame(
        {"dataset": dataset, "model": "lstm-additive", "seed": [1, 1, 1, 1, 2, 2, 2],
         "pred": [0, 0, 1, 1, 0, 1, 1],
         "tau_attn_grad": [0.1, 0.3, np.nan, 0.9, 0.5, 0.7, 0.2], "tau_attn_loo": 0.2,
         "tau_grad_loo": 0.6}
    )  # fmt: skip
    permutation = pd.DataFrame(
        {"dataset": dataset, "model": "lstm-additive", "seed": [1, 1, 1, 2, 2],
         "median_change": [0.01, 0.05, 0.2, 0.02, 0.04]}
    )  # fmt: skip
    adversary = pd.DataFrame(
        {"dataset": dataset, "model": "lstm-additive", "seed": [1, 2], "max_jsd": [0.5, 0.6]}
    )
    return {"metrics": metrics, "importance": importance, "permutation": permutation,
            "adversary": adversary}  # fmt: skip


def rows(table: pd.DataFrame, source: str, statistic: str, model: str = "lstm-additive"):
    pick = table[
        (table["source"] == source) & (table["statistic"] == statistic) & (table["model"] == model)
    ]
    assert len(pick) == 1, (source, statistic, model)
    return pick.iloc[0]


def test_values_per_seed_then_over_seeds():
    assert reproduction.table(hand_tables(), {"other": "sst"}).empty  # names must match
    table = reproduction.table(hand_tables(), {"mysst": "sst"})
    # Jain & Wallace's Table 1 reports test F1 (0.81), never accuracy
    f1 = rows(table, "Jain & Wallace 2019, Table 1", "test F1")
    assert f1["this_workflow"] == pytest.approx(0.80)
    assert f1["source_value"] == 0.81
    assert f1["difference"] == pytest.approx(-0.01)
    half = stats.t.ppf(0.975, 1) * np.std([0.81, 0.79], ddof=1) / np.sqrt(2)
    assert f1["this_workflow_ci95"] == pytest.approx(half)
    assert not (
        table["statistic"].str.contains("accuracy") & table["source"].str.contains("2019")
    ).any()
    # accuracy only against the original code's own accuracy
    acc = rows(table, reproduction.ORIGINAL, "test accuracy")
    assert (acc["this_workflow"], acc["source_value"]) == (pytest.approx(0.81), 0.821)
    # tau per predicted class: seed 1 class 0 mean(0.1, 0.3) = 0.2, seed 2 class 0 0.5 -> 0.35;
    # class 1: seed 1 0.9 (NaN left out), seed 2 mean(0.7, 0.2) = 0.45 -> 0.675
    jw2 = "Jain & Wallace 2019, Table 2"
    grad = "mean Kendall tau(attention, gradient), predicted class"
    class0, class1 = rows(table, jw2, f"{grad} 0"), rows(table, jw2, f"{grad} 1")
    assert (class0["this_workflow"], class0["source_value"]) == (pytest.approx(0.35), 0.40)
    assert (class1["this_workflow"], class1["source_value"]) == (pytest.approx(0.675), 0.38)
    assert (class0["tolerance"], class0["within_tolerance"]) == (0.1, "yes")
    assert class1["within_tolerance"] == "no"  # |0.675 - 0.38| > 0.1
    # pooled over all instances, against the original code: per seed 0.433.., 0.466..
    pooled = rows(table, reproduction.ORIGINAL, "mean Kendall tau(attention, gradient)")
    assert pooled["this_workflow"] == pytest.approx((1.3 / 3 + 1.4 / 3) / 2)
    # permutation: per seed the median over instances: 0.05 and 0.03 -> 0.04
    perm = rows(table, reproduction.ORIGINAL, "median output change under permutation (TVD)")
    assert perm["this_workflow"] == pytest.approx(0.04)
    adv = rows(table, reproduction.ORIGINAL, "mean adversarial max JSD")
    assert adv["this_workflow"] == pytest.approx(0.55)


def test_wiegreffe_pinter_table2_per_dataset_type():
    wp2 = "Wiegreffe & Pinter 2019, Table 2"
    for kind, (learned, uniform) in {"sst": (0.831, 0.822), "imdb": (0.902, 0.879),
                                     "agnews": (0.964, 0.960),
                                     "20news": (0.942, 0.934)}.items():  # fmt: skip
        table = reproduction.table(hand_tables(f"my{kind}"), {f"my{kind}": kind})
        assert set(table["dataset"]) == {f"my{kind}"}
        learned_row = rows(table, wp2, "test F1")
        uniform_row = rows(table, wp2, "test F1", model="lstm-uniform")
        assert (learned_row["source_value"], learned_row["this_workflow"]) == (
            learned,
            pytest.approx(0.80),
        )
        assert (uniform_row["source_value"], uniform_row["this_workflow"]) == (
            uniform,
            pytest.approx(0.79),
        )
        # learned minus uniform paired by seed: 0.03 and -0.01 -> 0.01; theirs from Table 2
        gap = rows(table, wp2, "test F1, learned minus uniform attention")
        assert gap["this_workflow"] == pytest.approx(0.01)
        assert gap["source_value"] == pytest.approx(learned - uniform)
        if kind != "sst":  # Jain & Wallace's SST-only rows stay out
            assert set(table["source"]) == {wp2}


def test_rows_only_where_the_runs_have_the_data():
    tables = hand_tables()
    tables["metrics"] = tables["metrics"][tables["metrics"]["model"] != "lstm-uniform"]
    tables["adversary"] = pd.DataFrame()  # the configuration makes no adversaries
    table = reproduction.table(tables, {"mysst": "sst"})
    assert "lstm-uniform" not in set(table["model"])
    assert "test F1, learned minus uniform attention" not in set(table["statistic"])
    assert "mean adversarial max JSD" not in set(table["statistic"])
    # no run of the no-encoder model: its Table 2 rows are left out
    assert "average-additive" not in set(table["model"])
    # an importance table without one class: only the other class's row
    tables["importance"] = tables["importance"][tables["importance"]["pred"] == 1]
    table = reproduction.table(tables, {"mysst": "sst"})
    stat = table["statistic"]
    assert stat.str.endswith("predicted class 1").sum() == 2  # gradient and leave-one-out
    assert not stat.str.endswith("predicted class 0").any()


def test_within_tolerance_at_its_boundary():
    assert reproduction.within(0.03, 0.03) == "yes"
    assert reproduction.within(-0.03, 0.03) == "yes"
    assert reproduction.within(0.84 - 0.81, 0.03) == "yes"  # 0.030000000000000027 in floats
    assert reproduction.within(0.0301, 0.03) == "no"
    assert reproduction.within(-0.0301, 0.03) == "no"
    # in the table: a mean of exactly paper + tolerance is within, a little more is not
    for f1, verdict in ((0.84, "yes"), (0.841, "no"), (0.78, "yes"), (0.779, "no")):
        tables = hand_tables()
        tables["metrics"] = tables["metrics"].assign(test_f1=f1)
        row = rows(reproduction.table(tables, {"mysst": "sst"}), "Jain & Wallace 2019, Table 1",
                   "test F1")  # fmt: skip
        assert row["within_tolerance"] == verdict, f1


def test_markdown_labels_and_tolerances():
    table = reproduction.table(hand_tables(), {"mysst": "sst"})
    text = reproduction.markdown(table)
    assert "| mysst | lstm-additive | test F1 | Jain & Wallace 2019, Table 1 | 0.810 |" in text
    assert "| 0.1 | yes |" in text and "| 0.1 | no |" in text
    assert "Tolerances:" in text and "Reasons for gaps" in text
    assert reproduction.markdown(pd.DataFrame()).startswith("No run")


def test_another_task_of_the_type_is_not_compared_with_the_papers():
    """AG News' four classes and IMDB's ratings are not the papers' binary tasks; the
    default task (None) and the papers' own are compared."""
    wp2 = "Wiegreffe & Pinter 2019, Table 2"
    for kind, other, theirs in [("agnews", "all4", "world_business"), ("imdb", "rating", "binary"),
                                ("20news", "all20", "baseball_hockey")]:  # fmt: skip
        name = f"my{kind}"
        assert reproduction.table(hand_tables(name), {name: kind}, {name: other}).empty
        for task in (None, theirs):
            table = reproduction.table(hand_tables(name), {name: kind}, {name: task})
            assert set(table["source"]) == {wp2} and len(table) == 3


def test_the_gap_names_the_vectors_the_runs_started_from():
    tables = hand_tables("mysst")
    for embeddings, words in [("random", "these runs start from random vectors"),
                              ("glove50", "these runs start from glove50")]:  # fmt: skip
        tables["metrics"]["embeddings"] = embeddings
        table = reproduction.table(tables, {"mysst": "sst"})
        gap = rows(table, "Jain & Wallace 2019, Table 1", "test F1")["reason_for_gap"]
        assert (
            gap == f"the paper used 300-d fastText vectors (wiki.simple), not available "
            f"offline; {words}"
        )


def test_a_capped_datasets_rows_say_its_splits_are_a_subset():
    caps = {"myimdb": {"train": 4000, "test": 4000}}
    table = reproduction.table(hand_tables("myimdb"), {"myimdb": "imdb"}, None, caps)
    said = "; its splits are capped (train 4,000, test 4,000): a seeded subset, not the paper's"
    assert len(table) and table["reason_for_gap"].str.endswith(f"{said} split").all()
    whole = reproduction.table(hand_tables("myimdb"), {"myimdb": "imdb"})
    assert not whole["reason_for_gap"].str.contains("capped").any()
