"""Serrano & Smith (2019), "Is Attention Interpretable?": erasing attended representations.

Decoder-level: the hidden states stay fixed; erasing item i sets alpha_i = 0 and
renormalises. Output change is the JSD between output distributions; a flip is a change of
the predicted class. Items are those of the topmost attention layer: tokens, or sentences
for hierarchical models (where the rankings that score tokens are left out).

Rankings (descending, "most important first") come from `attnaudit.importance.registry`:
attention, attention_gradient (d p(predicted class) / d alpha_i, signed), grad_x_attention,
random (`n_random` orders), and for multi-weight erasure loo and integrated_gradients too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from attnaudit import settings
from attnaudit.analyses.common import base_columns, collect
from attnaudit.engine import EncodedBatch, Engine, per_instance
from attnaudit.importance import registry
from attnaudit.importance.scores import Options
from attnaudit.metrics import jsd
from attnaudit.settings import Params


def top_items(scores: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return scores.masked_fill(~mask, -torch.inf).argmax(dim=1)


def single_weight(model, rows: pd.DataFrame, params: Params = None) -> pd.DataFrame:
    """Erase the top item of each ranking and, separately, a random other item
    (`attnaudit.settings.SingleWeight`)."""
    cfg = settings.SingleWeight.of(params)
    engine = Engine(model, batch_size=cfg.batch_size)
    rows = rows[rows["token_ids"].map(model.item_count) > 1].reset_index(drop=True)
    opts = Options(batch_size=cfg.batch_size)
    ranked = {r: registry.score(r, model, rows, opts).values for r in cfg.rankings}
    parts = []
    for batch in tqdm(engine.batches(rows), desc="single-weight erasure", mininterval=2):
        pred = batch.probs.argmax(-1)
        # A random other item: random keys at real positions, the top item excluded.
        keys = per_instance(torch.rand, cfg.seed, batch, ())
        for ranking in cfg.rankings:
            top = top_items(at_items(batch, ranked[ranking]), batch.mask)
            other = top_items(keys.scatter(1, top.view(-1, 1), -1.0), batch.mask)
            erased = torch.zeros(batch.mask.shape[0], 2, batch.mask.shape[1], dtype=torch.bool)
            erased[torch.arange(len(top)), 0, top] = True
            erased[torch.arange(len(top)), 1, other] = True
            kept = engine.erase(batch.attention.unsqueeze(1), erased)
            # No attention mass left (sparse attention, all of it on the erased item): the
            # renormalised attention is undefined, so is the output: JSD NaN, no flip.
            exhausted = kept.isnan().any(-1)
            probs = engine.outputs(batch, kept)
            change = jsd(probs, batch.probs.unsqueeze(1))
            flips = (probs.argmax(-1) != pred.unsqueeze(1)) & ~exhausted
            alpha_top = batch.attention.gather(1, top.view(-1, 1))[:, 0]
            alpha_other = batch.attention.gather(1, other.view(-1, 1))[:, 0]
            parts.append(
                pd.DataFrame(
                    {
                        **base_columns(rows, batch.index, batch),
                        "ranking": ranking,
                        "top_position": (top - 1).numpy(),  # 0-based real-token position
                        "random_position": (other - 1).numpy(),
                        "jsd_top": change[:, 0].numpy().astype(np.float64),
                        "jsd_random": change[:, 1].numpy().astype(np.float64),
                        "delta_jsd": (change[:, 0] - change[:, 1]).numpy().astype(np.float64),
                        "delta_attention": (alpha_top - alpha_other).numpy().astype(np.float64),
                        "flip_top": flips[:, 0].numpy(),
                        "flip_random": flips[:, 1].numpy(),
                        "top_exhausted": exhausted[:, 0].numpy(),
                        "random_exhausted": exhausted[:, 1].numpy(),
                    }
                )
            )
    return collect(parts, rows).sort_values(["ranking"], kind="stable").reset_index(drop=True)


def ranks_from_scores(scores: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Each real item's place in the descending order of `scores` (0 = first erased);
    non-real positions get a place beyond every real item."""
    t = scores.shape[-1]
    order = scores.masked_fill(~mask, -torch.inf).argsort(dim=-1, descending=True, stable=True)
    places = torch.empty_like(order).scatter_(-1, order, torch.arange(t).expand_as(order))
    return places.masked_fill(~mask, t)


def flip_fraction(engine: Engine, batch: EncodedBatch, places: torch.Tensor):
    """Erase items one by one in order of `places` (renormalising) until the decision
    flips. Returns per instance the number erased at the flip (0 if never), whether it
    flipped, and whether the attention mass ran out first. The last item is never erased:
    nothing would be left to attend to. Once the erased items held all the attention
    (sparse attention has exact zeros) the renormalised attention is undefined (NaN rows of
    `Engine.erase`): those steps cannot flip, and an instance that had not flipped by then
    is `exhausted` (and not flipped)."""
    b, t = batch.mask.shape
    steps = int(batch.lengths.max()) - 1
    none = torch.zeros(b, dtype=torch.bool)
    if steps < 1:
        return torch.zeros(b, dtype=torch.long), none, none
    k = torch.arange(1, steps + 1).view(1, -1, 1)
    erased = places.unsqueeze(1) < k  # (B, steps, T): the first k items erased
    kept = engine.erase(batch.attention.unsqueeze(1), erased)
    probs = engine.outputs(batch, kept)
    valid = k.view(1, -1) < batch.lengths.view(-1, 1)  # keep at least one item
    defined = ~kept.isnan().any(-1)
    flipped = probs.argmax(-1) != batch.probs.argmax(-1).unsqueeze(1)
    flipped &= valid & defined
    first = torch.where(flipped.any(1), flipped.float().argmax(1) + 1, 0)
    exhausted = ~flipped.any(1) & (valid & ~defined).any(1)
    return first, flipped.any(1), exhausted


def at_items(batch: EncodedBatch, scores: list[np.ndarray]) -> torch.Tensor:
    """Per-instance scores of the items (real tokens or sentences, in order) placed at their
    positions in the batch, (B, T); <SOS>, <EOS>, <SEP> and padding get 0."""
    out = torch.zeros_like(batch.attention)
    for j, i in enumerate(batch.index):
        out[j, batch.mask[j]] = torch.as_tensor(scores[i], dtype=out.dtype)
    return out


def multi_weight(model, rows: pd.DataFrame, params: Params = None) -> pd.DataFrame:
    """Fraction of items erased before the decision flips, per instance and ranking
    (`attnaudit.settings.MultiWeight`).

    Instances that never flip have `flipped` False and NaN `fraction`; the report gives
    their share separately, as Serrano & Smith do.
    """
    cfg = settings.MultiWeight.of(params)
    engine = Engine(model, batch_size=cfg.batch_size)
    rows = rows[rows["token_ids"].map(model.item_count) > 1].reset_index(drop=True)
    # rankings of tokens do not order sentences; transformer explanations need one
    rankings = registry.applicable(list(cfg.rankings), model)
    opts = Options(batch_size=cfg.batch_size, ig_steps=cfg.ig_steps, seed=cfg.seed,
                   n_random=cfg.n_random)  # fmt: skip
    ranked = {r: registry.score(r, model, rows, opts).orderings() for r in rankings}
    parts = []
    for batch in tqdm(engine.batches(rows), desc="multi-weight erasure", mininterval=2):
        orders = [
            (ranking, ordering, at_items(batch, values))
            for ranking in rankings
            for ordering, values in enumerate(ranked[ranking])
        ]
        for ranking, ordering, scores in orders:
            first, flipped, exhausted = flip_fraction(
                engine, batch, ranks_from_scores(scores, batch.mask)
            )
            lengths = batch.lengths.float()
            parts.append(
                pd.DataFrame(
                    {
                        **base_columns(rows, batch.index, batch),
                        "ranking": ranking,
                        "ordering": ordering,
                        "flipped": flipped.numpy(),
                        "n_erased": first.numpy(),
                        "fraction": torch.where(flipped, first / lengths, torch.nan).numpy(),
                        "exhausted": exhausted.numpy(),
                    }
                )
            )
    return (
        collect(parts, rows)
        .sort_values(["ranking", "ordering"], kind="stable")
        .reset_index(drop=True)
    )


# The family's analyses by config block (and output name): one job runs them on one model.
ANALYSES = {"single_weight": single_weight, "multi_weight": multi_weight}
