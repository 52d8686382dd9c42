"""The training job: one dataset x encoder x attention x seed."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from attnaudit import io
from attnaudit.data.subsample import train_share
from attnaudit.data.vectors import load_vectors
from attnaudit.models.classifier import ModelConfig
from attnaudit.models.pretrained import hf_options
from attnaudit.stages.pretrained import checkpoint_directory
from attnaudit.train import fit

log = logging.getLogger("attnaudit")


def train(
    dataset: str,
    encoder: str,
    attention: str,
    seed: int,
    training: dict[str, Any],
    tokens: str,
    vocab: str,
    summary: str,
    outputs: dict[str, str],
    embeddings: str | None = None,
    embeddings_info: str | None = None,
    model: str | None = None,
    fit_options: dict[str, Any] | None = None,
    extra_metrics: dict[str, Any] | None = None,
    checkpoint: Sequence[str] | None = None,
    train_fraction: float = 1.0,
) -> dict[str, Any]:
    """Train one model; write checkpoint, epoch log, test metrics and test predictions.

    `embeddings`: None (random initialisation), the dataset's cached matrix (.npy, with its
    json record `embeddings_info`, as the workflow passes it), or a vectors text file.
    `model` names the run in its files (default `<encoder>-<attention>`), `fit_options` are
    further keyword arguments of `fit` (Wiegreffe & Pinter's fixed attention or adversary),
    `extra_metrics` more entries of metrics.json. `checkpoint`: a pretrained encoder's
    checkpoint inputs (its directory, or its files): the model starts from its weights.
    `train_fraction` < 1 trains on that share of the training split, drawn with `seed`
    (`data.subsample.train_share`).
    """
    table = io.read_table(tokens)
    if train_fraction < 1:
        table = train_share(table, train_fraction, seed)
        log.info("training share %g: %d training instances", train_fraction,
                 int((table["split"] == "train").sum()))  # fmt: skip
    words = io.read_json(vocab)
    data_summary = io.read_json(summary)
    n_classes = data_summary["n_classes"]
    vectors, used = read_embeddings(embeddings, embeddings_info, words)
    options = dict(training["encoder_options"].get(encoder, {}))
    if checkpoint:
        directory = checkpoint_directory(checkpoint)
        options = {**hf_options(directory), "checkpoint": directory}
        used = {
            "embeddings": "pretrained",
            "embeddings_type": "pretrained",
            "embeddings_found": len(words),
            "checkpoint": data_summary.get("checkpoint"),
        }
    config = ModelConfig(
        vocab_size=len(words),
        n_classes=n_classes,
        encoder=encoder,
        attention=attention,
        embedding_dim=vectors.shape[1] if vectors is not None else training["embedding_dim"],
        encoder_options=options,
    )
    result = fit(table, config, training, seed, embeddings=vectors, **(fit_options or {}))
    if checkpoint:  # rebuilt from its state dict: no path to the checkpoint it started from
        config.encoder_options.pop("checkpoint")
        config.embedding_dim = result.model.embedding.embedding_dim
    model = model or f"{encoder}-{attention}"
    ident = {"dataset": dataset, "model": model, "seed": seed}
    io.save_checkpoint(
        outputs["checkpoint"],
        {"config": config.to_dict(), "state_dict": result.model.state_dict(), **ident},
    )
    io.write_table(outputs["history"], result.history)
    predictions = result.predictions
    for key, value in reversed(ident.items()):
        predictions.insert(0, key, value)
    io.write_table(outputs["predictions"], predictions)
    metrics = {
        **ident,
        "encoder": encoder,
        "attention": attention,
        **{f"test_{k}": v for k, v in result.test_scores.items()},
        "best_epoch": result.best_epoch,
        "device": result.device,
        "threads": int(training["threads"]),
        **used,
        "embedding_dim": config.embedding_dim,
        "train_seconds": float(result.history["seconds"].sum()),
        # AG News' test-only re-split (offline mirror): NOT comparable with the papers
        "resplit_from_test": bool(data_summary.get("resplit_from_test", False)),
        "n_train": int((table["split"] == "train").sum()),
        **(extra_metrics or {}),
    }
    io.write_json(outputs["metrics"], metrics)
    log.info("test scores: %s (best epoch %d)", result.test_scores, result.best_epoch)
    return metrics


def run_arguments(training: dict[str, Any], threads: int, device: str,
                  embeddings: Sequence[str] | None) -> dict[str, Any]:  # fmt: skip
    """The keyword arguments of `train` every training job gives alike: its settings with
    how it runs (`threads`, `device`: joined here, never a rule's params, so editing them
    reruns nothing) and the `embeddings` input, the cached matrix (.npy) and its record
    (.json), or none (random initialisation)."""
    embeddings = list(embeddings or [])
    return {
        "training": {**training, "threads": threads, "device": device},
        "embeddings": embeddings[0] if embeddings else None,
        "embeddings_info": embeddings[1] if embeddings else None,
    }


def job_arguments(inputs: Mapping[str, Any], training: dict[str, Any], threads: int,
                  device: str) -> dict[str, Any]:  # fmt: skip
    """The keyword arguments of `train` that a training rule's named `inputs` (tokens,
    vocab, summary, embeddings) and its job give (`run_arguments`)."""
    return {
        **run_arguments(training, threads, device, inputs.get("embeddings")),
        "tokens": inputs["tokens"],
        "vocab": inputs["vocab"],
        "summary": inputs["summary"],
    }


def read_embeddings(
    embeddings: str | None, info: str | None, words: list[str]
) -> tuple[np.ndarray | None, dict[str, Any]]:
    """The initial embedding matrix and what metrics.json records about it."""
    if not embeddings:
        return None, {"embeddings": "random", "embeddings_type": "random", "embeddings_found": 0}
    if Path(embeddings).suffix == ".npy":
        vectors = io.read_array(embeddings)
        record = io.read_json(info) if info else {}
        if vectors.shape[0] != len(words):
            raise ValueError(
                f"embedding matrix {embeddings} has {vectors.shape[0]} rows but the vocabulary "
                f"has {len(words)} words: it was built for another vocabulary"
            )
        used = {
            "embeddings": record.get("name", Path(embeddings).stem),
            "embeddings_type": record.get("type", "unknown"),
            "embeddings_found": int(record.get("found", 0)),
            "embeddings_oov": record.get("oov", "unknown"),
        }
    else:
        vectors, found = load_vectors(embeddings, words)
        used = {
            "embeddings": str(embeddings),
            "embeddings_type": "file",
            "embeddings_found": found,
            "embeddings_oov": "zero",
        }
    log.info(
        "embeddings %s: %d x %d, %d of %d words found",
        used["embeddings"],
        *vectors.shape,
        used["embeddings_found"],
        len(words),
    )
    return vectors, used
