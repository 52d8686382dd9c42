"""Conicity of hidden states (Mohankumar et al., ACL 2020): how much they point one way.

For the states h_1 .. h_T of one instance (its items only: no <SOS>, <EOS>, <SEP> or
padding), with m their mean,

    conicity = 1/T sum_t cos(h_t, m),   cos(a, b) = a . b / max(|a| |b|, 1e-8).

Near 1: the states are nearly parallel, so any attention over them gives nearly the same
context, and attention weights can change a lot without changing the output. The Diversity
LSTM is trained to keep it low; every run reports it on the test split. (Their code takes
the absolute value of each cosine; the paper's definition, used here, does not.)
"""

from __future__ import annotations

import torch

EPS = 1e-8


def conicity(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Per instance (B,), the conicity of the states `hidden` (B, T, H) where `mask` (B, T)
    is True; NaN for an instance without items."""
    weights = mask.to(hidden.dtype)
    count = weights.sum(1)
    mean = (hidden * weights.unsqueeze(-1)).sum(1) / count.clamp_min(1).unsqueeze(-1)
    dots = (hidden * mean.unsqueeze(1)).sum(-1)
    norms = hidden.norm(dim=-1) * mean.norm(dim=-1, keepdim=True)
    cosines = dots / norms.clamp_min(EPS)
    return torch.where(count > 0, (cosines * weights).sum(1) / count.clamp_min(1), torch.nan)


def diversity_weight(model: torch.nn.Module) -> float:
    """The weight of the conicity term in the training loss: the encoder's
    `diversity_weight` (the Diversity LSTM's option), 0 for every other encoder."""
    return float(getattr(model.encoder, "diversity_weight", 0.0))
