"""Figures for the report. Each function takes a result table and writes one image."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from attnaudit.io import atomic_path  # noqa: E402

ATTENTION_COLORS = {"additive": "#1f77b4", "dot": "#ff7f0e", "uniform": "#7f7f7f"}


def save(fig: plt.Figure, path: str) -> None:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=str(path).rsplit(".", 1)[-1], dpi=150, bbox_inches="tight")
    plt.close(fig)


def learned_vs_uniform(metrics: pd.DataFrame, path: str, score: str = "test_f1") -> None:
    """Per dataset, per encoder: each seed's score as a dot, the mean as a bar, by attention."""
    datasets = sorted(metrics["dataset"].unique())
    attentions = sorted(metrics["attention"].unique(), key=lambda a: (a == "uniform", a))
    fig, axes = plt.subplots(
        1, len(datasets), figsize=(4.2 * len(datasets), 3.6), squeeze=False, sharey=False
    )
    width = 0.8 / len(attentions)
    for ax, dataset in zip(axes[0], datasets, strict=True):
        sub = metrics[metrics["dataset"] == dataset]
        encoders = sorted(sub["encoder"].unique())
        for j, att in enumerate(attentions):
            for i, enc in enumerate(encoders):
                vals = sub[(sub["encoder"] == enc) & (sub["attention"] == att)][score]
                if vals.empty:
                    continue
                x = i + (j - (len(attentions) - 1) / 2) * width
                color = ATTENTION_COLORS.get(att)
                ax.bar(
                    x,
                    vals.mean(),
                    width * 0.9,
                    color=color,
                    alpha=0.35,
                    label=att if i == 0 else None,
                )
                ax.scatter(np.full(len(vals), x), vals, color=color, s=14, zorder=3)
        ax.set_xticks(range(len(encoders)), encoders)
        lo = sub[score].min()
        ax.set_ylim(max(0.0, lo - 0.05), min(1.0, sub[score].max() + 0.03))
        ax.set_title(dataset)
        ax.set_ylabel(score.replace("test_", "test ").replace("_", " "))
        ax.grid(axis="y", alpha=0.3)
    axes[0][-1].legend(title="attention", fontsize=8, loc="lower right")
    fig.suptitle("Learned vs uniform attention (bars: mean over seeds; dots: seeds)")
    save(fig, path)
