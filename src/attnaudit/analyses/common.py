"""Helpers every analysis shares: the per-instance identity columns, row order, and the
input-level scores several analyses of one model need."""

from __future__ import annotations

import weakref
from collections.abc import Callable

import numpy as np
import pandas as pd
import torch

from attnaudit.engine import EncodedBatch, real_values


def base_columns(rows: pd.DataFrame, order: np.ndarray, batch: EncodedBatch) -> dict:
    weights = real_values(batch.attention, batch.mask)
    return {
        "id": rows["id"].to_numpy()[order],
        "label": rows["label"].to_numpy()[order],
        "pred": batch.probs.argmax(-1).cpu().numpy(),
        "length": batch.lengths.cpu().numpy(),
        "max_attention": [float(w.max()) for w in weights],
    }


def collect(parts: list[pd.DataFrame], rows: pd.DataFrame) -> pd.DataFrame:
    """Concatenate per-batch frames and put them back in the split's row order."""
    if not parts:
        raise ValueError(
            "no instances to analyse: the split is empty or every instance has a single item "
            "(for hierarchical models: a single sentence; is `sentences: true` set?)"
        )
    out = pd.concat(parts, ignore_index=True)
    position = {key: i for i, key in enumerate(rows["id"])}
    return out.sort_values("id", key=lambda s: s.map(position)).reset_index(drop=True)


# Per model (weakly held: the entry goes with the model), per measure and its settings: the
# scores of each instance id already computed in this process. A job that runs several
# analyses on one model (Serrano & Smith's rankings, the ERASER metrics) computes each
# input-level measure once per instance.
_SCORES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def shared_scores(
    model: torch.nn.Module,
    rows: pd.DataFrame,
    measure: str,
    compute: Callable[[pd.DataFrame], list[np.ndarray]],
    *settings: object,
) -> list[np.ndarray]:
    """`compute(rows)` (per-instance scores in row order) for the instances of `rows` not
    yet scored with this measure and settings on this model; all of them from the memo."""
    memo = _SCORES.setdefault(model, {}).setdefault((measure, settings), {})
    ids = [str(i) for i in rows["id"]]
    missing = [i for i, key in enumerate(ids) if key not in memo]
    if missing:
        todo = rows.iloc[missing].reset_index(drop=True)
        for key, scores in zip(todo["id"].astype(str), compute(todo), strict=True):
            memo[key] = scores
    return [memo[key] for key in ids]
