import numpy as np
import pytest
import torch
from scipy import stats
from scipy.spatial.distance import jensenshannon

from attnaudit import metrics

# one definition of TVD and JSD for numpy arrays and torch tensors: every check runs on both
BACKENDS = pytest.mark.parametrize("backend", [np.asarray, torch.tensor], ids=["numpy", "torch"])


def sparse_pairs(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """40 pairs of distributions over 6 items, a quarter with exact zeros in p (sparse
    attention, padding) and a quarter with q sharper than p."""
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.ones(6), size=40)
    q = rng.dirichlet(np.full(6, 0.3), size=40)
    p[:10, :2] = 0.0
    p /= p.sum(-1, keepdims=True)
    return p, q


@BACKENDS
def test_jsd_is_scipys_jensenshannon_squared_on_numpy_and_torch(backend):
    # scipy's jensenshannon is sqrt(JSD), natural log by default
    p, q = sparse_pairs(7)
    got = metrics.jsd(backend(p), backend(q))
    assert isinstance(got, type(backend(p)))
    np.testing.assert_allclose(np.asarray(got), jensenshannon(p, q, axis=-1) ** 2, atol=1e-11)
    one_hot = backend(np.eye(3))
    np.testing.assert_allclose(np.asarray(metrics.jsd(one_hot, one_hot[[1, 2, 0]])), np.log(2))


def test_jsd_of_float32_tensors_stays_float32_and_close_to_scipy():
    p, q = sparse_pairs(8)
    got = metrics.jsd(torch.tensor(p, dtype=torch.float32), torch.tensor(q, dtype=torch.float32))
    assert got.dtype == torch.float32
    np.testing.assert_allclose(got.numpy(), jensenshannon(p, q, axis=-1) ** 2, atol=2e-6)


@BACKENDS
def test_tvd_by_hand_on_numpy_and_torch(backend):
    # |0.2 - 0.5| + 0 + |0.5 - 0.2| = 0.6 -> 0.3; disjoint -> 1; (0.1, 0.9) vs (0.4, 0.6) -> 0.3
    p = backend(np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0], [0.1, 0.9, 0.0]]))
    q = backend(np.array([[0.5, 0.3, 0.2], [0.0, 0.5, 0.5], [0.4, 0.6, 0.0]]))
    np.testing.assert_allclose(np.asarray(metrics.tvd(p, q)), [0.3, 1.0, 0.3], atol=1e-15)


def test_torch_gradients_of_jsd_and_tvd_match_finite_differences():
    # central differences (gradcheck) at interior points, float64: the adversaries' gradients
    p, q = (torch.tensor(x[10:14]).requires_grad_(True) for x in sparse_pairs(9))
    assert torch.autograd.gradcheck(metrics.jsd, (p, q), eps=1e-6, atol=1e-6)
    assert torch.autograd.gradcheck(metrics.tvd, (p, q), eps=1e-6, atol=1e-6)
    # by hand at one point: dJSD/dp_k = 1/2 ln(2 p_k / (p_k + q_k))
    (grad,) = torch.autograd.grad(metrics.jsd(p[0], q[0]), p)
    expected = 0.5 * torch.log(2 * p[0] / (p[0] + q[0]))
    torch.testing.assert_close(grad[0], expected.detach(), atol=1e-9, rtol=1e-9)


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
