"""The questions the 2019 debate left open, answered from the runs: the "Open questions" page.

Built so far, its first section: which tasks need attention? Per dataset and model with
learned attention, the `needed` verdict (`report.verdicts.needed`: learned against uniform
attention of the same architecture, test F1 paired by seed, against the verdicts' margin),
beside the answer a synthetic task has by construction (`data.synthetic.built_in_need`),
so the rule is checked on tasks whose answer is known before any model is trained. Each
finding is worded by code from the table (`task_finding`), never by hand.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

from attnaudit import settings
from attnaudit.data import synthetic
from attnaudit.models import catalog
from attnaudit.report import verdicts
from attnaudit.report.html import Grid
from attnaudit.report.reproduction import WP_TABLE2
from attnaudit.report.seeds import model_intervals

BUILT_IN_RULE = (
    "Where a synthetic task's construction sets whether attention is needed (the needle "
    "task without an encoder: yes; the counts task: no), the rule recovers the answer when "
    "its verdict equals it, contradicts it when it gives the other answer, and leaves it "
    "open when undecided."
)


def built_in_answers(
    datasets: Mapping[str, Mapping], encoders: list[str]
) -> dict[str, dict[str, str | None]]:
    """dataset -> encoder -> the need for attention its construction sets (synthetic
    datasets only: `data.synthetic.built_in_need`), for the configured `datasets`."""
    return {
        name: {encoder: synthetic.built_in_need(options, encoder) for encoder in encoders}
        for name, options in datasets.items()
        if options.get("type", name) == "synthetic"
    }


def task_needs(
    metrics: pd.DataFrame,
    built_in: Mapping[str, Mapping[str, str | None]],
    cfg: settings.Params = None,
) -> pd.DataFrame:
    """One row per dataset x model with learned attention: the per-seed test F1 of it and
    of its uniform control, the `needed` verdict on them, the answer built into the dataset
    (`built_in`: dataset -> encoder -> "yes" / "no" / None) and whether the verdict
    recovers it (`recovered`: True, False for the contrary answer, NaN where undecided or
    nothing is built in)."""
    cfg = settings.VerdictNeeded.of(cfg)
    rows = []
    learned = metrics[~metrics["attention"].map(catalog.is_uniform)]
    for (dataset, encoder, attention), runs in learned.groupby(
        ["dataset", "encoder", "attention"], sort=True
    ):
        model = f"{encoder}-{attention}"
        control = catalog.control_model(model)
        same = metrics[(metrics["dataset"] == dataset) & (metrics["model"] == control)]
        verdict = verdicts.needed(
            runs.set_index("seed")["test_f1"],
            same.set_index("seed")["test_f1"] if len(same) else None,
            cfg,
            control=control,
        )
        c = verdict.deciding
        expected = built_in.get(dataset, {}).get(encoder)
        recovered = (
            np.nan
            if expected is None or verdict.answer == "undecided"
            else verdict.answer == expected
        )
        rows.append({
            "dataset": dataset,
            "model": model,
            "control": control,
            "n_seeds": c.n_seeds if c else 0,
            "learned_f1": float(runs["test_f1"].mean()),
            "uniform_f1": float(same["test_f1"].mean()) if len(same) else np.nan,
            "difference": c.estimate if c else np.nan,
            "lower": c.lower if c else np.nan,
            "upper": c.upper if c else np.nan,
            "margin": cfg.margin,
            "needed": verdict.answer,
            "seeds_needed": verdict.seeds_needed,
            "built_in": expected or "",
            "recovered": recovered,
        })  # fmt: skip
    columns = ["dataset", "model", "control", "n_seeds", "learned_f1", "uniform_f1",
               "difference", "lower", "upper", "margin", "needed", "seeds_needed",
               "built_in", "recovered"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def cells(table: pd.DataFrame) -> str:
    """'sst / lstm-additive, agnews / average-additive' (or 'none')."""
    names = [f"{r.dataset} / {r.model}" for r in table.itertuples(index=False)]
    return ", ".join(names) if names else "none"


def seeds_words(n_seeds: int, needed: float) -> str:
    """Why an undecided cell is undecided, in words."""
    if n_seeds < 2:
        return "fewer than 2 paired seeds"
    if np.isfinite(needed):
        return f"its spread would need {needed:.0f} seeds"
    return f"no count of seeds up to {verdicts.MAX_SEEDS} would decide it"


def task_finding(table: pd.DataFrame) -> list[str]:
    """The section's findings, each a sentence from the table: how the rule fares on the
    built-in answers, then which dataset x model cells need attention, which do not and
    which the seeds cannot decide (with the seeds their spread would need)."""
    if table.empty:
        return ["No dataset has a model with learned attention and its uniform control."]
    found = []
    known = table[table["built_in"] != ""]
    if len(known):
        hit = known[known["recovered"].eq(True)]
        wrong = known[known["recovered"].eq(False)]
        open_ = known[known["recovered"].isna()]
        sentence = (f"On the {len(known)} synthetic cells whose answer is built in, the rule "
                    f"recovers {len(hit)} ({cells(hit)})")  # fmt: skip
        if len(wrong):
            sentence += f", contradicts {len(wrong)} ({cells(wrong)})"
        if len(open_):
            sentence += f", leaves {len(open_)} undecided ({cells(open_)})"
        found.append(sentence + ".")
    for answer, words in (("yes", "Attention is needed"), ("no", "Attention is not needed")):
        chosen = table[table["needed"] == answer]
        if len(chosen):
            found.append(
                f"{words} (margin {table['margin'].iloc[0]:g} test F1) on {cells(chosen)}."
            )
    undecided = table[table["needed"] == "undecided"]
    if len(undecided):
        needs = [f"{r.dataset} / {r.model} ({seeds_words(r.n_seeds, r.seeds_needed)})"
                 for r in undecided.itertuples(index=False)]  # fmt: skip
        found.append(f"The seeds cannot decide {', '.join(needs)}.")
    return found


TASKS_DESIGN = (
    "Design: every dataset is trained with learned and with uniform attention, the same "
    "encoder, data and seeds; the verdict compares their test F1 seed by seed. Two "
    "synthetic tasks have the answer set in advance (data.synthetic): in the needle task a "
    "positive document holds one class word among filler words and a negative one none, so "
    "a model without an encoder must find one token at any length, which uniform "
    "attention's mean cannot (that token weighs 1 / length in it); in the counts task every "
    "token is a class word and the label is the class with the most, a count over the whole "
    "text that the mean already states.",
)


def task_caveats(
    metrics: pd.DataFrame, table: pd.DataFrame, datasets: Mapping[str, Mapping] | None = None
) -> list[str]:
    """What the section's numbers do not say, from the runs themselves and the configured
    `datasets` (Wiegreffe & Pinter's datasets the config leaves out)."""
    seeds = sorted(int(s) for s in metrics["seed"].unique())
    notes = [
        f"Intervals are over {len(seeds)} seeds ({', '.join(map(str, seeds))}) only, "
        "conditional on each test split: they say how far retraining moves the gap, not how "
        "far another sample of the task would.",
        "The needle task's built-in answer holds for the no-encoder model only: a "
        "contextual encoder can carry the needle's state to every position, so the "
        "construction sets no answer for it.",
    ]
    if "resplit_from_test" in metrics and metrics["resplit_from_test"].fillna(False).any():
        names = sorted(metrics.loc[metrics["resplit_from_test"].fillna(False), "dataset"].unique())
        notes.append(
            f"{', '.join(names)}: the offline mirror holds only the test split, re-split here "
            "into train, dev and test (docs/datasets.md): not the paper's split, so not "
            "comparable with its numbers."
        )
    if datasets is not None:
        types = {options.get("type", name) for name, options in datasets.items()}
        missing = [t for t in WP_TABLE2 if t not in types]
        if missing:
            notes.append(f"Not run here, though Wiegreffe & Pinter's Table 2 has them: "
                         f"{', '.join(missing)} (the config says why).")  # fmt: skip
    if table["needed"].eq("undecided").any():
        notes.append("An undecided cell is no evidence either way: more seeds would decide it.")
    return notes


def cap_notes(summaries: Iterable[Mapping]) -> list[str]:
    """One note per dataset whose splits preprocessing capped (`max_train`, `max_dev`,
    `max_test`), from its summary.json: each capped split's size and its size before."""
    notes = []
    for info in summaries:
        cut = [f"{split} {s['n']:,} of {s['n_before_cap']:,}"
               for split, s in info["splits"].items()
               if s.get("n_before_cap", s["n"]) > s["n"]]  # fmt: skip
        if cut:
            notes.append(
                f"{info['dataset']}: a seeded stratified subset of each capped split "
                f"({', '.join(cut)}; docs/datasets.md#split-caps), so its numbers are on "
                "that test subset, not the paper's split."
            )
    return notes


class Section(NamedTuple):
    """One question of the page: its anchor and title, design paragraphs, figure (base64
    PNG), findings, rule, table (`html.Grid`) and its CSV, caveats."""

    anchor: str
    title: str
    design: tuple[str, ...]
    figure: str
    findings: list[str]
    rule: str
    grid: Grid
    source: str
    caveats: list[str]


# -- what the encoder changes -----------------------------------------------------------------
# measure -> (what it is, the per-run table it comes from: metrics.json or an analysis table,
# named as the rule's inputs)
ENCODER_MEASURES = {
    "test_f1": ("test F1", "metrics"),
    "conicity": ("mean conicity of the hidden states on test (Mohankumar et al.)", "metrics"),
    "tau_attention_gradient": ("mean Kendall tau-b of attention with the gradient", "importance"),
    "tau_attention_loo": ("mean Kendall tau-b of attention with leave-one-out", "importance"),
    "tau_attention_ig": ("mean Kendall tau-b of attention with Integrated Gradients",
                         "importance"),
    "permutation_tvd": ("median output change (TVD) when attention is permuted", "permutation"),
    "adversary_jsd": ("mean max JSD of an adversarial attention within epsilon", "adversary"),
    "aopc_comprehensiveness": ("ERASER AOPC comprehensiveness of the attention ranking", "eraser"),
    "accuracy_attention_removed": ("test accuracy with attention removed at inference "
                                   "(Vashishth et al.)", "replacement"),
    "seed_jsd": ("mean JSD of a seed's attention to the base seed's (Wiegreffe & Pinter's "
                 "seed variance; none for the base seed)", "seed_variance"),
}  # fmt: skip
ENCODER_RULE = (
    "For each measure and each pair of encoders with learned attention on one dataset: the "
    "per-seed difference of their values, paired by seed; the two differ when a paired "
    "t-test rejects equal means at the verdicts' level after Holm's correction over the "
    "pairs of that measure and dataset. Each seed's value is one number per run (a mean or "
    "median over its test instances, as the measure says)."
)


# the importance table's tau columns -> their measures (tau_attn_ig where the analysis ran
# with integrated_gradients)
IMPORTANCE_TAUS = {"tau_attn_grad": "tau_attention_gradient", "tau_attn_loo": "tau_attention_loo",
                   "tau_attn_ig": "tau_attention_ig"}  # fmt: skip
# analysis table -> its per-run summary (table, the run's key columns -> the measures of
# ENCODER_MEASURES it gives, indexed by the keys)
PER_RUN = {
    "importance": lambda t, keys: t.groupby(keys)[[c for c in IMPORTANCE_TAUS if c in t]]
    .mean().rename(columns=IMPORTANCE_TAUS),
    "permutation": lambda t, keys: t.groupby(keys)["median_change"].median()
    .rename("permutation_tvd"),
    "adversary": lambda t, keys: t.groupby(keys)["max_jsd"].mean().rename("adversary_jsd"),
    "eraser": lambda t, keys: t[(t["ranking"] == "attention") & (t["ordering"] == 0)]
    .groupby(keys)["aopc_comprehensiveness"].mean(),
    "replacement": lambda t, keys: t[t["replacement"] == "removed"]
    .assign(right=lambda r: r["replaced_pred"] == r["label"])
    .groupby(keys)["right"].mean().rename("accuracy_attention_removed"),
    # one row per base-seed instance, the other seeds' JSDs in a list: per other seed
    "seed_variance": lambda t, keys: t.drop(columns="seed").explode(["other_seeds", "jsd"])
    .rename(columns={"other_seeds": "seed"}).astype({"seed": int, "jsd": float})
    .groupby(keys)["jsd"].mean().rename("seed_jsd"),
}  # fmt: skip


def run_measures(metrics: pd.DataFrame, tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per run with learned attention, one column per measure of
    `ENCODER_MEASURES` that the runs have: from metrics.json and, where given, the
    analyses' per-instance tables (`tables`: importance, permutation, adversary, eraser,
    replacement, each every run's rows with `dataset`, `model`, `seed`)."""
    keys = ["dataset", "model", "seed"]
    runs = metrics[~metrics["attention"].map(catalog.is_uniform)]
    out = runs[[*keys, "encoder", "test_f1"]].copy()
    if "test_conicity" in runs:
        out["conicity"] = runs["test_conicity"].to_numpy()
    for name, summarise in PER_RUN.items():
        if name in tables and len(tables[name]):
            out = out.merge(summarise(tables[name], keys).reset_index(), on=keys, how="left")
    return out.sort_values(keys).reset_index(drop=True)


def measures_of(per_run: pd.DataFrame) -> list[str]:
    return [m for m in ENCODER_MEASURES if m in per_run and per_run[m].notna().any()]


def encoder_summary(per_run: pd.DataFrame, level: float = 0.05) -> pd.DataFrame:
    """Per dataset, model and measure: the mean over seeds, its Student-t interval at
    1 - `level` (`seeds.interval`, as every table's), the seeds."""
    return model_intervals(per_run, measures_of(per_run), level)


def paired_p(differences: np.ndarray) -> float:
    """The two-sided paired t-test's p value of per-seed `differences` (scipy's
    `ttest_rel`: a one-sample test of their mean); with no spread, 0 when they are all the
    same nonzero value and 1 when all zero; 1 with fewer than 2 seeds."""
    if len(differences) < 2:
        return 1.0
    if np.all(differences == differences[0]):
        return 0.0 if differences[0] != 0 else 1.0
    return float(stats.ttest_1samp(differences, 0.0).pvalue)


def encoder_differences(per_run: pd.DataFrame, level: float = 0.05) -> pd.DataFrame:
    """Per dataset, measure and pair of models: the mean per-seed difference (first minus
    second), the paired t-test's p value, and whether they differ after Holm's correction
    over the pairs of that dataset and measure (`ENCODER_RULE`)."""
    rows = []
    for measure in measures_of(per_run):
        for dataset, runs in per_run.groupby("dataset", sort=True):
            wide = runs.pivot(index="seed", columns="model", values=measure)
            pairs = []
            for first, second in itertools.combinations(sorted(wide.columns), 2):
                both = wide[[first, second]].dropna()
                d = (both[first] - both[second]).to_numpy(dtype=np.float64)
                pairs.append((first, second, len(d), float(d.mean()) if len(d) else np.nan,
                              paired_p(d)))  # fmt: skip
            differ = verdicts.holm([p for *_, p in pairs], level) if pairs else []
            rows += [{"dataset": dataset, "measure": measure, "first": a, "second": b,
                      "n_seeds": n, "difference": mean, "p_paired": p, "differ": bool(flag)}
                     for (a, b, n, mean, p), flag in zip(pairs, differ, strict=True)]  # fmt: skip
    return pd.DataFrame(rows, columns=["dataset", "measure", "first", "second", "n_seeds",
                                       "difference", "p_paired", "differ"])  # fmt: skip


def encoder_finding(differences: pd.DataFrame) -> list[str]:
    """Per dataset and measure, in words: which models differ (the higher named first) and
    that the rest cannot be told apart by these seeds."""
    if differences.empty:
        return ["Fewer than two encoders with learned attention on any dataset: nothing to "
                "compare."]  # fmt: skip
    found = []
    for (dataset, measure), pairs in differences.groupby(["dataset", "measure"], sort=False):
        apart = [
            f"{a} {'above' if d > 0 else 'below'} {b} ({d:+.3f})"
            for a, b, d in pairs.loc[pairs["differ"], ["first", "second", "difference"]]
            .itertuples(index=False, name=None)
        ]  # fmt: skip
        name = ENCODER_MEASURES[measure][0]
        if apart:
            found.append(f"{dataset}, {name}: {'; '.join(apart)}.")
        else:
            found.append(f"{dataset}, {name}: no two encoders differ at these seeds.")
    return found


ENCODER_DESIGN = (
    "Design: every encoder with learned attention on the same dataset, seeds and "
    "settings; per run one number per measure (its test-split analyses, summarised over "
    "the instances as the measure says), then per encoder the mean over seeds with its "
    "interval (figure) and every pair of encoders compared seed by seed (table).",
    "The figure's panels and the tables name each measure: "
    + "; ".join(f"{key}, {text}" for key, (text, _) in ENCODER_MEASURES.items())
    + ".",
)


def encoder_caveats(per_run: pd.DataFrame) -> list[str]:
    """What the comparison does not say, from the runs it has."""
    notes = [
        "The encoders differ in size as configured (hidden sizes of the catalogue or "
        "training.encoder_options), so a difference belongs to the architecture as run, "
        "not to context alone.",
        "Not different is not the same: a pair that does not differ may differ with more seeds.",
    ]
    missing = [f"{text} ({source})" for m, (text, source) in ENCODER_MEASURES.items()
               if m not in measures_of(per_run)]  # fmt: skip
    if missing:
        notes.append(f"Not compared, their analysis tables absent: {'; '.join(missing)}.")
    return notes
