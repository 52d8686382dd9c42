"""The open questions' last section: effects beyond the decision (`analyses.open_questions`).

From the per-instance, per-class rows of the class-effects analysis, per run three numbers:
how often the top-attended item supports the predicted class less than some item supports
another class (`top_below_other`); how much attention the items that lower the predicted
class get beyond their share of the items (`counter_attention`); how often permuting
attention moves another class's probability more than the predicted class's
(`permutation_elsewhere`). Per dataset and model each has its interval over seeds; the rule
(`COUNTER_RULE`) reads the second, the other two are stated as shares with intervals.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from attnaudit.report.seeds import interval_bounds, model_intervals

KEYS = ["dataset", "model", "seed"]
MEASURES = {
    "top_below_other": "share of instances whose top-attended item supports the predicted "
    "class less than some item supports another class",
    "counter_attention": "attention on the items whose presence lowers the predicted class, "
    "minus their share of the items (0 for uniform attention)",
    "permutation_elsewhere": "share of instances where permuting attention moves another "
    "class's probability more than the predicted class's (median change in size)",
}
# a larger change in size must exceed the predicted class's by this much: a binary model's two
# classes move by the same amount up to rounding
TIE = 1e-6
COUNTER_RULE = (
    "Per dataset and model: the counter_attention interval over seeds (Student-t, the "
    "verdicts' level). Attention avoids the counter-evidence when the whole interval lies "
    "below 0, goes to it beyond its share when it lies above 0, and the seeds cannot decide "
    "otherwise; uniform attention is 0 by construction."
)


def instance_measures(table: pd.DataFrame) -> pd.DataFrame:
    """One row per run and instance of the analysis's rows (one per class): the three
    measures of `MEASURES` for that instance."""
    t = table.assign(is_pred=table["cls"] == table["pred"])
    pred = t[t["is_pred"]].set_index([*KEYS, "id"])
    other = t[~t["is_pred"]].groupby([*KEYS, "id"])
    strongest_other = other["max_support"].max().reindex(pred.index)
    moved_other = other["permutation_size"].max().reindex(pred.index)
    out = pd.DataFrame(
        {
            "top_below_other": (pred["top_support"] < strongest_other).astype(float),
            "counter_attention": pred["attention_lowering"] - pred["share_lowering"],
            "permutation_elsewhere": (moved_other > pred["permutation_size"] + TIE).astype(float),
        }
    )
    return out.reset_index()


def run_measures(table: pd.DataFrame) -> pd.DataFrame:
    """Per run: each measure's mean over its instances, and the instances."""
    per = instance_measures(table)
    out = per.groupby(KEYS)[list(MEASURES)].mean()
    out["n_instances"] = per.groupby(KEYS).size()
    return out.reset_index()


def counter_word(lower: float, upper: float) -> str:
    """'avoids' / 'seeks' when the interval lies wholly below / above 0, else 'undecided'."""
    if np.isfinite(upper) and upper < 0:
        return "avoids"
    if np.isfinite(lower) and lower > 0:
        return "seeks"
    return "undecided"


def summary(per_run: pd.DataFrame, level: float = 0.05) -> pd.DataFrame:
    """Per dataset, measure and model: the mean over seeds, its Student-t interval and, for
    counter_attention, the rule's answer (`COUNTER_RULE`)."""
    table = model_intervals(per_run, list(MEASURES), level)
    table["answer"] = [counter_word(lo, up) if m == "counter_attention" else ""
                       for m, lo, up in zip(table["measure"], table["lower"], table["upper"],
                                            strict=True)]  # fmt: skip
    return table


def per_class(
    table: pd.DataFrame, names: Mapping[str, list[str]], level: float = 0.05
) -> pd.DataFrame:
    """Per dataset, model and class (named by `names`: dataset -> label names): over
    seeds, the mean share of an instance's items whose presence lowers the class, the
    attention on them, and the top-attended item's support for the class, each a run's
    mean over its instances; with the interval of the attention minus the share."""
    runs = table.groupby([*KEYS, "cls"])[["share_lowering", "attention_lowering", "top_support"]]
    runs = runs.mean().reset_index()
    rows = []
    for (dataset, model, cls), seeds in runs.groupby(["dataset", "model", "cls"], sort=True):
        gap = interval_bounds(seeds["attention_lowering"] - seeds["share_lowering"], level)
        labels = names.get(dataset, [])
        rows.append({
            "dataset": dataset, "model": model, "cls": int(cls),
            "class_name": labels[cls] if cls < len(labels) else str(cls),
            "n_seeds": gap["n_seeds"], "share_lowering": seeds["share_lowering"].mean(),
            "attention_lowering": seeds["attention_lowering"].mean(),
            "top_support": seeds["top_support"].mean(), "gap": gap["mean"],
            "gap_lower": gap["lower"], "gap_upper": gap["upper"],
        })  # fmt: skip
    return pd.DataFrame(rows, columns=["dataset", "model", "cls", "class_name", "n_seeds",
                                       "share_lowering", "attention_lowering", "top_support",
                                       "gap", "gap_lower", "gap_upper"])  # fmt: skip


def share_text(row) -> str:
    return f"{100 * row['mean']:.1f} % ({100 * row['lower']:.1f} to {100 * row['upper']:.1f})"


def class_finding(table: pd.DataFrame) -> list[str]:
    """Per dataset and model, one sentence from `summary`: the two shares with their
    intervals and what the rule answers on counter-evidence."""
    if table.empty:
        return ["No model with learned attention on the datasets analysed."]
    found = []
    for (dataset, model), rows in table.groupby(["dataset", "model"], sort=True):
        by = rows.set_index("measure")
        counter = by.loc["counter_attention"]
        verdict = {
            "avoids": "its attention avoids the items that lower the predicted class",
            "seeks": "its attention goes to the items that lower the predicted class beyond "
            "their share",
            "undecided": "the seeds cannot decide whether its attention avoids the items that "
            "lower the predicted class",
        }[counter["answer"]]
        found.append(
            f"{dataset} / {model}: in {share_text(by.loc['top_below_other'])} of test "
            "instances the top-attended item supports the predicted class less than another "
            "item supports another class; in "
            f"{share_text(by.loc['permutation_elsewhere'])} permuting attention moves "
            "another class more than the predicted one; "
            f"{verdict} (attention minus share {counter['mean']:+.3f}, "
            f"{counter['lower']:+.3f} to {counter['upper']:+.3f})."
        )
    return found


CLASS_DESIGN = (
    "Design: on every model with learned attention of the datasets analysed "
    "(open_questions.class_effects.datasets), per test instance and class k, each item's "
    "support for k: p_k minus p_k with that item erased and attention renormalised over "
    "the rest, the hidden states fixed (Serrano & Smith's erasure, followed for every "
    "class, not only the argmax); and the median change of p_k over shuffles of attention "
    "(Jain & Wallace's permutation, per class). An item lowers class k when its support "
    "for k is negative.",
    "Measures: " + "; ".join(f"{k}, {v}" for k, v in MEASURES.items()) + ". Intervals are "
    "over seeds, each seed one number per run (a mean over its instances).",
)


def class_caveats(per_run: pd.DataFrame, n_classes: Mapping[str, int], cap) -> list[str]:
    """What the section does not say, from its runs and datasets."""
    notes = [
        "Erasure holds the hidden states fixed (decoder level): a contextual encoder still "
        "carries the erased item's information in its neighbours' states.",
        "Supports are not additive: two items that each lower a class can raise it together.",
        "With the rest renormalised, an item lowers the predicted class exactly when its "
        "contribution lies below the attention-weighted mean of the contributions, so "
        "counter_attention says how the attention's mass is spread over the evidence it "
        "weighs, not how it fares against an outside standard.",
    ]
    analysed = ", ".join(f"{d} ({n_classes.get(d, '?')} classes)"
                         for d in sorted(per_run["dataset"].unique()))  # fmt: skip
    notes.append(f"Datasets analysed: {analysed}; the others of the run are not.")
    binary = sorted(d for d in per_run["dataset"].unique() if n_classes.get(d, 2) == 2)
    if binary:
        notes.append(
            f"{', '.join(binary)}: two classes, so raising one lowers the other by the same "
            "amount: permutation_elsewhere is 0 by construction."
        )
    if cap:
        notes.append(f"At most {cap} test instances per run (a seeded subset).")
    return notes
