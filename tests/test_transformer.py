"""The Transformer encoder and the [CLS] classifier against independent references: torch's
own nn.TransformerEncoderLayer with the same weights, the [CLS] layer computed by hand from
its parameters, central finite differences for the gradient with respect to attention, and
one full model run per deletion for leave-one-out. Every analysis runs on both variants."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from attnaudit.analyses import jain_wallace, serrano_smith
from attnaudit.data.batching import pad
from attnaudit.engine import Engine
from attnaudit.importance import leave_one_out
from attnaudit.models import ModelConfig, build_model
from attnaudit.models.transformer import TransformerLayer
from tests.model_fixtures import loo_by_rerun, small_rows

pytestmark = pytest.mark.usefixtures("one_thread")

OPTIONS = {"hidden_size": 8, "heads": 4, "ff_size": 12}


def model_of(attention: str, seed: int = 0, n_classes: int = 2, dtype=torch.float64):
    torch.manual_seed(seed)
    config = ModelConfig(vocab_size=60, n_classes=n_classes, encoder="transformer",
                         attention=attention, embedding_dim=6, encoder_options=OPTIONS)  # fmt: skip
    return build_model(config).to(dtype).eval()


def torch_layer(mine: TransformerLayer) -> torch.nn.TransformerEncoderLayer:
    """torch's post-norm layer (ReLU, no dropout) carrying the weights of ours."""
    size = mine.norm1.normalized_shape[0]
    ref = torch.nn.TransformerEncoderLayer(
        size, mine.attention.heads, mine.ff[0].out_features, dropout=0.0, batch_first=True
    ).double()
    att = mine.attention
    with torch.no_grad():
        ref.self_attn.in_proj_weight.copy_(torch.cat([att.query.weight, att.key.weight,
                                                      att.value.weight]))  # fmt: skip
        ref.self_attn.in_proj_bias.copy_(torch.cat([att.query.bias, att.key.bias, att.value.bias]))
        ref.self_attn.out_proj.weight.copy_(att.out.weight)
        ref.self_attn.out_proj.bias.copy_(att.out.bias)
        for a, b in ((ref.linear1, mine.ff[0]), (ref.linear2, mine.ff[2]),
                     (ref.norm1, mine.norm1), (ref.norm2, mine.norm2)):  # fmt: skip
            a.weight.copy_(b.weight)
            a.bias.copy_(b.bias)
    return ref.eval()


def reference_states(model, tokens: torch.Tensor) -> torch.Tensor:
    """The encoder's output through torch's layers: projection + positions, each layer."""
    present = tokens != 0
    x = model.encoder.project(model.embedding(tokens))
    x = x + model.encoder.positions.weight[: tokens.shape[1]]
    for layer in model.encoder.layers:
        x = torch_layer(layer)(x, src_key_padding_mask=~present)
    return x * present.unsqueeze(-1)


def cls_by_hand(model, x: torch.Tensor, real: torch.Tensor, alpha=None):
    """The [CLS] layer and decoder on the states x (T, d) of one instance, from the
    parameters: per head h, a_h = softmax over the items of q_h(x_0) . k_h(x_t) /
    sqrt(d / heads); alpha = mean_h a_h unless given; c = sum_t alpha_t (W_v x_t + b_v);
    y1 = LN(x_0 + W_o c + b_o); y2 = LN(y1 + W_2 relu(W_1 y1 + b_1) + b_2); logits W y2 + b.
    Returns (alpha, logits)."""
    att = model.attention
    d = x.shape[-1]
    heads = att.heads
    size = d // heads
    if alpha is None:
        q = x[0] @ att.query.weight.T + att.query.bias
        k = x @ att.key.weight.T + att.key.bias
        per_head = []
        for h in range(heads):
            s = k[:, h * size : (h + 1) * size] @ q[h * size : (h + 1) * size] / math.sqrt(size)
            s = s.masked_fill(~real, -math.inf)
            per_head.append(torch.exp(s - s.max()) / torch.exp(s - s.max()).sum())
        alpha = torch.stack(per_head).mean(0)
    v = x @ att.value.weight.T + att.value.bias
    c = alpha @ v
    y1 = F.layer_norm(x[0] + c @ att.out.weight.T + att.out.bias, (d,), att.norm1.weight,
                      att.norm1.bias, att.norm1.eps)  # fmt: skip
    hidden = torch.relu(y1 @ att.ff[0].weight.T + att.ff[0].bias)
    y2 = F.layer_norm(y1 + hidden @ att.ff[2].weight.T + att.ff[2].bias, (d,), att.norm2.weight,
                      att.norm2.bias, att.norm2.eps)  # fmt: skip
    logits = y2 @ model.decoder.weight.T + model.decoder.bias
    return alpha, logits


def probabilities(logits: torch.Tensor) -> torch.Tensor:
    if logits.numel() == 1:
        p = torch.sigmoid(logits[0])
        return torch.stack([1 - p, p])
    return torch.softmax(logits, -1)


@pytest.mark.parametrize("attention", ["additive", "cls"])
def test_encoder_equals_torchs_transformer_layers(attention):
    """Two layers for pooling; for [CLS] the encoder runs one and the [CLS] layer is the
    second. States zero at padding."""
    model = model_of(attention)
    tokens = pad(list(small_rows(8, seed=1)["token_ids"]))
    assert len(model.encoder.layers) == (2 if attention == "additive" else 1)
    with torch.no_grad():
        hidden, _ = model.encode(tokens)
        torch.testing.assert_close(hidden, reference_states(model, tokens))
    assert hidden.shape == (*tokens.shape, 8) and not hidden[tokens == 0].any()


@pytest.mark.parametrize("attention", ["additive", "dot", "sparsemax", "cls"])
def test_outputs_and_masks_alone_and_batched(attention):
    model = model_of(attention, seed=2, dtype=torch.float32)
    rows = small_rows(10, seed=2)
    tokens = pad(list(rows["token_ids"]))
    with torch.no_grad():
        logits, weights = model(tokens)
        real = model.masks(tokens)[1]
        assert logits.shape == (10,) and weights.shape == tokens.shape
        assert torch.all(weights[~real] == 0)
        torch.testing.assert_close(weights.sum(-1), torch.ones(10))
        for i, seq in enumerate(rows["token_ids"]):
            alone, w = model(pad([seq]))
            torch.testing.assert_close(alone[0], logits[i], atol=1e-5, rtol=1e-5)
            torch.testing.assert_close(w[0], weights[i, : len(seq)], atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_cls_model_and_engine_equal_the_layer_by_hand(n_classes):
    """The model's attention and output equal the hand computation on torch's layer states;
    the engine's outputs for the model's own attention and for a perturbed one (a random
    distribution over the items) equal the hand computation with that attention."""
    model = model_of("cls", seed=3, n_classes=n_classes)
    rows = small_rows(12, seed=3)
    engine = Engine(model, batch_size=5)
    g = torch.Generator().manual_seed(0)
    seen = 0
    for batch in engine.batches(rows):
        other = torch.rand(batch.mask.shape, generator=g, dtype=torch.float64)
        other = other * batch.mask
        other = other / other.sum(-1, keepdim=True)
        stack = torch.stack([batch.attention, other], dim=1)
        outputs = engine.outputs(batch, stack)
        for j, i in enumerate(batch.index):
            tokens = pad([rows["token_ids"].iloc[i]])
            n = tokens.shape[1]
            with torch.no_grad():
                x = reference_states(model, tokens)[0]
                real = model.masks(tokens)[1][0]
                alpha, logits = cls_by_hand(model, x, real)
                _, perturbed = cls_by_hand(model, x, real, other[j, :n])
                direct_logits, direct_alpha = model(tokens)
            torch.testing.assert_close(batch.attention[j, :n], alpha)
            torch.testing.assert_close(direct_alpha[0], alpha)
            torch.testing.assert_close(batch.probs[j], probabilities(logits))
            torch.testing.assert_close(model.probabilities(direct_logits)[0], probabilities(logits))
            torch.testing.assert_close(outputs[j, 0], probabilities(logits))
            torch.testing.assert_close(outputs[j, 1], probabilities(perturbed))
            seen += 1
    assert seen == len(rows)


@pytest.mark.parametrize("attention", ["additive", "cls"])
def test_attention_gradient_by_finite_differences(attention):
    """d p(predicted class) / d alpha_t against central differences of the hand-computed
    output ([CLS]) or of the decoder on fixed states (pooling)."""
    model = model_of(attention, seed=4)
    rows = small_rows(6, seed=5)
    engine = Engine(model, batch_size=8)
    batch = next(engine.batches(rows))
    target = batch.probs.argmax(-1)
    grad = engine.attention_gradient(batch, target)
    h = 1e-6
    for j in range(len(batch.index)):
        real = batch.mask[j]
        x = batch.hidden[j]

        def p_of(alpha, j=j, real=real, x=x):
            if attention == "cls":
                logits = cls_by_hand(model, x, real, alpha)[1]
            else:
                logits = (alpha @ x) @ model.decoder.weight.T + model.decoder.bias
            return float(probabilities(logits)[target[j]])

        for t in real.nonzero().squeeze(-1).tolist():
            up, down = batch.attention[j].clone(), batch.attention[j].clone()
            up[t] += h
            down[t] -= h
            numeric = (p_of(up) - p_of(down)) / (2 * h)
            assert float(grad[j, t]) == pytest.approx(numeric, abs=1e-7)
        assert torch.all(grad[j, ~real] == 0)


@pytest.mark.parametrize("attention", ["additive", "cls"])
def test_leave_one_out_equals_one_run_per_deletion(attention):
    model = model_of(attention, seed=6, dtype=torch.float32)
    rows = small_rows(12, seed=7)
    fast = leave_one_out.leave_one_out(model, rows, per_pass=10)
    for i, seq in enumerate(rows["token_ids"]):
        np.testing.assert_allclose(fast[i], loo_by_rerun(model, seq), atol=1e-6)


def test_adversary_hinge_gradient_autograd_equals_the_hand_derivation():
    """The general (autograd) hinge gradient used for [CLS] models equals the hand-derived
    one of affine decoders, on an affine model."""
    model = model_of("additive", seed=8, n_classes=3)
    engine = Engine(model, batch_size=8)
    batch = next(engine.batches(small_rows(6, seed=9)))
    g = torch.Generator().manual_seed(1)
    weights = torch.rand((*batch.mask.shape[:1], 3, batch.mask.shape[1]), generator=g,
                         dtype=torch.float64) * batch.mask.unsqueeze(1)  # fmt: skip
    weights = weights / weights.sum(-1, keepdim=True)
    cfg = jain_wallace.settings.Adversary.of({"epsilon": 0.001})
    by_hand = jain_wallace.hinge_gradient(engine, batch, weights, cfg)
    auto = jain_wallace.hinge_gradient_autograd(engine, batch, weights, cfg)
    assert by_hand.abs().max() > 0
    torch.testing.assert_close(auto, by_hand)


@pytest.mark.parametrize("attention", ["additive", "cls"])
def test_every_analysis_runs(attention):
    """Jain & Wallace's and Serrano & Smith's analyses on both variants: finite results of
    the right shape; the adversaries keep their output within select_epsilon."""
    model = model_of(attention, seed=10, dtype=torch.float32)
    rows = small_rows(10, seed=11)
    importance = jain_wallace.importance_agreement(model, rows)
    assert importance["tau_attn_grad"].notna().any()
    perm = jain_wallace.permutation(model, rows, {"n_permutations": 10})
    assert perm["median_change"].between(0, 1).all()
    adv = jain_wallace.adversary(model, rows, {"k": 2, "steps": 30})
    assert (adv["output_tvd"] <= 0.01 + 1e-6).all() and adv["max_jsd"].between(0, 0.7).all()
    single = serrano_smith.single_weight(model, rows)
    assert single["jsd_top"].notna().all()
    multi = serrano_smith.multi_weight(model, rows, {"rankings": ["attention", "loo"],
                                                     "n_random": 1})  # fmt: skip
    assert set(multi["ranking"]) == {"attention", "loo"}


def test_cls_is_refused_for_hierarchical_models_and_long_inputs():
    with pytest.raises(ValueError, match="flat encoder"):
        build_model(ModelConfig(vocab_size=20, encoder="hangru", attention="cls"))
    model = build_model(ModelConfig(vocab_size=20, encoder="transformer", embedding_dim=4,
                                    encoder_options={"max_positions": 5}))  # fmt: skip
    with pytest.raises(ValueError, match="max_positions"):
        model(torch.tensor([[2, 5, 6, 7, 8, 3]]))


@pytest.mark.parametrize("model", ["transformer-cls", "ortholstm-sparsemax"])
def test_same_seed_same_model(model):
    """Training is seeded: two fits with one seed give identical outputs and attention."""
    from attnaudit.data.prepare import load_documents, tokenize_documents
    from attnaudit.train import fit

    opts = {"seed": 0, "n_train": 80, "n_dev": 20, "n_test": 20, "vocab_size": 60}
    table, vocab = tokenize_documents("synthetic", load_documents("synthetic", opts, []), 1)
    encoder, attention = model.split("-")
    config = ModelConfig(vocab_size=len(vocab), encoder=encoder, attention=attention,
                         embedding_dim=8, encoder_options={"hidden_size": 8})  # fmt: skip
    train = {"epochs": 1, "batch_size": 16, "threads": 1}
    a, b = (fit(table, config, train, seed=3, progress=False) for _ in range(2))
    np.testing.assert_array_equal(
        np.stack(a.predictions["probs"]), np.stack(b.predictions["probs"])
    )
    for wa, wb in zip(a.predictions["attention"], b.predictions["attention"], strict=True):
        np.testing.assert_array_equal(wa, wb)
