"""Input-level importance: measures that run the whole model (Jain & Wallace 2019).
(Leave-one-out, the other input-level measure, is in `leave_one_out`.)"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from attnaudit.data.batching import scored_batches
from attnaudit.engine import real_values
from attnaudit.importance.scores import Options
from attnaudit.models.classifier import AttentionClassifier


def gradient(model: AttentionClassifier, rows: pd.DataFrame, opts: Options) -> list[np.ndarray]:
    """g_t = |d p_yhat / d e_t . e_t|: the gradient of the predicted-class probability with
    respect to token t's embedding, dotted with the embedding, with attention treated as a
    constant (detached) as in Jain & Wallace's code."""
    model.eval()

    def score(index: np.ndarray, tokens: torch.Tensor) -> list[np.ndarray]:
        embedded = model.embedding(tokens).detach().requires_grad_(True)
        with torch.enable_grad():
            hidden = model.encode_embedded(embedded, tokens)
            mask = model.masks(tokens)[1]
            weights = model.attend(hidden, mask).detach()
            probs = model.probabilities(model.decode(hidden, weights))
            chosen = probs.max(dim=-1).values.sum()  # rows are independent: one backward
            (grad,) = torch.autograd.grad(chosen, embedded)
        return real_values((grad * embedded).sum(-1).abs(), mask)

    return scored_batches(list(rows["token_ids"]), opts.batch_size, score)
