"""The seed-variance job (Wiegreffe & Pinter 2019) of one dataset x model: no model, no
torch, only the runs' predictions tables."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import pandas as pd

from attnaudit import io
from attnaudit.analyses import seed_variance as analysis

log = logging.getLogger("attnaudit")


def seed_variance(
    predictions: Sequence[str], output: str, pairs: str, base_seed: int | None = None
) -> pd.DataFrame:
    """Per test instance of one dataset x model: JSD and TVD between seeds (see
    `analyses.seed_variance.seed_variance`) to `output`, and for every ordered pair of seeds
    (`analyses.seed_variance.seed_pairs`) to `pairs`, from every seed's predictions.parquet."""
    table = pd.concat([io.read_table(p) for p in predictions], ignore_index=True)
    out = analysis.seed_variance(table, base_seed)
    io.write_table(output, out)
    io.write_table(pairs, analysis.seed_pairs(table))
    log.info(
        "seed variance of %s/%s: %d instances, median JSD %.4f, base seed %d vs %s",
        out["dataset"].iloc[0], out["model"].iloc[0], len(out), out["median_jsd"].median(),
        out["seed"].iloc[0], list(out["other_seeds"].iloc[0]),
    )  # fmt: skip
    return out
