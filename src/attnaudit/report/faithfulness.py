"""Faithfulness tables, figures and exports: ERASER AOPC per ranking, planted-token
recovery, and rationales in ERASER's JSONL format. From the analyses' tables only.

Every statistic is aggregated per seed first (a mean over instances; random rankings pooled
over their orderings), then over seeds: mean, standard deviation and the half-width of a
95 % Student-t interval (`seeds.interval`). The random ranking is the chance level
each other ranking is read against.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from attnaudit import io
from attnaudit.importance import presentation
from attnaudit.importance.top import top_count, top_order
from attnaudit.report import seeds
from attnaudit.report.figures import save

KEYS = ["dataset", "model", "ranking"]


def over_seeds(table: pd.DataFrame, measures: list[str]) -> pd.DataFrame:
    """Per dataset x model x ranking: each measure's mean over instances per seed, then
    mean / std / n / ci95 over seeds (columns `<measure>`, `<measure>_std`, ...)."""
    per_seed = table.groupby([*KEYS, "seed"])[measures].mean().reset_index()
    out = seeds.over_seeds(per_seed, KEYS, measures)
    rank = out["ranking"].map({r: i for i, r in enumerate(presentation.ordered(out["ranking"]))})
    return out.assign(rank=rank).sort_values(["dataset", "model", "rank"]).drop(columns="rank")


def with_random_control(table: pd.DataFrame, measures: list[str]) -> pd.DataFrame:
    """Each measure's value for the random ranking of the same dataset and model beside it
    (`<measure>_random`), and the difference (`<measure>_over_random`)."""
    random = table[table["ranking"] == "random"].set_index(["dataset", "model"])[measures]
    out = table.join(random.add_suffix("_random"), on=["dataset", "model"])
    for m in measures:
        out[f"{m}_over_random"] = out[m] - out[f"{m}_random"]
    return out.reset_index(drop=True)


def eraser_summary(eraser: pd.DataFrame) -> pd.DataFrame:
    """AOPC comprehensiveness and sufficiency (and each bin's values) per dataset x model x
    ranking over seeds, with the random control beside each."""
    measures = ["aopc_comprehensiveness", "aopc_sufficiency"]
    bins = [c for c in eraser if c.startswith(("comprehensiveness_", "sufficiency_"))]
    return with_random_control(over_seeds(eraser, measures + bins), measures)


# the input-level rankings every explanation is compared with (Jain & Wallace's gradient and
# leave-one-out, and Integrated Gradients)
REFERENCES = ("gradient", "loo", "integrated_gradients")
RECORD_CHUNK = 10_000  # eraser rows turned into dicts at a time for the JSONL export


def agreement(eraser: pd.DataFrame) -> pd.DataFrame:
    """Kendall tau-b of every ranking's scores with each reference ranking's on the same
    instance (ERASER's table holds both), per seed a mean over instances and orderings
    (random, each head), then over seeds: `tau_<reference>` with its std, n and ci95.
    A reference the analyses did not compute is left out."""
    from attnaudit.kendall import tau_b  # scipy: only here

    refs = [r for r in REFERENCES if r in set(eraser["ranking"])]
    if eraser.empty or not refs:
        return pd.DataFrame(columns=KEYS)
    index = ["dataset", "model", "seed", "id"]
    base = eraser[eraser["ordering"] == 0]
    rows = eraser[[*index, "ranking"]].reset_index(drop=True)
    for r in refs:
        reference = base[base["ranking"] == r].set_index(index)["scores"]
        paired = reference.reindex(pd.MultiIndex.from_frame(rows[index])).to_list()
        rows[f"tau_{r}"] = tau_b(list(eraser["scores"]), paired)[0]
    return over_seeds(rows, [f"tau_{r}" for r in refs])


PLANTED_MEASURES = ["precision_at_k", "average_precision", "distractor_share",
                    "evidence_precision_at_k", "evidence_average_precision"]  # fmt: skip


def clean_labels(planted: pd.DataFrame) -> pd.DataFrame:
    """The rows whose label the noise left alone: on the others the planted tokens are the
    signal of the class the document was drawn for, not of its label."""
    return planted[~planted["label_flipped"].astype(bool)]


def planted_summary(planted: pd.DataFrame) -> pd.DataFrame:
    """Precision@k and average precision against the planted tokens and against the
    evidence (planted and distractors), and the top k's share on distractors, per dataset x
    model x ranking over seeds, with the random control beside each, on the rows whose
    label the noise left alone; empty without planted data."""
    if planted.empty:
        return pd.DataFrame(columns=[*KEYS, *PLANTED_MEASURES])
    summary = over_seeds(clean_labels(planted), PLANTED_MEASURES)
    return with_random_control(summary, PLANTED_MEASURES)


def summary_markdown(table: pd.DataFrame, measures: list[str], control: bool = True,
                     empty: str = "No instances with planted tokens (only the synthetic "
                     "data plants them).") -> str:  # fmt: skip
    """Rows dataset / model / ranking; per measure 'mean ± ci95 (random r)' (without the
    random control: 'mean ± ci95'); `empty` for an empty table."""
    if table.empty:
        return empty + "\n"
    lines = ["| dataset | model | ranking | " + " | ".join(measures) + " | seeds |",
             "|---|---|---|" + "---|" * len(measures) + "---|"]  # fmt: skip
    for r in table.itertuples(index=False):
        row = r._asdict()
        cells = []
        for m in measures:
            cell = seeds.plus_minus(row[m], row[f"{m}_ci95"])
            if control and r.ranking != "random":
                cell += f" (random {row[f'{m}_random']:.3f})"
            cells.append(cell)
        lines.append(f"| {r.dataset} | {r.model} | {r.ranking} | " + " | ".join(cells)
                     + f" | {int(r.n_seeds)} |")  # fmt: skip
    return "\n".join(lines) + "\n"


def panels(table: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    return [(f"{d} / {m}", sub) for (d, m), sub in table.groupby(["dataset", "model"])]


def aopc_figure(summary: pd.DataFrame, path: str) -> None:
    """Per dataset x model: each ranking's AOPC comprehensiveness and sufficiency as a dot
    with its 95 % interval over seeds; the random ranking's value as a dashed chance line."""
    groups = panels(summary)
    fig, axes = plt.subplots(2, len(groups), figsize=(3.4 * len(groups) + 1.2, 6.2),
                             squeeze=False, sharey="row")  # fmt: skip
    for col, (title, sub) in enumerate(groups):
        rankings = [r for r in sub["ranking"] if r != "random"]
        for row, measure in enumerate(["aopc_comprehensiveness", "aopc_sufficiency"]):
            ax = axes[row][col]
            values = sub.set_index("ranking")
            y = np.arange(len(rankings))
            ax.errorbar(values.loc[rankings, measure], y,
                        xerr=values.loc[rankings, f"{measure}_ci95"].fillna(0.0), fmt="o",
                        color="black", ecolor="gray", capsize=3)  # fmt: skip
            if "random" in values.index:
                ax.axvline(values.loc["random", measure], color=presentation.color("random"),
                           ls="--", label="random (chance)")  # fmt: skip
            ax.set_yticks(y, [r.replace("_", " ") for r in rankings], fontsize=9)
            ax.set_xlabel(measure.replace("aopc_", "AOPC ").replace("_", " "), fontsize=9)
            ax.grid(axis="x", alpha=0.3)
            if row == 0:
                ax.set_title(title, fontsize=10)
    handles, labels = axes[0][0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="lower center", ncol=2, fontsize=9, frameon=False)
    fig.suptitle(
        "ERASER faithfulness per ranking: higher comprehensiveness, lower "
        "sufficiency = more faithful (mean ± 95 % interval over seeds)",
        fontsize=10,
    )
    fig.tight_layout(rect=(0, 0.05, 1, 0.95))
    save(fig, path)


def recall_curves(planted: pd.DataFrame, depth: int = 10) -> pd.DataFrame:
    """Per dataset x model x ranking x j (1..depth): the share of planted tokens found in
    the top j of the ranking, mean over instances per seed (rows whose label the noise
    replaced left out), then over seeds."""
    planted = clean_labels(planted)
    j = np.arange(1, depth + 1)
    found = np.stack(
        [np.searchsorted(np.sort(r), j, side="right") / n
         for r, n in zip(planted["planted_ranks"], planted["n_planted"], strict=True)]
    )  # fmt: skip
    wide = pd.concat([planted[[*KEYS, "seed"]].reset_index(drop=True),
                      pd.DataFrame(found, columns=[f"top_{k}" for k in j])], axis=1)  # fmt: skip
    per_seed = wide.groupby([*KEYS, "seed"]).mean(numeric_only=True).reset_index()
    return per_seed.groupby(KEYS)[[f"top_{k}" for k in j]].mean().reset_index()


def planted_figure(planted: pd.DataFrame, path: str) -> None:
    """Per dataset x model: the share of planted tokens among the top j tokens of each
    ranking, one curve per ranking, random dashed as the floor."""
    fig_panels = panels(recall_curves(planted)) if not planted.empty else []
    n = max(1, len(fig_panels))
    fig, axes = plt.subplots(1, n, squeeze=False, figsize=(3.6 * n + 1.8, 3.4), sharey=True)
    if not fig_panels:
        axes[0][0].text(0.5, 0.5, "no dataset plants its deciding tokens", ha="center")
        axes[0][0].set_axis_off()
    for ax, (title, sub) in zip(axes[0], fig_panels, strict=False):
        depth = [c for c in sub if c.startswith("top_")]
        x = [int(c.removeprefix("top_")) for c in depth]
        for r in sub.itertuples(index=False):
            row = r._asdict()
            style = "--" if r.ranking == "random" else "-"
            ax.plot(x, [row[c] for c in depth], marker="o", ms=3, label=r.ranking,
                    color=presentation.color(r.ranking), ls=style)  # fmt: skip
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("top j tokens of the ranking", fontsize=9)
        ax.set_ylim(0, 1.02)
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("share of planted tokens found", fontsize=9)
    handles, labels = axes[0][-1].get_legend_handles_labels()
    if handles:
        axes[0][-1].legend(handles, labels, loc="center left", bbox_to_anchor=(1.02, 0.5),
                           fontsize=8, frameon=False)  # fmt: skip
    fig.suptitle("Recovery of the planted deciding tokens (mean over seeds)", fontsize=10)
    fig.tight_layout()
    save(fig, path)


def percent_bins(eraser: pd.DataFrame) -> list[float]:
    """The bins of `percents` an eraser table holds (from its comprehensiveness columns)."""
    return sorted(float(c.removeprefix("comprehensiveness_")) for c in eraser
                  if c.startswith("comprehensiveness_"))  # fmt: skip


def class_scores(distributions) -> list[dict[str, float]]:
    """Output distributions (a column of (K,) arrays) as ERASER's score dicts: every class,
    named by its index. Datasets of different class counts may share a column."""
    rows = list(distributions)
    sizes = {len(row) for row in rows}
    if len(sizes) == 1:  # one class count: one array, converted at once
        rows = np.stack(rows).astype(np.float64).tolist()
    else:
        rows = [np.asarray(row, dtype=np.float64).tolist() for row in rows]
    names = [str(c) for c in range(max(sizes, default=0))]
    return [dict(zip(names[: len(row)], row, strict=True)) for row in rows]


def hard_spans(scores: np.ndarray, percent: float) -> list[dict[str, int]]:
    """The top `percent` % of real tokens by score (ties in token order, NaN last) as
    contiguous [start_token, end_token) spans over real-token positions."""
    top = np.sort(top_order(scores)[: top_count(percent, len(scores))]).tolist()
    spans, start = [], None
    for i, position in enumerate(top):
        start = position if start is None else start
        if i + 1 == len(top) or top[i + 1] != position + 1:
            spans.append({"start_token": start, "end_token": position + 1})
            start = None
    return spans


def eraser_rationales(eraser: pd.DataFrame, percent: float) -> Iterator[tuple[tuple, dict]]:
    """((dataset, model, seed, ranking), ERASER JSONL record) per instance of the first
    ordering of each ranking: hard rationale spans = the top `percent` % of real tokens
    (`hard_spans`), soft scores = the ranking's scores, every class's score on the full
    input, on the input without them (comprehensiveness) and on them alone (sufficiency),
    and `thresholded_scores`: the same two distributions at every bin, its threshold the
    bin as a fraction (ERASER's `--aopc_thresholds` are 0.01 ... 0.5)."""
    label = format(percent, "g")
    bins = [format(b, "g") for b in percent_bins(eraser)]
    first = eraser[eraser["ordering"] == 0]
    # column by column in chunks: a study's hundreds of thousands of rows are never all
    # records at once, and no row becomes a dict of every column
    for start in range(0, len(first), RECORD_CHUNK):
        chunk = first.iloc[start : start + RECORD_CHUNK]
        full = class_scores(chunk["probs"])
        without = {b: class_scores(chunk[f"probs_without_{b}"]) for b in bins}
        alone = {b: class_scores(chunk[f"probs_alone_{b}"]) for b in bins}
        keys = zip(chunk["dataset"], chunk["model"], chunk["seed"].tolist(), chunk["ranking"],
                   strict=True)  # fmt: skip
        columns = zip(keys, chunk["id"], chunk["pred"].tolist(), chunk["scores"], strict=True)
        for j, (key, ident, pred, scores) in enumerate(columns):
            scores = np.asarray(scores, dtype=np.float64)
            record = {
                "annotation_id": str(ident),
                "rationales": [{
                    "docid": str(ident),
                    "hard_rationale_predictions": hard_spans(scores, percent),
                    "soft_rationale_predictions": np.nan_to_num(scores).tolist(),
                }],
                "classification": str(int(pred)),
                "classification_scores": full[j],
                "comprehensiveness_classification_scores": without[label][j],
                "sufficiency_classification_scores": alone[label][j],
                "thresholded_scores": [
                    {"threshold": float(b) / 100.0,
                     "comprehensiveness_classification_scores": without[b][j],
                     "sufficiency_classification_scores": alone[b][j]}
                    for b in bins
                ],
            }  # fmt: skip
            yield (key[0], key[1], int(key[2]), key[3]), record


def hard_percent(eraser: pd.DataFrame, preferred: float = 20.0) -> float:
    """The bin whose top tokens are exported as hard rationales: 20 % where it is a bin,
    else the largest bin below it (else the smallest)."""
    bins = percent_bins(eraser)
    below = [b for b in bins if b <= preferred]
    return below[-1] if below else bins[0]


def write_rationales(eraser: pd.DataFrame, path: str) -> None:
    """All runs' rationales as ERASER JSONL lines, each with the run and the ranking it
    came from (`dataset`, `model`, `seed`, `ranking`) beside ERASER's own fields, grouped
    by them. ERASER scores one model's predictions per file, its annotation ids those of
    the data: split the file by these four keys (docs/experiments.md#faith-eraser) and each
    part is one file ERASER's scorer reads, every annotation id once. Written line by line
    (a study's file is hundreds of MB: SST's 30 runs, 557 MB)."""
    run = ["dataset", "model", "seed", "ranking"]
    first = eraser[eraser["ordering"] == 0]
    twice = first[first.duplicated([*run, "id"])]
    if len(twice):
        pairs = [((d, m, int(s), r), str(i)) for d, m, s, r, i in
                 twice[[*run, "id"]].itertuples(index=False)][:5]  # fmt: skip
        raise ValueError(f"annotation ids repeated within a run: {pairs}")
    grouped = first.sort_values(run, kind="stable")  # instances in table order within a run
    with io.atomic_path(path) as tmp, tmp.open("w", encoding="utf-8") as out:
        for key, record in eraser_rationales(grouped, hard_percent(eraser)):
            head = {"dataset": key[0], "model": key[1], "seed": key[2], "ranking": key[3]}
            out.write(json.dumps({**head, **record}) + "\n")
