"""The training job: one dataset x encoder x attention x seed."""

from __future__ import annotations

import logging
from typing import Any

from attnaudit import io
from attnaudit.models import ModelConfig
from attnaudit.models.embeddings import load_vectors
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
) -> dict[str, Any]:
    """Train one model; write checkpoint, epoch log, test metrics and test predictions."""
    table = io.read_table(tokens)
    words = io.read_json(vocab)
    n_classes = io.read_json(summary)["n_classes"]
    vectors, found = None, 0
    if embeddings:
        vectors, found = load_vectors(embeddings, words)
        log.info("embeddings %s: %d of %d words found", embeddings, found, len(words))
    config = ModelConfig(
        vocab_size=len(words),
        n_classes=n_classes,
        encoder=encoder,
        attention=attention,
        embedding_dim=vectors.shape[1] if vectors is not None else training["embedding_dim"],
        encoder_options=dict(training.get("encoder_options", {}).get(encoder, {})),
    )
    result = fit(table, config, training, seed, embeddings=vectors)
    model = f"{encoder}-{attention}"
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
        "embeddings": embeddings or "random",
        "embeddings_found": found,
        "train_seconds": float(result.history["seconds"].sum()),
    }
    io.write_json(outputs["metrics"], metrics)
    log.info("test scores: %s (best epoch %d)", result.test_scores, result.best_epoch)
    return metrics
