"""Sparse attention (sparsemax, 1.5-entmax) against hand computations, and every analysis
where exact zeros matter: erasure that leaves no mass, the adversary's dense candidates,
Kendall tau with ties at 0, JSD and the masked KL with zeros, seed variance."""

import itertools

import numpy as np
import pandas as pd
import pytest
import torch

from attnaudit import kendall, metrics
from attnaudit.analyses import jain_wallace, serrano_smith
from attnaudit.analyses import wiegreffe_pinter as wp
from attnaudit.analyses.seed_variance import divergence_to
from attnaudit.data.batching import pad
from attnaudit.data.tokens import SEP_ID
from attnaudit.engine import Engine
from attnaudit.models import ModelConfig, build_model
from attnaudit.models.attention import masked_entmax15, masked_sparsemax
from attnaudit.report.tables import flip_table
from tests.model_fixtures import hand_model, hand_output, rows_of, small_model, small_rows

pytestmark = pytest.mark.usefixtures("one_thread")


# -- references ----------------------------------------------------------------------------
def sparsemax_reference(z) -> np.ndarray:
    """Sparsemax by its definition: the Euclidean projection onto the simplex, found by
    trying every support of the k largest scores (tau = (sum of those - 1) / k) and keeping
    the one whose weights are positive on it and zero off it."""
    z = np.asarray(z, dtype=np.float64)
    order = np.sort(z)[::-1]
    for k in range(1, len(z) + 1):
        tau = (order[:k].sum() - 1.0) / k
        p = np.maximum(z - tau, 0.0)
        if (p > 0).sum() == k and abs(p.sum() - 1) < 1e-12:
            return p
    raise AssertionError("no support")


def entmax15_reference(z) -> np.ndarray:
    """1.5-entmax, p = max(z / 2 - tau, 0) ** 2 summing to 1, with tau found by bisection
    (sum_t max(z_t / 2 - tau, 0) ** 2 falls as tau grows)."""
    half = np.asarray(z, dtype=np.float64) / 2
    lo, hi = half.max() - 1.0, half.max()  # total >= 1 at lo, 0 at hi
    for _ in range(200):
        tau = (lo + hi) / 2
        total = (np.maximum(half - tau, 0.0) ** 2).sum()
        lo, hi = (tau, hi) if total > 1 else (lo, tau)
    return np.maximum(half - (lo + hi) / 2, 0.0) ** 2


def tau_b(a, b) -> float:
    """Kendall tau-b by counting pairs: (concordant - discordant) / sqrt((n0 - ties_a)
    (n0 - ties_b)), pairs tied in both counting in both tie totals."""
    conc = disc = ties_a = ties_b = 0
    for i, j in itertools.combinations(range(len(a)), 2):
        da, db = np.sign(a[i] - a[j]), np.sign(b[i] - b[j])
        ties_a += da == 0
        ties_b += db == 0
        conc += da * db > 0
        disc += da * db < 0
    n0 = len(a) * (len(a) - 1) / 2
    return (conc - disc) / np.sqrt((n0 - ties_a) * (n0 - ties_b))


# -- the normalisers -----------------------------------------------------------------------
def test_sparsemax_and_entmax_of_a_small_vector_by_hand():
    """sparsemax([1, 0.5, -1]): support {1, 0.5}, tau = (1.5 - 1) / 2 = 0.25, so
    (0.75, 0.25, 0). 1.5-entmax: on the support {1, 0.5}, u = 0.5 - tau solves
    u^2 + (u - 0.25)^2 = 1, u = (0.5 + sqrt(7.75)) / 4; the third weight is 0 because
    -0.5 - tau < 0."""
    mask = torch.tensor([[True, True, True]])
    z = torch.tensor([[1.0, 0.5, -1.0]], dtype=torch.float64)
    torch.testing.assert_close(masked_sparsemax(z, mask)[0], torch.tensor([0.75, 0.25, 0.0],
                               dtype=torch.float64))  # fmt: skip
    u = (0.5 + np.sqrt(7.75)) / 4
    assert -0.5 - (0.5 - u) < 0
    expected = torch.tensor([u**2, (u - 0.25) ** 2, 0.0], dtype=torch.float64)
    assert float(expected.sum()) == pytest.approx(1.0, abs=1e-12)
    torch.testing.assert_close(masked_entmax15(z, mask)[0], expected)


@pytest.mark.parametrize(
    "normalise,reference",
    [(masked_sparsemax, sparsemax_reference), (masked_entmax15, entmax15_reference)],
)
def test_sparse_normalisers_on_real_tokens_only(normalise, reference):
    """Random scores and masks: weights equal the reference on the real positions alone,
    sum to one there, hold exact zeros, and are exactly 0 at masked positions however high
    their scores."""
    g = torch.Generator().manual_seed(0)
    scores = torch.randn(50, 9, generator=g, dtype=torch.float64) * 3
    mask = torch.rand(50, 9, generator=g) < 0.7
    mask[:, 3] = True
    scores[~mask] = 100.0  # a masked position must not take weight
    weights = normalise(scores, mask)
    assert torch.all(weights[~mask] == 0)
    torch.testing.assert_close(weights.sum(-1), torch.ones(50, dtype=torch.float64))
    assert (weights[mask] == 0).any()  # sparse: some real tokens get exactly 0
    for row in range(50):
        real = mask[row]
        np.testing.assert_allclose(weights[row, real].numpy(), reference(scores[row, real]),
                                   atol=1e-9)  # fmt: skip


@pytest.mark.parametrize("attention", ["sparsemax", "entmax"])
@pytest.mark.parametrize("encoder", ["lstm", "gru", "cnn", "average", "hangru"])
def test_sparse_attention_in_every_encoder(encoder, attention):
    """Weights sum to one over the items, are 0 at <SOS>, <EOS>, <SEP> and padding, equal
    the normaliser applied to the model's own scores, and are the same alone and batched."""
    model = small_model(encoder, seed=1, attention=attention)
    rows = small_rows(12, seed=2)
    rows["token_ids"] = [  # sentences for the hierarchical model: <SEP> after 3 tokens
        [s[0], *s[1:-1][:3], SEP_ID, *s[1:-1][3:], s[-1]] if len(s) > 6 else s
        for s in rows["token_ids"]
    ]
    tokens = pad(list(rows["token_ids"]))
    with torch.no_grad():
        logits, weights = model(tokens)
        hidden, mask = model.encode(tokens)
        reference = {"sparsemax": sparsemax_reference, "entmax": entmax15_reference}[attention]
        scores = model.attention(hidden).double()
        for row in range(len(rows)):
            real = mask[row]
            assert torch.all(weights[row, ~real] == 0)
            assert float(weights[row, real].sum()) == pytest.approx(1.0, abs=1e-6)
            np.testing.assert_allclose(weights[row, real].numpy(), reference(scores[row, real]),
                                       atol=1e-6)  # fmt: skip
            alone_logits, alone = model(pad([rows["token_ids"].iloc[row]]))
            torch.testing.assert_close(alone[0], weights[row, : alone.shape[1]], atol=1e-6,
                                       rtol=1e-5)  # fmt: skip
            torch.testing.assert_close(alone_logits[0], logits[row], atol=1e-5, rtol=1e-5)
    assert (weights[mask] == 0).any()


def test_sparse_attention_is_trained():
    """Gradients reach the scorer through sparsemax (its support's scores)."""
    model = small_model("lstm", seed=0, attention="sparsemax")
    logits, _ = model(pad(list(small_rows(8)["token_ids"])))
    logits.sum().backward()
    assert model.attention.v.weight.grad.abs().sum() > 0


# -- analyses where zeros matter -----------------------------------------------------------
# A hand model (tests.model_fixtures) with its dot scores normalised by sparsemax: token k
# has score s_k and logit contribution c_k. 30 dominates (alpha = 1 alone); 32 and 33 share.
TOKENS = {30: (3.0, 2.0), 31: (0.0, -1.0), 32: (1.0, 1.0), 33: (0.5, 2.0), 34: (0.0, -3.0)}


def sparse_hand_model():
    model = hand_model(TOKENS)
    model.attention.normaliser = "sparsemax"
    return model


def attention_of(seq) -> np.ndarray:
    return sparsemax_reference([TOKENS[k][0] for k in seq])


def test_hand_model_attention_is_sparsemax_of_the_scores():
    model = sparse_hand_model()
    _, weights = model(pad([[2, 32, 33, 31, 3]]))
    np.testing.assert_allclose(weights[0, 1:4].detach().numpy(), [0.75, 0.25, 0.0])
    assert attention_of([30, 31, 31]).tolist() == [1.0, 0.0, 0.0]


def test_single_weight_erasure_of_all_the_mass_records_nan_and_no_flip():
    """[30, 31, 31]: alpha = (1, 0, 0). Erasing 30 leaves nothing to renormalise: JSD NaN,
    no flip, `top_exhausted`. A random other item has weight 0: erasing it changes nothing.
    [32, 33, 31]: alpha = (0.75, 0.25, 0); erasing 32 leaves (0, 1, 0), by hand."""
    model = sparse_hand_model()
    sequences = [[30, 31, 31], [32, 33, 31]]
    out = serrano_smith.single_weight(model, rows_of(*sequences), {"rankings": ["attention"]})
    first, second = out.iloc[0], out.iloc[1]
    assert first.top_exhausted and not first.random_exhausted
    assert np.isnan(first.jsd_top) and np.isnan(first.delta_jsd) and not first.flip_top
    assert first.jsd_random == 0.0 and not first.flip_random
    assert not second.top_exhausted and not second.random_exhausted
    y = hand_output(TOKENS, sequences[1], attention=attention_of(sequences[1]))
    after = hand_output(TOKENS, sequences[1], attention=[0.0, 1.0, 0.0])
    m = (y + after) / 2
    expected = 0.5 * (y * np.log(y / m)).sum() + 0.5 * (after * np.log(after / m)).sum()
    assert second.jsd_top == pytest.approx(expected, abs=1e-9)
    # the flip table leaves the exhausted row out: the other row alone makes 100 %
    table = flip_table(out.assign(dataset="d", model="m", seed=1))
    assert table["top keeps, random keeps"].iloc[0] == 100.0


def test_multi_weight_erasure_stops_when_the_mass_runs_out():
    """[32, 33, 34, 31]: alpha = (0.75, 0.25, 0, 0), predicted positive
    (0.75 + 0.5 = 1.25 > 0). Erasing 32 leaves (0, 1, 0, 0): still positive (2). Erasing 33
    too leaves no mass: undefined, so no flip although the zero-weight 34 and 31 (both
    negative) remain: `exhausted`, not flipped, fraction NaN. No order flips: while any mass
    remains it lies on positive tokens."""
    model = sparse_hand_model()
    seq = [32, 33, 34, 31]
    assert hand_output(TOKENS, seq, attention=attention_of(seq))[1] > 0.5
    out = serrano_smith.multi_weight(
        model, rows_of(seq), {"rankings": ["attention", "random"], "n_random": 3, "seed": 0}
    )
    att = out[out["ranking"] == "attention"].iloc[0]
    assert att.exhausted and not att.flipped and att.n_erased == 0 and np.isnan(att.fraction)
    assert not out["flipped"].any()  # the mass stays on positive tokens while it lasts


def test_kendall_tau_with_ties_at_zero():
    """Sparse attention ties many tokens at 0: tau-b by pair counting, from the stored
    vectors of a sparsemax model's importance table, and on a hand vector."""
    a = np.array([0.6, 0.0, 0.0, 0.4, 0.0])
    b = np.array([0.3, 0.1, 0.2, 0.5, 0.0])
    assert kendall.tau_b([a], [b])[0][0] == pytest.approx(tau_b(a, b), abs=1e-12)
    model = small_model("lstm", seed=4, attention="sparsemax")
    out = jain_wallace.importance_agreement(model, small_rows(15, seed=3))
    zeros = 0
    for row in out.itertuples(index=False):
        zeros += int((row.attention == 0).sum())
        if row.length < 2 or np.all(row.attention == row.attention[0]):
            assert np.isnan(row.tau_attn_grad)
            continue
        assert row.tau_attn_grad == pytest.approx(tau_b(row.attention, row.gradient), abs=1e-9)
    assert zeros > 0


def test_jsd_with_zeros_by_hand():
    """Disjoint supports give ln 2; p = (0.75, 0.25, 0) against q = (0, 0.5, 0.5) term by
    term (0 log 0 = 0)."""
    p = np.array([0.75, 0.25, 0.0])
    q = np.array([0.0, 0.5, 0.5])
    m = (p + q) / 2
    expected = 0.5 * (0.75 * np.log(0.75 / m[0]) + 0.25 * np.log(0.25 / m[1])) + 0.5 * (
        0.5 * np.log(0.5 / m[1]) + 0.5 * np.log(0.5 / m[2])
    )
    assert float(metrics.jsd(p, q)) == pytest.approx(expected, abs=1e-9)
    got = metrics.jsd(torch.tensor(p), torch.tensor(q))
    assert float(got) == pytest.approx(expected, abs=1e-8)
    disjoint = (np.array([1.0, 0.0]), np.array([0.0, 1.0]))
    assert float(metrics.jsd(*disjoint)) == pytest.approx(np.log(2), abs=1e-9)
    assert float(metrics.jsd(*map(torch.tensor, disjoint))) == pytest.approx(np.log(2), abs=1e-8)


def test_seed_variance_with_zeros_by_hand():
    """Two seeds' sparse attention on one instance: JSD from the hand formula above."""
    p, q = np.array([0.75, 0.25, 0.0]), np.array([0.0, 0.5, 0.5])

    def table(attention, probs):
        return pd.DataFrame({"id": ["a"], "attention": [attention], "probs": [np.array(probs)]})

    out = divergence_to(table(p, [0.2, 0.8]), table(q, [0.4, 0.6]))
    assert out["jsd"].iloc[0] == pytest.approx(float(metrics.jsd(p, q)), abs=1e-12)
    m = (p + q) / 2
    assert out["jsd"].iloc[0] == pytest.approx(
        0.5 * sum(x * np.log(x / y) for x, y in zip(p, m, strict=True) if x > 0)
        + 0.5 * sum(x * np.log(x / y) for x, y in zip(q, m, strict=True) if x > 0),
        abs=1e-9,
    )
    assert out["tvd"].iloc[0] == pytest.approx(0.2)


def test_masked_kl_with_zeros_is_finite_by_hand():
    """KL(p || q) with the logs clamped at 1e-10: where q = 0 < p the term is
    p (ln p - ln 1e-10); where p = 0 it is 0."""
    p = torch.tensor([[0.0, 0.75, 0.25, 0.0, 0.0]], dtype=torch.float64)
    q = torch.tensor([[0.0, 0.0, 0.5, 0.5, 0.0]], dtype=torch.float64)
    mask = torch.tensor([[False, True, True, True, False]])
    expected = 0.75 * (np.log(0.75) - np.log(1e-10)) + 0.25 * (np.log(0.25) - np.log(0.5))
    got = wp.masked_kl(p, q, mask)
    assert torch.isfinite(got).all()
    assert float(got[0]) == pytest.approx(expected, rel=1e-12)


def test_adversary_candidates_are_dense_on_a_sparse_model():
    """The search parameterises candidates by a softmax: every real token gets weight > 0
    even where the model's own attention is exactly 0; JSD stays within [0, ln 2]."""
    model = small_model("lstm", seed=5, attention="sparsemax")
    rows = small_rows(10, seed=6)
    engine = Engine(model, batch_size=16)
    batch = next(engine.batches(rows))
    assert (batch.attention[batch.mask] == 0).any()
    params = jain_wallace.settings.Adversary.of({"k": 2, "steps": 20, "batch_size": 16})
    weights, probs = jain_wallace.search_adversaries(engine, batch, params)
    real = batch.mask.unsqueeze(1).expand_as(weights)
    assert torch.all(weights[real] > 0) and torch.all(weights[~real] == 0)
    out = jain_wallace.adversary(model, rows, {"k": 2, "steps": 20})
    assert out["max_jsd"].between(0, np.log(2) + 1e-6).all()


def test_permutation_moves_zeros_between_real_tokens():
    model = small_model("cnn", seed=7, attention="entmax")
    engine = Engine(model, batch_size=16)
    for batch in engine.batches(small_rows(20, seed=8)):
        perms = engine.random_permutations(batch, 20, seed=0)
        torch.testing.assert_close(
            perms.sort(-1).values, batch.attention.sort(-1).values.unsqueeze(1).expand_as(perms)
        )
        assert torch.all(perms[~batch.mask.unsqueeze(1).expand_as(perms)] == 0)


def test_build_model_knows_the_sparse_attentions():
    for name in ("sparsemax", "entmax"):
        model = build_model(ModelConfig(vocab_size=20, attention=name, embedding_dim=4))
        assert model.attention.normaliser in ("sparsemax", "entmax15")
