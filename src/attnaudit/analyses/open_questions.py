"""The open questions' per-run analysis: effects beyond the argmax decision
(`settings.ClassEffects`, docs/experiments.md#class-effects).

Serrano & Smith judge importance by flips of the decision, which miss an item that lowers
one class without changing the argmax. Here every class's probability is followed: one
encoder pass per batch, then every single-item erasure (T attention vectors per instance)
and every permutation decoded at once by the engine.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from attnaudit import settings
from attnaudit.analyses.common import collect
from attnaudit.engine import EncodedBatch, Engine
from attnaudit.models.classifier import AttentionClassifier
from attnaudit.settings import Params


def supports(engine: Engine, batch: EncodedBatch) -> torch.Tensor:
    """Each item's support for each class, (B, T, K): p_k minus p_k with item t erased and
    attention renormalised over the rest; NaN at padding (and where nothing is left)."""
    b, t = batch.mask.shape
    single = torch.eye(t, dtype=torch.bool).unsqueeze(0)
    erased = engine.outputs(
        batch, engine.erase(batch.attention.unsqueeze(1).expand(b, t, t), single)
    )
    support = batch.probs.unsqueeze(1) - erased
    return support.masked_fill(~batch.mask.unsqueeze(-1), float("nan"))


def class_effects(
    model: AttentionClassifier, rows: pd.DataFrame, params: Params = None
) -> pd.DataFrame:
    """One row per instance with two or more items and class: its probability, the
    supports of its items for the class (`supports`: the top-attended item's, the largest,
    the smallest), the share of items whose presence lowers the class and the attention on
    them, and the median change of the class's probability under permuted attention, signed
    and in size (the midpoint of the two middle values for an even count, so that a binary
    model's two classes mirror each other)."""
    cfg = settings.ClassEffects.of(params)
    engine = Engine(model, batch_size=cfg.batch_size)
    parts = []
    for batch in engine.batches(rows):
        keep = batch.lengths >= 2  # one item: erasing it leaves nothing to attend to
        if not keep.any():
            continue
        support = supports(engine, batch)
        real = batch.mask.unsqueeze(-1)
        top = batch.attention.argmax(dim=1)
        lowering = (support < 0) & real
        permuted = engine.outputs(
            batch, engine.random_permutations(batch, cfg.n_permutations, cfg.seed)
        )
        change = permuted - batch.probs.unsqueeze(1)
        n_classes = batch.probs.shape[1]
        columns = {
            "probability": batch.probs,
            "top_support": support[torch.arange(len(top)), top],
            "max_support": support.nan_to_num(-np.inf).amax(dim=1),
            "min_support": support.nan_to_num(np.inf).amin(dim=1),
            "share_lowering": lowering.to(support.dtype).sum(dim=1)
            / batch.lengths.unsqueeze(-1).to(support.dtype),
            "attention_lowering": (batch.attention.unsqueeze(-1) * lowering).sum(dim=1),
            "permutation_median": change.quantile(0.5, dim=1),
            "permutation_size": change.abs().quantile(0.5, dim=1),
        }  # each (B, K)
        index = keep.nonzero().squeeze(-1).numpy()
        pred = batch.probs.argmax(-1).numpy()
        parts.append(
            pd.DataFrame(
                {
                    "id": np.repeat(rows["id"].to_numpy()[batch.index[index]], n_classes),
                    "label": np.repeat(rows["label"].to_numpy()[batch.index[index]], n_classes),
                    "pred": np.repeat(pred[index], n_classes),
                    "length": np.repeat(batch.lengths.numpy()[index], n_classes),
                    "cls": np.tile(np.arange(n_classes), len(index)),
                    **{
                        name: values[index].reshape(-1).double().numpy()
                        for name, values in columns.items()
                    },
                }
            )
        )
    out = collect(parts, rows)
    position = out["id"].map({key: i for i, key in enumerate(rows["id"])})
    return out.iloc[np.lexsort((out["cls"], position))].reset_index(drop=True)


ANALYSES = {"class_effects": class_effects}
