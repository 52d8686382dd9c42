"""Is the learned attention needed at inference (Vashishth et al. 2019)? Accuracy and F1
of each model with its weights replaced, from the per-instance replacement tables.

Per seed, replacement and draw: accuracy and F1 (binary: of the positive class; k classes:
macro over all the dataset's classes, as the run's own `test_f1`: `metrics.label_scores`) of
the replaced predictions against the labels; the mean over draws; then mean and 95 %
interval over seeds, and the drop from the learned weights (learned minus replaced, paired
by seed). The class count comes from the dataset (its summary.json), not from the classes
seen: on a subset that misses a class, guessing it would average over fewer classes.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from attnaudit import metrics
from attnaudit.report import seeds

ORDER = ["learned", "uniform", "random", "permuted", "removed"]


def scores(group: pd.DataFrame, n_classes: int) -> pd.Series:
    """Accuracy and F1 of one draw's replaced predictions among the dataset's classes."""
    labels, preds = group["label"].to_numpy(), group["replaced_pred"].to_numpy()
    return pd.Series(metrics.label_scores(labels, preds, n_classes))


def per_seed(table: pd.DataFrame, n_classes: Mapping[str, int]) -> pd.DataFrame:
    """Accuracy and F1 per dataset, model, seed and replacement (mean over draws), with the
    drop from the same seed's learned weights; `n_classes` by dataset."""
    keys = ["dataset", "model", "seed", "replacement"]
    by_draw = table.groupby([*keys, "draw"])[["label", "replaced_pred"]].apply(
        lambda group: scores(group, int(n_classes[group.name[0]]))  # name: (dataset, ...)
    )
    out = by_draw.groupby(keys).mean().reset_index()
    learned = out[out["replacement"] == "learned"].set_index(["dataset", "model", "seed"])
    base = learned[["accuracy", "f1"]].add_suffix("_learned")
    out = out.join(base, on=["dataset", "model", "seed"])
    out["accuracy_drop"] = out["accuracy_learned"] - out["accuracy"]
    out["f1_drop"] = out["f1_learned"] - out["f1"]
    return out.drop(columns=["accuracy_learned", "f1_learned"])


def summary(table: pd.DataFrame, n_classes: Mapping[str, int]) -> pd.DataFrame:
    """Per dataset x model x replacement: accuracy, F1 and their drops, mean / std / 95 %
    interval over seeds; `n_classes` by dataset."""
    keys = ["dataset", "model", "replacement"]
    out = seeds.over_seeds(
        per_seed(table, n_classes), keys, ["accuracy", "f1", "accuracy_drop", "f1_drop"]
    )
    rank = out["replacement"].map({r: i for i, r in enumerate(ORDER)})
    return out.assign(rank=rank).sort_values(["dataset", "model", "rank"]).drop(columns="rank")


def markdown(table: pd.DataFrame) -> str:
    """Rows dataset / model / replacement: accuracy, F1, and the drops with intervals."""
    lines = ["| dataset | model | weights | accuracy | F1 | accuracy drop | F1 drop | seeds |",
             "|---|---|---|---|---|---|---|---|"]  # fmt: skip

    cell = seeds.plus_minus

    for r in table.itertuples(index=False):
        drops = ("", "")
        if r.replacement != "learned":
            drops = (cell(r.accuracy_drop, r.accuracy_drop_ci95), cell(r.f1_drop, r.f1_drop_ci95))
        lines.append(f"| {r.dataset} | {r.model} | {r.replacement} | "
                     f"{cell(r.accuracy, r.accuracy_ci95)} | {cell(r.f1, r.f1_ci95)} | "
                     f"{drops[0]} | {drops[1]} | {int(r.n_seeds)} |")  # fmt: skip
    return "\n".join(lines) + "\n"
