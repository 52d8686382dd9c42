"""The pretrained [CLS] classifier (`models.pretrained`) on tiny offline BERT and DistilBERT
checkpoints, against references that do not go through its code (the unsplit Hugging Face
model loaded from the same directory, its tokenizer, hand computations from its weights),
and the input-level rankings every model has (gradient, leave-one-out, Integrated
Gradients) run on it unchanged. The engine against the checkpoint with its [CLS] row
forced: tests/test_pretrained_model.py."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch

from attnaudit import settings
from attnaudit.analyses import faithfulness, serrano_smith
from attnaudit.data.batching import pad
from attnaudit.data.pieces import split_pieces
from attnaudit.importance import registry
from attnaudit.importance.integrated_gradients import attribute
from attnaudit.importance.scores import Options
from attnaudit.models.classifier import ModelConfig
from attnaudit.models.factory import build_model
from attnaudit.models.pretrained import hf_options
from tests.model_fixtures import small_model, small_rows
from tests.tiny_bert import make_tiny_bert, sharpen

WORDS = ["the", "good", "bad", "movie", "great", "awful", "film", "plot", "acting", "terrible",
         "wonderful", "boring"]  # fmt: skip
SENTENCES = [
    ["the", "good", "movie"],
    ["awful", "plotless", "acting", "is", "boring"],
    ["a", "wonderful", "film", "with", "great", "acting", "and", "a", "plot"],
    ["terrible"],
]


def last_parts(hf, model_type: str) -> dict[str, torch.nn.Linear]:
    """The last layer's query, key, value and output projections of the unsplit model."""
    if model_type == "distilbert":
        a = hf.transformer.layer[-1].attention
        return dict(query=a.q_lin, key=a.k_lin, value=a.v_lin, out=a.out_lin)
    layer = hf.encoder.layer[-1]
    s = layer.attention.self
    return dict(query=s.query, key=s.key, value=s.value, out=layer.attention.output.dense)


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
    heads = tiny.model.attention.heads
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


def test_gradient_and_leave_one_out_score_every_piece(tiny):
    """The embedding gradient and leave-one-out run on the classifier unchanged: one score
    per piece; leave-one-out the TVD of deleting the piece from the input list and running
    the model again (NaN only for a one-piece input, as for every model)."""
    rows = tiny.rows[["id", "token_ids"]]
    opts = Options(batch_size=3, deletions_per_pass=5)
    counts = [len(ids) - 2 for ids in rows["token_ids"]]
    gradient = registry.score("gradient", tiny.model, rows, opts).values
    assert [g.shape for g in gradient] == [(n,) for n in counts]
    assert all(np.isfinite(g).all() and (g >= 0).all() and g.max() > 0 for g in gradient)
    loo = registry.score("loo", tiny.model, rows, opts).values
    assert [v.shape for v in loo] == [(n,) for n in counts]
    with torch.no_grad():
        for ids, scores in zip(rows["token_ids"], loo, strict=True):
            if len(ids) == 3:
                assert np.isnan(scores).all()
                continue
            full = tiny.model.probabilities(tiny.model(torch.tensor([ids]))[0])[0]
            for t in range(1, len(ids) - 1):
                shortened = torch.tensor([ids[:t] + ids[t + 1 :]])
                less = tiny.model.probabilities(tiny.model(shortened)[0])[0]
                assert scores[t - 1] == pytest.approx(0.5 * float((full - less).abs().sum()),
                                                      abs=1e-6)  # fmt: skip
            assert scores.max() > 1e-4


def test_integrated_gradients_is_complete_on_the_classifier(tiny):
    """captum's IG on the word-piece embeddings (positions and segments still added): one
    signed score per piece, and completeness, sum_t IG_t over every position ([CLS] and
    [SEP] too) = p_yhat(x) - p_yhat(zero embeddings) up to captum's convergence delta,
    which is small at 64 Gauss-Legendre nodes."""
    rows = tiny.rows[["id", "token_ids"]]
    got = registry.score("integrated_gradients", tiny.model, rows,
                         Options(ig_steps=64, ig_batch_size=2))  # fmt: skip
    counts = [len(ids) - 2 for ids in rows["token_ids"]]
    assert [v.shape for v in got.values] == [(n,) for n in counts]
    assert all(np.isfinite(v).all() for v in got.values)
    model, gaps = tiny.model, []
    with torch.no_grad():
        for ids, scores, delta in zip(rows["token_ids"], got.values,
                                      got.columns["convergence_delta"], strict=True):  # fmt: skip
            tokens = torch.tensor([ids])
            p = model.probabilities(model(tokens)[0])[0]
            zero = torch.zeros(1, len(ids), model.embedding.embedding_dim)
            hidden = model.encode_embedded(zero, tokens)
            weights = model.attend(hidden, model.masks(tokens)[1])
            p0 = model.probabilities(model.decode(hidden, weights))[0]
            c = int(p.argmax())
            attributions, _, full_delta = attribute(model, tokens, 64)
            total = float(attributions.sum())
            assert total - float(p[c] - p0[c]) == pytest.approx(float(full_delta[0]), abs=1e-6)
            assert abs(delta) < 1e-3
            gaps.append(abs(float(p[c] - p0[c])))
            # alone or in a padded batch: the same up to float noise
            assert delta == pytest.approx(float(full_delta[0]), abs=1e-5)
            np.testing.assert_allclose(scores, attributions[0, 1:-1].double().numpy(),
                                       atol=1e-5)  # fmt: skip
    assert max(gaps) > 0.05  # the identity is not 0 = 0


def test_the_analyses_skip_the_transformer_rankings_on_other_models_and_run_each_head(tiny):
    """ERASER's rankings and multi-weight erasure, given the transformer explanations: on a
    BiLSTM none of them (only `attention` is left), on the pretrained classifier every one,
    `attention_heads` as one ordering per head whose scores are that head's softmax by
    hand."""
    names = ["attention", "attention_heads", "norm_attention"]
    cfg = settings.Eraser.of({"rankings": names, "n_random": 1})
    lstm, rows = small_model("lstm"), small_rows(n=5, seed=1)
    assert [r for r, *_ in faithfulness.ranking_scores(lstm, rows, cfg)] == ["attention"]
    multi = serrano_smith.multi_weight(lstm, rows, {"rankings": names})
    assert set(multi["ranking"]) == {"attention"}

    pieces = tiny.rows[["id", "label", "token_ids"]]
    got = faithfulness.ranking_scores(tiny.model, pieces, cfg)
    heads = tiny.model.attention.heads
    assert [(r, k) for r, k, *_ in got] == [
        ("attention", 0), *[("attention_heads", h) for h in range(heads)], ("norm_attention", 0)
    ]  # fmt: skip
    expected, _ = hand_heads(tiny)
    real = tiny.model.masks(tiny.tokens)[1]
    for _, h, scores, _ in got[1 : 1 + heads]:
        for b, values in enumerate(scores):
            np.testing.assert_allclose(values, expected[b, h][real[b]].numpy(), atol=1e-6)
    multi = serrano_smith.multi_weight(tiny.model, pieces, {"rankings": names})
    orderings = multi.groupby("ranking")["ordering"].unique().map(sorted).to_dict()
    assert orderings == {"attention": [0], "attention_heads": list(range(heads)),
                         "norm_attention": [0]}  # fmt: skip
