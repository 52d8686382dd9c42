"""Replacing learned attention at inference (Vashishth et al. 2019), by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from attnaudit.analyses import vashishth
from attnaudit.engine import Engine
from attnaudit.report import replacement as report
from attnaudit.train import scores_of
from tests.model_fixtures import hand_model, hand_output, rows_of

TOKENS = {10: (2.0, 3.0), 11: (0.0, -1.0), 12: (1.0, 0.5), 13: (-1.0, -4.0)}
BIAS = 0.1
SEQUENCES = [(10, 11, 12, 13), (13, 11), (12,)]


@pytest.fixture(scope="module")
def model():
    return hand_model(TOKENS, bias=BIAS)


def test_each_replacement_by_hand(model):
    rows = rows_of(*SEQUENCES, labels=[1, 0, 1])
    cfg = {"n_draws": 3, "seed": 2}
    out = vashishth.replacement(model, rows, cfg)
    columns = ["id", "label", "pred", "length", "max_attention", "replacement", "draw",
               "replaced_pred", "p_learned_pred"]  # fmt: skip
    assert list(out.columns) == columns
    assert list(out["replacement"].unique()) == ["learned", "uniform", "random", "permuted",
                                                 "removed"]  # fmt: skip
    counts = out.groupby("replacement").size()
    assert counts["learned"] == counts["uniform"] == counts["removed"] == 3
    assert counts["random"] == 9
    engine = Engine(model)
    for i, seq in enumerate(SEQUENCES):
        mine = out[out["id"] == f"hand-{i}"].set_index(["replacement", "draw"])
        full = hand_output(TOKENS, seq, BIAS)
        pred = int(full.argmax())
        assert mine.loc[("learned", 0), "replaced_pred"] == pred
        assert mine.loc[("learned", 0), "p_learned_pred"] == pytest.approx(full[pred])
        uniform = hand_output(TOKENS, seq, BIAS, attention=np.full(len(seq), 1 / len(seq)))
        assert mine.loc[("uniform", 0), "replaced_pred"] == uniform.argmax()
        assert mine.loc[("uniform", 0), "p_learned_pred"] == pytest.approx(uniform[pred])
        removed = hand_output(TOKENS, seq, BIAS, attention=np.zeros(len(seq)))  # the bias
        assert mine.loc[("removed", 0), "replaced_pred"] == removed.argmax()
        assert mine.loc[("removed", 0), "p_learned_pred"] == pytest.approx(removed[pred])
    # the drawn weights: random ones positive and normalised, permuted ones a permutation
    batch = next(iter(engine.batches(rows)))
    stacks = vashishth.replacements(engine, batch, vashishth.settings.Replacement.of(cfg))
    real = batch.mask.unsqueeze(1)
    random = stacks["random"]
    assert ((random > 0) == real.expand_as(random)).all()
    np.testing.assert_allclose(random.sum(-1).numpy(), 1.0, atol=1e-12)
    for j in range(len(batch.ids)):
        own = np.sort(batch.attention[j].numpy())
        for d in range(3):
            np.testing.assert_allclose(np.sort(stacks["permuted"][j, d].numpy()), own)
    assert not np.allclose(random[:, 0].numpy(), random[:, 1].numpy())  # draws differ
    # the permutations are drawn apart from the random weights, not ordered by them
    assert not torch.equal(
        stacks["permuted"], engine.permutations(batch.attention, batch.mask, random)
    )


def test_table_scores_per_seed_then_drop_paired_by_seed():
    """Seed 1: learned right on 3 of 4, uniform on 1 of 4 (drop 0.5); seed 2: 4 of 4 and
    3 of 4 (drop 0.25): mean drop 0.375."""
    rows = []
    labels = [1, 0, 1, 0]
    for seed, learned, uniform in (
        (1, [1, 0, 1, 1], [0, 1, 1, 1]),
        (2, [1, 0, 1, 0], [1, 0, 1, 1]),
    ):
        for name, preds in (("learned", learned), ("uniform", uniform)):
            for i, (y, p) in enumerate(zip(labels, preds, strict=True)):
                rows.append(("d", "m", seed, f"i{i}", y, name, 0, p))
    table = pd.DataFrame(
        rows, columns=["dataset", "model", "seed", "id", "label", "replacement", "draw",
                       "replaced_pred"],
    )  # fmt: skip
    seeds = report.per_seed(table, {"d": 2}).set_index(["seed", "replacement"])
    assert seeds.loc[(1, "learned"), "accuracy"] == 0.75
    assert seeds.loc[(1, "uniform"), "accuracy"] == 0.25
    assert seeds.loc[(1, "uniform"), "accuracy_drop"] == 0.5
    # F1 of the positive class, seed 1 uniform: tp 1, 3 predicted, 2 true -> 2/5
    assert seeds.loc[(1, "uniform"), "f1"] == pytest.approx(0.4)
    out = report.summary(table, {"d": 2}).set_index("replacement")
    assert out.loc["uniform", "accuracy_drop"] == pytest.approx(0.375)
    assert list(out.index) == ["learned", "uniform"]
    assert "0.375 ±" in report.markdown(out.reset_index())


def test_macro_f1_over_the_datasets_classes_when_a_class_is_missing():
    """Labels 0, 1, 2, 0 predicted 0, 1, 1, 0: per-class F1 = 2 tp / (labels + predictions)
    is 1 (class 0), 2/3 (class 1), 0 (class 2) and 0 for class 3, neither labelled nor
    predicted. Dataset "d" has 4 classes: macro F1 (1 + 2/3) / 4 = 5/12, as the run's own
    `test_f1` (`train.scores_of`) on probabilities with those argmaxes; the same rows of a
    3-class dataset "e" give 5/9 (guessing the count from the rows would give 5/9 for both)."""
    labels, preds = [0, 1, 2, 0], [0, 1, 1, 0]
    table = pd.DataFrame(
        [(d, "m", 1, f"i{i}", y, "learned", 0, p)
         for d in ("d", "e") for i, (y, p) in enumerate(zip(labels, preds, strict=True))],
        columns=["dataset", "model", "seed", "id", "label", "replacement", "draw",
                 "replaced_pred"],
    )  # fmt: skip
    out = report.summary(table, {"d": 4, "e": 3}).set_index("dataset")
    assert out.loc["d", "f1"] == pytest.approx(5 / 12)
    assert out.loc["e", "f1"] == pytest.approx(5 / 9)
    assert out.loc["d", "accuracy"] == pytest.approx(3 / 4)
    probs = np.full((4, 4), 0.1)
    probs[np.arange(4), preds] = 0.7
    run = scores_of(pd.DataFrame({"label": labels, "probs": list(probs)}), 4)
    assert out.loc["d", "f1"] == pytest.approx(run["f1"])
