"""Download and preprocessing jobs."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from attnaudit import io
from attnaudit.data import download
from attnaudit.data.options import COMMON, SPLITS, with_defaults
from attnaudit.data.prepare import load_documents, tokenize_documents
from attnaudit.data.registry import get_spec, n_classes_for, resolve_files
from attnaudit.data.subsample import cap_splits

log = logging.getLogger("attnaudit")


def length_stats(lengths: pd.Series) -> dict[str, float]:
    """Token counts (real tokens, no <SOS>/<EOS>): mean, median, 90th percentile, max."""
    return {
        "mean_length": float(lengths.mean()),
        "median_length": float(lengths.median()),
        "p90_length": float(lengths.quantile(0.9)),
        "max_length": int(lengths.max()),
    }


def download_file(dataset: str, options: dict[str, Any], filename: str, dest: str, mirror):
    spec = get_spec(options.get("type", dataset))
    remote = next((f for f in resolve_files(spec, options) if f.filename == filename), None)
    if remote is None:
        raise ValueError(f"dataset {dataset!r} has no file named {filename!r}")
    source = download.fetch(dataset, remote, dest, mirror)
    log.info("dataset %s: %s <- %s (sha256 verified)", dataset, dest, source)


def preprocess(
    dataset: str, options: dict[str, Any], inputs: Sequence[str], tokens: str, vocab: str, summary
):
    spec = get_spec(options.get("type", dataset))
    common = with_defaults(COMMON, options)
    docs = load_documents(dataset, options, [Path(p) for p in inputs])
    whole = docs["split"].value_counts().to_dict()
    caps = {split: common[f"max_{split}"] for split in SPLITS}
    docs = cap_splits(docs, caps)
    table, words = tokenize_documents(
        dataset,
        docs,
        min_count=int(options.get("min_count", spec.min_count)),
        max_length=options.get("max_length"),
        sentences=bool(common["sentences"]),
        keep_emoji=common["emoji"] == "keep",
    )
    n_emoji = int(table.attrs["n_emoji"])
    n_classes = n_classes_for(spec, options) or int(table["label"].max()) + 1
    lengths = table["tokens"].map(len)
    names = {}
    if "label_name" in docs.columns:  # the original label of each class id
        names = docs.drop_duplicates("label").set_index("label")["label_name"].to_dict()
    stats = {
        "dataset": dataset,
        "type": spec.name,
        "n_classes": n_classes,
        "label_names": [str(names.get(i, i)) for i in range(n_classes)],
        "max_length": options.get("max_length"),
        "n_cut_by_max_length": int(table.attrs.get("n_cut", 0)),
        # what the tokenizer left out (docs/datasets.md#tokens): emoji by choice, symbols always
        "emoji": common["emoji"],
        "n_emoji_kept": n_emoji if common["emoji"] == "keep" else 0,
        "n_emoji_dropped": 0 if common["emoji"] == "keep" else n_emoji,
        "n_symbols_dropped": int(table.attrs["n_symbols"]),
        "vocab_size": len(words),
        "splits": {
            split: {
                "n": int((table["split"] == split).sum()),
                "class_counts": np.bincount(
                    table.loc[table["split"] == split, "label"], minlength=n_classes
                ).tolist(),
                **length_stats(lengths[table["split"] == split]),
                # the split's size before `max_<split>` cut it (the same where none did)
                "n_before_cap": int(whole[split]),
            }
            for split in SPLITS
        },
        # AG News' test-only re-split: its numbers are not comparable with the papers'
        "resplit_from_test": bool(docs.get("resplit_from_test", pd.Series([False])).any()),
    }
    io.write_table(tokens, table)
    io.write_json(vocab, words)
    io.write_json(summary, stats)
    log.info("dataset %s: %s", dataset, stats)
