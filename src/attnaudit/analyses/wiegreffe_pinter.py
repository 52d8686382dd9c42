"""Wiegreffe & Pinter (2019), "Attention is not not Explanation": the guided MLP
diagnostic and the end-to-end adversarial model (their seed variance, which needs no model,
is `attnaudit.analyses.seed_variance`).

- Guided MLP: the no-encoder token model trained with its attention frozen to weights given
  per instance (uniform, its own learned attention, a base model's, an adversary's). The
  guide's weights come from the guide model run on every split (`guide_attention`).
- Adversarial model: a new model M_a trained against a fixed base M_b with the per-instance
  loss TVD(y_a, y_b) - lambda * KL(alpha_a || alpha_b) (`adversarial_objective`), masked
  positions excluded; the epoch with the lowest mean dev loss is kept (never test).

The training loops are `attnaudit.train.fit` with `fixed_attention` or `against`.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import torch

from attnaudit.analyses.seed_variance import divergence_to
from attnaudit.data.batching import pad
from attnaudit.data.pieces import sum_per_word
from attnaudit.metrics import tvd
from attnaudit.models.attention import FixedAttention
from attnaudit.models.classifier import AttentionClassifier
from attnaudit.train import Against, predict

# M_a draws its initialisation and batch order from seed + ADVERSARY_SEED_OFFSET, so it does
# not start from the initialisation of its base (trained with the same seed).
ADVERSARY_SEED_OFFSET = 1000
KL_EPS = 1e-10


# -- guided MLP ---------------------------------------------------------------------------
def guide_attention(
    model: AttentionClassifier | None, rows: pd.DataFrame, batch_size: int = 256
) -> pd.DataFrame:
    """The guide's attention over the real items of every row (`id`, `split`, `attention`);
    `model` None: uniform, 1/T over the T real items."""
    if model is None:
        counts = AttentionClassifier.masks(pad(list(rows["token_ids"])))[1].sum(1).tolist()
        attention = [np.full(n, 1.0 / n) for n in counts]
    else:
        attention = list(predict(model, rows, batch_size, torch.device("cpu"))["attention"])
    return pd.DataFrame(
        {"id": rows["id"].to_numpy(), "split": rows["split"].to_numpy(), "attention": attention}
    )


def words_attention(guide: pd.DataFrame, pieces: pd.DataFrame, words: pd.DataFrame) -> pd.DataFrame:
    """A guide's attention over word pieces (`guide_attention` on the `pieces` table) as
    attention over the words of the `words` table: each word gets the sum of its pieces'
    weights (`pieces.words`: each piece's word, -1 at [CLS]/[SEP]); words whose pieces
    were cut (`max_pieces`) get 0. Sums stay 1."""
    piece_words = pieces.set_index("id")["words"]
    counts = words.set_index("id")["tokens"].map(len)
    mapped = [
        sum_per_word(weights, piece_words.loc[ident], int(counts.loc[ident]))
        for ident, weights in zip(guide["id"], guide["attention"], strict=True)
    ]
    return guide.assign(attention=mapped)


def fixed_guide(guide: pd.DataFrame) -> FixedAttention:
    """A guide table (`id`, `attention`) as the frozen attention of a guided model."""
    return FixedAttention(dict(zip(guide["id"].astype(str), guide["attention"], strict=True)))


# -- adversarial model --------------------------------------------------------------------
def masked_kl(p: torch.Tensor, q: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """KL(p || q) over the real positions of each row, (B,).

    Positions outside `mask` (<SOS>, <EOS>, padding: p = q = 0 there) are excluded rather
    than left to give 0 * log(0 / 0) = NaN; both logs are clamped at KL_EPS, so a base
    attention weight that underflowed to 0 gives a large but finite term and gradient.
    """
    log_ratio = torch.log(p.clamp_min(KL_EPS)) - torch.log(q.clamp_min(KL_EPS))
    return torch.where(mask, p * log_ratio, torch.zeros_like(p)).sum(-1)


def adversarial_objective(
    probs: torch.Tensor,
    weights: torch.Tensor,
    base_probs: torch.Tensor,
    base_weights: torch.Tensor,
    mask: torch.Tensor,
    lam: float,
) -> torch.Tensor:
    """Per instance TVD(y_a, y_b) - lambda * KL(alpha_a || alpha_b), (B,)."""
    return tvd(probs, base_probs) - lam * masked_kl(weights, base_weights, mask)


def adversary_against(base: AttentionClassifier, lam: float, seed: int) -> Against:
    """What `fit(..., against=...)` needs to train the adversary of `base` (run seed `seed`)."""
    objective = functools.partial(adversarial_objective, lam=float(lam))
    return Against(base.eval(), objective, init_seed=int(seed) + ADVERSARY_SEED_OFFSET)


def compare_to_base(predictions: pd.DataFrame, base: pd.DataFrame) -> pd.DataFrame:
    """Per test instance of the adversary: TVD of its output and JSD of its attention to the
    base model's (`predictions` and `base`: predictions.parquet tables), its own prediction
    and the base's."""
    out = divergence_to(predictions, base).rename(
        columns={"jsd": "jsd_to_base", "tvd": "tvd_to_base"}
    )
    out.insert(1, "label", predictions["label"].to_numpy())
    out.insert(2, "pred", predictions["pred"].to_numpy())
    out.insert(3, "base_pred", base.set_index("id").loc[predictions["id"], "pred"].to_numpy())
    return out
