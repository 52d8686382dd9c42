"""The [CLS] model's same-architecture uniform control (`clsuniform`) and "attention removed"
(Vashishth's `removed` replacement), against hand computations of the [CLS] layer from its
parameters (tests.test_transformer.cls_by_hand) and of a flat model's decoder bias."""

import numpy as np
import pandas as pd
import pytest
import torch
from scipy import stats

from attnaudit.analyses import vashishth
from attnaudit.data.batching import pad
from attnaudit.engine import Engine
from attnaudit.models import catalog
from attnaudit.report import replacement as report
from attnaudit.report import tables
from tests.model_fixtures import hand_model, rows_of, sigmoid, small_rows
from tests.test_transformer import cls_by_hand, model_of, probabilities, reference_states

pytestmark = pytest.mark.usefixtures("one_thread")


def test_clsuniform_is_the_cls_model_without_query_and_key():
    """Same layers, residual path, tail and decoder as `cls`; only the [CLS] row's query and
    key are gone, and nothing is left that scores (no attention parameters)."""
    names = {n for n, _ in model_of("cls").named_parameters()}
    uniform = model_of("clsuniform")
    mine = {n for n, _ in uniform.named_parameters()}
    assert names - mine == {f"attention.{p}.{w}" for p in ("query", "key")
                            for w in ("weight", "bias")}  # fmt: skip
    assert mine < names and uniform.attention_parameters == []
    assert len(uniform.encoder.layers) == 1  # the [CLS] layer is the second of two


@pytest.mark.parametrize("n_classes", [2, 3])
def test_clsuniform_forward_equals_the_cls_layer_by_hand_with_uniform_alpha(n_classes):
    """alpha = 1/T over the items (0 at <SOS>, <EOS>, padding); the output the [CLS] layer
    by hand on torch's layer states with that alpha, alone, batched and through the
    engine."""
    model = model_of("clsuniform", seed=3, n_classes=n_classes)
    rows = small_rows(12, seed=3)
    batched_tokens = pad(list(rows["token_ids"]))
    with torch.no_grad():
        batched_logits, batched_alpha = model(batched_tokens)
    engine = Engine(model, batch_size=5)
    seen = 0
    for batch in engine.batches(rows):
        own = engine.outputs(batch, batch.attention.unsqueeze(1))
        for j, i in enumerate(batch.index):
            seq = rows["token_ids"].iloc[i]
            tokens = pad([seq])
            n, items = tokens.shape[1], len(seq) - 2
            alpha = torch.tensor([0.0, *[1.0 / items] * items, 0.0], dtype=torch.float64)
            with torch.no_grad():
                x = reference_states(model, tokens)[0]
                _, logits = cls_by_hand(model, x, alpha > 0, alpha)
                direct_logits, direct_alpha = model(tokens)
            torch.testing.assert_close(direct_alpha[0], alpha)
            torch.testing.assert_close(batched_alpha[i, :n], alpha)
            assert not batched_alpha[i, n:].any()
            torch.testing.assert_close(batch.attention[j, :n], alpha)
            expected = probabilities(logits)
            torch.testing.assert_close(model.probabilities(direct_logits)[0], expected)
            torch.testing.assert_close(model.probabilities(batched_logits[i]), expected)
            torch.testing.assert_close(own[j, 0], expected)
            seen += 1
    assert seen == len(rows)


def test_clsuniform_trains_and_keeps_its_attention_uniform():
    """A seeded fit on the synthetic data: the parameters move, and every prediction's
    attention is 1/T over its items."""
    from attnaudit.data.prepare import load_documents, tokenize_documents
    from attnaudit.models import ModelConfig, build_model
    from attnaudit.train import fit

    opts = {"seed": 0, "n_train": 80, "n_dev": 20, "n_test": 20, "vocab_size": 60}
    table, vocab = tokenize_documents("synthetic", load_documents("synthetic", opts, []), 1)
    config = ModelConfig(vocab_size=len(vocab), encoder="transformer", attention="clsuniform",
                         embedding_dim=8, encoder_options={"hidden_size": 8})  # fmt: skip
    torch.manual_seed(3)
    initial = build_model(config).attention.value.weight.detach().clone()
    result = fit(table, config, {"epochs": 2, "batch_size": 16, "threads": 1}, seed=3,
                 progress=False)  # fmt: skip
    assert result.model.config.attention == "clsuniform"
    assert not torch.equal(result.model.attention.value.weight.detach(), initial)
    for weights in result.predictions["attention"]:
        # float32 1/T, read back as float64
        np.testing.assert_allclose(weights, 1.0 / len(weights), rtol=1e-7, atol=0)
    assert np.isfinite(result.test_scores["accuracy"])


@pytest.mark.parametrize(("attention", "ranked"), [("cls", True), ("clsuniform", False)])
def test_faithfulness_ranks_by_attention_only_where_it_is_learned(attention, ranked):
    """A uniform control's attention ranks nothing: no attention rankings for it."""
    from attnaudit import settings
    from attnaudit.analyses import faithfulness

    cfg = settings.Eraser.of({"rankings": ["attention", "grad_x_attention", "random"],
                              "n_random": 1})  # fmt: skip
    model = model_of(attention, dtype=torch.float32)
    names = {r for r, _, _, _ in faithfulness.ranking_scores(model, small_rows(4), cfg)}
    assert names == ({"attention", "grad_x_attention", "random"} if ranked else {"random"})


def test_the_uniform_controls_and_their_pairing():
    """`cls` is paired with `clsuniform`, every other learned attention with `uniform`; the
    two uniform attentions are controls, not rows of the table. Each row's mean_uniform
    and paired t-test are those of its own control's runs (by hand)."""
    assert [a for a in catalog.ATTENTIONS if catalog.is_uniform(a)] == ["uniform", "clsuniform"]
    assert catalog.uniform_control("cls") == "clsuniform"
    assert catalog.uniform_control("additive") == "uniform"
    f1 = {"additive": [0.80, 0.84, 0.83], "uniform": [0.70, 0.71, 0.75],
          "cls": [0.86, 0.80, 0.85], "clsuniform": [0.74, 0.73, 0.72]}  # fmt: skip
    metrics = pd.DataFrame(
        [("d", "transformer", a, seed, v) for a, vs in f1.items()
         for seed, v in enumerate(vs, start=1)],
        columns=["dataset", "encoder", "attention", "seed", "test_f1"],
    )  # fmt: skip
    table = tables.learned_vs_uniform(metrics).set_index("attention")
    assert list(table.index) == ["additive", "cls"]
    for learned, control in (("additive", "uniform"), ("cls", "clsuniform")):
        assert table.loc[learned, "mean_uniform"] == pytest.approx(np.mean(f1[control]))
        d = np.subtract(f1[learned], f1[control])
        t = d.mean() / (d.std(ddof=1) / np.sqrt(3))
        assert table.loc[learned, "p_paired"] == pytest.approx(2 * stats.t.sf(abs(t), 2))


# -- attention removed ---------------------------------------------------------------------
TOKENS = {10: (2.0, 3.0), 11: (0.0, -1.0), 12: (1.0, 0.5), 13: (-1.0, -4.0)}
SEQUENCES = [(10, 11, 12, 13), (13, 11), (12,)]


@pytest.mark.parametrize("bias", [0.1, -0.3])
def test_removed_gives_a_flat_model_its_decoder_bias(bias):
    """Every weight 0: the context is 0, so p(positive) = sigmoid(b) for every instance,
    whatever its learned prediction (instance 1 predicts 0 with its attention)."""
    model = hand_model(TOKENS, bias=bias)
    rows = rows_of(*SEQUENCES, labels=[1, 0, 1])
    out = vashishth.replacement(model, rows, {"n_draws": 2})
    assert list(out["replacement"].unique()) == ["learned", "uniform", "random", "permuted",
                                                 "removed"]  # fmt: skip
    removed = out[out["replacement"] == "removed"].set_index("id")
    assert list(removed["draw"]) == [0, 0, 0]
    p = sigmoid(bias)
    assert (removed["replaced_pred"] == int(p > 0.5)).all()
    learned = out[out["replacement"] == "learned"].set_index("id")["pred"]
    assert set(learned) == {0, 1}
    for i, pred in learned.items():
        assert removed.loc[i, "p_learned_pred"] == pytest.approx([1 - p, p][pred])


def test_removed_gives_a_k_class_flat_model_the_softmax_of_its_bias():
    tokens = {10: (1.0, [2.0, 0.0, -1.0]), 11: (0.0, [0.0, 3.0, 0.0])}
    bias = np.array([0.2, -0.5, 0.9])
    model = hand_model(tokens, bias=bias, n_classes=3)
    engine = Engine(model)
    batch = next(engine.batches(rows_of((10, 11), (11,), (10,))))
    out = engine.outputs(batch, torch.zeros_like(batch.attention).unsqueeze(1))
    expected = np.exp(bias) / np.exp(bias).sum()
    np.testing.assert_allclose(out[:, 0].numpy(), np.tile(expected, (3, 1)), atol=1e-12)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_removed_gives_a_cls_model_its_residual_path(n_classes):
    """A [CLS] model with its [CLS] attention row all 0 keeps x_0 -> LN(x_0 + b_o) -> the
    tail -> the decoder: the engine's output and the `removed` rows equal the layer by hand
    with alpha = 0, and differ from the decoder's bias alone."""
    model = model_of("cls", seed=5, n_classes=n_classes)
    rows = small_rows(9, seed=4)
    out = vashishth.replacement(model, rows, {"n_draws": 1, "batch_size": 4})
    removed = out[out["replacement"] == "removed"].set_index("id")
    learned = out[out["replacement"] == "learned"].set_index("id")["pred"]
    engine = Engine(model, batch_size=4)
    for batch in engine.batches(rows):
        zeros = torch.zeros_like(batch.attention).unsqueeze(1)
        outputs = engine.outputs(batch, zeros)
        for j, i in enumerate(batch.index):
            tokens = pad([rows["token_ids"].iloc[i]])
            n = tokens.shape[1]
            with torch.no_grad():
                x = reference_states(model, tokens)[0]
                _, logits = cls_by_hand(model, x, None, torch.zeros(n, dtype=torch.float64))
            expected = probabilities(logits)
            torch.testing.assert_close(outputs[j, 0], expected)
            bias_only = probabilities(model.decoder.bias.detach())
            assert not torch.allclose(expected, bias_only)
            name = rows["id"].iloc[i]
            assert removed.loc[name, "replaced_pred"] == int(expected.argmax())
            pred = learned[name]
            assert removed.loc[name, "p_learned_pred"] == pytest.approx(float(expected[pred]))


def test_the_report_table_keeps_removed_last_with_its_drop():
    """Seed 1: learned right on 3 of 4, removed (always 1) on 2 of 4: drop 0.25; seed 2:
    4 of 4 and 2 of 4: drop 0.5; mean drop 0.375, and the row comes after permuted."""
    labels = [1, 0, 1, 0]
    rows = []
    for seed, learned in ((1, [1, 0, 1, 1]), (2, [1, 0, 1, 0])):
        for name, preds in (("removed", [1, 1, 1, 1]), ("permuted", learned),
                            ("learned", learned)):  # fmt: skip
            for i, (y, p) in enumerate(zip(labels, preds, strict=True)):
                rows.append(("d", "m", seed, f"i{i}", y, name, 0, p))
    table = pd.DataFrame(rows, columns=["dataset", "model", "seed", "id", "label",
                                        "replacement", "draw", "replaced_pred"])  # fmt: skip
    out = report.summary(table, {"d": 2}).set_index("replacement")
    assert list(out.index) == ["learned", "permuted", "removed"]
    assert out.loc["removed", "accuracy"] == pytest.approx(0.5)
    assert out.loc["removed", "accuracy_drop"] == pytest.approx(0.375)
    # F1 of the positive class when everything is predicted positive: 2 tp / (2 + 4)
    assert out.loc["removed", "f1"] == pytest.approx(2 / 3)
    assert "| d | m | removed | 0.500 ± 0.000 | 0.667 ± 0.000 | 0.375 ± " in report.markdown(
        out.reset_index()
    )
