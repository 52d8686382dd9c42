"""Aggregation over seeds and the markdown rendering of result tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats


def mean_interval(values: pd.Series, confidence: float = 0.95) -> pd.Series:
    """Mean, standard deviation, n, and the half-width of a Student-t interval of the mean."""
    x = values.dropna().to_numpy(dtype=np.float64)
    n = x.size
    std = float(x.std(ddof=1)) if n > 1 else float("nan")
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * std / np.sqrt(n)) if n > 1 else np.nan
    return pd.Series({"mean": x.mean() if n else np.nan, "std": std, "n": n, "ci95": half})


def learned_vs_uniform(metrics: pd.DataFrame, score: str = "test_f1") -> pd.DataFrame:
    """Wiegreffe & Pinter's comparison: per dataset x encoder x learned attention, the score
    mean/std/interval over seeds next to the same encoder with uniform attention."""
    grouped = (
        metrics.groupby(["dataset", "encoder", "attention"])[score]
        .apply(mean_interval)
        .unstack()
        .reset_index()
    )
    uniform = grouped[grouped["attention"] == "uniform"].drop(columns="attention")
    learned = grouped[grouped["attention"] != "uniform"]
    table = learned.merge(uniform, on=["dataset", "encoder"], how="left", suffixes=("", "_uniform"))
    table["delta"] = table["mean"] - table["mean_uniform"]
    return table.sort_values(["dataset", "encoder", "attention"]).reset_index(drop=True)


def to_markdown(df: pd.DataFrame, floatfmt: str = ".3f") -> str:
    """A GitHub-flavoured markdown table (no tabulate dependency)."""

    def cell(v) -> str:
        if isinstance(v, float | np.floating):
            return "" if np.isnan(v) else format(v, floatfmt)
        return str(v)

    header = "| " + " | ".join(map(str, df.columns)) + " |"
    rule = "|" + "|".join("---" for _ in df.columns) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([header, rule, *body]) + "\n"


def learned_vs_uniform_markdown(table: pd.DataFrame) -> str:
    """The paper-style view: 'mean ± std (n)' for learned and uniform attention, and the gap."""

    def fmt(mean, std, n) -> str:
        if np.isnan(mean):
            return "n/a"
        spread = "" if np.isnan(std) else f" ± {std:.3f}"
        return f"{mean:.3f}{spread} ({int(n)})"

    view = pd.DataFrame(
        {
            "dataset": table["dataset"],
            "encoder": table["encoder"],
            "attention": table["attention"],
            "F1 learned": [
                fmt(*r) for r in zip(table["mean"], table["std"], table["n"], strict=True)
            ],
            "F1 uniform": [
                fmt(*r)
                for r in zip(
                    table["mean_uniform"], table["std_uniform"], table["n_uniform"], strict=True
                )
            ],
            "learned - uniform": table["delta"],
        }
    )
    return to_markdown(view)
