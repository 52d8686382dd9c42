"""Embeddings, encoders, attention, decoders, and the classifier that composes them.

The classifier and its factory load lazily, so that `attnaudit.models.catalog` (names
only) and `attnaudit.models.embeddings` (the embedding matrix) import without torch.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "AttentionClassifier": "attnaudit.models.classifier",
    "ModelConfig": "attnaudit.models.classifier",
    "build_model": "attnaudit.models.factory",
}

__all__ = list(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
