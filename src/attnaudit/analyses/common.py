"""Helpers every analysis shares: the per-instance identity columns and row order."""

from __future__ import annotations

import numpy as np
import pandas as pd

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
