"""Stratified subsets of a dataset's splits: a share of the training split for the
training-set sweeps of the open questions (`open_questions.complexity`), and the caps of a
dataset's splits in preprocessing (`max_train`, `max_dev`, `max_test`), for a study that
cannot afford a whole split.

A subset is stratified by label and nested: a seed draws one order of each class's
instances and a share keeps its first instances, so a seed's 0.25 lies inside its 0.5. In a
sweep's share, words that only the dropped instances hold read as unknown, as if the
vocabulary had been built on the share: a model trained on less text knows fewer words (a
capped split is cut before the vocabulary is built, so there it is).
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


def stratified_keep(labels: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """The positions a share keeps of instances with `labels`, ascending: per class, in
    one seeded order of its instances, the first `share_size(fraction, n)`."""
    rng = np.random.default_rng(seed)
    kept = [
        members[rng.permutation(len(members))[: share_size(fraction, len(members))]]
        for members in (np.flatnonzero(labels == label) for label in np.unique(labels))
    ]
    return np.sort(np.concatenate(kept)) if kept else np.zeros(0, dtype=np.int64)


def cap_splits(docs: pd.DataFrame, caps: dict[str, int | None], seed: int = 0) -> pd.DataFrame:
    """`docs` (split, label, ...) with each split of `caps` longer than its cap cut to a
    seeded stratified share of cap / n of it (each class's count rounded half up, so about
    the cap), in their order; the other splits whole."""
    drop = []
    for split, cap in caps.items():
        rows = np.flatnonzero(docs["split"].to_numpy() == split)
        if cap is None or len(rows) <= cap:
            continue
        keep = rows[stratified_keep(docs["label"].to_numpy()[rows], cap / len(rows), seed)]
        drop.append(np.setdiff1d(rows, keep))
    if not drop:
        return docs
    return docs.drop(index=docs.index[np.concatenate(drop)]).reset_index(drop=True)


def train_share(table: pd.DataFrame, fraction: float, seed: int) -> pd.DataFrame:
    """`table` (a tokens table: split, label, token_ids) with only `fraction` of its
    training instances (dev and test whole), in table order; token ids no kept training
    instance holds become the unknown word's id (special tokens are kept)."""
    if not 0 < fraction <= 1:
        raise ValueError(f"training share {fraction} is not in (0, 1]")
    train = np.flatnonzero(table["split"].to_numpy() == "train")
    kept = train[stratified_keep(table["label"].to_numpy()[train], fraction, seed)]
    dropped = np.setdiff1d(train, kept)
    out = table.drop(index=table.index[dropped]).reset_index(drop=True)
    is_train = out["split"].to_numpy() == "train"
    seen = set(range(len(SPECIALS))).union(*map(set, out.loc[is_train, "token_ids"]))
    out["token_ids"] = [
        np.array([t if t in seen else UNK_ID for t in ids], dtype=np.asarray(ids).dtype)
        for ids in out["token_ids"]
    ]
    return out
