"""Input-level importance: measures that run the whole model (Jain & Wallace 2019).

- gradient: g_t = |dy/de_t . e_t|, the gradient of the predicted-class probability with
  respect to token t's embedding, dotted with the embedding, with attention treated as a
  constant (detached) as in their code.
(Leave-one-out, the other input-level measure, is in `leave_one_out`.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from attnaudit.data.batching import bucketed_batches, pad
from attnaudit.models.classifier import AttentionClassifier


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
