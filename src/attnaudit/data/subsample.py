"""A share of a dataset's training split, for the training-set sweeps of the open
questions (`open_questions.complexity`).

The share is stratified by label and nested: a seed draws one order of each class's
training instances and a share keeps its first instances, so a seed's 0.25 lies inside its
0.5. Words that only the dropped instances hold read as unknown, as if the vocabulary had
been built on the share: a model trained on less text knows fewer words.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from attnaudit.data.tokens import SPECIALS, UNK_ID


def share_size(fraction: float, n: int) -> int:
    """Instances a share keeps of a class of `n`: `fraction` of them, rounded half up, at
    least one."""
    return max(1, math.floor(fraction * n + 0.5))


def train_share(table: pd.DataFrame, fraction: float, seed: int) -> pd.DataFrame:
    """`table` (a tokens table: split, label, token_ids) with only `fraction` of its
    training instances (dev and test whole), in table order; token ids no kept training
    instance holds become the unknown word's id (special tokens are kept)."""
    if not 0 < fraction <= 1:
        raise ValueError(f"training share {fraction} is not in (0, 1]")
    train = np.flatnonzero(table["split"].to_numpy() == "train")
    labels = table["label"].to_numpy()[train]
    rng = np.random.default_rng(seed)
    kept = [
        members[rng.permutation(len(members))[: share_size(fraction, len(members))]]
        for members in (train[labels == label] for label in np.unique(labels))
    ]
    dropped = np.setdiff1d(train, np.concatenate(kept)) if kept else train[:0]
    out = table.drop(index=table.index[dropped]).reset_index(drop=True)
    is_train = out["split"].to_numpy() == "train"
    seen = set(range(len(SPECIALS))).union(*map(set, out.loc[is_train, "token_ids"]))
    out["token_ids"] = [
        np.array([t if t in seen else UNK_ID for t in ids], dtype=np.asarray(ids).dtype)
        for ids in out["token_ids"]
    ]
    return out
