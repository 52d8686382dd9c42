"""Serrano & Smith erasure analyses: invariants on small seeded models."""

import numpy as np
import pandas as pd
import pytest
import torch

from attnaudit.analyses import serrano_smith
from attnaudit.data.batching import pad
from attnaudit.data.tokens import SEP_ID
from attnaudit.engine import Engine
from attnaudit.importance.integrated_gradients import attribute
from attnaudit.report import tables
from tests.model_fixtures import small_model, small_rows


@pytest.fixture(scope="module")
def rows():
    return small_rows(n=40, seed=3)


def test_single_weight_columns_and_consistency(rows):
    model = small_model("lstm")
    out = serrano_smith.single_weight(model, rows)
    assert set(out["ranking"]) == {"attention", "attention_gradient", "grad_x_attention"}
    assert (out["length"] > 1).all()  # length-1 inputs are skipped
    assert (out["top_position"] != out["random_position"]).all()
    assert out[["jsd_top", "jsd_random"]].stack().between(0, np.log(2) + 1e-7).all()
    np.testing.assert_allclose(out["delta_jsd"], out["jsd_top"] - out["jsd_random"])
    att = out[out["ranking"] == "attention"]
    assert (att["delta_attention"] >= 0).all()  # the top-attended item has the most weight


def test_erasing_a_zero_weight_item_changes_nothing(rows):
    model = small_model("average")
    engine = Engine(model, batch_size=16)
    for batch in engine.batches(rows):
        zeroed = batch.attention.clone()
        zeroed[:, 1] = 0.0
        zeroed = zeroed / zeroed.sum(-1, keepdim=True)
        erased = torch.zeros_like(batch.mask)
        erased[:, 1] = True
        again = engine.erase(zeroed, erased)
        keep = batch.lengths > 1
        torch.testing.assert_close(again[keep], zeroed[keep])
        torch.testing.assert_close(again[keep].sum(-1), torch.ones(int(keep.sum())))


def test_flip_count_is_the_first_flip_and_monotone(rows):
    """Erasing more items never 'unflips' the count: the reported k is the first flip, and
    every prefix shorter than k keeps the decision."""
    model = small_model("lstm", seed=2)
    engine = Engine(model, batch_size=64)
    batch = next(engine.batches(rows))
    places = serrano_smith.ranks_from_scores(batch.attention, batch.mask)
    first, flipped, exhausted = serrano_smith.flip_fraction(engine, batch, places)
    assert not exhausted.any()  # softmax attention never runs out of mass
    pred = batch.probs.argmax(-1)
    for j in range(len(first)):
        n = int(batch.lengths[j])
        limit = int(first[j]) if flipped[j] else n - 1
        for k in range(1, limit + 1):
            erased = (places[j] < k).unsqueeze(0)
            w = engine.erase(batch.attention[j : j + 1], erased)
            p = engine.probabilities(_single(batch, j), w.unsqueeze(1))[0, 0]
            assert (p.argmax() != pred[j]) == (flipped[j] and k == limit)


def _single(batch, j):
    from attnaudit.engine import EncodedBatch

    return EncodedBatch(
        batch.index[j : j + 1], batch.ids[j : j + 1], batch.token_ids[j : j + 1],
        batch.hidden[j : j + 1], batch.contributions[j : j + 1], batch.mask[j : j + 1],
        batch.attention[j : j + 1], batch.probs[j : j + 1],
    )  # fmt: skip


def test_multi_weight_fractions(rows):
    model = small_model("cnn")
    out = serrano_smith.multi_weight(model, rows, {"n_random": 3, "ig_steps": 20})
    assert set(out["ranking"]) == {"attention", "attention_gradient", "grad_x_attention", "random",
                                   "loo", "integrated_gradients"}  # fmt: skip
    assert sorted(out.loc[out["ranking"] == "random", "ordering"].unique()) == [0, 1, 2]
    done = out[out["flipped"]]
    assert done["fraction"].between(0, 1, inclusive="right").all()
    assert (done["n_erased"] < done["length"]).all()
    assert out.loc[~out["flipped"], "fraction"].isna().all()


def test_integrated_gradients_completeness():
    torch.manual_seed(0)
    model = small_model("lstm")
    rows = small_rows(n=6, seed=5)
    tokens = pad(list(rows["token_ids"]))
    scores, target, delta = attribute(model, tokens, n_steps=300)
    with torch.no_grad():
        embedded = model.embedding(tokens)
        hidden = model.encode_embedded(embedded, tokens)
        w = model.attend(hidden, model.masks(tokens)[1])
        p = model.probabilities(model.decode(hidden, w)).gather(1, target.view(-1, 1))[:, 0]
        h0 = model.encode_embedded(torch.zeros_like(embedded), tokens)
        w0 = model.attend(h0, model.masks(tokens)[1])
        p0 = model.probabilities(model.decode(h0, w0)).gather(1, target.view(-1, 1))[:, 0]
    torch.testing.assert_close(scores.sum(-1), p - p0, atol=2e-3, rtol=0)
    assert delta.abs().max() < 2e-3


def test_input_level_scores_land_on_their_tokens_around_sentence_separators():
    """Flat models on sentence-split text: a token's LOO/IG score goes to that token's
    position, not to the <SEP> before it."""
    model = small_model("gru")
    rows = small_rows(n=8, seed=1)
    rows["token_ids"] = [[s[0], 7, SEP_ID, *s[1:]] for s in rows["token_ids"]]
    batch = next(Engine(model, batch_size=8).batches(rows))
    scores = [np.arange(1.0, n + 1) for n in rows["token_ids"].map(lambda s: len(s) - 3)]
    placed = serrano_smith.at_items(batch, scores)
    for j, i in enumerate(batch.index):
        assert placed[j, 2] == 0.0  # the separator
        assert placed[j, 1] == 1.0 and placed[j, 3] == 2.0
        np.testing.assert_array_equal(placed[j][batch.mask[j]].numpy(), scores[i])


def test_flip_fraction_table_counts_never_flipped_and_pairs_with_attention():
    rows = []
    # per instance: (length, attention n_erased or None, gradient n_erased or None)
    cases = {"a": (10, 5, 2), "b": (10, None, 3), "c": (10, 2, 4), "d": (10, 1, None)}
    for seed in (1, 2):
        for key, (length, att, grad) in cases.items():
            for ranking, n in (("attention", att), ("gradient", grad)):
                rows.append({"dataset": "d", "model": "m", "seed": seed, "id": key,
                             "ranking": ranking, "ordering": 0, "length": length,
                             "flipped": n is not None, "n_erased": n or 0,
                             "fraction": n / length if n else np.nan})  # fmt: skip
    table = tables.flip_fractions(pd.DataFrame(rows)).set_index("ranking")
    att, grad = table.loc["attention"], table.loc["gradient"]
    assert att["median_fraction"] == pytest.approx(0.2)  # flipped: 0.5, 0.2, 0.1
    assert att["never_flipped"] == pytest.approx(0.25)
    assert att["median_fraction_all"] == pytest.approx(0.35)  # 0.5, 1, 0.2, 0.1
    assert grad["median_fraction_all"] == pytest.approx(0.35)  # 0.2, 0.3, 0.4, 1
    # flipped by both: a (2 < 5) and c (4 > 2)
    assert grad["fewer_than_attention"] == pytest.approx(0.5)
    assert grad["more_than_attention"] == pytest.approx(0.5)
    assert np.isnan(att["fewer_than_attention"]) and grad["n_seeds"] == 2
