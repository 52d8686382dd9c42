"""Attention scorers and the masked softmax.

A scorer maps hidden states (B, T, H) to unnormalised scores (B, T); `masked_softmax`
turns them into weights over real tokens only (<SOS>, <EOS> and padding get exactly 0).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import torch
from torch import nn

from attnaudit.models.activations import tanh


def masked_softmax(scores: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Softmax over positions where `mask` is True; masked positions are exactly zero."""
    scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights.masked_fill(~mask, 0.0)


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


ATTENTIONS: dict[str, type[nn.Module]] = {
    "additive": AdditiveAttention,
    "dot": DotAttention,
    "uniform": UniformAttention,
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
