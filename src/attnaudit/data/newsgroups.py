"""20 Newsgroups, "bydate" version, read in place from 20news-bydate.tar.gz.

Posts are Latin-1; headers, footers and quotes are removed exactly as scikit-learn's
`fetch_20newsgroups(remove=('headers', 'footers', 'quotes'))` does (its three strip_*
functions, reimplemented below, applied in its order: header, footer, quotes). Posts with
no tokens left (attnaudit.data.tokens.tokenize) are dropped.

Options:
- `task`: "baseball_hockey" (registry "20news"): rec.sport.baseball 0 vs rec.sport.hockey 1;
  as Jain & Wallace, the bydate train and test posts are pooled, a stratified `test_fraction`
  (default 0.2) becomes test, then `dev_fraction` (default 0.2) of the rest becomes dev.
  "all20" (registry "20news_all"): the 20 groups in sorted order as labels 0..19, official
  bydate train/test, stratified `dev_fraction` (default 0.1) of train as dev.
- `split_seed` (default 0).

Ids are "<train|test>/<group>/<file number>", from the bydate folders.
"""

from __future__ import annotations

import re
import tarfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from attnaudit.data.errors import DatasetError
from attnaudit.data.options import SPLIT_SEED, choice, fraction, with_defaults
from attnaudit.data.parsing import drop_tokenless, holdout, seeded_rng

N_CLASSES = {"baseball_hockey": 2, "all20": 20}
BINARY_GROUPS = ("rec.sport.baseball", "rec.sport.hockey")
_MEMBER = re.compile(r"(?:^|/)20news-bydate-(train|test)/([^/]+)/([^/]+)$")
_QUOTE_RE = re.compile(r"(writes in|writes:|wrote:|says:|said:|^In article|^Quoted from|^\||^>)")


OPTIONS = {
    "task": choice(list(N_CLASSES), "baseball_hockey", "baseball_hockey (2 classes) or all20"),
    "test_fraction": fraction(0.2, "baseball_hockey: stratified share of all posts as test"),
    "dev_fraction": fraction(0.2, "stratified share of the rest (all20: of train) as dev"),
    "split_seed": SPLIT_SEED,
}
# the 20-class entry fixes the task
OPTIONS_ALL20 = {k: v for k, v in OPTIONS.items() if k not in ("task", "test_fraction")}


def strip_newsgroup_header(text: str) -> str:
    """Everything after the first blank line (scikit-learn's strip_newsgroup_header)."""
    _before, _blankline, after = text.partition("\n\n")
    return after


def strip_newsgroup_quoting(text: str) -> str:
    """Drop quoted lines and lines that introduce a quote (scikit-learn's version)."""
    good_lines = [line for line in text.split("\n") if not _QUOTE_RE.search(line)]
    return "\n".join(good_lines)


def strip_newsgroup_footer(text: str) -> str:
    """Drop the signature after the last blank or all-hyphen line (scikit-learn's version)."""
    lines = text.strip().split("\n")
    for line_num in range(len(lines) - 1, -1, -1):
        line = lines[line_num]
        if line.strip().strip("-") == "":
            break
    if line_num > 0:
        return "\n".join(lines[:line_num])
    return text


def clean(text: str) -> str:
    return strip_newsgroup_quoting(strip_newsgroup_footer(strip_newsgroup_header(text)))


def task_of(options: dict[str, Any]) -> str:
    task = with_defaults(OPTIONS, options)["task"]
    if task not in N_CLASSES:
        raise DatasetError(f"20news: unknown task {task!r}; known: {sorted(N_CLASSES)}")
    return task


def n_classes(options: dict[str, Any]) -> int:
    return N_CLASSES[task_of(options)]


def read_posts(path: Path, groups: Sequence[str] | None = None) -> pd.DataFrame:
    """Raw posts (no stripping): id, group, text, source (bydate train/test)."""
    rows = []
    with tarfile.open(path, mode="r|gz") as archive:
        for member in archive:
            match = _MEMBER.search(member.name)
            if not match or not member.isfile():
                continue
            split, group, name = match.groups()
            if groups is not None and group not in groups:
                continue
            text = archive.extractfile(member).read().decode("latin-1")
            rows.append(
                {"id": f"{split}/{group}/{name}", "group": group, "text": text, "source": split}
            )
    if not rows:
        raise DatasetError(f"20news: no 20news-bydate-{{train,test}}/<group>/<post> in {path}")
    return pd.DataFrame(rows).sort_values("id", ignore_index=True)


def build(posts: pd.DataFrame, options: dict[str, Any]) -> pd.DataFrame:
    """The task's documents and splits from `read_posts` output."""
    task = task_of(options)
    if task == "baseball_hockey":
        posts = posts[posts["group"].isin(BINARY_GROUPS)]
    names = sorted(posts["group"].unique())
    if len(names) != N_CLASSES[task]:
        raise DatasetError(f"20news: task {task!r} expects {N_CLASSES[task]} groups, found {names}")
    text = posts["text"].map(clean)
    df = pd.DataFrame(
        {
            "id": posts["id"],
            "text": text,
            "label": posts["group"].map({g: i for i, g in enumerate(names)}).astype(int),
            "split": posts["source"],
        }
    )
    df = drop_tokenless(df)
    rng, opts = seeded_rng(options), with_defaults(OPTIONS, options)
    if task == "baseball_hockey":
        df = holdout(df.assign(split="train"), float(opts["test_fraction"]), "test", rng)
        return holdout(df, float(opts["dev_fraction"]), "dev", rng)
    return holdout(df, float(options.get("dev_fraction", 0.1)), "dev", rng)  # all20's own


def parse(paths: Sequence[Path], options: dict[str, Any]) -> pd.DataFrame:
    groups = BINARY_GROUPS if task_of(options) == "baseball_hockey" else None
    return build(read_posts(paths[0], groups), options)


def parse_all20(paths: Sequence[Path], options: dict[str, Any]) -> pd.DataFrame:
    """Registry "20news_all": the 20-class task whatever `task` says."""
    return parse(paths, {**options, "task": "all20"})
