"""The pretrained [CLS] classifier (models.pretrained) against the unmodified Hugging Face
model: the decoder-level engine's outputs equal a direct forward pass of the whole
checkpoint with the same attention probabilities forced into its last layer's [CLS] row,
and the transformer explanations (importance.transformer) against their definitions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from attnaudit.data.batching import pad
from attnaudit.data.pieces import piece_order
from attnaudit.engine import Engine
from attnaudit.importance import registry
from attnaudit.importance.scores import Options
from attnaudit.models.classifier import ModelConfig
from attnaudit.models.factory import build_model
from attnaudit.models.pretrained import hf_options
from tests.tiny_bert import make_tiny_bert, sharpen

WORDS = ["the", "good", "bad", "movie", "great", "awful", "film", "plot", "acting", "is"]
SEQUENCES = [["the", "good", "movie"], ["awful", "plot", "is", "bad", "the", "film"],
             ["great", "acting"], ["the", "movie", "is", "great", "film"]]  # fmt: skip


def forced_attention(module, query, key, value, attention_mask, scaling=None, dropout=0.0,
                     **kwargs):  # fmt: skip
    """Eager attention; where the module carries `forced` (B, T), every head's [CLS] row
    (query 0) is replaced by it before the values are mixed."""
    scaling = query.size(-1) ** -0.5 if scaling is None else scaling
    weights = query @ key.transpose(2, 3) * scaling
    if attention_mask is not None:
        weights = weights + attention_mask
    weights = torch.softmax(weights, dim=-1)
    forced = getattr(module, "forced", None)
    if forced is not None:
        weights = weights.clone()
        weights[:, :, 0, :] = forced.unsqueeze(1)
    return (weights @ value).transpose(1, 2).contiguous(), weights


@pytest.fixture(scope="module", params=["bert", "distilbert"])
def tiny(request, tmp_path_factory, one_thread):
    from transformers import AttentionInterface, AutoModel, AutoTokenizer
    from transformers.masking_utils import AttentionMaskInterface, eager_mask

    AttentionInterface.register("forced_cls", forced_attention)
    AttentionMaskInterface.register("forced_cls", eager_mask)  # padding masked as eager's
    directory = make_tiny_bert(tmp_path_factory.mktemp(request.param), WORDS * 5,
                               model_type=request.param)  # fmt: skip
    sharpen(directory)  # BERT's 0.02-std weights would let a wrong row hide below 1e-5
    options = hf_options(str(directory))
    order = piece_order(options["hf_config"]["vocab_size"], options["specials"])
    config = ModelConfig(vocab_size=len(order), n_classes=2, encoder="tiny", attention="cls",
                         encoder_options={**options, "checkpoint": str(directory)})  # fmt: skip
    torch.manual_seed(0)
    model = build_model(config).eval()
    reference = AutoModel.from_pretrained(directory, attn_implementation="forced_cls").eval()
    tokenizer = AutoTokenizer.from_pretrained(directory)
    to_project = {int(h): p for p, h in enumerate(order) if h >= 0}
    encoded = tokenizer(SEQUENCES, is_split_into_words=True)["input_ids"]
    ids = [[to_project[h] for h in row] for row in encoded]
    return model, reference, order, ids, options


def last_self_attention(reference, model_type):
    if model_type == "distilbert":
        return reference.transformer.layer[-1].attention
    return reference.encoder.layer[-1].attention.self


def reference_probs(model, reference, order, tokens, forced) -> torch.Tensor:
    """The whole checkpoint with its last layer's [CLS] row forced to `forced` (B, T), then
    the classifier's head on the [CLS] output."""
    model_type = reference.config.model_type
    module = last_self_attention(reference, model_type)
    hf_ids = torch.as_tensor(order)[tokens].clamp(min=0)
    mask = (tokens != 0).long()
    module.forced = forced
    try:
        with torch.no_grad():
            cls = reference(input_ids=hf_ids, attention_mask=mask).last_hidden_state[:, 0]
    finally:
        module.forced = None
    return model.probabilities(model.logits_of(cls))


def test_the_engine_equals_the_checkpoint_with_its_attention_forced(tiny):
    model, reference, order, ids, _ = tiny
    engine = Engine(model, batch_size=8)
    rows = pd.DataFrame({"id": [str(i) for i in range(len(ids))], "token_ids": ids})
    generator = torch.Generator().manual_seed(3)
    for batch in engine.batches(rows):
        stacks = torch.rand((*batch.mask.shape[:1], 5, batch.mask.shape[1]), generator=generator)
        stacks = stacks.masked_fill(~batch.mask.unsqueeze(1), 0.0)
        stacks = torch.cat([batch.attention.unsqueeze(1), stacks / stacks.sum(-1, keepdim=True)], 1)
        got = engine.outputs(batch, stacks)
        # the stacks move the output by far more than the tolerance: the test can see a bug
        assert (got[..., 1].max(1).values - got[..., 1].min(1).values).min() > 1e-3
        for p in range(stacks.shape[1]):
            expected = reference_probs(model, reference, order, batch.token_ids, stacks[:, p])
            assert torch.allclose(got[:, p], expected, atol=1e-5), p
        # the model's own output is the checkpoint's with alpha forced in: nothing else differs
        own = reference_probs(model, reference, order, batch.token_ids, batch.attention)
        assert torch.allclose(batch.probs, own, atol=1e-5)


def test_lower_attentions_are_the_checkpoints_own(tiny):
    model, reference, order, ids, _ = tiny
    tokens = pad(ids)
    hf_ids = torch.as_tensor(order)[tokens].clamp(min=0)
    with torch.no_grad():
        theirs = reference(input_ids=hf_ids, attention_mask=(tokens != 0).long(),
                           output_attentions=True).attentions  # fmt: skip
    ours = model.lower_attentions(tokens)
    assert len(ours) == len(theirs) - 1
    for a, b in zip(ours, theirs[:-1], strict=False):
        assert torch.allclose(a, b, atol=1e-6)


def test_heads_norms_and_rollout_by_their_definitions(tiny):
    model, _, _, ids, options = tiny
    tokens = pad(ids)
    rows = pd.DataFrame({"id": [str(i) for i in range(len(ids))], "token_ids": ids})
    opts = Options(batch_size=8)
    heads = registry.score("attention_heads", model, rows, opts).values
    attention = registry.score("attention", model, rows, opts).values
    norms = registry.score("norm_attention", model, rows, opts).values
    rolled = registry.score("rollout", model, rows, opts).values
    flows = registry.score("attention_flow", model, rows, opts).values
    with torch.no_grad():
        hidden, mask = model.encode(tokens)
        lower = model.lower_attentions(tokens)
    for name, values in (("attention_heads", heads), ("norm_attention", norms),
                         ("rollout", rolled), ("attention_flow", flows)):  # fmt: skip
        assert "=" in registry.entry(name).doc, f"{name}: its docstring states the math"
        # batches change nothing: the last instance scored alone
        alone = registry.score(name, model, rows.iloc[[3]].reset_index(drop=True), opts)
        np.testing.assert_allclose(alone.values[0], values[3], rtol=1e-5, atol=1e-7)
    layer = model.attention
    n_heads = options["hf_config"].get("num_attention_heads") or options["hf_config"]["n_heads"]
    for b, row in enumerate(ids):
        real = mask[b].numpy()
        x = hidden[b].detach().double().numpy()
        q = (
            x[0] @ layer.query.weight.detach().double().numpy().T
            + layer.query.bias.detach().double().numpy()
        )
        k = (
            x @ layer.key.weight.detach().double().numpy().T
            + layer.key.bias.detach().double().numpy()
        )
        d = q.shape[0] // n_heads
        expected_heads = []
        for h in range(n_heads):
            scores = k[real, h * d : (h + 1) * d] @ q[h * d : (h + 1) * d] / np.sqrt(d)
            expected_heads.append(
                np.exp(scores - scores.max()) / np.exp(scores - scores.max()).sum()
            )
        assert heads[b].shape == (n_heads, real.sum())
        assert np.allclose(heads[b], expected_heads, atol=1e-5)
        assert np.allclose(heads[b].mean(0), attention[b], atol=1e-6)
        v = (
            x @ layer.value.weight.detach().double().numpy().T
            + layer.value.bias.detach().double().numpy()
        )
        f = v @ layer.out.weight.detach().double().numpy().T  # W_o V x_t, no output bias
        assert np.allclose(norms[b], attention[b] * np.linalg.norm(f[real], axis=1), atol=1e-5)
        # rollout by explicit loops: r = (alpha + e_0) / 2, then each lower layer, top down
        alpha = np.zeros(len(row))
        alpha[real[: len(row)]] = attention[b]
        r = alpha.copy()
        r[0] += 1
        r /= r.sum()
        for a in reversed(lower):
            m = a[b, :, : len(row), : len(row)].detach().double().numpy().mean(0) + np.eye(len(row))
            m /= m.sum(1, keepdims=True)
            r = np.array([sum(r[i] * m[i, j] for i in range(len(row))) for j in range(len(row))])
        assert np.allclose(rolled[b], r[real[: len(row)]], atol=1e-6)
        # a max flow to a piece never exceeds what reaches it by any single top edge total
        assert (flows[b] >= -1e-9).all() and (flows[b] <= 1 + 1e-9).all()
        assert flows[b].shape == attention[b].shape


def test_the_transformer_explanations_apply_only_where_they_can(tiny):
    model, *_ = tiny
    names = ["attention", "gradient", "attention_heads", "norm_attention", "rollout",
             "attention_flow"]  # fmt: skip
    assert registry.applicable(names, model) == names
    small = ModelConfig(vocab_size=20, encoder="lstm", attention="additive", embedding_dim=4,
                        encoder_options={"hidden_size": 3})  # fmt: skip
    lstm = build_model(small)
    assert registry.applicable(names, lstm) == ["attention", "gradient"]
    model.config.attention = "clsuniform"
    try:
        assert registry.applicable(names, model) == ["gradient", "rollout", "attention_flow"]
    finally:
        model.config.attention = "cls"
