"""Small untrained-but-seeded models and split rows for engine and analysis tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from attnaudit.data.tokens import EOS_ID, SOS_ID
from attnaudit.models import ModelConfig, build_model


def small_model(encoder: str, seed: int = 0, attention: str = "additive", n_classes: int = 2):
    torch.manual_seed(seed)
    config = ModelConfig(
        vocab_size=60, n_classes=n_classes, encoder=encoder, attention=attention,
        embedding_dim=12,
    )  # fmt: skip
    model = build_model(config).eval()
    with torch.no_grad():  # sharper attention than the near-uniform initialisation
        for p in model.attention.parameters():
            p.mul_(8.0)
    return model


def small_rows(n: int = 40, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    lengths = [1, 2, *rng.integers(1, 15, n - 2).tolist()]
    return pd.DataFrame(
        {
            "id": [f"test-{i:03d}" for i in range(n)],
            "label": rng.integers(0, 2, n),
            "token_ids": [[SOS_ID, *rng.integers(5, 60, k).tolist(), EOS_ID] for k in lengths],
        }
    )
