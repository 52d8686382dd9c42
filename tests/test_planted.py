"""Planted-token recovery counting the distractors as evidence, and rows whose label the
noise replaced flagged and left out of the summary: by hand on a model whose attention is
known, and summaries over hand-made tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from attnaudit.analyses import faithfulness as faith
from attnaudit.report import columns
from attnaudit.report import faithfulness as report
from tests.model_fixtures import hand_model, rows_of

# token id -> (attention score, logit contribution)
TOKENS = {10: (2.0, 3.0), 11: (0.0, -1.0), 12: (1.0, 0.5), 13: (-1.0, 2.0), 14: (0.5, -2.0)}


@pytest.fixture(scope="module")
def model():
    return hand_model(TOKENS, bias=-0.25)


def test_distractors_count_as_evidence_by_hand(model):
    """Instance 0: attention order positions 0, 2, 1, 3; P = {0, 3}, D = {2}. Top 2 = {0, 2}:
    precision 1/2, distractor share 1/2; E = {0, 2, 3}, top 3 = {0, 2, 1}: 2/3, AP = (1/1 +
    2/2 + 3/4) / 3. Instance 1: order 3, 1, 0, 2, 4; P = {3}, D = {0} (7 lies beyond the
    5 real tokens); top 1 = {3}: precision 1, share 0; E = {0, 3}, top 2 = {3, 1}: 1/2,
    AP = (1/1 + 2/3) / 2. Its label was replaced by noise: flagged."""
    rows = rows_of((10, 11, 12, 13), (14, 12, 11, 10, 13)).assign(
        rationale=[[0, 3], [3]], distractors=[[2], [0, 7]], label_flipped=[False, True]
    )
    out = faith.planted(model, rows, {"rankings": ["attention"]}).set_index("id")
    first, second = out.loc["hand-0"], out.loc["hand-1"]
    assert first["precision_at_k"] == 0.5 and first["distractor_share"] == 0.5
    assert first["n_planted"] == 2 and first["n_distractors"] == 1 and first["n_evidence"] == 3
    assert first["evidence_precision_at_k"] == pytest.approx(2 / 3)
    assert first["evidence_average_precision"] == pytest.approx((1 + 1 + 3 / 4) / 3)
    assert first["average_precision"] == pytest.approx((1 + 2 / 4) / 2)
    assert not first["label_flipped"]
    assert second["precision_at_k"] == 1.0 and second["distractor_share"] == 0.0
    assert second["n_distractors"] == 1 and second["n_evidence"] == 2
    assert second["evidence_precision_at_k"] == 0.5
    assert second["evidence_average_precision"] == pytest.approx((1 + 2 / 3) / 2)
    assert second["label_flipped"]


def test_without_distractor_columns_evidence_is_the_planted_set(model):
    """A rationale with no distractors nor flags: nothing flagged, no distractor share,
    and the evidence metrics equal the planted ones (precision 1/2 and AP 3/4 by hand)."""
    rows = rows_of((10, 11, 12, 13)).assign(rationale=[[0, 3]])
    out = faith.planted(model, rows, {"rankings": ["attention"]}).iloc[0]
    assert not out["label_flipped"] and out["n_distractors"] == 0
    assert out["distractor_share"] == 0.0
    assert out["evidence_precision_at_k"] == out["precision_at_k"] == 0.5
    assert out["evidence_average_precision"] == pytest.approx((1 + 2 / 4) / 2)


def test_a_random_ranking_puts_the_distractors_share_of_its_top_k_on_them(model):
    """Random orders: the expected share of a top k on the distractors is |D| / n; here
    1 of 4 real tokens, over 400 orderings within a few percent."""
    rows = rows_of((10, 11, 12, 13)).assign(rationale=[[0]], distractors=[[2]])
    out = faith.planted(model, rows, {"rankings": ["random"], "n_random": 400, "seed": 1})
    assert out["distractor_share"].mean() == pytest.approx(0.25, abs=0.05)
    assert out["evidence_precision_at_k"].mean() == pytest.approx(2 / 4, abs=0.06)


def table(rows) -> pd.DataFrame:
    columns = ["seed", "ranking", "ordering", "label_flipped", *report.PLANTED_MEASURES]
    frame = pd.DataFrame(rows, columns=columns).assign(dataset="synthetic", model="m")
    frame["planted_ranks"] = [np.array([1])] * len(frame)
    frame["n_planted"] = 1
    return frame


def test_summary_leaves_flipped_rows_out_and_means_per_seed_then_over_seeds():
    """attention precision: seed 1 (0.4 + 0.6) / 2 = 0.5 (the flipped 0.0 left out), seed 2
    0.7 -> 0.6; distractor share 0.2 and 0.4 -> 0.3; random pooled over its orderings."""
    frame = table([
        (1, "attention", 0, False, 0.4, 0.5, 0.2, 0.6, 0.7),
        (1, "attention", 0, False, 0.6, 0.5, 0.2, 0.8, 0.7),
        (1, "attention", 0, True, 0.0, 0.0, 1.0, 0.0, 0.0),
        (2, "attention", 0, False, 0.7, 0.9, 0.4, 0.9, 0.9),
        (1, "random", 0, False, 0.1, 0.2, 0.1, 0.2, 0.3),
        (1, "random", 1, False, 0.3, 0.2, 0.3, 0.2, 0.3),
        (2, "random", 0, True, 0.9, 0.9, 0.9, 0.9, 0.9),
        (2, "random", 0, False, 0.2, 0.2, 0.2, 0.2, 0.3),
    ])  # fmt: skip
    out = report.planted_summary(frame).set_index("ranking")
    assert out.loc["attention", "precision_at_k"] == pytest.approx(0.6)
    assert out.loc["attention", "distractor_share"] == pytest.approx(0.3)
    assert out.loc["attention", "evidence_precision_at_k"] == pytest.approx((0.7 + 0.9) / 2)
    assert out.loc["random", "precision_at_k"] == pytest.approx(0.2)
    assert out.loc["attention", "distractor_share_random"] == pytest.approx(0.2)
    assert out.loc["attention", "precision_at_k_over_random"] == pytest.approx(0.4)
    assert set(report.PLANTED_MEASURES) <= set(columns.FAITHFULNESS)
    assert all(f"{m}_random" in columns.FAITHFULNESS for m in report.PLANTED_MEASURES)


def test_recall_curves_leave_flipped_rows_out():
    """Top-j recall of one planted token at rank 2: 0 at j = 1, 1 from j = 2; the flipped
    row (rank 1) would make j = 1 read 1/2."""
    frame = table([(1, "attention", 0, False, 0, 0, 0, 0, 0),
                   (1, "attention", 0, True, 1, 1, 0, 1, 1)])  # fmt: skip
    frame["planted_ranks"] = [np.array([2]), np.array([1])]
    curve = report.recall_curves(frame, depth=3).iloc[0]
    assert (curve["top_1"], curve["top_2"], curve["top_3"]) == (0.0, 1.0, 1.0)
