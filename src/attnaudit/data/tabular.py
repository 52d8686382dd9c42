"""Bring your own data: one CSV, TSV, JSONL or Parquet file named in the config.

Options (declared in `OPTIONS`; docs/datasets.md#byo):
- `path` (required): the file; its format comes from the suffix (.csv, .tsv, .jsonl/.ndjson,
  .parquet) unless `format` says csv | tsv | jsonl | parquet. Nothing is downloaded.
- `encoding` (default utf-8): of a CSV, TSV or JSONL file.
- `text_column` (default "text"), `label_column` (default "label").
- `split_column` (optional): values must be train, dev or test. Without it the rows get a
  stratified 80/10/10 train/dev/test split (`dev_fraction`, `test_fraction`, `split_seed`).
- `id_column` (optional): unique ids; otherwise "row-<0-based row number>".
- `labels` (optional): the expected label values, in the order of their class ids; a value
  outside them is an error. `n_classes` (optional): the expected number of distinct labels.
  Without either, the sorted distinct values become 0..K-1, whatever K is.
- `max_tokens` (default 10,000; null: no limit): a document with more tokens is an error
  (most often a broken quote that swallowed the rows after it).

Every problem stops preprocessing with one DatasetError that names the file, the line (of a
CSV, TSV or JSONL file; the row of a Parquet file) and the problem. The output keeps the
original label as text in a `label_name` column (the mapping).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from attnaudit import bounds
from attnaudit.data.errors import DatasetError
from attnaudit.data.options import (
    SPLIT_SEED,
    SPLITS,
    choice,
    fraction,
    integer,
    string,
    with_defaults,
)
from attnaudit.data.parsing import seeded_rng, three_way
from attnaudit.data.tokens import tokenize

_FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
}
MAX_TOKENS = 10_000
log = logging.getLogger("attnaudit")
SHOWN = 5  # lines or ids quoted in a message

OPTIONS = {
    "path": string(None, "the data file (required)"),
    "format": choice(["csv", "tsv", "jsonl", "parquet"], None, "default: from the suffix"),
    "encoding": string("utf-8", "text encoding of a CSV, TSV or JSONL file"),
    "text_column": string("text", "column of the text"),
    "label_column": string("label", "column of the label"),
    "split_column": string(None, "column of train/dev/test; null: a stratified split", True),
    "id_column": string(None, "column of unique ids; null: row-<row number>", True),
    "dev_fraction": fraction(0.1, "without a split column: share of the rows as dev"),
    "test_fraction": fraction(0.1, "without a split column: share of the rows as test"),
    "split_seed": SPLIT_SEED,
    "max_tokens": integer(
        MAX_TOKENS, "a document with more tokens is an error; null: no limit", 1, nullable=True,
        maximum=bounds.MAX_TOKENS,
    ),
    "n_classes": integer(
        None, "the expected number of distinct labels", 2, nullable=True,
        maximum=bounds.MAX_CLASSES,
    ),
    "labels": {
        "type": ["array", "null"],
        "minItems": 2,
        "maxItems": bounds.MAX_CLASSES,
        "uniqueItems": True,
        "items": {"type": ["string", "integer"]},
        "default": None,
        "description": "the expected label values, in class-id order; others are an error",
    },
}  # fmt: skip
REQUIRED = ("path",)


def check_options(options: dict[str, Any]) -> None:
    """The constraints between options, before anything is read."""
    opts = with_defaults(OPTIONS, options)
    dev, test = opts["dev_fraction"], opts["test_fraction"]
    if options.get("split_column") is None and dev + test >= 1:
        raise DatasetError(
            f"option 'dev_fraction' ({dev}) plus test_fraction ({test}) leaves no train rows"
        )
    labels, n = options.get("labels"), options.get("n_classes")
    if labels is not None and n is not None and len(labels) != n:
        raise DatasetError(f"option 'n_classes' ({n}) disagrees with labels {labels}")
    if labels is not None and len({str(v) for v in labels}) < len(labels):
        raise DatasetError(f"option 'labels' {labels} names a value twice (as text)")
    fmt = options.get("format") or _FORMATS.get(Path(str(options.get("path", ""))).suffix.lower())
    if fmt is None:
        raise DatasetError(
            f"option 'format' is needed: the suffix of {options.get('path')!r} is not one of "
            f"{sorted(_FORMATS)}"
        )


def n_classes(options: dict[str, Any]) -> int | None:
    """The class count the options declare; None when only the data can tell."""
    if options.get("labels") is not None:
        return len(options["labels"])
    return options.get("n_classes")


class Locator:
    """Where a row of the parsed frame is in the file: its line (text formats) or row."""

    def __init__(self, path: Path, lines: list[int] | None):
        self.path, self.lines = path, lines

    def __call__(self, rows: Sequence[int]) -> str:
        rows = list(rows)
        plural = "s" if len(rows) > 1 else ""
        more = ", ..." if len(rows) > SHOWN else ""
        if self.lines is None:
            return f"row{plural} {', '.join(map(str, rows[:SHOWN]))}{more} (0-based)"
        return f"line{plural} {', '.join(str(self.lines[r]) for r in rows[:SHOWN])}{more}"


def _decode(path: Path, encoding: str) -> str:
    data = path.read_bytes()
    try:
        return data.decode(encoding)
    except LookupError:
        raise DatasetError(f"table: {path}: unknown encoding {encoding!r}") from None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise DatasetError(
            f"table: {path} line {line}, column {column}: not valid {encoding} "
            f"(byte 0x{data[exc.start]:02x}); save the file as {encoding} or set the option "
            "`encoding` (for example latin-1 or cp1252)"
        ) from None


def _csv_lines(text: str, sep: str) -> list[int]:
    """The first line of each data record of a CSV text, as pandas reads it (blank lines
    skipped, the first record the header)."""
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))  # one huge field
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    starts, last = [], 0
    for record in reader:
        if record and not (len(record) == 1 and not record[0].strip()):
            starts.append(last + 1)
        last = reader.line_num
    return starts[1:]


def _read_delimited(path: Path, text: str, sep: str) -> tuple[pd.DataFrame, list[int]]:
    if not text.strip():
        raise DatasetError(f"table: {path} is empty (not even a header line)")
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, csv.Error) as exc:
        detail = " ".join(str(exc).split())
        unclosed = re.search(r"EOF inside string starting at row (\d+)", detail)
        if unclosed:  # pandas counts that row from 0, the header included
            detail = f"a quote opened in line {int(unclosed.group(1)) + 1} is never closed"
        raise DatasetError(f"table: {path} is not a readable table: {detail}") from None
    lines = _csv_lines(text, sep)
    if len(lines) != len(frame):  # a dialect the csv module reads otherwise: rows, not lines
        return frame, []
    return frame, lines


def _read_jsonl(path: Path, text: str) -> tuple[pd.DataFrame, list[int]]:
    records, lines = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DatasetError(
                f"table: {path} line {number}, column {exc.colno}: not valid JSON ({exc.msg})"
            ) from None
        if not isinstance(record, dict):
            raise DatasetError(
                f"table: {path} line {number}: a JSON object is expected, not "
                f"{type(record).__name__}"
            )
        records.append(record)
        lines.append(number)
    if not records:
        raise DatasetError(f"table: {path} is empty (no JSON lines)")
    return pd.DataFrame.from_records(records), lines


def read_any(path: Path, fmt: str | None, encoding: str = "utf-8") -> tuple[pd.DataFrame, Locator]:
    """The file as a frame, and where each of its rows is in the file."""
    fmt = fmt or _FORMATS.get(path.suffix.lower())
    if fmt in ("csv", "tsv"):
        frame, lines = _read_delimited(path, _decode(path, encoding), "," if fmt == "csv" else "\t")
    elif fmt == "jsonl":
        frame, lines = _read_jsonl(path, _decode(path, encoding))
    elif fmt == "parquet":
        if path.stat().st_size == 0:
            raise DatasetError(f"table: {path} is empty")
        try:
            frame, lines = pd.read_parquet(path), None
        except Exception as exc:  # pyarrow's errors have no common base but Exception
            detail = " ".join(str(exc).split())
            raise DatasetError(f"table: {path} is not a readable Parquet file: {detail}") from None
    else:
        raise DatasetError(
            f"table: cannot tell the format of {path}; use a suffix in {sorted(_FORMATS)} "
            "or set the option format: csv | tsv | jsonl | parquet"
        )
    if frame.empty:
        raise DatasetError(f"table: {path} has no rows (a header line alone)")
    return frame, Locator(path, lines or None)


def _where(where: Locator, ids: pd.Series, mask: pd.Series) -> str:
    rows = [i for i, bad in enumerate(mask.to_numpy()) if bad]
    shown = ", ".join(map(str, ids.iloc[rows[:SHOWN]])) + (", ..." if len(rows) > SHOWN else "")
    return f"{where(rows)} (ids: {shown})"


def _class_ids(path: Path, labels: pd.Series, options: dict[str, Any], where, ids) -> pd.Series:
    """Labels as class ids 0..K-1: the declared `labels` in order, else the sorted values."""
    label_col = with_defaults(OPTIONS, options)["label_column"]
    declared = options.get("labels")
    if declared is not None:
        text = labels.map(str)
        order = {str(v): i for i, v in enumerate(declared)}
        stray = ~text.isin(list(order))
        if stray.any():
            values = sorted(set(text[stray]))
            raise DatasetError(
                f"table: {path}: label(s) {values} in {label_col!r} are not among the declared "
                f"labels {list(declared)}: {_where(where, ids, stray)}"
            )
        absent = [v for v in declared if str(v) not in set(text)]
        if absent:
            raise DatasetError(
                f"table: {path}: declared label(s) {absent} have no row in {label_col!r} "
                f"(labels: {list(declared)}); a class without instances cannot be learnt"
            )
        return text.map(order).astype(int)
    try:
        names = sorted(labels.unique())
    except TypeError:  # mixed types, e.g. numbers and strings: order them as text
        labels = labels.astype(str)
        names = sorted(labels.unique())
    expected = options.get("n_classes")
    if expected is not None and len(names) != expected:
        counts = labels.value_counts()
        rarest = counts.index[-1]
        raise DatasetError(
            f"table: {path}: {len(names)} distinct labels {names} in {label_col!r}, but "
            f"n_classes is {expected}; the rarest, {rarest!r} ({counts.iloc[-1]} row(s)), is in "
            f"{_where(where, ids, labels == rarest)}"
        )
    if len(names) < 2:
        raise DatasetError(f"table: {path}: {label_col!r} has a single class {names}; need 2")
    if expected is None:
        counts = labels.value_counts()
        log.warning(
            "table %s: %d classes inferred from the data: %s; declare `labels` or `n_classes` "
            "to make a stray label an error",
            path,
            len(names),
            ", ".join(f"{v!r} ({counts[v]})" for v in names),
        )
    return labels.map({v: i for i, v in enumerate(names)}).astype(int)


def parse(paths: Sequence[Path], options: dict[str, Any]) -> pd.DataFrame:
    if paths:
        path = Path(paths[0])
    elif options.get("path"):
        path = Path(options["path"])
    else:
        raise DatasetError("table: the option `path` (the data file) is required")
    if not path.is_file():
        raise DatasetError(f"table: data file {path} does not exist")
    opts = with_defaults(OPTIONS, options)
    raw, where = read_any(path, options.get("format"), opts["encoding"])
    text_col, label_col = opts["text_column"], opts["label_column"]
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
    raw = raw.reset_index(drop=True)
    ids = raw[id_col].astype(str) if id_col else pd.Series([f"row-{i}" for i in range(len(raw))])
    repeated = ids.duplicated(keep=False)
    if repeated.any():
        raise DatasetError(
            f"table: {path}: ids in {id_col!r} are not unique: {_where(where, ids, repeated)}"
        )

    text = raw[text_col]
    keep_emoji = options.get("emoji") == "keep"  # an emoji-only text has tokens then
    counts = text.map(lambda t: len(tokenize(t, keep_emoji)) if isinstance(t, str) else 0)
    empty = counts == 0
    if empty.any():
        raise DatasetError(
            f"table: {path}: {int(empty.sum())} row(s) have an empty text (or no tokens) in "
            f"{text_col!r}: {_where(where, ids, empty)}"
        )
    max_tokens = opts["max_tokens"]
    if max_tokens is not None and (counts > max_tokens).any():
        long = counts > max_tokens
        raise DatasetError(
            f"table: {path}: {int(long.sum())} document(s) have more than max_tokens = "
            f"{max_tokens} tokens (the longest: {int(counts.max())}): {_where(where, ids, long)}. "
            "A broken quote can merge rows; if the documents are right, raise max_tokens "
            "(null: no limit) and set max_length to cut them"
        )
    labels = raw[label_col]
    if labels.isna().any():
        raise DatasetError(
            f"table: {path}: missing labels in {label_col!r}: {_where(where, ids, labels.isna())}"
        )
    df = pd.DataFrame(
        {
            "id": ids,
            "text": text,
            "label": _class_ids(path, labels, options, where, ids),
            "label_name": labels.map(str),
        }
    )
    if split_col is None:
        return three_way(
            df,
            dev=float(opts["dev_fraction"]),
            test=float(opts["test_fraction"]),
            rng=seeded_rng(options),
        )
    split = raw[split_col].astype(str).str.strip().str.lower()
    unknown = ~split.isin(SPLITS)
    if unknown.any():
        raise DatasetError(
            f"table: {path}: unknown value(s) {sorted(set(raw[split_col][unknown].astype(str)))} "
            f"in split column {split_col!r} (allowed: {list(SPLITS)}): "
            f"{_where(where, ids, unknown)}"
        )
    return df.assign(split=split)
