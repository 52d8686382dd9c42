"""The one "over seeds with an interval" helper, against scipy.stats.t and by hand."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from attnaudit.report import seeds

NAN = np.nan


def test_interval_is_the_student_t_interval_of_scipy():
    # 1, 2, 4: mean 7/3, squared deviations 16/9 + 1/9 + 25/9 = 42/9, variance 7/3
    out = seeds.interval(pd.Series([1.0, 2.0, NAN, 4.0]))
    assert out["n"] == 3 and out["mean"] == pytest.approx(7 / 3)
    assert out["std"] == pytest.approx(np.sqrt(7 / 3))
    low, high = stats.t.interval(0.95, 2, loc=7 / 3, scale=stats.sem([1.0, 2.0, 4.0]))
    assert out["ci95"] == pytest.approx((high - low) / 2)
    assert out["ci95"] == pytest.approx(4.302652729749464 * np.sqrt(7 / 3) / np.sqrt(3))


def test_interval_at_another_level_and_below_two_values():
    x = [0.1, 0.4, 0.2, 0.7, 0.3]
    half = stats.t.ppf(0.95, 4) * np.std(x, ddof=1) / np.sqrt(5)
    assert seeds.interval(x, level=0.1)["ci95"] == pytest.approx(half)
    assert seeds.t_quantile(5, 0.1) == pytest.approx(stats.t.ppf(0.95, 4))
    one = seeds.interval([0.5])
    assert one["mean"] == 0.5 and one["n"] == 1 and np.isnan(one["std"]) and np.isnan(one["ci95"])
    none = seeds.interval([NAN])
    assert none["n"] == 0 and np.isnan(none["mean"])


def test_over_seeds_names_each_measure_and_counts_seeds():
    per_seed = pd.DataFrame(
        {"model": ["a", "a", "a", "b"], "acc": [0.5, 0.7, 0.9, 0.6], "f1": [0.1, 0.3, NAN, 0.2]}
    )
    out = seeds.over_seeds(per_seed, ["model"], ["acc", "f1"]).set_index("model")
    assert list(out.columns) == ["acc", "acc_std", "n_seeds", "acc_ci95", "f1", "f1_std", "f1_ci95"]
    assert out.loc["a", "acc"] == pytest.approx(0.7) and out.loc["a", "acc_std"] == pytest.approx(
        0.2
    )
    assert out.loc["a", "acc_ci95"] == pytest.approx(stats.t.ppf(0.975, 2) * 0.2 / np.sqrt(3))
    assert out.loc["a", "n_seeds"] == 3  # the first measure's count
    assert out.loc["a", "f1"] == pytest.approx(0.2)  # NaN dropped: mean of 0.1 and 0.3
    assert out.loc["a", "f1_ci95"] == pytest.approx(
        stats.t.ppf(0.975, 1) * np.sqrt(0.02) / np.sqrt(2)
    )
    assert out.loc["b", "acc"] == 0.6 and np.isnan(out.loc["b", "acc_ci95"])


def test_plus_minus_by_hand():
    assert seeds.plus_minus(0.5, 0.1, 3) == "0.500 ± 0.100 (3)"
    assert seeds.plus_minus(0.5, NAN, 1) == "0.500 (1)"
    assert seeds.plus_minus(0.5, None) == "0.500"
    assert seeds.plus_minus(NAN, 0.1, 3) == "n/a" and seeds.plus_minus(None, None) == "n/a"
    assert seeds.plus_minus(0.12345, 0.01, fmt=".4f") == "0.1235 ± 0.0100"
