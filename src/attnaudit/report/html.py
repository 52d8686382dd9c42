"""Result tables as small self-contained HTML pages, for report.html.

Snakemake's report shows an HTML result inside the page (in a frame), and a CSV only as a
download link; so every result table is also written as one HTML page: a caption above it
that says what the numbers are, then the table itself, with the CSV's columns in the CSV's
order (the page and the CSV are the same table). Numbers are formatted per column, NaN is
a blank cell, booleans read yes / no.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence
from numbers import Integral, Real

import numpy as np
import pandas as pd

CI95 = (
    "half-width of the 95 % Student-t interval of the mean over seeds, "
    "t(0.975, n − 1) · s / √n with s the standard deviation of the n per-seed values "
    "(the interval is mean ± this; blank with one seed)"
)
"""What every `*_ci95` column holds (`attnaudit.report.seeds.interval`)."""

STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: #1e293b; margin: 16px; }
figure { margin: 0; }
figcaption { max-width: 62em; margin-bottom: 12px; }
figcaption p { margin: 0 0 6px 0; }
figcaption .title { font-weight: 600; font-size: 15px; }
section.columns { max-width: 62em; margin-top: 14px; }
section.columns h2 { font-size: 14px; margin: 0 0 4px 0; }
section.columns dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px;
                     margin: 0; font-size: 13px; }
section.columns dt { font-family: ui-monospace, "DejaVu Sans Mono", monospace; color: #334155; }
section.columns dd { margin: 0; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 13px; }
th, td { padding: 4px 9px; border-bottom: 1px solid #e2e8f0; vertical-align: top; }
th { background: #f1f5f9; text-align: left; font-weight: 600; position: sticky; top: 0; }
td { white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody tr:nth-child(even) { background: #f8fafc; }
ul.notes { max-width: 62em; font-size: 13px; padding-left: 18px; }
"""


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


def header(column: str) -> str:
    """A column name that may wrap after its underscores in a narrow page."""
    return html.escape(str(column)).replace("_", "_<wbr>")


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


def table_fragment(
    table: pd.DataFrame, formats: Mapping[str, str] | None = None, floatfmt: str = ".3f"
) -> str:
    """`table` as an HTML <table> (in a scrolling box): numbers formatted per column (`int`
    for counts; other floats `floatfmt`), NaN blank, numeric columns right-aligned."""
    formats = dict(formats or {})
    names = [str(c) for c in table.columns]
    fmts = [formats.get(c, "int" if is_count(c) else floatfmt) for c in names]
    right = [numeric(table[c]) for c in table.columns]
    esc = html.escape
    head = "".join(
        f'<th{" class=num" if r else ""} scope="col">{header(c)}</th>'
        for c, r in zip(names, right, strict=True)
    )
    rows = []
    for values in table.itertuples(index=False):
        cells = "".join(
            f"<td{' class=num' if r else ''}>{esc(cell(v, f))}</td>"
            for v, f, r in zip(values, fmts, right, strict=True)
        )
        rows.append(f"<tr>{cells}</tr>")
    return (
        f'<div class="scroll"><table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n'
        + "\n".join(rows)
        + "\n</tbody></table></div>"
    )


def table_page(
    table: pd.DataFrame,
    title: str,
    caption: str,
    columns: Mapping[str, str] | None = None,
    formats: Mapping[str, str] | None = None,
    floatfmt: str = ".3f",
    notes: Iterable[str] = (),
) -> str:
    """A whole HTML page: `title` and `caption` (plain text; for a table with ci95 columns
    followed by what they hold) above `table`; under it `notes` (plain text) and what each
    of `columns` (name -> meaning) holds. `formats` maps a column to a format spec (`int`
    for counts); other floats use `floatfmt`, count columns (`n`, `n_*`) show as integers."""
    names = [str(c) for c in table.columns]
    esc = html.escape
    if any("ci95" in c for c in names):
        caption = f"{caption} Each ci95 column holds the {CI95}."
    meaning = glossary(names, columns or {})
    items = "".join(f"<dt>{esc(c)}</dt><dd>{esc(m)}</dd>" for c, m in meaning.items())
    columns_html = (
        f'<section class="columns"><h2>Columns</h2><dl>{items}</dl></section>' if items else ""
    )
    notes = list(notes)
    notes_html = (
        '<ul class="notes">' + "".join(f"<li>{esc(n)}</li>" for n in notes) + "</ul>"
        if notes
        else ""
    )
    empty = "" if len(table) else "<p><em>No rows.</em></p>"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{STYLE}</style></head>\n<body>\n"
        '<figure class="result-table">\n'
        f'<figcaption><p class="title">{esc(title)}</p><p>{esc(caption)}</p></figcaption>\n'
        + table_fragment(table, formats, floatfmt)
        + f"{empty}\n</figure>\n{notes_html}\n{columns_html}\n</body></html>\n"
    )


def seeds_text(seeds: Sequence[int] | Iterable[int]) -> str:
    """'2 seeds (1, 2)' for a caption."""
    seeds = sorted({int(s) for s in seeds})
    word = "seed" if len(seeds) == 1 else "seeds"
    return f"{len(seeds)} {word} ({', '.join(map(str, seeds))})"
