"""What a ranking reads and returns, and the memo that computes each costly ranking once
per model and instance in a job."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch


@dataclass(frozen=True)
class Options:
    """The settings a ranking may read, taken from the analysis that asks for it. The
    defaults are the measures' own; only `ig_steps`, `seed` and `n_random` change numbers
    beyond float noise (the others size batches)."""

    batch_size: int = 64  # instances per pass (decoder-level rankings, the gradient)
    ig_steps: int = 50  # Integrated Gradients: integration steps
    # Integrated Gradients: instances per pass (times ig_steps); on SST's BiLSTM 8 takes 18 %
    # less CPU than 32 (the steps of a few instances stay in cache)
    ig_batch_size: int = 8
    deletions_per_pass: int = 4096  # leave-one-out: deletions evaluated together
    seed: int = 0  # random orders: seed (with the instance id)
    n_random: int = 1  # random orders per instance


@dataclass
class Scores:
    """A ranking's result on some rows, in row order: per instance its scores over its items,
    shape (items,), or (orderings, items) for a ranking with several orders (random); and
    per-instance diagnostics by column name (Integrated Gradients' convergence delta)."""

    values: list[np.ndarray]
    columns: dict[str, list[float]] = field(default_factory=dict)

    def orderings(self) -> list[list[np.ndarray]]:
        """The scores per ordering: one list of per-instance vectors for each order."""
        if self.values and np.ndim(self.values[0]) == 2:
            return [[v[k] for v in self.values] for k in range(len(self.values[0]))]
        return [self.values]


# Per model (weakly held: the entry goes with the model), per measure and its settings: the
# scores of each instance id already computed in this process. A job that runs several
# analyses on one model (Serrano & Smith's rankings, the ERASER metrics) computes each
# input-level measure once per instance.
_SCORES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def shared_scores(
    model: torch.nn.Module,
    rows: pd.DataFrame,
    measure: str,
    compute: Callable[[pd.DataFrame], list],
    *settings: object,
) -> list:
    """`compute(rows)` (per-instance results in row order) for the instances of `rows` not
    yet scored with this measure and settings on this model; all of them from the memo."""
    memo = _SCORES.setdefault(model, {}).setdefault((measure, settings), {})
    ids = [str(i) for i in rows["id"]]
    missing = [i for i, key in enumerate(ids) if key not in memo]
    if missing:
        todo = rows.iloc[missing].reset_index(drop=True)
        for key, scores in zip(todo["id"].astype(str), compute(todo), strict=True):
            memo[key] = scores
    return [memo[key] for key in ids]
