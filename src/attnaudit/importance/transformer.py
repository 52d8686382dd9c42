"""Rankings of a pretrained transformer's word pieces (`models.pretrained`): the last
layer's heads one by one, norm-based attention, attention rollout and attention flow.
alpha is the last layer's [CLS] attention (mean over heads, the row the head reads), a_h
head h's own, x_t the states entering the last layer, A_l the attention of lower layer l
(`PretrainedClassifier.lower_attentions`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from attnaudit.data.batching import scored_batches
from attnaudit.importance.decoder import per_item
from attnaudit.importance.propagation import flow, rollout
from attnaudit.importance.scores import Options
from attnaudit.models.classifier import AttentionClassifier


def attention_heads(
    model: AttentionClassifier, rows: pd.DataFrame, opts: Options
) -> list[np.ndarray]:
    """s_{h,t} = a_{h,t}: each head's own [CLS] attention in the last layer, one ordering
    per head (heads, items), as random's orders: the analyses' tables hold a row per head
    (`ordering` = h), the report pools the heads as it pools random's orders (each
    statistic a mean over instances and heads), and example pages show head 0's."""

    def score(index: np.ndarray, tokens: torch.Tensor) -> list[np.ndarray]:
        with torch.no_grad():
            hidden, mask = model.encode(tokens)
            heads = model.head_distributions(hidden, mask)  # (B, H, T)
        return [h[:, m].double().numpy() for h, m in zip(heads, mask, strict=True)]

    return scored_batches(list(rows["token_ids"]), opts.batch_size, score)


def norm_attention(
    model: AttentionClassifier, rows: pd.DataFrame, opts: Options
) -> list[np.ndarray]:
    """s_t = alpha_t ||W_o V x_t|| (Kobayashi et al., EMNLP 2020): the norm of what piece t
    adds to the [CLS] output, not its weight alone (the bias of W_o is the same for every
    t and left out)."""
    return per_item(
        model, rows, opts, lambda engine, batch: batch.attention * model.value_norms(batch.hidden)
    )


def attention_rollout(
    model: AttentionClassifier, rows: pd.DataFrame, opts: Options
) -> list[np.ndarray]:
    """s_t = (r A'_(L-1) ... A'_1)_t (Abnar & Zuidema, ACL 2020): r = alpha and e_0
    averaged, A'_l = (mean_h A_l + I) renormalised; the [CLS] output's share of piece t
    through every layer (`importance.propagation.rollout`)."""
    return per_item(
        model, rows, opts,
        lambda engine, batch: rollout(model.lower_attentions(batch.token_ids), batch.attention),
    )  # fmt: skip


def attention_flow(
    model: AttentionClassifier, rows: pd.DataFrame, opts: Options
) -> list[np.ndarray]:
    """s_t = the maximum flow from the [CLS] node above the last layer to piece t in the
    layered graph with capacities r and A'_l (Abnar & Zuidema, ACL 2020;
    `importance.propagation.flow`): n max-flows per instance of n pieces."""

    def values(engine, batch) -> torch.Tensor:
        present = model.masks(batch.token_ids)[0]
        return flow(model.lower_attentions(batch.token_ids), batch.attention, present)

    return per_item(model, rows, opts, values)
