"""Vashishth et al. (2019), "Attention Interpretability Across NLP Tasks": is the learned
attention needed at inference? Its weights are replaced, with the hidden states fixed, by
uniform weights, random weights and permutations of themselves, through the decoder-level
engine; the prediction under each replacement is recorded per instance and draw. `removed`
sets every weight to 0: what the model decides without its attention (a flat model's
context is 0, its output the decoder's bias; a [CLS] model keeps its residual path).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from attnaudit import settings
from attnaudit.analyses.common import base_columns, collect
from attnaudit.engine import Engine, per_instance
from attnaudit.models.classifier import AttentionClassifier
from attnaudit.settings import Params


def replacements(engine: Engine, batch, cfg: settings.Replacement) -> dict[str, torch.Tensor]:
    """Per replacement the attention stacks (B, draws, T): the learned weights themselves,
    uniform, random (u / sum u, u ~ U(0, 1) at real positions), permuted, and removed
    (every weight 0: the decision left when nothing is attended to)."""
    mask = batch.mask.unsqueeze(1)
    uniform = mask / batch.lengths.view(-1, 1, 1)
    draws = per_instance(torch.rand, cfg.seed, batch, (cfg.n_draws,))
    random = draws.masked_fill(~mask, 0.0)
    return {
        "learned": batch.attention.unsqueeze(1),
        "uniform": uniform.to(batch.attention.dtype),
        "random": random / random.sum(-1, keepdim=True),
        # other keys than the random weights' (seed + 1), so the two are independent
        "permuted": engine.random_permutations(batch, cfg.n_draws, cfg.seed + 1),
        "removed": torch.zeros_like(batch.attention).unsqueeze(1),
    }


def replacement(
    model: AttentionClassifier, rows: pd.DataFrame, params: Params = None
) -> pd.DataFrame:
    """One row per instance, replacement and draw: the predicted class and the probability
    of the learned weights' prediction (`attnaudit.settings.Replacement`)."""
    cfg = settings.Replacement.of(params)
    engine = Engine(model, batch_size=cfg.batch_size)
    parts = []
    for batch in tqdm(engine.batches(rows), desc="replacement", mininterval=2):
        base = base_columns(rows, batch.index, batch)
        learned = torch.as_tensor(base["pred"]).view(-1, 1, 1)
        for name, weights in replacements(engine, batch, cfg).items():
            probs = engine.outputs(batch, weights)
            kept = probs.gather(-1, learned.expand(-1, probs.shape[1], 1))[..., 0]
            for draw in range(probs.shape[1]):
                parts.append(
                    pd.DataFrame(
                        {
                            **base,
                            "replacement": name,
                            "draw": draw,
                            "replaced_pred": probs[:, draw].argmax(-1).numpy(),
                            "p_learned_pred": kept[:, draw].numpy().astype(np.float64),
                        }
                    )
                )
    order = ["learned", "uniform", "random", "permuted", "removed"]
    out = collect(parts, rows)
    rank = out["replacement"].map({r: i for i, r in enumerate(order)})
    return (
        out.assign(rank=rank)
        .sort_values(["rank", "draw"], kind="stable")
        .drop(columns="rank")
        .reset_index(drop=True)
    )


# The family's analyses by config block (and output name): one job runs them on one model.
ANALYSES = {"replacement": replacement}
