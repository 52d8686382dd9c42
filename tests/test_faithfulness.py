"""ERASER comprehensiveness / sufficiency / AOPC, planted-token recovery and the ERASER
JSONL export, against hand computations on a model whose outputs are known."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from attnaudit import settings
from attnaudit.analyses import faithfulness as faith
from attnaudit.importance.top import top_count, top_order
from attnaudit.report import faithfulness as report
from tests.model_fixtures import hand_model, hand_output, rows_of

# token id -> (attention score, logit contribution)
TOKENS = {10: (2.0, 3.0), 11: (0.0, -1.0), 12: (1.0, 0.5), 13: (-1.0, 2.0), 14: (0.5, -2.0)}
BIAS = -0.25
SEQUENCES = [(10, 11, 12, 13), (14, 12, 11), (13, 10)]


def distribution(sequence) -> np.ndarray:
    """The hand model's output distribution on a sequence; no real token: the bias alone."""
    if not sequence:
        p = 1.0 / (1.0 + math.exp(-BIAS))
        return np.array([1.0 - p, p])
    return np.asarray(hand_output(TOKENS, sequence, BIAS), dtype=np.float64)


def p_pred(sequence, cls) -> float:
    """The hand model's probability of class `cls` on a sequence."""
    return float(distribution(sequence)[cls])


@pytest.fixture(scope="module")
def model():
    return hand_model(TOKENS, bias=BIAS)


@pytest.fixture(scope="module")
def rows():
    return rows_of(*SEQUENCES)


def test_top_count_is_the_ceiling_of_the_share_of_real_tokens():
    assert [top_count(p, 10) for p in (1, 5, 10, 20, 50, 100)] == [1, 1, 1, 2, 5, 10]
    assert [top_count(p, 3) for p in (1, 34, 67, 100)] == [1, 2, 3, 3]


def test_top_order_is_descending_with_ties_in_token_order_and_nan_last():
    scores = np.array([0.2, np.nan, 0.9, 0.2, -1.0])
    assert top_order(scores).tolist() == [2, 0, 3, 4, 1]


def test_each_ranking_keeps_its_ordering_index_and_the_table_its_own_index(model, rows):
    """One ordering (0) per deterministic ranking, 0 .. n-1 for the random ones; the
    concatenated table is indexed 0 .. N-1 (it is written to parquet as is)."""
    cfg = {"rankings": ["attention", "gradient", "loo", "random"], "n_random": 2,
           "percents": [50.0]}  # fmt: skip
    out = faith.eraser(model, rows, cfg)
    orderings = out.groupby("ranking")["ordering"].unique().map(sorted).to_dict()
    assert orderings == {"attention": [0], "gradient": [0], "loo": [0], "random": [0, 1]}
    assert out.index.equals(pd.RangeIndex(len(rows) * 5))


def test_comprehensiveness_and_sufficiency_by_hand(model, rows):
    """Attention ranking, bins 50 and 100 %: each value and each output distribution from
    the hand model's outputs on the reduced sequences; at 100 % comprehensiveness is the
    drop to the empty input and sufficiency is 0. AOPC is ERASER's scorer's: the mean over
    the two bins (no k = 0 term, no input without tokens)."""
    cfg = {"rankings": ["attention"], "percents": [50.0, 100.0]}
    out = faith.eraser(model, rows, cfg).set_index("id")
    for i, seq in enumerate(SEQUENCES):
        row = out.loc[f"hand-{i}"]
        full = hand_output(TOKENS, seq, BIAS)
        pred = int(full.argmax())
        assert row["pred"] == pred and row["p_pred"] == pytest.approx(full[pred])
        order = sorted(range(len(seq)), key=lambda t: -TOKENS[seq[t]][0])  # attention ranking
        top = set(order[: math.ceil(len(seq) / 2)])
        removed = [k for t, k in enumerate(seq) if t not in top]
        kept = [k for t, k in enumerate(seq) if t in top]
        assert row["comprehensiveness_50"] == pytest.approx(full[pred] - p_pred(removed, pred))
        assert row["sufficiency_50"] == pytest.approx(full[pred] - p_pred(kept, pred))
        assert row["comprehensiveness_100"] == pytest.approx(full[pred] - p_pred([], pred))
        assert row["sufficiency_100"] == pytest.approx(0.0, abs=1e-12)
        np.testing.assert_allclose(row["probs"], full, rtol=1e-12)
        np.testing.assert_allclose(row["probs_without_50"], distribution(removed), rtol=1e-12)
        np.testing.assert_allclose(row["probs_alone_50"], distribution(kept), rtol=1e-12)
        np.testing.assert_allclose(row["probs_without_100"], distribution([]), rtol=1e-12)
        np.testing.assert_allclose(row["probs_alone_100"], full, rtol=1e-12)
        comp = ((full[pred] - p_pred(removed, pred)) + (full[pred] - p_pred([], pred))) / 2
        suff = ((full[pred] - p_pred(kept, pred)) + 0.0) / 2
        assert row["aopc_comprehensiveness"] == pytest.approx(comp)
        assert row["aopc_sufficiency"] == pytest.approx(suff)


def test_random_aopc_matches_a_hand_computation_of_its_orders(model, rows):
    """The random rankings' AOPC, recomputed from their own stored orders by hand."""
    cfg = {"rankings": ["random"], "n_random": 4, "percents": [34.0, 67.0], "seed": 5}
    out = faith.eraser(model, rows, cfg)
    assert sorted(out["ordering"].unique()) == [0, 1, 2, 3]
    for r in out.itertuples(index=False):
        seq = SEQUENCES[int(r.id.split("-")[1])]
        pred = int(hand_output(TOKENS, seq, BIAS).argmax())
        order = np.argsort(-np.asarray(r.scores), kind="stable")
        comps = []
        for percent in (34.0, 67.0):
            top = set(order[: math.ceil(percent * len(seq) / 100 - 1e-9)].tolist())
            comps.append(p_pred(seq, pred) - p_pred([k for t, k in enumerate(seq)
                                                     if t not in top], pred))  # fmt: skip
        assert r.aopc_comprehensiveness == pytest.approx(sum(comps) / 2)
    # orders differ between orderings and are the same on a rerun
    again = faith.eraser(model, rows, cfg)
    pd.testing.assert_frame_equal(out, again)
    first = out[out["id"] == "hand-0"]["scores"].map(lambda s: tuple(np.argsort(s)))
    assert first.nunique() > 1


def test_a_ranking_equal_to_the_planted_tokens_scores_precision_one(model):
    """Planted tokens 10 and 13: attention ranks 10 first but 13 last; a ranking that puts
    exactly the planted tokens on top has precision@k = average precision = 1."""
    rows = rows_of((10, 11, 12, 13), (14, 12, 11)).assign(rationale=[[0, 3], [2]])
    out = faith.planted(model, rows, {"rankings": ["attention", "random"], "n_random": 2})
    att = out[out["ranking"] == "attention"].set_index("id")
    # instance 0: attention order 10, 12, 11, 13 -> top-2 = {0, 2}: one hit; AP = (1/1 + 2/4)/2
    assert att.loc["hand-0", "precision_at_k"] == 0.5
    assert att.loc["hand-0", "average_precision"] == pytest.approx((1.0 + 2 / 4) / 2)
    assert list(att.loc["hand-0", "planted_ranks"]) == [1, 4]
    # instance 1: planted token 11 (score 0) ranks after 14 (0.5) and 12 (1.0): rank 3
    assert att.loc["hand-1", "precision_at_k"] == 0.0
    assert att.loc["hand-1", "average_precision"] == pytest.approx(1 / 3)
    assert faith.average_precision(np.array([3, 0, 1]), {3, 0}) == 1.0
    assert set(out["ranking"]) == {"attention", "random"} and (out["n_planted"] > 0).all()


def test_instances_whose_planted_tokens_were_cut_are_left_out(model):
    """3 real tokens: a planted position 3 lies beyond the cut (and an empty rationale
    plants nothing); only the instance with every planted token kept is scored."""
    rows = rows_of((10, 11, 12), (10, 11, 12), (10, 11, 12)).assign(rationale=[[0, 2], [0, 3], []])
    out = faith.planted(model, rows, {"rankings": ["attention"]})
    assert out["id"].tolist() == ["hand-0"] and out["n_planted"].tolist() == [2]


def test_no_rationale_gives_an_empty_table(model, rows):
    assert faith.planted(model, rows, {}).empty


def summary_input() -> pd.DataFrame:
    """Two seeds, two rankings (random with two orderings), hand-chosen AOPCs."""
    rows = []
    # skewed on purpose: per-seed medians (attention 0.6, random 0.05) are not the means
    for seed, att, rnd in ((1, [0.4, 0.6], [0.1, 0.5, 0.0, 0.0]), (2, [0.9, 0.6, 0.6], [0.2, 0.2])):
        for value in att:
            rows.append(("attention", seed, value))
        for value in rnd:
            rows.append(("random", seed, value))
    table = pd.DataFrame(rows, columns=["ranking", "seed", "aopc_comprehensiveness"])
    return table.assign(dataset="d", model="lstm-additive", aopc_sufficiency=0.0)


def test_summary_means_per_seed_then_over_seeds_with_the_random_control():
    out = report.eraser_summary(summary_input()).set_index("ranking")
    # attention: seed means 0.5 and 0.7 -> 0.6; random pooled over orderings: 0.15, 0.2
    assert out.loc["attention", "aopc_comprehensiveness"] == pytest.approx(0.6)
    assert out.loc["random", "aopc_comprehensiveness"] == pytest.approx(0.175)
    assert out.loc["attention", "aopc_comprehensiveness_random"] == pytest.approx(0.175)
    assert out.loc["attention", "aopc_comprehensiveness_over_random"] == pytest.approx(0.425)
    std = np.std([0.5, 0.7], ddof=1)
    assert out.loc["attention", "aopc_comprehensiveness_ci95"] == pytest.approx(
        12.706204736174704 * std / np.sqrt(2)
    )
    assert (out["n_seeds"] == 2).all()


def test_rationales_read_back_in_eraser_format(model, rows, tmp_path):
    table = faith.eraser(model, rows, {"rankings": ["attention", "loo"], "percents": [50.0]})
    table = table.assign(dataset="d", model="m", seed=1)
    path = tmp_path / "rationales.jsonl"
    report.write_rationales(table, str(path))
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(records) == 2 * len(SEQUENCES)
    for record in records:
        seq = SEQUENCES[int(record["annotation_id"].split("-")[1])]
        (rationale,) = record["rationales"]
        assert rationale["docid"] == record["annotation_id"]
        assert len(rationale["soft_rationale_predictions"]) == len(seq)
        covered = sum(
            s["end_token"] - s["start_token"] for s in rationale["hard_rationale_predictions"]
        )
        assert covered == math.ceil(len(seq) / 2)  # the 50 % bin: hard spans cover the top half
        for span in rationale["hard_rationale_predictions"]:
            assert 0 <= span["start_token"] < span["end_token"] <= len(seq)
        full = distribution(seq)
        assert record["classification"] == str(int(full.argmax()))
        assert record["classification_scores"] == pytest.approx({"0": full[0], "1": full[1]})
    att = [r for r in records if r["ranking"] == "attention" and r["annotation_id"] == "hand-0"]
    # attention on (10, 11, 12, 13): scores 2, 0, 1, -1 -> top 2 = tokens 0 and 2: two spans
    assert att[0]["rationales"][0]["hard_rationale_predictions"] == [
        {"start_token": 0, "end_token": 1}, {"start_token": 2, "end_token": 3}
    ]  # fmt: skip


def test_settings_refuse_percent_bins_outside_zero_to_a_hundred():
    with pytest.raises(settings.SettingsError, match="is more than 100"):
        settings.Eraser.of({"percents": [50.0, 150.0]})
    with pytest.raises(settings.SettingsError, match="is not above 0"):
        settings.Eraser.of({"percents": [0.0]})


def test_agreement_is_kendall_tau_with_each_reference_per_seed_then_over_seeds():
    rows = []
    # seed 1: attention orders the 3 tokens as the gradient does (tau 1) and reverses LOO
    # (tau -1); seed 2: one swap against the gradient (tau 1/3), LOO the same (1/3)
    scores = {
        1: {"gradient": [3, 2, 1], "loo": [1, 2, 3], "attention": [0.5, 0.3, 0.2]},
        2: {"gradient": [3, 2, 1], "loo": [3, 2, 1], "attention": [0.3, 0.5, 0.2]},
    }
    for seed, by_ranking in scores.items():
        for ranking, values in by_ranking.items():
            values = np.array(values, dtype=float)
            rows.append({"dataset": "d", "model": "m", "seed": seed, "id": "x",
                         "ranking": ranking, "ordering": 0, "scores": values})  # fmt: skip
    table = report.agreement(pd.DataFrame(rows)).set_index("ranking")
    assert table.loc["attention", "tau_gradient"] == pytest.approx((1 + 1 / 3) / 2)
    assert table.loc["attention", "tau_loo"] == pytest.approx((-1 + 1 / 3) / 2)
    assert table.loc["gradient", "tau_gradient"] == pytest.approx(1.0)
    assert "tau_integrated_gradients" not in table  # not computed: left out
    assert table.loc["attention", "n_seeds"] == 2
