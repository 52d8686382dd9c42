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

from attnaudit.importance import decoder, input_level, integrated_gradients, leave_one_out
from attnaudit.importance.random_orders import random_orders
from attnaudit.importance.scores import Options, Scores, shared_scores
from attnaudit.models.classifier import AttentionClassifier

Measure = Callable[[AttentionClassifier, pd.DataFrame, Options], "list[np.ndarray] | Scores"]


@dataclass(frozen=True)
class Ranking:
    """One ranking: its function, what it scores and how it is shared.

    `on_items`: it scores the topmost attention's items (sentences for a hierarchical model),
    not tokens. `needs_attention`: it ranks nothing under uniform attention. `memo`: None
    recomputes it for each analysis (cheap); otherwise the `Options` fields that change its
    numbers, and a job computes it once per model, instance and those values.
    """

    measure: Measure
    on_items: bool = False
    needs_attention: bool = False
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
}


def entry(name: str) -> Ranking:
    if name not in RANKINGS:
        raise ValueError(f"unknown ranking {name!r}; known: {sorted(RANKINGS)}")
    return RANKINGS[name]


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
