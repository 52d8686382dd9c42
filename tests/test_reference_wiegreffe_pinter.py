"""Wiegreffe & Pinter's measures against hand computations: seed variance (JSD of
attention and TVD of outputs to the base seed, medians over the other seeds), the masked
KL and the adversarial model's objective."""

import numpy as np
import pandas as pd
import pytest
import torch
from scipy.spatial.distance import jensenshannon

from attnaudit.analyses import wiegreffe_pinter as wp
from attnaudit.analyses.seed_variance import seed_pairs, seed_variance


def jsd(p, q) -> float:
    return float(jensenshannon(p, q) ** 2)  # natural log (test_reference_adversary)


def tvd(p, q) -> float:
    return 0.5 * float(np.abs(np.asarray(p) - np.asarray(q)).sum())


# per seed: attention of instances a (2 items) and b (3 items), output distributions
ATTENTION = {
    1: [[0.9, 0.1], [0.2, 0.3, 0.5]],
    2: [[0.5, 0.5], [0.2, 0.3, 0.5]],
    3: [[0.1, 0.9], [0.6, 0.2, 0.2]],
    4: [[0.85, 0.15], [0.3, 0.3, 0.4]],
}
PROBS = {
    1: [[0.8, 0.2], [0.3, 0.7]],
    2: [[0.6, 0.4], [0.3, 0.7]],
    3: [[0.1, 0.9], [0.9, 0.1]],
    4: [[0.75, 0.25], [0.4, 0.6]],
}


def predictions(seed: int, order=(0, 1)) -> pd.DataFrame:
    ids, labels = ["a", "b"], [0, 1]
    return pd.DataFrame(
        {"dataset": "d", "model": "m", "seed": seed, "id": [ids[i] for i in order],
         "label": [labels[i] for i in order],
         "pred": [int(np.argmax(PROBS[seed][i])) for i in order],
         "probs": [np.array(PROBS[seed][i]) for i in order],
         "attention": [np.array(ATTENTION[seed][i]) for i in order],
         "length": [len(ATTENTION[seed][i]) for i in order]}
    )  # fmt: skip


def test_seed_variance_by_hand():
    """Base seed 2 against seeds 1, 3 and 4 (their rows in another order: matched by id);
    three other seeds, so the median is not the mean."""
    table = pd.concat([predictions(1, (1, 0)), predictions(2), predictions(3, (1, 0)),
                       predictions(4)])  # fmt: skip
    out = seed_variance(table, base_seed=2).set_index("id")
    assert list(out.index) == ["a", "b"] and (out["seed"] == 2).all()
    for i, key in enumerate(["a", "b"]):
        row = out.loc[key]
        assert list(row["other_seeds"]) == [1, 3, 4]
        jsds = [jsd(ATTENTION[s][i], ATTENTION[2][i]) for s in (1, 3, 4)]
        tvds = [tvd(PROBS[s][i], PROBS[2][i]) for s in (1, 3, 4)]
        np.testing.assert_allclose(row["jsd"], jsds, atol=1e-9)
        np.testing.assert_allclose(row["tvd"], tvds, atol=1e-12)
        assert row["median_jsd"] == pytest.approx(np.median(jsds), abs=1e-9)
        assert row["median_tvd"] == pytest.approx(np.median(tvds), abs=1e-12)
        assert row["max_attention"] == max(ATTENTION[2][i])
        assert row["pred"] == int(np.argmax(PROBS[2][i]))
    # a: TVDs 0.2, 0.5, 0.15 -> median 0.2 (mean 0.283)
    assert out.loc["a", "median_tvd"] == pytest.approx(0.2)
    assert out.loc["a", "median_jsd"] != pytest.approx(np.mean(out.loc["a", "jsd"]), abs=1e-3)


def test_seed_pairs_by_hand():
    """Every ordered pair of seeds 1, 2, 3 (rows in another order: matched by id)."""
    table = pd.concat([predictions(1, (1, 0)), predictions(2), predictions(3, (1, 0))])
    out = seed_pairs(table)
    assert list(out.columns) == ["dataset", "model", "seed", "other_seed", "id", "jsd", "tvd"]
    pairs = {(b, o) for b in (1, 2, 3) for o in (1, 2, 3) if b != o}
    assert set(zip(out["seed"], out["other_seed"], strict=True)) == pairs and len(out) == 12
    for r in out.itertuples(index=False):
        i = ["a", "b"].index(r.id)
        assert r.jsd == pytest.approx(
            jsd(ATTENTION[r.other_seed][i], ATTENTION[r.seed][i]), abs=1e-9
        )
        assert r.tvd == pytest.approx(tvd(PROBS[r.other_seed][i], PROBS[r.seed][i]), abs=1e-12)
    assert seed_pairs(predictions(1)).empty


def test_compare_to_base_by_hand():
    adversary, base = predictions(3, (1, 0)), predictions(1)
    out = wp.compare_to_base(adversary, base)
    assert list(out.columns) == ["id", "label", "pred", "base_pred", "jsd_to_base", "tvd_to_base"]
    out = out.set_index("id")
    for i, key in enumerate(["a", "b"]):
        assert out.loc[key, "jsd_to_base"] == pytest.approx(
            jsd(ATTENTION[3][i], ATTENTION[1][i]), abs=1e-9
        )
        assert out.loc[key, "tvd_to_base"] == pytest.approx(tvd(PROBS[3][i], PROBS[1][i]))
        assert out.loc[key, "base_pred"] == int(np.argmax(PROBS[1][i]))
        assert out.loc[key, "pred"] == int(np.argmax(PROBS[3][i]))


P = torch.tensor([[0.0, 0.7, 0.2, 0.1, 0.0], [0.0, 0.5, 0.5, 0.0, 0.0]], dtype=torch.float64)
Q = torch.tensor([[0.0, 0.1, 0.3, 0.6, 0.0], [0.0, 0.25, 0.75, 0.0, 0.0]], dtype=torch.float64)
MASK = torch.tensor([[False, True, True, True, False], [False, True, True, False, False]])


def kl_by_hand() -> list[float]:
    return [
        0.7 * np.log(0.7 / 0.1) + 0.2 * np.log(0.2 / 0.3) + 0.1 * np.log(0.1 / 0.6),
        0.5 * np.log(0.5 / 0.25) + 0.5 * np.log(0.5 / 0.75),
    ]


def test_masked_kl_is_kl_of_the_first_from_the_second_over_real_positions():
    np.testing.assert_allclose(wp.masked_kl(P, Q, MASK).numpy(), kl_by_hand(), rtol=1e-12)
    # junk outside the mask is left out
    junk = P.clone()
    junk[:, 0] = 0.3
    np.testing.assert_allclose(wp.masked_kl(junk, Q, MASK).numpy(), kl_by_hand(), rtol=1e-12)


def test_adversarial_objective_by_hand():
    """TVD(y_a, y_b) - lambda KL(alpha_a || alpha_b), per instance."""
    probs = torch.tensor([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]], dtype=torch.float64)
    base = torch.tensor([[0.1, 0.3, 0.6], [0.6, 0.3, 0.1]], dtype=torch.float64)
    out = wp.adversarial_objective(probs, P, base, Q, MASK, lam=0.7)
    tvds = [0.5 * (0.1 + 0.2 + 0.3), 0.5 * (0.0 + 0.2 + 0.2)]
    expected = np.array(tvds) - 0.7 * np.array(kl_by_hand())
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)
