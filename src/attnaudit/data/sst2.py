"""GLUE SST-2 (binary phrases of the Stanford Sentiment Treebank). Not used by the papers.

The GLUE files are `sentence<TAB>label` TSVs with a header: train.tsv 67,349 phrases,
dev.tsv 872 sentences; test.tsv is unlabelled and is not used. Because of that, GLUE's dev
set becomes the test split, and a stratified `dev_fraction` (default 0.1) of train.tsv is
held out as dev (`split_seed`, default 0). Phrases without tokens (train.tsv has "("
and ")") are dropped.

Paths: (train.tsv, dev.tsv), or the GLUE SST-2.zip alone (members SST-2/train.tsv and
SST-2/dev.tsv, read in place). Ids are "train-<row>" and "dev-<row>" after the GLUE file
they come from (0-based data row), so a "dev-..." id sits in the test split.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import pandas as pd

from attnaudit.data.errors import DatasetError
from attnaudit.data.options import SPLIT_SEED, fraction, with_defaults
from attnaudit.data.parsing import drop_tokenless, holdout, seeded_rng

MEMBERS = {"train": "SST-2/train.tsv", "dev": "SST-2/dev.tsv"}


OPTIONS = {
    "dev_fraction": fraction(0.1, "stratified share of train.tsv held out as dev"),
    "split_seed": SPLIT_SEED,
}


def read_tsv(source: Path | IO[bytes], name: str, split: str) -> pd.DataFrame:
    raw = pd.read_csv(source, sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False)
    if list(raw.columns) != ["sentence", "label"]:
        raise DatasetError(f"sst2: {name} header is {list(raw.columns)}, expected sentence, label")
    return pd.DataFrame(
        {
            "id": [f"{name}-{i}" for i in range(len(raw))],
            "text": raw["sentence"].str.strip(),
            "label": raw["label"].astype(int),
            "split": split,
        }
    )


def parse(paths: Sequence[Path], options: dict[str, Any]) -> pd.DataFrame:
    if len(paths) == 1 and zipfile.is_zipfile(paths[0]):
        with zipfile.ZipFile(paths[0]) as archive:
            train, dev = (io.BytesIO(archive.read(MEMBERS[name])) for name in ("train", "dev"))
    elif len(paths) == 2:
        train, dev = paths
    else:
        raise DatasetError(f"sst2: expected train.tsv and dev.tsv or SST-2.zip, got {paths}")
    df = drop_tokenless(
        pd.concat(
            [read_tsv(train, "train", "train"), read_tsv(dev, "dev", "test")], ignore_index=True
        )
    )
    dev = float(with_defaults(OPTIONS, options)["dev_fraction"])
    return holdout(df, dev, "dev", seeded_rng(options))
