"""Integrated Gradients on the token embeddings, with captum.

Attribution of the predicted-class probability to each token, relative to an all-zero
embedding baseline, summed over embedding dimensions (signed: positive = evidence for the
predicted class). Completeness holds: the attributions over all positions sum to
p(x) - p(baseline) up to the integral's approximation error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from attnaudit.data.batching import bucketed_batches, pad
from attnaudit.models.classifier import AttentionClassifier


def _probabilities(model: AttentionClassifier):
    def forward(embedded: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        hidden = model.encode_embedded(embedded, tokens)
        weights = model.attend(hidden, model.masks(tokens)[1])
        return model.probabilities(model.decode(hidden, weights))

    return forward


def attribute(
    model: AttentionClassifier, tokens: torch.Tensor, n_steps: int = 50
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per-position attributions (B, T), the target classes and captum's convergence delta."""
    from captum.attr import IntegratedGradients  # a second to import: only where it runs

    forward = _probabilities(model)
    with torch.no_grad():
        target = forward(model.embedding(tokens), tokens).argmax(-1)
    embedded = model.embedding(tokens).detach()
    ig = IntegratedGradients(forward)
    attributions, delta = ig.attribute(
        embedded,
        baselines=torch.zeros_like(embedded),
        target=target,
        additional_forward_args=(tokens,),
        n_steps=n_steps,
        return_convergence_delta=True,
    )
    return attributions.sum(-1).detach(), target, delta.detach()


def integrated_gradients(
    model: AttentionClassifier, rows: pd.DataFrame, batch_size: int = 32, n_steps: int = 50
) -> list[np.ndarray]:
    model.eval()
    ids = list(rows["token_ids"])
    out: list[np.ndarray] = [None] * len(ids)  # type: ignore[list-item]
    for index in bucketed_batches([len(s) for s in ids], batch_size):
        tokens = pad([ids[i] for i in index])
        scores, _, _ = attribute(model, tokens, n_steps)
        real = model.masks(tokens)[1]
        for j, i in enumerate(index):
            out[i] = scores[j][real[j]].numpy().astype(np.float64)
    return out
