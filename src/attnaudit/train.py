"""Training: seeded, class-weighted, Adam (amsgrad), best epoch chosen on dev, never on test.

`fit` trains one model and returns everything a training job writes: the best state,
the per-epoch log, test scores and test-set predictions with attention. Two variants serve
Wiegreffe & Pinter's experiments: `fixed_attention` trains with per-instance attention
supplied from outside (frozen), and `against` trains against a fixed base model with a
per-instance objective instead of the labels.
"""

from __future__ import annotations

import copy
import os
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn
from tqdm.auto import tqdm

from attnaudit import metrics
from attnaudit.data.batching import bucketed_batches, pad
from attnaudit.models.attention import FixedAttention
from attnaudit.models.classifier import AttentionClassifier, ModelConfig
from attnaudit.models.conicity import conicity, diversity_weight
from attnaudit.models.factory import build_model
from attnaudit.optim import Adam
from attnaudit.training_settings import Training

# Instances per prediction pass while training (dev selection, test predictions): not a
# setting, predictions are per instance and the same for any batching.
EVAL_BATCH_SIZE = 256


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - third-party code may draw from the global state
    torch.manual_seed(seed)


def resolve_device(name: str) -> torch.device:
    """'auto' takes CUDA when present; 'cuda' without a GPU is an error, not a silent CPU run."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        visible = os.environ.get("CUDA_VISIBLE_DEVICES", "unset")
        raise RuntimeError(
            "device: cuda was requested but torch sees no CUDA device "
            f"(CUDA_VISIBLE_DEVICES={visible}, torch built with CUDA {torch.version.cuda})"
        )
    return torch.device(name)


@dataclass
class TrainResult:
    model: AttentionClassifier
    best_epoch: int
    history: pd.DataFrame
    test_scores: dict[str, float]
    predictions: pd.DataFrame
    device: str


@dataclass
class Against:
    """Train against a fixed `model` instead of the labels (Wiegreffe & Pinter's adversary).

    `objective(probs, weights, base_probs, base_weights, mask)` is a per-instance loss (B,)
    from the new and the base model's output distributions (B, K) and attention (B, T) on
    the same batch (`mask`: the real positions, the only ones it may read). The base's are
    computed once per split before training (`Outputs`). Training minimises its mean;
    the kept epoch is the one with the lowest mean objective on dev (labels are never
    used). `init_seed`
    draws the new model's initialisation and batch order (default: the run's seed, which
    would start it from the base model's own initialisation when both share a seed).
    """

    model: AttentionClassifier
    objective: Callable[..., torch.Tensor]
    init_seed: int | None = None


def split_rows(table: pd.DataFrame, split: str) -> pd.DataFrame:
    return table[table["split"] == split].reset_index(drop=True)


def run_with_states(
    model: AttentionClassifier,
    tokens: torch.Tensor,
    ids: list[str],
    fixed_attention: FixedAttention | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Logits, attention, real-item mask and the hidden states of the items."""
    hidden, mask = model.encode(tokens)
    if fixed_attention is None:
        weights = model.attend(hidden, mask)
    else:
        weights = fixed_attention.batch(ids, mask)
    return model.decode(hidden, weights), weights, mask, hidden


def run_model(
    model: AttentionClassifier,
    tokens: torch.Tensor,
    ids: list[str],
    fixed_attention: FixedAttention | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Logits, attention and real-item mask; `fixed_attention` replaces the model's own."""
    return run_with_states(model, tokens, ids, fixed_attention)[:3]


@dataclass
class Outputs:
    """A model's output distribution and attention over its items, per instance id: what
    training against a fixed base reads of the base (computed once per split, `of`, not on
    every batch and epoch) and of the trained model's dev predictions."""

    probs: dict[str, np.ndarray]  # (K,)
    attention: dict[str, np.ndarray]  # over the real items, in order

    @classmethod
    def of(
        cls, model: AttentionClassifier, rows: pd.DataFrame, batch_size: int, device: torch.device
    ) -> Outputs:
        return cls.from_predictions(predict(model, rows, batch_size, device))

    @classmethod
    def from_predictions(cls, predictions: pd.DataFrame) -> Outputs:
        """From `predict`'s table."""
        ids = predictions["id"].astype(str)
        return cls(dict(zip(ids, predictions["probs"], strict=True)),
                   dict(zip(ids, predictions["attention"], strict=True)))  # fmt: skip

    def batch(self, ids: Sequence[str], mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Probabilities (B, K) and attention (B, T), exactly 0 outside `mask` (B, T), for
        the instances `ids` of a batch."""
        probs = np.stack([self.probs[str(i)] for i in ids])
        weights = torch.zeros(mask.shape, dtype=torch.float32, device=mask.device)
        weights[mask] = torch.from_numpy(
            np.concatenate([self.attention[str(i)] for i in ids])
        ).float().to(mask.device)  # fmt: skip
        return torch.from_numpy(probs).float().to(mask.device), weights


def objective_of(
    model: AttentionClassifier,
    tokens: torch.Tensor,
    ids: list[str],
    against: Against,
    base: Outputs,
    fixed_attention: FixedAttention | None = None,
) -> torch.Tensor:
    """The per-instance objective of `against` for one batch (gradients through `model`)."""
    logits, weights, mask = run_model(model, tokens, ids, fixed_attention)
    base_probs, base_weights = base.batch(ids, mask)
    return against.objective(model.probabilities(logits), weights, base_probs, base_weights, mask)


def mean_objective(predictions: pd.DataFrame, against: Against, base: Outputs) -> float:
    """The mean per-instance objective of `against` over `predictions` (`predict`'s table of
    the model trained against the base): the objective reads only the items' weights, so
    each row's attention is laid out on positions 0..length-1."""
    lengths = torch.as_tensor(predictions["length"].to_numpy())
    mask = torch.arange(int(lengths.max()))[None, :] < lengths[:, None]
    ids = list(predictions["id"].astype(str))
    probs, weights = Outputs.from_predictions(predictions).batch(ids, mask)
    return float(against.objective(probs, weights, *base.batch(ids, mask), mask).mean())


@torch.no_grad()
def predict(
    model: AttentionClassifier,
    rows: pd.DataFrame,
    batch_size: int,
    device: torch.device,
    fixed_attention: FixedAttention | None = None,
) -> pd.DataFrame:
    """Output distribution, attention (real tokens only) and the conicity of the items'
    hidden states for every row, in row order."""
    model.eval()
    ids, names = list(rows["token_ids"]), [str(i) for i in rows["id"]]
    probs: list[np.ndarray] = [None] * len(ids)  # type: ignore[list-item]
    attn: list[np.ndarray] = [None] * len(ids)  # type: ignore[list-item]
    cones = np.full(len(ids), np.nan)
    for batch in bucketed_batches([len(s) for s in ids], batch_size):
        tokens = pad([ids[i] for i in batch], device)
        logits, weights, mask, hidden = run_with_states(
            model, tokens, [names[i] for i in batch], fixed_attention
        )
        p = model.probabilities(logits).cpu().numpy()
        w, m = weights.cpu().numpy(), mask.cpu().numpy()
        cones[batch] = conicity(hidden, mask).cpu().numpy()
        for j, i in enumerate(batch):
            probs[i] = p[j]
            attn[i] = w[j][m[j]]  # over the topmost attention's items (tokens or sentences)
    prob_matrix = np.stack(probs)
    out = pd.DataFrame(
        {
            "id": rows["id"].to_numpy(),
            "label": rows["label"].to_numpy(),
            "pred": prob_matrix.argmax(axis=1),
            "probs": list(prob_matrix.astype(np.float64)),
            "attention": [a.astype(np.float64) for a in attn],
            "length": [len(a) for a in attn],
            "conicity": cones,
        }
    )
    return out


def scores_of(predictions: pd.DataFrame, n_classes: int) -> dict[str, float]:
    """Classification scores, and the mean conicity of the hidden states over instances."""
    probs = np.stack(predictions["probs"].to_numpy())
    if n_classes == 2:
        probs = probs[:, 1]
    scores = metrics.classification_scores(predictions["label"].to_numpy(), probs)
    if "conicity" in predictions:
        scores["conicity"] = float(np.nanmean(predictions["conicity"]))
    return scores


# A per-instance penalty on the attention, (weights (B, T), real-item mask, ids) -> (B,),
# whose batch mean is added to the training loss (Pruthi et al.'s deception term).
AttentionPenalty = Callable[[torch.Tensor, torch.Tensor, list[str]], torch.Tensor]


def label_loss(
    model: AttentionClassifier,
    loss_fn: nn.Module,
    tokens: torch.Tensor,
    ids: list[str],
    target: torch.Tensor,
    fixed_attention: FixedAttention | None = None,
    attention_penalty: AttentionPenalty | None = None,
) -> torch.Tensor:
    """The training loss of one batch: the (class-weighted) loss of the labels, plus for the
    Diversity LSTM its `diversity_weight` times the mean absolute conicity (mean |cos|, as
    Mohankumar et al.'s code; `models.conicity`) of the items' states, plus the batch mean
    of `attention_penalty` where one is given."""
    logits, weights, mask, hidden = run_with_states(model, tokens, ids, fixed_attention)
    loss = loss_fn(logits, target.to(logits.dtype) if model.binary else target)
    weight = diversity_weight(model)
    if weight:
        loss = loss + weight * conicity(hidden, mask, absolute=True).nanmean()
    if attention_penalty is not None:
        loss = loss + attention_penalty(weights, mask, ids).mean()
    return loss


def make_optimizer(model: AttentionClassifier, cfg: dict[str, Any]) -> Adam:
    """Adam (AMSGrad, torch's fused kernel), weight decay on everything but the attention
    parameters (as Jain & Wallace)."""
    attention_ids = {id(p) for p in model.attention_parameters}
    rest = [p for p in model.parameters() if id(p) not in attention_ids and p.requires_grad]
    groups = [{"params": rest, "weight_decay": cfg["weight_decay"]}]
    if attention_ids:
        groups.append({"params": model.attention_parameters, "weight_decay": 0.0})
    return Adam(groups, lr=cfg["lr"])


def make_loss(labels: np.ndarray, n_classes: int, weighted: bool, device: torch.device):
    """BCE with the positive class weighted by neg/pos (binary) or weighted cross-entropy."""
    counts = np.bincount(labels, minlength=n_classes).astype(np.float64)
    if n_classes == 2:
        pos_weight = counts[0] / counts[1] if weighted else 1.0
        return nn.BCEWithLogitsLoss(pos_weight=torch.tensor(pos_weight, device=device))
    weight = counts.sum() / (n_classes * np.maximum(counts, 1)) if weighted else np.ones(n_classes)
    return nn.CrossEntropyLoss(weight=torch.tensor(weight, dtype=torch.float32, device=device))


def check_dev(dev: pd.DataFrame, n_classes: int, labelled: bool) -> None:
    """Raise before training when the dev split cannot choose the epoch: it is empty, or
    (`labelled` selection of a binary model, on ROC-AUC) it holds a single class, for which
    ROC-AUC is undefined in every epoch."""
    if dev.empty:
        raise ValueError("the dev split is empty: the epoch to keep is chosen on dev")
    classes = np.unique(dev["label"].to_numpy())
    if labelled and n_classes == 2 and len(classes) < 2:
        raise ValueError(
            f"the dev split has a single class (label {classes[0]}, all {len(dev)} instances): "
            "dev ROC-AUC, which chooses the epoch to keep, is undefined; the dev split needs "
            "instances of both classes"
        )


def fit(
    table: pd.DataFrame,
    model_config: ModelConfig,
    train_config: dict[str, Any],
    seed: int,
    embeddings: np.ndarray | None = None,
    progress: bool = True,
    fixed_attention: FixedAttention | None = None,
    against: Against | None = None,
    attention_penalty: AttentionPenalty | None = None,
) -> TrainResult:
    """Train with the labels, keeping the epoch with the best dev ROC-AUC (k-class:
    accuracy); with `against`, train on its objective and keep the lowest dev objective.
    An empty dev split, or a binary one with a single class (ROC-AUC undefined), is a
    ValueError before training starts.
    `fixed_attention` (per-instance weights for train, dev and test) replaces the model's
    attention throughout: use a model without attention parameters (attention: uniform).
    `attention_penalty` adds a per-instance penalty on the attention to the label loss
    (Pruthi et al.'s deception training); the epoch is still selected on dev as usual.
    """
    cfg = {**Training().params(), **train_config}  # missing keys: their defaults
    torch.set_num_threads(int(cfg["threads"]))
    device = resolve_device(cfg["device"])
    if against is not None and against.init_seed is not None:
        seed = against.init_seed
    seed_everything(seed)
    model = build_model(model_config)
    if embeddings is not None:
        model.embedding.weight.data.copy_(torch.from_numpy(embeddings))
    model.to(device)
    train, dev, test = (split_rows(table, s) for s in ("train", "dev", "test"))
    n_classes = model_config.n_classes
    check_dev(dev, n_classes, labelled=against is None)
    loss_fn = make_loss(train["label"].to_numpy(), n_classes, cfg["class_weighted"], device)
    optimizer = make_optimizer(model, cfg)
    select = "roc_auc" if n_classes == 2 else "accuracy"
    if against is not None:
        select = "objective"  # lower is better: its negative is compared below
        against.model.to(device).eval()
        base = Outputs.of(against.model, pd.concat([train, dev]), EVAL_BATCH_SIZE, device)
    rng = np.random.default_rng(seed)
    train_ids, train_names = list(train["token_ids"]), [str(i) for i in train["id"]]
    train_labels = torch.as_tensor(train["label"].to_numpy().copy())

    history, best_score, best_epoch, best_state = [], -np.inf, 0, None
    for epoch in range(1, int(cfg["epochs"]) + 1):
        start = time.perf_counter()
        model.train()
        batches = bucketed_batches([len(s) for s in train_ids], int(cfg["batch_size"]), rng)
        total = 0.0
        for batch in tqdm(batches, desc=f"epoch {epoch}", disable=not progress, leave=False):
            tokens = pad([train_ids[i] for i in batch], device)
            names = [train_names[i] for i in batch]
            if against is None:
                target = train_labels[batch].to(device)
                loss = label_loss(model, loss_fn, tokens, names, target, fixed_attention,
                                  attention_penalty)  # fmt: skip
            else:
                loss = objective_of(model, tokens, names, against, base, fixed_attention).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        dev_predictions = predict(model, dev, EVAL_BATCH_SIZE, device, fixed_attention)
        dev_scores = scores_of(dev_predictions, n_classes)
        if against is not None:
            dev_scores["objective"] = mean_objective(dev_predictions, against, base)
        score = -dev_scores[select] if against is not None else dev_scores[select]
        row = {"epoch": epoch, "train_loss": total / len(train_ids)}
        row.update({f"dev_{k}": v for k, v in dev_scores.items()})
        row["seconds"] = time.perf_counter() - start
        history.append(row)
        if score > best_score:
            best_score, best_epoch = score, epoch
            best_state = copy.deepcopy(model.state_dict())
        if progress:
            tqdm.write(
                f"epoch {epoch}: loss {row['train_loss']:.4f} dev {select} "
                f"{dev_scores[select]:.4f} ({row['seconds']:.1f}s)"
            )
    if best_state is None:  # every epoch's dev score was NaN
        raise RuntimeError(
            f"no epoch gave a finite dev {select} ({[r[f'dev_{select}'] for r in history]}): "
            "no epoch to keep"
        )
    model.load_state_dict(best_state)
    predictions = predict(model, test, EVAL_BATCH_SIZE, device, fixed_attention)
    return TrainResult(
        model=model.cpu(),
        best_epoch=best_epoch,
        history=pd.DataFrame(history),
        test_scores=scores_of(predictions, n_classes),
        predictions=predictions,
        device=str(device),
    )
