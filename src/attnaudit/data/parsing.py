"""Helpers shared by the dataset parsers: deterministic stratified splits, tokenless rows.

Rows are ordered by `id` before drawing, so a split depends only on the seed and the
instances, not on the order in which an archive happens to list its members.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from attnaudit.data.options import SPLIT_SEED
from attnaudit.data.tokens import tokenize


def seeded_rng(options: dict[str, Any]) -> np.random.Generator:
    return np.random.default_rng(int(options.get("split_seed", SPLIT_SEED["default"])))


def holdout(
    df: pd.DataFrame, fraction: float, to: str, rng: np.random.Generator, source: str = "train"
) -> pd.DataFrame:
    """Move a stratified `fraction` of the rows of split `source` to split `to` (a copy).

    Per label, round(fraction * n) rows are drawn without replacement.
    """
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"a held-out fraction must be in [0, 1), got {fraction}")
    df = df.copy()
    pool = df[df["split"] == source].sort_values("id", kind="stable")
    for _, group in pool.groupby("label", sort=True):
        chosen = rng.permutation(len(group))[: round(fraction * len(group))]
        df.loc[group.index[chosen], "split"] = to
    return df


def three_way(df: pd.DataFrame, dev: float, test: float, rng: np.random.Generator) -> pd.DataFrame:
    """Stratified train/dev/test of all rows with shares (1 - dev - test, dev, test):
    first `test` of all rows, then dev / (1 - test) of the rest."""
    df = holdout(df.assign(split="train"), test, "test", rng)
    return holdout(df, dev / (1.0 - test), "dev", rng)


def drop_tokenless(df: pd.DataFrame) -> pd.DataFrame:
    """Rows whose text has at least one token (the preprocessing step rejects empty ones)."""
    return df[df["text"].map(lambda t: len(tokenize(t)) > 0)].reset_index(drop=True)
