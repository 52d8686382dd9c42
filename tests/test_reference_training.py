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
from tests.model_fixtures import hand_model, hand_output, rows_of

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


def test_a_tie_on_dev_keeps_the_first_such_epoch(data, monkeypatch):
    """Every epoch scores the same on dev: the first epoch is kept, not the last."""
    table, config = data
    original = train.scores_of
    monkeypatch.setattr(train, "scores_of", lambda *a: {**original(*a), "roc_auc": 0.75})
    result = fit(table, config, {**TRAIN, "epochs": 3}, seed=1, progress=False)
    assert result.best_epoch == 1 and (result.history["dev_roc_auc"] == 0.75).all()


def test_the_logged_train_loss_is_the_mean_cross_entropy_over_train(data):
    """With a zero learning rate the model never moves, so each epoch's logged loss is the
    unweighted mean of -ln p(label) over the training instances, computed here at once."""
    table, config = data
    cfg = {**TRAIN, "epochs": 2, "lr": 0.0, "weight_decay": 0.0, "class_weighted": False}
    result = fit(table, config, cfg, seed=1, progress=False)
    rows = table[table["split"] == "train"]
    with torch.no_grad():
        logits, _ = result.model.eval()(pad(list(rows["token_ids"])))
        probs = result.model.probabilities(logits).numpy()
    labels = rows["label"].to_numpy()
    expected = -np.log(probs[np.arange(len(rows)), labels]).mean()
    np.testing.assert_allclose(result.history["train_loss"], expected, rtol=1e-5)
    assert result.history["seconds"].between(0, 600).all()


@pytest.mark.parametrize("n_rows", [1, 5])
def test_the_mean_objective_is_the_mean_over_instances(n_rows):
    """An objective of both models' outputs and attention, p(positive) + sum_t a_t b_t: its
    mean over the rows is the mean of the hand models' outputs and attention computed in
    numpy (one row included: no other denominator; the layout of each row's weights on
    the batch matters, since the product pairs them position by position)."""
    tokens = {10: (1.0, 2.0), 11: (0.0, -1.0), 12: (0.5, 0.5)}
    base_tokens = {10: (-1.0, 1.0), 11: (2.0, 0.0), 12: (0.0, 1.0)}
    seqs = [[10, 11], [11], [12, 10, 11], [11, 11], [12]][:n_rows]
    rows = rows_of(*seqs)

    def objective(probs, weights, base_probs, base_weights, mask):
        return probs[:, 1] + (weights * base_weights).masked_fill(~mask, 0.0).sum(-1)

    against = train.Against(hand_model(base_tokens), objective, init_seed=1)
    base = train.Outputs.of(against.model, rows, 2, torch.device("cpu"))
    predictions = train.predict(hand_model(tokens), rows, 2, torch.device("cpu"))
    got = train.mean_objective(predictions, against, base)

    def softmax(table, seq):
        s = np.array([table[k][0] for k in seq])
        return np.exp(s) / np.exp(s).sum()

    expected = np.mean(
        [hand_output(tokens, s)[1] + softmax(tokens, s) @ softmax(base_tokens, s) for s in seqs]
    )
    assert got == pytest.approx(expected, rel=1e-6)


def test_the_cached_base_gives_the_objective_of_the_base_run_on_the_batch(data):
    """The base's outputs computed once (in other batches: 256 instances, bucketed apart
    from the training batch) give the per-instance adversarial objective of the base run
    on the training batch itself, to 1e-6, on every row of a shuffled batch."""
    from attnaudit.analyses.wiegreffe_pinter import adversary_against

    table, config = data
    base = fit(table, config, {**TRAIN, "epochs": 2}, seed=1, progress=False).model.eval()
    rows = table[table["split"] != "test"].reset_index(drop=True)
    cached = train.Outputs.of(base, rows, 256, torch.device("cpu"))
    against = adversary_against(base, lam=0.5, seed=1)
    model = train.build_model(config).eval()
    pick = np.random.default_rng(0).permutation(len(rows))[:16]
    tokens = pad([rows["token_ids"][i] for i in pick])
    ids = [str(rows["id"][i]) for i in pick]
    with torch.no_grad():
        got = train.objective_of(model, tokens, ids, against, cached)
        logits, weights, mask = train.run_model(model, tokens, ids)
        base_logits, base_weights, _ = train.run_model(base, tokens, ids)
        direct = against.objective(model.probabilities(logits), weights,
                                   base.probabilities(base_logits), base_weights, mask)  # fmt: skip
    torch.testing.assert_close(got, direct, rtol=0, atol=1e-6)
    assert direct.abs().max() > 1e-3  # not a pair of zeros


def test_training_against_a_base_runs_the_base_once_per_instance(data, monkeypatch):
    """Three epochs against a fixed base: the base encodes each train and dev instance
    once (its outputs do not change), not once per batch and epoch."""
    table, config = data
    cfg = {**TRAIN, "epochs": 3}
    base = fit(table, config, cfg, seed=1, progress=False).model
    seen = []
    encode = base.encode
    monkeypatch.setattr(base, "encode", lambda tokens: seen.append(len(tokens)) or encode(tokens))
    against = train.Against(base, lambda probs, *rest: probs[:, 1], init_seed=7)
    result = fit(table, config, cfg, seed=1, progress=False, against=against)
    assert sum(seen) == int((table["split"] != "test").sum())
    assert len(result.history) == 3


def test_auto_takes_cuda_only_when_torch_sees_it(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert train.resolve_device("auto") == torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert train.resolve_device("auto") == torch.device("cuda")


def test_training_against_a_model_starts_from_its_own_initialisation_seed(data):
    """A zero learning rate keeps each model at its initialisation: trained against a base
    with init_seed 7 (run seed 1), the model is the one seed 7 initialises, not seed 1's."""
    table, config = data
    cfg = {**TRAIN, "epochs": 1, "lr": 0.0, "weight_decay": 0.0}
    base = fit(table, config, cfg, seed=1, progress=False).model
    against = train.Against(base, lambda probs, *rest: probs[:, 1], init_seed=7)
    trained = fit(table, config, cfg, seed=1, progress=False, against=against).model
    seven = fit(table, config, cfg, seed=7, progress=False).model
    for name, value in trained.state_dict().items():
        torch.testing.assert_close(value, seven.state_dict()[name], rtol=0, atol=0)
    assert not torch.equal(trained.embedding.weight, base.embedding.weight)


def test_weight_decay_spares_the_attention_parameters(data):
    """Two groups: every attention parameter without decay, every other one with it."""
    _, config = data
    model = train.build_model(ModelConfig(**{**config.to_dict(), "attention": "additive"}))
    optimizer = train.make_optimizer(model, {"lr": 0.1, "weight_decay": 0.5})
    attention = {id(p) for p in model.attention_parameters}
    decay = {g["weight_decay"]: {id(p) for p in g["params"]} for g in optimizer.groups}
    assert decay[0.0] == attention and attention
    assert decay[0.5] == {id(p) for p in model.parameters()} - attention
