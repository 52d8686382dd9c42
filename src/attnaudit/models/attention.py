"""Attention scorers and the masked normalisers (softmax, sparsemax, 1.5-entmax).

A scorer maps hidden states (B, T, H) to unnormalised scores (B, T); its `normaliser`
(`softmax` unless the class says otherwise) turns them into weights over real tokens only
(<SOS>, <EOS> and padding get exactly 0): `masked_normalise`. Sparsemax (Martins &
Astudillo 2016) and 1.5-entmax (Peters et al. 2019, the `entmax` package) give exact zeros
to low-scoring real tokens as well, so an explanation can leave tokens out entirely.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import torch
from entmax import entmax15, sparsemax
from torch import nn

from attnaudit.models.activations import tanh
from attnaudit.models.cls_attention import CLSAttention, UniformCLSAttention


def masked_softmax(scores: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Softmax over positions where `mask` is True; masked positions are exactly zero."""
    scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights.masked_fill(~mask, 0.0)


# Below the row's largest real score by more than this, a score gets exactly 0 from both
# sparse maps: sparsemax's threshold is at least max - 1 and 1.5-entmax's (on the scores
# halved, as the package defines it) at least max - 2, since no weight exceeds 1.
_SPARSE_FLOOR = 4.0


def _sparse_inputs(scores: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Scores with masked positions set to a finite value below every threshold.

    -inf would give inf - inf = NaN in the entmax package's sorted cumulative sums; a value
    `_SPARSE_FLOOR` under the row's largest real score is outside the support by
    construction (and is zeroed again afterwards)."""
    top = scores.masked_fill(~mask, float("-inf")).amax(dim=-1, keepdim=True)
    top = torch.where(torch.isfinite(top), top, torch.zeros_like(top))  # rows without items
    return torch.where(mask, scores, (top - _SPARSE_FLOOR).expand_as(scores))


def masked_sparsemax(scores: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Sparsemax over positions where `mask` is True: the Euclidean projection of the
    scores onto the simplex, p = max(z - tau, 0); masked positions are exactly zero."""
    weights = sparsemax(_sparse_inputs(scores, mask), dim=-1)
    return weights.masked_fill(~mask, 0.0)


def masked_entmax15(scores: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """1.5-entmax over positions where `mask` is True: p = max(z / 2 - tau, 0) ** 2 with tau
    such that p sums to 1 (Peters et al. 2019); masked positions are exactly zero."""
    weights = entmax15(_sparse_inputs(scores, mask), dim=-1)
    return weights.masked_fill(~mask, 0.0)


NORMALISERS = {
    "softmax": masked_softmax,
    "sparsemax": masked_sparsemax,
    "entmax15": masked_entmax15,
}


def masked_normalise(scorer: nn.Module, scores: torch.Tensor, mask: torch.Tensor):
    """The scorer's normaliser (its `normaliser` attribute, default softmax) on `scores`."""
    return NORMALISERS[getattr(scorer, "normaliser", "softmax")](scores, mask)


class AdditiveAttention(nn.Module):
    """v^T tanh(W h + b), W: H -> H/2, v without bias (Bahdanau-style, as Jain & Wallace)."""

    def __init__(self, hidden_dim: int):
        super().__init__()
        self.proj = nn.Linear(hidden_dim, hidden_dim // 2)
        self.v = nn.Linear(hidden_dim // 2, 1, bias=False)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.v(tanh(self.proj(hidden))).squeeze(-1)


class DotAttention(nn.Module):
    """Scaled dot product with a learned query: w^T h / sqrt(H)."""

    def __init__(self, hidden_dim: int):
        super().__init__()
        self.w = nn.Linear(hidden_dim, 1, bias=False)
        self.scale = 1.0 / math.sqrt(hidden_dim)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.w(hidden).squeeze(-1) * self.scale


class UniformAttention(nn.Module):
    """Constant scores, so the masked softmax gives exactly 1/T over real tokens; no parameters."""

    def __init__(self, hidden_dim: int):
        super().__init__()

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return hidden.new_zeros(hidden.shape[:2])


class SparsemaxAttention(AdditiveAttention):
    """Additive scores normalised by sparsemax: low-scoring tokens get exactly 0."""

    normaliser = "sparsemax"


class EntmaxAttention(AdditiveAttention):
    """Additive scores normalised by 1.5-entmax: sparse, but smoother than sparsemax."""

    normaliser = "entmax15"


# `cls` is the last Transformer layer's [CLS] attention, `clsuniform` that layer with 1/T:
# `build_model` gives them their own classifier (models.cls_classifier), since its decoder
# is not a weighted sum of states.
ATTENTIONS: dict[str, type[nn.Module]] = {
    "additive": AdditiveAttention,
    "dot": DotAttention,
    "uniform": UniformAttention,
    "sparsemax": SparsemaxAttention,
    "entmax": EntmaxAttention,
    "cls": CLSAttention,
    "clsuniform": UniformCLSAttention,
}


class FixedAttention:
    """Attention supplied per instance instead of computed (Wiegreffe & Pinter's guided MLP).

    `weights` maps an instance id to its weights over the real items (tokens), in order.
    `batch` lays them out on a padded batch: the given values (renormalised to sum 1 unless
    they already do) at the real positions, exactly 0 at <SOS>, <EOS> and padding. Nothing
    here is a parameter: a model trained with a FixedAttention never changes its weights.
    """

    def __init__(self, weights: Mapping[str, Sequence[float]]):
        self.weights = {str(k): np.asarray(v, dtype=np.float64) for k, v in weights.items()}
        bad = [k for k, w in self.weights.items() if not valid_weights(w)]
        if bad:
            raise ValueError(
                f"attention of {len(bad)} instance(s) (e.g. {bad[0]!r}) is not a non-negative, "
                "finite, non-zero vector"
            )

    @classmethod
    def uniform(cls, ids: Iterable[str], lengths: Iterable[int]) -> FixedAttention:
        """1/T over each instance's T real items (ones, normalised in `batch`: exactly 1/T)."""
        return cls({i: np.ones(int(n)) for i, n in zip(ids, lengths, strict=True)})

    def batch(self, ids: Sequence[str], mask: torch.Tensor) -> torch.Tensor:
        """(B, T) weights for the instances `ids` on a batch whose real positions are `mask`."""
        out = torch.zeros(mask.shape, dtype=torch.float32)
        for row, key in enumerate(ids):
            w = self.weights[str(key)]
            positions = mask[row].nonzero().squeeze(-1).cpu()
            if len(w) != len(positions):
                raise ValueError(
                    f"instance {key!r}: {len(w)} attention weights for {len(positions)} items"
                )
            total = w.sum()  # a distribution already (a guide model's attention) stays as is
            out[row, positions] = torch.from_numpy(
                w if abs(total - 1) < 1e-6 else w / total
            ).float()
        return out.to(mask.device)


def valid_weights(w: np.ndarray) -> bool:
    return w.ndim == 1 and bool(np.isfinite(w).all() and (w >= 0).all() and w.sum() > 0)
