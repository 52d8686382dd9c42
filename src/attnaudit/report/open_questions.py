"""The questions the 2019 debate left open, answered from the runs: the "Open questions" page.

Built so far, its first section: which tasks need attention? Per dataset and model with
learned attention, the `needed` verdict (`report.verdicts.needed`: learned against uniform
attention of the same architecture, test F1 paired by seed, against the verdicts' margin),
beside the answer a synthetic task has by construction (`data.synthetic.built_in_need`),
so the rule is checked on tasks whose answer is known before any model is trained. Each
finding is worded by code from the table (`task_finding`), never by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd

from attnaudit import settings
from attnaudit.data import synthetic
from attnaudit.models import catalog
from attnaudit.report import verdicts
from attnaudit.report.html import Grid

BUILT_IN_RULE = (
    "Where a synthetic task's construction sets whether attention is needed (the needle "
    "task without an encoder: yes; the counts task: no), the rule recovers the answer when "
    "its verdict equals it, contradicts it when it gives the other answer, and leaves it "
    "open when undecided."
)
ANSWER_ORDER = {"yes": 0, "no": 1, "undecided": 2}


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
        control = verdicts.uniform_control(model)
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


def task_caveats(metrics: pd.DataFrame, table: pd.DataFrame) -> list[str]:
    """What the section's numbers do not say, from the runs themselves."""
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
    if table["needed"].eq("undecided").any():
        notes.append("An undecided cell is no evidence either way: more seeds would decide it.")
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
