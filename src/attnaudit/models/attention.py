"""Attention scorers and the masked softmax.

A scorer maps hidden states (B, T, H) to unnormalised scores (B, T); `masked_softmax`
turns them into weights over real tokens only (<SOS>, <EOS> and padding get exactly 0).
"""

from __future__ import annotations

import math

import torch
from torch import nn


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
        return self.v(torch.tanh(self.proj(hidden))).squeeze(-1)


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
