"""Aggregation jobs: tables and figures over every run."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from attnaudit import io
from attnaudit.report import figures, tables


def read_metrics(paths: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame([io.read_json(p) for p in paths])


def learned_vs_uniform(metrics: Sequence[str], csv: str, markdown: str, figure: str) -> None:
    runs = read_metrics(metrics)
    table = tables.learned_vs_uniform(runs)
    io.write_table(csv, table)
    io.write_text(
        markdown,
        "Test F1 (positive class), mean ± std over seeds (number of seeds), learned vs "
        "uniform attention.\n\n" + tables.learned_vs_uniform_markdown(table),
    )
    figures.learned_vs_uniform(runs, figure)
