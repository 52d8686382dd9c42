"""From parsed documents to the per-dataset token table and vocabulary.

The token table has one row per instance: `id`, `split`, `label`, `tokens` (real tokens),
`token_ids` (<SOS> ids <EOS>), and the `ANNOTATIONS` (`rationale`, `distractors`,
`label_flipped`) the dataset provides.
"""

from __future__ import annotations

import gzip
import logging
import tarfile
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from attnaudit import checksums, io
from attnaudit.data import tokens as tok
from attnaudit.data.errors import DatasetError
from attnaudit.data.registry import get_spec

REQUIRED_COLUMNS = ("id", "text", "label", "split")
# Per-instance annotations carried into the token table where a dataset gives them: the
# synthetic data's planted deciding tokens, its distractors (0-based real-token positions)
# and whether label noise replaced the label.
ANNOTATIONS = ("rationale", "distractors", "label_flipped")
log = logging.getLogger("attnaudit")
# What a parser raises on a truncated or overwritten archive or compressed file.
UNREADABLE = (tarfile.TarError, zipfile.BadZipFile, EOFError, zlib.error, gzip.BadGzipFile)


def load_documents(dataset: str, options: dict[str, Any], paths: Sequence[Path]) -> pd.DataFrame:
    """Run the registered parser of the dataset's type and check its output."""
    spec = get_spec(options.get("type", dataset))
    try:
        df = spec.parser([Path(p) for p in paths], options)
    except UNREADABLE as exc:
        raise unreadable(dataset, paths, exc) from None
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        raise DatasetError(f"dataset {dataset!r}: parser output lacks columns {missing}")
    for split in ("train", "dev", "test"):
        if not (df["split"] == split).any():
            raise DatasetError(f"dataset {dataset!r}: split {split!r} is empty")
    if df.loc[df["split"] == "train", "label"].nunique() < 2:
        raise DatasetError(f"dataset {dataset!r}: the training split has a single class")
    if df["id"].duplicated().any():
        raise DatasetError(f"dataset {dataset!r}: instance ids are not unique")
    return df


def unreadable(dataset: str, paths: Sequence[Path], exc: BaseException) -> io.CorruptFileError:
    """The error for a parser that could not read its files: the one whose checksum record
    says it changed since its download, else all of them (the parser's error names none)."""
    changed = checksums.changed(paths)
    if len(changed) == 1:
        why = checksums.mismatch(changed[0], checksums.read(changed[0]))
        return io.corrupt(changed[0], f"file of dataset {dataset!r} ({why})", exc)
    names = ", ".join(map(str, changed or paths))
    return io.corrupt(f"one of {names}", f"file set of dataset {dataset!r}", exc)


def tokenize_documents(
    dataset: str,
    docs: pd.DataFrame,
    min_count: int,
    max_length: int | None = None,
    sentences: bool = False,
    keep_emoji: bool = False,
) -> tuple[pd.DataFrame, list[str]]:
    """Tokenise, build the train-only vocabulary, and encode every instance.

    With `sentences`, sentence boundaries are kept as <SEP> tokens (hierarchical models);
    with `keep_emoji`, emoji are tokens. The emoji and other symbols of the texts are
    counted (`attrs["n_emoji"]`, `attrs["n_symbols"]`) so the summary says what was dropped.
    """
    split = tok.tokenize_sentences if sentences else tok.tokenize
    tokens = [split(t, keep_emoji) for t in docs["text"]]
    empty = [i for i, t in zip(docs["id"], tokens, strict=True) if not t]
    if empty:
        shown = ", ".join(map(str, empty[:5]))
        raise DatasetError(
            f"dataset {dataset!r}: {len(empty)} document(s) have no tokens after "
            f"tokenisation (ids: {shown}{', ...' if len(empty) > 5 else ''})"
        )
    n_cut = sum(len(t) > max_length for t in tokens) if max_length else 0
    if n_cut:
        log.info(
            "dataset %s: max_length %d cuts %d of %d instances (the longest had %d tokens)",
            dataset, max_length, n_cut, len(tokens), max(map(len, tokens)),
        )  # fmt: skip
    if max_length:  # a cut that ends on a sentence boundary leaves no empty sentence
        tokens = [t[:max_length] for t in tokens]
        tokens = [t[:-1] if t[-1] == tok.SEP else t for t in tokens]
    is_train = (docs["split"] == "train").to_numpy()
    vocab = tok.build_vocab((t for t, tr in zip(tokens, is_train, strict=True) if tr), min_count)
    index = {w: i for i, w in enumerate(vocab)}
    table = pd.DataFrame(
        {
            "id": docs["id"].astype(str).to_numpy(),
            "split": docs["split"].to_numpy(),
            "label": docs["label"].astype(int).to_numpy(),
            "tokens": tokens,
            "token_ids": [tok.encode(t, index) for t in tokens],
        }
    )
    for column in ANNOTATIONS:
        if column in docs.columns:
            table[column] = docs[column].to_numpy()
    table.attrs["n_cut"] = n_cut  # instances that max_length cut
    table.attrs["n_emoji"], table.attrs["n_symbols"] = tok.symbol_counts(docs["text"])
    return table, vocab
