"""Large Movie Review Dataset (Maas et al. 2011), read in place from aclImdb_v1.tar.gz.

Only the labelled reviews are used: aclImdb/{train,test}/{pos,neg}/<id>_<rating>.txt,
12,500 per class and split (train/unsup is skipped). `<br />` tags become spaces.

Options:
- `task`: "binary" (default): neg 0, pos 1, as Jain & Wallace. "rating": the star rating
  in the file name as 8 classes - ratings 1, 2, 3, 4, 7, 8, 9, 10 map to labels 0..7 in that
  order (the labelled folders hold no 5s or 6s: neg is <= 4, pos is >= 7).
- `max_tokens` (default 400; null keeps all): keep documents with fewer tokens than this,
  counted with attnaudit.data.tokens.tokenize (Jain & Wallace keep documents under 400).
- `dev_fraction` (default 0.2): stratified share of the (filtered) official train split held
  out as dev; the official test split is the test split.
- `split_seed` (default 0).

Ids are "<split>/<pos|neg>/<id>_<rating>" from the member path, e.g. "train/pos/0_9".
"""

from __future__ import annotations

import re
import tarfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from attnaudit import bounds
from attnaudit.data.errors import DatasetError
from attnaudit.data.options import SPLIT_SEED, choice, fraction, integer, with_defaults
from attnaudit.data.parsing import holdout, seeded_rng
from attnaudit.data.tokens import tokenize

RATINGS = (1, 2, 3, 4, 7, 8, 9, 10)
N_CLASSES = {"binary": 2, "rating": len(RATINGS)}
_MEMBER = re.compile(r"(?:^|/)aclImdb/(train|test)/(pos|neg)/(\d+)_(\d+)\.txt$")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


OPTIONS = {
    "task": choice(list(N_CLASSES), "binary", "binary: neg 0, pos 1; rating: 8 classes"),
    "max_tokens": integer(
        400,
        "keep documents with fewer tokens than this; null keeps all",
        1,
        nullable=True,
        maximum=bounds.MAX_TOKENS,
    ),  # fmt: skip
    "dev_fraction": fraction(0.2, "stratified share of train held out as dev"),
    "split_seed": SPLIT_SEED,
}


def task_of(options: dict[str, Any]) -> str:
    task = with_defaults(OPTIONS, options)["task"]
    if task not in N_CLASSES:
        raise DatasetError(f"imdb: unknown task {task!r}; known: {sorted(N_CLASSES)}")
    return task


def n_classes(options: dict[str, Any]) -> int:
    return N_CLASSES[task_of(options)]


def read_reviews(path: Path) -> pd.DataFrame:
    """All labelled reviews: id, text, polarity (0/1), rating (1-10), source (train/test)."""
    rows = []
    with tarfile.open(path, mode="r|gz") as archive:  # streaming: members in archive order
        for member in archive:
            match = _MEMBER.search(member.name)
            if not match or not member.isfile():
                continue
            split, polarity, doc_id, rating = match.groups()
            raw = archive.extractfile(member).read().decode("utf-8")
            rows.append(
                {
                    "id": f"{split}/{polarity}/{doc_id}_{rating}",
                    "text": _BREAK.sub(" ", raw),
                    "polarity": int(polarity == "pos"),
                    "rating": int(rating),
                    "source": split,
                }
            )
    if not rows:
        raise DatasetError(f"imdb: no aclImdb/{{train,test}}/{{pos,neg}}/*.txt members in {path}")
    return pd.DataFrame(rows).sort_values("id", ignore_index=True)


def build(reviews: pd.DataFrame, options: dict[str, Any]) -> pd.DataFrame:
    """The task's documents and splits from `read_reviews` output."""
    task = task_of(options)
    df = reviews
    max_tokens = with_defaults(OPTIONS, options)["max_tokens"]
    if max_tokens:
        keep = df["text"].map(lambda t: len(tokenize(t)) < int(max_tokens))
        df = df[keep]
    if task == "binary":
        label = df["polarity"]
    else:
        unknown = sorted(set(df["rating"]) - set(RATINGS))
        if unknown:
            raise DatasetError(f"imdb: ratings {unknown} have no class in the rating task")
        label = df["rating"].map({r: i for i, r in enumerate(RATINGS)})
    out = pd.DataFrame(
        {"id": df["id"], "text": df["text"], "label": label.astype(int), "split": df["source"]}
    ).reset_index(drop=True)
    dev = float(with_defaults(OPTIONS, options)["dev_fraction"])
    return holdout(out, dev, "dev", seeded_rng(options))


def parse(paths: Sequence[Path], options: dict[str, Any]) -> pd.DataFrame:
    task_of(options)  # fail on a bad option before the long read
    return build(read_reviews(paths[0]), options)
