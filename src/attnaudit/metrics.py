"""Distances and scores used across the analyses: pure functions, no torch state.

Natural logarithms everywhere, so JSD lies in [0, ln 2]. TVD, KL and JSD are written once for
numpy arrays and torch tensors alike (the engine's analyses pass tensors, the tables arrays):
this module never imports torch, it uses torch's functions only when handed a tensor.
Kendall's tau lives in `attnaudit.kendall`, which imports scipy: training jobs, which import
this module for their scores, never need scipy (a second to load).
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pandas as pd

# inside the logs: finite values and gradients where a softmax underflows to 0 (the Jain &
# Wallace adversary's hand-written JSD gradient takes its logs with the same)
LOG_EPS = 1e-10
_LN2 = float(np.log(2.0))


def _namespace(x: Any) -> Any:
    """torch for a torch tensor (torch is already loaded then), numpy for anything else: the
    distances below are one definition for the analyses' tensors and the tables' arrays."""
    torch = sys.modules.get("torch")
    return torch if torch is not None and isinstance(x, torch.Tensor) else np


def _floats(x: Any, xp: Any) -> Any:
    """Arrays (and lists) as float64; tensors as they are, so autograd and dtype are kept."""
    return np.asarray(x, dtype=np.float64) if xp is np else x


def tvd(p: Any, q: Any) -> Any:
    """Total variation distance 1/2 sum_k |p_k - q_k| over the last axis (numpy or torch)."""
    if _namespace(p) is np:
        p, q = np.asarray(p), np.asarray(q)
    return 0.5 * abs(p - q).sum(-1)


def kl(p: Any, q: Any) -> Any:
    """KL(p || q) over the last axis, natural log; entries with p_k = 0 contribute 0 (0 times
    a finite log: `LOG_EPS` keeps the logs, and the gradients, finite)."""
    xp = _namespace(p)
    p, q = _floats(p, xp), _floats(q, xp)
    return (p * (xp.log(p + LOG_EPS) - xp.log(q + LOG_EPS))).sum(-1)


def jsd(p: Any, q: Any) -> Any:
    """Jensen-Shannon divergence over the last axis, clipped to [0, ln 2] (rounding can leave
    it a hair outside). numpy or torch; on tensors differentiable, in their own dtype."""
    xp = _namespace(p)
    p, q = _floats(p, xp), _floats(q, xp)
    m = 0.5 * (p + q)
    return xp.clip(0.5 * kl(p, m) + 0.5 * kl(q, m), 0.0, _LN2)


def classification_scores(labels: np.ndarray, probs: np.ndarray) -> dict[str, float]:
    """Accuracy, positive-class F1 and ROC-AUC for binary probabilities; macro F1 for k-class.

    `probs` is (N,) for binary tasks (the positive-class probability) or (N, K).
    """
    labels = np.asarray(labels)
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim == 1:
        preds = (probs >= 0.5).astype(int)
        scores = label_scores(labels, preds, 2)
        scores["roc_auc"] = roc_auc(labels, probs)
        return scores
    return label_scores(labels, probs.argmax(axis=1), probs.shape[1])


def label_scores(labels: np.ndarray, preds: np.ndarray, k: int) -> dict[str, float]:
    """Accuracy and F1 of predicted classes among `k`: positive-class F1 for k = 2, else the
    macro mean over all k classes, a class neither labelled nor predicted counting 0 (so a
    subset of the test split is scored like the run's own `test_f1`)."""
    labels, preds = np.asarray(labels), np.asarray(preds)
    if k == 2:
        return {"accuracy": float((preds == labels).mean()), "f1": f1_score(labels, preds)}
    f1s = [f1_score(labels == c, preds == c) for c in range(k)]
    return {"accuracy": float((preds == labels).mean()), "f1": float(np.mean(f1s))}


def f1_score(labels: np.ndarray, preds: np.ndarray) -> float:
    """F1 of the positive class (labels and predictions as 0/1 or booleans)."""
    labels = np.asarray(labels).astype(bool)
    preds = np.asarray(preds).astype(bool)
    tp = float(np.sum(labels & preds))
    denom = float(np.sum(labels) + np.sum(preds))
    return 2.0 * tp / denom if denom else 0.0


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """ROC-AUC by the rank-sum (Mann-Whitney) formula, ties averaged; NaN for one class."""
    labels = np.asarray(labels).astype(bool)
    n_pos, n_neg = int(labels.sum()), int((~labels).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = pd.Series(np.asarray(scores, dtype=np.float64)).rank(method="average").to_numpy()
    return float((ranks[labels].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))
