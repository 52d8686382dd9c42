"""Integrated Gradients on the token embeddings, with captum."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from attnaudit.data.batching import scored_batches
from attnaudit.engine import real_values
from attnaudit.importance.scores import Options, Scores
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


def integrated_gradients(model: AttentionClassifier, rows: pd.DataFrame, opts: Options) -> Scores:
    """IG_t = sum_d (e_td - 0) int_0^1 d p_yhat(a e) / d e_td da: the attribution of the
    predicted-class probability to token t relative to an all-zero embedding baseline,
    summed over embedding dimensions d (signed: positive = evidence for the predicted
    class), the integral by captum's `ig_steps`-node Gauss-Legendre rule. Completeness: the
    attributions over all positions sum to p_yhat(x) - p_yhat(baseline); their gap, captum's
    convergence delta, is each instance's `convergence_delta`."""
    model.eval()

    def score(index: np.ndarray, tokens: torch.Tensor) -> list[tuple[np.ndarray, float]]:
        scores, _, delta = attribute(model, tokens, opts.ig_steps)
        real = real_values(scores, model.masks(tokens)[1])
        return list(zip(real, delta.double().tolist(), strict=True))

    pairs = scored_batches(list(rows["token_ids"]), opts.ig_batch_size, score)
    return Scores([s for s, _ in pairs], {"convergence_delta": [d for _, d in pairs]})
