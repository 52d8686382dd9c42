"""Wiegreffe & Pinter (2019): seed variance, the noise floor of attention.

The same model retrained with other seeds: per test instance, the JSD between the base
seed's attention and each other seed's, the TVD between their outputs, and the medians over
seeds. Computed from the runs' predictions tables alone (no model, no torch).
`seed_pairs` gives the same divergences for every ordered pair of seeds, so that every seed
can be the base (the verdicts' like-with-like comparison with adversaries).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from attnaudit import metrics


def padded(arrays: Sequence[np.ndarray]) -> np.ndarray:
    """Stack variable-length vectors into an (N, max length) matrix, zero-padded."""
    width = max((len(a) for a in arrays), default=0)
    out = np.zeros((len(arrays), width))
    for i, a in enumerate(arrays):
        out[i, : len(a)] = a
    return out


def divergence_to(rows: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    """Per row of `rows` (`id`, `attention`, `probs`): JSD between its attention and the
    reference row's of the same id, and TVD between their output distributions."""
    ref = reference.set_index("id").loc[rows["id"]]
    lengths = rows["attention"].map(len).to_numpy()
    if not np.array_equal(lengths, ref["attention"].map(len).to_numpy()):
        raise ValueError("attention over different numbers of items: not the same instances")
    jsd = metrics.jsd(padded(list(rows["attention"])), padded(list(ref["attention"])))
    out_tvd = metrics.tvd(np.stack(rows["probs"].to_numpy()), np.stack(ref["probs"].to_numpy()))
    return pd.DataFrame({"id": rows["id"].to_numpy(), "jsd": jsd, "tvd": out_tvd})


def seed_variance(predictions: pd.DataFrame, base_seed: int | None = None) -> pd.DataFrame:
    """One row per test instance of one dataset x model: the base seed's prediction, max
    attention and length; per other seed the JSD of attention and TVD of outputs to the base
    seed (`other_seeds`, `jsd`, `tvd`, arrays), and their medians over seeds.

    `predictions`: the runs' predictions.parquet tables (`seed`, `id`, `pred`, `probs`,
    `attention`) of every seed; `base_seed` defaults to the smallest.
    """
    seeds = sorted(predictions["seed"].unique())
    base_seed = seeds[0] if base_seed is None else base_seed
    others = [s for s in seeds if s != base_seed]
    if base_seed not in seeds or not others:
        raise ValueError(f"seed variance needs the base seed {base_seed} and another; got {seeds}")
    base = predictions[predictions["seed"] == base_seed].reset_index(drop=True)
    pairs = [divergence_to(predictions[predictions["seed"] == s], base) for s in others]
    jsd = np.stack([p.set_index("id").loc[base["id"], "jsd"].to_numpy() for p in pairs], axis=1)
    out_tvd = np.stack([p.set_index("id").loc[base["id"], "tvd"].to_numpy() for p in pairs], 1)
    out = base[["dataset", "model", "seed", "id", "label", "pred", "length"]].copy()
    out["max_attention"] = base["attention"].map(lambda a: float(np.max(a)))
    out["other_seeds"] = [np.asarray(others)] * len(out)
    out["jsd"], out["tvd"] = list(jsd), list(out_tvd)
    out["median_jsd"], out["median_tvd"] = np.median(jsd, axis=1), np.median(out_tvd, axis=1)
    return out


def seed_pairs(predictions: pd.DataFrame) -> pd.DataFrame:
    """One row per ordered pair of seeds (`seed` the base, `other_seed`) and test instance:
    JSD between the two runs' attention and TVD between their outputs."""
    seeds = sorted(predictions["seed"].unique())
    parts = []
    for base in seeds:
        reference = predictions[predictions["seed"] == base]
        for other in seeds:
            if other != base:
                found = divergence_to(predictions[predictions["seed"] == other], reference)
                parts.append(found.assign(seed=base, other_seed=other))
    columns = ["seed", "other_seed", "id", "jsd", "tvd"]
    if not parts:
        return pd.DataFrame(columns=columns)
    keys = predictions[["dataset", "model"]].iloc[0]
    out = pd.concat(parts, ignore_index=True)[columns]
    return out.assign(dataset=keys["dataset"], model=keys["model"])[["dataset", "model", *columns]]
