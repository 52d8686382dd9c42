"""The verdict rules on hand-made tables: each answer at and around its margin, against
scipy's t-test and interval and hand-computed Holm and seed counts."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from attnaudit.models import catalog
from attnaudit.report import verdicts


def series(values: list[float]) -> pd.Series:
    return pd.Series(values, index=range(1, len(values) + 1))


# -- the comparison -----------------------------------------------------------------------------
@pytest.mark.parametrize("margin", [0.0, 0.02, -0.03])
def test_compare_is_scipys_interval_and_one_sided_tests(margin):
    d = np.array([0.05, 0.01, 0.04, 0.03])
    c = verdicts.compare("r", "label", d, margin, level=0.05)
    low, high = stats.t.interval(0.95, len(d) - 1, loc=d.mean(), scale=stats.sem(d))
    assert (c.estimate, c.lower, c.upper, c.n_seeds) == (
        pytest.approx(d.mean()),
        pytest.approx(low),
        pytest.approx(high),
        4,
    )
    greater = stats.ttest_1samp(d, margin, alternative="greater").pvalue
    less = stats.ttest_1samp(d, margin, alternative="less").pvalue
    assert (c.p_yes, c.p_no) == (pytest.approx(greater), pytest.approx(less))
    flipped = verdicts.compare("r", "label", d, margin, level=0.05, yes_above=False)
    assert (flipped.p_yes, flipped.p_no) == (pytest.approx(less), pytest.approx(greater))


def test_compare_answers_by_the_side_of_the_margin_the_interval_lies_on():
    d = np.array([0.05, 0.01, 0.04, 0.03])  # interval about +0.003 to +0.062
    assert verdicts.compare("r", "", d, 0.0, 0.05).answer == "yes"
    assert verdicts.compare("r", "", d, 0.07, 0.05).answer == "no"
    assert verdicts.compare("r", "", d, 0.02, 0.05).answer == "undecided"
    # a wider interval (level 0.01) no longer excludes 0
    assert verdicts.compare("r", "", d, 0.0, 0.01).answer == "undecided"
    # yes below the margin
    assert verdicts.compare("r", "", d, 0.07, 0.05, yes_above=False).answer == "yes"
    assert verdicts.compare("r", "", d, 0.0, 0.05, yes_above=False).answer == "no"


def test_compare_with_one_seed_or_nan_differences_is_undecided():
    one = verdicts.compare("r", "", [0.3], 0.0, 0.05)
    assert one.answer == "undecided" and one.n_seeds == 1 and math.isnan(one.lower)
    dropped = verdicts.compare("r", "", [0.3, np.nan, 0.31, 0.29], 0.0, 0.05)
    assert dropped.n_seeds == 3 and dropped.estimate == pytest.approx(0.30)


def test_compare_without_spread():
    same = verdicts.compare("r", "", [0.1, 0.1, 0.1], 0.05, 0.05)
    assert (same.answer, same.lower, same.upper) == ("yes", pytest.approx(0.1), pytest.approx(0.1))
    at = verdicts.compare("r", "", [0.05, 0.05], 0.05, 0.05)
    assert at.answer == "undecided" and math.isnan(at.seeds_needed)


def reference_seeds_needed(mean, sd, margin, n, level=0.05):
    for m in range(n + 1, verdicts.MAX_SEEDS + 1):
        if stats.t.ppf(1 - level / 2, m - 1) * sd / math.sqrt(m) < abs(mean - margin):
            return m
    return math.nan


def test_seeds_needed_is_the_first_count_whose_interval_clears_the_margin():
    d = np.array([0.03, 0.0])  # mean 0.015, sd 0.0212: the 2-seed interval is -0.18 to +0.21
    c = verdicts.compare("r", "", d, 0.0, 0.05)
    expected = reference_seeds_needed(0.015, d.std(ddof=1), 0.0, 2)
    assert c.answer == "undecided" and c.seeds_needed == expected == 11
    # decided comparisons need no more seeds
    assert math.isnan(verdicts.compare("r", "", [0.3, 0.31, 0.29], 0.0, 0.05).seeds_needed)
    # a mean almost on the margin needs more than MAX_SEEDS
    assert math.isnan(verdicts.seeds_needed(0.02001, 0.05, 0.02, 0.05, 3))


def test_seeds_needed_counts_more_seeds_than_there_are_over_sqrt_n():
    # 4 seeds, undecided against +0.02: scipy's t half-width over sqrt(n') first drops below
    # |mean - margin| at 10 seeds (over sqrt(n' - 1) it would take 11)
    d = np.array([0.05, 0.01, 0.04, 0.03])
    c = verdicts.compare("r", "", d, 0.02, 0.05)
    assert c.answer == "undecided"
    assert c.seeds_needed == reference_seeds_needed(d.mean(), d.std(ddof=1), 0.02, 4) == 10
    # already clear at 3 seeds: the fewest seeds *more than* 3 is 4, not 3
    assert verdicts.seeds_needed(0.3, 0.01, 0.0, 0.05, 3) == 4


def test_holm_steps_down_and_stops_at_the_first_kept_hypothesis():
    # sorted 0.01 <= 0.05/3 rejected; 0.03 > 0.05/2 kept, so 0.04 is kept too
    assert verdicts.holm([0.04, 0.01, 0.03], 0.05) == [False, True, False]
    # 0.01 <= 0.05/3, 0.02 <= 0.05/2, 0.04 <= 0.05/1: all rejected
    assert verdicts.holm([0.04, 0.01, 0.02], 0.05) == [True, True, True]
    # Bonferroni would keep 0.02 (> 0.05/3); a NaN does not count in the family
    assert verdicts.holm([0.02, np.nan], 0.05) == [True, False]


def test_holm_family_leaves_out_nan():
    # one valid p value: a family of one, 0.03 <= 0.05 (with the NaN counted: 0.03 > 0.05 / 2)
    assert verdicts.holm([0.03, np.nan], 0.05) == [True, False]
    assert verdicts.holm([np.nan, 0.06], 0.05) == [False, False]


def test_a_question_of_one_comparison_answers_as_the_comparison():
    # one comparison: Holm over a family of one at level / 2 is the comparison's own one-sided
    # test, so the question must answer what its interval says. Here scipy's one-sided p of
    # "above 0.05" is 0.047: no at 0.05, but not at 0.025 (the 95 % interval holds 0.05)
    d = np.array([0.16, 0.08, 0.12])
    assert 0.025 < stats.ttest_1samp(d, 0.05, alternative="greater").pvalue < 0.05
    by_source = evidence({"per-instance adversary": list(d)})
    assert verdicts.unique(by_source, {"margin": 0.05}).answer == "undecided"
    rng = np.random.default_rng(7)
    for _ in range(100):
        diff = rng.normal(rng.uniform(-0.1, 0.15), 0.05, rng.integers(2, 6))
        for yes_above in (True, False):
            c = verdicts.compare("r", "", diff, 0.02, 0.05, yes_above=yes_above)
            answer, deciding, more = verdicts.combine([c], 0.05)
            assert answer == c.answer and deciding is c, (diff, yes_above)
            assert more == c.seeds_needed or math.isnan(more) and math.isnan(c.seeds_needed)


def test_no_rests_on_the_comparison_holm_rejects_first():
    # both no-claims rejected; the deciding one is the smallest p (scipy), listed second
    near = verdicts.compare("near", "", [0.2, 0.25, 0.22], 0.05, 0.05, yes_above=False)
    far = verdicts.compare("far", "", [0.5, 0.52, 0.51], 0.05, 0.05, yes_above=False)
    p_near, p_far = (stats.ttest_1samp(x, 0.05, alternative="greater").pvalue
                     for x in ([0.2, 0.25, 0.22], [0.5, 0.52, 0.51]))  # fmt: skip
    assert p_far < 0.025 / 2 and p_near < 0.025
    answer, deciding, more = verdicts.combine([near, far], 0.05)
    assert (answer, deciding.rule_id, math.isnan(more)) == ("no", "far", True)


def test_question_seeds_needed_yes_needs_every_comparison_no_needs_holms_first_step():
    # no side, 2 comparisons: the undecided one must clear -0.05 at level 0.05 / 2 (scipy:
    # 8 seeds; at level 0.05 it would be 7); the other, decided yes, cannot make it yes
    clear = verdicts.compare("clear", "", [0.3, 0.31, 0.29], 0.0, 0.05)
    d = np.array([0.05, 0.01, 0.04, 0.03])
    behind = verdicts.compare("behind", "", d, 0.05, 0.05)
    expected = reference_seeds_needed(d.mean(), d.std(ddof=1), 0.05, 4, level=0.025)
    assert expected == 8 and reference_seeds_needed(d.mean(), d.std(ddof=1), 0.05, 4) == 7
    assert verdicts.combine([clear, behind], 0.05)[::2] == ("undecided", expected)
    # yes below the margin (unique): one source decided yes at 3 seeds, the other on the yes
    # side, undecided: yes needs the second to clear +0.05 at level 0.05 (scipy: 7 seeds)
    b = np.array([0.03, -0.02, 0.04])
    verdict = verdicts.unique(
        evidence({"per-instance adversary": [0.01, -0.01, 0.0], "trained adversary, lambda 1": b}),
        {"margin": 0.05},
    )  # fmt: skip
    assert [c.answer for c in verdict.comparisons] == ["yes", "undecided"]
    assert verdict.seeds_needed == reference_seeds_needed(b.mean(), b.std(ddof=1), 0.05, 3) == 7


# -- needed -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("learned", "uniform", "answer"),
    [
        ([0.90, 0.91, 0.89], [0.80, 0.81, 0.79], "yes"),  # 0.10 above a 0.02 margin
        ([0.900, 0.905, 0.898], [0.899, 0.901, 0.900], "no"),  # +0.001 +- 0.007: within
        ([0.80, 0.81, 0.80], [0.85, 0.86, 0.86], "no"),  # uniform better
        ([0.90], [0.80], "undecided"),  # one seed: no interval
        # the default run: +0.050 from 2 seeds, interval -0.207 to +0.307
        ([0.845, 0.895], [0.850, 0.792], "undecided"),
        # above 0 but not clearly above the margin: +0.03 +- 0.011
        ([0.93, 0.935, 0.925, 0.93], [0.90, 0.905, 0.895, 0.90], "yes"),
        ([0.92, 0.93, 0.91, 0.92], [0.90, 0.90, 0.90, 0.89], "undecided"),
    ],
)
def test_needed(learned, uniform, answer):
    verdict = verdicts.needed(series(learned), series(uniform), {"margin": 0.02})
    assert verdict.answer == answer, verdict.evidence
    assert verdict.rule == verdicts.NEEDED_RULE and verdict.deciding.margin == 0.02
    assert verdict.deciding.estimate == pytest.approx(np.mean(learned) - np.mean(uniform))
    assert verdicts.needed(series(learned), None).answer == "undecided"


def test_needed_pairs_by_seed():
    # seed 3 has no uniform run: only seeds 1 and 2 are paired
    learned = pd.Series([0.9, 0.91, 0.5], index=[1, 2, 3])
    uniform = pd.Series([0.8, 0.8], index=[1, 2])
    assert verdicts.needed(learned, uniform).deciding.n_seeds == 2


def test_the_uniform_control_keeps_the_architecture():
    assert catalog.control_model("transformer-cls") == "transformer-clsuniform"
    assert catalog.control_model("lstm-cls") == "lstm-clsuniform"
    assert catalog.control_model("lstm-additive") == "lstm-uniform"
    assert catalog.control_model("transformer-sparsemax") == "transformer-uniform"


# -- faithful -----------------------------------------------------------------------------------
def aopc(comp: dict[str, list[float]], suff: dict[str, list[float]] | None = None) -> pd.DataFrame:
    suff = suff or {r: [0.1] * len(v) for r, v in comp.items()}
    rows = [
        (r, s + 1, v, suff[r][s]) for r, vs in comp.items() for s, v in enumerate(vs)
    ]  # fmt: skip
    return pd.DataFrame(
        rows, columns=["ranking", "seed", "aopc_comprehensiveness", "aopc_sufficiency"]
    )


GOOD_SUFF = {"attention": [0.05, 0.052, 0.051], "loo": [0.051, 0.051, 0.052], "random": [0.3] * 3}


@pytest.mark.parametrize(
    ("comp", "suff", "answer", "rule"),
    [
        # beats random by far on both, level with loo on both
        (
            {"attention": [0.40, 0.42, 0.41], "loo": [0.405, 0.415, 0.41], "random": [0.05] * 3},
            GOOD_SUFF, "yes", "faithful.comprehensiveness_vs_loo",
        ),
        # far behind loo on comprehensiveness
        (
            {"attention": [0.20, 0.21, 0.22], "loo": [0.50, 0.51, 0.49], "random": [0.05] * 3},
            GOOD_SUFF, "no", "faithful.comprehensiveness_vs_loo",
        ),
        # no better than random on comprehensiveness (within the margin)
        (
            {"attention": [0.051, 0.049, 0.050], "loo": [0.06, 0.05, 0.05],
             "random": [0.050, 0.050, 0.050]},
            {"attention": [0.05] * 3, "loo": [0.05] * 3, "random": [0.3] * 3},
            "no", "faithful.comprehensiveness_over_random",
        ),
        # comprehensiveness fine, but its sufficiency is as bad as random's
        (
            {"attention": [0.40, 0.42, 0.41], "loo": [0.41, 0.40, 0.43], "random": [0.05] * 3},
            {"attention": [0.300, 0.301, 0.299], "loo": [0.29, 0.30, 0.31], "random": [0.3] * 3},
            "no", "faithful.sufficiency_over_random",
        ),
        # level with loo in the mean, but too spread to show it is no worse
        (
            {"attention": [0.30, 0.45, 0.52], "loo": [0.42, 0.43, 0.44], "random": [0.05] * 3},
            GOOD_SUFF, "undecided", "faithful.comprehensiveness_vs_loo",
        ),
    ],
)  # fmt: skip
def test_faithful(comp, suff, answer, rule):
    verdict = verdicts.faithful(aopc(comp, suff), {"margin": 0.02})
    assert verdict.answer == answer, verdict.evidence
    assert verdict.deciding.rule_id == rule
    assert {c.rule_id for c in verdict.comparisons} == {
        "faithful.comprehensiveness_over_random", "faithful.sufficiency_over_random",
        "faithful.comprehensiveness_vs_loo", "faithful.sufficiency_vs_loo",
    }  # fmt: skip


def test_faithful_non_inferiority_uses_the_negative_margin():
    table = aopc(
        {"attention": [0.40, 0.41, 0.40], "loo": [0.41, 0.42, 0.41], "random": [0.05] * 3},
        GOOD_SUFF,
    )
    found = {c.rule_id: c for c in verdicts.faithful(table, {"margin": 0.02}).comparisons}
    versus = found["faithful.comprehensiveness_vs_loo"]
    # attention is 0.01 behind loo: within the 0.02 it may lose
    assert versus.margin == -0.02 and versus.estimate == pytest.approx(-0.01)
    assert versus.answer == "yes"
    assert found["faithful.sufficiency_over_random"].estimate == pytest.approx(0.3 - 0.051)


def test_faithful_corrects_the_no_claims_for_multiplicity():
    # two rankings each ahead of attention by more than the margin, as 3 seeds barely show:
    # attention - ranking = -0.07 +- 0.0173 (sd), t = (-0.07 + 0.02) / 0.01 = -5, one-sided
    # p = 0.019 each: under 0.025 alone, not under Holm's 0.025 / 6 for the six comparisons
    rng_values = {"attention": [0.40, 0.40, 0.40], "random": [0.05] * 3}
    a = 0.01 * math.sqrt(3)
    behind = [0.47 - a, 0.47, 0.47 + a]
    table = aopc({**rng_values, "loo": behind, "gradient": behind}, None)
    table["aopc_sufficiency"] = table["ranking"].map({"random": 0.3}).fillna(0.05)
    verdict = verdicts.faithful(table, {"margin": 0.02})
    vs = [c for c in verdict.comparisons if c.rule_id.startswith("faithful.comprehensiveness_vs")]
    assert all(0.0125 < c.p_no < 0.025 for c in vs), [c.p_no for c in vs]
    assert all(c.answer == "no" for c in vs)  # each alone says no
    assert verdict.answer == "undecided"  # together, corrected, they do not
    # and the page says why: six comparisons, Holm's first step at 0.05 / 2 / 6
    assert "Holm's correction over the 6 comparisons asks for a one-sided p below 0.0042" in (
        verdict.evidence
    )
    assert f"(it is {verdict.deciding.p_no:.4f})" in verdict.evidence


def test_faithful_without_attention_or_random_is_undecided():
    assert verdicts.faithful(aopc({})).answer == "undecided"
    assert verdicts.faithful(aopc({"attention": [0.4, 0.4], "loo": [0.5, 0.5]})).answer == (
        "undecided"
    )
    assert verdicts.faithful(aopc({"attention": [0.4], "random": [0.05]})).answer == "undecided"


# -- unique -------------------------------------------------------------------------------------
def pairs_table(rows):
    return pd.DataFrame(rows, columns=["seed", "other_seed", "id", "jsd", "tvd"])


def test_seed_alternatives_take_the_most_divergent_seed_within_epsilon():
    pairs = pairs_table([
        (1, 2, "a", 0.10, 0.005), (1, 3, "a", 0.30, 0.009), (1, 4, "a", 0.50, 0.02),
        (1, 2, "b", 0.20, 0.03), (1, 3, "b", 0.40, 0.5),  # b: no other seed within epsilon
        (2, 1, "a", 0.10, 0.005),
    ])  # fmt: skip
    found = verdicts.seed_alternatives(pairs, epsilon=0.01)
    assert found.to_dict("records") == [
        {"seed": 1, "id": "a", "seed_jsd": 0.30},
        {"seed": 2, "id": "a", "seed_jsd": 0.10},
    ]


def test_unique_evidence_compares_on_instances_where_both_keep_the_output():
    pairs = pairs_table([
        (1, 2, "a", 0.10, 0.005), (1, 2, "b", 0.20, 0.005), (1, 2, "c", 0.30, 0.5),
        (2, 1, "a", 0.10, 0.005), (2, 1, "b", 0.20, 0.005), (2, 1, "c", 0.30, 0.5),
    ])  # fmt: skip
    adversary = pd.DataFrame(
        [(1, "a", 0.6, 5, 0.004), (1, "b", 0.0, 0, 0.4), (1, "c", 0.6, 3, 0.002),
         (2, "a", 0.5, 5, 0.004), (2, "b", 0.4, 2, 0.009), (2, "c", 0.6, 3, 0.002)],
        columns=["seed", "id", "max_jsd", "n_feasible", "output_tvd"],
    )  # fmt: skip
    trained = pd.DataFrame(
        [(0.1, 1, "a", 0.3, 0.001), (0.1, 1, "b", 0.5, 0.02), (0.1, 2, "a", 0.2, 0.001),
         (0.1, 2, "b", 0.3, 0.001)],
        columns=["lambda", "seed", "id", "jsd_to_base", "tvd_to_base"],
    )  # fmt: skip
    table = verdicts.unique_evidence(pairs, adversary, trained, epsilon=0.01)
    got = table.set_index(["source", "seed"])
    # seed 1: c has no other seed within epsilon (left out); b has no feasible adversary,
    # so its adversary is the model's own attention (JSD 0)
    one = got.loc[("per-instance adversary", 1)]
    assert (one["n_instances"], one["coverage"]) == (2, pytest.approx(2 / 3))
    assert one["difference"] == pytest.approx(((0.6 - 0.1) + (0.0 - 0.2)) / 2)
    assert one["adversary_jsd"] == pytest.approx(0.3) and one["seed_jsd"] == pytest.approx(0.15)
    two = got.loc[("per-instance adversary", 2)]
    assert two["difference"] == pytest.approx(((0.5 - 0.1) + (0.4 - 0.2)) / 2)
    # the trained adversary moved b's output by 0.02 > epsilon: it counts as JSD 0 there
    lam = got.loc[("trained adversary, lambda 0.1", 1)]
    assert (lam["n_instances"], lam["adversary_jsd"], lam["seed_jsd"]) == (
        2, pytest.approx(0.15), pytest.approx(0.15),
    )  # fmt: skip
    assert lam["difference"] == pytest.approx(((0.3 - 0.1) + (0.0 - 0.2)) / 2)
    assert got.loc[("trained adversary, lambda 0.1", 2), "difference"] == pytest.approx(
        ((0.2 - 0.1) + (0.3 - 0.2)) / 2
    )


def evidence(by_source: dict[str, list[float]]) -> pd.DataFrame:
    rows = [
        {"source": s, "seed": i + 1, "n_instances": 100, "coverage": 0.5, "feasible": 0.9,
         "adversary_jsd": 0.3 + d, "seed_jsd": 0.3, "difference": d}
        for s, ds in by_source.items() for i, d in enumerate(ds)
    ]  # fmt: skip
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    ("by_source", "answer"),
    [
        ({"per-instance adversary": [0.40, 0.42, 0.38]}, "no"),
        ({"per-instance adversary": [0.01, -0.01, 0.0]}, "yes"),
        # both must stay below the margin for unique
        ({"per-instance adversary": [0.01, -0.01, 0.0],
          "trained adversary, lambda 1": [0.01, 0.0, 0.02]}, "yes"),
        ({"per-instance adversary": [0.01, -0.01, 0.0],
          "trained adversary, lambda 1": [0.30, 0.31, 0.29]}, "no"),
        ({"per-instance adversary": [0.01, 0.2, -0.1]}, "undecided"),
        ({"per-instance adversary": [0.4]}, "undecided"),
    ],
)  # fmt: skip
def test_unique(by_source, answer):
    verdict = verdicts.unique(evidence(by_source), {"margin": 0.05})
    assert verdict.answer == answer, verdict.evidence
    assert all(not c.yes_above for c in verdict.comparisons)
    assert verdicts.unique(None).answer == "undecided"


def test_an_adversary_that_keeps_few_outputs_is_not_evidence():
    # a trained adversary within epsilon on 20 % of instances: its JSD counts 0 elsewhere,
    # which would read as strong evidence of uniqueness; below min_feasible it is not used
    table = evidence({"per-instance adversary": [0.01, 0.2, -0.1],
                      "trained adversary, lambda 1": [-0.3, -0.31, -0.29]})  # fmt: skip
    table.loc[table["source"] != "per-instance adversary", "feasible"] = 0.2
    verdict = verdicts.unique(table, {"margin": 0.05})
    assert verdict.answer == "undecided"  # the trained adversary alone would have said yes
    trained = [c for c in verdict.comparisons if "trained" in c.rule_id][0]
    assert trained.n_seeds == 0 and "20 % of instances (below 50 %): not used" in verdict.evidence
    assert verdicts.unique(table, {"margin": 0.05, "min_feasible": 0.1}).answer == "undecided"
    table.loc[table["source"] == "per-instance adversary", "difference"] = [0.01, -0.01, 0.0]
    assert verdicts.unique(table, {"margin": 0.05, "min_feasible": 0.1}).answer == "yes"


def test_unique_evidence_counts_feasible_instances():
    pairs = pairs_table([(1, 2, "a", 0.1, 0.0), (1, 2, "b", 0.1, 0.0), (2, 1, "a", 0.1, 0.0)])
    trained = pd.DataFrame(
        [(1.0, 1, "a", 0.3, 0.001), (1.0, 1, "b", 0.5, 0.2), (1.0, 1, "c", 0.5, 0.3),
         (1.0, 2, "a", 0.3, 0.5)],
        columns=["lambda", "seed", "id", "jsd_to_base", "tvd_to_base"],
    )  # fmt: skip
    got = verdicts.unique_evidence(pairs, None, trained, epsilon=0.01).set_index("seed")
    assert got.loc[1, "feasible"] == pytest.approx(1 / 3) and got.loc[2, "feasible"] == 0.0
    assert got.loc[1, "coverage"] == pytest.approx(2 / 3)


def test_an_adversary_outside_epsilon_counts_as_the_models_own_attention():
    # b: the search found feasible adversaries (n_feasible 4) but the one reported moved the
    # output by 0.03 > epsilon, so b counts JSD 0 (kept: half the instances)
    pairs = pairs_table([(1, 2, "a", 0.1, 0.0), (1, 2, "b", 0.2, 0.0)])
    adversary = pd.DataFrame(
        [(1, "a", 0.6, 4, 0.004), (1, "b", 0.7, 4, 0.03)],
        columns=["seed", "id", "max_jsd", "n_feasible", "output_tvd"],
    )
    got = verdicts.unique_evidence(pairs, adversary, None, epsilon=0.01).iloc[0]
    assert (got["n_instances"], got["coverage"], got["feasible"]) == (2, 1.0, 0.5)
    assert got["adversary_jsd"] == pytest.approx(0.3)
    assert got["difference"] == pytest.approx(((0.6 - 0.1) + (0.0 - 0.2)) / 2)


def test_min_feasible_reads_the_feasible_share_not_the_coverage():
    # kept within epsilon on 90 % of instances, though only 30 % have another seed within it
    table = evidence({"per-instance adversary": [0.01, -0.01, 0.0]}).assign(coverage=0.3)
    assert verdicts.unique(table, {"margin": 0.05}).answer == "yes"


def test_verdict_rows_one_per_question_with_the_deciding_comparison():
    found = [
        verdicts.needed(series([0.9, 0.91, 0.89]), series([0.8, 0.81, 0.79])),
        verdicts.faithful(aopc({})),
        verdicts.unique(evidence({"per-instance adversary": [0.4, 0.42, 0.38]})),
    ]
    headline, detail = verdicts.rows("d", "lstm-additive", found)
    table = pd.DataFrame(headline, columns=list(verdicts.COLUMNS))
    assert list(table["question"]) == ["needed", "faithful", "unique"]
    assert list(table["answer"]) == ["yes", "undecided", "no"]
    assert list(table["rule"]) == [
        "needed.learned_minus_uniform_f1", "faithful.no_evidence", "unique.per_instance_adversary",
    ]  # fmt: skip
    assert table.loc[0, "estimate"] == pytest.approx(0.1) and table.loc[0, "n_seeds"] == 3
    assert math.isnan(table.loc[1, "estimate"])
    assert len(detail) == 2


def test_verdict_rows_show_the_deciding_comparison_not_the_first():
    # not faithful on sufficiency against random, the last of the four comparisons: the row
    # holds its numbers (random - attention = 0, 0.000 +- 0.001, 3 seeds, margin +0.02)
    comp = {"attention": [0.40, 0.42, 0.41], "loo": [0.41, 0.40, 0.43], "random": [0.05] * 3}
    suff = {"attention": [0.300, 0.301, 0.299], "loo": [0.29, 0.30, 0.31], "random": [0.3] * 3}
    verdict = verdicts.faithful(aopc(comp, suff), {"margin": 0.02})
    assert verdict.comparisons[0].rule_id != "faithful.sufficiency_over_random"
    row = verdicts.rows("d", "lstm-additive", [verdict])[0][0]
    d = 0.3 - np.array(suff["attention"])
    low, high = stats.t.interval(0.95, 2, loc=d.mean(), scale=stats.sem(d))
    assert (row["answer"], row["rule"], row["n_seeds"], row["margin"]) == (
        "no", "faithful.sufficiency_over_random", 3, 0.02,
    )  # fmt: skip
    assert (row["estimate"], row["lower"], row["upper"]) == (
        pytest.approx(0.0, abs=1e-12), pytest.approx(low), pytest.approx(high),
    )  # fmt: skip


def test_the_documented_defaults():
    # docs/experiments.md#verdicts: 95 % intervals; margins 0.02 F1, 0.02 AOPC, 0.05 JSD
    learned, uniform = [0.90, 0.92, 0.89], [0.80, 0.81, 0.80]
    c = verdicts.needed(series(learned), series(uniform)).deciding
    d = np.subtract(learned, uniform)
    low, high = stats.t.interval(0.95, 2, loc=d.mean(), scale=stats.sem(d))
    assert (c.margin, c.lower, c.upper) == (0.02, pytest.approx(low), pytest.approx(high))
    table = aopc(
        {"attention": [0.40, 0.42, 0.41], "loo": [0.405, 0.415, 0.41], "random": [0.05] * 3},
        GOOD_SUFF,
    )
    found = {c.rule_id: c.margin for c in verdicts.faithful(table).comparisons}
    assert found["faithful.comprehensiveness_over_random"] == 0.02
    assert found["faithful.sufficiency_vs_loo"] == -0.02
    unique = verdicts.unique(evidence({"per-instance adversary": [0.01, -0.01, 0.0]}))
    assert unique.deciding.margin == 0.05


def test_model_verdicts_take_this_dataset_and_this_models_runs():
    from attnaudit.stages import report

    runs = pd.DataFrame(
        [("d", "lstm-additive", s, f) for s, f in ((1, 0.90), (2, 0.92), (3, 0.89))]
        + [("d", "lstm-uniform", s, f) for s, f in ((1, 0.80), (2, 0.81), (3, 0.80))]
        + [("e", m, s, 0.5) for m in ("lstm-additive", "lstm-uniform") for s in (1, 2, 3)],
        columns=["dataset", "model", "seed", "test_f1"],
    )
    pairs = pairs_table([(s, o, i, 0.1, 0.0) for s in (1, 2, 3) for o in (1, 2, 3) if o != s
                         for i in ("a", "b")])  # fmt: skip
    # per instance: attention's comprehensiveness 0.40, 0.41, 0.45 (mean 0.42, median 0.41),
    # random's 0.05, 0.06, 0.04 (mean 0.05): the per-seed means differ by 0.37
    scores = {"attention": ((0.40, 0.41, 0.45), 0.05), "random": ((0.05, 0.06, 0.04), 0.3)}
    eraser = pd.DataFrame(
        [(s, r, c, u) for s in (1, 2, 3) for r, (cs, u) in scores.items() for c in cs],
        columns=["seed", "ranking", "aopc_comprehensiveness", "aopc_sufficiency"],
    )  # fmt: skip
    # this dataset and base model: the trained adversary is as far as the other seeds (0.1);
    # another dataset's or another base model's would be far further
    trained = pd.DataFrame(
        [(b, ds, 1.0, s, i, j, 0.0) for b, ds, j in (("lstm-additive", "d", 0.1),
                                                    ("lstm-additive", "e", 0.6),
                                                    ("gru-additive", "d", 0.6))
         for s in (1, 2, 3) for i in ("a", "b")],
        columns=["base_model", "dataset", "lambda", "seed", "id", "jsd_to_base", "tvd_to_base"],
    )  # fmt: skip
    mine = {"eraser": eraser, "pairs": pairs, "adversary": None}
    needed, faithful, unique = report.model_verdicts(
        "d", "lstm-additive", runs, mine, trained, {}, 0.01
    )
    assert (needed.deciding.estimate, needed.deciding.n_seeds) == (pytest.approx(0.1), 3)
    over = {c.rule_id: c for c in faithful.comparisons}["faithful.comprehensiveness_over_random"]
    assert over.estimate == pytest.approx(0.37)
    (c,) = unique.comparisons
    assert (c.rule_id, c.n_seeds, c.estimate) == ("unique.trained_adversary_lambda_1", 3, 0.0)


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


def test_a_comparison_without_an_interval_rules_yes_out():
    # gradient on one seed only, far ahead of attention: "keeps up with every other ranking"
    # was never shown, so faithful cannot say yes
    rows = [(r, s, c, u) for s in (1, 2, 3) for r, c, u in
            (("attention", 0.41 + 0.01 * (s - 2), 0.05), ("random", 0.05, 0.3))]  # fmt: skip
    rows += [("gradient", 1, 0.9, 0.01)]
    table = pd.DataFrame(
        rows, columns=["ranking", "seed", "aopc_comprehensiveness", "aopc_sufficiency"]
    )
    verdict = verdicts.faithful(table, {"margin": 0.02})
    assert verdict.answer == "undecided" and math.isnan(verdict.seeds_needed)
    assert verdicts.faithful(table[table["ranking"] != "gradient"]).answer == "yes"
    # a trained adversary on one seed only keeps unique from yes as well
    rows = evidence({"per-instance adversary": [0.01, -0.01, 0.0],
                     "trained adversary, lambda 1": [0.0]})  # fmt: skip
    assert verdicts.unique(rows, {"margin": 0.05}).answer == "undecided"
