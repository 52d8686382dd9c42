"""AG News (Zhang et al. 2015), text from the description column: Jain & Wallace's binary
task, World (csv class 1) = 0 vs Business (csv class 3) = 1, or all four classes.

The csv files have no header: `"class","title","description"`, classes 1-4 (World, Sports,
Business, Sci/Tech). A backslash marks a line break in the descriptions ("second\\team");
it becomes a space. Rows without tokens
are dropped.

Options:
- `task` (default "world_business"): Jain & Wallace's two classes; "all4": the four classes
  World, Sports, Business, Sci/Tech as labels 0-3 (csv classes 1-4), for the questions
  beyond the argmax decision (docs/experiments.md#class-effects).
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
from attnaudit.data.options import SPLIT_SEED, boolean, choice, fraction, with_defaults
from attnaudit.data.parsing import drop_tokenless, holdout, seeded_rng, three_way

NAMES = {1: "World", 2: "Sports", 3: "Business", 4: "Sci/Tech"}  # the csv's class ids
# task -> csv class -> label
TASKS = {"world_business": {1: 0, 3: 1}, "all4": {1: 0, 2: 1, 3: 2, 4: 3}}


OPTIONS = {
    "task": choice(list(TASKS), "world_business", "world_business (2 classes) or all4"),
    "dev_fraction": fraction(
        0.15, "stratified share of train.csv as dev (test_only_resplit: of all, default 0.1)"
    ),
    "test_only_resplit": boolean(False, "read test.csv alone and split it 70/10/20"),
    "test_fraction": fraction(0.2, "test_only_resplit: stratified share as test"),
    "split_seed": SPLIT_SEED,
}


def n_classes(options: dict[str, Any]) -> int:
    return len(TASKS[with_defaults(OPTIONS, options)["task"]])


def read_csv(path: Path, name: str, classes: dict[int, int]) -> pd.DataFrame:
    """The rows of the task's `classes` (csv class -> label), with each label's name."""
    raw = pd.read_csv(path, header=None, dtype=str, keep_default_na=False)
    if raw.shape[1] != 3:
        raise DatasetError(f"agnews: {path} has {raw.shape[1]} columns, expected 3")
    cls = raw[0].astype(int)
    keep = cls.isin(list(classes))
    return drop_tokenless(
        pd.DataFrame(
            {
                "id": [f"{name}-{i}" for i in raw.index[keep]],
                "text": raw.loc[keep, 2].str.replace("\\", " ", regex=False).to_numpy(),
                "label": cls[keep].map(classes).to_numpy(),
                "label_name": cls[keep].map(NAMES).to_numpy(),
                "split": name,
            }
        )
    )


def parse(paths: Sequence[Path], options: dict[str, Any]) -> pd.DataFrame:
    rng, opts = seeded_rng(options), with_defaults(OPTIONS, options)
    classes = TASKS[opts["task"]]
    if opts["test_only_resplit"]:
        df = read_csv(paths[-1], "test", classes)
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
    df = pd.concat([read_csv(paths[0], "train", classes), read_csv(paths[1], "test", classes)],
                   ignore_index=True)  # fmt: skip
    df = holdout(df, float(opts["dev_fraction"]), "dev", rng)
    return df.assign(resplit_from_test=False)
