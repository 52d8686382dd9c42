"""Statistics over seeds, in one place: every table's "mean over seeds with a 95 % interval",
the paired interval of a difference, and the verdicts' intervals are the same Student-t
interval, t(1 - level / 2, n - 1) * s / sqrt(n) over the n per-seed values (s with ddof 1),
so a table and a verdict built on the same seeds never disagree."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special

LEVEL = 0.05
"""Two-sided: the tables' intervals are 95 % intervals."""


def t_quantile(n: int, level: float = LEVEL) -> float:
    """The two-sided 1 - level Student-t quantile with n - 1 degrees of freedom."""
    return float(special.stdtrit(n - 1, 1.0 - level / 2.0))


def interval(values, level: float = LEVEL) -> pd.Series:
    """Mean, standard deviation, n (NaN dropped) and the half-width `ci95` of the Student-t
    interval of the mean; std and ci95 are NaN below two values."""
    x = pd.Series(values, dtype=np.float64).dropna().to_numpy()
    n = x.size
    std = float(x.std(ddof=1)) if n > 1 else float("nan")
    half = t_quantile(n, level) * std / np.sqrt(n) if n > 1 else np.nan
    return pd.Series({"mean": x.mean() if n else np.nan, "std": std, "n": n, "ci95": half})


def over_seeds(
    per_seed: pd.DataFrame, keys: Sequence[str], measures: Sequence[str]
) -> pd.DataFrame:
    """Per group of `keys`, each measure's `interval` over the rows (one per seed), as
    columns `<measure>`, `<measure>_std`, `<measure>_ci95` and `n_seeds` (of the first)."""
    parts = []
    for measure in measures:
        stats = per_seed.groupby(list(keys))[measure].apply(interval).unstack()
        parts.append(stats.rename(columns={"mean": measure, "std": f"{measure}_std",
                                           "n": "n_seeds", "ci95": f"{measure}_ci95"}))  # fmt: skip
    out = pd.concat(parts, axis=1)
    return out.loc[:, ~out.columns.duplicated()].reset_index()


def plus_minus(mean, spread=None, n=None, fmt: str = ".3f") -> str:
    """'mean ± spread (n)' with what is known: no spread where it is NaN (one seed), no
    '(n)' without n, and 'n/a' without a mean."""
    if mean is None or np.isnan(mean):
        return "n/a"
    shown = "" if spread is None or np.isnan(spread) else f" ± {spread:{fmt}}"
    return f"{mean:{fmt}}{shown}" + (f" ({int(n)})" if n is not None else "")


def interval_bounds(values, level: float = LEVEL) -> dict[str, float]:
    """`interval` as a table row: the seeds, the mean and the interval's two ends."""
    ci = interval(values, level)
    return {"n_seeds": int(ci["n"]), "mean": ci["mean"], "lower": ci["mean"] - ci["ci95"],
            "upper": ci["mean"] + ci["ci95"]}  # fmt: skip


def model_intervals(per_run: pd.DataFrame, measures: Sequence[str],
                    level: float = LEVEL) -> pd.DataFrame:  # fmt: skip
    """Per measure, dataset and model of `per_run` (one row per run): `interval_bounds` over
    its seeds; columns dataset, measure, model, n_seeds, mean, lower, upper."""
    groups = per_run.groupby(["dataset", "model"], sort=True)
    rows = [{"dataset": dataset, "measure": measure, "model": model,
             **interval_bounds(runs[measure], level)}
            for measure in measures for (dataset, model), runs in groups]  # fmt: skip
    return pd.DataFrame(rows, columns=["dataset", "measure", "model", "n_seeds", "mean",
                                       "lower", "upper"])  # fmt: skip
