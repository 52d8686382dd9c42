"""Jain & Wallace analyses on small seeded models: invariants and table layout."""

import numpy as np
import pandas as pd
import pytest
import torch

from attnaudit import settings
from attnaudit.analyses import jain_wallace
from attnaudit.engine import Engine
from attnaudit.metrics import jsd, tvd
from attnaudit.models.attention import masked_softmax
from attnaudit.report import tables
from tests.model_fixtures import small_model, small_rows

FAST_ADVERSARY = {"steps": 60, "lr": 0.05, "batch_size": 16}


@pytest.fixture(scope="module")
def rows():
    return small_rows(n=30)


@pytest.mark.parametrize("encoder", ["lstm", "average"])
def test_adversaries_respect_the_constraint_and_jsd_bounds(encoder, rows):
    model = small_model(encoder)
    for select in (0.01, 0.05):
        out = jain_wallace.adversary(model, rows, {**FAST_ADVERSARY, "select_epsilon": select})
        assert list(out["id"]) == list(rows["id"])
        assert (out["output_tvd"] <= select + 1e-9).all()
        assert out["max_jsd"].between(0.0, np.log(2) + 1e-9).all()
        assert (out["select_epsilon"] == select).all() and (out["epsilon"] == 0.01).all()
        for w, n in zip(out["adversary_attention"], out["length"], strict=True):
            assert len(w) == n and w.sum() == pytest.approx(1.0, abs=1e-5)
    # The search finds real alternatives: most multi-token instances get JSD well above 0.
    assert (out.loc[out["length"] > 3, "max_jsd"] > 0.1).mean() > 0.5


def test_adversary_search_is_repeatable(rows):
    model = small_model("cnn")
    a = jain_wallace.adversary(model, rows, FAST_ADVERSARY)
    b = jain_wallace.adversary(model, rows, FAST_ADVERSARY)
    pd.testing.assert_frame_equal(a, b)


def test_permutation_of_uniform_attention_changes_nothing(rows):
    out = jain_wallace.permutation(small_model("lstm", attention="uniform"), rows)
    assert np.allclose(out["median_change"], 0.0, atol=1e-6)
    learned = jain_wallace.permutation(small_model("average"), rows, {"n_permutations": 20})
    assert (learned.loc[learned["length"] > 2, "median_change"] > 0).all()
    assert (learned.loc[learned["length"] == 1, "median_change"] == 0).all()


def test_importance_agreement_columns_and_ranges(rows):
    out = jain_wallace.importance_agreement(small_model("lstm"), rows)
    for pair in ("attn_grad", "attn_loo", "grad_loo"):
        taus = out[f"tau_{pair}"].dropna()
        assert taus.between(-1, 1).all() and len(taus) == (out["length"] >= 2).sum()
    assert out.loc[out["length"] == 1, "tau_attn_grad"].isna().all()
    for a, g, n in zip(out["attention"], out["gradient"], out["length"], strict=True):
        assert len(a) == len(g) == n


def test_tau_table_groups_by_predicted_class_and_seed():
    frame = pd.DataFrame(
        {
            "dataset": "d", "model": "m", "seed": [1, 1, 1, 2, 2, 2], "pred": [0, 0, 1, 0, 0, 1],
            "tau_attn_grad": [0.2, 0.4, 0.9, 0.4, 0.6, 0.7],
            "p_attn_grad": [0.01, 0.2, 0.01, 0.01, 0.01, 0.5],
            "tau_attn_loo": 0.5, "p_attn_loo": 0.5, "tau_grad_loo": 0.1, "p_grad_loo": 0.01,
        }
    )  # fmt: skip
    per_seed = tables.tau_by_class(frame)
    row = per_seed.query("pair == 'attn_grad' and seed == 1 and pred == 0").iloc[0]
    assert row["tau_mean"] == pytest.approx(0.3) and row["sig_frac"] == pytest.approx(0.5)
    table = tables.tau_table(per_seed)
    row = table.query("pair == 'attn_grad' and pred == 0").iloc[0]
    assert row["tau_mean"] == pytest.approx(0.4) and row["n_seeds"] == 2
    assert "0.40 ± 0.14 (0.75)" in tables.tau_markdown(table)


def test_results_do_not_depend_on_batch_size(rows):
    """Per-instance random streams: batching changes nothing but float rounding."""
    model = small_model("lstm")
    small = jain_wallace.permutation(model, rows, {"batch_size": 3, "n_permutations": 30})
    large = jain_wallace.permutation(model, rows, {"batch_size": 64, "n_permutations": 30})
    np.testing.assert_allclose(small["median_change"], large["median_change"], atol=1e-6)
    sub = rows.iloc[:8].reset_index(drop=True)
    one = jain_wallace.adversary(model, sub, {**FAST_ADVERSARY, "batch_size": 1})
    many = jain_wallace.adversary(model, sub, {**FAST_ADVERSARY, "batch_size": 8})
    np.testing.assert_allclose(one["max_jsd"], many["max_jsd"], atol=1e-4)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_hand_written_adversary_gradient_equals_autograd(n_classes, rows):
    """The search's gradient against autograd of the loss as docs/experiments.md writes it."""
    model = small_model("lstm", n_classes=n_classes)
    engine = Engine(model, batch_size=64)
    cfg = settings.Adversary.of({"epsilon": 0.002, "k": 4})
    batch = next(iter(engine.batches(rows[rows["token_ids"].map(len) > 3])))
    k = 4
    torch.manual_seed(0)
    scores = torch.randn(*batch.attention.shape[:1], k, batch.attention.shape[1])
    weights = masked_softmax(scores, batch.mask.unsqueeze(1)).requires_grad_(True)
    own = batch.attention.unsqueeze(1)
    change = tvd(engine.probabilities(batch, weights), batch.probs.unsqueeze(1))
    pairs = jsd(weights.unsqueeze(2), weights.unsqueeze(1)).sum((1, 2)) / 2
    loss = cfg.lam * torch.relu(change - cfg.epsilon).sum() - (
        jsd(weights, own).sum() + pairs.sum() / (k * (k - 1))
    )
    (expected,) = torch.autograd.grad(loss, weights)
    assert (change > cfg.epsilon).any() and (change < cfg.epsilon).any()
    got = jain_wallace.adversary_gradient(engine, batch, weights.detach(), cfg)
    real = batch.mask.unsqueeze(1)  # elsewhere the softmax's backward gives 0 either way
    torch.testing.assert_close(got * real, expected * real, atol=1e-4, rtol=1e-4)
