"""Wiegreffe & Pinter: fixed (guide) attention, the adversarial objective and training, seed
variance, and their tables, on small synthetic data (seconds)."""

import numpy as np
import pandas as pd
import pytest
import torch

from attnaudit.analyses import wiegreffe_pinter as wp
from attnaudit.analyses.seed_variance import seed_variance
from attnaudit.data.prepare import load_documents, tokenize_documents
from attnaudit.data.tokens import EOS_ID, PAD_ID, SOS_ID
from attnaudit.models import ModelConfig
from attnaudit.models.attention import FixedAttention, masked_softmax
from attnaudit.report import tables
from attnaudit.train import fit
from tests.model_fixtures import small_rows

TRAIN = {"epochs": 3, "threads": 1, "batch_size": 16, "lr": 1.0e-2}


@pytest.fixture(scope="module")
def data():
    opts = {"seed": 0, "n_train": 200, "n_dev": 60, "n_test": 60, "vocab_size": 80}
    table, vocab = tokenize_documents("synthetic", load_documents("synthetic", opts, []), 1)
    return table, ModelConfig(vocab_size=len(vocab), encoder="average", embedding_dim=16)


@pytest.fixture(scope="module")
def base(data):
    table, config = data
    return fit(table, config, TRAIN, seed=1, progress=False)


def padded_batch(rows):
    width = max(len(t) for t in rows["token_ids"])
    tokens = torch.tensor([t + [PAD_ID] * (width - len(t)) for t in rows["token_ids"]])
    real = (tokens != PAD_ID) & (tokens != SOS_ID) & (tokens != EOS_ID)
    return tokens, real


def test_uniform_frozen_attention_is_exactly_one_over_t(data):
    rows = small_rows(n=20)
    tokens, real = padded_batch(rows)
    guide = wp.guide_attention(None, rows.assign(split="test"))
    for w, n in zip(guide["attention"], real.sum(1).tolist(), strict=True):
        assert len(w) == n and (w == 1.0 / n).all()  # the stored guide itself is 1/T
    for fixed in (FixedAttention.uniform(rows["id"], real.sum(1).tolist()), wp.fixed_guide(guide)):
        weights = fixed.batch(list(rows["id"]), real)
        n = real.sum(1, keepdim=True).float()
        assert torch.equal(weights[real], (1.0 / n).expand_as(weights)[real])
        assert (weights[~real] == 0).all()  # <SOS>, <EOS> and padding
    # trained with it, the MLP's attention never moves from 1/T
    table, config = data
    test = table[table["split"] == "test"]
    fixed = wp.fixed_guide(wp.guide_attention(None, table))
    result = fit(table, config, {**TRAIN, "epochs": 1}, seed=1, progress=False,
                 fixed_attention=fixed)  # fmt: skip
    assert list(result.predictions["id"]) == list(test["id"])
    for w in result.predictions["attention"]:
        assert (w == np.float32(1.0 / len(w))).all()


def test_the_guide_attention_is_applied_exactly(data, base):
    table, config = data
    guide = wp.guide_attention(base.model, table)
    assert set(guide["split"]) == {"train", "dev", "test"} and len(guide) == len(table)
    mlp = ModelConfig(**{**config.to_dict(), "attention": "uniform"})
    result = fit(table, mlp, {**TRAIN, "epochs": 1}, seed=2, progress=False,
                 fixed_attention=wp.fixed_guide(guide))  # fmt: skip
    expected = guide.set_index("id").loc[result.predictions["id"], "attention"]
    for got, want in zip(result.predictions["attention"], expected, strict=True):
        np.testing.assert_array_equal(got, want)  # the guide's float32 weights, bit for bit
    # the guide's weights are its model's own test attention
    for got, want in zip(base.predictions["attention"], expected, strict=True):
        np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError, match="attention weights for"):
        wrong = FixedAttention({"x": [0.5, 0.5]})
        wrong.batch(["x"], torch.tensor([[False, True, True, True, False]]))


def test_the_kl_term_is_finite_with_masked_positions():
    torch.manual_seed(0)
    mask = torch.tensor(
        [[False, True, True, True, False, False], [False, True, True, False] + [False] * 2]
    )
    logits = torch.randn(2, 6, requires_grad=True)
    p = masked_softmax(logits, mask)
    q = masked_softmax(torch.tensor([[0.0, 0.0, 200.0, 0.0, 0, 0], [0.0, 1.0, 2.0, 0, 0, 0]]), mask)
    assert q[0, 1] == 0.0  # a base weight that underflowed at a real position
    kl = wp.masked_kl(p, q, mask)
    assert torch.isfinite(kl).all() and (kl >= 0).all()
    real = mask[1]
    manual = (p[1, real] * (p[1, real] / q[1, real]).log()).sum()
    torch.testing.assert_close(kl[1], manual)
    assert wp.masked_kl(q, q, mask).abs().max() < 1e-6
    probs = torch.tensor([[0.3, 0.7], [0.9, 0.1]])
    loss = wp.adversarial_objective(probs, p, probs.flip(0), q, mask, lam=0.5).sum()
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(logits.grad).all()
    assert (logits.grad[~mask] == 0).all()


def test_lambda_zero_gives_an_adversary_that_tracks_the_base(data, base):
    table, config = data
    against = wp.adversary_against(base.model, lam=0.0, seed=1)
    adversary = fit(table, config, {**TRAIN, "epochs": 8}, seed=1, progress=False,
                    against=against)  # fmt: skip
    assert against.init_seed == 1001  # its own initialisation, not the base's
    # the epoch is chosen on dev by the lowest adversarial loss, never on test
    history = adversary.history
    assert adversary.best_epoch == history.loc[history["dev_objective"].idxmin(), "epoch"]
    compared = wp.compare_to_base(adversary.predictions, base.predictions)
    # it follows the base's outputs more closely than the base retrained with another seed
    retrained = fit(table, config, TRAIN, seed=2, progress=False)
    noise = wp.compare_to_base(retrained.predictions, base.predictions)
    assert compared["tvd_to_base"].mean() < 0.6 * noise["tvd_to_base"].mean()
    assert (compared["pred"] == compared["base_pred"]).mean() > 0.75
    positive = [np.stack(r.predictions["probs"])[:, 1] for r in (adversary, base)]
    assert np.corrcoef(*positive)[0, 1] > 0.75
    # a large lambda buys attention divergence with output change
    far = fit(table, config, {**TRAIN, "epochs": 2}, seed=1, progress=False,
              against=wp.adversary_against(base.model, lam=1.0, seed=1))  # fmt: skip
    diverged = wp.compare_to_base(far.predictions, base.predictions)
    assert diverged["jsd_to_base"].mean() > compared["jsd_to_base"].mean() + 0.1
    assert np.isfinite(far.history["train_loss"]).all()


def predictions_of(seed, attention, probs):
    return pd.DataFrame(
        {"dataset": "d", "model": "m", "seed": seed, "id": ["a", "b"], "label": [0, 1],
         "pred": [0, 1], "probs": probs, "attention": attention, "length": [2, 3]}
    )  # fmt: skip


def test_seed_variance_is_zero_for_identical_seeds():
    attention = [np.array([0.9, 0.1]), np.array([0.2, 0.3, 0.5])]
    probs = [np.array([0.8, 0.2]), np.array([0.3, 0.7])]
    same = pd.concat([predictions_of(s, attention, probs) for s in (3, 1, 2)])
    out = seed_variance(same)
    assert (out["seed"] == 1).all() and list(out["other_seeds"].iloc[0]) == [2, 3]
    assert (out["median_jsd"] == 0).all() and (out["median_tvd"] == 0).all()
    assert list(out["max_attention"]) == [0.9, 0.5]
    other = predictions_of(2, [np.array([0.1, 0.9]), attention[1]], [probs[1], probs[1]])
    out = seed_variance(pd.concat([predictions_of(1, attention, probs), other]))
    assert out["jsd"].iloc[0][0] > 0.3 and out["jsd"].iloc[1][0] == 0
    assert out["tvd"].iloc[0][0] == pytest.approx(0.5)
    with pytest.raises(ValueError, match="another"):
        seed_variance(predictions_of(1, attention, probs))


def test_guided_and_adversarial_tables():
    metrics = pd.DataFrame(
        {"dataset": "d", "variant": ["base", "uniform", "own"] * 2,
         "guide": ["lstm-additive", "uniform", "average-additive"] * 2,
         "test_f1": [0.8, 0.7, 0.9, 0.9, 0.7, 0.9]}
    )  # fmt: skip
    table = tables.guided_mlp(metrics)
    assert list(table["variant"]) == ["uniform", "own", "base"]
    assert table.loc[2, "mean"] == pytest.approx(0.85) and table.loc[2, "n"] == 2
    assert "| Base model (lstm-additive) | 0.850 ± 0.071 (2) |" in tables.guided_mlp_markdown(table)
    assert (
        "the base model's attention helps the MLP less than its own (F1 0.850 ± 0.635 vs 0.900"
        in (tables.guided_mlp_findings(table))
    )
    adversary = pd.DataFrame(
        {"dataset": "d", "lambda": [0.0, 0.0, 1.0, 1.0], "seed": [1, 2, 1, 2],
         "base_model": "lstm-additive", "test_f1": [0.8, 0.8, 0.5, 0.7],
         "mean_tvd": [0.01, 0.03, 0.2, 0.4], "mean_jsd": [0.1, 0.1, 0.5, 0.6]}
    )  # fmt: skip
    base_runs = pd.DataFrame({"dataset": "d", "model": "lstm-additive", "seed": [1, 2, 3],
                              "test_f1": [0.8, 0.9, 0.1]})  # fmt: skip
    out = tables.adversarial(adversary, base_runs)
    assert list(out["lambda"]) == [0.0, 1.0] and (out["n_seeds"] == 2).all()
    assert out.loc[1, "tvd"] == pytest.approx(0.3) and out.loc[0, "base_f1"] == pytest.approx(0.85)
    assert "adversary, λ = 1" in tables.adversarial_markdown(out)


def test_each_guided_variant_gets_its_own_guide_whatever_the_order_of_the_inputs(monkeypatch):
    """The guides' checkpoints reach wp_guided named by variant and seed (plan.guide_key),
    never matched by position: handed over in reverse, each run still gets its own guide."""
    from attnaudit.stages import wiegreffe_pinter as stage

    monkeypatch.setattr(stage, "load_model", lambda path: (f"model of {path}", {}))
    monkeypatch.setattr(stage.io, "read_table", lambda path: "tokens")
    monkeypatch.setattr(stage.io, "write_table", lambda path, table: None)
    monkeypatch.setattr(stage.wiegreffe_pinter, "guide_attention", lambda m, t, b: f"att({m})")
    monkeypatch.setattr(stage.wiegreffe_pinter, "fixed_guide", lambda guide: guide)
    monkeypatch.setattr(
        stage, "train", lambda *args, fit_options, **kw: {"guide": fit_options["fixed_attention"]}
    )
    guides = {"own": "average-additive", "base": "lstm-additive", "adversary": "adversary-lambda1"}
    files = {}
    for seed in (2, 1):  # the reverse of the order train_guided walks
        for variant in reversed(guides):
            files[f"{variant}_guide_model_{seed}"] = f"{variant}{seed}.pt"
            for kind in ("checkpoint", "history", "metrics", "predictions", "guide"):
                files[f"{variant}_{kind}_{seed}"] = f"out/{variant}/{seed}/{kind}"
    results = stage.train_guided(
        "synthetic", [1, 2], guides, "average", {}, tokens="t", vocab="v", summary="s", **files
    )
    assert {key: run["guide"] for key, run in results.items()} == {
        (1, "own"): "att(model of own1.pt)",
        (1, "base"): "att(model of base1.pt)",
        (1, "adversary"): "att(model of adversary1.pt)",
        (2, "own"): "att(model of own2.pt)",
        (2, "base"): "att(model of base2.pt)",
        (2, "adversary"): "att(model of adversary2.pt)",
    }
