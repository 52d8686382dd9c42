"""The dataset registry: what each dataset is, where it comes from, and how it is parsed.

A new dataset is one `DatasetSpec` here plus its parser module. A parser takes the local
paths of the spec's files (in the order of `files`) and the dataset's config options and
returns a DataFrame with columns `text` (str), `label` (int) and `split`
("train" | "dev" | "test"); it may add `rationale` (list of token positions).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from attnaudit.data import sst, synthetic

Parser = Callable[[Sequence[Path], dict[str, Any]], pd.DataFrame]


class UnknownDatasetError(KeyError):
    """A config names a dataset type that is not in the registry."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


@dataclass(frozen=True)
class RemoteFile:
    """One file to download: official address, SHA-256, and its name on disk and in a mirror."""

    url: str
    sha256: str
    filename: str


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    parser: Parser
    files: tuple[RemoteFile, ...] = ()
    n_classes: int = 2
    min_count: int = 1
    description: str = ""
    options: dict[str, Any] = field(default_factory=dict)


REGISTRY: dict[str, DatasetSpec] = {
    "synthetic": DatasetSpec(
        name="synthetic",
        parser=lambda paths, options: synthetic.generate(options),
        description="Embedded default: planted signal tokens decide the label; no download.",
    ),
    "sst": DatasetSpec(
        name="sst",
        parser=sst.parse,
        files=(
            RemoteFile(
                url="https://nlp.stanford.edu/sentiment/trainDevTestTrees_PTB.zip",
                sha256="5c613a4f673fc74097d523a2c83f38e0cc462984d847b82c7aaf36b01cbbbfcc",
                filename="trainDevTestTrees_PTB.zip",
            ),
        ),
        min_count=1,
        description="Stanford Sentiment Treebank, binary: neutral dropped, 3-4 positive.",
    ),
}


def get_spec(dataset_type: str) -> DatasetSpec:
    try:
        return REGISTRY[dataset_type]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise UnknownDatasetError(
            f"unknown dataset type {dataset_type!r}; known types: {known}"
        ) from None
