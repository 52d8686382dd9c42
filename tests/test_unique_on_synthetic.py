"""The "unique" verdict comes out either way on the synthetic data, through the real functions
(predictions -> seed_pairs -> Jain & Wallace's per-instance adversary -> unique_evidence ->
unique, default adversary and verdict settings: epsilon 0.01, margin 0.05, 3 seeds).

The rule in one sentence: attention is unique when, on the instances where an adversary and
another seed both keep the output within epsilon (TVD), the adversary's attention is no further
(JSD) from the model's than the most divergent other seed's by more than the margin (the
interval of the per-base-seed mean difference below the margin; "not unique" when above it).

Both cases use one hand-built no-encoder model (`hand_model`): the synthetic data's signal
words score high and contribute +-C to the single logit, every filler word contributes 0, so
the output is sigmoid(C * attention on the signal words); its "other seeds" are the same model
with seeded perturbations of every word's score and of the signal words' contributions.
- One planted token per document (`max_signals` 1): keeping the output within epsilon pins
  the mass on that token, and the mass the adversary may move bounds its JSD by hand below the
  margin: unique.
- Up to three planted tokens of the same class (the default `max_signals` 3): they contribute
  alike, so the mass can move among them freely and the adversary moves attention far while
  the other seeds keep it: not unique.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from scipy.spatial.distance import jensenshannon
from scipy.special import expit, logit

from attnaudit import settings
from attnaudit.analyses import jain_wallace
from attnaudit.analyses.seed_variance import seed_pairs
from attnaudit.data.prepare import load_documents, tokenize_documents
from attnaudit.data.synthetic import pseudo_word
from attnaudit.data.tokens import SPECIALS
from attnaudit.report import verdicts
from attnaudit.train import predict
from tests.model_fixtures import hand_model, hand_output

pytestmark = pytest.mark.usefixtures("one_thread")

SEEDS = (0, 1, 2)
PER_CLASS = 10  # the synthetic data's signal_tokens_per_class
SCORE, CONTRIBUTION = 8.0, 1.5  # |logit| <= 1.5: the sigmoid is far from saturation
SCORE_NOISE, CONTRIBUTION_NOISE = 0.5, 0.02  # the other seeds' perturbations
EPSILON = settings.Adversary().select_epsilon  # what the verdict rule is given
MARGIN = settings.VerdictUnique().margin


def synthetic_test_rows(max_signals: int) -> tuple[pd.DataFrame, list[str]]:
    """40 test instances of a small synthetic dataset (40 words, 20 of them signal words, so
    the vocabulary fits the hand model's 60 ids) and the vocabulary."""
    opts = {"seed": 0, "vocab_size": 40, "n_train": 200, "n_dev": 10, "n_test": 40,
            "max_signals": max_signals}  # fmt: skip
    table, vocab = tokenize_documents("synthetic", load_documents("synthetic", opts, []), 1)
    return table[table["split"] == "test"].reset_index(drop=True), vocab


def planted_tokens(vocab: list[str], seed: int) -> dict[int, tuple[float, float]]:
    """Per word id (score, logit contribution): class-1 signal words (SCORE, +CONTRIBUTION),
    class-0 ones (SCORE, -CONTRIBUTION), fillers (0, 0); every score and the signal words'
    contributions perturbed by `seed`'s noise (fillers keep contributing exactly 0)."""
    sign = {pseudo_word(j): (1.0 if j >= PER_CLASS else -1.0) for j in range(2 * PER_CLASS)}
    rng = np.random.default_rng(seed)
    out = {}
    for k, word in enumerate(vocab[len(SPECIALS) :], start=len(SPECIALS)):
        score, noise = rng.normal(0.0, SCORE_NOISE), rng.normal(0.0, CONTRIBUTION_NOISE)
        s = sign.get(word)
        out[k] = (score + SCORE, s * CONTRIBUTION + noise) if s else (score, 0.0)
    return out


def run_case(max_signals: int) -> dict:
    """Every seed's predictions and adversaries, and the verdict from them."""
    rows, vocab = synthetic_test_rows(max_signals)
    tokens = {seed: planted_tokens(vocab, seed) for seed in SEEDS}
    predictions, adversaries = [], []
    for seed in SEEDS:
        model = hand_model(tokens[seed], dtype=torch.float32)  # the search runs in float32
        found = predict(model, rows, 64, torch.device("cpu"))
        predictions.append(found.assign(dataset="synthetic", model="average-dot", seed=seed))
        adversaries.append(jain_wallace.adversary(model, rows).assign(seed=seed))
    predictions = pd.concat(predictions, ignore_index=True)
    adversary = pd.concat(adversaries, ignore_index=True)
    pairs = seed_pairs(predictions)
    evidence = verdicts.unique_evidence(pairs, adversary, None, EPSILON)
    return {"rows": rows, "tokens": tokens, "predictions": predictions, "adversary": adversary,
            "pairs": pairs, "evidence": evidence, "verdict": verdicts.unique(evidence)}  # fmt: skip


@pytest.fixture(scope="module")
def one_planted():
    return run_case(max_signals=1)


@pytest.fixture(scope="module")
def several_planted():
    return run_case(max_signals=3)


def jsd(p, q) -> float:
    """JSD in nats: scipy's Jensen-Shannon distance squared."""
    return float(jensenshannon(p, q) ** 2)


def test_jsd_is_at_most_ln2_times_tvd():
    """The bound the unique case rests on, JSD(p, q) <= ln 2 * TVD(p, q) (each term of the
    JSD is convex in p / (p + q) and meets |p - q| ln 2 / 2 at 0, 1/2 and 1), on random and
    on disjoint distributions (equality)."""
    rng = np.random.default_rng(0)
    for _ in range(200):
        p, q = rng.dirichlet(np.full(6, 0.3)), rng.dirichlet(np.full(6, 0.3))
        assert jsd(p, q) <= np.log(2) * 0.5 * np.abs(p - q).sum() + 1e-12
    assert jsd([0.5, 0.5, 0, 0], [0, 0, 0.5, 0.5]) == pytest.approx(np.log(2))


def movable_mass(p: float, contribution: float) -> float:
    """How far the planted mass m may move with sigmoid(contribution * m) staying within
    EPSILON of p: the farther end of the interval logit(p -+ EPSILON) / contribution."""
    m = logit(p) / contribution
    ends = logit(np.array([p - EPSILON, p + EPSILON])) / contribution
    return float(np.abs(ends - m).max())


def test_one_planted_token_forces_attention_unique(one_planted):
    """With one planted token t per document (no distractors), the output is
    sigmoid(c_t * alpha_t), so every attention a' within epsilon has |a'_t - alpha_t| <= d
    (`movable_mass`) and TVD(a', alpha) <= (1 - alpha_t) + d; by the bound JSD <= ln 2 * TVD
    each seed's adversary stays below the margin, whatever the search finds. Through the
    real functions the verdict is unique."""
    rows = one_planted["rows"].set_index("id")
    assert (rows["rationale"].map(len) == 1).all() and (rows["distractors"].map(len) == 0).all()
    adversary = one_planted["adversary"].set_index(["seed", "id"])
    bounds = []
    for row in one_planted["predictions"].itertuples(index=False):
        (t,) = rows.loc[row.id, "rationale"]
        word = rows.loc[row.id, "token_ids"][1 + t]
        contribution = one_planted["tokens"][row.seed][word][1]
        assert row.probs[1] == pytest.approx(expit(contribution * row.attention[t]), abs=1e-5)
        bound = np.log(2) * ((1 - row.attention[t]) + movable_mass(row.probs[1], contribution))
        found = adversary.loc[(row.seed, row.id)]
        assert found["n_feasible"] > 0 and found["output_tvd"] <= EPSILON
        assert found["max_jsd"] <= bound + 1e-5
        bounds.append(bound)
    assert max(bounds) < MARGIN
    evidence = one_planted["evidence"]
    assert len(evidence) == len(SEEDS) and (evidence["coverage"] >= 0.75).all()
    assert (evidence["seed_jsd"] > 0).all()  # the perturbed seeds' attention does move
    verdict = one_planted["verdict"]
    assert verdict.answer == "yes" and verdict.deciding.upper < MARGIN
    assert verdict.deciding.n_seeds == len(SEEDS) and verdict.deciding.margin == MARGIN


def gathered(attention: np.ndarray, planted: list[int], onto: int) -> np.ndarray:
    """The attention with all the mass of the planted positions moved onto one of them."""
    out = np.array(attention, dtype=np.float64)
    out[onto] = out[planted].sum()
    out[[p for p in planted if p != onto]] = 0.0
    return out


def test_equal_planted_tokens_let_attention_move_not_unique(several_planted):
    """With two or more planted tokens of the document's class, gathering their mass onto
    the one it already favours least keeps the output within epsilon (by hand) and moves
    attention by more than the margin in JSD (scipy) on average, while the seeds' attention
    is close: the adversaries find such attention and the verdict is not unique."""
    rows = several_planted["rows"].set_index("id")
    base = several_planted["predictions"].query("seed == 0").set_index("id")
    tokens = several_planted["tokens"][0]
    moved = []
    for i, row in rows.iterrows():
        planted = list(row["rationale"])
        if len(planted) < 2:
            continue
        alpha = base.loc[i, "attention"]
        onto = min(planted, key=lambda p: alpha[p])
        other = gathered(alpha, planted, onto)
        words = row["token_ids"][1:-1]
        np.testing.assert_allclose(hand_output(tokens, words), base.loc[i, "probs"], atol=1e-5)
        tvd = 0.5 * np.abs(hand_output(tokens, words, attention=other) - base.loc[i, "probs"])
        assert tvd.sum() <= EPSILON
        moved.append(jsd(other, alpha))
    assert len(moved) >= 10 and np.mean(moved) > MARGIN
    evidence = several_planted["evidence"]
    assert (evidence["adversary_jsd"] > evidence["seed_jsd"] + MARGIN).all()
    verdict = several_planted["verdict"]
    assert verdict.answer == "no" and verdict.deciding.lower > MARGIN
    assert verdict.deciding.n_seeds == len(SEEDS)
