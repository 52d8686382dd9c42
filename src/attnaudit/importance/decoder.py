"""Decoder-level rankings: scores of the topmost attention's items (tokens; sentences for a
hierarchical model) with the hidden states h fixed (`attnaudit.engine`). p_yhat is the
probability of the predicted class; alpha the model's own attention."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import torch

from attnaudit.data.batching import scored_batches
from attnaudit.engine import EncodedBatch, Engine, real_values
from attnaudit.importance.scores import Options
from attnaudit.models.classifier import AttentionClassifier


def attention(model: AttentionClassifier, rows: pd.DataFrame, opts: Options) -> list[np.ndarray]:
    """s_i = alpha_i, the model's own attention weight of item i."""
    return per_item(model, rows, opts, lambda engine, batch: batch.attention)


def attention_gradient(
    model: AttentionClassifier, rows: pd.DataFrame, opts: Options
) -> list[np.ndarray]:
    """s_i = d p_yhat / d alpha_i at the model's own attention, signed, with the attention
    as a free input of the decoder (Serrano & Smith's gradient ranking)."""
    return per_item(model, rows, opts, lambda engine, batch: predicted_gradient(engine, batch))


def grad_x_attention(
    model: AttentionClassifier, rows: pd.DataFrame, opts: Options
) -> list[np.ndarray]:
    """s_i = (d p_yhat / d alpha_i) alpha_i: the attention gradient times the weight."""
    return per_item(
        model, rows, opts, lambda engine, batch: predicted_gradient(engine, batch) * batch.attention
    )


def predicted_gradient(engine: Engine, batch: EncodedBatch) -> torch.Tensor:
    return engine.attention_gradient(batch, batch.probs.argmax(-1))


def per_item(
    model: AttentionClassifier,
    rows: pd.DataFrame,
    opts: Options,
    values: Callable[[Engine, EncodedBatch], torch.Tensor],
) -> list[np.ndarray]:
    """`values(engine, batch)` (B, T) at each instance's items, in row order."""
    engine = Engine(model, batch_size=opts.batch_size)
    names = [str(i) for i in rows["id"]]

    def score(index: np.ndarray, tokens: torch.Tensor) -> list[np.ndarray]:
        batch = engine.encode(index, [names[i] for i in index], tokens)
        return real_values(values(engine, batch), batch.mask)

    return scored_batches(list(rows["token_ids"]), opts.batch_size, score)
