"""Training against hand computations: the class-weighted losses, the dev split's checks,
and epoch selection on dev only (never test, never train), on a tiny synthetic dataset."""

import numpy as np
import pytest

from attnaudit import train
from attnaudit.data.prepare import load_documents, tokenize_documents
from attnaudit.models import ModelConfig
from attnaudit.train import fit

TRAIN = {"epochs": 5, "threads": 1, "batch_size": 16, "lr": 2.0e-2}


@pytest.fixture(scope="module")
def data():
    opts = {"seed": 3, "n_train": 96, "n_dev": 40, "n_test": 40, "vocab_size": 60,
            "min_length": 6, "max_length": 12}  # fmt: skip
    table, vocab = tokenize_documents("synthetic", load_documents("synthetic", opts, []), 1)
    config = ModelConfig(vocab_size=len(vocab), encoder="average", embedding_dim=8,
                         encoder_options={"hidden_size": 8})  # fmt: skip
    return table, config


# -- the dev split ---------------------------------------------------------------------------
@pytest.fixture
def no_training(monkeypatch):
    """Fail the test if a training batch is ever drawn."""

    def refuse(*args, **kwargs):
        raise AssertionError("training started")

    monkeypatch.setattr(train, "bucketed_batches", refuse)


@pytest.mark.parametrize("label", [0, 1])
def test_single_class_dev_split_is_an_error_before_training(data, label, no_training):
    table, config = data
    table = table.assign(label=np.where(table["split"] == "dev", label, table["label"]))
    with pytest.raises(ValueError, match=rf"dev split has a single class \(label {label}"):
        fit(table, config, TRAIN, seed=1, progress=False)


def test_empty_dev_split_is_an_error_before_training(data, no_training):
    table, config = data
    with pytest.raises(ValueError, match="dev split is empty"):
        fit(table[table["split"] != "dev"], config, TRAIN, seed=1, progress=False)


def test_no_finite_dev_score_in_any_epoch_is_a_clear_error(data, monkeypatch):
    table, config = data
    monkeypatch.setattr(train, "scores_of", lambda p, k: {"accuracy": 0.5, "roc_auc": np.nan})
    with pytest.raises(RuntimeError, match="no epoch gave a finite dev roc_auc"):
        fit(table, config, {**TRAIN, "epochs": 2}, seed=1, progress=False)
