"""Deception training (Pruthi et al., ACL 2020, "Learning to Deceive with Attention-Based
Explanations").

A model is trained on its labels with a penalty on the attention it gives to chosen tokens
(their impermissible tokens; here the synthetic data's planted deciding tokens, its
`rationale`):

    R = -lambda * ln(1 - m),     m = sum_{t chosen} alpha_t,

added per instance to the loss (their Section 3, for one attention distribution). As m
approaches 1 the penalty grows without bound, so the model learns to put its attention
elsewhere; whether it still decides by the chosen tokens (its accuracy) is the question.
1 - m is clamped at 1e-10, so R stays finite (at most lambda * 23.03).

`chosen_positions` reads the chosen items from a tokens table, `DeceptionPenalty` is the
penalty `attnaudit.train.fit` adds, and `chosen_mass` measures m on stored attention.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import torch

from attnaudit.data.tokens import EOS_ID, PAD_ID, SEP_ID, SOS_ID

MIN_REMAINDER = 1e-10
NOT_ITEMS = (PAD_ID, SOS_ID, EOS_ID, SEP_ID)  # <UNK> is a real token


def chosen_positions(table: pd.DataFrame, column: str = "rationale") -> dict[str, np.ndarray]:
    """Per instance id, the chosen items' 0-based positions among its real tokens: the
    `rationale` of the synthetic data (word positions; `<SEP>` is no item, so sentence
    splitting keeps them), without positions beyond a `max_length` cut."""
    if column not in table:
        raise ValueError(
            f"deception training needs the chosen tokens' positions: the tokens table has no "
            f"{column!r} column (the synthetic dataset provides it)"
        )
    out = {}
    for key, positions, ids in zip(table["id"], table[column], table["token_ids"], strict=True):
        n = sum(1 for t in ids if t not in NOT_ITEMS)
        p = np.asarray(positions, dtype=np.int64)
        out[str(key)] = p[(p >= 0) & (p < n)]
    return out


def chosen_mask(ids: Sequence[str], mask: torch.Tensor, chosen: Mapping[str, np.ndarray]):
    """(B, T) True at the chosen items of each instance `ids[b]` on a batch whose real
    positions are `mask`."""
    out = torch.zeros_like(mask)
    for row, key in enumerate(ids):
        real = mask[row].nonzero().squeeze(-1)
        out[row, real[torch.as_tensor(chosen.get(str(key), []), dtype=torch.long)]] = True
    return out


class DeceptionPenalty:
    """Per instance -weight * ln(1 - attention mass on the chosen items), (B,)."""

    def __init__(self, weight: float, chosen: Mapping[str, np.ndarray]):
        self.weight = float(weight)
        self.chosen = chosen

    def __call__(self, weights: torch.Tensor, mask: torch.Tensor, ids: list[str]):
        mass = (weights * chosen_mask(ids, mask, self.chosen)).sum(-1)
        return -self.weight * torch.log((1.0 - mass).clamp_min(MIN_REMAINDER))


def chosen_mass(predictions: pd.DataFrame, chosen: Mapping[str, np.ndarray]) -> np.ndarray:
    """Per row of a predictions table (`id`, `attention` over the items), the attention mass
    on the instance's chosen items."""
    return np.array(
        [
            float(np.asarray(a)[chosen[str(i)]].sum())
            for i, a in zip(predictions["id"], predictions["attention"], strict=True)
        ]
    )
