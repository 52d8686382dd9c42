"""Per-run analysis jobs: load one trained model, analyse one split, write one table."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import torch

from attnaudit import io
from attnaudit.analyses import jain_wallace, serrano_smith
from attnaudit.models import AttentionClassifier, build_model

log = logging.getLogger("attnaudit")

Analysis = Callable[[AttentionClassifier, pd.DataFrame, dict[str, Any]], pd.DataFrame]

ANALYSES: dict[str, dict[str, Analysis]] = {
    "jain_wallace": {
        "importance": jain_wallace.importance_agreement,
        "permutation": jain_wallace.permutation,
        "adversary": jain_wallace.adversary,
    },
    "serrano_smith": {
        "single_weight": serrano_smith.single_weight,
        "multi_weight": serrano_smith.multi_weight,
    },
}


def load_model(checkpoint: str) -> tuple[AttentionClassifier, dict[str, Any]]:
    state = io.load_checkpoint(checkpoint)
    model = build_model(state["config"])
    model.load_state_dict(state["state_dict"])
    return model.eval(), state


def select_rows(tokens: str, split: str, max_instances: int | None, seed: int = 0):
    """The split's rows; with `max_instances`, a seeded random subset in split order."""
    table = io.read_table(tokens)
    rows = table[table["split"] == split].reset_index(drop=True)
    if max_instances and len(rows) > max_instances:
        keep = np.sort(np.random.default_rng(seed).choice(len(rows), max_instances, False))
        rows = rows.iloc[keep].reset_index(drop=True)
    return rows


def run_analysis(
    family: str,
    analysis: str,
    checkpoint: str,
    tokens: str,
    params: dict[str, Any],
    output: str,
    threads: int = 1,
) -> pd.DataFrame:
    torch.set_num_threads(threads)
    model, state = load_model(checkpoint)
    rows = select_rows(
        tokens, params.get("split", "test"), params.get("max_instances"), params.get("seed", 0)
    )
    start = time.perf_counter()
    table = ANALYSES[family][analysis](model, rows, params)
    seconds = time.perf_counter() - start
    for key in reversed(("dataset", "model", "seed")):
        table.insert(0, key, state[key])
    io.write_table(output, table)
    log.info(
        "%s/%s: %d instances (%d rows) in %.1f s (%d threads)",
        family, analysis, table["id"].nunique(), len(table), seconds, threads,
    )  # fmt: skip
    return table
