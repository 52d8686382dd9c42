"""The pretrained [CLS] classifier (`models.pretrained`) on tiny offline BERT and DistilBERT
checkpoints, each against a reference that does not go through its code: the unsplit
Hugging Face model loaded from the same directory, its attention forced where the
classifier sets it, and hand computations from the checkpoint's own weights."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch

from attnaudit.data.batching import pad
from attnaudit.data.pieces import split_pieces
from attnaudit.engine import Engine
from attnaudit.models.classifier import ModelConfig
from attnaudit.models.factory import build_model
from attnaudit.models.pretrained import hf_options
from tests.tiny_bert import make_tiny_bert

WORDS = ["the", "good", "bad", "movie", "great", "awful", "film", "plot", "acting", "terrible",
         "wonderful", "boring"]  # fmt: skip
SENTENCES = [
    ["the", "good", "movie"],
    ["awful", "plotless", "acting", "is", "boring"],
    ["a", "wonderful", "film", "with", "great", "acting", "and", "a", "plot"],
    ["terrible"],
]


class Forced:
    """A Hugging Face attention function: eager attention (scores q.k * scaling plus the
    additive mask, softmax, times the values), with row 0 of every head of one module
    replaced by `row` (B, T)."""

    def __init__(self):
        self.module, self.row = None, None

    def __call__(self, module, query, key, value, attention_mask, scaling=None, dropout=0.0,
                 **kwargs):  # fmt: skip
        weights = torch.matmul(query, key.transpose(2, 3)) * scaling
        if attention_mask is not None:
            weights = weights + attention_mask
        weights = torch.softmax(weights, dim=-1)
        if module is self.module:
            weights = weights.clone()
            weights[:, :, 0, :] = self.row.unsqueeze(1)
        return torch.matmul(weights, value).transpose(1, 2).contiguous(), weights


FORCED = Forced()


def register_forced() -> None:
    from transformers import AttentionInterface
    from transformers.masking_utils import AttentionMaskInterface, eager_mask

    AttentionInterface.register("forced_cls", FORCED)
    AttentionMaskInterface.register("forced_cls", eager_mask)


def last_attention(hf, model_type: str):
    """The unsplit model's last self-attention module (what `Forced` rewrites)."""
    if model_type == "distilbert":
        return hf.transformer.layer[-1].attention
    return hf.encoder.layer[-1].attention.self


def last_parts(hf, model_type: str) -> dict[str, torch.nn.Linear]:
    """The last layer's query, key, value and output projections of the unsplit model."""
    if model_type == "distilbert":
        a = hf.transformer.layer[-1].attention
        return dict(query=a.q_lin, key=a.k_lin, value=a.v_lin, out=a.out_lin)
    layer = hf.encoder.layer[-1]
    s = layer.attention.self
    return dict(query=s.query, key=s.key, value=s.value, out=layer.attention.output.dense)


def sharpen(directory) -> None:
    """Redraw the checkpoint's weights at std 0.3 (saved in place): BERT's 0.02 makes every
    position's contribution so small that a wrong attention row would hide below 1e-5."""
    from transformers import AutoModel

    hf = AutoModel.from_pretrained(directory)
    torch.manual_seed(1)
    with torch.no_grad():
        for name, p in hf.named_parameters():
            if p.dim() > 1:
                p.normal_(0.0, 0.3)
            elif "LayerNorm" not in name and "layer_norm" not in name:
                p.normal_(0.0, 0.1)
    hf.save_pretrained(directory, safe_serialization=True)


@pytest.fixture(scope="module", params=["bert", "distilbert"])
def tiny(request, tmp_path_factory, one_thread):
    """A sharpened tiny checkpoint, the classifier built from it and a padded batch of
    project ids (the checkpoint's ids of the same pieces beside them)."""
    from transformers import AutoModel, AutoTokenizer

    model_type = request.param
    directory = make_tiny_bert(tmp_path_factory.mktemp(model_type), WORDS * 20,
                               model_type=model_type)  # fmt: skip
    sharpen(directory)
    tokenizer = AutoTokenizer.from_pretrained(directory)
    n = len(SENTENCES)
    table = pd.DataFrame({"id": [f"i{k}" for k in range(n)], "split": "train", "label": 0,
                          "tokens": SENTENCES, "token_ids": [[0]] * n})  # fmt: skip
    pieces, vocab, _ = split_pieces(table, tokenizer, 64)
    options = hf_options(str(directory))
    config = ModelConfig(vocab_size=len(vocab), n_classes=2, encoder="tiny", attention="cls",
                         encoder_options={**options, "checkpoint": str(directory)})  # fmt: skip
    torch.manual_seed(0)
    model = build_model(config).eval()
    tokens = pad(list(pieces["token_ids"]))
    # the checkpoint's ids of the same pieces, straight from its tokenizer (padded with 0,
    # BERT's [PAD])
    encoded = tokenizer([list(s) for s in SENTENCES], is_split_into_words=True)["input_ids"]
    width, blank = max(len(e) for e in encoded), tokenizer.pad_token_id
    checkpoint_ids = torch.tensor([e + [blank] * (width - len(e)) for e in encoded])
    hf = AutoModel.from_pretrained(directory).eval()
    return SimpleNamespace(model_type=model_type, directory=directory, tokenizer=tokenizer,
                           config=config, model=model, tokens=tokens, rows=pieces, hf=hf,
                           checkpoint_ids=checkpoint_ids, options=options)  # fmt: skip


def reference_probabilities(tiny, rows: torch.Tensor) -> torch.Tensor:
    """p(class 1) of the unsplit checkpoint with its last layer's [CLS] row forced to `rows`
    (B, T) for every head, the classifier's linear head on the [CLS] output, sigmoid."""
    from transformers import AutoModel

    register_forced()
    hf = AutoModel.from_pretrained(tiny.directory).eval()
    hf.set_attn_implementation("forced_cls")
    FORCED.module, FORCED.row = last_attention(hf, tiny.model_type), rows
    present = (tiny.checkpoint_ids != tiny.tokenizer.pad_token_id).long()
    with torch.no_grad():
        cls = hf(input_ids=tiny.checkpoint_ids, attention_mask=present).last_hidden_state[:, 0]
        head = tiny.model.decoder
        return torch.sigmoid(cls @ head.weight[0] + head.bias[0])


def random_stacks(mask: torch.Tensor, n: int, seed: int = 0) -> torch.Tensor:
    """n random distributions over each row's real pieces (B, n, T), 0 elsewhere."""
    g = torch.Generator().manual_seed(seed)
    raw = torch.rand((mask.shape[0], n, mask.shape[1]), generator=g) ** 3
    raw = raw * mask.unsqueeze(1)
    return raw / raw.sum(-1, keepdim=True)


def test_the_checkpoint_ids_are_the_project_ids_mapped_back(tiny):
    """The reference's input is the tokenizer's own ids: they are the classifier's project
    ids through the order ([PAD], [UNK], [CLS], [SEP] at 0..3, the rest increasing)."""
    specials = [tiny.tokenizer.pad_token_id, tiny.tokenizer.unk_token_id,
                tiny.tokenizer.cls_token_id, tiny.tokenizer.sep_token_id]  # fmt: skip
    expected = torch.empty_like(tiny.tokens)
    for (b, t), p in np.ndenumerate(tiny.tokens.numpy()):
        rest = sorted(set(range(len(tiny.tokenizer))) - set(specials))
        expected[b, t] = specials[p] if p < 4 else rest[p - 5]
    assert torch.equal(expected, tiny.checkpoint_ids)
    assert (tiny.tokens[:, 0] == 2).all()  # [CLS] -> <SOS>


def test_engine_outputs_equal_the_unsplit_checkpoint_with_its_cls_row_forced(tiny):
    """For random attention stacks over the real pieces, and the model's own attention,
    `Engine.outputs` is the unsplit Hugging Face model (all L layers) whose last layer's
    [CLS] row is forced to those weights in every head, with the classifier's head."""
    engine = Engine(tiny.model)
    names = list(tiny.rows["id"])
    batch = engine.encode(np.arange(len(names)), names, tiny.tokens)
    stacks = torch.cat([batch.attention.unsqueeze(1), random_stacks(batch.mask, 5)], dim=1)
    got = engine.outputs(batch, stacks)
    assert got.shape == (len(names), 6, 2)
    expected = torch.stack([reference_probabilities(tiny, stacks[:, p]) for p in range(6)], 1)
    torch.testing.assert_close(got[..., 1], expected, atol=1e-5, rtol=0)
    torch.testing.assert_close(got[..., 0], 1 - expected, atol=1e-5, rtol=0)
    torch.testing.assert_close(batch.probs, got[:, 0])  # the model's own output
    # the attention moves the output well beyond the tolerance: a wrong row would show
    several = batch.lengths > 1
    assert (expected[several].amax(1) - expected[several].amin(1)).min() > 1e-3


def hand_heads(tiny) -> tuple[torch.Tensor, torch.Tensor]:
    """Each head's softmax over the real pieces of q_h(x_0) . k_h(x_t) / sqrt(d_h), from
    the last layer's query and key weights and the states entering it (the unsplit model's
    hidden states before layer L): (B, heads, T), and those states (B, T, d)."""
    present = (tiny.checkpoint_ids != tiny.tokenizer.pad_token_id).long()
    with torch.no_grad():
        out = tiny.hf(input_ids=tiny.checkpoint_ids, attention_mask=present,
                      output_hidden_states=True)  # fmt: skip
    x = out.hidden_states[-2]
    parts = last_parts(tiny.hf, tiny.model_type)
    heads = tiny.model.heads
    d_h = x.shape[-1] // heads
    real = tiny.model.masks(tiny.tokens)[1]
    expected = torch.zeros(x.shape[0], heads, x.shape[1])
    for b in range(x.shape[0]):
        q = x[b, 0] @ parts["query"].weight.T.detach() + parts["query"].bias.detach()
        for h in range(heads):
            cols = slice(h * d_h, (h + 1) * d_h)
            scores = {}
            for t in range(x.shape[1]):
                if real[b, t]:
                    k = x[b, t] @ parts["key"].weight.T.detach() + parts["key"].bias.detach()
                    scores[t] = float(q[cols] @ k[cols]) / math.sqrt(d_h)
            top = max(scores.values())
            total = sum(math.exp(s - top) for s in scores.values())
            for t, s in scores.items():
                expected[b, h, t] = math.exp(s - top) / total
    return expected, x


def test_head_distributions_are_each_heads_softmax_over_the_pieces_by_hand(tiny):
    expected, x = hand_heads(tiny)
    with torch.no_grad():
        hidden, mask = tiny.model.encode(tiny.tokens)
        got = tiny.model.head_distributions(hidden, mask)
        alpha = tiny.model.attend(hidden, mask)
    torch.testing.assert_close(hidden, x, atol=1e-5, rtol=0)  # layers 1..L-1 are the model's
    torch.testing.assert_close(got, expected, atol=1e-6, rtol=0)
    torch.testing.assert_close(alpha, expected.mean(1), atol=1e-6, rtol=0)
    assert not torch.allclose(expected[:, 0], expected[:, 1], atol=1e-3)  # heads differ


def test_a_saved_state_dict_round_trips_without_the_checkpoint(tiny):
    """Built from the config alone (random weights) then loaded from a state dict, the
    classifier gives the same outputs; without the load it does not."""
    options = {k: v for k, v in tiny.config.encoder_options.items() if k != "checkpoint"}
    config = ModelConfig(**{**tiny.config.to_dict(), "encoder_options": options})
    torch.manual_seed(5)
    fresh = build_model(config).eval()
    with torch.no_grad():
        logits, weights = tiny.model(tiny.tokens)
        assert not torch.allclose(fresh(tiny.tokens)[0], logits, atol=1e-3)
        fresh.load_state_dict(tiny.model.state_dict())
        again, again_weights = fresh(tiny.tokens)
    torch.testing.assert_close(again, logits, atol=1e-6, rtol=0)
    torch.testing.assert_close(again_weights, weights, atol=1e-6, rtol=0)


def test_word_embedding_row_p_is_the_checkpoints_row_order_p(tiny):
    """Project id p holds checkpoint row order[p] (the tokenizer's specials at 0..3, the
    unused <SEP> slot 4 zero, then the other ids in increasing order)."""
    table = tiny.hf.get_input_embeddings().weight.detach()
    got = tiny.model.embedding.weight.detach()
    t = tiny.tokenizer
    specials = [t.pad_token_id, t.unk_token_id, t.cls_token_id, t.sep_token_id]
    rest = sorted(set(range(len(t))) - set(specials))
    assert got.shape == (table.shape[0] + 1, table.shape[1])
    for p, c in enumerate(specials):
        torch.testing.assert_close(got[p], table[c], atol=0, rtol=0)
    assert torch.equal(got[4], torch.zeros(table.shape[1]))
    torch.testing.assert_close(got[5:], table[rest], atol=0, rtol=0)


def test_the_last_layer_moves_to_the_cls_attention_and_the_pooler_is_gone(tiny):
    state = tiny.model.state_dict()
    assert not [k for k in state if "pooler" in k]
    assert getattr(tiny.model.encoder, "pooler", None) is None
    layers = (tiny.model.encoder.transformer.layer if tiny.model_type == "distilbert"
              else tiny.model.encoder.encoder.layer)  # fmt: skip
    assert len(layers) == 2  # of the checkpoint's 3
    parts = last_parts(tiny.hf, tiny.model_type)
    for name in ("query", "key", "value", "out"):
        mine = getattr(tiny.model.attention, name)
        torch.testing.assert_close(mine.weight, parts[name].weight, atol=0, rtol=0)


def test_an_unsupported_model_type_names_itself(tiny):
    options = {**tiny.options, "hf_config": {"model_type": "gpt2", "n_layer": 2, "n_embd": 32,
                                             "n_head": 4, "vocab_size": 50}}  # fmt: skip
    config = ModelConfig(**{**tiny.config.to_dict(), "encoder_options": options})
    with pytest.raises(ValueError, match="model_type 'gpt2' is not supported; supported: "):
        build_model(config)


def test_clsuniform_has_no_query_or_key_and_gives_one_over_t(tiny):
    config = ModelConfig(**{**tiny.config.to_dict(), "attention": "clsuniform"})
    model = build_model(config).eval()
    assert not hasattr(model.attention, "query") and not hasattr(model.attention, "key")
    assert not [k for k in model.state_dict() if "attention.query" in k or "attention.key" in k]
    with torch.no_grad():
        hidden, mask = model.encode(tiny.tokens)
        alpha = model.attend(hidden, mask)
    counts = [len(s) for s in tiny.rows["token_ids"]]  # pieces + [CLS], [SEP]
    for row, n, real in zip(alpha, counts, mask, strict=True):
        assert torch.allclose(row[real], torch.full((n - 2,), 1.0 / (n - 2)))
        assert (row[~real] == 0).all()
