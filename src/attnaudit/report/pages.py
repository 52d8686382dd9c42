"""The readable answer: a verdict page per dataset x model (is attention needed, faithful,
unique?) and an attention-examples page, as standalone HTML (figures embedded), from the
result tables only.

Each verdict section shows the numbers behind it, every statistic beside its random or
uniform control, and ends with the verdict of its rule (`report.verdicts`). The functions
here work out what a page shows (`verdict_context`, `examples`, `index_entries`); its
template in report/templates/ says how it reads.
"""

from __future__ import annotations

import base64
import io as bytes_io
import math
from collections.abc import Mapping
from functools import partial
from typing import NamedTuple

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from attnaudit import settings
from attnaudit.data.pieces import join_pieces, sum_per_word
from attnaudit.data.tokens import EOS, PAD, SEP, SOS
from attnaudit.models.catalog import control_model
from attnaudit.report import columns as described
from attnaudit.report import verdicts
from attnaudit.report.catalogue import CATALOGUE
from attnaudit.report.html import Grid, glossary, grid, interval_of, is_count

# tokens the tables keep but attention never weighs (sentence boundaries, the frame)
SPECIAL_TOKENS = (PAD, SOS, EOS, SEP)


def png_data(fig: plt.Figure) -> str:
    """A figure as base64 PNG, for an embedded image (the page stands alone)."""
    buffer = bytes_io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


class Plain(NamedTuple):
    """How a verdict page shows a table: `names` maps each CSV column it shows to a plain
    name (a ci95 column follows its column as `<name> ±`), `meanings` says what each CSV
    column holds (a catalogue entry's columns: the table's own page says the same), `source`
    is where the columns are."""

    source: str
    meanings: Mapping[str, str]
    names: Mapping[str, str]
    floatfmt: str = ".3f"


SEEDS, RANDOM = "seeds", "random (chance)"


def shown(name: str, names: Mapping[str, str], floatfmt: str | None = None) -> Plain:
    """A catalogue table under plain column names: its CSV, its glossary and (unless
    `floatfmt`) its page's number format."""
    item = CATALOGUE[name]
    return Plain(item.file_name, item.columns, names, floatfmt or item.floatfmt)


PLAIN = {
    "vashishth/replacement": shown("vashishth/replacement", {
        "replacement": "weights at inference", "accuracy": "accuracy", "f1": "F1",
        "accuracy_drop": "accuracy drop", "f1_drop": "F1 drop", "n_seeds": SEEDS}),
    "jain_wallace/tau": shown("jain_wallace/tau", {
        "pair": "measures compared", "pred": "predicted class", "tau_mean": "Kendall tau",
        "tau_std": "spread over instances", "sig_frac": "share with p ≤ 0.05",
        "n_seeds": SEEDS, "n_instances": "instances"}),
    "serrano_smith/flip_fractions": shown("serrano_smith/flip_fractions", {
        "ranking": "ranking", "median_fraction": "median share erased to flip",
        "never_flipped": "never flipped", "median_fraction_all": "median share, all instances",
        "fewer_than_attention": "fewer than attention",
        "more_than_attention": "more than attention", "n_seeds": SEEDS}),
    "serrano_smith/decision_flips": shown("serrano_smith/decision_flips",
                                          {c: c for c in described.DECISION_FLIPS}),
    "faithfulness/aopc": shown("faithfulness/aopc", {
        "ranking": "ranking", "aopc_comprehensiveness": "comprehensiveness",
        "aopc_comprehensiveness_random": f"comprehensiveness, {RANDOM}",
        "aopc_sufficiency": "sufficiency", "aopc_sufficiency_random": f"sufficiency, {RANDOM}",
        "n_seeds": SEEDS}),
    "faithfulness/planted": shown("faithfulness/planted", {
        "ranking": "ranking", "precision_at_k": "precision@k",
        "precision_at_k_random": f"precision@k, {RANDOM}",
        "average_precision": "average precision",
        "average_precision_random": f"average precision, {RANDOM}",
        "distractor_share": "share on distractors",
        "distractor_share_random": f"share on distractors, {RANDOM}",
        "evidence_precision_at_k": "evidence precision@k",
        "evidence_average_precision": "evidence average precision", "n_seeds": SEEDS}),
    "wiegreffe_pinter/guided_mlp": shown("wiegreffe_pinter/guided_mlp", {
        "variant": "attention given", "guide": "guide run", "mean": "test F1", "n": SEEDS}),
    "jain_wallace/adversary": shown("jain_wallace/adversary", {
        "mean_max_jsd": "mean max JSD", "ci95": "mean max JSD ±",
        "share_above_0.5": "share with max JSD > 0.5", "epsilon": "hinge from output TVD",
        "select_epsilon": "kept up to output TVD", "n_seeds": SEEDS}),
    "wiegreffe_pinter/seed_variance": shown("wiegreffe_pinter/seed_variance", {
        "base_seed": "base seed", "n_other_seeds": "other seeds", "n_instances": "instances",
        "seed_jsd_mean": "seeds' attention JSD, mean", "seed_jsd_median":
        "seeds' attention JSD, median", "seed_tvd_mean": "seeds' output TVD, mean",
        "adversary_jsd_mean": "adversary's max JSD, mean",
        "adversary_above_seeds": "adversary above seeds",
        "n_adversary_instances": "instances with both"}),
    "wiegreffe_pinter/adversarial": shown("wiegreffe_pinter/adversarial", {
        "lambda": "lambda", "f1": "test F1", "tvd": "output TVD to the base",
        "jsd": "attention JSD to the base", "base_f1": "base model's F1",
        "n_seeds": SEEDS}, ".4f"),
}  # fmt: skip
"""The tables of a verdict page by catalogue entry."""

CONICITY = Plain(
    "the runs' metrics.json (test_conicity by model)",
    {
        "model": "the model (every model of the dataset)",
        "mean": "test_conicity: per test instance the mean cosine of each hidden state to "
        "their mean, averaged over instances; mean over seeds",
        "std": "its standard deviation over seeds",
        "n_seeds": "seeds",
    },
    {"model": "model", "mean": "conicity", "std": "spread over seeds", "n_seeds": SEEDS},
)


def f1_plain(model: str, control: str) -> Plain:
    """The per-seed test F1 of a model and its uniform control (a pivot of the runs)."""
    return Plain(
        "the runs' metrics.json (test_f1 by seed and model)",
        {
            "seed": "the seed, the same for both models",
            model: f"{described.F1} of {model}",
            control: f"{described.F1} of {control}, the same architecture with uniform attention",
        },
        {"seed": "seed", model: f"{model} F1", control: f"{control} F1"},
    )


def shown_columns(columns: list[str], names: Mapping[str, str]) -> dict[str, str]:
    """CSV column -> plain name of the columns a page shows, in the CSV's order: those of
    `names`, each followed by its ci95 column as `<its plain name> ±`."""
    intervals = {interval_of(c, columns): c for c in columns if "ci95" in c and c not in names}
    shown = {}
    for c in columns:
        if c in names:
            shown[c] = names[c]
            if c in intervals:
                shown[intervals[c]] = f"{names[c]} ±"
    return shown


class ShownTable(NamedTuple):
    """A table of a verdict page: its cells under plain column names (`grid`), a glossary
    of (plain name, what it holds, CSV column), the CSV's columns left out (`rest`) and
    where the columns are (`source`)."""

    grid: Grid
    glossary: list[tuple[str, str, str]]
    rest: list[str]
    source: str


def shown_table(table: pd.DataFrame | None, plain: Plain) -> ShownTable | None:
    """`table` under the plain column names of `plain` (None where there are no rows: the
    page says it was not run)."""
    if table is None or table.empty:
        return None
    columns = [str(c) for c in table.columns]
    shown = shown_columns(columns, plain.names)
    meaning = glossary(columns, plain.meanings)
    view = table.reset_index(drop=True)[list(shown)].rename(columns=shown)
    formats = {name: "int" for c, name in shown.items() if is_count(c)}
    return ShownTable(
        grid(view, formats, plain.floatfmt),
        [(name, meaning.get(c, ""), c) for c, name in shown.items()],
        [c for c in columns if c not in shown],
        plain.source,
    )


# the comparisons table of a verdict: plain column names, and the verdicts CSV's column each is
COMPARISON_COLUMNS = {
    "comparison": ("comparison", "what is compared, per seed, then over seeds"),
    "answer": ("answer", "this comparison's own answer"),
    "estimate": ("mean difference", "the mean over seeds of the per-seed difference"),
    "lower": ("interval from", "the lower end of its interval"),
    "upper": ("interval to", "the upper end of its interval"),
    "margin": ("margin", "the margin the interval is held against"),
    "n_seeds": ("seeds", "paired seeds behind the interval"),
    "seeds_needed": ("seeds to decide", "for an undecided comparison, the seeds the observed "
                     "spread would need"),
}  # fmt: skip


def comparisons_grid(verdict: verdicts.Verdict) -> Grid | None:
    """The comparisons a verdict rests on, under the plain names of `COMPARISON_COLUMNS`."""
    if not verdict.comparisons:
        return None
    table = pd.DataFrame(
        [{plain: getattr(c, "label" if key == "comparison" else key)
          for key, (plain, _) in COMPARISON_COLUMNS.items()} for c in verdict.comparisons]
    )  # fmt: skip
    return grid(table, formats={"seeds": "int", "seeds to decide": ".0f"})


def rows_of(table: pd.DataFrame | None, dataset: str, model: str | None = None):
    if table is None or table.empty:
        return None
    keep = table["dataset"] == dataset
    if model is not None and "model" in table:
        keep &= table["model"] == model
    return table[keep].drop(columns=[c for c in ("dataset", "model") if c in table])


def tau_png(importance: pd.DataFrame) -> str:
    """Kendall tau by predicted class, as Jain & Wallace's histograms: one panel per pair."""
    pairs = [
        ("tau_attn_grad", "attention vs gradient"),
        ("tau_attn_loo", "attention vs LOO"),
        ("tau_grad_loo", "gradient vs LOO"),
    ]
    fig, axes = plt.subplots(1, 3, figsize=(10.5, 2.8), sharey=True)
    bins = np.linspace(-1, 1, 21)
    for ax, (column, label) in zip(axes, pairs, strict=True):
        for pred, sub in importance.groupby("pred"):
            ax.hist(
                sub[column].dropna(), bins=bins, alpha=0.55, density=True, label=f"predicted {pred}"
            )
        ax.set_title(label, fontsize=10)
        ax.set_xlabel("Kendall tau (all seeds pooled)", fontsize=9)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("density", fontsize=9)
    axes[-1].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)
    fig.tight_layout()
    return png_data(fig)


def verdict_context(
    dataset: str,
    model: str,
    tables: Mapping[str, pd.DataFrame],
    runs: pd.DataFrame,
    found: list[verdicts.Verdict],
    importance: pd.DataFrame | None,
    single: pd.DataFrame | None,
) -> dict:
    """What the verdict page of one dataset x model shows (templates/verdict.html): its
    three verdicts with the comparisons behind each, and per section this model's rows
    under plain names (`ShownTable`; None: not run).

    `tables`: the report tables by catalogue name (those of `PLAIN`); `runs`: every run's
    metrics; `found`: the needed, faithful and unique verdicts (`report.verdicts`);
    `importance`, `single`: this model's per-instance Jain & Wallace importance and Serrano
    & Smith single-weight tables.
    """
    control = control_model(model)
    f1 = runs[(runs["dataset"] == dataset) & runs["model"].isin([model, control])]
    per_seed = f1.pivot_table(index="seed", columns="model", values="test_f1").reset_index()
    sections = {
        name: shown_table(rows_of(tables.get(name), dataset, model), plain)
        for name, plain in PLAIN.items()
    }
    guided = "wiegreffe_pinter/guided_mlp"  # every model's guide runs: the dataset's rows
    sections[guided] = shown_table(rows_of(tables.get(guided), dataset), PLAIN[guided])
    adversarial = tables.get("wiegreffe_pinter/adversarial")
    if adversarial is not None and not adversarial.empty:
        adversarial = adversarial[
            (adversarial["dataset"] == dataset) & (adversarial["base_model"] == model)
        ]
    sections["wiegreffe_pinter/adversarial"] = shown_table(
        adversarial, PLAIN["wiegreffe_pinter/adversarial"]
    )
    conicity = None
    if "test_conicity" in runs:
        stats = (
            runs[runs["dataset"] == dataset]
            .groupby("model")["test_conicity"]
            .agg(["mean", "std", "count"])
            .reset_index()
        )
        conicity = shown_table(stats.rename(columns={"count": "n_seeds"}), CONICITY)
    erased = None
    if single is not None and not single.empty:
        att = single[single["ranking"] == "attention"]
        share = att.groupby("seed")["delta_jsd"].apply(lambda d: float((d > 0).mean()))
        erased = {"percent": 100 * share.mean(), "seeds": len(share)}
    return {
        "title": f"{dataset} / {model}: is attention needed, faithful, unique?",
        "model": model,
        "control": control,
        "found": found,
        "comparisons": {v.question: comparisons_grid(v) for v in found},
        "comparison_columns": COMPARISON_COLUMNS,
        "f1": shown_table(per_seed if control in per_seed else None, f1_plain(model, control)),
        "sections": sections,
        "has_conicity": "test_conicity" in runs,
        "conicity": conicity,
        "tau_png": tau_png(importance) if importance is not None and not importance.empty else "",
        "erased": erased,
    }


# -- attention examples -----------------------------------------------------------------------
def shades(values: np.ndarray, signed: bool) -> list[str]:
    """Background colours for token scores: blue intensity by |value| / max |value|; with
    `signed`, negative values red."""
    values = np.nan_to_num(np.asarray(values, dtype=np.float64))
    top = np.abs(values).max() or 1.0
    out = []
    for v in values:
        a = min(1.0, abs(v) / top)
        rgb = (220, 38, 38) if signed and v < 0 else (37, 99, 235)
        out.append(f"rgba({rgb[0]},{rgb[1]},{rgb[2]},{0.08 + 0.75 * a:.2f})")
    return out


class Token(NamedTuple):
    """One token of an example row: its text, background colour, score and whether the
    data planted it."""

    text: str
    colour: str
    value: float
    planted: bool


class TokenRow(NamedTuple):
    """One row of coloured tokens: the ranking's name, the tokens, the prediction text."""

    name: str
    tokens: list[Token]
    prediction: str


def per_shown_word(values, piece_words: list[int], shown: list[int]) -> np.ndarray:
    """Piece values summed per word (`pieces.sum_per_word`), at the words shown: those with
    pieces, in order (a word the tokenizer gave no piece is not shown, and takes no
    value)."""
    return sum_per_word(values, piece_words, max(shown, default=-1) + 1)[shown]


def token_row(
    name: str, tokens: list[str], values, prediction: str, signed=False, planted=frozenset()
) -> TokenRow:
    """One row of coloured tokens; `planted` positions are underlined."""
    colours = shades(values, signed)
    return TokenRow(
        name,
        [Token(t, c, v, i in planted)
         for i, (t, v, c) in enumerate(zip(tokens, values, colours, strict=True))],
        prediction,
    )  # fmt: skip


class Example(NamedTuple):
    """One chosen test instance: why it was chosen, its label and prediction, the tau
    between attention and gradient, and its rows of coloured tokens."""

    ident: str
    why: str
    label: int
    pred: int
    tau: float
    rows: list[TokenRow]


def chosen_examples(
    importance: pd.DataFrame, adversary: pd.DataFrame, seed: int, n_random: int = 3
) -> list[tuple[str, str]]:
    """(id, why) of the instances to show: the most and least agreeing (tau between
    attention and gradient), the largest adversarial JSD, and a few at random (seeded)."""
    chosen: list[tuple[str, str]] = []
    tau = importance.dropna(subset=["tau_attn_grad"])
    if len(tau):
        chosen.append(
            (
                tau.loc[tau["tau_attn_grad"].idxmax(), "id"],
                "attention agrees most with the gradient",
            )
        )
        chosen.append(
            (
                tau.loc[tau["tau_attn_grad"].idxmin(), "id"],
                "attention agrees least with the gradient",
            )
        )
    if len(adversary):
        chosen.append(
            (adversary.loc[adversary["max_jsd"].idxmax(), "id"], "the largest adversarial JSD")
        )
    rng = np.random.default_rng(seed)
    rest = [i for i in importance["id"] if i not in {c for c, _ in chosen}]
    for i in rng.choice(len(rest), size=min(n_random, len(rest)), replace=False):
        chosen.append((rest[int(i)], "at random"))
    return chosen


def examples_context(
    dataset: str,
    model: str,
    seed: int,
    tokens: pd.DataFrame,
    importance: pd.DataFrame,
    adversary: pd.DataFrame,
    eraser: pd.DataFrame | None,
) -> dict:
    """What the examples page of one run shows (templates/examples.html): chosen test
    instances, the text coloured by the model's attention, by the adversarial attention
    that keeps the prediction, by the gradient, leave-one-out and Integrated Gradients,
    each with the prediction under it."""
    words = tokens.set_index("id")["tokens"]
    # word pieces (a pretrained encoder's runs): shown as words, each value summed over
    # the word's pieces; planted positions count words
    pieces = tokens.set_index("id")["words"] if "words" in tokens else None
    planted = tokens.set_index("id")["rationale"] if "rationale" in tokens else None
    imp, adv = importance.set_index("id"), adversary.set_index("id")
    era = (
        eraser[eraser["ordering"] == 0].set_index(["id", "ranking"]) if eraser is not None else None
    )
    shown = []
    for ident, why in chosen_examples(importance, adversary, seed):
        row = imp.loc[ident]
        text = [str(t) for t in words.loc[ident] if str(t) not in SPECIAL_TOKENS]
        merge, at = np.asarray, list(range(len(text)))  # items are words
        if pieces is not None:
            joined = join_pieces([str(t) for t in words.loc[ident]], list(pieces.loc[ident]))
            text, at = [w for _, w in joined], [i for i, _ in joined]
            merge = partial(per_shown_word, piece_words=list(pieces.loc[ident]), shown=at)
        marks = frozenset()
        if planted is not None and planted.loc[ident] is not None:
            chosen = {int(p) for p in planted.loc[ident]}
            marks = frozenset(j for j, word in enumerate(at) if word in chosen)
        p = float(era.loc[(ident, "attention"), "p_pred"]) if era is not None else float("nan")
        rows = [token_row("attention", text, merge(row["attention"]), f"p(pred) {p:.3f}",
                          planted=marks)]  # fmt: skip
        if ident in adv.index:
            a = adv.loc[ident]
            rows.append(
                token_row(
                    "adversarial attention",
                    text,
                    merge(a["adversary_attention"]),
                    f"JSD {a['max_jsd']:.3f}, output moved by TVD {a['output_tvd']:.4f}",
                    planted=marks,
                )
            )
        for name, values, ranking in (
            ("gradient", row["gradient"], "gradient"),
            ("leave-one-out", row["loo"], "loo"),
        ):
            rows.append(
                token_row(name, text, merge(values), deleted(era, ident, ranking, p), planted=marks)
            )
        if era is not None and (ident, "integrated_gradients") in era.index:
            ig = era.loc[(ident, "integrated_gradients"), "scores"]
            rows.append(
                token_row(
                    "Integrated Gradients",
                    text,
                    merge(ig),
                    deleted(era, ident, "integrated_gradients", p),
                    signed=True,
                    planted=marks,
                )
            )
        example = Example(str(ident), why, int(row["label"]), int(row["pred"]),
                          float(row["tau_attn_grad"]), rows)  # fmt: skip
        shown.append(example)
    return {"title": f"{dataset} / {model}: attention examples", "seed": seed, "examples": shown}


def deleted(era: pd.DataFrame | None, ident: str, ranking: str, p: float) -> str:
    if era is None or (ident, ranking) not in era.index:
        return ""
    comp = [c for c in era.columns if c.startswith("comprehensiveness_")]
    column = "comprehensiveness_20" if "comprehensiveness_20" in comp else comp[-1]
    drop = float(era.loc[(ident, ranking), column])
    return f"without its top {column.split('_')[1]} %: p(pred) {p - drop:.3f}"


def answer_words(verdict: verdicts.Verdict) -> str:
    """An answer as the index says it: yes, no, or undecided with the seeds that would
    decide it where the spread tells."""
    if verdict.answer == "undecided" and not math.isnan(verdict.seeds_needed):
        return f"undecided ({verdict.seeds_needed:.0f} seeds would decide)"
    return verdict.answer


def index_context(
    entries: list[tuple[str, str, list[verdicts.Verdict], str, str]],
    rules: Mapping[str, Mapping] | None = None,
) -> dict:
    """What the verdict index shows (templates/index.html): per entry (dataset, model,
    verdicts, verdict page, examples page or "") the three answers in words, each linking
    to its section of the model's page; and each rule with its margin and level (`rules`:
    the config's `verdicts:`)."""
    classes = {"needed": settings.VerdictNeeded, "faithful": settings.VerdictFaithful,
               "unique": settings.VerdictUnique}  # fmt: skip
    described = []
    for question, rule in verdicts.RULES.items():
        cfg = classes[question].of((rules or {}).get(question))
        described.append((question, cfg.margin, 100 * (1 - cfg.level), rule))
    rows = [
        (dataset, model, [(v, answer_words(v)) for v in found], verdict_file, examples_file)
        for dataset, model, found, verdict_file, examples_file in entries
    ]
    return {"title": "Is attention explanation? The verdicts", "rows": rows, "rules": described}


def front_rst(entries: list[tuple[str, str, list[verdicts.Verdict], str, str]]) -> str:
    """The verdict index as reStructuredText for the front page of report.html (the workflow
    description includes it): per dataset x model the three answers in words, each linking
    to the model's verdict page by its file name (Snakemake's link to a report item)."""
    rows = [["dataset", "model", "needed?", "faithful?", "unique?"]]
    for dataset, model, found, verdict_file, _ in entries:
        rows.append([dataset, model, *(f"`{answer_words(v)} <{verdict_file}_>`__" for v in found)])
    table = "".join(
        "\n".join(f"   {'*' if i == 0 else ' '} - {cell}" for i, cell in enumerate(row)) + "\n"
        for row in rows
    )
    return (
        "**Is attention explanation? The verdicts.** Per dataset and model, three questions, "
        "each answered yes, no or undecided by a stated rule against a stated margin "
        "(undecided: the seeds cannot tell). An answer opens the model's page, with the "
        "numbers behind it, in the Verdicts_ category; every answer is also a row of "
        "results/report/verdicts/verdicts.csv.\n\n"
        ".. list-table::\n   :header-rows: 1\n\n" + table + "\n"
    )
