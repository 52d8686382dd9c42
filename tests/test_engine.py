"""Invariants of the decoder-level engine and the input-level importance measures."""

import numpy as np
import pytest
import torch

from attnaudit.data.batching import pad
from attnaudit.data.tokens import SEP_ID
from attnaudit.engine import Engine, per_instance
from attnaudit.importance import input_level, leave_one_out
from attnaudit.importance.scores import Options
from attnaudit.models.activations import tanh
from tests.model_fixtures import loo_by_rerun, small_model, small_rows

# the Orthogonal LSTM re-runs per deletion; the Diversity LSTM reuses the BiLSTM's states
ENCODERS = ["lstm", "gru", "cnn", "average", "ortholstm", "diversitylstm"]


@pytest.fixture(scope="module", params=ENCODERS)
def setup(request):
    model = small_model(request.param, seed=0)
    return model, small_rows()


def test_engine_outputs_equal_a_direct_forward_pass(setup):
    model, rows = setup
    engine = Engine(model, batch_size=7)
    seen = 0
    for batch in engine.batches(rows):
        for j, i in enumerate(batch.index):
            logits, weights = model(pad([rows["token_ids"].iloc[i]]))
            torch.testing.assert_close(batch.probs[j], model.probabilities(logits)[0])
            n = weights.shape[1]
            torch.testing.assert_close(batch.attention[j, :n], weights[0], atol=1e-6, rtol=1e-5)
            seen += 1
        again = engine.outputs(batch, batch.attention.unsqueeze(1))[:, 0]
        torch.testing.assert_close(again, batch.probs)
    assert seen == len(rows)


def test_permutations_move_weights_only_between_real_tokens(setup):
    model, rows = setup
    engine = Engine(model, batch_size=16)
    for batch in engine.batches(rows):
        perms = engine.random_permutations(batch, 50, seed=0)
        assert torch.all(perms[~batch.mask.unsqueeze(1).expand_as(perms)] == 0)
        base_sorted = batch.attention.sort(-1).values.unsqueeze(1).expand_as(perms)
        torch.testing.assert_close(perms.sort(-1).values, base_sorted)
        long = batch.lengths >= 4
        if long.any():  # permutations really shuffle
            assert (perms[long] != batch.attention[long].unsqueeze(1)).any()


def test_identity_permutation_and_erasing_nothing_change_nothing(setup):
    model, rows = setup
    engine = Engine(model, batch_size=16)
    for batch in engine.batches(rows):
        nothing = torch.zeros_like(batch.mask)
        same = engine.erase(batch.attention, nothing)
        torch.testing.assert_close(same, batch.attention)
        torch.testing.assert_close(engine.outputs(batch, same.unsqueeze(1))[:, 0], batch.probs)


def test_erasing_renormalises_and_zero_weight_items_change_nothing(setup):
    model, rows = setup
    engine = Engine(model, batch_size=16)
    for batch in engine.batches(rows):
        top = torch.zeros_like(batch.mask).scatter(1, batch.attention.argmax(1, keepdim=True), True)
        erased = engine.erase(batch.attention, top)
        keep = batch.lengths > 1
        torch.testing.assert_close(erased[keep].sum(-1), torch.ones(int(keep.sum())))
        assert torch.isnan(erased[~keep]).all()  # nothing left to attend to
        padding = ~batch.mask  # zero-attention positions
        torch.testing.assert_close(engine.erase(batch.attention, padding), batch.attention)


def test_leave_one_out_matches_one_run_per_deletion(setup):
    model, rows = setup
    fast = leave_one_out.leave_one_out(model, rows, per_pass=9)
    for i in range(0, len(rows), 5):
        expected = loo_by_rerun(model, rows["token_ids"].iloc[i])
        np.testing.assert_allclose(fast[i], expected, atol=1e-6)


def test_gradient_importance_matches_a_single_instance_computation(setup):
    model, rows = setup
    batched = input_level.gradient(model, rows, Options(batch_size=8))
    for i in range(0, len(rows), 7):
        alone = input_level.gradient(
            model, rows.iloc[[i]].reset_index(drop=True), Options(batch_size=1)
        )[0]
        np.testing.assert_allclose(batched[i], alone, rtol=1e-4, atol=1e-7)
        assert len(alone) == len(rows["token_ids"].iloc[i]) - 2 and np.all(alone >= 0)


@pytest.mark.parametrize("encoder", ["lstm", "gru", "cnn", "average", "diversitylstm"])
def test_leave_one_out_reusing_states_equals_rerunning(encoder):
    """Sentence separators inside the sequence, three classes, deletions split in chunks."""
    model = small_model(encoder, seed=3, n_classes=3)
    rows = small_rows(30, seed=4)
    rows["token_ids"] = [
        [s[0], *s[1:-1][:3], SEP_ID, *s[1:-1][3:], s[-1]] for s in rows["token_ids"]
    ]
    reused = leave_one_out.leave_one_out(model, rows, per_pass=40, max_elements=64)
    real = model.masks(pad(list(rows["token_ids"])))[1].sum(1).tolist()
    with torch.no_grad():
        for i, seq in enumerate(rows["token_ids"]):
            tokens = pad([seq])
            rows_of, deleted = model.masks(tokens)[1].nonzero(as_tuple=True)
            keep = torch.arange(len(seq) - 1).unsqueeze(0)
            shortened = tokens[rows_of.unsqueeze(1), keep + (keep >= deleted.unsqueeze(1)).long()]
            expected = leave_one_out.rerun_deletions(model, tokens)(rows_of, deleted, shortened)
            base = model.probabilities(model(tokens)[0])
            change = 0.5 * (expected - base).abs().sum(-1)
            assert len(reused[i]) == real[i]
            if real[i] > 1:
                np.testing.assert_allclose(reused[i], change.numpy(), atol=1e-6)


def test_fast_tanh_is_tanh():
    x = torch.linspace(-20, 20, 10001)
    torch.testing.assert_close(tanh(x), torch.tanh(x), atol=3e-7, rtol=0)


def test_outputs_decoded_in_chunks_equal_one_pass():
    """A stack decoded in chunks of two (and an uneven last one) gives the one-pass outputs."""
    model = small_model("average", seed=1, n_classes=3)
    rows = small_rows(6, seed=2)
    whole, chunked = Engine(model), Engine(model, max_elements=1)
    for batch in whole.batches(rows):
        b, t = batch.mask.shape
        chunked.max_elements = 2 * b * t  # two attention vectors per chunk
        stack = whole.random_permutations(batch, 5, seed=3)
        expected = whole.outputs(batch, stack)
        assert expected.shape == (b, 5, 3)
        torch.testing.assert_close(chunked.outputs(batch, stack), expected)
        for p in range(5):  # each slice is its own forward pass
            one = model.probabilities(model.decode(batch.hidden, stack[:, p]))
            torch.testing.assert_close(expected[:, p], one)


def test_random_draws_depend_on_the_seed_and_the_id_not_on_the_batch():
    """An instance's permutation keys are the same alone or in a padded batch; another seed or
    another id draws others."""
    model = small_model("average", seed=1)
    rows = small_rows(8, seed=5)
    engine = Engine(model, batch_size=8)
    (batch,) = engine.batches(rows)
    draws = per_instance(torch.rand, 7, batch, (3,))
    assert torch.all(draws[~batch.mask.unsqueeze(1).expand_as(draws)] == 0)
    for j, name in enumerate(batch.ids):
        alone = rows[rows["id"] == name].reset_index(drop=True)
        (single,) = Engine(model, batch_size=1).batches(alone)
        mine = per_instance(torch.rand, 7, single, (3,))[0]
        real = draws[j][:, batch.mask[j]]
        torch.testing.assert_close(real, mine[:, single.mask[0]], rtol=0, atol=0)
        other_seed = per_instance(torch.rand, 8, single, (3,))[0]
        assert not torch.equal(other_seed, mine)
    long = batch.lengths >= 3
    first, second = draws[long][:2]
    first, second = first[:, batch.mask[long][0]], second[:, batch.mask[long][1]]
    assert not torch.equal(first[:, :3], second[:, :3])  # two ids, two streams
