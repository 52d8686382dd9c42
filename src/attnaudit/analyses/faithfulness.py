"""Faithfulness beyond the papers: ERASER's comprehensiveness, sufficiency and AOPC for
every token ranking (DeYoung et al. 2020), and recovery of planted rationales.

A ranking orders an instance's real tokens, most important first; the rankings and their
math are the entries of `attnaudit.importance.registry` (attention, gradient
|d p_yhat / d e_t . e_t|, grad_x_attention, loo, integrated_gradients, and `n_random`
random orders per instance: the chance control beside every statistic).
Ties keep token order. ERASER removes tokens from the input (deletion, not masking): the
reduced sequence keeps <SOS>, <EOS>, <SEP> and the remaining real tokens in their order and
runs through the whole model. An input with no real token left has attention weights all
zero, so its context is 0 and its output the decoder's bias alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from attnaudit import settings
from attnaudit.data.batching import scored_batches
from attnaudit.data.tokens import EOS_ID, PAD_ID, SEP_ID, SOS_ID
from attnaudit.importance import registry
from attnaudit.importance.scores import Options
from attnaudit.importance.top import top_count, top_order
from attnaudit.models.classifier import AttentionClassifier
from attnaudit.settings import Params

SPECIAL = (PAD_ID, SOS_ID, EOS_ID, SEP_ID)


def real_positions(token_ids) -> np.ndarray:
    """Indices into `token_ids` of its real tokens (not <SOS>, <EOS>, <SEP>, padding)."""
    return np.array([i for i, t in enumerate(token_ids) if t not in SPECIAL], dtype=np.int64)


def ranking_scores(
    model: AttentionClassifier, rows: pd.DataFrame, cfg: settings.Rankings
) -> list[tuple[str, int, list[np.ndarray], dict[str, list[float]]]]:
    """(ranking, ordering, per-instance scores over real tokens in row order, per-instance
    diagnostics by column) for every configured ranking; random rankings once per ordering.
    Only the rankings that apply to the model (`registry.applicable`): under uniform
    attention none that needs attention (its weights rank nothing), the transformer
    explanations only on a pretrained transformer."""
    rankings = registry.applicable(list(cfg.rankings), model)
    opts = Options(batch_size=64, ig_steps=cfg.ig_steps, seed=cfg.seed, n_random=cfg.n_random)
    out = []
    for ranking in rankings:
        result = registry.score(ranking, model, rows, opts)
        out += [(ranking, k, scores, result.columns) for k, scores in enumerate(result.orderings())]
    return out


def eraser(model: AttentionClassifier, rows: pd.DataFrame, params: Params = None) -> pd.DataFrame:
    """Per instance, ranking and ordering: comprehensiveness and sufficiency at each bin of
    `percents`, their AOPC (ERASER's scorer: the mean over the bins), the ranking's scores,
    and every output distribution they come from (`probs` on the full input,
    `probs_without_<k>` / `probs_alone_<k>` on the reduced ones), which ERASER's JSONL
    export needs (`attnaudit.settings.Eraser`)."""
    cfg = settings.Eraser.of(params)
    model.eval()
    ids = [np.asarray(t, dtype=np.int64) for t in rows["token_ids"]]
    probs = all_probabilities(model, ids, cfg.batch_size)
    pred = probs.argmax(axis=1)
    p_full = probs[np.arange(len(ids)), pred]
    positions = [real_positions(t) for t in ids]
    rankings = ranking_scores(model, rows, cfg)
    # every distinct reduced input of every ranking, instance and bin, evaluated together
    # (short inputs give the same top tokens for several bins and rankings)
    # (keyed by instance and the removed positions as a mask: the same set gives one key)
    distinct: dict[tuple[int, bytes], int] = {}
    sequences, where = [], []
    for _, _, scores, _ in rankings:
        for i, (tokens, real) in enumerate(zip(ids, positions, strict=True)):
            order = top_order(np.asarray(scores[i], dtype=np.float64))
            is_real = np.zeros(len(tokens), dtype=bool)
            is_real[real] = True
            for percent in cfg.percents:
                top = np.zeros(len(tokens), dtype=bool)
                top[real[order[: top_count(percent, len(real))]]] = True
                for removed in (top, is_real & ~top):
                    key = (i, removed.tobytes())
                    if key not in distinct:
                        distinct[key] = len(sequences)
                        sequences.append(tokens[~removed])
                    where.append(distinct[key])
    # (ranking, instance, bin, without r_k / r_k alone, class)
    reduced = all_probabilities(model, sequences, cfg.batch_size)[where]
    reduced = reduced.reshape(len(rankings), len(ids), len(cfg.percents), 2, probs.shape[1])
    parts = []
    labels = [format(p, "g") for p in cfg.percents]
    for (ranking, ordering, scores, columns), dists in zip(rankings, reduced, strict=True):
        drop = np.take_along_axis(dists, pred[:, None, None, None], axis=-1)[..., 0]
        comp = p_full[:, None] - drop[..., 0]
        suff = p_full[:, None] - drop[..., 1]
        frame = pd.DataFrame(
            {
                "id": rows["id"].to_numpy(),
                "label": rows["label"].to_numpy(),
                "pred": pred,
                "length": [len(r) for r in positions],
                "ranking": ranking,
                "ordering": ordering,
                "p_pred": p_full,
                **{f"comprehensiveness_{k}": comp[:, j] for j, k in enumerate(labels)},
                **{f"sufficiency_{k}": suff[:, j] for j, k in enumerate(labels)},
                "aopc_comprehensiveness": comp.mean(axis=1),
                "aopc_sufficiency": suff.mean(axis=1),
                "scores": [np.asarray(s, dtype=np.float64) for s in scores],
                **columns,
                "probs": list(probs),
                **{f"probs_without_{k}": list(dists[:, j, 0]) for j, k in enumerate(labels)},
                **{f"probs_alone_{k}": list(dists[:, j, 1]) for j, k in enumerate(labels)},
            }
        )
        parts.append(frame)
    return pd.concat(parts, ignore_index=True)


@torch.no_grad()
def all_probabilities(model: AttentionClassifier, sequences: list, batch_size: int) -> np.ndarray:
    """Output distributions (N, K) of the whole model, in length-bucketed batches."""

    def score(index: np.ndarray, tokens: torch.Tensor) -> np.ndarray:
        return model.probabilities(model(tokens)[0]).numpy()

    return np.stack(scored_batches(sequences, batch_size, score)).astype(np.float64)


def average_precision(order: np.ndarray, relevant: set[int]) -> float:
    """Mean over relevant items of the precision at their rank in `order`."""
    hits, total = 0, 0.0
    for rank, item in enumerate(order, start=1):
        if int(item) in relevant:
            hits += 1
            total += hits / rank
    return total / len(relevant)


def kept_positions(positions, n: int) -> set[int]:
    """The annotated positions that lie among an instance's n real tokens (a `max_length`
    cut drops the others); a missing annotation (None, NaN) marks nothing."""
    if positions is None or np.ndim(positions) == 0:
        return set()
    return {int(p) for p in positions if 0 <= int(p) < n}


def planted(model: AttentionClassifier, rows: pd.DataFrame, params: Params = None) -> pd.DataFrame:
    """Per instance with planted tokens P, ranking and ordering: precision@k (k = |P|),
    average precision and the ranks of P; the share of that top k on the distractors D
    (the other class's signal words, counter-evidence that also decides the label); and
    precision@k and average precision against the evidence E = P and D (k = |E|), so a
    ranking that finds counter-evidence is not penalised (`attnaudit.settings.Planted`).
    `label_flipped` flags the rows whose label the noise replaced. Instances without a
    rationale (datasets that plant none) give no rows."""
    cfg = settings.Planted.of(params)
    columns = ["id", "label", "label_flipped", "length", "ranking", "ordering", "n_planted",
               "precision_at_k", "average_precision", "planted_ranks", "n_distractors",
               "distractor_share", "n_evidence", "evidence_precision_at_k",
               "evidence_average_precision"]  # fmt: skip
    if "rationale" not in rows or rows["rationale"].isna().all():
        return pd.DataFrame(columns=columns)
    lengths = [len(real_positions(t)) for t in rows["token_ids"]]
    keep = [
        i
        for i, (r, n) in enumerate(zip(rows["rationale"], lengths, strict=True))
        if r is not None and len(r) and max(r) < n  # planted tokens not cut by max_length
    ]
    rows = rows.iloc[keep].reset_index(drop=True)
    given = rows["distractors"] if "distractors" in rows else [None] * len(rows)
    distractors = [kept_positions(d, lengths[i]) for d, i in zip(given, keep, strict=True)]
    flipped = rows["label_flipped"] if "label_flipped" in rows else [False] * len(rows)
    records = []
    for ranking, ordering, scores, _ in ranking_scores(model, rows, cfg):
        for i, row in enumerate(rows.itertuples(index=False)):
            relevant = {int(p) for p in row.rationale}
            evidence = relevant | distractors[i]
            order = top_order(np.asarray(scores[i], dtype=np.float64))
            k, e = len(relevant), len(evidence)
            ranks = np.flatnonzero(np.isin(order, list(relevant))) + 1  # 1-based, ascending
            top = {int(p) for p in order[:k]}
            records.append(
                (row.id, row.label, bool(flipped[i]), len(order), ranking, ordering, k,
                 len(relevant & top) / k, average_precision(order, relevant), ranks,
                 len(distractors[i]), len(distractors[i] & top) / k, e,
                 len(evidence & {int(p) for p in order[:e]}) / e,
                 average_precision(order, evidence))
            )  # fmt: skip
    return pd.DataFrame(records, columns=columns)


# The family's analyses by config block (and output name): one job runs them on one model.
ANALYSES = {"eraser": eraser, "planted": planted}
