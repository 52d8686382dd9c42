"""The verdicts' calibration check: its simulated tables carry the stated truth and noise, its
true answers follow the rules' wording, its counts are right by hand, and (loosely, few
replications) each rule's wrong-answer rate stays near its level while it still decides."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from attnaudit.report import calibration

MANY = 20000  # seeds in one draw: means within 0.0005 F1 / AOPC / JSD


def test_needed_draws_carry_the_gain_and_independent_noise():
    learned, uniform = calibration.draw_needed(np.random.default_rng(1), MANY, 0.03, 0.01)
    assert list(learned.index) == list(uniform.index) == list(range(1, MANY + 1))
    difference = learned - uniform
    assert difference.mean() == pytest.approx(0.03, abs=4 * 0.01 * np.sqrt(2 / MANY))
    assert uniform.mean() == pytest.approx(calibration.F1_UNIFORM, abs=4 * 0.01 / np.sqrt(MANY))
    # each model its own noise: the paired difference spreads by sqrt(2) x sd
    assert (learned.std(), uniform.std()) == (pytest.approx(0.01, rel=0.03),) * 2
    assert difference.std() == pytest.approx(0.01 * np.sqrt(2), rel=0.03)


def test_faithful_draws_put_attention_ahead_of_random_and_loo_ahead_by_behind():
    table = calibration.draw_faithful(np.random.default_rng(2), MANY, 0.06, 0.04, 0.02, 0.015)
    assert sorted(table["ranking"].unique()) == ["attention", "loo", "random"]
    assert (table.groupby("ranking")["seed"].nunique() == MANY).all()
    means = table.groupby("ranking")[["aopc_comprehensiveness", "aopc_sufficiency"]].mean()
    comp, suff = means["aopc_comprehensiveness"], means["aopc_sufficiency"]
    tol = 4 * 0.015 * np.sqrt(2 / MANY)
    assert comp["attention"] - comp["random"] == pytest.approx(0.06, abs=tol)  # higher better
    assert suff["random"] - suff["attention"] == pytest.approx(0.04, abs=tol)  # lower better
    assert comp["loo"] - comp["attention"] == pytest.approx(0.02, abs=tol)
    assert suff["loo"] - suff["attention"] == pytest.approx(0.0, abs=tol)
    wide = table.pivot(index="seed", columns="ranking", values="aopc_sufficiency")
    assert (wide["attention"] - wide["loo"]).std() == pytest.approx(0.015 * np.sqrt(2), rel=0.03)


def test_unique_draws_are_the_evidence_table_per_source():
    table = calibration.draw_unique(np.random.default_rng(3), MANY, [0.0, 0.15], 0.03)
    per_source = table.groupby("source", sort=False)["difference"]
    assert list(per_source.mean().index) == list(calibration.SOURCES)
    assert per_source.mean().to_numpy() == pytest.approx([0.0, 0.15], abs=4 * 0.03 / MANY**0.5)
    assert per_source.std().to_numpy() == pytest.approx([0.03, 0.03], rel=0.03)
    assert np.allclose(table["adversary_jsd"] - table["seed_jsd"], table["difference"])


@pytest.mark.parametrize(
    ("rule", "truth", "correct"),
    [
        ("needed", (1.0,), "no"),  # exactly the margin is not a gain of more than it
        ("needed", (1.01,), "yes"),
        ("faithful", (3.0, 3.0, 0.0), "yes"),
        ("faithful", (3.0, 1.0, 0.0), "no"),  # sufficiency only at the margin
        ("faithful", (0.5, 3.0, 0.0), "no"),
        ("faithful", (3.0, 3.0, 0.99), "yes"),  # behind, but within the margin
        ("faithful", (3.0, 3.0, 1.0), "no"),
        ("unique", (1.0,), "yes"),  # not further than the seeds by more than the margin
        ("unique", (1.0, 1.0), "yes"),
        ("unique", (0.0, 1.5), "no"),  # any adversary beyond the margin
    ],
)
def test_the_true_answer_follows_the_rules_wording(rule, truth, correct):
    assert calibration.Case(rule, "", truth).correct() == correct


def test_tally_shares_and_wrong_rate_by_hand():
    answers = ["yes", "no", "undecided", "no"]
    assert calibration.tally(answers, "yes") == {
        "yes": 0.25, "no": 0.5, "undecided": 0.25, "wrong": 0.5,
    }  # fmt: skip
    assert calibration.tally(answers, "no")["wrong"] == 0.25
    assert calibration.tally(["undecided"] * 3, "no")["wrong"] == 0.0


def test_the_simulation_repeats_a_cell_and_counts_every_replication():
    case = calibration.CASES[0]
    one = calibration.simulate(40, (3, 4), [case], seed=5)
    again = calibration.simulate(40, (4,), [case], seed=5)
    pd.testing.assert_frame_equal(one.iloc[[1]].reset_index(drop=True), again)
    assert np.allclose(one[["yes", "no", "undecided"]].sum(axis=1), 1.0)


def at_margin(case: calibration.Case) -> bool:
    """The least favourable truths: an effect exactly at the margin, where the wrong rate of a
    one-sided test at level / 2 is highest (about 0.025)."""
    return 1.0 in case.truth


def test_wrong_rates_stay_near_the_level_and_the_rules_decide_at_three_margins():
    boundary = [c for c in calibration.CASES if at_margin(c)]
    assert {c.rule for c in boundary} == {"needed", "faithful", "unique"}
    table = calibration.simulate(100, (2, 10), boundary)
    assert (table["wrong"] <= 0.08).all(), table
    # a rule that never decides, or decides the wrong way, fails here
    clear = [c for c in calibration.CASES if max(c.truth) == 3.0 and not at_margin(c)]
    assert {c.rule for c in clear} == {"needed", "faithful", "unique"}
    decided = calibration.simulate(60, (10,), clear)
    correct = decided.apply(lambda r: r[r["correct"]], axis=1)
    assert (correct > 0.25).all(), decided
    assert (decided["wrong"] <= 0.08).all(), decided


def test_worst_picks_each_groups_highest_wrong_rate():
    table = pd.DataFrame({
        "rule": ["needed", "needed", "unique", "unique"], "case": ["a", "a", "b", "c"],
        "n_seeds": [2, 3, 2, 2], "wrong": [0.01, 0.03, 0.02, 0.0],
    })  # fmt: skip
    assert calibration.worst(table, ["rule"])[["case", "n_seeds", "wrong"]].values.tolist() == [
        ["a", 3, 0.03], ["b", 2, 0.02],
    ]  # fmt: skip
    assert len(calibration.worst(table, ["rule", "case"])) == 3
