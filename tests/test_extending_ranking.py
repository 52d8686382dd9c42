"""docs/extending.md#ranking: a new ranking is one function plus one registry entry, and
the analyses that ask the registry (here ERASER's faithfulness) use it unchanged."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from attnaudit import settings
from attnaudit.analyses import faithfulness
from attnaudit.importance import registry
from tests.model_fixtures import hand_model, hand_output, rows_of


def first_tokens_first(model, rows, opts) -> list[np.ndarray]:
    """s_t = -t: earlier tokens rank higher (a position prior, the docs' example)."""
    return [-np.arange(model.item_count(ids), dtype=np.float64) for ids in rows["token_ids"]]


TOKENS = {10: (2.0, 3.0), 11: (0.0, -2.0), 12: (1.0, 0.5), 13: (0.5, 4.0)}


def test_a_registered_ranking_runs_through_the_eraser_scoring(monkeypatch):
    """Comprehensiveness at 50 %: p_yhat(x) - p_yhat(x without its first half), by hand."""
    monkeypatch.setitem(registry.RANKINGS, "first_tokens", registry.Ranking(first_tokens_first))
    sequences = [[10, 11, 11, 11], [12, 13, 11, 10]]
    cfg = dataclasses.replace(settings.Eraser(), rankings=("first_tokens",), percents=(50.0,))
    out = faithfulness.eraser(hand_model(TOKENS), rows_of(*sequences), cfg)
    assert out["ranking"].tolist() == ["first_tokens", "first_tokens"]
    for row, seq in zip(out.itertuples(index=False), sequences, strict=True):
        full = hand_output(TOKENS, seq)
        pred = int(full.argmax())
        np.testing.assert_allclose(row.scores, [0.0, -1.0, -2.0, -3.0])
        without = hand_output(TOKENS, seq[2:])[pred]
        alone = hand_output(TOKENS, seq[:2])[pred]
        assert row.comprehensiveness_50 == pytest.approx(full[pred] - without, abs=1e-9)
        assert row.sufficiency_50 == pytest.approx(full[pred] - alone, abs=1e-9)
