"""Wiegreffe & Pinter (2019) jobs: seed variance of one dataset x model, a guide model's
attention on every split, and the two kinds of training runs (guided MLP, adversary).

Each training run writes the files of an ordinary run (checkpoint, epochs.csv, metrics.json,
predictions.parquet) through `stages.training.train`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import pandas as pd
import torch

from attnaudit import io
from attnaudit.analyses import wiegreffe_pinter
from attnaudit.stages.analyses import load_model
from attnaudit.stages.training import train

log = logging.getLogger("attnaudit")


def seed_variance(
    predictions: Sequence[str], output: str, base_seed: int | None = None, threads: int = 1
) -> pd.DataFrame:
    """Per test instance of one dataset x model: JSD and TVD between seeds (see
    `analyses.wiegreffe_pinter.seed_variance`), from every seed's predictions.parquet."""
    table = pd.concat([io.read_table(p) for p in predictions], ignore_index=True)
    out = wiegreffe_pinter.seed_variance(table, base_seed)
    io.write_table(output, out)
    log.info(
        "seed variance of %s/%s: %d instances, median JSD %.4f, base seed %d vs %s",
        out["dataset"].iloc[0], out["model"].iloc[0], len(out), out["median_jsd"].median(),
        out["seed"].iloc[0], list(out["other_seeds"].iloc[0]),
    )  # fmt: skip
    return out


def guide_attention(
    tokens: str,
    output: str,
    checkpoint: str | None = None,
    batch_size: int = 256,
    threads: int = 1,
) -> pd.DataFrame:
    """The guide model's attention on every instance of every split (no checkpoint:
    uniform)."""
    torch.set_num_threads(threads)
    model = load_model(checkpoint)[0] if checkpoint else None
    out = wiegreffe_pinter.guide_attention(model, io.read_table(tokens), batch_size)
    io.write_table(output, out)
    log.info("guide attention (%s): %d instances", checkpoint or "uniform", len(out))
    return out


def _run(
    training: dict[str, Any], threads: int, embeddings: Sequence[str] | None, **outputs: str
) -> dict[str, Any]:
    """The keyword arguments of `train` shared by both kinds of runs."""
    embeddings = list(embeddings or [])
    return {
        "training": {**training, "threads": threads},
        "embeddings": embeddings[0] if embeddings else None,  # the cached matrix (.npy)
        "embeddings_info": embeddings[1] if embeddings else None,  # and its record (.json)
        "outputs": outputs,
    }


def train_guided(
    dataset: str,
    variant: str,
    guide_model: str,
    seed: int,
    encoder: str,
    training: dict[str, Any],
    tokens: str,
    vocab: str,
    summary: str,
    guide: str,
    checkpoint: str,
    history: str,
    metrics: str,
    predictions: str,
    embeddings: Sequence[str] | None = None,
    threads: int = 1,
) -> dict[str, Any]:
    """The token-level MLP (`encoder`, no attention parameters) trained from scratch with its
    attention frozen to the guide's weights on train, dev and test."""
    fixed = wiegreffe_pinter.fixed_guide(io.read_table(guide))
    return train(
        dataset, encoder, "uniform", seed, tokens=tokens, vocab=vocab, summary=summary,
        model=f"guided-{variant}", fit_options={"fixed_attention": fixed},
        extra_metrics={"variant": variant, "guide": guide_model, "attention": "fixed"},
        **_run(training, threads, embeddings, checkpoint=checkpoint, history=history,
               metrics=metrics, predictions=predictions),
    )  # fmt: skip


def train_adversary(
    dataset: str,
    lam: float,
    seed: int,
    training: dict[str, Any],
    tokens: str,
    vocab: str,
    summary: str,
    base: str,
    base_predictions: str,
    checkpoint: str,
    history: str,
    metrics: str,
    predictions: str,
    comparison: str,
    embeddings: Sequence[str] | None = None,
    threads: int = 1,
) -> dict[str, Any]:
    """Train the adversary of the base model `base` (a checkpoint) with one lambda; then per
    test instance its TVD and JSD to the base (`comparison`), their means in metrics.json."""
    model, state = load_model(base)
    config = state["config"]
    against = wiegreffe_pinter.adversary_against(model, lam, seed)
    base_model = f"{config['encoder']}-{config['attention']}"
    extra = {"lambda": float(lam), "base_model": base_model, "selection": "lowest dev loss",
             "init_seed": against.init_seed}  # fmt: skip
    result = train(
        dataset, config["encoder"], config["attention"], seed, tokens=tokens, vocab=vocab,
        summary=summary, model=f"adversary-{base_model}", fit_options={"against": against},
        extra_metrics=extra,
        **_run(training, threads, embeddings, checkpoint=checkpoint, history=history,
               metrics=metrics, predictions=predictions),
    )  # fmt: skip
    table = wiegreffe_pinter.compare_to_base(
        io.read_table(predictions), io.read_table(base_predictions)
    )
    ident = {"dataset": dataset, "base_model": base_model, "lambda": float(lam), "seed": seed}
    for key, value in reversed(ident.items()):
        table.insert(0, key, value)
    io.write_table(comparison, table)
    result.update(mean_tvd=float(table["tvd_to_base"].mean()),
                  mean_jsd=float(table["jsd_to_base"].mean()))  # fmt: skip
    io.write_json(metrics, result)
    log.info("adversary lambda %g: mean TVD %.4f, mean JSD %.4f, test F1 %.4f", lam,
             result["mean_tvd"], result["mean_jsd"], result["test_f1"])  # fmt: skip
    return result
