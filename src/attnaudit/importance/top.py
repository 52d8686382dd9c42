"""The top items of a ranking, in one place: ERASER's reduced inputs (`analyses.faithfulness`)
and the hard rationales of its JSONL export (`report.faithfulness`) must pick the same ones.
numpy only, so that the report reads it without torch."""

from __future__ import annotations

import math

import numpy as np


def top_order(scores: np.ndarray) -> np.ndarray:
    """Real-token indices by descending score, ties in token order; NaN scores last."""
    keyed = np.where(np.isnan(scores), -np.inf, scores)
    return np.argsort(-keyed, kind="stable")


def top_count(percent: float, n: int) -> int:
    """How many of n real tokens the top `percent` % holds: ceil(percent n / 100)."""
    return min(n, math.ceil(percent * n / 100.0 - 1e-9))
