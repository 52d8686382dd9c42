"""Figures for the report. Each function takes a result table and writes one image.

Shared conventions, so that every figure reads at the size report.html shows it:

- one style (`RC`): 10 pt text, 9 pt ticks, drawn at 150 dpi;
- panels per dataset x model, at most `MAX_COLUMNS` side by side (a dataset with more
  models wraps onto further rows), so the figure grows with the panels, downwards;
- legends below the panels, never over the data; colour scales with a labelled colour bar;
- no bar whose axis does not start at 0: means are dots with their 95 % interval.
"""

from __future__ import annotations

import functools
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker as mticker  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from attnaudit.importance import presentation  # noqa: E402
from attnaudit.io import atomic_path  # noqa: E402
from attnaudit.report.seeds import interval  # noqa: E402
from attnaudit.report.tables import binned  # noqa: E402

ATTENTION_COLORS = {"additive": "#1f77b4", "dot": "#ff7f0e", "uniform": "#7f7f7f"}
OTHER_COLORS = ["#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
CLASS_COLORS = ["#d62728", "#2ca02c", "#1f77b4", "#9467bd", "#8c564b", "#e377c2"]
SCORE_LABELS = {
    "test_f1": "test F1",
    "test_accuracy": "test accuracy",
    "test_roc_auc": "test ROC-AUC",
}
MAX_COLUMNS = 3
MAX_WIDTH = 11.5  # inches: wider figures wrap their panels onto more rows
RC = {
    "font.size": 10,
    "axes.titlesize": 10,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "legend.title_fontsize": 9,
    "figure.titlesize": 11,
    "figure.labelsize": 10,
    "savefig.dpi": 150,
}


def styled(draw):
    """Draw a figure under the report's style (`RC`)."""

    @functools.wraps(draw)
    def wrapper(*args, **kwargs):
        with plt.rc_context(RC):
            return draw(*args, **kwargs)

    return wrapper


def save(fig: plt.Figure, path: str) -> None:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=str(path).rsplit(".", 1)[-1], bbox_inches="tight")
    plt.close(fig)


def attention_color(attention: str, order: list[str]) -> str:
    if attention in ATTENTION_COLORS:
        return ATTENTION_COLORS[attention]
    others = [a for a in order if a not in ATTENTION_COLORS]
    return OTHER_COLORS[others.index(attention) % len(OTHER_COLORS)]


def columns(width: float) -> int:
    """Panels of `width` inches side by side: MAX_COLUMNS, fewer if they exceed MAX_WIDTH."""
    return max(1, min(MAX_COLUMNS, int(MAX_WIDTH // width)))


def grid(n: int, width: float, height: float, extra: float = 0.9):
    """A constrained-layout figure of n panels, `columns(width)` a row at most; the axes in
    reading order (unused ones removed). `extra` inches of height hold title and legend."""
    ncols = max(1, min(n, columns(width)))
    nrows = max(1, math.ceil(n / ncols))
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(width * ncols, height * nrows + extra), squeeze=False,
        layout="constrained",
    )  # fmt: skip
    flat = list(axes.flat)
    for ax in flat[n:]:
        ax.remove()
    return fig, flat[:n]


def panel_grid(table: pd.DataFrame, width: float = 3.8, height: float = 2.9):
    """Panels per dataset x model with rows (each dataset starts a row; more than
    MAX_COLUMNS models wrap). Returns the figure and (axes, rows) per panel."""
    datasets = sorted(table["dataset"].unique())
    models = sorted(table["model"].unique())
    ncols = max(1, min(len(models), columns(width)))
    rows_per_dataset = max(1, math.ceil(len(models) / ncols))
    nrows = max(1, len(datasets) * rows_per_dataset)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(width * ncols, height * nrows + 0.9), squeeze=False,
        layout="constrained",
    )  # fmt: skip
    panels, used = [], set()
    for r, dataset in enumerate(datasets):
        for i, model in enumerate(models):
            row, col = r * rows_per_dataset + i // ncols, i % ncols
            ax = axes[row][col]
            sub = table[(table["dataset"] == dataset) & (table["model"] == model)]
            ax.set_title(f"{dataset} / {model}")
            panels.append((ax, sub))
            used.add((row, col))
    for row in range(nrows):
        for col in range(ncols):
            if (row, col) not in used:
                axes[row][col].remove()
    if not panels:  # no rows at all: one empty panel that says so
        axes[0][0].text(0.5, 0.5, "no results", ha="center", va="center")
        axes[0][0].set_axis_off()
    return fig, panels


def label_edges(axes, xlabel: str, ylabel: str) -> None:
    """Axis labels on the outer panels only: `ylabel` on the first of each row, `xlabel`
    on each panel with no panel under it."""
    cells = {}
    for ax in axes:
        spec = ax.get_subplotspec()
        cells[(spec.rowspan.start, spec.colspan.start)] = ax
    for (row, col), ax in cells.items():
        if col == 0:
            ax.set_ylabel(ylabel)
        if (row + 1, col) not in cells:
            ax.set_xlabel(xlabel)


def legend_below(fig: plt.Figure, handles, labels, **kwargs) -> None:
    """A legend under the panels, outside every axes."""
    ncol = kwargs.pop("ncol", min(len(labels), 4))
    fig.legend(handles, labels, loc="outside lower center", ncol=ncol, frameon=False, **kwargs)


def class_label(pred: int) -> str:
    return f"predicted {pred}"


def jitter(n: int, spread: float) -> np.ndarray:
    """n evenly spaced horizontal offsets in [-spread, spread] (0 for one point)."""
    return np.linspace(-spread, spread, n) if n > 1 else np.zeros(n)


@styled
def learned_vs_uniform(metrics: pd.DataFrame, path: str, score: str = "test_f1") -> None:
    """Per dataset, per encoder and attention: each seed's score as a dot, the mean over
    seeds as a diamond with its 95 % Student-t interval (`seeds.interval`)."""
    datasets = sorted(metrics["dataset"].unique())
    attentions = sorted(metrics["attention"].unique(), key=lambda a: (a == "uniform", a))
    n_encoders = metrics.groupby("dataset")["encoder"].nunique().max()
    fig, axes = grid(len(datasets), max(3.6, 0.45 * n_encoders * len(attentions) + 1.2), 3.2)
    step = 0.8 / len(attentions)
    for ax, dataset in zip(axes, datasets, strict=True):
        sub = metrics[metrics["dataset"] == dataset]
        encoders = sorted(sub["encoder"].unique())
        low, high = [], []
        for j, att in enumerate(attentions):
            color = attention_color(att, attentions)
            for i, enc in enumerate(encoders):
                vals = np.sort(sub[(sub["encoder"] == enc) & (sub["attention"] == att)][score])
                if not len(vals):
                    continue
                x = i + (j - (len(attentions) - 1) / 2) * step
                ax.scatter(x + jitter(len(vals), step * 0.18) - step * 0.2, vals, s=18,
                           color=color, alpha=0.7, linewidths=0, zorder=3)  # fmt: skip
                ci = interval(vals)
                half = 0.0 if np.isnan(ci["ci95"]) else ci["ci95"]
                ax.errorbar(x + step * 0.15, ci["mean"], yerr=half, fmt="D", ms=5,
                            color=color, capsize=3, lw=1.4, zorder=4)  # fmt: skip
                low += [vals.min(), ci["mean"] - half]
                high += [vals.max(), ci["mean"] + half]
        ax.set_xticks(range(len(encoders)), encoders)
        ax.set_xlim(-0.6, len(encoders) - 0.4)
        if low:
            lo, hi = max(0.0, min(low)), min(1.0, max(high))
            pad = max(0.01, 0.08 * (hi - lo))
            ax.set_ylim(max(0.0, lo - pad), min(1.0, hi + pad))
        ax.set_title(dataset)
        ax.grid(axis="y", alpha=0.3)
    label_edges(axes, "encoder", SCORE_LABELS.get(score, score.replace("_", " ")))
    handles = [Patch(color=attention_color(a, attentions), label=a) for a in attentions]
    handles += [
        Line2D([], [], ls="", marker="o", ms=4, color="black", alpha=0.7, label="one seed"),
        Line2D([], [], ls="-", marker="D", ms=4, color="black", label="mean, 95 % interval"),
    ]
    legend_below(fig, handles, [h.get_label() for h in handles], ncol=len(handles))
    fig.suptitle("Learned vs uniform attention: test score per seed and mean over seeds")
    save(fig, path)


@styled
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
    fig, panels = panel_grid(table)
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
                medianprops={"color": "black"},
            )  # fmt: skip
            for box in parts["boxes"]:
                box.set(facecolor=CLASS_COLORS[j % len(CLASS_COLORS)], alpha=0.5)
        ax.set_xticks(range(len(bins)), bins, rotation=30, ha="right", rotation_mode="anchor")
        ax.set_xlim(-0.6, len(bins) - 0.4)
        if ylim is not None:
            ax.set_ylim(*ylim)
        ax.grid(axis="y", alpha=0.3)
    label_edges([ax for ax, _ in panels], "largest attention weight of the instance", ylabel)
    handles = [Patch(facecolor=CLASS_COLORS[j % len(CLASS_COLORS)], alpha=0.5)
               for j in range(len(classes))]  # fmt: skip
    labels = [class_label(c) for c in classes] if hue == "pred" else [str(c) for c in classes]
    legend_below(fig, handles, labels)
    fig.suptitle(title)
    save(fig, path)


@styled
def histograms(table: pd.DataFrame, value: str, xlabel: str, title: str, path: str,
               bins: np.ndarray | None = None):  # fmt: skip
    """Per panel: the distribution of `value` per predicted class (all seeds pooled)."""
    bins = np.linspace(0.0, np.log(2.0), 31) if bins is None else bins
    classes = sorted(table["pred"].unique())
    fig, panels = panel_grid(table)
    for ax, sub in panels:
        for j, cls in enumerate(classes):
            # onto the bins' range: a JSD of ln 2 computed in float32 reads 0.69314718246 as
            # float64, above np.log(2), and hist would silently leave it out
            vals = np.clip(sub[sub["pred"] == cls][value].to_numpy(), bins[0], bins[-1])
            ax.hist(vals, bins=bins, alpha=0.5, color=CLASS_COLORS[j % len(CLASS_COLORS)],
                    density=True)  # fmt: skip
        ax.set_xlim(bins[0], bins[-1])
        ax.grid(axis="y", alpha=0.3)
    label_edges([ax for ax, _ in panels], xlabel, "density")
    handles = [Patch(facecolor=CLASS_COLORS[j % len(CLASS_COLORS)], alpha=0.5)
               for j in range(len(classes))]  # fmt: skip
    legend_below(fig, handles, [class_label(c) for c in classes])
    fig.suptitle(title)
    save(fig, path)


def two_and_five(value: float, _=None) -> str:
    """Minor tick labels of a log colour bar: 2, 5, 20, 50, ... (the others blank)."""
    if value <= 0:
        return ""
    lead = value / 10 ** math.floor(math.log10(value) + 1e-9)
    return f"{value:g}" if round(lead) in (2, 5) and abs(lead - round(lead)) < 1e-6 else ""


@styled
def delta_jsd_hexbins(single: pd.DataFrame, path: str, ranking: str = "attention") -> None:
    """Serrano & Smith's Figure: delta JSD (top minus random erasure) against delta attention
    (alpha of the top item minus alpha of the random item), all seeds pooled; colour: the
    number of instances per hexagon, one log scale for all panels."""
    data = single[single["ranking"] == ranking]
    fig, panels = panel_grid(data)
    cells = []
    for ax, sub in panels:
        if len(sub):
            cells.append(ax.hexbin(sub["delta_attention"], sub["delta_jsd"], gridsize=30,
                                   cmap="viridis", mincnt=1, linewidths=0.2))  # fmt: skip
        ax.axhline(0.0, color="black", lw=0.6)
        ax.grid(alpha=0.3)
    if cells:
        top = max(float(np.max(c.get_array())) for c in cells)
        norm = mcolors.LogNorm(vmin=1.0, vmax=max(top, 2.0))
        for c in cells:
            c.set_norm(norm)
        bar = fig.colorbar(cells[0], ax=[ax for ax, _ in panels], label="instances per hexagon",
                           shrink=0.9)  # fmt: skip
        bar.ax.yaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:g}"))
        bar.ax.yaxis.set_minor_formatter(mticker.FuncFormatter(two_and_five))
    label_edges(
        [ax for ax, _ in panels], "Δ attention (top item − random item)", "Δ JSD (top − random)"
    )
    fig.suptitle(f"Erasing the top item ({ranking}) vs a random item")
    save(fig, path)


@styled
def flip_fraction_boxplots(multi: pd.DataFrame, never: pd.DataFrame, path: str) -> None:
    """Per panel, a box per ranking of the fraction of items erased before the decision
    flips (flipped instances, seeds pooled), the never-flipped share written under it, and
    a diamond at the median over all instances with a never-flipped one counted as 1."""
    rankings = presentation.ordered(multi["ranking"])
    fig, panels = panel_grid(multi, width=max(3.8, 0.75 * len(rankings) + 0.6), height=3.2)
    for ax, sub in panels:
        data = [sub.loc[sub["ranking"] == r, "fraction"].dropna().to_numpy() for r in rankings]
        keep = [i for i, d in enumerate(data) if len(d)]
        if keep:
            ax.boxplot([data[i] for i in keep], positions=keep, widths=0.6, showfliers=False,
                       patch_artist=True, boxprops={"facecolor": "#9ecae1"},
                       medianprops={"color": "black"})  # fmt: skip
        names = [presentation.label(r) for r in rankings]
        labels = names
        if len(sub):
            dataset, model = sub["dataset"].iloc[0], sub["model"].iloc[0]
            share = never[(never["dataset"] == dataset) & (never["model"] == model)]
            shares = dict(zip(share["ranking"], share["never_flipped"], strict=True))
            labels = [f"{n}\nnever {shares[r]:.0%}" if r in shares else f"{n}\nnot run"
                      for n, r in zip(names, rankings, strict=True)]  # fmt: skip
            overall = dict(zip(share["ranking"], share["median_fraction_all"], strict=True))
            ax.scatter(range(len(rankings)), [overall.get(r, np.nan) for r in rankings],
                       marker="D", s=22, color="#d62728", zorder=3)  # fmt: skip
        ax.set_xticks(range(len(rankings)), labels, rotation=35, ha="right",
                      rotation_mode="anchor", fontsize=8.5)  # fmt: skip
        ax.set_xlim(-0.6, len(rankings) - 0.4)
        ax.set_ylim(0, 1.04)
        ax.grid(axis="y", alpha=0.3)
    label_edges(
        [ax for ax, _ in panels], "ranking", "fraction of items erased\nbefore the decision flips"
    )
    handles = [
        Patch(facecolor="#9ecae1", edgecolor="black", label="flipped instances (box)"),
        Line2D([], [], ls="", marker="D", ms=5, color="#d62728",
               label="median of all instances, never flipped = 1"),
    ]  # fmt: skip
    legend_below(fig, handles, [h.get_label() for h in handles])
    fig.suptitle("Multi-weight erasure: how many items must go before the decision flips")
    save(fig, path)


@styled
def jsd_vs_tvd(table: pd.DataFrame, x: str, y: str, xlabel: str, ylabel: str, title: str,
               path: str):  # fmt: skip
    """Per panel: a scatter of `y` against `x`, one point per row, coloured by predicted
    class (Wiegreffe & Pinter's attention divergence vs output change)."""
    classes = sorted(table["pred"].unique())
    fig, panels = panel_grid(table)
    for ax, sub in panels:
        for j, cls in enumerate(classes):
            part = sub[sub["pred"] == cls]
            ax.scatter(part[x], part[y], s=7, alpha=0.45,
                       color=CLASS_COLORS[j % len(CLASS_COLORS)], linewidths=0)  # fmt: skip
        ax.set_xlim(0.0, np.log(2.0))
        ax.set_ylim(0.0, max(0.05, float(table[y].max()) * 1.05) if len(table) else 1.0)
        ax.grid(alpha=0.3)
    label_edges([ax for ax, _ in panels], xlabel, ylabel)
    colors = [CLASS_COLORS[j % len(CLASS_COLORS)] for j in range(len(classes))]
    handles = [Line2D([], [], ls="", marker="o", ms=5, alpha=0.7, color=c) for c in colors]
    legend_below(fig, handles, [class_label(c) for c in classes])
    fig.suptitle(title)
    save(fig, path)


@styled
def adversarial_curve(table: pd.DataFrame, reference: pd.DataFrame, path: str) -> None:
    """Per dataset: the adversaries' mean JSD of attention (x) against mean TVD of outputs
    (y) to the base model, one point per lambda (mean over seeds, bars: std), joined in
    lambda order; stars: the base model retrained with other seeds (`reference`)."""
    datasets = sorted(table["dataset"].unique())
    fig, axes = grid(len(datasets), 4.4, 3.4)
    for ax, dataset in zip(axes, datasets, strict=True):
        sub = table[table["dataset"] == dataset].sort_values("lambda")
        ax.errorbar(sub["jsd"], sub["tvd"], xerr=sub["jsd_std"].fillna(0.0),
                    yerr=sub["tvd_std"].fillna(0.0), marker="^", color="#d62728",
                    capsize=2)  # fmt: skip
        for lam, x, y in zip(sub["lambda"], sub["jsd"], sub["tvd"], strict=True):
            ax.annotate(f"λ = {lam:g}", (x, y), fontsize=8.5, xytext=(5, 5),
                        textcoords="offset points")  # fmt: skip
        ref = reference[reference["dataset"] == dataset]
        for r in ref.itertuples(index=False):
            ax.scatter([r.jsd], [r.tvd], marker="*", s=140, color="#1f77b4", zorder=3)
        top = max([*(sub["tvd"] + sub["tvd_std"].fillna(0.0)), *ref["tvd"], 0.01])
        ax.set_xlim(0.0, np.log(2.0))
        ax.set_ylim(0.0, 1.2 * top)
        ax.set_title(dataset)
        ax.grid(alpha=0.3)
    label_edges(axes, "mean JSD(attention, base attention)", "mean TVD(output, base output)")
    handles = [Line2D([], [], marker="^", color="#d62728", label="adversary per λ (mean ± std)")]
    models = sorted(set(reference["model"]))
    handles += [Line2D([], [], ls="", marker="*", ms=11, color="#1f77b4",
                       label=f"other seeds of {', '.join(models)}")] if models else []  # fmt: skip
    legend_below(fig, handles, [h.get_label() for h in handles])
    fig.suptitle("End-to-end adversarial models: attention divergence vs output change")
    save(fig, path)


def deception_curve(table: pd.DataFrame, path: str) -> None:
    """Per dataset and model: test accuracy and the attention mass on the planted tokens and
    on the distractors against the deception weight lambda (symlog axis), mean over seeds
    with 95 % intervals."""
    groups = list(table.groupby(["dataset", "model"]))
    fig, axes = plt.subplots(1, len(groups), figsize=(4.4 * len(groups), 3.6), squeeze=False)
    for ax, ((dataset, model), sub) in zip(axes[0], groups, strict=True):
        sub = sub.sort_values("weight")
        found = [(c, f"{c.removeprefix('precision_')}: precision@k of planted", None)
                 for c in sub.columns if c.startswith("precision_")
                 and not c.endswith(("_std", "_ci95")) and c != "precision_attention"]  # fmt: skip
        for column, label, color in (("accuracy", "test accuracy", "#1f77b4"),
                                     ("planted_mass", "attention on planted tokens",
                                      "#d62728"),
                                     ("distractor_mass", "attention on distractors",
                                      "#ff7f0e"), *found):  # fmt: skip
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


ANSWER_COLORS = {"yes": "#2ca02c", "no": "#d62728", "undecided": "#7f7f7f"}


@styled
def task_needs(table: pd.DataFrame, path: str) -> None:
    """The open questions' first section (`report.open_questions.task_needs`): per dataset,
    each learned-attention model's test-F1 gain over its uniform control (mean over seeds,
    its interval), the margin a need must clear (dashed), coloured by the verdict; a ring
    marks the answer a synthetic task has by construction."""
    datasets = sorted(table["dataset"].unique())
    n_models = table.groupby("dataset")["model"].nunique().max() if len(table) else 1
    fig, axes = grid(max(len(datasets), 1), max(3.2, 0.7 * n_models + 1.6), 3.0)
    for ax, dataset in zip(axes, datasets, strict=True):
        sub = table[table["dataset"] == dataset].reset_index(drop=True)
        x = np.arange(len(sub))
        for i, r in sub.iterrows():
            low, high = r["difference"] - r["lower"], r["upper"] - r["difference"]
            yerr = None if not np.isfinite(low) else [[low], [high]]
            ax.errorbar(i, r["difference"], yerr=yerr, fmt="D", ms=6, capsize=3, lw=1.4,
                        color=ANSWER_COLORS[r["needed"]], zorder=4)  # fmt: skip
            if r["built_in"]:
                ax.scatter(i, r["difference"], s=170, facecolors="none", zorder=5,
                           edgecolors=ANSWER_COLORS[r["built_in"]], linewidths=1.5)  # fmt: skip
        ax.axhline(0.0, color="black", lw=0.8)
        ax.axhline(sub["margin"].iloc[0], color="black", lw=0.8, ls="--")
        ax.set_xticks(x, sub["model"], rotation=30, ha="right")
        ax.set_xlim(-0.6, len(sub) - 0.4)
        ax.set_title(dataset)
        ax.set_ylabel("learned minus uniform test F1")
    handles = [Line2D([], [], marker="D", ls="", color=c, label=f"verdict: {a}")
               for a, c in ANSWER_COLORS.items()]  # fmt: skip
    handles += [
        Line2D([], [], marker="o", ls="", ms=11, mfc="none", mec="black", label="built-in answer"),
        Line2D([], [], color="black", ls="--", lw=0.8, label="margin"),
    ]
    legend_below(fig, handles, [h.get_label() for h in handles], ncol=5)
    fig.suptitle("Which tasks need attention? (mean over seeds, 95 % interval)")
    save(fig, path)


@styled
def encoder_measures(summary: pd.DataFrame, path: str, title: str) -> None:
    """An open-questions section's measures per model (`report.open_questions.
    encoder_summary`, `report.class_effects.summary`): one panel per dataset and measure
    (titled by the measure's name in the table; the page and the caption say what each
    is), each model with learned attention's mean over seeds with its 95 % interval."""
    panels = list(summary.groupby(["dataset", "measure"], sort=False).groups)
    n_models = summary["model"].nunique() if len(summary) else 1
    fig, axes = grid(max(len(panels), 1), max(3.0, 0.6 * n_models + 1.4), 2.9)
    for ax, (dataset, measure) in zip(axes, panels, strict=False):
        sub = summary[(summary["dataset"] == dataset) & (summary["measure"] == measure)]
        sub = sub.reset_index(drop=True)
        for i, r in sub.iterrows():
            half = [[r["mean"] - r["lower"]], [r["upper"] - r["mean"]]]
            ax.errorbar(i, r["mean"], yerr=None if not np.isfinite(r["lower"]) else half,
                        fmt="D", ms=5, capsize=3, lw=1.4, color=OTHER_COLORS[0])  # fmt: skip
        ax.set_xticks(range(len(sub)), sub["model"], rotation=30, ha="right")
        ax.set_xlim(-0.6, len(sub) - 0.4)
        ax.set_title(f"{dataset}: {measure}", fontsize=9)
    fig.suptitle(f"{title} (mean over seeds, 95 % interval)")
    save(fig, path)


TREND_AXES = {"hidden_size": "hidden size", "train_fraction": "training share"}


@styled
def complexity_trends(values: pd.DataFrame, trends: pd.DataFrame, path: str) -> None:
    """The open questions' complexity section (`report.complexity`): one panel per swept
    quantity and measure, each dataset's mean over seeds per swept value with its 95 %
    interval, its legend entry the trend the rule reads from the rank correlation."""
    panels = list(values.groupby(["axis", "measure"], sort=False).groups)
    datasets = sorted(values["dataset"].unique())
    fig, axes = grid(max(len(panels), 1), 3.4, 2.9, extra=1.2)
    handles = {}
    for ax, (axis, measure) in zip(axes, panels, strict=False):
        for k, dataset in enumerate(datasets):
            sub = values[(values["axis"] == axis) & (values["measure"] == measure)
                         & (values["dataset"] == dataset)].sort_values("value")  # fmt: skip
            if sub.empty:
                continue
            trend = trends[(trends["dataset"] == dataset) & (trends["axis"] == axis)
                           & (trends["measure"] == measure)].iloc[0]  # fmt: skip
            half = [sub["mean"] - sub["lower"], sub["upper"] - sub["mean"]]
            color = OTHER_COLORS[k % len(OTHER_COLORS)]
            ax.errorbar(sub["value"], sub["mean"], yerr=half, fmt="-o", ms=4, capsize=3,
                        lw=1.2, color=color)  # fmt: skip
            end = (sub["value"].iloc[-1], sub["mean"].iloc[-1])
            ax.annotate(trend["trend"], end, textcoords="offset points", xytext=(4, 0),
                        fontsize=7, color=color)  # fmt: skip
            handles[dataset] = Line2D([], [], marker="o", color=color, label=dataset)
        if axis == "hidden_size":  # doubling sizes spaced evenly, labelled as they are
            ax.set_xscale("log", base=2)
            sizes = sorted(values.loc[values["axis"] == axis, "value"].unique())
            ax.set_xticks(sizes, [f"{v:g}" for v in sizes])
            ax.minorticks_off()
        ax.set_xlabel(TREND_AXES[axis])
        ax.set_title(measure, fontsize=9)
    legend_below(fig, list(handles.values()), list(handles), ncol=max(1, len(handles)))
    fig.suptitle("Complexity and adversaries (mean over seeds, 95 % interval; "
                 "trend: Spearman rank correlation)")  # fmt: skip
    save(fig, path)


GAIN_MARKS = {"yes": "gain", "no": "no gain", "undecided": "?"}


@styled
def transfer_matrix(table: pd.DataFrame, path: str) -> None:
    """The open questions' transfer section (`report.transfer.transfer_table`): per dataset a
    donor x student grid of the mean test-F1 gain over the student's uniform attention, each
    cell labelled with its value and the rule's answer (gain, no gain, ?)."""
    datasets = sorted(table["dataset"].unique())
    donors = sorted(table["donor"].unique())
    students = sorted(table["student"].unique())
    limit = max(0.01, float(np.nanmax(np.abs(table["over_uniform"])))) if len(table) else 0.01
    fig, axes = grid(max(len(datasets), 1), 1.3 * len(students) + 2.2, 0.7 * len(donors) + 1.6)
    for ax, dataset in zip(axes, datasets, strict=False):
        sub = table[table["dataset"] == dataset].set_index(["donor", "student"])
        values = np.array([[sub["over_uniform"].get((d, s), np.nan) for s in students]
                           for d in donors])  # fmt: skip
        image = ax.imshow(values, cmap="RdBu", vmin=-limit, vmax=limit, aspect="auto")
        for i, d in enumerate(donors):
            for j, s in enumerate(students):
                if (d, s) in sub.index:
                    r = sub.loc[(d, s)]
                    dark = abs(r["over_uniform"]) > 0.6 * limit  # white on the deep colours
                    ax.text(j, i, f"{r['over_uniform']:+.3f}\n{GAIN_MARKS[r['gains']]}",
                            ha="center", va="center", fontsize=7,
                            color="white" if dark else "black")  # fmt: skip
        ax.set_xticks(range(len(students)), students)
        ax.set_yticks(range(len(donors)), donors)
        ax.set_xlabel("student encoder")
        ax.set_ylabel("donor run")
        ax.set_title(dataset)
        fig.colorbar(image, ax=ax, label="F1 minus the student's uniform attention")
    fig.suptitle("Transferring attention (mean over seeds; the rule's answer per cell)")
    save(fig, path)
