"""Training against hand computations: the class-weighted losses, the dev split's checks,
and epoch selection on dev only (never test, never train), on a tiny synthetic dataset."""

import numpy as np
import pandas as pd
import pytest
import torch
from scipy import stats

from attnaudit import train
from attnaudit.data.batching import pad
from attnaudit.data.prepare import load_documents, tokenize_documents
from attnaudit.models import ModelConfig
from attnaudit.train import fit, make_loss

pytestmark = pytest.mark.usefixtures("one_thread")

TRAIN = {"epochs": 5, "threads": 1, "batch_size": 16, "lr": 2.0e-2}


@pytest.fixture(scope="module")
def data():
    opts = {"seed": 3, "n_train": 96, "n_dev": 40, "n_test": 40, "vocab_size": 60,
            "min_length": 6, "max_length": 12}  # fmt: skip
    table, vocab = tokenize_documents("synthetic", load_documents("synthetic", opts, []), 1)
    config = ModelConfig(vocab_size=len(vocab), encoder="average", embedding_dim=8,
                         encoder_options={"hidden_size": 8})  # fmt: skip
    return table, config


# -- class weights ---------------------------------------------------------------------------
def test_binary_loss_weights_the_positive_class_by_negatives_over_positives():
    """3 negatives and 1 positive: each positive term counts 3 times, negatives once."""
    loss = make_loss(np.array([0, 0, 0, 1]), 2, True, torch.device("cpu"))
    logits = torch.tensor([0.5, -1.0, 2.0, 0.3])
    target = torch.tensor([1.0, 0.0, 0.0, 1.0])
    p = 1.0 / (1.0 + np.exp(-logits.numpy().astype(np.float64)))
    terms = [-3.0 * np.log(p[0]), -np.log(1 - p[1]), -np.log(1 - p[2]), -3.0 * np.log(p[3])]
    assert float(loss(logits, target)) == pytest.approx(np.mean(terms), rel=1e-6)
    inverse = [-np.log(p[0]) / 3, -np.log(1 - p[1]), -np.log(1 - p[2]), -np.log(p[3]) / 3]
    assert float(loss(logits, target)) != pytest.approx(np.mean(inverse), rel=1e-3)
    unweighted = make_loss(np.array([0, 0, 0, 1]), 2, False, torch.device("cpu"))
    plain = [-np.log(p[0]), -np.log(1 - p[1]), -np.log(1 - p[2]), -np.log(p[3])]
    assert float(unweighted(logits, target)) == pytest.approx(np.mean(plain), rel=1e-6)


def test_k_class_loss_weights_classes_by_n_over_k_counts():
    """Counts 3, 1, 2 of 6: weights 6 / (3 * count) = 2/3, 2, 1; the mean is weighted."""
    loss = make_loss(np.array([0, 0, 0, 1, 2, 2]), 3, True, torch.device("cpu"))
    logits = torch.tensor([[1.0, 0.0, -1.0], [0.2, 0.4, 0.1], [-0.5, 0.0, 2.0]])
    target = torch.tensor([0, 1, 2])
    z = logits.numpy().astype(np.float64)
    nll = -(z[range(3), [0, 1, 2]] - np.log(np.exp(z).sum(1)))
    w = np.array([2 / 3, 2.0, 1.0])
    assert float(loss(logits, target)) == pytest.approx((w * nll).sum() / w.sum(), rel=1e-6)


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


# -- epoch selection -------------------------------------------------------------------------
def dev_roc_auc(model, rows: pd.DataFrame) -> float:
    """ROC-AUC of `model` on `rows` from its forward pass, by scipy's Mann-Whitney U."""
    with torch.no_grad():
        p = [float(torch.sigmoid(model(pad([s]))[0])[0]) for s in rows["token_ids"]]
    p, labels = np.array(p), rows["label"].to_numpy()
    u = stats.mannwhitneyu(p[labels == 1], p[labels == 0]).statistic
    return u / ((labels == 1).sum() * (labels == 0).sum())


def test_shuffled_test_labels_change_neither_the_epoch_nor_the_weights(data):
    table, config = data
    shuffled = table.copy()
    test = shuffled["split"] == "test"
    shuffled.loc[test, "label"] = np.random.default_rng(0).permutation(table.loc[test, "label"])
    assert (shuffled["label"] != table["label"]).sum() > 5
    a = fit(table, config, TRAIN, seed=2, progress=False)
    b = fit(shuffled, config, TRAIN, seed=2, progress=False)
    assert a.best_epoch == b.best_epoch
    pd.testing.assert_frame_equal(a.history.drop(columns="seconds"),
                                  b.history.drop(columns="seconds"))  # fmt: skip
    sa, sb = a.model.state_dict(), b.model.state_dict()
    assert sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_the_epoch_is_chosen_on_dev(data, monkeypatch):
    """Dev labels inverted: the model learns the true labels, so its dev ROC-AUC falls as
    training goes on and the epoch best on dev is an early one, worst on train and test.
    The kept model's dev ROC-AUC, recomputed here, is the highest of the epoch log's;
    choosing on train or test (or logging their scores as dev) breaks that."""
    table, config = data
    dev = table["split"] == "dev"
    flipped = table.assign(label=np.where(dev, 1 - table["label"], table["label"]))
    seen = []
    original = train.make_loss
    monkeypatch.setattr(train, "make_loss", lambda labels, *a: seen.append(labels) or
                        original(labels, *a))  # fmt: skip
    result = fit(flipped, config, TRAIN, seed=2, progress=False)
    train_labels = table.loc[table["split"] == "train", "label"].to_numpy()
    assert len(seen) == 1 and np.array_equal(seen[0], train_labels)  # weights from train
    history = result.history.set_index("epoch")["dev_roc_auc"]
    assert history.iloc[-1] < history.max() - 0.05  # a later epoch would be another choice
    assert result.test_scores["roc_auc"] > 0.5  # it did learn the true labels
    assert result.best_epoch == history.idxmax()
    kept = dev_roc_auc(result.model.eval(), flipped[dev].reset_index(drop=True))
    assert kept == pytest.approx(history.max(), abs=1e-6)
