"""The training settings (`training:`), declared once: what `train.fit` fills in for a
key left out, and what the config schema and docs/settings.md say about it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from attnaudit import bounds
from attnaudit.declare import Settings, setting
from attnaudit.models import catalog


@dataclass(frozen=True)
class Training(Settings):
    """Training of every run (Jain & Wallace's settings; docs/experiments.md#training).

    Adam (amsgrad) on the cross-entropy (class-weighted unless `class_weighted` is false);
    the epoch with the best dev ROC-AUC (k classes: accuracy) is kept. Predictions during
    training use batches of 256 instances (`train.EVAL_BATCH_SIZE`, not a config key).
    """

    key: ClassVar[str] = "training"
    epochs: int = setting(8, "training epochs", minimum=1, maximum=bounds.MAX_EPOCHS)
    batch_size: int = setting(
        32, "instances per training batch", minimum=1, maximum=bounds.MAX_BATCH
    )
    lr: float = setting(1.0e-3, "Adam learning rate", exclusiveMinimum=0)
    weight_decay: float = setting(1.0e-5, "L2 weight decay, not on attention parameters", minimum=0)
    class_weighted: bool = setting(True, "class-weighted loss")
    embedding_dim: int = setting(
        300, "embedding size without pre-trained vectors", minimum=1, maximum=bounds.MAX_WIDTH
    )
    embeddings: str | None = setting(
        None, "a name in the top-level embeddings section; null: random initialisation"
    )
    encoder_options: dict[str, Any] = setting(
        {}, "encoder name -> keyword arguments of its class (attnaudit.models.catalog)",
        schema=catalog.encoder_options_schema,
    )  # fmt: skip
    threads: int = setting(
        1, "torch threads of a training job (its Snakemake threads)",
        minimum=1, maximum=bounds.MAX_THREADS,
    )  # fmt: skip
    device: Literal["cpu", "cuda", "auto"] = setting(
        "cpu", "cpu, cuda (an error without a GPU) or auto (a GPU where the job sees one)"
    )
