"""Jain & Wallace's adversarial attention: which candidate is selected, recomputed by hand.

The search (hinge at `epsilon`) and the selection (TVD <= `select_epsilon`) are set far
apart, so a selection that used the search's threshold would pick other candidates. The
selected candidate's JSD and TVD are recomputed from the reported attention with scipy and
the hand model's numbers; JSD is scipy's Jensen-Shannon distance squared (natural log),
checked against the definition first. The search runs in float32 (its initial logits are
float32), so the hand model does too here and comparisons allow float32 rounding.
"""

import numpy as np
import pytest
import torch
from scipy.spatial.distance import jensenshannon

from attnaudit import metrics, settings
from attnaudit.analyses import jain_wallace
from attnaudit.engine import Engine
from tests.model_fixtures import hand_model, hand_output, rows_of

pytestmark = pytest.mark.usefixtures("one_thread")

# binary tokens: (attention score, logit contribution)
TOKENS = {10: (2.0, 1.0), 11: (0.0, -0.5), 12: (1.0, 0.2), 13: (-1.0, 2.0), 14: (0.5, -1.5)}
SEQUENCES = [[10, 11, 12], [12, 13, 14, 11], [14, 14, 10, 13, 12], [11, 12, 13, 10, 14, 12]]
TOL = 2e-6  # float32
SEARCH = {"k": 3, "steps": 40, "lr": 0.1, "epsilon": 0.3, "batch_size": 8, "seed": 2}


def kl(p, q) -> float:
    p, q = np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64)
    keep = p > 0
    return float((p[keep] * np.log(p[keep] / q[keep])).sum())


def jsd(p, q) -> float:
    return float(jensenshannon(p, q) ** 2)


def test_scipy_jensenshannon_squared_is_jsd_with_natural_logs():
    p, q = np.array([0.7, 0.2, 0.1, 0.0]), np.array([0.1, 0.3, 0.3, 0.3])
    m = 0.5 * (p + q)
    assert jsd(p, q) == pytest.approx(0.5 * kl(p, m) + 0.5 * kl(q, m), rel=1e-12)
    assert jsd([1.0, 0.0], [0.0, 1.0]) == pytest.approx(np.log(2.0), rel=1e-12)
    assert metrics.jsd(p, q) == pytest.approx(jsd(p, q), rel=1e-9)


def softmax(x):
    e = np.exp(np.asarray(x, dtype=np.float64) - np.max(x))
    return e / e.sum()


def own_attention(seq):
    return softmax([TOKENS[k][0] for k in seq])


def candidates(model, rows, params) -> dict[str, list[np.ndarray]]:
    """Every instance's searched candidates over its real tokens (the search is seeded
    per instance, so these are the ones `adversary` chose among)."""
    cfg = settings.Adversary.of(params)
    engine = Engine(model, batch_size=cfg.batch_size)
    out = {}
    for batch in engine.batches(rows):
        weights, _ = jain_wallace.search_adversaries(engine, batch, cfg)
        for j, i in enumerate(batch.index):
            out[rows["id"].iloc[i]] = [w[batch.mask[j]].double().numpy() for w in weights[j]]
    return out


@pytest.fixture(scope="module")
def setup():
    model = hand_model(TOKENS, dtype=torch.float32)
    rows = rows_of(*SEQUENCES)
    found = candidates(model, rows, SEARCH)
    table = {}  # per instance: [(jsd, tvd, weights)] for own attention then the candidates
    for i, seq in zip(rows["id"], SEQUENCES, strict=True):
        alpha, y = own_attention(seq), hand_output(TOKENS, seq)
        table[i] = [(0.0, 0.0, alpha)] + [
            (jsd(w, alpha), 0.5 * np.abs(hand_output(TOKENS, seq, attention=w) - y).sum(), w)
            for w in found[i]
        ]
    return model, rows, table


def check_selected(out, table, select: float):
    """Each row holds the max-JSD candidate with TVD <= select (own attention included)."""
    for row in out.itertuples(index=False):
        feasible = [c for c in table[row.id] if c[1] <= select]
        best = max(feasible, key=lambda c: c[0])
        seq_alpha = table[row.id][0][2]
        assert row.max_jsd == pytest.approx(best[0], abs=TOL)
        assert row.output_tvd == pytest.approx(best[1], abs=TOL)
        np.testing.assert_allclose(row.adversary_attention, best[2], atol=TOL)
        assert row.n_feasible == len(feasible) - 1
        # and from the reported attention alone
        assert row.max_jsd == pytest.approx(jsd(row.adversary_attention, seq_alpha), abs=TOL)
        assert row.epsilon == SEARCH["epsilon"] and row.select_epsilon == select


def test_selection_filters_at_select_epsilon_not_the_search_epsilon(setup):
    model, rows, table = setup
    tvds = sorted(c[1] for cands in table.values() for c in cands[1:])
    assert tvds[0] > 1e-4 and tvds[-1] > 0.05  # the loose search spread them out
    middle = len(tvds) // 2  # between two candidates' TVDs, clear of float32 rounding
    assert tvds[middle] - tvds[middle - 1] > 1e-4
    select = 0.5 * (tvds[middle - 1] + tvds[middle])
    out = jain_wallace.adversary(model, rows, {**SEARCH, "select_epsilon": select})
    check_selected(out, table, select)
    assert (out["output_tvd"] <= select).all()
    # the threshold mattered: filtering at epsilon would have chosen otherwise somewhere
    by_search = {i: max((c for c in cands if c[1] <= SEARCH["epsilon"]), key=lambda c: c[0])[0]
                 for i, cands in table.items()}  # fmt: skip
    assert any(abs(by_search[r.id] - r.max_jsd) > 1e-3 for r in out.itertuples())


def test_the_search_climbs_the_divergence_where_the_output_is_free(setup):
    """With epsilon = 1 the hinge never acts (a TVD is at most 1): the search is gradient
    ascent on the divergence from the own attention (and between candidates), so after 40
    steps the candidates are much further from the own attention than after one."""
    model, rows, _ = setup
    free = {**SEARCH, "epsilon": 1.0}
    start, end = candidates(model, rows, {**free, "steps": 1}), candidates(model, rows, free)
    for i, seq in zip(rows["id"], SEQUENCES, strict=True):
        alpha = own_attention(seq)
        before = np.mean([jsd(w, alpha) for w in start[i]])
        after = np.mean([jsd(w, alpha) for w in end[i]])
        assert after > before + 0.05, (i, before, after)


def test_a_candidate_exactly_at_select_epsilon_is_feasible(setup):
    """A candidate "within select_epsilon" may sit on the threshold itself: set it to the
    output TVD of the candidate chosen when everything is feasible; that one is still chosen."""
    model, rows, table = setup
    loose = jain_wallace.adversary(model, rows, {**SEARCH, "select_epsilon": 1.0})
    top = loose.loc[loose["output_tvd"].idxmax()]
    assert top["max_jsd"] > 1e-3  # a real candidate, not the own attention
    out = jain_wallace.adversary(model, rows, {**SEARCH, "select_epsilon": top["output_tvd"]})
    again = out.set_index("id").loc[top["id"]]
    assert again["output_tvd"] == top["output_tvd"] and again["max_jsd"] == top["max_jsd"]


def test_own_attention_is_always_a_candidate(setup):
    """With select_epsilon near 0 (it must be positive) only the model's own attention
    (TVD 0) is feasible."""
    model, rows, table = setup
    out = jain_wallace.adversary(model, rows, {**SEARCH, "select_epsilon": 1e-9})
    check_selected(out, table, 1e-9)
    assert (out["max_jsd"] == 0.0).all() and (out["output_tvd"] == 0.0).all()
    assert (out["n_feasible"] == 0).all()
    for w, seq in zip(out["adversary_attention"], SEQUENCES, strict=True):
        np.testing.assert_allclose(w, own_attention(seq), atol=TOL)


def test_everything_feasible_gives_the_most_divergent_candidate(setup):
    model, rows, table = setup
    out = jain_wallace.adversary(model, rows, {**SEARCH, "select_epsilon": 1.0})
    check_selected(out, table, 1.0)
    assert (out["n_feasible"] == SEARCH["k"]).all()
    assert (out["max_jsd"] > 0.05).all()


def test_adversary_columns_on_a_three_class_model():
    """TVD over 3 classes is half the L1 distance; the columns still recompute by hand."""
    tokens = {10: (2.0, [1.0, 0.0, -1.0]), 11: (0.0, [-0.5, 0.5, 0.0]),
              12: (1.0, [0.2, -0.3, 0.4])}  # fmt: skip
    model = hand_model(tokens, n_classes=3, dtype=torch.float32)
    seqs = [[10, 11, 12], [12, 12, 10, 11]]
    out = jain_wallace.adversary(model, rows_of(*seqs), {**SEARCH, "select_epsilon": 1.0})
    for row, seq in zip(out.itertuples(index=False), seqs, strict=True):
        alpha = softmax([tokens[k][0] for k in seq])
        y = hand_output(tokens, seq)
        z = hand_output(tokens, seq, attention=row.adversary_attention)
        assert row.output_tvd == pytest.approx(0.5 * np.abs(z - y).sum(), abs=TOL)
        assert row.max_jsd == pytest.approx(jsd(row.adversary_attention, alpha), abs=TOL)
        assert row.max_attention == pytest.approx(alpha.max(), abs=TOL)


def test_pair_weights_of_the_search_loss():
    """Pairs (i < j) of [own attention, a_1 .. a_K]: weight 1 with the own attention,
    1 / (K (K - 1)) between two candidates; one candidate has only the pair with its own."""
    first, second, weight = jain_wallace.unordered_pairs(1)
    assert (first.tolist(), second.tolist(), weight.flatten().tolist()) == ([0], [1], [1.0])
    assert jain_wallace.unordered_pairs(2)[2].flatten().tolist() == [1.0, 1.0, 0.5]
    first, second, weight = jain_wallace.unordered_pairs(3)
    pairs = list(zip(first.tolist(), second.tolist(), strict=True))
    assert pairs == [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]
    assert weight.flatten().tolist() == pytest.approx([1, 1, 1, 1 / 6, 1 / 6, 1 / 6])


def test_first_search_step_is_the_loss_gradient_through_the_masked_softmax(monkeypatch):
    """The gradient Adam gets on the free logits at the first step is, by autograd through
    the masked softmax, the vector-Jacobian product of the loss gradient (the hand-written
    `adversary_gradient`, checked against autograd elsewhere) at the initial candidates:
    log-uniform logits plus `init_noise` times the instance's normal draws."""
    seen = []

    class Spy(jain_wallace.Adam):
        def __init__(self, params, **kwargs):
            self.logits = list(params)
            super().__init__(self.logits, **kwargs)

        def step(self):
            seen.append(self.logits[0].grad.clone())
            super().step()

    monkeypatch.setattr(jain_wallace, "Adam", Spy)
    cfg = settings.Adversary.of({**SEARCH, "steps": 1, "init_noise": 0.5})
    model = hand_model(TOKENS, dtype=torch.float64)
    engine = Engine(model, batch_size=8)
    (batch,) = engine.batches(rows_of(*SEQUENCES))
    jain_wallace.search_adversaries(engine, batch, cfg)
    b, t = batch.attention.shape
    noise = jain_wallace.per_instance(torch.randn, cfg.seed, batch, (cfg.k,))
    start = -torch.log(batch.lengths.double()).view(b, 1, 1) + 0.5 * noise
    logits = start.expand(b, cfg.k, t).clone().requires_grad_(True)
    padding = ~batch.mask.unsqueeze(1)
    weights = torch.softmax(logits.masked_fill(padding, float("-inf")), dim=-1)
    grad = jain_wallace.adversary_gradient(engine, batch, weights.detach(), cfg)
    (expected,) = torch.autograd.grad(weights, logits, grad)
    torch.testing.assert_close(seen[0], expected, rtol=1e-9, atol=1e-12)
    assert expected.abs().max() > 1e-3


def tvd_of(engine, batch, weights):
    return 0.5 * (engine.outputs(batch, weights) - batch.probs.unsqueeze(1)).abs().sum(-1)


def test_the_autograd_hinge_is_zero_within_epsilon():
    """Candidates whose output is within epsilon of the model's get no hinge gradient; those
    beyond it get the hand-derived one."""
    cfg = settings.Adversary.of({**SEARCH, "epsilon": 0.05})
    engine = Engine(hand_model(TOKENS, dtype=torch.float64), batch_size=8)
    (batch,) = engine.batches(rows_of(*SEQUENCES))
    own = batch.attention.unsqueeze(1)
    top = batch.attention == batch.attention.max(-1, keepdim=True).values
    far = engine.erase(own, top.unsqueeze(1))  # the top token erased: the outputs move
    near = 0.95 * own + 0.05 * far
    change = tvd_of(engine, batch, near)
    assert torch.all((change > 0) & (change < cfg.epsilon))
    assert torch.all(jain_wallace.hinge_gradient_autograd(engine, batch, near, cfg) == 0)
    assert torch.all(tvd_of(engine, batch, far) > cfg.epsilon)
    auto = jain_wallace.hinge_gradient_autograd(engine, batch, far, cfg)
    torch.testing.assert_close(auto, jain_wallace.hinge_gradient(engine, batch, far, cfg))
    assert torch.all(auto.abs().amax(-1) > 0)
