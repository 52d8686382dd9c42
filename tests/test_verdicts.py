"""The verdict rules on hand-made tables: a clear yes, a clear no, too few seeds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from attnaudit.report import verdicts


def series(values: list[float]) -> pd.Series:
    return pd.Series(values, index=range(1, len(values) + 1))


def test_paired_interval_is_the_t_interval_of_the_differences():
    a, b = np.array([0.9, 0.8, 0.85]), np.array([0.7, 0.75, 0.6])
    mean, half, n = verdicts.paired_interval(a, b)
    d = a - b
    low, high = stats.t.interval(0.95, len(d) - 1, loc=d.mean(), scale=stats.sem(d))
    assert (mean, n) == (pytest.approx(d.mean()), 3)
    assert half == pytest.approx((high - low) / 2)


@pytest.mark.parametrize(
    ("learned", "uniform", "answer"),
    [
        ([0.90, 0.91, 0.89], [0.80, 0.81, 0.79], "yes"),  # clear gap, tight seeds
        ([0.90, 0.85, 0.88], [0.89, 0.87, 0.88], "no"),  # uniform within the seed noise
        ([0.80, 0.81], [0.85, 0.86], "no"),  # uniform better
        ([0.90], [0.80], "undecided"),  # one seed: no interval
        # mean difference +0.027 > 0, but its interval (-0.053 to +0.106) holds 0
        ([0.95, 0.89, 0.94], [0.90, 0.90, 0.90], "no"),
    ],
)
def test_needed(learned, uniform, answer):
    verdict = verdicts.needed(series(learned), series(uniform))
    assert verdict.answer == answer and verdict.rule == verdicts.NEEDED_RULE
    assert f"learned {np.mean(learned):.3f} vs uniform {np.mean(uniform):.3f}" in verdict.evidence
    assert verdicts.needed(series(learned), None).answer == "undecided"


def aopc(values: dict[str, list[float]]) -> pd.DataFrame:
    rows = [(r, s + 1, v) for r, vs in values.items() for s, v in enumerate(vs)]
    return pd.DataFrame(rows, columns=["ranking", "seed", "aopc_comprehensiveness"])


@pytest.mark.parametrize(
    ("values", "answer"),
    [
        (
            {
                "attention": [0.40, 0.42, 0.41],
                "loo": [0.41, 0.40, 0.43],
                "random": [0.05, 0.06, 0.04],
            },
            "yes",
        ),  # fmt: skip
        (
            {
                "attention": [0.20, 0.21, 0.22],
                "loo": [0.50, 0.51, 0.49],
                "random": [0.05, 0.06, 0.04],
            },
            "partly",
        ),  # fmt: skip
        (
            {
                "attention": [0.06, 0.03, 0.05],
                "loo": [0.50, 0.51, 0.49],
                "random": [0.05, 0.06, 0.04],
            },
            "no",
        ),  # fmt: skip
        ({"attention": [0.40], "loo": [0.50], "random": [0.05]}, "undecided"),
        # attention 0.40 +- 0.099 reaches loo 0.46 +- 0.025: the intervals overlap, so it
        # matches the best (a rule on the means alone, or on attention's lower end, says
        # partly)
        (
            {
                "attention": [0.36, 0.40, 0.44],
                "loo": [0.45, 0.46, 0.47],
                "random": [0.05, 0.06, 0.04],
            },
            "yes",
        ),  # fmt: skip
    ],
)
def test_faithful(values, answer):
    verdict = verdicts.faithful(aopc(values))
    assert verdict.answer == answer, verdict.evidence
    assert verdicts.faithful(aopc({})).answer == "undecided"


@pytest.mark.parametrize(
    ("row", "answer"),
    [
        (
            {
                "n_other_seeds": 2,
                "n_adversary_instances": 100,
                "seed_jsd_mean": 0.05,
                "adversary_jsd_mean": 0.4,
                "adversary_above_seeds": 0.9,
            },
            "no",
        ),  # fmt: skip
        (
            {
                "n_other_seeds": 2,
                "n_adversary_instances": 100,
                "seed_jsd_mean": 0.3,
                "adversary_jsd_mean": 0.1,
                "adversary_above_seeds": 0.2,
            },
            "yes",
        ),  # fmt: skip
        # exactly half above the seeds is not more than half
        (
            {
                "n_other_seeds": 2,
                "n_adversary_instances": 10,
                "seed_jsd_mean": 0.2,
                "adversary_jsd_mean": 0.2,
                "adversary_above_seeds": 0.5,
            },
            "yes",
        ),  # fmt: skip
        ({"n_other_seeds": 0}, "undecided"),
        ({"n_other_seeds": 1, "n_adversary_instances": 0, "seed_jsd_mean": 0.1}, "undecided"),
    ],
)
def test_unique(row, answer):
    assert verdicts.unique(pd.Series(row)).answer == answer
    assert verdicts.unique(None).answer == "undecided"


def test_learned_vs_uniform_paired_test_equals_scipy():
    from attnaudit.report import tables

    rows = []
    for seed, learned, uniform in ((1, 0.90, 0.85), (2, 0.88, 0.86), (3, 0.91, 0.84)):
        rows += [("d", "lstm", "additive", seed, learned), ("d", "lstm", "uniform", seed, uniform)]
    metrics = pd.DataFrame(rows, columns=["dataset", "encoder", "attention", "seed", "test_f1"])
    row = tables.learned_vs_uniform(metrics).iloc[0]
    expected = stats.ttest_rel([0.90, 0.88, 0.91], [0.85, 0.86, 0.84])
    assert row["p_paired"] == pytest.approx(expected.pvalue)
    low, high = expected.confidence_interval()
    assert row["delta_ci95"] == pytest.approx((high - low) / 2)
    assert row["n_paired"] == 3 and row["delta"] == pytest.approx(np.mean([0.05, 0.02, 0.07]))
