"""Importance measures against independent references: central finite differences of the
model's own forward pass, and numbers computed by hand on `hand_model`.

Gradient importance (Jain & Wallace): g_t = |dp_pred/de_t . e_t| with attention held
fixed. dp/de_t . e_t is the derivative along e_t, so its reference is one central
difference per token, (p(e_t (1 + h)) - p(e_t (1 - h))) / 2h. For a binary model the
other class's g is the same (p_0 = 1 - p_1, and |.|), so "wrong class" is checked on a
3-class model. The attention gradient (Serrano & Smith) is signed, so binary shows it too.
"""

import numpy as np
import pytest
import torch
from scipy import stats

from attnaudit.analyses import jain_wallace
from attnaudit.data.batching import pad
from attnaudit.engine import Engine
from attnaudit.importance import input_level
from attnaudit.importance.scores import Options
from tests.model_fixtures import hand_model, hand_output, rows_of, small_model, small_rows

pytestmark = pytest.mark.usefixtures("one_thread")

STEP = 1e-6


@pytest.fixture(scope="module")
def rows():
    return small_rows(n=12, seed=2)


def model64(encoder: str, n_classes: int = 2):
    return small_model(encoder, seed=1, n_classes=n_classes).double()


@torch.no_grad()
def finite_difference_importance(model, seq, cls: int, attention_moves: bool = False):
    """Per real token, |d p_cls / d e_t . e_t| by central differences along e_t, with the
    attention of the unperturbed input (or, `attention_moves`, recomputed each time)."""
    tokens = pad([seq])
    embedded = model.embedding(tokens)
    mask = model.masks(tokens)[1]
    fixed = model.attend(model.encode_embedded(embedded, tokens), mask)

    def prob(e):
        hidden = model.encode_embedded(e, tokens)
        weights = model.attend(hidden, mask) if attention_moves else fixed
        return float(model.probabilities(model.decode(hidden, weights))[0, cls])

    out = []
    for t in mask[0].nonzero().view(-1).tolist():
        up, down = embedded.clone(), embedded.clone()
        up[0, t] *= 1 + STEP
        down[0, t] *= 1 - STEP
        out.append(abs(prob(up) - prob(down)) / (2 * STEP))
    return np.array(out)


def predicted(model, seq) -> int:
    with torch.no_grad():
        return int(model.probabilities(model(pad([seq]))[0])[0].argmax())


@pytest.mark.parametrize(("encoder", "n_classes"), [("lstm", 2), ("cnn", 3), ("average", 3)])
def test_gradient_importance_equals_finite_differences_with_attention_fixed(
    encoder, n_classes, rows
):
    model = model64(encoder, n_classes)
    got = input_level.gradient(model, rows, Options(batch_size=5))
    for i, seq in enumerate(rows["token_ids"]):
        expected = finite_difference_importance(model, seq, predicted(model, seq))
        np.testing.assert_allclose(got[i], expected, rtol=1e-5, atol=1e-9)


def test_gradient_importance_is_for_the_predicted_class(rows):
    model = model64("lstm", n_classes=3)
    got = input_level.gradient(model, rows, Options(batch_size=64))
    checked = 0
    for i, seq in enumerate(rows["token_ids"]):
        if len(seq) < 4:
            continue
        pred = predicted(model, seq)
        for other in {0, 1, 2} - {pred}:
            wrong = finite_difference_importance(model, seq, other)
            assert not np.allclose(got[i], wrong, rtol=1e-2, atol=0)
            checked += 1
    assert checked >= 10


def test_gradient_importance_holds_attention_fixed(rows):
    """On a model whose attention depends on the input, letting attention move in the
    reference gives another answer: the library's must be the fixed-attention one."""
    model = model64("lstm")
    got = input_level.gradient(model, rows, Options(batch_size=64))
    differ = []
    for i, seq in enumerate(rows["token_ids"]):
        if len(seq) < 4:
            continue
        moving = finite_difference_importance(model, seq, predicted(model, seq), True)
        differ.append(np.abs(got[i] - moving).max() / np.abs(moving).max())
    assert min(differ) > 0.01


# -- the gradient with respect to attention ------------------------------------------------
@torch.no_grad()
def finite_difference_attention(model, seq, cls: int, logit: bool = False) -> np.ndarray:
    """Per real position, d p_cls / d alpha_t (or of logit `cls`, binary: the one logit) by
    central differences on alpha_t alone (no renormalisation), hidden states held fixed;
    context and decoder written out."""
    tokens = pad([seq])
    hidden, mask = model.encode(tokens)
    alpha = model.attend(hidden, mask)[0]
    weight, bias = model.decoder.weight, model.decoder.bias

    def value(a):
        z = weight @ (a @ hidden[0]) + bias
        if logit:
            return float(z[0] if model.binary else z[cls])
        if model.binary:
            p = 1.0 / (1.0 + torch.exp(-z[0]))
            return float(p if cls == 1 else 1.0 - p)
        return float(torch.exp(z[cls]) / torch.exp(z).sum())

    out = []
    for t in mask[0].nonzero().view(-1).tolist():
        up, down = alpha.clone(), alpha.clone()
        up[t] += STEP
        down[t] -= STEP
        out.append((value(up) - value(down)) / (2 * STEP))
    return np.array(out)


@pytest.mark.parametrize(("encoder", "n_classes"), [("lstm", 2), ("gru", 3)])
def test_attention_gradient_equals_finite_differences(encoder, n_classes, rows):
    model = model64(encoder, n_classes)
    engine = Engine(model, batch_size=5)
    seen = 0
    for batch in engine.batches(rows):
        pred = batch.probs.argmax(-1)
        grad = engine.attention_gradient(batch, pred)
        assert (grad[~batch.mask] == 0).all()
        for j, i in enumerate(batch.index):
            seq = rows["token_ids"].iloc[i]
            got = grad[j][batch.mask[j]].numpy()
            np.testing.assert_allclose(
                got, finite_difference_attention(model, seq, int(pred[j])), rtol=1e-5, atol=1e-9
            )
            if len(got) > 1:  # another class, or the logit, gives another answer
                for other in set(range(n_classes)) - {int(pred[j])}:
                    wrong = finite_difference_attention(model, seq, other)
                    assert not np.allclose(got, wrong, rtol=1e-2, atol=0)
                for cls in range(n_classes):
                    logit = finite_difference_attention(model, seq, cls, logit=True)
                    assert not np.allclose(got, logit, rtol=1e-2, atol=0)
                    assert not np.allclose(got, -logit, rtol=1e-2, atol=0)
            seen += 1
    assert seen == len(rows)


# -- importance_agreement on a model computed by hand -------------------------------------
# token: (attention score, logit contributions of 4 classes; with 4, TVD (half the L1
# distance) is not the largest absolute difference, which it always is with 3)
HAND = {10: (2.0, [3.0, 0.0, -1.0, 0.5]), 11: (0.0, [-1.0, 1.0, 0.0, 1.0]),
        12: (1.0, [0.0, -2.0, 2.0, -0.5]), 13: (-1.0, [0.5, 0.5, 0.0, -1.0]),
        14: (0.5, [1.0, -1.0, 1.5, 0.0])}  # fmt: skip
BIAS = [0.1, 0.0, -0.2, 0.3]
SEQUENCES = [[10, 11, 12, 13, 14], [11, 11, 14], [12, 10, 13, 13], [14, 12]]


def softmax(x):
    e = np.exp(np.asarray(x) - np.max(x))
    return e / e.sum()


def test_importance_agreement_columns_equal_hand_computations():
    model = hand_model(HAND, bias=BIAS, n_classes=4)
    out = jain_wallace.importance_agreement(model, rows_of(*SEQUENCES), {"batch_size": 2})
    for i, seq in enumerate(SEQUENCES):
        y = hand_output(HAND, seq, BIAS)
        assert out["pred"].iloc[i] == y.argmax() and out["length"].iloc[i] == len(seq)
        alpha = softmax([HAND[k][0] for k in seq])
        np.testing.assert_allclose(out["attention"].iloc[i], alpha, rtol=1e-12)
        assert out["max_attention"].iloc[i] == pytest.approx(alpha.max())
        # leave-one-out: delete token t, re-run (by hand), TVD = half the L1 distance
        loo = [0.5 * np.abs(hand_output(HAND, seq[:t] + seq[t + 1 :], BIAS) - y).sum()
               for t in range(len(seq))]  # fmt: skip
        np.testing.assert_allclose(out["loo"].iloc[i], loo, rtol=1e-9, atol=1e-12)
        # gradient: attention fixed, so only the contribution entries of e_t matter
        expected = finite_difference_importance(model, [2, *seq, 3], int(y.argmax()))
        np.testing.assert_allclose(out["gradient"].iloc[i], expected, rtol=1e-5, atol=1e-9)
        # and not the one with attention moving (it depends on the input here)
        moving = finite_difference_importance(model, [2, *seq, 3], int(y.argmax()), True)
        assert not np.allclose(out["gradient"].iloc[i], moving, rtol=1e-3, atol=0)


def test_every_kendall_pair_is_scipy_on_the_stored_vectors(rows):
    out = jain_wallace.importance_agreement(small_model("lstm", seed=4), small_rows(n=24, seed=6))
    pairs = {"attn_grad": ("attention", "gradient"), "attn_loo": ("attention", "loo"),
             "grad_loo": ("gradient", "loo")}  # fmt: skip
    checked = 0
    for name, (a, b) in pairs.items():
        for row in out.itertuples(index=False):
            x, y = getattr(row, a), getattr(row, b)
            tau, p = getattr(row, f"tau_{name}"), getattr(row, f"p_{name}")
            if len(x) < 2:
                assert np.isnan(tau) and np.isnan(p)
                continue
            res = stats.kendalltau(x, y)  # tau-b
            assert tau == pytest.approx(res.statistic, abs=1e-12)
            assert p == pytest.approx(res.pvalue, rel=1e-9)
            checked += 1
    assert checked > 3 * 15
    # the three pairs are different numbers: a pair against the wrong measure fails above
    assert not np.allclose(out["tau_attn_grad"], out["tau_attn_loo"], equal_nan=True)
    assert not np.allclose(out["tau_grad_loo"], out["tau_attn_loo"], equal_nan=True)


# -- Integrated Gradients ------------------------------------------------------------------
def riemann_integrated_gradients(model, seq, steps: int = 100) -> np.ndarray:
    """Per class (rows) and real token, e_t . mean over the path x(a) = a e, a at the
    midpoints of `steps` equal intervals of [0, 1], of d p_class / d e_t: the integral by the
    midpoint rule, with autograd gradients of the whole forward pass (attention moving with
    the input)."""
    tokens = pad([seq]).expand(steps, -1)
    embedded = model.embedding(tokens[:1]).detach()
    alphas = (torch.arange(steps, dtype=embedded.dtype) + 0.5) / steps
    path = (alphas.view(-1, 1, 1) * embedded).requires_grad_(True)
    hidden = model.encode_embedded(path, tokens)
    probs = model.probabilities(model.decode(hidden, model.attend(hidden, model.masks(tokens)[1])))
    real = model.masks(tokens[:1])[1][0]
    out = []
    for cls in range(probs.shape[1]):
        (grad,) = torch.autograd.grad(probs[:, cls].sum(), path, retain_graph=True)
        out.append((grad.mean(0) * embedded[0]).sum(-1)[real].numpy())
    return np.array(out)


def test_integrated_gradients_of_the_predicted_class_equal_a_riemann_sum(rows):
    """Per row, captum's IG (as `integrated_gradients` places it on the real tokens) equals
    the midpoint-rule integral of the predicted class's gradient along the straight path
    from the zero embedding; on a 3-class model the other classes' integrals differ."""
    from attnaudit.importance.integrated_gradients import integrated_gradients

    model = model64("lstm", n_classes=3)
    few = rows.iloc[:5]
    got = integrated_gradients(model, few, Options(ig_batch_size=3, ig_steps=32)).values
    for i, seq in enumerate(few["token_ids"]):
        pred = predicted(model, seq)
        expected = riemann_integrated_gradients(model, seq)
        assert got[i].shape == (len(seq) - 2,)
        np.testing.assert_allclose(got[i], expected[pred], rtol=0, atol=1e-6)
        for other in {0, 1, 2} - {pred}:
            assert np.abs(got[i] - expected[other]).max() > 1e-3


def test_importance_agreement_ranks_attention_against_integrated_gradients(rows):
    """With `integrated_gradients`, the importance table's IG column is the midpoint-rule
    integral of the predicted class (the reference above) and tau_attn_ig is scipy's tau-b
    of attention with it; without, neither column is there (Jain & Wallace's table)."""
    model = model64("lstm", n_classes=3)
    few = rows.iloc[:6]
    plain = jain_wallace.importance_agreement(model, few)
    assert "tau_attn_ig" not in plain and "integrated_gradients" not in plain
    out = jain_wallace.importance_agreement(
        model, few, {"integrated_gradients": True, "ig_steps": 32}
    )
    checked = 0
    for i, seq in enumerate(few["token_ids"]):
        expected = riemann_integrated_gradients(model, seq)[predicted(model, seq)]
        np.testing.assert_allclose(out["integrated_gradients"].iloc[i], expected, atol=1e-6)
        if len(expected) > 1:
            res = stats.kendalltau(out["attention"].iloc[i], expected)
            assert out["tau_attn_ig"].iloc[i] == pytest.approx(res.statistic, abs=1e-9)
            assert out["p_attn_ig"].iloc[i] == pytest.approx(res.pvalue, rel=1e-6)
            checked += 1
    assert checked >= 4
    # the IG pair is its own number, not the gradient's
    assert not np.allclose(out["tau_attn_ig"], out["tau_attn_grad"], equal_nan=True)
