"""The open questions' transfer section: is it sound to move attention between models?

Per dataset, donor run and student encoder, the student trained with the donor's attention
frozen (`stages.wiegreffe_pinter.train_transfer`) against the same student with its own
learned attention and with uniform attention, each paired by seed. Both comparisons are the
verdicts' `needed` rule (`report.verdicts.needed`): the donor's attention *gains* over
uniform when the guided-minus-uniform F1 interval lies above the margin; the student
*loses* with it when its own-minus-guided interval does (`TRANSFER_RULE`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from attnaudit import settings
from attnaudit.report import verdicts

TRANSFER_RULE = (
    "Per dataset, donor and student, seed by seed: the donor's attention gains over uniform "
    "attention when the verdicts' rule 'needed' says yes for the student with the donor's "
    "attention against the student with uniform attention (the whole interval of the F1 "
    "difference above the margin), and gives no gain when it says no; the student loses "
    "with the donor's attention when the rule says yes for its own learned attention "
    "against the donor's, and keeps its F1 when it says no; undecided otherwise."
)


def f1_by_seed(runs: pd.DataFrame, **match) -> pd.Series:
    pick = runs
    for key, value in match.items():
        pick = pick[pick[key] == value]
    return pick.set_index("seed")["test_f1"]


def transfer_table(
    cells: pd.DataFrame, metrics: pd.DataFrame, own: Mapping[str, str],
    uniform: Mapping[str, str], cfg: settings.Params = None,
) -> pd.DataFrame:  # fmt: skip
    """One row per dataset, donor and student: the mean test F1 with the donor's attention,
    with the student's own learned attention (`own`: student -> its run) and uniform
    (`uniform`), the two paired differences with their intervals and answers. `cells`: per
    cell and seed its test F1 (dataset, donor, student, seed, test_f1); `metrics`: the
    config's runs."""
    cfg = settings.VerdictNeeded.of(cfg)
    rows = []
    for (dataset, donor, student), runs in cells.groupby(["dataset", "donor", "student"],
                                                         sort=True):  # fmt: skip
        guided = runs.set_index("seed")["test_f1"]
        mine = f1_by_seed(metrics, dataset=dataset, model=own[student])
        flat = f1_by_seed(metrics, dataset=dataset, model=uniform[student])
        gain = verdicts.needed(guided, flat, cfg, control=uniform[student])
        loss = verdicts.needed(mine, guided, cfg, control=f"{donor}'s attention")
        g, c = gain.deciding, loss.deciding
        rows.append({
            "dataset": dataset, "donor": donor, "student": student,
            "n_seeds": g.n_seeds if g else 0, "guided_f1": guided.mean(),
            "own_f1": mine.mean(), "uniform_f1": flat.mean(),
            "over_uniform": g.estimate if g else np.nan,
            "over_uniform_lower": g.lower if g else np.nan,
            "over_uniform_upper": g.upper if g else np.nan,
            "gains": gain.answer,
            "own_minus_guided": c.estimate if c else np.nan,
            "own_minus_guided_lower": c.lower if c else np.nan,
            "own_minus_guided_upper": c.upper if c else np.nan,
            "loses": loss.answer, "margin": cfg.margin,
        })  # fmt: skip
    return pd.DataFrame(rows, columns=COLUMNS)


COLUMNS = ["dataset", "donor", "student", "n_seeds", "guided_f1", "own_f1", "uniform_f1",
           "over_uniform", "over_uniform_lower", "over_uniform_upper", "gains",
           "own_minus_guided", "own_minus_guided_lower", "own_minus_guided_upper", "loses",
           "margin"]  # fmt: skip


def cell_names(table: pd.DataFrame) -> str:
    names = [f"{r.donor} into {r.student}" for r in table.itertuples(index=False)]
    return ", ".join(names) if names else "none"


def transfer_finding(table: pd.DataFrame) -> list[str]:
    """Per dataset, from `transfer_table`: which donor-student cells gain over uniform,
    which lose against the student's own attention, and which keep its F1."""
    if table.empty:
        return ["No donor and student to pair."]
    found = []
    for dataset, rows in table.groupby("dataset", sort=True):
        margin = rows["margin"].iloc[0]
        parts = [
            f"gains over uniform attention (margin {margin:g} test F1): "
            f"{cell_names(rows[rows['gains'] == 'yes'])}",
            f"no gain: {cell_names(rows[rows['gains'] == 'no'])}",
            f"the student keeps its own attention's F1: {cell_names(rows[rows['loses'] == 'no'])}",
            f"the student loses against its own attention: "
            f"{cell_names(rows[rows['loses'] == 'yes'])}",
        ]
        undecided = rows[(rows["gains"] == "undecided") | (rows["loses"] == "undecided")]
        if len(undecided):
            parts.append(f"undecided in one comparison or both: {cell_names(undecided)}")
        found.append(f"{dataset}: " + "; ".join(parts) + ".")
    return found


TRANSFER_DESIGN = (
    "Design: Wiegreffe & Pinter's guided MLP, generalised from one student to every one. "
    "Each donor run's attention over the words of every instance (train, dev, test) is "
    "frozen into each student encoder, which is trained from scratch on the labels with the "
    "config's training settings and seed, and has no attention parameters of its own; its "
    "test F1 is compared, seed by seed, with the same student's own learned attention and "
    "with uniform attention. The diagonal (a donor into its own encoder) asks whether a "
    "model's attention, frozen, is worth retraining the rest around it.",
    "Items align because every donor and student of the matrix reads the same words; a "
    "pretrained donor's attention over its word pieces is summed per word (the pieces of a "
    "word add up to its weight), as the guided MLP does.",
)


def transfer_caveats(table: pd.DataFrame) -> list[str]:
    """What the matrix does not say, from its cells."""
    notes = [
        "A donor's attention on the test split is the donor's own, computed from the test "
        "instance: the student sees no label, but it does see where the donor looked.",
        "The student's own learned attention is its run with the first learned attention "
        "of the config; another attention could fare otherwise.",
    ]
    if (table["n_seeds"] < 3).any():
        notes.append("Fewer than 3 seeds per cell: the intervals are wide.")
    return notes
