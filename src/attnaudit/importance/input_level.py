"""Input-level importance: measures that run the whole model (Jain & Wallace 2019).

- gradient: g_t = |dy/de_t . e_t|, the gradient of the predicted-class probability with
  respect to token t's embedding, dotted with the embedding, with attention treated as a
  constant (detached) as in their code.
- leave-one-out: |y(x) - y(x without token t)| as the total variation distance between output
  distributions (for binary models, |p - p'|). Deletions of all tokens of several instances
  are stacked into one batch of shortened sequences, so the model runs once per chunk of
  deletions rather than once per deleted position.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from attnaudit.data.batching import bucketed_batches, pad
from attnaudit.data.tokens import PAD_ID
from attnaudit.models import AttentionClassifier


def gradient(model: AttentionClassifier, rows: pd.DataFrame, batch_size: int = 64):
    model.eval()
    ids = list(rows["token_ids"])
    out: list[np.ndarray] = [None] * len(ids)  # type: ignore[list-item]
    for index in bucketed_batches([len(s) for s in ids], batch_size):
        tokens = pad([ids[i] for i in index])
        embedded = model.embedding(tokens).detach().requires_grad_(True)
        with torch.enable_grad():
            hidden = model.encode_embedded(embedded, tokens)
            mask = model.masks(tokens)[1]
            weights = model.attend(hidden, mask).detach()
            probs = model.probabilities(model.decode(hidden, weights))
            chosen = probs.max(dim=-1).values.sum()  # rows are independent: one backward
            (grad,) = torch.autograd.grad(chosen, embedded)
        scores = (grad * embedded).sum(-1).abs().detach()
        for j, i in enumerate(index):
            out[i] = scores[j][mask[j]].numpy().astype(np.float64)
    return out


def deletions(token_ids: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
    """The sequences with one of `positions` removed: (len(positions), T - 1) for one row."""
    t = token_ids.shape[0]
    cols = torch.arange(t - 1).unsqueeze(0)
    return token_ids[cols + (cols >= positions.unsqueeze(1)).long()]


@torch.no_grad()
def leave_one_out(model: AttentionClassifier, rows: pd.DataFrame, per_pass: int = 512):
    """Per instance, the output change of deleting each real token; NaN for length-1 inputs
    (deleting the only token leaves nothing to attend to).

    Instances of similar length are grouped so that one forward pass runs about `per_pass`
    shortened sequences.
    """
    model.eval()
    ids = list(rows["token_ids"])
    out: list[np.ndarray] = [None] * len(ids)  # type: ignore[list-item]
    lengths = np.array([len(s) for s in ids])
    order = np.argsort(lengths, kind="stable")
    groups, current, size = [], [], 0
    for i in order:
        if current and size + lengths[i] - 2 > per_pass:
            groups.append(current)
            current, size = [], 0
        current.append(i)
        size += lengths[i] - 2
    groups.append(current)
    for index in groups:
        tokens = pad([ids[i] for i in index])
        base = model.probabilities(model(tokens)[0])
        positions = [row.nonzero().squeeze(-1) for row in model.masks(tokens)[1]]
        real = [len(p) for p in positions]
        stacked = torch.cat([deletions(tokens[j], p) for j, p in enumerate(positions)])
        stacked = stacked[:, : int((stacked != PAD_ID).sum(1).max())]
        probs = model.probabilities(model(stacked)[0])
        start = 0
        for j, (i, n) in enumerate(zip(index, real, strict=True)):
            change = 0.5 * (probs[start : start + n] - base[j]).abs().sum(-1)
            out[i] = change.numpy().astype(np.float64) if n > 1 else np.full(n, np.nan)
            start += n
    return out
