"""The Orthogonal and Diversity LSTMs (Mohankumar et al. 2020) and conicity, against hand
computations: a numpy step-by-step Orthogonal LSTM, signed and absolute conicity of small
vectors, the training loss with the absolute conicity term, and the orthogonality of the
states."""

import numpy as np
import pytest
import torch

from attnaudit.data.batching import pad
from attnaudit.data.prepare import load_documents, tokenize_documents
from attnaudit.models import ModelConfig, build_model
from attnaudit.models.conicity import conicity
from attnaudit.models.orthogonal import OrthogonalLSTMEncoder
from attnaudit.train import fit, label_loss, make_loss
from tests.model_fixtures import small_rows

pytestmark = pytest.mark.usefixtures("one_thread")


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def ortho_reference(cell: torch.nn.LSTMCell, x: np.ndarray) -> np.ndarray:
    """One direction of the Orthogonal LSTM on one unpadded sequence x (T, E), in numpy
    float64 from the cell's weights: LSTM step, then subtract the projection on the mean
    of the earlier orthogonalised states."""
    w_ih, w_hh = cell.weight_ih.detach().double().numpy(), cell.weight_hh.detach().double().numpy()
    b = (cell.bias_ih + cell.bias_hh).detach().double().numpy()
    n = w_hh.shape[1]
    h, c, earlier = np.zeros(n), np.zeros(n), []
    for x_t in x:
        gates = w_ih @ x_t + w_hh @ h + b
        i, f, g, o = np.split(gates, 4)
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        if earlier:
            m = np.mean(earlier, axis=0)
            h = h - (h @ m) / (m @ m) * m
        earlier.append(h)
    return np.array(earlier)


@pytest.mark.parametrize("bidirectional", [True, False])
def test_orthogonal_lstm_equals_the_step_by_step_reference(bidirectional):
    """Shapes, zeros at padding, and each direction equal to the numpy reference run on
    the sequence alone (the backward direction on the reversed sequence)."""
    torch.manual_seed(0)
    encoder = OrthogonalLSTMEncoder(5, hidden_size=4, bidirectional=bidirectional).double()
    lengths = torch.tensor([6, 1, 3, 6])
    mask = torch.arange(6).expand(4, 6) < lengths.unsqueeze(1)
    x = torch.randn(4, 6, 5, dtype=torch.float64) * mask.unsqueeze(-1)
    with torch.no_grad():
        out = encoder(x, lengths, mask)
    assert out.shape == (4, 6, 8 if bidirectional else 4)
    assert not out[~mask].any()
    for row, n in enumerate(lengths.tolist()):
        seq = x[row, :n].numpy()
        forward = ortho_reference(encoder.cells[0], seq)
        np.testing.assert_allclose(out[row, :n, :4].numpy(), forward, atol=1e-6)
        if bidirectional:
            backward = ortho_reference(encoder.cells[1], seq[::-1])[::-1]
            np.testing.assert_allclose(out[row, :n, 4:].numpy(), backward, atol=1e-6)


def test_orthogonal_lstm_states_are_orthogonal_to_the_mean_of_the_earlier_ones():
    """h_t . mean(h_1 .. h_{t-1}) = 0 in each direction (backward: in reading order from
    the end), relative to the norms."""
    torch.manual_seed(1)
    encoder = OrthogonalLSTMEncoder(6, hidden_size=8)
    lengths = torch.tensor([9, 5])
    mask = torch.arange(9).expand(2, 9) < lengths.unsqueeze(1)
    with torch.no_grad():
        out = encoder(torch.randn(2, 9, 6), lengths, mask)
    for row, n in enumerate(lengths.tolist()):
        for states in (out[row, :n, :8], out[row, :n, 8:].flip(0)):
            for t in range(1, n):
                m = states[:t].mean(0)
                cos = float(states[t] @ m) / float(states[t].norm() * m.norm())
                assert abs(cos) < 1e-5


def test_conicity_by_hand():
    """States (1, 0), (0, 1), (1, 1) and a padded (5, 5): the mean of the three is
    (2/3, 2/3); their cosines to it are 1/sqrt 2, 1/sqrt 2 and 1, so conicity is
    (sqrt 2 + 1) / 3. Parallel states give 1; an instance without items NaN."""
    hidden = torch.tensor(
        [[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [5.0, 5.0]],
         [[1.0, 2.0], [2.0, 4.0], [0.5, 1.0], [0.0, 0.0]],
         [[1.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]],
        dtype=torch.float64,
    )  # fmt: skip
    mask = torch.tensor([[1, 1, 1, 0], [1, 1, 1, 0], [0, 0, 0, 0]]).bool()
    got = conicity(hidden, mask)
    assert float(got[0]) == pytest.approx((np.sqrt(2) + 1) / 3, abs=1e-12)
    assert float(got[1]) == pytest.approx(1.0, abs=1e-12)
    assert torch.isnan(got[2])


def test_signed_and_absolute_conicity_of_opposite_states_by_hand():
    """States (3, 0), (-1, 0), (-1, 0): mean (1/3, 0), cosines 1, -1, -1, so the signed
    conicity is -1/3 (one long state, short ones against it: the signed minimum's regime)
    and the absolute one 1 (they are all on one line). States (1, 0), (0, 1), (1, 1): all
    cosines positive, both (sqrt 2 + 1) / 3."""
    hidden = torch.tensor(
        [[[3.0, 0.0], [-1.0, 0.0], [-1.0, 0.0]],
         [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]],
        dtype=torch.float64,
    )  # fmt: skip
    mask = torch.ones(2, 3, dtype=torch.bool)
    signed, absolute = conicity(hidden, mask), conicity(hidden, mask, absolute=True)
    assert float(signed[0]) == pytest.approx(-1 / 3, abs=1e-12)
    assert float(absolute[0]) == pytest.approx(1.0, abs=1e-12)
    assert float(signed[1]) == float(absolute[1]) == pytest.approx((np.sqrt(2) + 1) / 3)


def test_the_diversity_term_penalises_anti_aligned_states_fully():
    """A Diversity LSTM whose states are (3, 0), (-1, 0), (-1, 0) (set by hand): its loss
    exceeds the label loss by w * 1 (mean |cos|, as Mohankumar et al.'s code), not by
    w * (-1/3), which would reward the degenerate states."""
    config = ModelConfig(vocab_size=20, encoder="diversitylstm", embedding_dim=4,
                         encoder_options={"hidden_size": 1, "diversity_weight": 0.5})  # fmt: skip
    model = build_model(config).double()
    tokens = pad([[5, 6, 7]])
    states = torch.tensor([[[3.0, 0.0], [-1.0, 0.0], [-1.0, 0.0]]], dtype=torch.float64)
    _, real = model.encode(tokens)
    model.encode = lambda token_ids: (states, real)
    loss_fn = make_loss(np.array([0, 1]), 2, weighted=False, device=torch.device("cpu"))
    target = torch.tensor([1])
    penalised = label_loss(model, loss_fn, tokens, ["a"], target).item()
    model.encoder.diversity_weight = 0.0
    plain = label_loss(model, loss_fn, tokens, ["a"], target).item()
    assert penalised - plain == pytest.approx(0.5 * 1.0, abs=1e-12)


@pytest.mark.parametrize("encoder", ["ortholstm", "diversitylstm"])
def test_outputs_and_masks_in_the_classifier(encoder):
    """Hidden states (B, T, H) zero at padding, attention 0 off the real tokens, the same
    output alone and in a padded batch."""
    torch.manual_seed(2)
    model = build_model(ModelConfig(vocab_size=60, encoder=encoder, embedding_dim=8,
                                    encoder_options={"hidden_size": 5})).eval()  # fmt: skip
    rows = small_rows(10, seed=1)
    tokens = pad(list(rows["token_ids"]))
    with torch.no_grad():
        hidden, real = model.encode(tokens)
        logits, weights = model(tokens)
        assert hidden.shape == (*tokens.shape, 10)
        assert not hidden[tokens == 0].any()
        assert torch.all(weights[~real] == 0)
        for i, seq in enumerate(rows["token_ids"]):
            alone, w = model(pad([seq]))
            torch.testing.assert_close(alone[0], logits[i], atol=1e-5, rtol=1e-5)
            torch.testing.assert_close(w[0], weights[i, : len(seq)], atol=1e-6, rtol=1e-5)


def test_diversity_loss_is_the_label_loss_plus_weighted_conicity_by_hand():
    """loss = BCE (positive class weighted) + w * mean over instances of the absolute
    conicity (mean |cos|) of the real tokens' states, both recomputed in numpy from the
    model's states and logits."""
    torch.manual_seed(3)
    config = ModelConfig(vocab_size=60, encoder="diversitylstm", embedding_dim=8,
                         encoder_options={"hidden_size": 4, "diversity_weight": 0.7})  # fmt: skip
    model = build_model(config).double()
    rows = small_rows(6, seed=4)
    tokens = pad(list(rows["token_ids"]))
    target = torch.tensor([1, 0, 1, 1, 0, 0])
    loss_fn = make_loss(np.array([0, 0, 0, 1]), 2, weighted=True, device=torch.device("cpu"))
    got = label_loss(model, loss_fn, tokens, list(rows["id"]), target).item()
    with torch.no_grad():
        logits = model(tokens)[0].numpy()
        hidden, real = model.encode(tokens)
    p = sigmoid(logits)
    y = target.numpy()
    bce = np.mean(-(3.0 * y * np.log(p) + (1 - y) * np.log(1 - p)))  # pos_weight 3 / 1
    cones = []
    for h, m in zip(hidden.numpy(), real.numpy(), strict=True):
        states = h[m]
        mean = states.mean(0)
        cones.append(np.mean(np.abs(states @ mean) / (np.linalg.norm(states, axis=1) *
                                                      np.linalg.norm(mean))))  # fmt: skip
    assert got == pytest.approx(bce + 0.7 * np.mean(cones), rel=1e-9)
    model.encoder.diversity_weight = 0.0
    again = label_loss(model, loss_fn, tokens, list(rows["id"]), target).item()
    assert again == pytest.approx(bce, rel=1e-9)


@pytest.fixture(scope="module")
def table():
    opts = {"seed": 0, "n_train": 200, "n_dev": 40, "n_test": 40, "vocab_size": 80}
    return tokenize_documents("synthetic", load_documents("synthetic", opts, []), min_count=1)


def test_every_run_reports_test_conicity_and_the_diversity_term_lowers_it(table):
    """`test_conicity` is the mean over test instances of the per-instance conicity stored
    in the predictions; training with a large diversity weight gives lower conicity than
    the same BiLSTM without it (same seed)."""
    tbl, vocab = table
    train = {"epochs": 2, "threads": 1, "batch_size": 16}
    runs = {}
    for weight in (0.0, 5.0):
        options = {"hidden_size": 8, "diversity_weight": weight}
        config = ModelConfig(vocab_size=len(vocab), encoder="diversitylstm", embedding_dim=8,
                             encoder_options=options)  # fmt: skip
        runs[weight] = fit(tbl, config, train, seed=1, progress=False)
    for result in runs.values():
        cones = result.predictions["conicity"].to_numpy()
        assert np.all((cones > -1) & (cones <= 1 + 1e-6))
        assert result.test_scores["conicity"] == pytest.approx(float(np.mean(cones)))
        assert "dev_conicity" in result.history
    assert runs[5.0].test_scores["conicity"] < runs[0.0].test_scores["conicity"] - 0.1
