"""Distances and scores of `attnaudit.metrics` on small inputs whose values are worked out by
hand in comments, or computed by scipy (docs/mutation.md: these kill what the mutation run
found the first tests let through)."""

import numpy as np
import pytest
import torch
from scipy import stats

from attnaudit import metrics


def test_tvd_sums_over_the_last_axis_only():
    # (2, 2, 3): TVD per (row, column) pair of distributions
    p = np.array([[[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]], [[0.1, 0.1, 0.8], [0.5, 0.5, 0.0]]])
    q = np.array([[[0.5, 0.3, 0.2], [0.0, 1.0, 0.0]], [[0.1, 0.1, 0.8], [0.0, 0.5, 0.5]]])
    # |.3| + 0 + |.3| = .6 -> .3; 1 + 1 -> 1; 0; .5 + .5 -> .5
    np.testing.assert_allclose(metrics.tvd(p, q), [[0.3, 1.0], [0.0, 0.5]])


def test_jsd_with_zero_entries_against_the_definition():
    # p = (1/2, 1/2, 0), q = (0, 1/2, 1/2): m = (1/4, 1/2, 1/4);
    # KL(p || m) = 1/2 ln 2 + 1/2 ln 1 = ln 2 / 2, the same for q, so JSD = ln 2 / 2
    p, q = np.array([0.5, 0.5, 0.0]), np.array([0.0, 0.5, 0.5])
    assert metrics.jsd(p, q) == pytest.approx(np.log(2) / 2, abs=1e-9)
    # scipy's jensenshannon is the square root of the JSD (natural log)
    rng = np.random.default_rng(3)
    p = rng.dirichlet(np.ones(4), size=20)
    p[:, 0] = 0.0
    p /= p.sum(1, keepdims=True)
    q = rng.dirichlet(np.ones(4), size=20)
    expected = [stats.entropy(a, 0.5 * (a + b)) / 2 + stats.entropy(b, 0.5 * (a + b)) / 2
                for a, b in zip(p, q, strict=True)]  # fmt: skip
    np.testing.assert_allclose(metrics.jsd(p, q), expected, atol=1e-9)


def test_jsd_of_tiny_weights_stays_finite_and_exact():
    # an attention weight that a softmax left at 1e-20: the terms are those of the
    # definition (scipy's entropy), not NaN
    p = np.array([1.0 - 1e-20, 1e-20])
    q = np.array([0.5, 0.5])
    m = 0.5 * (p + q)
    expected = 0.5 * stats.entropy(p, m) + 0.5 * stats.entropy(q, m)
    assert metrics.jsd(p, q) == pytest.approx(expected, rel=1e-9)
    assert metrics.jsd(p, p) == 0.0  # equal distributions, even where m is tiny
    assert metrics.kl(p, p) == 0.0


def test_jsd_is_never_negative_where_rounding_would_make_it_so():
    # near-identical distributions whose unclipped sum rounds to about -1.3e-16
    p = np.array([0.07863185272617876, 0.33624775956570085, 0.3018571545052563,
                  0.11791789821431589, 0.058010978475263535, 0.10733435651328478])  # fmt: skip
    q = np.array([0.07863185308832828, 0.3362477594939553, 0.3018571553190328,
                  0.11791789875713353, 0.05801097784248724, 0.10733435549906283])  # fmt: skip
    m = 0.5 * (p + q)
    assert 0.5 * metrics.kl(p, m) + 0.5 * metrics.kl(q, m) < 0  # what the clip is for
    assert metrics.jsd(p, q) == 0.0
    assert float(metrics.jsd(torch.tensor(p), torch.tensor(q))) == 0.0  # the same on tensors


def test_kl_ignores_zero_entries_of_p():
    # KL((1/2, 1/2, 0) || (1/4, 1/4, 1/2)) = ln 2
    assert metrics.kl([0.5, 0.5, 0.0], [0.25, 0.25, 0.5]) == pytest.approx(np.log(2), abs=1e-9)


def test_k_class_scores_take_each_rows_argmax():
    # first three rows: predictions 1, 1, 0 (row-wise argmax), labels 1, 0, 0;
    # F1 = 2 tp / (labels + predictions): class 0: tp 1, 2 labels, 1 prediction -> 2/3;
    # class 1: tp 1, 1 label, 2 predictions -> 2/3; class 2: none of either -> 0
    # a fourth row, (0.3, 0.3, 0.4) labelled 2, adds a correct class-2 prediction: accuracy
    # 3/4, F1 of class 2 is 1, the mean over the 3 classes (4 rows, not 4 classes)
    probs = np.array([[0.2, 0.7, 0.1], [0.1, 0.5, 0.4], [0.6, 0.3, 0.1], [0.3, 0.3, 0.4]])
    scores = metrics.classification_scores(np.array([1, 0, 0, 2]), probs)
    assert scores["accuracy"] == pytest.approx(3 / 4)
    assert scores["f1"] == pytest.approx((2 / 3 + 2 / 3 + 1.0) / 3)
    # class 2 neither labelled nor predicted: its F1 is 0
    scores = metrics.classification_scores(np.array([1, 0, 0]), probs[:3])
    assert scores["accuracy"] == pytest.approx(2 / 3)
    assert scores["f1"] == pytest.approx((2 / 3 + 2 / 3 + 0.0) / 3)


def test_binary_scores_threshold_at_one_half():
    # p = 0.5 predicts the positive class
    scores = metrics.classification_scores(np.array([1, 0]), np.array([0.5, 0.49]))
    assert scores["accuracy"] == 1.0 and scores["f1"] == 1.0 and scores["roc_auc"] == 1.0


def test_roc_auc_with_one_negative_and_one_class():
    # positives 0.9, 0.4, 0.2 against the negative 0.3: 2 of 3 pairs ranked right
    assert metrics.roc_auc([1, 1, 1, 0], [0.9, 0.4, 0.2, 0.3]) == pytest.approx(2 / 3)
    assert metrics.roc_auc([0, 1], [0.1, 0.2]) == 1.0
    assert np.isnan(metrics.roc_auc([1, 1], [0.1, 0.2]))
    assert np.isnan(metrics.roc_auc([0, 0], [0.1, 0.2]))


def test_f1_is_twice_the_true_positives_over_labels_plus_predictions():
    # tp 2, 3 positive labels, 3 positive predictions: 4 / 6
    assert metrics.f1_score([1, 1, 1, 0], [1, 1, 0, 1]) == pytest.approx(2 / 3)
    assert metrics.f1_score([1, 0], [0, 1]) == 0.0  # no true positive
    assert metrics.f1_score([0, 0], [0, 0]) == 0.0  # nothing to find, nothing found
