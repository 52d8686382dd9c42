"""Length-bucketed batches: documents of similar length share a batch, so little padding."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from attnaudit.data.tokens import PAD_ID


def bucketed_batches(
    lengths: Sequence[int], batch_size: int, rng: np.random.Generator | None = None
) -> list[np.ndarray]:
    """Index batches of similar length; with `rng`, ties and batch order are shuffled."""
    lengths = np.asarray(lengths)
    if rng is None:
        order = np.argsort(lengths, kind="stable")
    else:
        order = np.lexsort((rng.permutation(len(lengths)), lengths))
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    if rng is not None:
        batches = [batches[i] for i in rng.permutation(len(batches))]
    return batches


def pad(sequences: Sequence[Sequence[int]], device: torch.device | str = "cpu") -> torch.Tensor:
    """Right-pad id sequences with <PAD> into a (B, T) long tensor."""
    width = max(len(s) for s in sequences)
    out = np.full((len(sequences), width), PAD_ID, dtype=np.int64)
    for i, seq in enumerate(sequences):
        out[i, : len(seq)] = seq
    return torch.from_numpy(out).to(device)


def scored_batches(
    sequences: Sequence[Sequence[int]],
    batch_size: int,
    score: Callable[[np.ndarray, torch.Tensor], Sequence[Any]],
) -> list[Any]:
    """The batching loop of every per-instance measure: `sequences` bucketed by length,
    each batch padded and scored (`score(index, tokens)` gives one result per row of the
    batch), the results put back in the order of `sequences`."""
    out: list[Any] = [None] * len(sequences)
    for index in bucketed_batches([len(s) for s in sequences], batch_size):
        results = score(index, pad([sequences[i] for i in index]))
        for i, result in zip(index, results, strict=True):
            out[i] = result
    return out
