"""The reproduction table: each quantity per seed from hand-made per-run tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from attnaudit.report import reproduction


def hand_tables() -> dict[str, pd.DataFrame]:
    metrics = pd.DataFrame(
        [("sst", m, s, acc, auc, f1)
         for m, s, acc, auc, f1 in [("lstm-additive", 1, 0.80, 0.90, 0.81),
                                    ("lstm-additive", 2, 0.82, 0.88, 0.79),
                                    ("lstm-uniform", 1, 0.78, 0.86, 0.78),
                                    ("lstm-uniform", 2, 0.80, 0.87, 0.80)]],
        columns=["dataset", "model", "seed", "test_accuracy", "test_roc_auc", "test_f1"],
    )  # fmt: skip
    importance = pd.DataFrame(
        {"dataset": "sst", "model": "lstm-additive", "seed": [1, 1, 1, 2, 2],
         "tau_attn_grad": [0.1, 0.3, np.nan, 0.5, 0.7], "tau_attn_loo": 0.2,
         "tau_grad_loo": 0.6}
    )  # fmt: skip
    permutation = pd.DataFrame(
        {"dataset": "sst", "model": "lstm-additive", "seed": [1, 1, 1, 2, 2],
         "median_change": [0.01, 0.05, 0.2, 0.02, 0.04]}
    )  # fmt: skip
    adversary = pd.DataFrame(
        {"dataset": "sst", "model": "lstm-additive", "seed": [1, 2], "max_jsd": [0.5, 0.6]}
    )
    return {"metrics": metrics, "importance": importance, "permutation": permutation,
            "adversary": adversary}  # fmt: skip


def test_values_per_seed_then_over_seeds():
    assert reproduction.table(hand_tables(), {"mysst": "sst"}).empty  # names must match
    tables = hand_tables()
    for name in tables:
        tables[name] = tables[name].assign(dataset="mysst")
    table = reproduction.table(tables, {"mysst": "sst"}).set_index("quantity")
    accuracy = table.loc["test accuracy"]
    assert accuracy["this_workflow"] == pytest.approx(0.81)
    assert accuracy["difference_from_original"] == pytest.approx(0.81 - 0.821)
    half = stats.t.ppf(0.975, 1) * np.std([0.80, 0.82], ddof=1) / np.sqrt(2)
    assert accuracy["this_workflow_ci95"] == pytest.approx(half)
    # tau: per seed the mean over instances (NaN left out): 0.2 and 0.6 -> 0.4
    assert table.loc["mean Kendall tau(attention, gradient)", "this_workflow"] == pytest.approx(0.4)
    # permutation: per seed the median over instances: 0.05 and 0.03 -> 0.04
    perm = "median output change under permutation (TVD)"
    assert table.loc[perm, "this_workflow"] == pytest.approx(0.04)
    assert table.loc["mean adversarial max JSD", "this_workflow"] == pytest.approx(0.55)
    # learned minus uniform F1 paired by seed: 0.03 and -0.01 -> 0.01
    gap = "test F1, learned minus uniform attention"
    assert table.loc[gap, "this_workflow"] == pytest.approx(0.01)
    # no run of the no-encoder model: that row is left out
    assert "mean Kendall tau(attention, gradient), no encoder" not in table.index
    assert "Reasons for gaps" in reproduction.markdown(table.reset_index())
