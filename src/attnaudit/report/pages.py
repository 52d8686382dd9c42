"""The readable answer: a verdict page per dataset x model (is attention needed, faithful,
unique?) and an attention-examples page, as standalone HTML (figures embedded), from the
result tables only.

Each verdict section shows the numbers behind it, every statistic beside its random or
uniform control, and ends with the verdict of its rule (`report.verdicts`).
"""

from __future__ import annotations

import base64
import html
import io as bytes_io
import math
from collections.abc import Mapping
from typing import NamedTuple

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from attnaudit import settings
from attnaudit.data.tokens import EOS, PAD, SEP, SOS
from attnaudit.report import columns as described
from attnaudit.report import verdicts
from attnaudit.report.catalogue import CATALOGUE
from attnaudit.report.html import STYLE, glossary, interval_of, is_count, table_fragment

PAGE_STYLE = (
    STYLE
    + """
h1 { font-size: 20px; margin: 0 0 4px 0; }
h2 { font-size: 17px; margin: 22px 0 6px 0; border-bottom: 1px solid #e2e8f0; }
h3 { font-size: 14px; margin: 14px 0 4px 0; }
p.verdict { font-size: 15px; padding: 8px 12px; border-radius: 6px; max-width: 62em; }
p.yes { background: #dcfce7; } p.no { background: #fee2e2; }
p.partly { background: #fef9c3; } p.undecided { background: #e2e8f0; }
td.yes { background: #dcfce7; } td.no { background: #fee2e2; } td.undecided { background: #e2e8f0; }
p.rule { font-size: 13px; color: #475569; max-width: 62em; }
p.missing { color: #64748b; font-style: italic; }
img { max-width: 100%; }
.tokens { line-height: 2.1; max-width: 62em; }
.tok { padding: 2px 3px; margin: 0 1px; border-radius: 3px; }
.tok.planted { text-decoration: underline 2px #0f172a; text-underline-offset: 4px; }
.row { margin: 4px 0 10px 0; }
.row .name { display: inline-block; width: 13em; font-weight: 600; font-size: 13px; }
.row .pred { font-size: 12px; color: #475569; margin-left: 8px; }
.example { border: 1px solid #e2e8f0; border-radius: 6px; padding: 8px 12px; margin: 12px 0; }
"""
)


# tokens the tables keep but attention never weighs (sentence boundaries, the frame)
SPECIAL_TOKENS = (PAD, SOS, EOS, SEP)


def page(title: str, body: str) -> str:
    esc = html.escape
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{PAGE_STYLE}</style></head>\n<body>\n"
        f"<h1>{esc(title)}</h1>\n{body}\n</body></html>\n"
    )


def figure_html(fig: plt.Figure, alt: str) -> str:
    """A figure as an embedded PNG (the page stands alone)."""
    buffer = bytes_io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode()
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


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


def section_table(title: str, table: pd.DataFrame | None, plain: Plain, note: str = "") -> str:
    """A table of a verdict page under plain column names, and under it a glossary: each
    plain name, what it holds and its column in `plain.source` (and the columns left out)."""
    esc = html.escape
    if table is None or table.empty:
        return f'<h3>{esc(title)}</h3><p class="missing">Not run for this model.</p>'
    columns = [str(c) for c in table.columns]
    shown = shown_columns(columns, plain.names)
    meaning = glossary(columns, plain.meanings)
    view = table.reset_index(drop=True)[list(shown)].rename(columns=shown)
    formats = {name: "int" for c, name in shown.items() if is_count(c)}
    items = "".join(
        f"<dt>{esc(name)}</dt><dd>{esc(meaning.get(c, ''))} (<code>{esc(c)}</code>)</dd>"
        for c, name in shown.items()
    )
    rest = [c for c in columns if c not in shown]
    also = f"<p>Also in {esc(plain.source)}: {esc(', '.join(rest))}.</p>" if rest else ""
    return (
        f"<h3>{esc(title)}</h3>{f'<p>{esc(note)}</p>' if note else ''}"
        + table_fragment(view, formats, plain.floatfmt)
        + f'<section class="columns"><p><strong>Columns</strong>, as named in '
        f"{esc(plain.source)}:</p><dl>{items}</dl>{also}</section>"
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


def verdict_html(verdict: verdicts.Verdict) -> str:
    """The verdict, its rule, and the comparisons behind it with a glossary of the columns
    (plain names on the page, the CSV's names in the glossary)."""
    esc = html.escape
    out = (
        f'<p class="verdict {verdict.answer}"><strong>{esc(verdict.question.capitalize())}? '
        f"{esc(verdict.answer)}.</strong> {esc(verdict.evidence)}</p>"
        f'<p class="rule">Rule: {esc(verdict.rule)}</p>'
    )
    if not verdict.comparisons:
        return out
    table = pd.DataFrame(
        [{plain: getattr(c, "label" if key == "comparison" else key)
          for key, (plain, _) in COMPARISON_COLUMNS.items()} for c in verdict.comparisons]
    )  # fmt: skip
    glossary = "".join(
        f"<dt>{esc(plain)}</dt><dd>{esc(meaning)} (<code>{esc(key)}</code> in "
        "verdicts/comparisons.csv)</dd>"
        for key, (plain, meaning) in COMPARISON_COLUMNS.items()
    )
    return (
        out
        + table_fragment(table, formats={"seeds": "int", "seeds to decide": ".0f"})
        + f'<section class="columns"><dl>{glossary}</dl></section>'
    )


def answers_html(found: list[verdicts.Verdict]) -> str:
    """The page's opening: the three answers, each with its one line of numbers."""
    esc = html.escape
    return "".join(
        f'<p class="verdict {v.answer}"><strong>{esc(v.question.capitalize())}? '
        f"{esc(v.answer)}.</strong> {esc(v.evidence)}</p>"
        for v in found
    )


def rows_of(table: pd.DataFrame | None, dataset: str, model: str | None = None):
    if table is None or table.empty:
        return None
    keep = table["dataset"] == dataset
    if model is not None and "model" in table:
        keep &= table["model"] == model
    return table[keep].drop(columns=[c for c in ("dataset", "model") if c in table])


def tau_figure(importance: pd.DataFrame) -> str:
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
    return figure_html(fig, "Kendall tau histograms by predicted class")


def verdict_page(
    dataset: str,
    model: str,
    tables: Mapping[str, pd.DataFrame],
    runs: pd.DataFrame,
    found: list[verdicts.Verdict],
    importance: pd.DataFrame | None,
    single: pd.DataFrame | None,
) -> str:
    """The verdict page of one dataset x model: its three answers first, then per question
    the numbers behind it and its verdict with the comparisons it rests on.

    `tables`: the report tables by catalogue name (those of `PLAIN`); `runs`: every run's
    metrics; `found`: the needed, faithful and unique verdicts (`report.verdicts`);
    `importance`, `single`: this model's per-instance Jain & Wallace importance and Serrano
    & Smith single-weight tables.
    """
    needed, faithful, unique = found
    control = verdicts.uniform_control(model)
    body = [
        answers_html(found),
        "<p>Each section below shows the numbers behind its question, every statistic beside "
        "its control, and ends with the verdict of a stated rule and the comparisons it rests "
        "on. Intervals are Student-t intervals over seeds (95 % unless the config's "
        "<code>verdicts:</code> says otherwise), paired by seed: they say what another "
        "training run would give on this test split, not what another test split would give. "
        "In the tables, a column named <em>… ±</em> holds the half-width of the 95 % interval "
        "over seeds of the column before it (the interval is that value ± this); under each "
        "table, what its columns hold and their names in the CSV. Definitions: "
        "docs/experiments.md#verdicts; every answer is also a row of verdicts/verdicts.csv.</p>",
    ]

    body.append('<h2 id="needed">Needed? (Wiegreffe &amp; Pinter; Vashishth et al.)</h2>')
    f1 = runs[(runs["dataset"] == dataset) & runs["model"].isin([model, control])]
    per_seed = f1.pivot_table(index="seed", columns="model", values="test_f1").reset_index()
    body.append(
        section_table(
            f"Test F1 per seed: {model} vs the same architecture with uniform attention "
            f"({control}), each trained from scratch",
            per_seed if control in per_seed else None,
            f1_plain(model, control),
        )
    )
    body.append(
        section_table(
            "Learned weights replaced at inference (hidden states fixed)",
            rows_of(tables.get("vashishth/replacement"), dataset, model),
            PLAIN["vashishth/replacement"],
            "accuracy and F1 with uniform, random and permuted weights, and with the attention "
            "removed (every weight 0: what the model decides without it; for a flat model the "
            "decoder's bias alone, for a [CLS] model the residual path around the attention); "
            "the drop is paired by seed",
        )
    )
    body.append(verdict_html(needed))

    body.append(
        '<h2 id="faithful">Faithful? (Jain &amp; Wallace; Serrano &amp; Smith; ERASER)</h2>'
    )
    body.append(
        section_table(
            "Kendall tau between importance measures, by predicted class",
            rows_of(tables.get("jain_wallace/tau"), dataset, model),
            PLAIN["jain_wallace/tau"],
        )
    )
    if "test_conicity" in runs:
        conicity = (
            runs[runs["dataset"] == dataset]
            .groupby("model")["test_conicity"]
            .agg(["mean", "std", "count"])
            .reset_index()
        )
        body.append(
            section_table(
                "Conicity of the hidden states, every model of the dataset (Mohankumar et al. "
                "2020)",
                conicity.rename(columns={"count": "n_seeds"}),
                CONICITY,
                "mean cosine of each state to their mean over a test instance's tokens, "
                "averaged; lower = more diverse states, which they found goes with more "
                "faithful attention",
            )
        )
    if importance is not None and not importance.empty:
        body.append(tau_figure(importance))
    body.append(
        section_table(
            "Multi-weight erasure: fraction of items erased before the decision flips",
            rows_of(tables.get("serrano_smith/flip_fractions"), dataset, model),
            PLAIN["serrano_smith/flip_fractions"],
            "lower = the ranking finds the decisive items sooner; random orders are the control",
        )
    )
    flips = rows_of(tables.get("serrano_smith/decision_flips"), dataset, model)
    note = ""
    if single is not None and not single.empty:
        att = single[single["ranking"] == "attention"]
        share = att.groupby("seed")["delta_jsd"].apply(lambda d: float((d > 0).mean()))
        note = (
            f"Erasing the top-attended item changes the output (JSD) more than erasing a "
            f"random one on {100 * share.mean():.0f} % of instances (mean over "
            f"{len(share)} seed(s))."
        )
    body.append(
        section_table(
            "Single-weight erasure: decision flips, % of instances",
            flips,
            PLAIN["serrano_smith/decision_flips"],
            note,
        )
    )
    body.append(
        section_table(
            "ERASER faithfulness: AOPC per ranking (random = chance)",
            rows_of(tables.get("faithfulness/aopc"), dataset, model),
            PLAIN["faithfulness/aopc"],
        )
    )
    body.append(
        section_table(
            "Planted deciding tokens found (random = chance)",
            rows_of(tables.get("faithfulness/planted"), dataset, model),
            PLAIN["faithfulness/planted"],
        )
    )
    guided = rows_of(tables.get("wiegreffe_pinter/guided_mlp"), dataset)
    body.append(
        section_table(
            "Guided MLP: the no-encoder model trained with other models' attention frozen",
            guided,
            PLAIN["wiegreffe_pinter/guided_mlp"],
            "the base variant uses the configured base model's attention; uniform is the control",
        )
    )
    body.append(verdict_html(faithful))

    seed_row = rows_of(tables.get("wiegreffe_pinter/seed_variance"), dataset, model)
    body.append('<h2 id="unique">Unique? (Jain &amp; Wallace vs Wiegreffe &amp; Pinter)</h2>')
    body.append(
        section_table(
            "Adversarial attention within epsilon (Jain & Wallace)",
            rows_of(tables.get("jain_wallace/adversary"), dataset, model),
            PLAIN["jain_wallace/adversary"],
        )
    )
    body.append(
        section_table(
            "Seed variance: other seeds' attention (Wiegreffe & Pinter)",
            seed_row,
            PLAIN["wiegreffe_pinter/seed_variance"],
        )
    )
    adversarial = tables.get("wiegreffe_pinter/adversarial")
    if adversarial is not None and not adversarial.empty:
        adversarial = adversarial[
            (adversarial["dataset"] == dataset) & (adversarial["base_model"] == model)
        ]
    body.append(
        section_table(
            "End-to-end adversarial models against this model, per lambda (Wiegreffe & Pinter)",
            adversarial,
            PLAIN["wiegreffe_pinter/adversarial"],
        )
    )
    body.append(verdict_html(unique))
    title = f"{dataset} / {model}: is attention needed, faithful, unique?"
    return page(title, "\n".join(body))


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


def token_row(
    name: str, tokens: list[str], values, prediction: str, signed=False, planted=frozenset()
) -> str:
    """One row of coloured tokens; `planted` positions are underlined."""
    esc = html.escape
    spans = "".join(
        f'<span class="tok{" planted" if i in planted else ""}" style="background:{c}" '
        f'title="{v:.3g}">{esc(t)}</span>'
        for i, (t, v, c) in enumerate(zip(tokens, values, shades(values, signed), strict=True))
    )
    return (
        f'<div class="row"><span class="name">{esc(name)}</span>'
        f'<span class="tokens">{spans}</span><span class="pred">{esc(prediction)}</span></div>'
    )


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


def examples_page(
    dataset: str,
    model: str,
    seed: int,
    tokens: pd.DataFrame,
    importance: pd.DataFrame,
    adversary: pd.DataFrame,
    eraser: pd.DataFrame | None,
) -> str:
    """Chosen test instances of one run: the text coloured by the model's attention, by the
    adversarial attention that keeps the prediction, by the gradient, leave-one-out and
    Integrated Gradients, each with the prediction under it."""
    words = tokens.set_index("id")["tokens"]
    planted = tokens.set_index("id")["rationale"] if "rationale" in tokens else None
    imp, adv = importance.set_index("id"), adversary.set_index("id")
    era = (
        eraser[eraser["ordering"] == 0].set_index(["id", "ranking"]) if eraser is not None else None
    )
    body = [
        f"<p>Seed {seed}. Colour: share of the largest weight or score of the row (blue; "
        "red for negative scores). Hover a token for its value. Under the attention rows the "
        "predicted class's probability with those weights; under the other rows the same "
        "probability after deleting that ranking's top 20 % of tokens (ERASER's "
        "comprehensiveness: a large drop means the ranking found what the model uses). "
        "Underlined: the tokens the data planted to decide the label, where it plants them.</p>"
    ]
    for ident, why in chosen_examples(importance, adversary, seed):
        row = imp.loc[ident]
        text = [str(t) for t in words.loc[ident] if str(t) not in SPECIAL_TOKENS]
        marks = frozenset()
        if planted is not None and planted.loc[ident] is not None:
            marks = frozenset(int(p) for p in planted.loc[ident])
        pred = int(row["pred"])
        label = int(row["label"])
        p = float(era.loc[(ident, "attention"), "p_pred"]) if era is not None else float("nan")
        lines = [
            f'<div class="example"><p><strong>{html.escape(str(ident))}</strong> '
            f"({html.escape(why)}): label {label}, predicted {pred}; "
            f"tau(attention, gradient) {row['tau_attn_grad']:.2f}</p>"
        ]
        lines.append(
            token_row("attention", text, row["attention"], f"p(pred) {p:.3f}", planted=marks)
        )
        if ident in adv.index:
            a = adv.loc[ident]
            lines.append(
                token_row(
                    "adversarial attention",
                    text,
                    a["adversary_attention"],
                    f"JSD {a['max_jsd']:.3f}, output moved by TVD {a['output_tvd']:.4f}",
                    planted=marks,
                )
            )
        for name, values, ranking in (
            ("gradient", row["gradient"], "gradient"),
            ("leave-one-out", row["loo"], "loo"),
        ):
            lines.append(
                token_row(name, text, values, deleted(era, ident, ranking, p), planted=marks)
            )
        if era is not None and (ident, "integrated_gradients") in era.index:
            ig = era.loc[(ident, "integrated_gradients"), "scores"]
            lines.append(
                token_row(
                    "Integrated Gradients",
                    text,
                    ig,
                    deleted(era, ident, "integrated_gradients", p),
                    signed=True,
                    planted=marks,
                )
            )
        lines.append("</div>")
        body.append("\n".join(lines))
    return page(f"{dataset} / {model}: attention examples", "\n".join(body))


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


def index_page(
    entries: list[tuple[str, str, list[verdicts.Verdict], str, str]],
    rules: Mapping[str, Mapping] | None = None,
) -> str:
    """One row per dataset x model: the three answers in words, each a link to its section
    of the model's page, and links to its pages; under the table each rule with its margin
    and level (`rules`: the config's `verdicts:`)."""
    esc = html.escape
    rows = []
    for dataset, model, found, verdict_file, examples_file in entries:
        cells = "".join(
            f'<td class="{v.answer}"><a href="{esc(verdict_file)}#{v.question}" '
            f'title="{esc(v.evidence)}">{esc(answer_words(v))}</a></td>'
            for v in found
        )
        links = f'<a href="{esc(verdict_file)}">verdicts</a>'
        if examples_file:
            links += f' · <a href="{esc(examples_file)}">examples</a>'
        rows.append(f"<tr><td>{esc(dataset)}</td><td>{esc(model)}</td>{cells}<td>{links}</td></tr>")
    table = (
        "<table><thead><tr><th>dataset</th><th>model</th><th>needed?</th>"
        "<th>faithful?</th><th>unique?</th><th>pages</th></tr></thead><tbody>"
        + "\n".join(rows)
        + "</tbody></table>"
    )
    classes = {"needed": settings.VerdictNeeded, "faithful": settings.VerdictFaithful,
               "unique": settings.VerdictUnique}  # fmt: skip
    described = []
    for question, rule in verdicts.RULES.items():
        cfg = classes[question].of((rules or {}).get(question))
        described.append(
            f'<p class="rule"><strong>{question.capitalize()}</strong> (margin {cfg.margin:g}, '
            f"intervals at {100 * (1 - cfg.level):g} %): {html.escape(rule)}</p>"
        )
    lead = (
        "<p>Is attention explanation? Per dataset and model, three questions, each answered "
        "yes, no or undecided by a stated rule against a stated margin (undecided: the seeds "
        "cannot tell; the model's page says how many seeds would). The same answers are in "
        "verdicts/verdicts.csv.</p>"
    )
    return page("Is attention explanation? The verdicts", lead + table + "".join(described))


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
