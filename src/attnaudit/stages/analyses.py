"""Per-run analysis jobs: load one trained model once, run every analysis of the given
families (`attnaudit.analyses.<family>.ANALYSES`) on it, write one table per analysis."""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import torch

from attnaudit import io, settings
from attnaudit.models.classifier import AttentionClassifier
from attnaudit.models.factory import build_model

log = logging.getLogger("attnaudit")


def load_model(checkpoint: str) -> tuple[AttentionClassifier, dict[str, Any]]:
    """A trained model to read, not to train: in eval mode, its parameters frozen, so that
    the gradients the analyses take (with respect to embeddings or attention) skip the
    weights' gradients."""
    state = io.load_checkpoint(checkpoint)
    model = build_model(state["config"])
    model.load_state_dict(state["state_dict"])
    return model.eval().requires_grad_(False), state


def select_rows(table: pd.DataFrame, split: str, max_instances: int | None, seed: int = 0):
    """The split's rows; with `max_instances`, a seeded random subset in split order."""
    rows = table[table["split"] == split].reset_index(drop=True)
    if max_instances and len(rows) > max_instances:
        keep = np.sort(np.random.default_rng(seed).choice(len(rows), max_instances, False))
        rows = rows.iloc[keep].reset_index(drop=True)
    return rows


def run_analyses(
    checkpoint: str,
    tokens: str,
    settings_by_family: Mapping[str, Mapping[str, Mapping[str, Any]]],
    outputs: Mapping[str, str],
    threads: int = 1,
) -> dict[str, pd.DataFrame]:
    """Run the analyses of the families in `settings_by_family` (family -> its settings
    blocks) that `outputs` names (`<family>_<name>` -> table path) on one model, loaded
    once.
    Analyses of one job share the input-level scores they both need
    (`importance.scores.shared_scores`)."""
    torch.set_num_threads(threads)
    model, state = load_model(checkpoint)
    table = io.read_table(tokens)
    results = {}
    for family, blocks in settings_by_family.items():
        analyses = importlib.import_module(f"attnaudit.analyses.{family}").ANALYSES
        for name, function in analyses.items():
            if f"{family}_{name}" not in outputs:
                continue
            cfg = settings.SECTIONS[family][name].of(blocks[name])
            rows = select_rows(table, cfg.split, cfg.max_instances, getattr(cfg, "seed", 0))
            start = time.perf_counter()
            result = function(model, rows, cfg)
            seconds = time.perf_counter() - start
            for key in reversed(("dataset", "model", "seed")):
                result.insert(0, key, state[key])
            io.write_table(outputs[f"{family}_{name}"], result)
            log.info(
                "%s/%s: %d instances (%d rows) in %.1f s (%d threads)",
                family, name, result["id"].nunique(), len(result), seconds, threads,
            )  # fmt: skip
            results[f"{family}_{name}"] = result
    return results
