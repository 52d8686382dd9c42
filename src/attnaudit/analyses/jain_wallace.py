"""Jain & Wallace (2019), "Attention is not Explanation": the three experiments.

Each function takes a trained model, the rows of a split (`id`, `label`, `token_ids`) and
the analysis's settings, and returns one row per instance. Decoder-level work goes through
`attnaudit.engine.Engine`; input-level importance through `attnaudit.importance`.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from attnaudit import kendall, settings
from attnaudit.analyses.common import base_columns, collect
from attnaudit.engine import EncodedBatch, Engine, per_instance, real_values
from attnaudit.importance import registry
from attnaudit.importance.scores import Options
from attnaudit.metrics import LOG_EPS, jsd, tvd
from attnaudit.models.attention import masked_softmax
from attnaudit.models.classifier import AttentionClassifier
from attnaudit.optim import Adam
from attnaudit.settings import Params


def importance_agreement(
    model: AttentionClassifier, rows: pd.DataFrame, params: Params = None
) -> pd.DataFrame:
    """Kendall tau-b between attention, gradient and leave-one-out importance per instance
    (`attnaudit.settings.Importance`)."""
    cfg = settings.Importance.of(params)
    engine = Engine(model, batch_size=cfg.batch_size)
    parts = []
    for batch in engine.batches(rows):
        parts.append(
            pd.DataFrame(
                {
                    **base_columns(rows, batch.index, batch),
                    "attention": real_values(batch.attention, batch.mask),
                }
            )
        )
    out = collect(parts, rows)
    opts = Options(batch_size=cfg.batch_size, deletions_per_pass=cfg.deletions_per_pass,
                   ig_steps=cfg.ig_steps)  # fmt: skip
    rankings = ("gradient", "loo", *(("integrated_gradients",) if cfg.integrated_gradients else ()))
    for ranking in rankings:
        out[ranking] = registry.score(ranking, model, rows, opts).values
    pairs = {"attn_grad": ("attention", "gradient"), "attn_loo": ("attention", "loo"),
             "grad_loo": ("gradient", "loo")}  # fmt: skip
    if cfg.integrated_gradients:
        pairs["attn_ig"] = ("attention", "integrated_gradients")
    for name, (a, b) in pairs.items():
        out[f"tau_{name}"], out[f"p_{name}"] = kendall.tau_b(list(out[a]), list(out[b]))
    return out


def permutation(
    model: AttentionClassifier, rows: pd.DataFrame, params: Params = None
) -> pd.DataFrame:
    """Median (and mean) output change, as TVD, over random permutations of attention
    (`attnaudit.settings.Permutation`)."""
    cfg = settings.Permutation.of(params)
    engine = Engine(model, batch_size=cfg.batch_size)
    parts = []
    for batch in tqdm(engine.batches(rows), desc="permutation", mininterval=2):
        permuted = engine.random_permutations(batch, cfg.n_permutations, cfg.seed)
        change = tvd(engine.outputs(batch, permuted), batch.probs.unsqueeze(1))
        parts.append(
            pd.DataFrame(
                {
                    **base_columns(rows, batch.index, batch),
                    "median_change": change.median(dim=1).values.numpy().astype(np.float64),
                    "mean_change": change.mean(dim=1).numpy().astype(np.float64),
                }
            )
        )
    return collect(parts, rows)


@functools.cache
def unordered_pairs(k: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The unordered pairs (i < j) of [own attention, a_1 .. a_K] and their weights in the
    loss: 1 for a pair with the own attention, 1 / (K (K - 1)) between two candidates."""
    first, second = torch.triu_indices(k + 1, k + 1, offset=1)
    weight = torch.where(first == 0, 1.0, 1.0 / (k * (k - 1)) if k > 1 else 0.0)
    return first, second, weight.view(1, -1, 1)


def adversary_gradient(
    engine: Engine, batch: EncodedBatch, weights: torch.Tensor, cfg: settings.Adversary
) -> torch.Tensor:
    """Gradient of the search's loss with respect to candidate attention `weights` (B, K, T).

    loss = lambda * sum_k max(0, TVD(y_k, y) - epsilon) - sum_k JSD(a_k, a)
           - sum_{i<j} JSD(a_i, a_j) / (K (K - 1)),
    where y_k is the output for a_k and a, y the model's own attention and output. Written
    out by hand rather than by autograd: each of the 500 steps is then about twenty tensor
    operations instead of seventy (tests compare it with autograd).
    dJSD(p, q)/dp = (log p - log m) / 2 with m = (p + q) / 2; logs are taken of p + 1e-10
    (`metrics.LOG_EPS`: this is the derivative of `metrics.jsd`).
    A decoder that is not affine in the attention (the [CLS] classifier) takes the hinge
    term's gradient from autograd instead.
    """
    k = weights.shape[1]
    if engine.model.affine_decoder:
        grad = hinge_gradient(engine, batch, weights, cfg)
    else:
        grad = hinge_gradient_autograd(engine, batch, weights, cfg)
    first, second, pair_weight = unordered_pairs(k)
    dists = torch.cat([batch.attention.unsqueeze(1), weights], dim=1)
    log_d = torch.log(dists + LOG_EPS)
    pair_mean = 0.5 * (dists.index_select(1, first) + dists.index_select(1, second))
    log_m = torch.log(pair_mean + LOG_EPS)
    d_dists = torch.zeros_like(dists)
    d_dists.index_add_(1, first, pair_weight * (log_d.index_select(1, first) - log_m))
    d_dists.index_add_(1, second, pair_weight * (log_d.index_select(1, second) - log_m))
    return grad - 0.5 * d_dists[:, 1:]


def hinge_gradient_autograd(
    engine: Engine, batch: EncodedBatch, weights: torch.Tensor, cfg: settings.Adversary
) -> torch.Tensor:
    """Gradient of lambda * sum_k max(0, TVD(y_k, y) - epsilon) by autograd (any decoder)."""
    with torch.enable_grad():
        free = weights.detach().requires_grad_(True)
        change = tvd(engine.probabilities(batch, free), batch.probs.unsqueeze(1))
        hinge = cfg.lam * (change - cfg.epsilon).clamp(min=0.0).sum()
        (grad,) = torch.autograd.grad(hinge, free)
    return grad


def hinge_gradient(
    engine: Engine, batch: EncodedBatch, weights: torch.Tensor, cfg: settings.Adversary
) -> torch.Tensor:
    """Gradient of lambda * sum_k max(0, TVD(y_k, y) - epsilon) by hand, through the
    per-token logit contributions of an affine decoder."""
    out = engine.logits(batch, weights)
    if engine.model.binary:  # TVD = |p - p_hat|, dp/dlogit = p (1 - p)
        p = torch.sigmoid(out)
        diff = p - batch.probs[:, 1:]
        d_out = (diff.sign() * p * (1.0 - p)).unsqueeze(-1)
        tvd_ = diff.abs()
    else:  # TVD = sum |y - y_hat| / 2 through the softmax
        y = torch.softmax(out, dim=-1)
        diff = y - batch.probs.unsqueeze(1)
        half_sign = 0.5 * diff.sign()
        d_out = y * (half_sign - (y * half_sign).sum(-1, keepdim=True))
        tvd_ = 0.5 * diff.abs().sum(-1)
    active = (tvd_ > cfg.epsilon).unsqueeze(-1)
    return cfg.lam * torch.matmul(d_out * active, batch.contributions.transpose(-1, -2))


def search_adversaries(engine: Engine, batch: EncodedBatch, cfg: settings.Adversary):
    """Optimise K attention distributions per instance that diverge from the model's own
    (and from each other) while keeping the output within epsilon (a hinge penalty): Adam
    on free logits, initialised log-uniform plus noise, through a masked softmax.

    Returns the candidates (B, K, T) and their output distributions (B, K, C).
    """
    k, padding = cfg.k, ~batch.mask.unsqueeze(1)
    b, t = batch.attention.shape
    uniform = -torch.log(batch.lengths.float()).view(b, 1, 1).expand(b, k, t)
    noise = per_instance(torch.randn, cfg.seed, batch, (k,)) * cfg.init_noise
    logits = (uniform + noise).clone().requires_grad_(True)
    optimizer = Adam([logits], lr=cfg.lr)
    with torch.no_grad():
        for _ in range(cfg.steps):
            weights = torch.softmax(logits.masked_fill(padding, float("-inf")), dim=-1)
            grad = adversary_gradient(engine, batch, weights, cfg)
            # through the softmax: dL/dz = a * (dL/da - sum_t a_t dL/da_t)
            logits.grad = weights * (grad - (weights * grad).sum(-1, keepdim=True))
            optimizer.step()
        weights = masked_softmax(logits, ~padding)
        return weights, engine.outputs(batch, weights)


def adversary(
    model: AttentionClassifier, rows: pd.DataFrame, params: Params = None
) -> pd.DataFrame:
    """Per instance, the most divergent attention whose output stays within select_epsilon
    (`attnaudit.settings.Adversary`).

    The model's own attention (JSD 0) is always a candidate, so every instance has one.
    """
    cfg = settings.Adversary.of(params)
    engine = Engine(model, batch_size=cfg.batch_size)
    parts = []
    for batch in tqdm(engine.batches(rows), desc="adversary", mininterval=2):
        weights, probs = search_adversaries(engine, batch, cfg)
        weights = torch.cat([batch.attention.unsqueeze(1), weights], dim=1)
        probs = torch.cat([batch.probs.unsqueeze(1), probs], dim=1)
        change = tvd(probs, batch.probs.unsqueeze(1))
        divergence = jsd(weights, batch.attention.unsqueeze(1))
        divergence[:, 0] = 0.0  # the model's own attention
        feasible = change <= cfg.select_epsilon
        best = divergence.masked_fill(~feasible, -1.0).argmax(dim=1)
        pick = best.view(-1, 1)
        chosen = weights.gather(1, pick.unsqueeze(-1).expand(-1, 1, weights.shape[-1]))[:, 0]
        parts.append(
            pd.DataFrame(
                {
                    **base_columns(rows, batch.index, batch),
                    "max_jsd": divergence.gather(1, pick)[:, 0].numpy().astype(np.float64),
                    "output_tvd": change.gather(1, pick)[:, 0].numpy().astype(np.float64),
                    "n_feasible": (feasible[:, 1:]).sum(1).numpy(),
                    "adversary_attention": real_values(chosen, batch.mask),
                    "epsilon": cfg.epsilon,
                    "select_epsilon": cfg.select_epsilon,
                }
            )
        )
    return collect(parts, rows)


# The family's analyses by config block (and output name): one job runs them on one model.
ANALYSES = {"importance": importance_agreement, "permutation": permutation, "adversary": adversary}
