"""Pre-trained word vectors in GloVe / fastText text format (optionally gzipped).

Words missing from the file get a zero vector, as in Jain & Wallace; the vectors are
fine-tuned with the model.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np


def _open_text(path: Path):
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", errors="replace")
    return open(path, encoding="utf-8", errors="replace")


def load_vectors(path: str | Path, vocab: list[str]) -> tuple[np.ndarray, int]:
    """Return a (len(vocab), dim) float32 matrix for `vocab` and how many words were found.

    A fastText header line ("count dim") is skipped; lines of the wrong width are an error.
    """
    path = Path(path)
    index = {w: i for i, w in enumerate(vocab)}
    matrix: np.ndarray | None = None
    found = 0
    with _open_text(path) as fh:
        for lineno, line in enumerate(fh, 1):
            parts = line.rstrip().split(" ")
            if lineno == 1 and len(parts) == 2:
                continue
            if matrix is None:
                matrix = np.zeros((len(vocab), len(parts) - 1), dtype=np.float32)
            if len(parts) - 1 != matrix.shape[1]:
                raise ValueError(
                    f"{path}:{lineno}: expected {matrix.shape[1]} values, got {len(parts) - 1}"
                )
            row = index.get(parts[0])
            if row is not None:
                matrix[row] = np.asarray(parts[1:], dtype=np.float32)
                found += 1
    if matrix is None:
        raise ValueError(f"{path}: no vectors found")
    return matrix, found
