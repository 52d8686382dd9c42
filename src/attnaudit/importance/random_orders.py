"""The chance control: random orders of each instance's items."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from attnaudit.engine import instance_generators
from attnaudit.importance.scores import Options
from attnaudit.models.classifier import AttentionClassifier


def random_orders(
    model: AttentionClassifier, rows: pd.DataFrame, opts: Options
) -> list[np.ndarray]:
    """u_ki ~ U[0, 1) for each of `n_random` orders k and item i, shape (n_random, items)
    per instance, from one generator per instance (seed and instance id): independent of
    batches and of the other instances."""
    counts = [model.item_count(ids) for ids in rows["token_ids"]]
    generators = instance_generators(opts.seed, rows["id"])
    return [
        torch.rand((opts.n_random, n), generator=g).double().numpy()
        for g, n in zip(generators, counts, strict=True)
    ]
