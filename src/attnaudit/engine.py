"""The decoder-level engine: encode once, evaluate many attention vectors per instance.

Decoder-level analyses (permutation, erasure, adversarial attention, gradients with respect
to attention) hold the hidden states h fixed and recompute only c = sum_t alpha_t h_t and
the output. The engine runs the encoder once per batch of instances and evaluates whole
stacks of alternative attention vectors, shape (B, P, T), in single tensor operations.
Nothing here re-runs the encoder per perturbation.

Memory stays bounded: instances stream through in length-bucketed batches (only one
batch's hidden states live at a time) and perturbation stacks are decoded in chunks of
at most `max_elements` (B x P x T) entries.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from attnaudit.data.batching import bucketed_batches, pad
from attnaudit.models import AttentionClassifier


@dataclass
class EncodedBatch:
    """One batch of encoded instances. `index` gives each row's position in the split."""

    index: np.ndarray
    token_ids: torch.Tensor  # (B, T)
    hidden: torch.Tensor  # (B, T, H), detached
    mask: torch.Tensor  # (B, T) real tokens
    attention: torch.Tensor  # (B, T) the model's own attention
    probs: torch.Tensor  # (B, K) the model's own output distribution

    @property
    def lengths(self) -> torch.Tensor:
        return self.mask.sum(dim=1)


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

    # -- encoding ----------------------------------------------------------------------
    @torch.no_grad()
    def encode(self, token_ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.model.encode(token_ids.to(self.device))

    @torch.no_grad()
    def batches(self, rows: pd.DataFrame) -> Iterator[EncodedBatch]:
        """Encode the instances of `rows` (a `token_ids` column) batch by batch."""
        ids = list(rows["token_ids"])
        for index in bucketed_batches([len(s) for s in ids], self.batch_size):
            tokens = pad([ids[i] for i in index], self.device)
            hidden, mask = self.model.encode(tokens)
            attention = self.model.attend(hidden, mask)
            probs = self.model.probabilities(self.model.decode(hidden, attention))
            yield EncodedBatch(index, tokens, hidden, mask, attention, probs)

    # -- evaluating alternative attention ---------------------------------------------------
    def logits(self, batch: EncodedBatch, weights: torch.Tensor) -> torch.Tensor:
        """Decoder logits for attention stacks `weights` (B, P, T); differentiable."""
        return self.model.decode(batch.hidden.unsqueeze(1), weights)

    @torch.no_grad()
    def outputs(self, batch: EncodedBatch, weights: torch.Tensor) -> torch.Tensor:
        """Output distributions (B, P, K) for attention stacks (B, P, T), decoded in chunks."""
        b, p, t = weights.shape
        step = max(1, self.max_elements // max(1, b * t))
        chunks = [
            self.model.probabilities(self.logits(batch, weights[:, i : i + step]))
            for i in range(0, p, step)
        ]
        return torch.cat(chunks, dim=1)

    # -- perturbations -----------------------------------------------------------------
    @staticmethod
    def permutations(
        weights: torch.Tensor, mask: torch.Tensor, n: int, generator: torch.Generator
    ) -> torch.Tensor:
        """`n` random permutations of each row's weights over its real positions: (B, n, T).

        Non-real positions keep their (zero) weight; each permutation moves weights only
        between real tokens.
        """
        b, t = weights.shape
        positions = torch.arange(t, device=weights.device).expand(b, n, t)
        real = mask.unsqueeze(1).expand(b, n, t)
        # Real positions sort first, in random order (keys in [0, 1)); the rest keep order.
        keys = torch.rand(b, n, t, generator=generator, device=weights.device)
        keys = torch.where(real, keys, 2.0 + positions)
        source = keys.argsort(dim=-1)
        target = torch.where(real, positions / t, 2.0 + positions).argsort(dim=-1)
        shuffled = weights.unsqueeze(1).expand(b, n, t).gather(-1, source)
        return torch.zeros_like(shuffled).scatter(-1, target, shuffled)

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
        weights = batch.attention.detach().clone().requires_grad_(True)
        with torch.enable_grad():
            probs = self.model.probabilities(self.model.decode(batch.hidden, weights))
            chosen = probs.gather(-1, target.view(-1, 1)).sum()
            (grad,) = torch.autograd.grad(chosen, weights)
        return grad.masked_fill(~batch.mask, 0.0)


def real_values(values: torch.Tensor, mask: torch.Tensor) -> list[np.ndarray]:
    """Per row, the entries at real-token positions as float64 arrays."""
    values = values.detach().cpu().numpy().astype(np.float64)
    mask = mask.cpu().numpy()
    return [row[m] for row, m in zip(values, mask, strict=True)]


def jsd(p: torch.Tensor, q: torch.Tensor, eps: float = 1e-10) -> torch.Tensor:
    """Differentiable Jensen-Shannon divergence over the last axis (natural log).

    Zero entries (masked positions) contribute nothing; `eps` keeps gradients finite where
    a softmax underflows to 0.
    """
    m = 0.5 * (p + q)
    log_m = torch.log(m + eps)
    kl_p = (p * (torch.log(p + eps) - log_m)).sum(-1)
    kl_q = (q * (torch.log(q + eps) - log_m)).sum(-1)
    return (0.5 * (kl_p + kl_q)).clamp(min=0.0)


def tvd(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    return 0.5 * (p - q).abs().sum(-1)
