"""Stanford Sentiment Treebank (PTB trees) as Jain & Wallace's binary task.

Root labels 0-4; neutral (2) is dropped, 3-4 are positive. Official splits
train/dev/test = 6,920 / 872 / 1,821 sentences. The zip is read in place.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

_LEAF = re.compile(r"\(\d ([^()]+)\)")
_SPLITS = {"train": "trees/train.txt", "dev": "trees/dev.txt", "test": "trees/test.txt"}


OPTIONS: dict = {}  # official splits, no options of its own


def tree_text(line: str) -> str:
    """The sentence of one PTB tree line: its leaves joined by spaces."""
    return " ".join(_LEAF.findall(line))


def parse(paths: Sequence[Path], options: dict[str, Any]) -> pd.DataFrame:
    rows = []
    with zipfile.ZipFile(paths[0]) as archive:
        for split, member in _SPLITS.items():
            for i, line in enumerate(archive.read(member).decode("utf-8").splitlines()):
                if not line.strip():
                    continue
                root = int(line[1])
                if root == 2:
                    continue
                rows.append(
                    {
                        "id": f"{split}-{i:05d}",
                        "text": tree_text(line),
                        "label": int(root >= 3),
                        "split": split,
                    }
                )
    return pd.DataFrame(rows)
