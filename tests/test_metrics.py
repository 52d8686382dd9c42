import numpy as np
import pytest
from scipy import stats

from attnaudit import metrics


def test_tvd_binary_is_absolute_difference():
    p, q = np.array([[0.1, 0.9], [0.8, 0.2]]), np.array([[0.4, 0.6], [0.8, 0.2]])
    np.testing.assert_allclose(metrics.tvd(p, q), [0.3, 0.0])


def test_jsd_bounds_and_symmetry():
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(5), size=200)
    q = rng.dirichlet(np.ones(5), size=200)
    d = metrics.jsd(p, q)
    assert np.all(d >= 0) and np.all(d <= np.log(2) + 1e-12)
    np.testing.assert_allclose(d, metrics.jsd(q, p))
    np.testing.assert_allclose(metrics.jsd(p, p), 0.0, atol=1e-9)
    # Disjoint supports reach the maximum ln 2.
    assert metrics.jsd(np.array([1.0, 0.0]), np.array([0.0, 1.0])) == pytest.approx(np.log(2))


def test_kendall_tau_identical_and_reversed():
    a = np.array([0.1, 0.5, 0.2, 0.9])
    assert metrics.kendall_tau(a, a)[0] == pytest.approx(1.0)
    assert metrics.kendall_tau(a, -a)[0] == pytest.approx(-1.0)
    assert np.isnan(metrics.kendall_tau([1.0], [2.0])[0])


def test_roc_auc_matches_mann_whitney_with_ties():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 2, 300)
    scores = np.round(rng.random(300) + 0.3 * labels, 1)  # many ties
    u = stats.mannwhitneyu(scores[labels == 1], scores[labels == 0]).statistic
    expected = u / ((labels == 1).sum() * (labels == 0).sum())
    assert metrics.roc_auc(labels, scores) == pytest.approx(expected)


def test_f1_and_accuracy():
    scores = metrics.classification_scores(np.array([1, 1, 0, 0]), np.array([0.9, 0.4, 0.6, 0.1]))
    assert scores["accuracy"] == 0.5
    assert scores["f1"] == pytest.approx(0.5)  # tp=1, fp=1, fn=1
    multi = metrics.classification_scores(np.array([0, 1, 2]), np.eye(3))
    assert multi == {"accuracy": 1.0, "f1": 1.0}
