"""Attention rollout and attention flow against independent references: numbers worked out
by hand, explicit numpy loops over the definition, and a re-implementation of Abnar &
Zuidema's `compute_flows` (samiraabnar/attention_flow) on the explicit adjacency matrix.
The augmented matrices are written out here from the raw attention: A' = (A + I) / row sum
after the head mean, r = (top_row + e_0) / (its sum + 1)."""

import networkx as nx
import numpy as np
import pytest
import torch

from attnaudit.importance.propagation import flow, rollout

pytestmark = pytest.mark.usefixtures("one_thread")


def tensor(rows) -> torch.Tensor:
    return torch.tensor(rows, dtype=torch.float64)


# two lower layers, T = 3. Layer 1 has two heads whose mean is
#   A_1 = [[0, 1, 0], [.5, 0, .5], [0, 1, 0]]  ->  A'_1 = [[.5, .5, 0], [.25, .5, .25], [0, .5, .5]]
HEADS_1 = [[[0, 1, 0], [1, 0, 0], [0, 1, 0]], [[0, 1, 0], [0, 0, 1], [0, 1, 0]]]
# A_2 = [[0, 0, 1], [1, 0, 0], [1, 0, 0]]  ->  A'_2 = [[.5, 0, .5], [.5, .5, 0], [.5, 0, .5]]
HEADS_2 = [[[0, 0, 1], [1, 0, 0], [1, 0, 0]]]
# top_row = [0, 1, 0]  ->  r = [.5, .5, 0]
TOP = [[0, 1, 0]]


def test_rollout_by_hand():
    # r A'_2 = .5 [.5, 0, .5] + .5 [.5, .5, 0] = [.5, .25, .25]
    # (r A'_2) A'_1 = .5 [.5, .5, 0] + .25 [.25, .5, .25] + .25 [0, .5, .5]
    #               = [.3125, .5, .1875]
    # (bottom to top, r A'_1 A'_2, would be [.5, .25, .25]; without the residual [0, 1, 0])
    rolled = rollout([tensor([HEADS_1]), tensor([HEADS_2])], tensor(TOP))
    torch.testing.assert_close(rolled, tensor([[0.3125, 0.5, 0.1875]]), rtol=0, atol=1e-12)


def test_rollout_identity_attention():
    """Every position attending only to itself moves nothing: the rollout is r, and e_0 when
    the top row is e_0 too."""
    eye = torch.eye(4, dtype=torch.float64).expand(1, 2, 4, 4)
    e0 = tensor([[1, 0, 0, 0]])
    torch.testing.assert_close(rollout([eye, eye, eye], e0), e0, rtol=0, atol=1e-12)
    top = tensor([[0, 0.25, 0.75, 0]])
    expected = tensor([[0.5, 0.125, 0.375, 0]])
    torch.testing.assert_close(rollout([eye, eye], top), expected, rtol=0, atol=1e-12)


def hf_attention(seed: int, lengths: list[int], size: int, heads: int, n_layers: int):
    """Attention as a Hugging Face encoder returns it for a padded batch: each real query's
    row a softmax over the real keys (peaked, so flows differ), padding key columns 0;
    padded queries' rows are junk over all keys (the code must never read them). The top
    row is 0 at [CLS] (0), [SEP] (the last real position) and padding."""
    gen = torch.Generator().manual_seed(seed)
    real = torch.arange(size)[None, :] < torch.tensor(lengths)[:, None]
    layers = []
    for _ in range(n_layers):
        scores = 3 * torch.randn(
            len(lengths), heads, size, size, generator=gen, dtype=torch.float64
        )
        weights = scores.masked_fill(~real[:, None, None, :], -torch.inf).softmax(-1)
        junk = torch.rand(scores.shape, generator=gen, dtype=torch.float64)
        junk = junk / junk.sum(-1, keepdim=True)
        layers.append(torch.where(real[:, None, :, None], weights, junk))
    content = real.clone()
    content[:, 0] = False
    content[torch.arange(len(lengths)), torch.tensor(lengths) - 1] = False
    scores = 3 * torch.randn(len(lengths), size, generator=gen, dtype=torch.float64)
    top = scores.masked_fill(~content, -torch.inf).softmax(-1)
    return layers, top, real


def augmented_by_loops(attention: np.ndarray) -> np.ndarray:
    """A' of one instance's layer (heads, n, n), element by element."""
    heads, n, _ = attention.shape
    out = np.zeros((n, n))
    for i in range(n):
        mean = [sum(attention[h, i, j] for h in range(heads)) / heads for j in range(n)]
        row = [mean[j] + (1.0 if i == j else 0.0) for j in range(n)]
        out[i] = [value / sum(row) for value in row]
    return out


def top_by_loops(top: np.ndarray) -> np.ndarray:
    row = [value + (1.0 if j == 0 else 0.0) for j, value in enumerate(top)]
    return np.array([value / sum(row) for value in row])


def test_rollout_matches_explicit_loops():
    layers, top, real = hf_attention(seed=1, lengths=[6, 6], size=6, heads=3, n_layers=3)
    rolled = rollout(layers, top)
    for b in range(2):
        vector = top_by_loops(top[b].numpy())
        for attention in reversed(layers):  # r A'_L first, then A'_(L-1), ...
            matrix = augmented_by_loops(attention[b].numpy())
            vector = np.array([sum(vector[i] * matrix[i, j] for i in range(6)) for j in range(6)])
        np.testing.assert_allclose(rolled[b].numpy(), vector, rtol=0, atol=1e-12)
        assert rolled[b].sum().item() == pytest.approx(1.0, abs=1e-12)


def test_flow_bottleneck_by_hand():
    # A_2 = [[0, .8, .2], [1, 0, 0], [1, 0, 0]] -> A'_2 = [[.5, .4, .1], [.5, .5, 0], [.5, 0, .5]]
    # A_1 = [[0, 1, 0], [1, 0, 0], [0, 1, 0]]   -> A'_1 = [[.5, .5, 0], [.5, .5, 0], [0, .5, .5]]
    # r = [.5, .5, 0]. Input 2 is reached only through layer-1 node 2 (A'_1[2, 2] = .5),
    # which the source reaches only through layer-2 node 0 (A'_2[0, 2] = .1): flow .1,
    # though rollout gives it .025. Inputs 0 and 1 each take the whole unit the source
    # sends: layer-2 node 0 -> layer-1 node 0 -> input (.5), node 1 -> node 1 -> input (.5).
    layers = [
        tensor([[[[0, 1, 0], [1, 0, 0], [0, 1, 0]]]]),
        tensor([[[[0, 0.8, 0.2], [1, 0, 0], [1, 0, 0]]]]),
    ]
    mask = torch.ones(1, 3, dtype=torch.bool)
    torch.testing.assert_close(
        flow(layers, tensor(TOP), mask), tensor([[1.0, 1.0, 0.1]]), rtol=0, atol=1e-9
    )


def compute_flows_reference(layers: list[np.ndarray], top: np.ndarray) -> np.ndarray:
    """Their `get_adjmat` + `compute_flows` for one instance, unnormalised: every layer,
    the top one included, as a full (n, n) matrix (the top's row 0 is r, its other rows
    never reached) stacked into one ((L + 2) n)^2 adjacency matrix, node l n + i =
    position i above layer l; max flow from the top layer's node 0 to each input node."""
    n = top.shape[0]
    top_matrix = np.eye(n)
    top_matrix[0] = top_by_loops(top)
    matrices = [augmented_by_loops(attention) for attention in layers] + [top_matrix]
    adjacency = np.zeros(((len(matrices) + 1) * n, (len(matrices) + 1) * n))
    for level, matrix in enumerate(matrices, start=1):
        for i in range(n):
            for j in range(n):
                adjacency[level * n + i, (level - 1) * n + j] = matrix[i, j]
    graph = nx.from_numpy_array(adjacency, create_using=nx.DiGraph, edge_attr="capacity")
    source = len(matrices) * n
    return np.array(
        [
            nx.maximum_flow_value(graph, source, j, flow_func=nx.algorithms.flow.edmonds_karp)
            for j in range(n)
        ]
    )


def test_flow_matches_compute_flows():
    layers, top, real = hf_attention(seed=2, lengths=[5, 5], size=5, heads=2, n_layers=3)
    flows = flow(layers, top, real).numpy()
    for b in range(2):
        expected = compute_flows_reference(
            [attention[b].numpy() for attention in layers], top[b].numpy()
        )
        assert expected.min() < 0.9  # peaked attention: not every input saturates
        np.testing.assert_allclose(flows[b], expected, rtol=0, atol=1e-9)


@pytest.mark.parametrize("method", ["rollout", "flow"])
def test_padding_changes_nothing(method):
    """A padded batch gives each instance the values it gets alone, and 0 at padding."""
    lengths = [7, 4, 5]
    layers, top, real = hf_attention(seed=3, lengths=lengths, size=7, heads=2, n_layers=3)

    def run(lower, top_row, mask):
        return rollout(lower, top_row) if method == "rollout" else flow(lower, top_row, mask)

    batch = run(layers, top, real)
    for b, n in enumerate(lengths):
        alone = run(
            [a[b : b + 1, :, :n, :n] for a in layers], top[b : b + 1, :n], real[b : b + 1, :n]
        )
        torch.testing.assert_close(batch[b : b + 1, :n], alone, rtol=0, atol=1e-12)
        assert torch.all(batch[b, n:] == 0)


def test_flow_one_max_flow_per_real_position(monkeypatch):
    """The stated cost: n max-flows per instance of real length n on its real positions'
    graph, padding dropped first (padding's values alone would be 0 anyway: it is cut off
    from the source, so only this count sees a graph built over the padded length)."""
    layers, top, real = hf_attention(seed=4, lengths=[6, 3, 4], size=6, heads=2, n_layers=2)
    sizes = []
    max_flow = nx.maximum_flow_value

    def counted(graph, *args, **kwargs):
        sizes.append(graph.number_of_nodes())
        return max_flow(graph, *args, **kwargs)

    monkeypatch.setattr(nx, "maximum_flow_value", counted)
    flow(layers, top, real)
    # per instance n calls on 1 + 3 n nodes: the source, two lower layers, the inputs
    assert sizes == [1 + 3 * 6] * 6 + [1 + 3 * 3] * 3 + [1 + 3 * 4] * 4


def test_no_lower_layers_gives_the_top_row():
    """A one-layer encoder: both are r, the [SEP] input (r = 0 there) getting no flow."""
    top = tensor([[0, 0.25, 0.75, 0]])
    expected = tensor([[0.5, 0.125, 0.375, 0]])
    torch.testing.assert_close(rollout([], top), expected, rtol=0, atol=1e-12)
    mask = torch.ones(1, 4, dtype=torch.bool)
    torch.testing.assert_close(flow([], top, mask), expected, rtol=0, atol=1e-9)
