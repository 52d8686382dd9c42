"""Leave-one-out importance on a few small inputs against its definition: one whole-model
run per deletion, TVD to the full input's output. Each way of reusing states (BiLSTM, BiGRU,
same-padded CNN, no encoder, rerun) with its chunking forced small, so every loop and
window boundary is crossed; quick enough for the mutation run (docs/mutation.md)."""

import numpy as np
import pytest
import torch

from attnaudit.data.batching import pad
from attnaudit.data.tokens import SEP_ID
from attnaudit.importance import leave_one_out as loo
from attnaudit.models.encoders import AverageEncoder, CNNEncoder
from tests.model_fixtures import small_model, small_rows

pytestmark = pytest.mark.usefixtures("one_thread")


def rows_with_separators(n: int, seed: int):
    rows = small_rows(n, seed=seed)
    # a <SEP> after the third real token of the longer ones (an item that is not a token)
    rows["token_ids"] = [
        [s[0], *s[1:-1][:3], SEP_ID, *s[1:-1][3:], s[-1]] if len(s) > 6 else s
        for s in rows["token_ids"]
    ]
    return rows


@torch.no_grad()
def by_definition(model, seq: list[int]) -> np.ndarray:
    """0.5 * |y(x) - y(x without item t)|_1 for each real token t, one run per deletion."""
    base = model.probabilities(model(pad([seq]))[0])[0]
    real = model.masks(pad([seq]))[1][0].nonzero().squeeze(-1).tolist()
    out = []
    for t in real:
        p = model.probabilities(model(pad([seq[:t] + seq[t + 1 :]]))[0])[0]
        out.append(0.5 * float((p - base).abs().sum()))
    return np.array(out)


@pytest.mark.parametrize(
    ("encoder", "n_classes"),
    [("lstm", 2), ("gru", 3), ("cnn", 3), ("average", 2), ("ortholstm", 2)],
)
def test_leave_one_out_is_one_run_per_deletion(encoder, n_classes):
    model = small_model(encoder, seed=5, n_classes=n_classes)
    rows = rows_with_separators(9, seed=11)
    # groups of about 12 deletions, chunks of 3 deletions (32 // width 9 or more)
    scores = loo.leave_one_out(model, rows, per_pass=12, max_elements=32)
    for seq, got in zip(rows["token_ids"], scores, strict=True):
        n = sum(1 for t in seq[1:-1] if t != SEP_ID)
        assert len(got) == n
        if n == 1:
            assert np.isnan(got).all()  # nothing left to attend to
        else:
            np.testing.assert_allclose(got, by_definition(model, seq), atol=1e-6)


@pytest.mark.parametrize("encoder", ["lstm", "gru", "cnn", "average"])
def test_reused_states_in_small_chunks_equal_rerunning(encoder):
    """The deletion functions themselves, with two rows per chunk: every chunk boundary of
    the recurrences and of attention + decoding."""
    model = small_model(encoder, seed=2, n_classes=2)
    rows = rows_with_separators(6, seed=3)
    tokens = pad(list(rows["token_ids"]))
    real = model.masks(tokens)[1]
    rows_of, deleted = real.nonzero(as_tuple=True)
    keep = torch.arange(tokens.shape[1] - 1)
    shortened = tokens[rows_of.unsqueeze(1), keep + (keep >= deleted.unsqueeze(1)).long()]
    prepare = loo.recurrent_deletions if encoder in ("lstm", "gru") else loo.local_deletions
    with torch.no_grad():
        got = prepare(model, tokens, rows_per_chunk=2)(rows_of, deleted, shortened)
        expected = model.probabilities(model(shortened)[0])
    torch.testing.assert_close(got, expected, atol=1e-6, rtol=1e-5)


def test_window_radius_of_each_encoder():
    assert loo.window_radius(AverageEncoder(4, 6)) == 0
    assert loo.window_radius(CNNEncoder(4, kernel_sizes=(1, 3, 5, 7), filters=2)) == 3
    assert loo.window_radius(CNNEncoder(4, kernel_sizes=(3,), filters=2)) == 1
    assert loo.window_radius(CNNEncoder(4, kernel_sizes=(1,), filters=2)) == 0
    assert loo.window_radius(CNNEncoder(4, kernel_sizes=(3, 4), filters=2)) is None  # even
    assert loo.window_radius(small_model("lstm").encoder) is None


def test_length_groups_fill_up_to_the_deletions_per_group():
    # lengths in order: 1 (i=3), 2 (i=1), 3 (i=0), 3 (i=4), 5 (i=2); at most 5 per group
    groups = loo.length_groups(np.array([3, 2, 5, 1, 3]), per_group=5)
    assert groups == [[3, 1], [0], [4], [2]]
    assert loo.length_groups(np.array([2, 2, 2]), per_group=4) == [[0, 1], [2]]
    assert loo.length_groups(np.array([7]), per_group=4) == [[0]]  # one longer than a group
    # four single-token instances fill a group of 4 (the sum of lengths, not their product),
    # and so do the next four (each group counts from zero)
    ones = loo.length_groups(np.ones(9, dtype=int), per_group=4)
    assert ones == [[0, 1, 2, 3], [4, 5, 6, 7], [8]]


@pytest.mark.parametrize("encoder", ["lstm", "gru", "cnn", "average"])
def test_flat_models_reuse_states_rather_than_rerunning(encoder, monkeypatch):
    """The fast paths are taken (the numbers are the same either way; the time is not)."""

    def rerun(model, tokens):
        raise AssertionError(f"{encoder}: whole-model rerun instead of reused states")

    monkeypatch.setattr(loo, "rerun_deletions", rerun)
    rows = small_rows(3, seed=2)
    scores = loo.leave_one_out(small_model(encoder, seed=1), rows)
    assert [len(s) for s in scores] == [len(s) - 2 for s in rows["token_ids"]]
