"""Conicity of hidden states (Mohankumar et al., ACL 2020): how much they point one way.

For the states h_1 .. h_T of one instance (its items only: no <SOS>, <EOS>, <SEP> or
padding), with m their mean,

    conicity = 1/T sum_t cos(h_t, m),   cos(a, b) = a . b / max(|a| |b|, 1e-8).

Near 1: the states are nearly parallel, so any attention over them gives nearly the same
context, and attention weights can change a lot without changing the output. Every run
reports this signed value (the paper's definition) on the test split.

The Diversity LSTM is trained on the mean of |cos(h_t, m)| instead (`absolute=True`), as in
their code (akashkm99/Interpretable-Attention, model/Binary_Classification.py, line 592,
`torch.abs(cosine_similarity(...))`, summed into the loss at line 139). The signed value has
a degenerate minimum near -1: one long state along m and many short ones pointing against
it (sum_t |h_t| cos_t = T |m| >= 0 allows it), which is not diversity; the absolute one is
lowest when the states are orthogonal to their mean.
"""

from __future__ import annotations

import torch

EPS = 1e-8


def conicity(hidden: torch.Tensor, mask: torch.Tensor, absolute: bool = False) -> torch.Tensor:
    """Per instance (B,), the conicity of the states `hidden` (B, T, H) where `mask` (B, T)
    is True, of |cos| where `absolute` (the Diversity LSTM's training term); NaN for an
    instance without items."""
    weights = mask.to(hidden.dtype)
    count = weights.sum(1)
    mean = (hidden * weights.unsqueeze(-1)).sum(1) / count.clamp_min(1).unsqueeze(-1)
    dots = (hidden * mean.unsqueeze(1)).sum(-1)
    norms = hidden.norm(dim=-1) * mean.norm(dim=-1, keepdim=True)
    cosines = dots / norms.clamp_min(EPS)
    if absolute:
        cosines = cosines.abs()
    return torch.where(count > 0, (cosines * weights).sum(1) / count.clamp_min(1), torch.nan)


def diversity_weight(model: torch.nn.Module) -> float:
    """The weight of the (absolute) conicity term in the training loss: the encoder's
    `diversity_weight` (the Diversity LSTM's option), 0 for every other encoder."""
    return float(getattr(model.encoder, "diversity_weight", 0.0))
