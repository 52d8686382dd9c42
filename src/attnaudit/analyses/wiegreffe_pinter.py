"""Wiegreffe & Pinter (2019), "Attention is not not Explanation": seed variance, the guided
MLP diagnostic and the end-to-end adversarial model.

- Seed variance: the same model retrained with other seeds is the noise floor of attention.
  Per test instance, JSD between the base seed's attention and each other seed's (and TVD
  between their outputs); the median over seeds.
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
from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch

from attnaudit import metrics
from attnaudit.data.batching import pad
from attnaudit.engine import tvd
from attnaudit.models import AttentionClassifier
from attnaudit.models.attention import FixedAttention
from attnaudit.train import Against, predict

# M_a draws its initialisation and batch order from seed + ADVERSARY_SEED_OFFSET, so it does
# not start from the initialisation of its base (trained with the same seed).
ADVERSARY_SEED_OFFSET = 1000
KL_EPS = 1e-10


# -- seed variance ------------------------------------------------------------------------
def padded(arrays: Sequence[np.ndarray]) -> np.ndarray:
    """Stack variable-length vectors into an (N, max length) matrix, zero-padded."""
    width = max((len(a) for a in arrays), default=0)
    out = np.zeros((len(arrays), width))
    for i, a in enumerate(arrays):
        out[i, : len(a)] = a
    return out


def divergence_to(rows: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    """Per row of `rows` (`id`, `attention`, `probs`): JSD between its attention and the
    reference row's of the same id, and TVD between their output distributions."""
    ref = reference.set_index("id").loc[rows["id"]]
    lengths = rows["attention"].map(len).to_numpy()
    if not np.array_equal(lengths, ref["attention"].map(len).to_numpy()):
        raise ValueError("attention over different numbers of items: not the same instances")
    jsd = metrics.jsd(padded(list(rows["attention"])), padded(list(ref["attention"])))
    out_tvd = metrics.tvd(np.stack(rows["probs"].to_numpy()), np.stack(ref["probs"].to_numpy()))
    return pd.DataFrame({"id": rows["id"].to_numpy(), "jsd": jsd, "tvd": out_tvd})


def seed_variance(predictions: pd.DataFrame, base_seed: int | None = None) -> pd.DataFrame:
    """One row per test instance of one dataset x model: the base seed's prediction, max
    attention and length; per other seed the JSD of attention and TVD of outputs to the base
    seed (`other_seeds`, `jsd`, `tvd`, arrays), and their medians over seeds.

    `predictions`: the runs' predictions.parquet tables (`seed`, `id`, `pred`, `probs`,
    `attention`) of every seed; `base_seed` defaults to the smallest.
    """
    seeds = sorted(predictions["seed"].unique())
    base_seed = seeds[0] if base_seed is None else base_seed
    others = [s for s in seeds if s != base_seed]
    if base_seed not in seeds or not others:
        raise ValueError(f"seed variance needs the base seed {base_seed} and another; got {seeds}")
    base = predictions[predictions["seed"] == base_seed].reset_index(drop=True)
    pairs = [divergence_to(predictions[predictions["seed"] == s], base) for s in others]
    jsd = np.stack([p.set_index("id").loc[base["id"], "jsd"].to_numpy() for p in pairs], axis=1)
    out_tvd = np.stack([p.set_index("id").loc[base["id"], "tvd"].to_numpy() for p in pairs], 1)
    out = base[["dataset", "model", "seed", "id", "label", "pred", "length"]].copy()
    out["max_attention"] = base["attention"].map(lambda a: float(np.max(a)))
    out["other_seeds"] = [np.asarray(others)] * len(out)
    out["jsd"], out["tvd"] = list(jsd), list(out_tvd)
    out["median_jsd"], out["median_tvd"] = np.median(jsd, axis=1), np.median(out_tvd, axis=1)
    return out


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
