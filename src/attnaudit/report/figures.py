"""Figures for the report. Each function takes a result table and writes one image."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from attnaudit.io import atomic_path  # noqa: E402
from attnaudit.report.tables import binned  # noqa: E402

ATTENTION_COLORS = {"additive": "#1f77b4", "dot": "#ff7f0e", "uniform": "#7f7f7f"}
CLASS_COLORS = ["#d62728", "#2ca02c", "#1f77b4", "#9467bd", "#8c564b", "#e377c2"]


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


def panel_grid(table: pd.DataFrame, width: float = 3.6, height: float = 2.9):
    """A grid of panels, datasets as rows and models as columns, with each panel's rows."""
    datasets = sorted(table["dataset"].unique())
    models = sorted(table["model"].unique())
    fig, axes = plt.subplots(
        len(datasets), len(models), figsize=(width * len(models), height * len(datasets)),
        squeeze=False,
    )  # fmt: skip
    panels = []
    for r, dataset in enumerate(datasets):
        for c, model in enumerate(models):
            sub = table[(table["dataset"] == dataset) & (table["model"] == model)]
            axes[r][c].set_title(f"{dataset} / {model}", fontsize=9)
            panels.append((axes[r][c], sub))
    return fig, axes, panels


def class_label(pred: int) -> str:
    return f"predicted {pred}"


def binned_boxplots(
    table: pd.DataFrame, value: str, ylabel: str, title: str, path: str, hue: str = "pred",
    ylim: tuple[float, float] | None = None,
):  # fmt: skip
    """Per panel: boxplots of `value` by max-attention bin, side by side per predicted class
    (all seeds pooled), the layout of Jain & Wallace's permutation and adversary figures.
    `hue` names another column to put side by side instead (in order of appearance), e.g.
    the analysis a number comes from when two share the axes; `ylim` fixes the y axis."""
    table = table.assign(bin=binned(table["max_attention"].clip(upper=1.0)))
    bins = list(table["bin"].cat.categories)
    classes = sorted(table[hue].unique()) if hue == "pred" else list(pd.unique(table[hue]))
    width = 0.8 / len(classes)
    fig, axes, panels = panel_grid(table)
    for ax, sub in panels:
        for j, cls in enumerate(classes):
            data = [sub[(sub["bin"] == b) & (sub[hue] == cls)][value].to_numpy() for b in bins]
            pos = [i + (j - (len(classes) - 1) / 2) * width for i in range(len(bins))]
            keep = [k for k, d in enumerate(data) if len(d)]
            if not keep:
                continue
            parts = ax.boxplot(
                [data[k] for k in keep], positions=[pos[k] for k in keep], widths=width * 0.85,
                patch_artist=True, showfliers=False, manage_ticks=False,
            )  # fmt: skip
            for box in parts["boxes"]:
                box.set(facecolor=CLASS_COLORS[j % len(CLASS_COLORS)], alpha=0.45)
        ax.set_xticks(range(len(bins)), bins, rotation=30, fontsize=7)
        if ylim is not None:
            ax.set_ylim(*ylim)
        ax.grid(axis="y", alpha=0.3)
    for ax in axes[:, 0]:
        ax.set_ylabel(ylabel, fontsize=8)
    for ax in axes[-1, :]:
        ax.set_xlabel("max attention of the instance", fontsize=8)
    handles = [plt.Rectangle((0, 0), 1, 1, color=CLASS_COLORS[j % len(CLASS_COLORS)], alpha=0.45)
               for j in range(len(classes))]  # fmt: skip
    if hue == "pred":
        fig.legend(handles, [class_label(c) for c in classes], loc="upper right", fontsize=8)
    else:  # longer labels: one row under the panels
        fig.legend(handles, classes, loc="lower center", ncol=len(classes), fontsize=8)
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0 if hue == "pred" else 0.06, 1, 0.95))
    save(fig, path)


def histograms(table: pd.DataFrame, value: str, xlabel: str, title: str, path: str,
               bins: np.ndarray | None = None):  # fmt: skip
    """Per panel: the distribution of `value` per predicted class (all seeds pooled)."""
    bins = np.linspace(0.0, np.log(2.0), 31) if bins is None else bins
    classes = sorted(table["pred"].unique())
    fig, axes, panels = panel_grid(table)
    for ax, sub in panels:
        for j, cls in enumerate(classes):
            # onto the bins' range: a JSD of ln 2 computed in float32 reads 0.69314718246 as
            # float64, above np.log(2), and hist would silently leave it out
            vals = np.clip(sub[sub["pred"] == cls][value].to_numpy(), bins[0], bins[-1])
            ax.hist(vals, bins=bins, alpha=0.5, color=CLASS_COLORS[j % len(CLASS_COLORS)],
                    label=class_label(cls), density=True)  # fmt: skip
        ax.grid(axis="y", alpha=0.3)
    for ax in axes[-1, :]:
        ax.set_xlabel(xlabel, fontsize=8)
    for ax in axes[:, 0]:
        ax.set_ylabel("density", fontsize=8)
    axes[0][-1].legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    save(fig, path)


RANKING_ORDER = ["attention", "gradient", "grad_x_attention", "loo", "integrated_gradients",
                 "random"]  # fmt: skip


def delta_jsd_hexbins(single: pd.DataFrame, path: str, ranking: str = "attention") -> None:
    """Serrano & Smith's Figure: delta JSD (top minus random erasure) against delta attention
    (alpha of the top item minus alpha of the random item), all seeds pooled."""
    data = single[single["ranking"] == ranking]
    fig, axes, panels = panel_grid(data)
    for ax, sub in panels:
        if len(sub):
            ax.hexbin(sub["delta_attention"], sub["delta_jsd"], gridsize=30, bins="log",
                      cmap="viridis", mincnt=1)  # fmt: skip
        ax.axhline(0.0, color="black", lw=0.6)
        ax.grid(alpha=0.3)
    for ax in axes[-1, :]:
        ax.set_xlabel("Δ attention (top − random)", fontsize=8)
    for ax in axes[:, 0]:
        ax.set_ylabel("Δ JSD (top − random)", fontsize=8)
    fig.suptitle(f"Erasing the top item ({ranking}) vs a random item")
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    save(fig, path)


def flip_fraction_boxplots(multi: pd.DataFrame, never: pd.DataFrame, path: str) -> None:
    """Per panel, a box per ranking of the fraction of items erased before the decision
    flips (flipped instances, seeds pooled), the never-flipped share written under it, and
    a diamond at the median over all instances with a never-flipped one counted as 1."""
    rankings = [r for r in RANKING_ORDER if r in set(multi["ranking"])]
    fig, axes, panels = panel_grid(multi, width=4.4, height=3.2)
    for ax, sub in panels:
        data = [sub.loc[sub["ranking"] == r, "fraction"].dropna().to_numpy() for r in rankings]
        keep = [i for i, d in enumerate(data) if len(d)]
        if keep:
            ax.boxplot([data[i] for i in keep], positions=keep, widths=0.6, showfliers=False,
                       patch_artist=True, boxprops={"facecolor": "#9ecae1"})  # fmt: skip
        if len(sub):
            dataset, model = sub["dataset"].iloc[0], sub["model"].iloc[0]
            share = never[(never["dataset"] == dataset) & (never["model"] == model)]
            shares = dict(zip(share["ranking"], share["never_flipped"], strict=True))
            labels = [f"{r}\n(never {shares[r]:.0%})" if r in shares else f"{r}\n(not run)"
                      for r in rankings]  # fmt: skip
            overall = dict(zip(share["ranking"], share["median_fraction_all"], strict=True))
            ax.scatter(range(len(rankings)), [overall.get(r, np.nan) for r in rankings],
                       marker="D", s=18, color="#d62728", zorder=3,
                       label="median of all, never flipped = 1")  # fmt: skip
        else:
            labels = rankings
        ax.set_xticks(range(len(rankings)), labels, rotation=35, fontsize=6, ha="right")
        ax.set_ylim(0, 1.02)
        ax.grid(axis="y", alpha=0.3)
    for ax in axes[:, 0]:
        ax.set_ylabel("fraction of items erased\nbefore the decision flips", fontsize=8)
    axes[0][-1].legend(fontsize=6, loc="lower right")
    fig.suptitle("Multi-weight erasure: how many items must go before the decision flips")
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    save(fig, path)


def jsd_vs_tvd(table: pd.DataFrame, x: str, y: str, xlabel: str, ylabel: str, title: str,
               path: str):  # fmt: skip
    """Per panel: a scatter of `y` against `x`, one point per row, coloured by predicted
    class (Wiegreffe & Pinter's attention divergence vs output change)."""
    classes = sorted(table["pred"].unique())
    fig, axes, panels = panel_grid(table)
    for ax, sub in panels:
        for j, cls in enumerate(classes):
            part = sub[sub["pred"] == cls]
            ax.scatter(part[x], part[y], s=5, alpha=0.35, label=class_label(cls),
                       color=CLASS_COLORS[j % len(CLASS_COLORS)], linewidths=0)  # fmt: skip
        ax.set_xlim(0.0, np.log(2.0))
        ax.set_ylim(0.0, max(0.05, float(table[y].max()) * 1.05) if len(table) else 1.0)
        ax.grid(alpha=0.3)
    for ax in axes[-1, :]:
        ax.set_xlabel(xlabel, fontsize=8)
    for ax in axes[:, 0]:
        ax.set_ylabel(ylabel, fontsize=8)
    axes[0][-1].legend(fontsize=7, markerscale=3)
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    save(fig, path)


def adversarial_curve(table: pd.DataFrame, reference: pd.DataFrame, path: str) -> None:
    """Per dataset: the adversaries' mean JSD of attention (x) against mean TVD of outputs
    (y) to the base model, one point per lambda (mean over seeds, bars: std), joined in
    lambda order; stars: the base model retrained with other seeds (`reference`)."""
    datasets = sorted(table["dataset"].unique())
    fig, axes = plt.subplots(1, len(datasets), figsize=(4.4 * len(datasets), 3.8), squeeze=False)
    for ax, dataset in zip(axes[0], datasets, strict=True):
        sub = table[table["dataset"] == dataset].sort_values("lambda")
        ax.errorbar(sub["jsd"], sub["tvd"], xerr=sub["jsd_std"].fillna(0.0),
                    yerr=sub["tvd_std"].fillna(0.0), marker="^", color="#d62728", capsize=2,
                    label="adversary (λ)")  # fmt: skip
        for lam, x, y in zip(sub["lambda"], sub["jsd"], sub["tvd"], strict=True):
            ax.annotate(f"{lam:g}", (x, y), fontsize=7, xytext=(4, 4), textcoords="offset points")
        ref = reference[reference["dataset"] == dataset]
        for r in ref.itertuples(index=False):
            ax.scatter([r.jsd], [r.tvd], marker="*", s=120, color="#1f77b4", zorder=3,
                       label=f"other seeds ({r.model})")  # fmt: skip
        top = max([*(sub["tvd"] + sub["tvd_std"].fillna(0.0)), *ref["tvd"], 0.01])
        ax.set_xlim(0.0, np.log(2.0))
        ax.set_ylim(0.0, 1.15 * top)
        ax.set_xlabel("mean JSD(attention, base attention)", fontsize=8)
        ax.set_ylabel("mean TVD(output, base output)", fontsize=8)
        ax.set_title(dataset, fontsize=9)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="upper left")
    fig.suptitle("End-to-end adversarial models: attention divergence vs output change")
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    save(fig, path)


def deception_curve(table: pd.DataFrame, path: str) -> None:
    """Per dataset and model: test accuracy and the attention mass on the planted tokens
    against the deception weight lambda (symlog axis), mean over seeds with 95 % intervals."""
    groups = list(table.groupby(["dataset", "model"]))
    fig, axes = plt.subplots(1, len(groups), figsize=(4.4 * len(groups), 3.6), squeeze=False)
    for ax, ((dataset, model), sub) in zip(axes[0], groups, strict=True):
        sub = sub.sort_values("weight")
        for column, label, color in (("accuracy", "test accuracy", "#1f77b4"),
                                     ("planted_mass", "attention on planted tokens",
                                      "#d62728")):  # fmt: skip
            ax.errorbar(sub["weight"], sub[column], yerr=sub[f"{column}_ci95"].fillna(0.0),
                        marker="o", capsize=3, color=color, label=label)  # fmt: skip
        ax.set_xscale("symlog", linthresh=min([w for w in sub["weight"] if w > 0] or [1.0]))
        ax.set_ylim(0.0, 1.05)
        ax.set_xlabel("deception weight λ", fontsize=8)
        ax.set_title(f"{dataset}: {model}", fontsize=9)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="center left")
    fig.suptitle("Deception training: accuracy and attention on the deciding tokens")
    fig.tight_layout(rect=(0, 0, 1, 0.92))
    save(fig, path)
