"""Leave-one-out importance: |y(x) - y(x without token t)| as a TVD, for every real token.

The whole model runs on each shortened input (Jain & Wallace's input-level measure), but
for a bidirectional LSTM or GRU most of that run is already known. Deleting token t leaves
the forward states before t and the backward states after t unchanged, so only the forward
recurrence from t on (starting from the state at t - 1) and the backward recurrence below
t (starting from the state at t + 1) are recomputed, and every token's input projection is
computed once. The result is the same model run, not an approximation (tests compare it
with one full run per deletion). The recomputed recurrences of all deletions of a group of
instances run together in a time-step loop over a shrinking prefix of rows (the layout of
a packed sequence). A convolutional encoder's states change only within its kernel radius
of the deletion (none for the no-encoder model): that window is recomputed and the other
states are the old ones, shifted past t. Other models (hierarchical ones) re-run on the
stacked shortened sequences.

Memory stays bounded: instances are grouped by length, and the deletions of a group are
evaluated in chunks of at most `max_elements` (deletions x sequence length) entries.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import torch
from torch import nn

from attnaudit.data.batching import pad
from attnaudit.data.tokens import PAD_ID
from attnaudit.importance.scores import Options
from attnaudit.models.activations import tanh
from attnaudit.models.classifier import AttentionClassifier
from attnaudit.models.encoders import AverageEncoder, BiLSTMEncoder, CNNEncoder


class RecurrentCell:
    """One direction of a single-layer nn.LSTM / nn.GRU, stepped by hand.

    A state is (h, c) for an LSTM and (h,) for a GRU; `project` is the input half of the
    gates, computed once per token.
    """

    def __init__(self, rnn: nn.LSTM | nn.GRU, suffix: str):
        self.lstm = isinstance(rnn, nn.LSTM)
        self.size = rnn.hidden_size
        self.w_ih, self.w_hh = (getattr(rnn, f"{n}_l0{suffix}") for n in ("weight_ih", "weight_hh"))
        self.b_ih, self.b_hh = (getattr(rnn, f"{n}_l0{suffix}") for n in ("bias_ih", "bias_hh"))
        self.w_hh_t = self.w_hh.t().contiguous()

    def project(self, x: torch.Tensor) -> torch.Tensor:
        bias = self.b_ih + self.b_hh if self.lstm else self.b_ih
        return torch.nn.functional.linear(x, self.w_ih, bias)

    def zeros(self, rows: int) -> tuple[torch.Tensor, ...]:
        h = self.w_hh.new_zeros(rows, self.size)
        return (h, h.clone()) if self.lstm else (h,)

    def step(self, projected: torch.Tensor, state: tuple[torch.Tensor, ...]):
        n, h = self.size, state[0]
        if self.lstm:
            gates = torch.addmm(projected, h, self.w_hh_t)
            i, f, _, o = gates.sigmoid().split(n, 1)
            c = torch.addcmul(f * state[1], i, tanh(gates[:, 2 * n : 3 * n]))
            return o * tanh(c), c
        hidden = torch.addmm(self.b_hh, h, self.w_hh_t)
        r, z = (projected[:, : 2 * n] + hidden[:, : 2 * n]).sigmoid().split(n, 1)
        new = tanh(torch.addcmul(projected[:, 2 * n :], r, hidden[:, 2 * n :]))
        return (torch.addcmul(new, z, h - new),)


def base_states(cell: RecurrentCell, projected: torch.Tensor, lengths: torch.Tensor,
                reverse: bool) -> list[torch.Tensor]:  # fmt: skip
    """States (B, T + 2, n) of one direction on the padded batch (h, and c for an LSTM),
    framed by zero states: forward, column s + 1 holds the state after tokens 0..s;
    backward, column s + 1 the state after tokens L - 1 down to s (zero for s >= L).
    """
    b, t, _ = projected.shape
    state = cell.zeros(b)
    out = [x.new_zeros(b, t + 2, cell.size) for x in state]
    for s in reversed(range(t)) if reverse else range(t):
        stepped = cell.step(projected[:, s], state)
        if reverse:  # rows shorter than s + 1 stay at the zero state
            live = (lengths > s).unsqueeze(1)
            pairs = zip(stepped, state, strict=True)
            stepped = tuple(torch.where(live, new, old) for new, old in pairs)
        state = stepped
        for buffer, x in zip(out, state, strict=True):
            buffer[:, s + 1] = x
    return out


def run_rows(cell: RecurrentCell, projected: torch.Tensor, inputs: torch.Tensor,
             targets: torch.Tensor, steps: torch.Tensor, start: tuple[torch.Tensor, ...],
             into: torch.Tensor, rows_per_chunk: int) -> None:  # fmt: skip
    """For each row p, run `cell` from state `start[p]` over the inputs
    `projected[inputs[p, k]]`, k < steps[p], writing the k-th hidden state to row
    `targets[p, k]` of `into`.

    Rows are sorted by their number of steps and run in cache-sized chunks, so in each
    chunk the rows still running form a shrinking prefix.
    """
    order = torch.argsort(steps, descending=True, stable=True)
    for first in range(0, len(order), rows_per_chunk):
        chunk = order[first : first + rows_per_chunk]
        state = tuple(x[chunk] for x in start)
        counts, width = steps[chunk], int(steps[chunk[0]]) if len(chunk) else 0
        active = (counts.unsqueeze(0) > torch.arange(width).unsqueeze(1)).sum(1).tolist()
        source, target = inputs[chunk], targets[chunk]
        for k, a in enumerate(active):
            state = cell.step(projected.index_select(0, source[:a, k]), tuple(x[:a] for x in state))
            into.index_copy_(0, target[:a, k], state[0])


ROWS_PER_CHUNK = 1024  # deletions whose states and gates fit in a 2-core machine's cache

# Given the rows of a group, the deleted position and the shortened sequences (N, T - 1) of
# a chunk of deletions, their output distributions (N, C).
Deletions = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]


def recurrent_deletions(model: AttentionClassifier, tokens: torch.Tensor,
                        rows_per_chunk: int = ROWS_PER_CHUNK) -> Deletions:  # fmt: skip
    """For a BiLSTM / BiGRU: the stored states of both directions on `tokens`, computed once
    per group, and the function that evaluates deletions reusing the unchanged ones."""
    rnn = model.encoder.rnn
    lengths = model.masks(tokens)[0].sum(1)
    embedded = model.embedding(tokens)
    b, t = tokens.shape
    directions = []
    for suffix, reverse in (("", False), ("_reverse", True)):
        cell = RecurrentCell(rnn, suffix)
        projected = cell.project(embedded)
        directions.append((cell, projected, base_states(cell, projected, lengths, reverse)))

    def run(rows: torch.Tensor, deleted: torch.Tensor, shortened: torch.Tensor):
        n_pairs, width = shortened.shape
        cols = torch.arange(width).unsqueeze(0)
        halves = []
        for reverse, (cell, projected, states) in zip((False, True), directions, strict=True):
            # the unchanged states: forward at new position j < t is old j (column j + 1);
            # backward at new position j >= t is old j + 1 (column j + 2)
            # (padding: column 0, the zero state)
            column = (cols + (2 if reverse else 1)).clamp(max=t + 1)
            column = column.masked_fill(cols >= (lengths[rows] - 1).unsqueeze(1), 0)
            hidden = states[0][rows.unsqueeze(1), column]
            if reverse:  # from the state after tokens L - 1 .. t + 1, over tokens t - 1 .. 0
                steps, start = deleted, (x[rows, deleted + 2] for x in states)
                offsets = -torch.arange(int(steps.max()))
            else:  # from the state after tokens 0 .. t - 1, over tokens t + 1 .. L - 1
                steps, start = lengths[rows] - 1 - deleted, (x[rows, deleted] for x in states)
                offsets = torch.arange(int(steps.max()))
            new_position = (deleted - 1 if reverse else deleted).unsqueeze(1) + offsets
            shift = 0 if reverse else 1
            source = rows.unsqueeze(1) * t + (new_position + shift).clamp(0, t - 1)
            target = torch.arange(n_pairs).unsqueeze(1) * width + new_position.clamp(0, width - 1)
            flat = hidden.reshape(n_pairs * width, -1)
            run_rows(cell, projected.reshape(b * t, -1), source, target, steps, tuple(start),
                     flat, rows_per_chunk)  # fmt: skip
            halves.append(hidden)
        return attend_and_decode(model, halves, model.masks(shortened)[1], rows_per_chunk)

    return run


def attend_and_decode(model: AttentionClassifier, parts: list[torch.Tensor], real: torch.Tensor,
                      rows_per_chunk: int) -> torch.Tensor:  # fmt: skip
    """Output distributions from hidden states given as feature blocks `parts` (N, T, .),
    attention and decoder over cache-sized slices of the deletions."""
    probs = []
    for s in range(0, len(real), rows_per_chunk):
        hidden = torch.cat([part[s : s + rows_per_chunk] for part in parts], dim=-1)
        weights = model.attend(hidden, real[s : s + rows_per_chunk])
        probs.append(model.probabilities(model.decode(hidden, weights)))
    return torch.cat(probs)


def window_radius(encoder: torch.nn.Module) -> int | None:
    """How many tokens either side an encoder's state sees: 0 for the no-encoder model,
    k // 2 for same-padded convolutions of odd widths k; None for anything else."""
    if isinstance(encoder, AverageEncoder):
        return 0
    if isinstance(encoder, CNNEncoder):
        widths = [conv.kernel_size[0] for conv in encoder.convs]
        if all(
            w % 2 == 1 and conv.padding[0] == w // 2
            for w, conv in zip(widths, encoder.convs, strict=True)
        ):
            return max(widths) // 2
    return None


def local_deletions(model: AttentionClassifier, tokens: torch.Tensor,
                    rows_per_chunk: int = ROWS_PER_CHUNK) -> Deletions:  # fmt: skip
    """For encoders that see a window of r tokens either side (a same-padded CNN with
    kernels up to 2r + 1 wide; the no-encoder model, r = 0): deleting token t changes only
    new positions t - r .. t + r - 1; before them the states are the old ones (computed
    once per group), after them the old ones shifted by one. Only that window is
    recomputed."""
    encoder = model.encoder
    radius = window_radius(encoder)
    present = model.masks(tokens)[0]
    old = encoder(model.embedding(tokens), present.sum(1), present)
    t = tokens.shape[1]

    def run(rows: torch.Tensor, deleted: torch.Tensor, shortened: torch.Tensor):
        n_pairs, width = shortened.shape
        cols = torch.arange(width).unsqueeze(0)
        source = torch.where(cols < deleted.unsqueeze(1), cols, cols + 1).clamp(max=t - 1)
        hidden = old[rows.unsqueeze(1), source]
        if radius:
            # a patch of the shortened sequence, t - 2r .. t + 2r - 1, holds the receptive
            # fields of the window's 2r positions
            at = deleted.unsqueeze(1) + torch.arange(-2 * radius, 2 * radius)
            inside = (at >= 0) & (at < width)
            patch = shortened.gather(1, at.clamp(0, width - 1)).masked_fill(~inside, PAD_ID)
            mask = model.masks(patch)[0]
            window = encoder(model.embedding(patch), mask.sum(1), mask)[:, radius : 3 * radius]
            at = at[:, radius : 3 * radius]
            keep = (at >= 0) & (at < width)
            pair = torch.arange(n_pairs).unsqueeze(1).expand_as(at)
            hidden[pair[keep], at[keep]] = window[keep]
        return attend_and_decode(model, [hidden], model.masks(shortened)[1], rows_per_chunk)

    return run


def rerun_deletions(model: AttentionClassifier, tokens: torch.Tensor) -> Deletions:
    """For any other model: the whole model run on the shortened sequences."""
    return lambda rows, deleted, shortened: model.probabilities(model(shortened)[0])


def length_groups(lengths: np.ndarray, per_group: int) -> list[list[int]]:
    """Instances in order of length, grouped so that a group has about `per_group`
    deletions (real tokens)."""
    groups, current, size = [], [], 0
    for i in np.argsort(lengths, kind="stable"):
        if current and size + lengths[i] > per_group:
            groups.append(current)
            current, size = [], 0
        current.append(int(i))
        size += int(lengths[i])
    groups.append(current)
    return groups


@torch.no_grad()
def leave_one_out(model: AttentionClassifier, rows: pd.DataFrame, per_pass: int = 4096,
                  max_elements: int = 1 << 20) -> list[np.ndarray]:  # fmt: skip
    """Per instance, the output change of deleting each real token; NaN for length-1 inputs
    (deleting the only token leaves nothing to attend to)."""
    model.eval()
    prepare = rerun_deletions
    if not model.hierarchical and isinstance(model.encoder, BiLSTMEncoder):
        prepare = recurrent_deletions
    elif not model.hierarchical and window_radius(model.encoder) is not None:
        prepare = local_deletions
    ids = list(rows["token_ids"])
    out: list[np.ndarray] = [None] * len(ids)  # type: ignore[list-item]
    for index in length_groups(np.array([len(s) for s in ids]), per_pass):
        tokens = pad([ids[i] for i in index])
        base = model.probabilities(model(tokens)[0])
        real = model.masks(tokens)[1]
        rows_of, deleted = real.nonzero(as_tuple=True)
        counts = real.sum(1).tolist()
        chunk = max(1, max_elements // tokens.shape[1])
        run, keep, probs = prepare(model, tokens), torch.arange(tokens.shape[1] - 1), []
        for s in range(0, len(deleted), chunk):
            r, d = rows_of[s : s + chunk], deleted[s : s + chunk]
            shortened = tokens[r.unsqueeze(1), keep + (keep >= d.unsqueeze(1)).long()]
            shortened = shortened[:, : int((shortened != PAD_ID).sum(1).max())]
            probs.append(run(r, d, shortened))
        change = 0.5 * (torch.cat(probs) - base[rows_of]).abs().sum(-1)
        for i, part, n in zip(index, change.split(counts), counts, strict=True):
            out[i] = part.numpy().astype(np.float64) if n > 1 else np.full(n, np.nan)
    return out


def loo(model: AttentionClassifier, rows: pd.DataFrame, opts: Options) -> list[np.ndarray]:
    """l_t = TVD(y(x), y(x without token t)) = sum_c |y_c(x) - y_c(x without t)| / 2 for
    each real token t, the whole model run on the shortened input (NaN for one-token
    inputs): `leave_one_out` with the analysis's `deletions_per_pass`."""
    return leave_one_out(model, rows, opts.deletions_per_pass)
