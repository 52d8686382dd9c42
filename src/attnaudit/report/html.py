"""Result tables as small self-contained HTML pages, for report.html.

Snakemake's report shows an HTML result inside the page (in a frame), and a CSV only as a
download link; so every result table is also written as one HTML page: a caption above it
that says what the numbers are, then the table itself, with the CSV's columns in the CSV's
order (the page and the CSV are the same table). Numbers are formatted per column, NaN is
a blank cell, booleans read yes / no.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
import pandas as pd

from attnaudit.report.templating import render

CI95 = (
    "half-width of the 95 % Student-t interval of the mean over seeds, "
    "t(0.975, n − 1) · s / √n with s the standard deviation of the n per-seed values "
    "(the interval is mean ± this; blank with one seed)"
)
"""What every `*_ci95` column holds (`attnaudit.report.seeds.interval`)."""


def is_count(column: str) -> bool:
    """Columns that count something (n, n_seeds, n_other_seeds, ...): shown as integers
    even where pandas holds them as floats."""
    return column == "n" or column.startswith("n_")


def cell(value, fmt: str) -> str:
    """One value as text: blank for NaN/None, yes/no for booleans, `fmt` for floats."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, Integral):
        return str(int(value))
    if isinstance(value, Real):
        value = float(value)
        if math.isnan(value):
            return ""
        if fmt == "int" and value.is_integer():
            return str(int(value))
        return format(value, fmt if fmt != "int" else "g")
    return str(value)


def numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def interval_of(column: str, names: Sequence[str]) -> str | None:
    """The column whose interval a ci95 column holds, where the table has it: `f1_ci95` ->
    `f1`, `tau_ci95` -> `tau_mean`, `ci95` -> `mean`, `ci95_uniform` -> `mean_uniform`."""
    for base in (column.replace("_ci95", ""), column.replace("ci95", "mean")):
        if base != column and base in names:
            return base
    return None


def glossary(names: Sequence[str], columns: Mapping[str, str]) -> dict[str, str]:
    """What each of `names` holds, in their order: `columns` (entries for columns the
    table lacks, as where a config leaves some out, are dropped), and for interval columns
    not named there, the column they belong to."""
    meaning = {}
    for c in names:
        if c in columns:
            meaning[c] = columns[c]
        elif "ci95" in c and (base := interval_of(c, names)) is not None:
            meaning[c] = f"half-width of the 95 % interval of {base} (see above)"
    return meaning


class Grid(NamedTuple):
    """A table as a template shows it: its column names, which columns are right-aligned
    (the numeric ones) and each row's cells as text."""

    columns: list[str]
    right: list[bool]
    rows: list[list[str]]


def grid(
    table: pd.DataFrame, formats: Mapping[str, str] | None = None, floatfmt: str = ".3f"
) -> Grid:
    """`table`'s cells as text: numbers formatted per column (`formats`, `int` for counts;
    other floats `floatfmt`), NaN blank, numeric columns right-aligned."""
    formats = dict(formats or {})
    names = [str(c) for c in table.columns]
    fmts = [formats.get(c, "int" if is_count(c) else floatfmt) for c in names]
    rows = [
        [cell(v, f) for v, f in zip(values, fmts, strict=True)]
        for values in table.itertuples(index=False)
    ]
    return Grid(names, [numeric(table[c]) for c in table.columns], rows)


def table_page(
    table: pd.DataFrame,
    title: str,
    caption: str,
    columns: Mapping[str, str] | None = None,
    formats: Mapping[str, str] | None = None,
    floatfmt: str = ".3f",
    notes: Iterable[str] = (),
) -> str:
    """A whole HTML page (templates/table.html): `title` and `caption` (plain text; for a
    table with ci95 columns followed by what they hold) above `table`; under it `notes`
    (plain text) and what each of `columns` (name -> meaning) holds. `formats` maps a column
    to a format spec (`int` for counts); other floats use `floatfmt`, count columns (`n`,
    `n_*`) show as integers."""
    names = [str(c) for c in table.columns]
    if any("ci95" in c for c in names):
        caption = f"{caption} Each ci95 column holds the {CI95}."
    return render(
        "table.html",
        title=title,
        caption=caption,
        grid=grid(table, formats, floatfmt),
        notes=list(notes),
        glossary=glossary(names, columns or {}),
    )


def seeds_text(seeds: Sequence[int] | Iterable[int]) -> str:
    """'2 seeds (1, 2)' for a caption."""
    seeds = sorted({int(s) for s in seeds})
    word = "seed" if len(seeds) == 1 else "seeds"
    return f"{len(seeds)} {word} ({', '.join(map(str, seeds))})"
