"""attnaudit.kendall.tau_b: hand-worked tau-b and exact p-values, the NaN cases, and
scipy.stats.kendalltau itself on seeded random vectors of every length 2..60."""

from __future__ import annotations

import itertools
import math
import warnings
from fractions import Fraction

import numpy as np
import pytest
from scipy import stats

from attnaudit import kendall


def one(x, y) -> tuple[float, float]:
    tau, p = kendall.tau_b([np.asarray(x, dtype=float)], [np.asarray(y, dtype=float)])
    return float(tau[0]), float(p[0])


def pair_count_tau_b(x, y) -> float:
    """Tau-b by counting every pair: (C - D) / sqrt((P - X) (P - Y))."""
    pairs = list(itertools.combinations(range(len(x)), 2))
    s = [np.sign(x[i] - x[j]) * np.sign(y[i] - y[j]) for i, j in pairs]
    tx = sum(x[i] == x[j] for i, j in pairs)
    ty = sum(y[i] == y[j] for i, j in pairs)
    return sum(s) / np.sqrt((len(pairs) - tx) * (len(pairs) - ty))


def test_two_items_are_plus_or_minus_one_with_p_one():
    # one pair, concordant or discordant; the exact two-sided p-value of n = 2 is 1
    assert one([0.2, 0.7], [1.0, 3.0]) == (1.0, 1.0)
    assert one([0.2, 0.7], [3.0, 1.0]) == (-1.0, 1.0)


def test_exact_p_values_of_four_items_by_hand():
    # permutations of 4 by inversions: 1, 3, 5, 6, 5, 3, 1 of 24.
    # one discordant pair of 6: tau = (5 - 1) / 6, p = 2 (1 + 3) / 24
    tau, p = one([1, 2, 3, 4], [2, 1, 3, 4])
    assert tau == pytest.approx(2 / 3, abs=1e-15) and p == pytest.approx(1 / 3, rel=1e-15)
    # two discordant: tau = (4 - 2) / 6, p = 2 (1 + 3 + 5) / 24
    tau, p = one([1, 2, 3, 4], [2, 1, 4, 3])
    assert tau == pytest.approx(1 / 3, abs=1e-15) and p == pytest.approx(0.75, rel=1e-15)
    # three discordant of six: the centre of the distribution, p = 1
    assert one([1, 2, 3, 4], [3, 1, 4, 2]) == (0.0, 1.0)
    # reversed: no concordant pair, p = 2 / 4!
    assert one([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx((-1.0, 1 / 12), rel=1e-15)


def test_ties_give_tau_b_and_the_tie_corrected_normal_p_value():
    x = np.array([1.0, 2.0, 2.0, 3.0, 3.0, 3.0])
    y = np.array([1.0, 1.0, 2.0, 2.0, 3.0, 1.0])
    # pairs: 15; tied in x 1 + 3 = 4, in y 3 + 1 = 4; C - D = 5 (counted below)
    assert pair_count_tau_b(x, y) == pytest.approx(5 / 11)
    tau, p = one(x, y)
    assert tau == pytest.approx(5 / 11, abs=1e-15)
    # var = (m (2n + 5) - x1 - y1) / 18 + 2 X Y / m + x0 y0 / (9 m (n - 2)), m = n (n - 1):
    # x groups 2, 3: x1 = 2*1*9 + 3*2*11 = 84, x0 = 6; y groups 3, 2: the same
    m = 30.0
    var = (m * 17 - 84 - 84) / 18 + 2 * 4 * 4 / m + 6 * 6 / (9 * m * 4)
    z = 5 / np.sqrt(var)
    assert p == pytest.approx(2 * stats.norm.sf(z), rel=1e-12)


def test_nan_for_short_constant_or_nan_input():
    for x, y in [([], []), ([0.5], [0.1]), ([0.3, 0.3, 0.3], [1.0, 2.0, 3.0]),
                 ([1.0, 2.0, 3.0], [5.0, 5.0, 5.0]), ([1.0, np.nan, 3.0], [1.0, 2.0, 3.0]),
                 ([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 4.0, np.nan])]:  # fmt: skip
        assert all(np.isnan(one(x, y))), (x, y)


def test_mismatched_lengths_are_refused():
    with pytest.raises(ValueError, match="same length"):
        kendall.tau_b([np.zeros(3)], [np.zeros(4)])
    with pytest.raises(ValueError, match="2 x vectors but 1"):
        kendall.tau_b([np.zeros(3), np.zeros(3)], [np.zeros(3)])


def draws(rng: np.random.Generator):
    """Pairs of every length 2..60: continuous (no ties, exact p up to n = 33), small-range
    integers (ties, the tie-corrected variance), and near-agreement (one or two adjacent
    swaps: one discordant pair takes scipy's exact path at any n, two do not above 33);
    and some on both sides of `LONGEST`, beyond which scipy is called itself."""
    for n in range(2, 61):
        for _ in range(4):
            yield rng.normal(size=n), rng.normal(size=n)
            yield rng.integers(0, 3, n).astype(float), rng.integers(0, 5, n).astype(float)
            yield rng.integers(0, 8, n).astype(float), rng.normal(size=n)
        x = np.sort(rng.normal(size=n))
        for swaps in (1, 2):
            y = x.copy()
            for i in rng.choice(n // 2, size=min(swaps, n // 2), replace=False):
                y[[2 * i, 2 * i + 1]] = y[[2 * i + 1, 2 * i]]
            yield x, y
            yield x, -y
    for n in (kendall.LONGEST, kendall.LONGEST + 1, 2 * kendall.LONGEST):
        yield rng.integers(0, 3, n).astype(float), rng.normal(size=n)
        yield rng.normal(size=n), rng.normal(size=n)
        yield np.ones(n), rng.normal(size=n)


def scipy_reference(xs, ys) -> tuple[np.ndarray, np.ndarray]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy warns on constant input
        res = [stats.kendalltau(x, y) for x, y in zip(xs, ys, strict=True)]
    return np.array([r.statistic for r in res]), np.array([r.pvalue for r in res])


@pytest.mark.parametrize("max_cells", [None, 200])
def test_matches_scipy_at_every_length_with_and_without_ties(monkeypatch, max_cells):
    if max_cells is not None:  # chunks of a few pairs each: the split must not matter
        monkeypatch.setattr(kendall, "_MAX_CELLS", max_cells)
    rng = np.random.default_rng(30)
    xs, ys = map(list, zip(*draws(rng), strict=True))
    order = rng.permutation(len(xs))  # lengths mixed in one call
    xs, ys = [xs[i] for i in order], [ys[i] for i in order]
    ref_tau, ref_p = scipy_reference(xs, ys)
    tau, p = kendall.tau_b(xs, ys)
    np.testing.assert_allclose(tau, ref_tau, rtol=0, atol=1e-12)
    np.testing.assert_allclose(p, ref_p, rtol=1e-12, atol=0)
    # the draws reach every path: ties, constants (NaN), exact and asymptotic p-values
    assert np.isnan(ref_tau).sum() > 0 and np.isfinite(ref_tau).sum() > 900
    assert (ref_p < 1e-6).sum() > 50


def permutations_by_inversions(n: int) -> list[int]:
    """Exact integer counts: the coefficients of prod_{j=1..n} (1 + q + ... + q^(j - 1))."""
    counts = [1]
    for j in range(1, n + 1):
        new = [0] * (len(counts) + j - 1)
        for k, c in enumerate(counts):
            for extra in range(j):
                new[k + extra] += c
        counts = new
    return counts


def test_exact_pvalue_is_twice_the_lower_tail_of_the_exact_distribution():
    for n in range(3, kendall.EXACT_MAX_N + 1):
        counts = permutations_by_inversions(n)
        total = n * (n - 1) // 2
        assert sum(counts) == math.factorial(n) and len(counts) == total + 1
        for c in range(total + 1):
            low = min(c, total - c)
            want = min(1.0, 2 * Fraction(sum(counts[: low + 1]), math.factorial(n)))
            assert kendall.exact_pvalue(n, c) == pytest.approx(float(want), rel=1e-12), (n, c)
