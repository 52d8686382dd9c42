"""Distances and scores used across the analyses: pure numpy/pandas/scipy, no torch state.

Natural logarithms everywhere, so JSD lies in [0, ln 2]. scipy.stats is imported where
Kendall's tau needs it, not at module import: it takes a second to load, and training jobs,
which import this module for their scores, never need it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_EPS = 1e-12


def tvd(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Total variation distance 1/2 sum_k |p_k - q_k| over the last axis."""
    return 0.5 * np.abs(np.asarray(p) - np.asarray(q)).sum(axis=-1)


def kl(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    return np.where(p > 0, p * (np.log(p + _EPS) - np.log(q + _EPS)), 0.0).sum(axis=-1)


def jsd(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Jensen-Shannon divergence over the last axis, clipped to [0, ln 2]."""
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    m = 0.5 * (p + q)
    return np.clip(0.5 * kl(p, m) + 0.5 * kl(q, m), 0.0, np.log(2.0))


def kendall_tau(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Kendall tau-b and its p-value; NaN for fewer than two items or constant input."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.size < 2 or np.all(a == a[0]) or np.all(b == b[0]):
        return float("nan"), float("nan")
    from scipy import stats

    res = stats.kendalltau(a, b)
    return float(res.statistic), float(res.pvalue)


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
