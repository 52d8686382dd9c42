"""The [CLS] attention layer: the last Transformer layer, seen from the <SOS> position.

A classifier that reads the output at a [CLS] token (here <SOS>, always position 0)
explains itself by that token's attention in the last layer. For that attention to be what
the model actually uses, the heads share one distribution: each head h scores the items
(real tokens only: not <SOS>, <EOS>, <SEP> or padding) with its own query and keys,

    a_h = softmax_t( q_h(x_0) . k_h(x_t) / sqrt(d / heads) ),     alpha = mean_h a_h,

and every head then mixes its values with alpha. The rest is the layer's usual tail:

    c  = sum_t alpha_t V x_t                                  (all heads' values, (d,))
    y1 = LayerNorm(x_0 + W_o c + b_o)
    y2 = LayerNorm(y1 + W_2 relu(W_1 y1 + b_1) + b_2)         the [CLS] output

Given the states entering the layer, x_0 .. x_T, the output is a function of alpha alone:
decoder-level analyses set alpha and recompute this layer and the classifier. It is not
affine in alpha (LayerNorm, ReLU), so the engine decodes through `finish` instead of
per-token logits. Only the <SOS> row of the last layer is computed: no other row is read.

`UniformCLSAttention` (attention `clsuniform`) is the same layer with alpha fixed at 1/T
over the items and no query or key: the uniform control of `cls` with the same residual
path and tail, trained from scratch like every run.
"""

from __future__ import annotations

import math

import torch
from torch import nn


class CLSAttention(nn.Module):
    """The last layer's [CLS] row: head-averaged attention over the items, then the tail."""

    scored = True  # False: alpha is fixed (UniformCLSAttention), no query or key is built

    def __init__(self, hidden_dim: int, heads: int = 4, ff_size: int | None = None):
        super().__init__()
        if hidden_dim % heads:
            raise ValueError(f"hidden size {hidden_dim} is not divisible by heads {heads}")
        self.heads, self.head_size = heads, hidden_dim // heads
        if self.scored:
            self.query = nn.Linear(hidden_dim, hidden_dim)
            self.key = nn.Linear(hidden_dim, hidden_dim)
        self.value, self.out = nn.Linear(hidden_dim, hidden_dim), nn.Linear(hidden_dim, hidden_dim)
        self.norm1, self.norm2 = nn.LayerNorm(hidden_dim), nn.LayerNorm(hidden_dim)
        ff_size = ff_size or 2 * hidden_dim
        self.ff = nn.Sequential(
            nn.Linear(hidden_dim, ff_size), nn.ReLU(), nn.Linear(ff_size, hidden_dim)
        )

    @property
    def scoring_parameters(self) -> list[nn.Parameter]:
        """The parameters that set the attention distribution (no weight decay on them)."""
        return [*self.query.parameters(), *self.key.parameters()]

    def distribution(self, hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """alpha (B, T): the mean over heads of each head's softmax over the items."""
        return self.head_distributions(hidden, mask).mean(dim=1)

    def head_distributions(self, hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """a_h (B, heads, T): each head's softmax over the items, exactly 0 elsewhere."""
        b, t, d = hidden.shape
        q = self.query(hidden[:, 0]).view(b, self.heads, 1, self.head_size)
        k = self.key(hidden).view(b, t, self.heads, self.head_size).transpose(1, 2)
        scores = (q @ k.transpose(-1, -2)).squeeze(2) / math.sqrt(self.head_size)
        scores = scores.masked_fill(~mask.unsqueeze(1), float("-inf"))
        return torch.softmax(scores, dim=-1).masked_fill(~mask.unsqueeze(1), 0.0)

    def finish(self, cls_state: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        """The [CLS] output y2 from x_0 (..., d) and the mixed values c (..., d)."""
        y = self.norm1(cls_state + self.out(context))
        return self.norm2(y + self.ff(y))


class UniformCLSAttention(CLSAttention):
    """The [CLS] layer with alpha = 1/T over the items (0 at <SOS>, <EOS>, <SEP>, padding):
    the same values, residual path and tail as `CLSAttention`, nothing that scores."""

    scored = False

    @property
    def scoring_parameters(self) -> list[nn.Parameter]:
        return []

    def distribution(self, hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """1/T at the T items of each row (a row without items: all 0, as the softmax's)."""
        items = mask.to(hidden.dtype)
        return items / items.sum(dim=-1, keepdim=True).clamp(min=1)
