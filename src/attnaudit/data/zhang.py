"""Zhang, Zhao & LeCun (2015) review datasets: Yelp polarity / full, Amazon polarity / full.

Each archive (<name>_csv.tgz) holds <name>_csv/train.csv and <name>_csv/test.csv, read in
place, without header: `"class","text"` (Yelp) or `"class","title","text"` (Amazon), classes
1-based (polarity: 1 negative, 2 positive; full: 1-5 stars), mapped to labels 0..K-1.
Escaped new lines (a backslash and "n") become spaces; rows without tokens are dropped.

Options:
- `include_title` (default true): for the 3-column files, text = title + " " + text.
- `dev_fraction` (default 0.1): stratified share of train.csv held out as dev; test.csv is
  the test split.
- `split_seed` (default 0).

Ids are "<train|test>-<row number>" (0-based row of the csv member).
"""

from __future__ import annotations

import tarfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from attnaudit.data.errors import DatasetError
from attnaudit.data.options import SPLIT_SEED, boolean, fraction, with_defaults
from attnaudit.data.parsing import drop_tokenless, holdout, seeded_rng

OPTIONS = {
    "include_title": boolean(True, "3-column files: text = title + text"),
    "dev_fraction": fraction(0.1, "stratified share of train.csv held out as dev"),
    "split_seed": SPLIT_SEED,
}


def _frame(raw: pd.DataFrame, split: str, include_title: bool, where: str) -> pd.DataFrame:
    if raw.shape[1] not in (2, 3):
        raise DatasetError(f"{where}: {raw.shape[1]} columns, expected 2 or 3")
    cls = pd.to_numeric(raw[0], errors="coerce")
    if cls.isna().any() or (cls < 1).any():
        raise DatasetError(f"{where}: class column must hold integers from 1")
    text = raw[raw.shape[1] - 1]
    if raw.shape[1] == 3 and include_title:
        text = raw[1] + " " + text
    return pd.DataFrame(
        {
            "id": [f"{split}-{i}" for i in range(len(raw))],
            "text": text.str.replace("\\n", " ", regex=False).str.strip(),
            "label": cls.astype(int) - 1,
            "split": split,
        }
    )


def parse(paths: Sequence[Path], options: dict[str, Any]) -> pd.DataFrame:
    opts = with_defaults(OPTIONS, options)
    include_title = bool(opts["include_title"])
    parts = {}
    with tarfile.open(paths[0], mode="r|gz") as archive:
        for member in archive:
            split = Path(member.name).stem
            if member.isfile() and member.name.endswith(".csv") and split in ("train", "test"):
                raw = pd.read_csv(
                    archive.extractfile(member), header=None, dtype=str, keep_default_na=False
                )
                parts[split] = _frame(raw, split, include_title, f"{paths[0]}:{member.name}")
    missing = sorted({"train", "test"} - set(parts))
    if missing:
        raise DatasetError(f"{paths[0]}: no member named {missing} (.../train.csv, .../test.csv)")
    df = drop_tokenless(pd.concat([parts["train"], parts["test"]], ignore_index=True))
    return holdout(df, float(opts["dev_fraction"]), "dev", seeded_rng(options))
