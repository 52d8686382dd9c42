"""A small Transformer encoder: learned positions, post-norm self-attention layers.

Embeddings (E) are projected to `hidden_size` (d) and added to learned position vectors;
`layers` layers follow, each
    x = LayerNorm(x + MultiHeadSelfAttention(x))
    x = LayerNorm(x + W_2 relu(W_1 x + b_1) + b_2)
(Vaswani et al. 2017, no dropout, as nowhere in this project). Every position that holds a
token attends to every such position (<SOS>, <EOS>, <SEP> included, padding excluded), so
the output at a real token mixes the whole input. The attention on top (pooling, or the
[CLS] layer of `models.cls_attention`) is separate. Padding gets zero states.
"""

from __future__ import annotations

import math

import torch
from torch import nn


class SelfAttention(nn.Module):
    """Multi-head scaled dot-product self-attention over the positions of `mask`."""

    def __init__(self, size: int, heads: int):
        super().__init__()
        if size % heads:
            raise ValueError(f"hidden_size {size} is not divisible by heads {heads}")
        self.heads, self.head_size = heads, size // heads
        self.query, self.key, self.value = (nn.Linear(size, size) for _ in range(3))
        self.out = nn.Linear(size, size)

    def split(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, d) -> (B, heads, T, d / heads)."""
        return x.view(*x.shape[:2], self.heads, self.head_size).transpose(1, 2)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        q, k, v = self.split(self.query(x)), self.split(self.key(x)), self.split(self.value(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.head_size)
        scores = scores.masked_fill(~mask[:, None, None, :], float("-inf"))
        mixed = torch.softmax(scores, dim=-1) @ v  # (B, heads, T, d / heads)
        return self.out(mixed.transpose(1, 2).reshape(x.shape))


class TransformerLayer(nn.Module):
    """One post-norm layer: self-attention and a ReLU feed-forward block, each residual."""

    def __init__(self, size: int, heads: int, ff_size: int):
        super().__init__()
        self.attention = SelfAttention(size, heads)
        self.norm1, self.norm2 = nn.LayerNorm(size), nn.LayerNorm(size)
        self.ff = nn.Sequential(nn.Linear(size, ff_size), nn.ReLU(), nn.Linear(ff_size, size))

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = self.norm1(x + self.attention(x, mask))
        return self.norm2(x + self.ff(x))


class TransformerEncoder(nn.Module):
    """`layers` Transformer layers of width `hidden_size` with `heads` heads over learned
    positions (at most `max_positions` tokens, <SOS> and <EOS> included)."""

    def __init__(self, input_dim: int, hidden_size: int = 128, heads: int = 4, layers: int = 2,
                 ff_size: int = 256, max_positions: int = 512):  # fmt: skip
        super().__init__()
        self.project = nn.Linear(input_dim, hidden_size)
        self.positions = nn.Embedding(max_positions, hidden_size)
        self.layers = nn.ModuleList(
            TransformerLayer(hidden_size, heads, ff_size) for _ in range(layers)
        )
        self.output_dim = hidden_size

    def forward(self, embedded: torch.Tensor, lengths: torch.Tensor, mask: torch.Tensor):
        t = embedded.shape[1]
        if t > self.positions.num_embeddings:
            raise ValueError(
                f"an input of {t} tokens is longer than the Transformer's max_positions "
                f"({self.positions.num_embeddings}): raise max_positions in "
                "training.encoder_options or cut documents with the dataset option max_length"
            )
        x = self.project(embedded) + self.positions.weight[:t]
        for layer in self.layers:
            x = layer(x, mask)
        return x * mask.unsqueeze(-1).to(x.dtype)
