"""Kendall tau-b and its two-sided p-value for many pairs of vectors at once.

The numbers are `scipy.stats.kendalltau(x, y)`'s (variant 'b', method 'auto'), computed for
all pairs of one length together instead of one scipy call per pair: the Jain & Wallace
agreement analysis asks for thousands of short pairs, where scipy's per-call overhead and its
exact p-value, worked out afresh in Python for every short sentence, dominated the job.
scipy's rules, kept here: tau-b = (C - D) / sqrt((P - X) (P - Y)) over the P pairs, X and Y
the pairs tied in x and in y; the p-value is exact (the null distribution of the number of
concordant pairs, by Kendall's recurrence) when there are no ties and n <= 33 or at most one
pair disagrees with the majority, else asymptotic with the tie-corrected variance; NaN for
fewer than two items, a constant vector or a NaN entry.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np
from scipy import special

# scipy computes the exact p-value for tie-free vectors up to this length
EXACT_MAX_N = 33
# the (pairs, n, n) comparison arrays of one chunk hold at most this many cells
_MAX_CELLS = 1 << 22
# longer pairs go to scipy one by one: its O(n log n) per call beats the n^2 comparisons here
# from about n = 200 on (per pair, one core: n = 150 282 us here, 541 us in scipy; n = 300
# 1,015 us against 500 us)
LONGEST = 150


def tau_b(xs: Sequence[np.ndarray], ys: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Tau-b and p-value of each pair (xs[i], ys[i]), as two float64 arrays of len(xs).

    Pairs are grouped by length and each group is computed in chunks of bounded memory;
    pairs longer than `LONGEST` are scipy's own calls."""
    if len(xs) != len(ys):
        raise ValueError(f"{len(xs)} x vectors but {len(ys)} y vectors")
    lengths = np.array([np.size(x) for x in xs], dtype=np.int64)
    if any(np.size(y) != n for y, n in zip(ys, lengths, strict=True)):
        raise ValueError("each x vector needs a y vector of the same length")
    tau = np.full(len(xs), np.nan)
    pvalue = np.full(len(xs), np.nan)
    for n in np.unique(lengths[lengths >= 2]):
        group = np.flatnonzero(lengths == n)
        if n > LONGEST:
            tau[group], pvalue[group] = _scipy_each([xs[i] for i in group], [ys[i] for i in group])
            continue
        chunks = min(group.size, -(-group.size * n * n // _MAX_CELLS))
        for chunk in np.array_split(group, chunks):
            x = np.stack([np.asarray(xs[i], dtype=np.float64).ravel() for i in chunk])
            y = np.stack([np.asarray(ys[i], dtype=np.float64).ravel() for i in chunk])
            tau[chunk], pvalue[chunk] = _same_length(x, y)
    return tau, pvalue


def _scipy_each(xs: list[np.ndarray], ys: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """`scipy.stats.kendalltau` of each pair (imported here: a second to load)."""
    from scipy import stats

    res = [stats.kendalltau(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
           for x, y in zip(xs, ys, strict=True)]  # fmt: skip
    return np.array([r.statistic for r in res]), np.array([r.pvalue for r in res])


def _signs(x: np.ndarray) -> np.ndarray:
    """sign(x_i - x_j) for every ordered pair of each row, (m, n, n) int8 (0 on ties)."""
    a, b = x[:, :, None], x[:, None, :]
    return (a > b).astype(np.int8) - (a < b).astype(np.int8)


def _ties(signs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: the tied pairs and scipy's two tie sums of the variance, sum t (t - 1) (t - 2)
    and sum t (t - 1) (2t + 5) over the groups of t equal values (each group adds up its t
    items' shares, the item's group size being the number of zeros in its row of signs)."""
    size = (signs == 0).sum(axis=2, dtype=np.int64)
    tied = (size - 1).sum(axis=1) // 2
    return tied, ((size - 1) * (size - 2)).sum(axis=1), ((size - 1) * (2 * size + 5)).sum(axis=1)


def _same_length(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Tau-b and p-value of the rows of x and y, (m, n) with n >= 2."""
    n = x.shape[1]
    total = n * (n - 1) // 2
    sx, sy = _signs(x), _signs(y)
    con_minus_dis = (sx * sy).sum(axis=(1, 2), dtype=np.int64) // 2
    xtie, x0, x1 = _ties(sx)
    ytie, y0, y1 = _ties(sy)
    valid = (xtie < total) & (ytie < total)
    valid &= ~(np.isnan(x).any(axis=1) | np.isnan(y).any(axis=1))
    with np.errstate(divide="ignore", invalid="ignore"):
        tau = con_minus_dis / np.sqrt(total - xtie) / np.sqrt(total - ytie)
    tau = np.where(valid, np.minimum(1.0, np.maximum(-1.0, tau)), np.nan)
    # no ties: C + D = P, so C = (P + (C - D)) / 2
    concordant = (total + con_minus_dis) // 2
    tie_free = (xtie == 0) & (ytie == 0)
    exact = tie_free & ((n <= EXACT_MAX_N) | (np.minimum(concordant, total - concordant) <= 1))
    pvalue = np.full(x.shape[0], np.nan)
    for c in np.unique(concordant[valid & exact]):
        pvalue[valid & exact & (concordant == c)] = exact_pvalue(n, int(c))
    normal = valid & ~exact
    if normal.any():
        m = n * (n - 1.0)
        var = (
            (m * (2 * n + 5) - x1[normal] - y1[normal]) / 18
            + (2.0 * xtie[normal] * ytie[normal]) / m
            + (1.0 * x0[normal] * y0[normal]) / (9 * m * (n - 2))
        )
        z = con_minus_dis[normal] / np.sqrt(var)
        pvalue[normal] = 2 * special.ndtr(-np.abs(z))
    return tau, pvalue


@functools.cache
def exact_pvalue(n: int, concordant: int) -> float:
    """Two-sided exact p-value of `concordant` concordant pairs among n tie-free items: twice
    the lower tail of the null distribution, clipped to 1, by scipy's `_kendall_p_exact`
    (the same closed forms for c <= 1 and the same floating-point sums, so the same float;
    scipy's shortcuts to 1 for n = 2 and the centre c = P / 2 are what the clip gives)."""
    total = n * (n - 1) // 2
    c = min(concordant, total - concordant)
    if c == 0:
        return 2.0 / math.factorial(n) if n < 171 else 0.0
    if c == 1:
        return 2.0 / math.factorial(n - 1) if n < 172 else 0.0
    if n > EXACT_MAX_N:
        raise ValueError(f"exact p-value asked for n = {n} > {EXACT_MAX_N} and c = {c} > 1")
    prob = 2.0 * np.sum(inversion_counts(n)[: c + 1]) / math.factorial(n)
    return float(np.clip(prob, 0.0, 1.0))


@functools.cache
def inversion_counts(n: int) -> np.ndarray:
    """How many permutations of n items have k inversions, k = 0 .. n (n - 1) // 4 (the lower
    half of the distribution), as float64 by scipy's recurrence: an item added to j - 1
    items adds 0 .. j - 1 inversions, a running sum less its value j places back. Entries
    up to k do not depend on how far the array goes, so one array serves every k."""
    counts = np.zeros(n * (n - 1) // 4 + 1)
    counts[0:2] = 1.0
    for j in range(3, n + 1):
        counts = np.cumsum(counts)
        if j < counts.size:
            counts[j:] -= counts[: counts.size - j]
    counts.flags.writeable = False
    return counts
