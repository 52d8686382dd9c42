"""Decoder-level perturbations against hand computations: Jain & Wallace's permutation
statistic and Serrano & Smith's rankings, single- and multi-weight erasure, on
`hand_model`s whose outputs follow from a few numbers (each token's attention score and
logit contribution; see `tests.model_fixtures.hand_model`)."""

import numpy as np
import pandas as pd
import pytest
import torch
from scipy.spatial.distance import jensenshannon

from attnaudit.analyses import jain_wallace, serrano_smith
from attnaudit.data.tokens import SEP_ID
from attnaudit.importance import registry
from attnaudit.importance.scores import Options
from tests.model_fixtures import hand_model, hand_output, rows_of

pytestmark = pytest.mark.usefixtures("one_thread")


def jsd(p, q) -> float:
    """JSD with natural logs (scipy's distance is its square root; checked against the
    definition in test_reference_adversary)."""
    return float(jensenshannon(p, q) ** 2)


def tvd(p, q) -> float:
    return 0.5 * float(np.abs(np.asarray(p) - np.asarray(q)).sum())


def softmax(x):
    e = np.exp(np.asarray(x, dtype=np.float64) - np.max(x))
    return e / e.sum()


# -- permutation ---------------------------------------------------------------------------
@pytest.mark.parametrize("n_classes", [2, 4])
def test_permutation_statistic_is_the_median_tvd(n_classes):
    """[x, y, y]: attention (a, b, b). A permutation leaves the output unchanged when a
    stays on x (1 in 3) and otherwise gives one other output, at TVD d. So the median over
    100 permutations is d, the mean d times the share of moving ones (between 1/2 and 1)."""
    if n_classes == 2:
        tokens, bias = {10: (1.5, 2.0), 11: (0.0, -1.0)}, 0.3
    else:
        tokens = {10: (1.5, [2.0, 0.0, -1.0, 0.5]), 11: (0.0, [-1.0, 1.5, 0.5, -1.5])}
        bias = [0.3, 0.0, 0.0, -0.2]
    model = hand_model(tokens, bias=bias, n_classes=n_classes)
    seq = [10, 11, 11]
    y = hand_output(tokens, seq, bias)
    a, b, _ = softmax([1.5, 0.0, 0.0])
    d = tvd(hand_output(tokens, seq, bias, attention=[b, a, b]), y)
    assert d > 0.05
    if n_classes == 4:  # two classes gain, two lose: TVD is not the largest difference
        assert d > np.abs(hand_output(tokens, seq, bias, attention=[b, a, b]) - y).max() + 0.05
    rows = rows_of(seq, [11], [10, 10])  # and one token; uniform attention over equal tokens
    out = jain_wallace.permutation(model, rows, {"n_permutations": 100})
    assert out["median_change"].iloc[0] == pytest.approx(d, rel=1e-9)
    moving = out["mean_change"].iloc[0] / d * 100
    assert moving == pytest.approx(round(moving), abs=1e-6) and 50 < round(moving) < 100
    assert out["median_change"].iloc[1] == 0.0 and out["median_change"].iloc[2] == 0.0
    np.testing.assert_allclose(out["max_attention"], [a, 1.0, 0.5])


# -- rankings ------------------------------------------------------------------------------
SCORES = torch.tensor([[9.0, 0.3, -0.1, 0.5, -0.2, 7.0, 5.0],
                       [0.0, 0.2, 0.2, 0.1, 8.0, 0.0, 0.0]])  # fmt: skip
MASK = torch.tensor([[False, True, True, True, True, False, False],
                     [False, True, True, True, False, False, False]])  # fmt: skip


def test_ranks_are_places_in_descending_order_of_real_items():
    """Row 0: real scores 0.3, -0.1, 0.5, -0.2 -> order 0.5, 0.3, -0.1, -0.2 (signed, not
    by magnitude); the masked 9, 7 and 5 come after every real item (place 7 = T). Row 1:
    a tie keeps position order."""
    places = serrano_smith.ranks_from_scores(SCORES, MASK)
    assert places.tolist() == [[7, 1, 2, 0, 3, 7, 7], [7, 0, 1, 2, 7, 7, 7]]


def test_top_item_is_the_highest_real_one():
    assert serrano_smith.top_items(SCORES, MASK).tolist() == [3, 1]


# binary tokens: (attention score, logit contribution)
TOKENS = {10: (2.0, 3.0), 11: (0.0, -2.0), 12: (1.0, 0.5), 13: (0.0, 4.0), 14: (0.0, -3.0)}


def test_decoder_rankings_are_the_predicted_class_attention_gradient():
    """d p_pred / d alpha_t = p (1 - p) c_t for a positive prediction, its negative for a
    negative one; grad_x_attention multiplies by alpha_t."""
    model = hand_model(TOKENS)
    sequences = [[12, 13, 11], [14, 12, 11]]  # predicted 1, predicted 0
    rows = rows_of(*sequences)
    names = ("attention", "attention_gradient", "grad_x_attention")
    got = {r: registry.score(r, model, rows, Options(batch_size=8)).values for r in names}
    for i, seq in enumerate(sequences):
        alpha = softmax([TOKENS[k][0] for k in seq])
        p = hand_output(TOKENS, seq)[1]
        sign = 1.0 if p > 0.5 else -1.0
        assert (p > 0.5) == (i == 0)
        grad = sign * p * (1 - p) * np.array([TOKENS[k][1] for k in seq])
        np.testing.assert_allclose(got["attention"][i], alpha, rtol=1e-12)
        np.testing.assert_allclose(got["attention_gradient"][i], grad, rtol=1e-9)
        np.testing.assert_allclose(got["grad_x_attention"][i], grad * alpha, rtol=1e-9)
    with pytest.raises(ValueError, match="unknown ranking 'nope'"):
        registry.score("nope", model, rows, Options())


# -- single-weight erasure -----------------------------------------------------------------
def erased_output(seq, drop: int):
    """Output after erasing position `drop` and renormalising the rest of the attention."""
    alpha = softmax([TOKENS[k][0] for k in seq])
    alpha[drop] = 0.0
    return hand_output(TOKENS, seq, attention=alpha / alpha.sum())


def test_single_weight_erasure_by_hand():
    """A = [10, 11, 11, 11]: token 10 (score 2, +3) tops attention and both gradients;
    erasing it leaves only -2s (flip), erasing an 11 does not. B = [12, 13, 11]: attention
    tops 12 (score 1, +0.5), the gradients top 13 (+4); erasing 13 flips, erasing 12 not."""
    model = hand_model(TOKENS)
    sequences = [[10, 11, 11, 11], [12, 13, 11], [13]]  # the last has one item: skipped
    out = serrano_smith.single_weight(model, rows_of(*sequences), {"seed": 1})
    assert sorted(out["id"].unique()) == ["hand-0", "hand-1"]
    expected_top = {("hand-0", "attention"): 0, ("hand-0", "attention_gradient"): 0,
                    ("hand-0", "grad_x_attention"): 0, ("hand-1", "attention"): 0,
                    ("hand-1", "attention_gradient"): 1,
                    ("hand-1", "grad_x_attention"): 1}  # fmt: skip
    flips = {"hand-0": [True, False, False, False], "hand-1": [False, True, False]}
    for row in out.itertuples(index=False):
        seq = sequences[int(row.id[-1])]
        y = hand_output(TOKENS, seq)
        top, other = row.top_position, row.random_position
        assert top == expected_top[(row.id, row.ranking)]
        assert other != top and 0 <= other < len(seq)
        assert row.jsd_top == pytest.approx(jsd(erased_output(seq, top), y), abs=1e-7)
        assert row.jsd_random == pytest.approx(jsd(erased_output(seq, other), y), abs=1e-7)
        assert row.delta_jsd == pytest.approx(row.jsd_top - row.jsd_random, abs=1e-12)
        alpha = softmax([TOKENS[k][0] for k in seq])
        assert row.delta_attention == pytest.approx(alpha[top] - alpha[other], rel=1e-9)
        assert row.flip_top == flips[row.id][top]
        assert row.flip_random == flips[row.id][other]
    assert out["flip_random"].any() and not out["flip_random"].all()  # seed 1 draws both


# -- multi-weight erasure ------------------------------------------------------------------
# a (score 2, +3) and b (score 1.5, +3) carry a positive decision against n (-1) tokens:
# erasing a alone keeps it, erasing a and b flips it. m (score 2.5, -4) is a strong negative.
MULTI = {20: (2.0, 3.0), 21: (1.5, 3.0), 22: (0.0, -1.0), 23: (2.5, -4.0)}
D = [20, SEP_ID, 21, 22, 22, 22]  # 5 items: <SEP> is not one
E = [20, 21]  # both positive: never flips (the last item is never erased)
G = [23, 22, 22, 20]  # predicted 0: erasing 23 flips; by the gradient of p_1 it never would


def test_multi_weight_flip_points_by_hand():
    model = hand_model(MULTI)
    assert hand_output(MULTI, [20, 21, 22, 22, 22])[1] > 0.5
    assert hand_output(MULTI, [21, 22, 22, 22], attention=softmax([1.5, 0, 0, 0]))[1] > 0.5
    assert hand_output(MULTI, G)[1] < 0.5
    params = {"rankings": ["attention", "attention_gradient", "grad_x_attention", "random"],
              "n_random": 4, "seed": 1}  # fmt: skip
    out = serrano_smith.multi_weight(model, rows_of(D, E, G), params)
    expected = {  # (instance, ranking): items erased at the flip, None = never
        ("hand-0", "attention"): 2, ("hand-0", "attention_gradient"): 2,
        ("hand-0", "grad_x_attention"): 2, ("hand-1", "attention"): None,
        ("hand-1", "attention_gradient"): None, ("hand-1", "grad_x_attention"): None,
        ("hand-2", "attention"): 1, ("hand-2", "attention_gradient"): 1,
        ("hand-2", "grad_x_attention"): 1,
    }  # fmt: skip
    items = {"hand-0": 5, "hand-1": 2, "hand-2": 4}
    for row in out.itertuples(index=False):
        assert row.length == items[row.id]
        if row.ranking == "random":
            if row.id == "hand-1":
                assert not row.flipped
            if row.id == "hand-0" and row.flipped:
                assert 2 <= row.n_erased <= 4  # a and b both gone, an n left
            continue
        n = expected[(row.id, row.ranking)]
        assert row.flipped == (n is not None)
        if n is None:
            assert row.n_erased == 0 and np.isnan(row.fraction)
        else:
            assert row.n_erased == n
            assert row.fraction == pytest.approx(n / items[row.id])  # of items, not tokens
    assert sorted(out.loc[out["ranking"] == "random", "ordering"].unique()) == [0, 1, 2, 3]
    assert set(out["id"]) == {"hand-0", "hand-1", "hand-2"}  # two items are enough
    columns = ["id", "label", "pred", "length", "max_attention", "ranking", "ordering",
               "flipped", "n_erased", "fraction", "exhausted"]  # fmt: skip
    assert list(out.columns) == columns


def test_a_flip_at_the_last_erasable_item_is_found():
    """Alone in its batch (batch_size 1), each instance can flip only when every item but
    one is erased: [a, b, n] after a and b (2 of 3), [m, a] after m (1 of 2)."""
    model = hand_model(MULTI)
    assert hand_output(MULTI, [21, 22], attention=softmax([1.5, 0.0]))[1] > 0.5
    assert hand_output(MULTI, [23, 20])[1] < 0.5
    params = {"rankings": ["attention"], "batch_size": 1}
    out = serrano_smith.multi_weight(model, rows_of([20, 21, 22], [23, 20], [23]), params)
    assert out["id"].tolist() == ["hand-0", "hand-1"]  # one item: nothing to erase, no row
    assert out["flipped"].tolist() == [True, True] and out["n_erased"].tolist() == [2, 1]
    assert (out["ordering"] == 0).all()


def test_single_weight_keeps_two_item_instances():
    out = serrano_smith.single_weight(hand_model(TOKENS), rows_of([10, 11], [13]), {"seed": 1})
    assert set(out["id"]) == {"hand-0"} and out.index.equals(pd.RangeIndex(3))  # per ranking
    columns = ["id", "label", "pred", "length", "max_attention", "ranking", "top_position",
               "random_position", "jsd_top", "jsd_random", "delta_jsd", "delta_attention",
               "flip_top", "flip_random", "top_exhausted", "random_exhausted"]  # fmt: skip
    assert list(out.columns) == columns


def test_the_loo_ranking_is_leave_one_out_by_hand():
    """The "loo" scores: the output's TVD when each token is deleted (hand model outputs);
    Integrated Gradients gives other numbers."""
    model, seqs = hand_model(MULTI), [[20, 21, 22], [23, 22, 20, 22]]
    rows = rows_of(*seqs)
    loo = registry.score("loo", model, rows, Options(ig_steps=5)).values
    for scores, seq in zip(loo, seqs, strict=True):
        y = hand_output(MULTI, seq)
        expected = [tvd(hand_output(MULTI, seq[:t] + seq[t + 1 :]), y) for t in range(len(seq))]
        np.testing.assert_allclose(scores, expected, atol=1e-9)
    ig = registry.score("integrated_gradients", model, rows, Options(ig_steps=5)).values
    assert not np.allclose(ig[0], loo[0], atol=1e-3)
    params = {"rankings": ["loo", "integrated_gradients"], "ig_steps": 5}
    out = serrano_smith.multi_weight(model, rows, params)
    assert (out["ordering"] == 0).all() and len(out) == 4  # one ordering per ranking


def test_each_random_ordering_erases_in_its_own_order(monkeypatch):
    """Random keys set by hand for [m, n, n, a] (predicted 0): ordering 0 erases m first
    (a flip after one item), ordering 1 erases m last (no flip: m alone keeps the class)."""
    keys = np.array([[0.9, 0.1, 0.2, 0.3], [0.0, 0.5, 0.6, 0.7]])  # (orderings, items)
    by_hand = registry.Ranking(lambda model, rows, opts: [keys], on_items=True)
    monkeypatch.setitem(registry.RANKINGS, "random", by_hand)
    out = serrano_smith.multi_weight(hand_model(MULTI), rows_of(G),
                                     {"rankings": ["random"], "n_random": 2})  # fmt: skip
    assert out["ordering"].tolist() == [0, 1]
    assert out["flipped"].tolist() == [True, False] and out["n_erased"].tolist() == [1, 0]
