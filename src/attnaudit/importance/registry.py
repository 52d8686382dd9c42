"""Every token ranking, one entry each: the one place a ranking's name is spelled.

An entry's function has one signature, `(model, rows, opts) -> scores`: `rows` a DataFrame
with `id` and `token_ids`, `opts` the `Options` of the analysis that asks; per instance,
in row order, a float64 array over its items (or (orderings, items)), either as a list or
as `Scores` with per-instance diagnostics. Its docstring states the math. The analyses
(Jain & Wallace, Serrano & Smith, faithfulness) ask for rankings by name through `score`.
Each ranking's label and colour in the report: `presentation.LOOKS` (torch-free, same order).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from attnaudit.importance import (
    decoder,
    input_level,
    integrated_gradients,
    leave_one_out,
    transformer,
)
from attnaudit.importance.random_orders import random_orders
from attnaudit.importance.scores import Options, Scores, shared_scores
from attnaudit.models import catalog
from attnaudit.models.classifier import AttentionClassifier

Measure = Callable[[AttentionClassifier, pd.DataFrame, Options], "list[np.ndarray] | Scores"]


@dataclass(frozen=True)
class Ranking:
    """One ranking: its function, what it scores and how it is shared.

    `on_items`: it scores the topmost attention's items (sentences for a hierarchical model),
    not tokens. `needs_attention`: it ranks nothing under uniform attention. `needs_layers`:
    it reads a pretrained transformer's heads or lower layers (`models.pretrained`), and
    other models have no such ranking. `memo`: None
    recomputes it for each analysis (cheap); otherwise the `Options` fields that change its
    numbers, and a job computes it once per model, instance and those values.
    """

    measure: Measure
    on_items: bool = False
    needs_attention: bool = False
    needs_layers: bool = False
    memo: tuple[str, ...] | None = None

    @property
    def doc(self) -> str:
        return inspect.getdoc(self.measure) or ""


RANKINGS: dict[str, Ranking] = {
    "attention": Ranking(decoder.attention, on_items=True, needs_attention=True),
    "attention_gradient": Ranking(decoder.attention_gradient, on_items=True),
    "gradient": Ranking(input_level.gradient, memo=()),
    "grad_x_attention": Ranking(decoder.grad_x_attention, on_items=True, needs_attention=True),
    "loo": Ranking(leave_one_out.loo, memo=()),
    "integrated_gradients": Ranking(integrated_gradients.integrated_gradients, memo=("ig_steps",)),
    "random": Ranking(random_orders, on_items=True),
    # pretrained transformers only (importance.transformer)
    "attention_heads": Ranking(
        transformer.attention_heads, needs_attention=True, needs_layers=True
    ),
    "norm_attention": Ranking(transformer.norm_attention, needs_attention=True, needs_layers=True),
    "rollout": Ranking(transformer.attention_rollout, needs_layers=True, memo=()),
    "attention_flow": Ranking(transformer.attention_flow, needs_layers=True, memo=()),
}


def entry(name: str) -> Ranking:
    if name not in RANKINGS:
        raise ValueError(f"unknown ranking {name!r}; known: {sorted(RANKINGS)}")
    return RANKINGS[name]


def applicable(names: list[str], model: AttentionClassifier) -> list[str]:
    """The rankings of `names` that rank something on `model`: under uniform attention none
    that needs attention, for a hierarchical model only those of its items, and those of a
    pretrained transformer's layers only on one."""
    entries = [(name, entry(name)) for name in names]
    uniform = catalog.is_uniform(model.config.attention)
    layered = hasattr(model, "lower_attentions")
    return [
        name
        for name, ranking in entries
        if not (uniform and ranking.needs_attention)
        and not (model.hierarchical and not ranking.on_items)
        and (layered or not ranking.needs_layers)
    ]


def score(name: str, model: AttentionClassifier, rows: pd.DataFrame, opts: Options) -> Scores:
    """The ranking `name` on `rows` (from the job's memo where it keeps one)."""
    ranking = entry(name)

    def compute(todo: pd.DataFrame) -> list[tuple[np.ndarray, dict[str, float]]]:
        result = ranking.measure(model, todo, opts)
        if not isinstance(result, Scores):
            result = Scores(list(result))
        return [
            (values, {column: got[i] for column, got in result.columns.items()})
            for i, values in enumerate(result.values)
        ]

    if ranking.memo is None:
        records = compute(rows)
    else:
        settings = tuple(getattr(opts, key) for key in ranking.memo)
        records = shared_scores(model, rows, name, compute, *settings)
    columns = {column: [extra[column] for _, extra in records] for column in
               (records[0][1] if records else {})}  # fmt: skip
    return Scores([values for values, _ in records], columns)
