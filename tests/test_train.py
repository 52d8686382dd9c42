import numpy as np
import pytest
import torch

from attnaudit import io
from attnaudit.data.prepare import load_documents, tokenize_documents
from attnaudit.models import ModelConfig, build_model
from attnaudit.train import fit

TRAIN = {"epochs": 2, "threads": 1, "batch_size": 16}


@pytest.fixture(scope="module")
def table():
    opts = {"seed": 0, "n_train": 300, "n_dev": 60, "n_test": 60, "vocab_size": 100}
    docs = load_documents("synthetic", opts, [])
    return tokenize_documents("synthetic", docs, min_count=1)


def test_same_seed_same_metrics_and_attention(table):
    tbl, vocab = table
    config = ModelConfig(vocab_size=len(vocab), encoder="lstm", embedding_dim=16)
    a, b = (fit(tbl, config, TRAIN, seed=7, progress=False) for _ in range(2))
    c = fit(tbl, config, TRAIN, seed=8, progress=False)
    assert a.test_scores == b.test_scores
    for wa, wb in zip(a.predictions["attention"], b.predictions["attention"], strict=True):
        np.testing.assert_array_equal(wa, wb)
    assert not np.array_equal(np.stack(a.predictions["probs"]), np.stack(c.predictions["probs"]))


def test_learns_the_planted_signal_and_selects_on_dev(table):
    tbl, vocab = table
    config = ModelConfig(vocab_size=len(vocab), encoder="average", embedding_dim=16)
    result = fit(tbl, config, {**TRAIN, "epochs": 8, "lr": 1.0e-2}, seed=1, progress=False)
    assert result.test_scores["accuracy"] > 0.8
    best = result.history["dev_roc_auc"].idxmax()
    assert result.best_epoch == result.history.loc[best, "epoch"]
    lengths = result.predictions["length"].to_numpy()
    assert all(len(w) == n for w, n in zip(result.predictions["attention"], lengths, strict=True))
    np.testing.assert_allclose([w.sum() for w in result.predictions["attention"]], 1.0, rtol=1e-6)


def test_checkpoint_round_trip_with_weights_only(table, tmp_path):
    tbl, vocab = table
    config = ModelConfig(vocab_size=len(vocab), encoder="cnn", embedding_dim=16)
    result = fit(tbl, config, {**TRAIN, "epochs": 1}, seed=1, progress=False)
    path = tmp_path / "model.pt"
    io.save_checkpoint(path, {"config": config.to_dict(), "state_dict": result.model.state_dict()})
    state = io.load_checkpoint(path)
    model = build_model(state["config"])
    model.load_state_dict(state["state_dict"])
    tokens = torch.tensor([[2, 5, 6, 7, 3]])
    torch.testing.assert_close(model.eval()(tokens)[0], result.model.eval()(tokens)[0])


def test_cuda_request_without_gpu_is_an_error(table):
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    tbl, vocab = table
    with pytest.raises(RuntimeError, match="device: cuda"):
        fit(tbl, ModelConfig(vocab_size=len(vocab)), {**TRAIN, "device": "cuda"}, seed=1)
