"""The open questions' complexity section: how the model's size and the training set's size
change how easy adversarial attention is (`open_questions.complexity`).

Each sweep model (one hidden size or training share, one seed) gives one number per
measure: test accuracy, Jain & Wallace's permutation effect and their adversary's max JSD
within epsilon, summarised over its test instances as the encoder section does
(`report.open_questions.PER_RUN`). A trend is a Spearman rank correlation between the swept
value and the measure over every model of the sweep, with a Fisher-z interval (Bonett &
Wright's standard error for Spearman's rho); the rule (`TREND_RULE`) reads it, never a plot.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import special, stats

from attnaudit.report.open_questions import PER_RUN
from attnaudit.report.seeds import interval_bounds

AXES = {"hidden_size": "hidden size", "train_fraction": "training share"}
# measure -> what it is (its per-run summary: report.open_questions.PER_RUN)
MEASURES = {
    "test_accuracy": "test accuracy",
    "permutation_tvd": "median output change (TVD) when attention is permuted",
    "adversary_jsd": "mean max JSD of an adversarial attention within epsilon",
}
TREND_RULE = (
    "Per dataset, swept quantity and measure: Spearman's rank correlation rho between the "
    "swept value and the measure over every model of the sweep (one per value and seed), "
    "with its Fisher-z interval at the verdicts' level (standard error sqrt((1 + rho^2 / 2) "
    "/ (n - 3)), Bonett & Wright 2000). The measure rises with the quantity when the whole "
    "interval lies above 0, falls when it lies below, and the trend is undecided otherwise."
)


def sweep_runs(
    metrics: pd.DataFrame, permutation: pd.DataFrame, adversary: pd.DataFrame, hidden: int
) -> pd.DataFrame:
    """One row per sweep model and axis it belongs to: dataset, axis, value, seed and the
    measures. `metrics`: the models' metrics.json rows (with `hidden_size` and
    `train_fraction`); `permutation`, `adversary`: their analyses' tables with the same
    `hidden_size`, `train_fraction` columns. The model at the configured size `hidden` on
    the whole split lies on both axes."""
    keys = ["dataset", "hidden_size", "train_fraction", "seed"]
    runs = metrics[[*keys, "test_accuracy"]].copy()
    for name, table in (("permutation", permutation), ("adversary", adversary)):
        runs = runs.merge(PER_RUN[name](table, keys).reset_index(), on=keys, how="left")
    whole = runs[runs["train_fraction"] == 1.0]
    sized = runs[runs["hidden_size"] == hidden]
    out = pd.concat([whole.assign(axis="hidden_size", value=whole["hidden_size"]),
                     sized.assign(axis="train_fraction", value=sized["train_fraction"])],
                    ignore_index=True)  # fmt: skip
    columns = ["dataset", "axis", "value", "seed", *MEASURES]
    return out[columns].sort_values(["dataset", "axis", "value", "seed"]).reset_index(drop=True)


def spearman_interval(x, y, level: float = 0.05) -> tuple[float, float, float]:
    """Spearman's rho of `x` and `y` (ties: mid-ranks) and its Fisher-z interval at
    1 - `level` with Bonett & Wright's standard error; NaN interval below 4 pairs, NaN rho
    where either side is constant."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    n = len(x)
    if n < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return np.nan, np.nan, np.nan
    rho = float(stats.spearmanr(x, y).statistic)
    if n < 4:
        return rho, np.nan, np.nan
    z = np.arctanh(np.clip(rho, -1 + 1e-12, 1 - 1e-12))
    half = special.ndtri(1 - level / 2) * np.sqrt((1 + rho**2 / 2) / (n - 3))
    return rho, float(np.tanh(z - half)), float(np.tanh(z + half))


def trend_word(lower: float, upper: float) -> str:
    """'rises' / 'falls' when the interval lies wholly above / below 0, else 'undecided'."""
    if np.isfinite(lower) and lower > 0:
        return "rises"
    if np.isfinite(upper) and upper < 0:
        return "falls"
    return "undecided"


def trends(runs: pd.DataFrame, level: float = 0.05) -> pd.DataFrame:
    """Per dataset, axis and measure of `sweep_runs`: the models, values, rho, its interval
    and the trend (`TREND_RULE`)."""
    rows = []
    for (dataset, axis), points in runs.groupby(["dataset", "axis"], sort=True):
        for measure in MEASURES:
            have = points[points[measure].notna()]
            rho, lower, upper = spearman_interval(have["value"], have[measure], level)
            rows.append({"dataset": dataset, "axis": axis, "measure": measure,
                         "n_models": len(have), "n_values": have["value"].nunique(),
                         "rho": rho, "lower": lower, "upper": upper,
                         "trend": trend_word(lower, upper)})  # fmt: skip
    return pd.DataFrame(rows, columns=["dataset", "axis", "measure", "n_models", "n_values",
                                       "rho", "lower", "upper", "trend"])  # fmt: skip


def per_value(runs: pd.DataFrame, level: float = 0.05) -> pd.DataFrame:
    """Per dataset, axis, value and measure: the mean over seeds and its Student-t interval
    (`seeds.interval`), for the figure."""
    rows = []
    for (dataset, axis, value), points in runs.groupby(["dataset", "axis", "value"], sort=True):
        rows += [{"dataset": dataset, "axis": axis, "value": value, "measure": measure,
                  **interval_bounds(points[measure], level)} for measure in MEASURES]  # fmt: skip
    return pd.DataFrame(rows, columns=["dataset", "axis", "value", "measure", "n_seeds", "mean",
                                       "lower", "upper"])  # fmt: skip


def complexity_finding(table: pd.DataFrame, level: float = 0.05) -> list[str]:
    """Per dataset and axis, one sentence from `trends`: what rises, what falls, and what
    the sweep cannot decide, each with its rho and interval."""
    if table.empty:
        return ["No sweep model was trained: nothing to read a trend from."]
    found = []
    share = f"{100 * (1 - level):g} %"
    for (dataset, axis), rows in table.groupby(["dataset", "axis"], sort=True):
        parts = []
        for r in rows.itertuples(index=False):
            what = MEASURES[r.measure]
            if not np.isfinite(r.rho):
                parts.append(f"{what}: no rho (constant, or too few models)")
                continue
            ci = (f"rho {r.rho:+.2f}, {share} interval {r.lower:+.2f} to {r.upper:+.2f}"
                  if np.isfinite(r.lower)
                  else f"rho {r.rho:+.2f}, too few models for an interval")  # fmt: skip
            verb = {"rises": "rises with it", "falls": "falls with it",
                    "undecided": "no trend the sweep can decide"}[r.trend]  # fmt: skip
            parts.append(f"{what}: {verb} ({ci}, {r.n_models} models)")
        found.append(f"{dataset}, {AXES[axis]}: " + "; ".join(parts) + ".")
    return found


COMPLEXITY_DESIGN = (
    "Design: one model (open_questions.complexity.model) trained at several hidden sizes on "
    "the whole training split and at several shares of the training split at its "
    "configured size, every seed; each model then meets Jain & Wallace's adversary (the "
    "most divergent attention whose output stays within epsilon) and their permutation of "
    "its attention, on the same test instances. A share is a seeded stratified subset of "
    "the training split, nested across shares, with words only the dropped instances hold "
    "read as unknown.",
    "Measures: " + "; ".join(f"{k}, {v}" for k, v in MEASURES.items()) + ".",
)


def complexity_caveats(runs: pd.DataFrame, options: Mapping) -> list[str]:
    """What the sweep does not say, from its settings and models."""
    cap = options.get("max_instances")
    notes = [
        "A rank correlation states a monotone trend over the swept values, not its shape "
        "nor that it goes on beyond them.",
        "Each model's adversary and permutation are one number over its test instances"
        + (f" (at most {cap}, a seeded subset)" if cap else "")
        + ": the interval is over models, not over instances.",
        "Smaller shares see fewer words, so a share changes the vocabulary as well as the "
        "amount of training.",
    ]
    if runs["seed"].nunique() < 3:
        notes.append("Fewer than 3 seeds per value: the intervals are wide.")
    return notes
