"""The deception training job (Pruthi et al. 2020): one dataset x model x penalty weight x
seed.

It writes the files of an ordinary run (checkpoint, epochs.csv, metrics.json,
predictions.parquet) through `stages.training.train`, so the usual analyses can later be
pointed at a deceptive model; predictions add each test instance's attention mass on the
planted tokens (`planted_mass`) and on the distractors (`distractor_mass`: the other class's
signal words, which the penalty leaves free, so attention pushed off the planted tokens may
land there), metrics.json their means (`test_planted_mass`, `test_distractor_mass`) and the
weight.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from attnaudit import io
from attnaudit.analyses.deception import DeceptionPenalty, chosen_mass, chosen_positions
from attnaudit.models.catalog import is_hierarchical
from attnaudit.stages.training import run_arguments, train

log = logging.getLogger("attnaudit")


def train_deceptive(
    dataset: str,
    weight: float,
    seed: int,
    model: str,
    training: dict[str, Any],
    tokens: str,
    vocab: str,
    summary: str,
    checkpoint: str,
    history: str,
    metrics: str,
    predictions: str,
    embeddings: Sequence[str] | None = None,
    threads: int = 1,
    device: str = "cpu",
) -> dict[str, Any]:
    """Train `model` (`<encoder>-<attention>`) with the deception penalty of `weight` on
    the planted tokens of every split; record the test attention mass on them and on the
    distractors."""
    encoder, attention = model.split("-")
    if is_hierarchical(encoder):
        raise ValueError(f"deception training needs a flat encoder (token items), not {encoder!r}")
    table = io.read_table(tokens)
    chosen = chosen_positions(table)
    distractors = chosen_positions(table, "distractors")
    result = train(
        dataset, encoder, attention, seed, tokens=tokens, vocab=vocab, summary=summary,
        outputs={"checkpoint": checkpoint, "history": history, "metrics": metrics,
                 "predictions": predictions},
        **run_arguments(training, threads, device, embeddings),
        model=f"deceptive-{model}",
        fit_options={"attention_penalty": DeceptionPenalty(weight, chosen)},
        extra_metrics={"deception_weight": float(weight), "base_model": model,
                       "chosen_tokens": "rationale"},
    )  # fmt: skip
    table = io.read_table(predictions)
    table["planted_mass"] = chosen_mass(table, chosen)
    table["n_planted"] = [len(chosen[str(i)]) for i in table["id"]]
    table["distractor_mass"] = chosen_mass(table, distractors)
    table["n_distractors"] = [len(distractors[str(i)]) for i in table["id"]]
    io.write_table(predictions, table)
    result["test_planted_mass"] = float(table["planted_mass"].mean())
    result["test_distractor_mass"] = float(table["distractor_mass"].mean())
    io.write_json(metrics, result)
    log.info("deception weight %g: test accuracy %.4f, attention mass on planted tokens %.4f, "
             "on distractors %.4f", weight, result["test_accuracy"],
             result["test_planted_mass"], result["test_distractor_mass"])  # fmt: skip
    return result
