"""The decoder-level engine: encode once, evaluate many attention vectors per instance.

Decoder-level analyses (permutation, erasure, adversarial attention, gradients with respect
to attention) hold the hidden states h fixed and recompute only c = sum_t alpha_t h_t and
the output. The engine runs the encoder once per batch of instances and evaluates whole
stacks of alternative attention vectors, shape (B, P, T), in single tensor operations.
Nothing here re-runs the encoder per perturbation.

Because the decoder is affine in the context, logits = sum_t alpha_t (W h_t) + b. The
engine keeps the per-token contributions W h_t (B, T, C) and decodes a stack of attention
vectors with one batched matrix product of size B x P x T x C, not B x P x T x H. A model
whose decoder is not affine in alpha (`affine_decoder` False: the [CLS] classifier, whose
last layer follows the mixing) supplies its own per-batch cache and decoding
(`decoder_cache`, `decode_cached`); the engine then goes through those.

Memory stays bounded: instances stream through in length-bucketed batches (only one
batch's hidden states live at a time) and perturbation stacks are decoded in chunks of
at most `max_elements` (B x P x T) entries.

Random perturbations draw from one generator per instance, seeded from the analysis seed
and the instance id, so results do not depend on batch size or batch composition.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch

from attnaudit.data.batching import bucketed_batches, pad
from attnaudit.models.classifier import AttentionClassifier


@dataclass
class EncodedBatch:
    """One batch of encoded instances. `index` gives each row's position in the split."""

    index: np.ndarray
    ids: list[str]
    token_ids: torch.Tensor  # (B, T)
    hidden: torch.Tensor  # (B, T, H), detached
    # the model's decoder_cache: W h_t (B, T, C), each token's share of the logits, for an
    # affine decoder; what its decode_cached needs otherwise
    contributions: Any
    mask: torch.Tensor  # (B, T) real tokens
    attention: torch.Tensor  # (B, T) the model's own attention
    probs: torch.Tensor  # (B, K) the model's own output distribution

    @property
    def lengths(self) -> torch.Tensor:
        return self.mask.sum(dim=1)


def instance_generators(seed: int, ids: Sequence[str]) -> list[torch.Generator]:
    """One generator per instance, from the analysis seed and a checksum of the id."""
    return [
        torch.Generator().manual_seed(int(seed) * 1_000_003 + zlib.crc32(str(i).encode()))
        for i in ids
    ]


def per_instance(draw, seed: int, batch: EncodedBatch, lead: tuple[int, ...]) -> torch.Tensor:
    """Random numbers at each instance's real positions: (B, *lead, T), zero elsewhere.

    Instance b's numbers are `draw((*lead, length_b), generator=g_b)`, so they depend on
    neither the padded width nor the other instances of the batch.
    """
    b, t = batch.mask.shape
    out = torch.zeros((b, *lead, t), dtype=batch.attention.dtype)
    lengths = batch.lengths.tolist()
    for row, (g, n) in enumerate(zip(instance_generators(seed, batch.ids), lengths, strict=True)):
        positions = batch.mask[row].nonzero().squeeze(-1)
        out[row][..., positions] = draw((*lead, n), generator=g).to(out.dtype)
    return out


class Engine:
    def __init__(
        self,
        model: AttentionClassifier,
        batch_size: int = 64,
        max_elements: int = 1 << 24,
        device: str | torch.device = "cpu",
    ):
        self.model = model.eval().to(device)
        self.batch_size = batch_size
        self.max_elements = max_elements
        self.device = torch.device(device)

    @torch.no_grad()
    def batches(self, rows: pd.DataFrame) -> Iterator[EncodedBatch]:
        """Encode the instances of `rows` (`id`, `token_ids`) batch by batch."""
        ids = list(rows["token_ids"])
        names = [str(i) for i in rows["id"]]
        for index in bucketed_batches([len(s) for s in ids], self.batch_size):
            yield self.encode(index, [names[i] for i in index], pad([ids[i] for i in index]))

    @torch.no_grad()
    def encode(self, index: np.ndarray, ids: list[str], tokens: torch.Tensor) -> EncodedBatch:
        """One batch: the padded `tokens` of the instances at `index` (named `ids`)."""
        tokens = tokens.to(self.device)
        hidden, mask = self.model.encode(tokens)
        attention = self.model.attend(hidden, mask)
        probs = self.model.probabilities(self.model.decode(hidden, attention))
        contributions = self.model.decoder_cache(hidden)
        return EncodedBatch(index, ids, tokens, hidden, contributions, mask, attention, probs)

    # -- evaluating alternative attention ---------------------------------------------------
    def logits(self, batch: EncodedBatch, weights: torch.Tensor) -> torch.Tensor:
        """Decoder logits for attention stacks `weights` (B, P, T); differentiable."""
        return self.model.decode_cached(batch.contributions, weights)

    def probabilities(self, batch: EncodedBatch, weights: torch.Tensor) -> torch.Tensor:
        """Output distributions (B, P, K) for attention stacks (B, P, T); differentiable."""
        return self.model.probabilities(self.logits(batch, weights))

    @torch.no_grad()
    def outputs(self, batch: EncodedBatch, weights: torch.Tensor) -> torch.Tensor:
        """Output distributions (B, P, K) for attention stacks (B, P, T), decoded in chunks."""
        b, p, t = weights.shape
        step = max(1, self.max_elements // max(1, b * t))
        chunks = [self.probabilities(batch, weights[:, i : i + step]) for i in range(0, p, step)]
        return torch.cat(chunks, dim=1)

    # -- perturbations -----------------------------------------------------------------
    @staticmethod
    def permutations(weights: torch.Tensor, mask: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
        """Permute each row's weights over its real positions, one permutation per slice of
        `keys` (B, P, T) of uniform random numbers: (B, P, T).

        Non-real positions keep their (zero) weight; weights move only between real tokens.
        """
        b, n, t = keys.shape
        positions = torch.arange(t, device=weights.device).expand(b, n, t)
        real = mask.unsqueeze(1).expand(b, n, t)
        # Real positions sort first (keys in [0, 1)) in random order; the rest keep order.
        source = torch.where(real, keys, 2.0 + positions).argsort(dim=-1)
        target = torch.where(real, positions / t, 2.0 + positions).argsort(dim=-1)
        shuffled = weights.unsqueeze(1).expand(b, n, t).gather(-1, source)
        return torch.zeros_like(shuffled).scatter(-1, target, shuffled)

    def random_permutations(self, batch: EncodedBatch, n: int, seed: int) -> torch.Tensor:
        keys = per_instance(torch.rand, seed, batch, (n,))
        return self.permutations(batch.attention, batch.mask, keys)

    @staticmethod
    def erase(weights: torch.Tensor, erased: torch.Tensor) -> torch.Tensor:
        """Zero the `erased` positions (bool, broadcastable) and renormalise to sum 1.

        Rows whose remaining weight is zero come back as NaN: there is nothing left to
        attend to, and no number would be honest.
        """
        kept = weights.masked_fill(erased, 0.0)
        return kept / kept.sum(dim=-1, keepdim=True)

    def attention_gradient(self, batch: EncodedBatch, target: torch.Tensor) -> torch.Tensor:
        """d p(target class) / d alpha_t at the model's own attention: (B, T), signed."""
        weights = batch.attention.detach().clone().unsqueeze(1).requires_grad_(True)
        with torch.enable_grad():
            probs = self.probabilities(batch, weights)[:, 0]
            chosen = probs.gather(-1, target.view(-1, 1)).sum()
            (grad,) = torch.autograd.grad(chosen, weights)
        return grad[:, 0].masked_fill(~batch.mask, 0.0)


def real_values(values: torch.Tensor, mask: torch.Tensor) -> list[np.ndarray]:
    """Per row, the entries at real-token positions as float64 arrays."""
    values = values.detach().cpu().numpy().astype(np.float64)
    mask = mask.cpu().numpy()
    return [row[m] for row, m in zip(values, mask, strict=True)]
