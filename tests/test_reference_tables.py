"""Report aggregates on hand-made tables, expected values worked out by hand in comments
(intervals: t quantile from scipy.stats.t times std (ddof 1) over sqrt(n))."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from attnaudit.report import tables

NAN = np.nan


def ci95(values) -> float:
    x = np.asarray(values, dtype=np.float64)
    return float(stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x)))


def importance_rows() -> pd.DataFrame:
    """Per instance: pred and label disagree on purpose; p = 0.05 counts as significant."""
    rows = [  # seed, pred, label, tau/p attention-gradient, tau/p attention-LOO
        (1, 0, 1, 0.2, 0.01, 0.1, 0.3),
        (1, 0, 0, 0.4, 0.05, NAN, NAN),
        (1, 0, 0, 0.9, 0.20, 0.5, 0.01),
        (1, 1, 0, -0.3, 0.50, 0.0, 0.9),
        (1, 1, 1, NAN, NAN, NAN, NAN),  # one item: no tau
        (2, 0, 1, 0.6, 0.04, 0.2, 0.2),
        (2, 0, 0, 0.8, 0.30, 0.4, 0.2),
    ]
    frame = pd.DataFrame(rows, columns=["seed", "pred", "label", "tau_attn_grad",
                                        "p_attn_grad", "tau_attn_loo", "p_attn_loo"])  # fmt: skip
    return frame.assign(dataset="d", model="m", tau_grad_loo=0.5, p_grad_loo=0.01)


def test_tau_by_class_groups_by_predicted_class_per_seed():
    out = tables.tau_by_class(importance_rows())
    out = out.set_index(["seed", "pair", "pred"])
    # seed 1, pred 0, attention-gradient: 0.2, 0.4, 0.9 -> mean 0.5, deviations -0.3,
    # -0.1, 0.4 -> variance 0.26 / 2; p 0.01, 0.05, 0.2 -> 2 of 3 significant
    row = out.loc[(1, "attn_grad", 0)]
    assert row["tau_mean"] == pytest.approx(0.5) and row["n"] == 3
    assert row["tau_std"] == pytest.approx(np.sqrt(0.13))
    assert row["sig_frac"] == pytest.approx(2 / 3)
    # the NaN row is left out of its pair only: pred 1 has one attention-gradient tau
    row = out.loc[(1, "attn_grad", 1)]
    assert row["tau_mean"] == pytest.approx(-0.3) and row["n"] == 1 and np.isnan(row["tau_std"])
    # attention-LOO, seed 1, pred 0: 0.1 and 0.5 (the NaN dropped); p 0.3, 0.01
    row = out.loc[(1, "attn_loo", 0)]
    assert row["tau_mean"] == pytest.approx(0.3) and row["n"] == 2
    assert row["sig_frac"] == pytest.approx(0.5)
    # seed 2, pred 0: 0.6, 0.8 -> 0.7, p 0.04 and 0.3
    row = out.loc[(2, "attn_grad", 0)]
    assert row["tau_mean"] == pytest.approx(0.7) and row["sig_frac"] == pytest.approx(0.5)
    assert row["tau_std"] == pytest.approx(np.sqrt(0.02))
    assert len(out) == 2 * 3 + 3  # seed 2 has no pred 1


def test_tau_table_averages_the_seeds_means():
    table = tables.tau_table(tables.tau_by_class(importance_rows()))
    row = table.set_index(["pair", "pred"]).loc[("attn_grad", 0)]
    # per-seed means 0.5 and 0.7 -> 0.6, interval t(0.975, 1) * std / sqrt 2
    assert row["tau_mean"] == pytest.approx(0.6)
    assert row["tau_ci95"] == pytest.approx(ci95([0.5, 0.7]))
    assert row["tau_std"] == pytest.approx((np.sqrt(0.13) + np.sqrt(0.02)) / 2)
    assert row["sig_frac"] == pytest.approx((2 / 3 + 0.5) / 2)
    assert row["n_seeds"] == 2 and row["n_instances"] == 5
    row = table.set_index(["pair", "pred"]).loc[("attn_grad", 1)]
    assert row["n_seeds"] == 1 and np.isnan(row["tau_ci95"])


def test_flip_table_is_percent_of_instances_per_seed_then_averaged():
    # seed 1: (top, random) flips (T, F), (T, F), (F, F), (T, T) -> 50 / 25 / 25 / 0 %
    # seed 2: (F, T), (T, F) -> 50 % each, 0 elsewhere
    flips = [(1, True, False), (1, True, False), (1, False, False), (1, True, True),
             (2, False, True), (2, True, False)]  # fmt: skip
    single = pd.DataFrame(flips, columns=["seed", "flip_top", "flip_random"])
    single = single.assign(dataset="d", model="m", ranking="attention")
    row = tables.flip_table(single).set_index("ranking").loc["attention"]
    assert row["top flips, random keeps"] == pytest.approx(50.0)
    assert row["top keeps, random keeps"] == pytest.approx(12.5)
    assert row["top flips, random flips"] == pytest.approx(12.5)
    assert row["top keeps, random flips"] == pytest.approx(25.0)


def test_flip_table_leaves_out_rows_whose_erasure_left_no_attention():
    """Of four rows, one exhausted its mass erasing the top item and one erasing the random
    item: the two left, (T, F) and (F, F), give 50 % each (all four: 25 % in each cell)."""
    single = pd.DataFrame({"seed": 1, "flip_top": [True, False, False, True],
                           "flip_random": [False, False, True, True],
                           "top_exhausted": [False, False, True, False],
                           "random_exhausted": [False, False, False, True]})  # fmt: skip
    single = single.assign(dataset="d", model="m", ranking="gradient")
    row = tables.flip_table(single).iloc[0]
    assert row["top flips, random keeps"] == pytest.approx(50.0)
    assert row["top keeps, random keeps"] == pytest.approx(50.0)


def multi_rows() -> pd.DataFrame:
    """Two seeds, attention and two random orderings; fractions of 10 items."""
    rows = []
    cases = {  # seed: {ranking, ordering: items erased per instance a, b, c (None: never)}
        1: {("attention", 0): [2, 4, None], ("random", 0): [5, 6, 7], ("random", 1): [9, 8, 1]},
        2: {("attention", 0): [1, 2, 6], ("random", 0): [None, None, 4], ("random", 1): [2, 3, 2]},
    }  # fmt: skip
    for seed, by_ranking in cases.items():
        for (ranking, ordering), counts in by_ranking.items():
            for key, n in zip("abc", counts, strict=True):
                rows.append({"dataset": "d", "model": "m", "seed": seed, "id": key,
                             "ranking": ranking, "ordering": ordering, "length": 10,
                             "flipped": n is not None, "n_erased": n or 0,
                             "fraction": n / 10 if n else NAN})  # fmt: skip
    return pd.DataFrame(rows)


def test_flip_fractions_pool_orderings_and_average_seeds():
    table = tables.flip_fractions(multi_rows()).set_index("ranking")
    att, rnd = table.loc["attention"], table.loc["random"]
    # attention: seed 1 median of 0.2, 0.4 = 0.3; seed 2 median of 0.1, 0.2, 0.6 = 0.2
    # (mean 0.3)
    assert att["median_fraction"] == pytest.approx(0.25)
    assert att["median_fraction_ci95"] == pytest.approx(ci95([0.3, 0.2]))
    # never flipped: 1/3 and 0; all instances (never = 1): medians 0.4 and 0.2
    assert att["never_flipped"] == pytest.approx(1 / 6)
    assert att["median_fraction_all"] == pytest.approx(0.3)
    # random, orderings pooled: seed 1 .5 .6 .7 .9 .8 .1 -> 0.65 (mean 0.6);
    # seed 2 .4 .2 .3 .2 -> 0.25 (mean 0.275)
    assert rnd["median_fraction"] == pytest.approx(0.45)
    assert rnd["never_flipped"] == pytest.approx((0 + 2 / 6) / 2)
    # all: seed 2 1, 1, .4, .2, .3, .2 -> 0.35
    assert rnd["median_fraction_all"] == pytest.approx((0.65 + 0.35) / 2)
    # vs attention where both flip: seed 1 a: 5 > 2, 9 > 2; b: 6 > 4, 8 > 4 -> more 1;
    # seed 2 c: 4 < 6; a: 2 > 1; b: 3 > 2; c: 2 < 6 -> fewer 2/4, more 2/4
    assert rnd["more_than_attention"] == pytest.approx((1 + 0.5) / 2)
    assert rnd["fewer_than_attention"] == pytest.approx((0 + 0.5) / 2)
    assert rnd["n_seeds"] == 2


def test_adversary_summary_averages_per_seed_means():
    # seed 1: 0.6, 0.5, 0.45, 0.05 -> mean 0.4, above 0.5: 1 of 4 (0.5 is not above; 2 of 4
    # are below); seed 2: 0.7, 0.3 -> mean 0.5, above: 1 of 2. Pooled: 0.433, not 0.45.
    adv = pd.DataFrame({"dataset": "d", "model": "m", "seed": [1, 1, 1, 1, 2, 2],
                        "max_jsd": [0.6, 0.5, 0.45, 0.05, 0.7, 0.3], "epsilon": 0.01,
                        "select_epsilon": 0.05})  # fmt: skip
    row = tables.adversary_summary(adv).iloc[0]
    assert row["mean_max_jsd"] == pytest.approx(0.45)
    assert row["ci95"] == pytest.approx(ci95([0.4, 0.5]))
    assert row["share_above_0.5"] == pytest.approx((1 / 4 + 1 / 2) / 2)
    assert row["epsilon"] == 0.01 and row["select_epsilon"] == 0.05 and row["n_seeds"] == 2


def test_seed_variance_summary_by_hand():
    seeds = pd.DataFrame({"dataset": "d", "model": "m", "seed": 1, "id": ["a", "b", "c"],
                          "other_seeds": [np.array([2, 3, 4])] * 3, "median_jsd": [0.1, 0.2, 0.6],
                          "median_tvd": [0.01, 0.02, 0.06]})  # fmt: skip
    adversary = pd.DataFrame(
        {"dataset": "d", "model": ["m"] * 6 + ["other"], "seed": [1, 1, 1, 2, 2, 2, 1],
         "id": ["a", "b", "c", "a", "b", "c", "a"],
         "max_jsd": [0.1, 0.5, 0.6, 0.9, 0.9, 0.9, 0.9]}
    )  # fmt: skip
    row = tables.seed_variance_summary(seeds, adversary).iloc[0]
    assert row["base_seed"] == 1 and row["n_other_seeds"] == 3 and row["n_instances"] == 3
    assert row["seed_jsd_mean"] == pytest.approx(0.3)
    assert row["seed_jsd_median"] == pytest.approx(0.2)
    assert row["seed_tvd_mean"] == pytest.approx(0.03)
    # only the base seed's adversaries of this model: 0.1, 0.5, 0.6
    assert row["adversary_jsd_mean"] == pytest.approx(1.2 / 3)
    # 0.5 > 0.2 is above; 0.1 = 0.1 and 0.6 = 0.6 are not (none is below)
    assert row["adversary_above_seeds"] == pytest.approx(1 / 3)
    assert row["n_adversary_instances"] == 3
    alone = tables.seed_variance_summary(seeds, None).iloc[0]
    assert np.isnan(alone["adversary_jsd_mean"]) and alone["n_adversary_instances"] == 0


def test_learned_vs_uniform_matches_dataset_and_encoder():
    runs = [("d", "lstm", "additive", [0.8, 0.9, 0.85]), ("d", "lstm", "uniform", [0.7, 0.8]),
            ("d", "lstm", "dot", [0.75, 0.95]), ("d", "cnn", "additive", [0.6]),
            ("e", "lstm", "uniform", [0.1]), ("e", "lstm", "additive", [0.3, 0.5])]  # fmt: skip
    metrics = pd.DataFrame(
        [{"dataset": d, "encoder": enc, "attention": att, "test_f1": f, "seed": i}
         for d, enc, att, scores in runs for i, f in enumerate(scores)]
    )  # fmt: skip
    table = tables.learned_vs_uniform(metrics).set_index(["dataset", "encoder", "attention"])
    row = table.loc[("d", "lstm", "additive")]
    assert row["mean"] == pytest.approx(0.85) and row["std"] == pytest.approx(0.05)
    assert row["n"] == 3 and row["ci95"] == pytest.approx(ci95([0.8, 0.9, 0.85]))
    assert row["mean_uniform"] == pytest.approx(0.75) and row["n_uniform"] == 2
    assert row["delta"] == pytest.approx(0.10)
    assert table.loc[("d", "lstm", "dot"), "delta"] == pytest.approx(0.10)
    assert np.isnan(table.loc[("d", "cnn", "additive"), "delta"])
    assert table.loc[("e", "lstm", "additive"), "delta"] == pytest.approx(0.3)
    assert ("d", "lstm", "uniform") not in table.index
