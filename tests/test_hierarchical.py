"""Hierarchical attention networks: sentence layout, padding invariance, engine items."""

import pandas as pd
import pytest
import torch

from attnaudit.data import tokens as tok
from attnaudit.data.batching import pad
from attnaudit.engine import Engine
from attnaudit.models import ModelConfig, build_model
from attnaudit.models.hierarchical import HierarchicalClassifier

S, E = tok.SOS_ID, tok.EOS_ID
SEP = tok.SEP_ID
DOCS = [
    [S, 7, 8, SEP, 9, 10, 11, SEP, 12, E],  # 3 sentences
    [S, 7, E],  # 1 sentence, 1 token
    [S, 20, 21, 22, 23, SEP, 24, E],  # 2 sentences
]


def test_sentence_splitting_keeps_boundaries_as_sep():
    text = "A great film. Truly!<br />The 2nd half drags... but the end works."
    assert tok.tokenize_sentences(text) == [
        "a",
        "great",
        "film",
        "<SEP>",
        "truly",
        "<SEP>",
        "the",
        "qqq",
        "half",
        "drags",
        "but",
        "the",
        "end",
        "works",
    ]  # fmt: skip  ("..." before a lower-case word ends no sentence)


def test_layout_places_each_token_in_its_sentence():
    rows, cols, sent, pos, n = HierarchicalClassifier.sentence_layout(pad(DOCS))
    assert n.tolist() == [3, 1, 2]
    got = {(int(r), int(s), int(p)): int(pad(DOCS)[r, c]) for r, c, s, p in
           zip(rows, cols, sent, pos, strict=True)}  # fmt: skip
    assert got[(0, 0, 0)] == 7 and got[(0, 0, 1)] == 8 and got[(0, 1, 2)] == 11
    assert got[(0, 2, 0)] == 12 and got[(1, 0, 0)] == 7 and got[(2, 1, 0)] == 24


@pytest.mark.parametrize("encoder", ["hangru", "hancnn", "hanaverage"])
@pytest.mark.parametrize("n_classes", [2, 5])
def test_sentence_attention_is_the_topmost_and_padding_changes_nothing(encoder, n_classes):
    torch.manual_seed(0)
    config = ModelConfig(vocab_size=30, n_classes=n_classes, encoder=encoder, embedding_dim=8)
    model = build_model(config).eval()
    assert isinstance(model, HierarchicalClassifier)
    with torch.no_grad():
        logits, weights = model(pad(DOCS))
        assert weights.shape == (3, 3)  # documents x sentences
        assert [int((w > 0).sum()) for w in weights] == [3, 1, 2]
        torch.testing.assert_close(weights.sum(-1), torch.ones(3))
        for i, doc in enumerate(DOCS):
            alone, w = model(pad([doc]))
            torch.testing.assert_close(alone[0], logits[i], atol=1e-5, rtol=1e-5)
            torch.testing.assert_close(w[0], weights[i, : w.shape[1]], atol=1e-6, rtol=1e-5)
    assert [model.item_count(d) for d in DOCS] == [3, 1, 2]


def test_engine_items_are_sentences():
    torch.manual_seed(1)
    model = build_model(ModelConfig(vocab_size=30, encoder="hangru", embedding_dim=8))
    rows = pd.DataFrame({"id": ["a", "b", "c"], "label": [0, 1, 0], "token_ids": DOCS})
    engine = Engine(model, batch_size=3)
    batch = next(engine.batches(rows))
    assert sorted(batch.mask.sum(1).tolist()) == [1, 2, 3]  # items are sentences
    again = engine.outputs(batch, batch.attention.unsqueeze(1))[:, 0]
    torch.testing.assert_close(again, batch.probs)
