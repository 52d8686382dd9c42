"""Length-bucketed batches: documents of similar length share a batch, so little padding."""

from __future__ import annotations

from collections.abc import Sequence

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
