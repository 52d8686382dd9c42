"""AG News (Zhang et al. 2015) as Jain & Wallace's binary task: World (csv class 1) = 0 vs
Business (csv class 3) = 1, text from the description column.

The csv files have no header: `"class","title","description"`, classes 1-4 (World, Sports,
Business, Sci/Tech). A backslash marks a line break in the descriptions ("second\\team");
it becomes a space. Rows without tokens
are dropped.

Options:
- `dev_fraction` (default 0.15): stratified share of train.csv held out as dev; test.csv
  is the test split.
- `test_only_resplit` (default false): only test.csv is read (the offline mirror lacks
  train.csv) and split 70/10/20 into train/dev/test, stratified (`dev_fraction` and
  `test_fraction`, defaults 0.1 and 0.2). Every row then has `resplit_from_test` True: these
  numbers are NOT comparable with the paper's. The column is False otherwise.
- `split_seed` (default 0).

Paths: (train.csv, test.csv), or just (test.csv,) with test_only_resplit (the last path is
taken as test.csv). Ids are "<train|test>-<row number>" (0-based row of the csv file).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from attnaudit.data.errors import DatasetError
from attnaudit.data.options import SPLIT_SEED, boolean, fraction, with_defaults
from attnaudit.data.parsing import drop_tokenless, holdout, seeded_rng, three_way

CLASSES = {1: 0, 3: 1}  # World -> 0, Business -> 1


OPTIONS = {
    "dev_fraction": fraction(
        0.15, "stratified share of train.csv as dev (test_only_resplit: of all, default 0.1)"
    ),
    "test_only_resplit": boolean(False, "read test.csv alone and split it 70/10/20"),
    "test_fraction": fraction(0.2, "test_only_resplit: stratified share as test"),
    "split_seed": SPLIT_SEED,
}


def read_csv(path: Path, name: str) -> pd.DataFrame:
    raw = pd.read_csv(path, header=None, dtype=str, keep_default_na=False)
    if raw.shape[1] != 3:
        raise DatasetError(f"agnews: {path} has {raw.shape[1]} columns, expected 3")
    cls = raw[0].astype(int)
    keep = cls.isin(list(CLASSES))
    return drop_tokenless(
        pd.DataFrame(
            {
                "id": [f"{name}-{i}" for i in raw.index[keep]],
                "text": raw.loc[keep, 2].str.replace("\\", " ", regex=False).to_numpy(),
                "label": cls[keep].map(CLASSES).to_numpy(),
                "split": name,
            }
        )
    )


def parse(paths: Sequence[Path], options: dict[str, Any]) -> pd.DataFrame:
    rng, opts = seeded_rng(options), with_defaults(OPTIONS, options)
    if opts["test_only_resplit"]:
        df = read_csv(paths[-1], "test")
        df = three_way(
            df,
            dev=float(options.get("dev_fraction", 0.1)),  # this mode's own default
            test=float(opts["test_fraction"]),
            rng=rng,
        )
        return df.assign(resplit_from_test=True)
    if len(paths) != 2:
        raise DatasetError(
            f"agnews: needs train.csv and test.csv, got {len(paths)} file(s); "
            "set test_only_resplit: true to use test.csv alone"
        )
    df = pd.concat([read_csv(paths[0], "train"), read_csv(paths[1], "test")], ignore_index=True)
    df = holdout(df, float(opts["dev_fraction"]), "dev", rng)
    return df.assign(resplit_from_test=False)
