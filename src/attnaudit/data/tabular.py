"""Bring your own data: one CSV, TSV, JSONL or Parquet file named in the config.

Options:
- `path` (required): the file; its format comes from the suffix (.csv, .tsv, .jsonl/.ndjson,
  .parquet) unless `format` says csv | tsv | jsonl | parquet. Nothing is downloaded.
- `text_column` (default "text"), `label_column` (default "label").
- `split_column` (optional): values must be train, dev or test. Without it the rows get a
  stratified 80/10/10 train/dev/test split (`dev_fraction`, `test_fraction`, `split_seed`).
- `id_column` (optional): unique ids; otherwise "row-<0-based row number>".

Labels may be strings or numbers: the sorted distinct values become 0..K-1, and the output
keeps the original value as text in a `label_name` column (the mapping).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from attnaudit.data.errors import DatasetError
from attnaudit.data.parsing import seeded_rng, three_way
from attnaudit.data.tokens import tokenize

SPLITS = ("train", "dev", "test")
_FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
}


def read_any(path: Path, fmt: str | None) -> pd.DataFrame:
    fmt = fmt or _FORMATS.get(path.suffix.lower())
    if fmt == "csv":
        return pd.read_csv(path, keep_default_na=False, na_values=[""])
    if fmt == "tsv":
        return pd.read_csv(path, sep="\t", keep_default_na=False, na_values=[""])
    if fmt == "jsonl":
        return pd.read_json(path, lines=True)
    if fmt == "parquet":
        return pd.read_parquet(path)
    raise DatasetError(
        f"table: cannot tell the format of {path}; use a suffix in {sorted(_FORMATS)} "
        "or set the option format: csv | tsv | jsonl | parquet"
    )


def _ids_shown(ids: pd.Series) -> str:
    return ", ".join(map(str, ids[:5])) + (", ..." if len(ids) > 5 else "")


def parse(paths: Sequence[Path], options: dict[str, Any]) -> pd.DataFrame:
    if paths:
        path = Path(paths[0])
    elif options.get("path"):
        path = Path(options["path"])
    else:
        raise DatasetError("table: the option `path` (the data file) is required")
    if not path.is_file():
        raise DatasetError(f"table: data file {path} does not exist")
    raw = read_any(path, options.get("format"))
    text_col = options.get("text_column", "text")
    label_col = options.get("label_column", "label")
    split_col = options.get("split_column")
    id_col = options.get("id_column")
    for role, col in (
        ("text", text_col),
        ("label", label_col),
        ("split", split_col),
        ("id", id_col),
    ):
        if col is not None and col not in raw.columns:
            raise DatasetError(
                f"table: {path} has no {role} column {col!r}; available: {list(raw.columns)}"
            )
    ids = raw[id_col].astype(str) if id_col else pd.Series([f"row-{i}" for i in range(len(raw))])
    ids.index = raw.index
    if ids.duplicated().any():
        raise DatasetError(
            f"table: ids in {id_col!r} are not unique: {_ids_shown(ids[ids.duplicated()])}"
        )

    text = raw[text_col]
    empty = text.isna() | text.map(lambda t: not isinstance(t, str) or not tokenize(t))
    if empty.any():
        raise DatasetError(
            f"table: {int(empty.sum())} row(s) of {path} have an empty text (or no tokens) "
            f"in {text_col!r}; ids: {_ids_shown(ids[empty])}"
        )
    labels = raw[label_col]
    if labels.isna().any():
        raise DatasetError(
            f"table: missing labels in {label_col!r}; ids: {_ids_shown(ids[labels.isna()])}"
        )
    try:
        names = sorted(labels.unique())
    except TypeError:  # mixed types, e.g. numbers and strings: order them as text
        labels = labels.astype(str)
        names = sorted(labels.unique())
    if len(names) < 2:
        raise DatasetError(f"table: {label_col!r} has a single class {names}; need at least 2")
    df = pd.DataFrame(
        {
            "id": ids,
            "text": text,
            "label": labels.map({v: i for i, v in enumerate(names)}).astype(int),
            "label_name": labels.astype(str),
        }
    ).reset_index(drop=True)
    if split_col is None:
        return three_way(
            df,
            dev=float(options.get("dev_fraction", 0.1)),
            test=float(options.get("test_fraction", 0.1)),
            rng=seeded_rng(options),
        )
    split = raw[split_col].astype(str).str.strip().str.lower().reset_index(drop=True)
    unknown = sorted(set(split) - set(SPLITS))
    if unknown:
        raise DatasetError(
            f"table: unknown value(s) {unknown} in split column {split_col!r}; "
            f"allowed: {list(SPLITS)}"
        )
    return df.assign(split=split)
