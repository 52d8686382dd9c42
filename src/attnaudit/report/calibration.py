"""Calibration of the verdict rules: how often each gives a wrong yes or a wrong no.

Per-seed tables are simulated with a known truth (true effects in multiples of the rule's
margin) and independent normal seed noise of about SST's size (`NOISE`); the real rule
(`verdicts.needed`, `verdicts.faithful`, `verdicts.unique`) reads each table, and its answers
are counted per rule, case and number of seeds. An answer is wrong when it is the opposite of
the true one (undecided is never wrong); each rule promises a wrong rate of at most its
`level` (0.05), and at the margin itself about level / 2.

    python -m attnaudit.report.calibration --replications 2000
"""

from __future__ import annotations

import argparse
import math
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from attnaudit import settings
from attnaudit.report import verdicts

# Per-seed standard deviations like SST's 5-seed run (docs/results.md#sst-full): test F1 of
# one model, AOPC of one ranking, one base seed's adversary-minus-seeds JSD difference.
NOISE = {"needed": 0.01, "faithful": 0.015, "unique": 0.03}
SETTINGS = {
    "needed": settings.VerdictNeeded,
    "faithful": settings.VerdictFaithful,
    "unique": settings.VerdictUnique,
}
# Levels the simulated effects sit on; they cancel in the paired differences the rules read.
F1_UNIFORM = 0.82  # SST BiLSTM with uniform attention
AOPC_RANDOM = {"aopc_comprehensiveness": 0.04, "aopc_sufficiency": 0.30}
SEED_JSD = 0.07  # SST BiLSTM, the most divergent other seed
SOURCES = ("per-instance adversary", "trained adversary, lambda 1")
SEEDS = tuple(range(2, 11))


@dataclass(frozen=True)
class Case:
    """One known truth; `truth` holds true effects in margins, read per rule:

    needed: (learned minus uniform test F1,); faithful: (attention's gain over random on
    comprehensiveness, on sufficiency, how far attention is behind another ranking on
    comprehensiveness); unique: (adversary minus seeds JSD,) per adversary source."""

    rule: str
    label: str
    truth: tuple[float, ...]

    def correct(self) -> str:
        """The true answer; an effect exactly at the margin is on the side the rule's "no"
        (needed, faithful) or "yes" (unique) claims: the yes claims are strict."""
        if self.rule == "needed":
            return "yes" if self.truth[0] > 1 else "no"
        if self.rule == "faithful":
            comprehensiveness, sufficiency, behind = self.truth
            return "yes" if min(comprehensiveness, sufficiency) > 1 and behind < 1 else "no"
        return "no" if max(self.truth) > 1 else "yes"


CASES = (
    Case("needed", "no gain", (0.0,)),
    Case("needed", "half the margin", (0.5,)),
    Case("needed", "at the margin", (1.0,)),
    Case("needed", "three margins", (3.0,)),
    Case("faithful", "level with random", (0.0, 0.0, 0.0)),
    Case("faithful", "half the margin over random", (0.5, 0.5, 0.0)),
    Case("faithful", "at the margin on sufficiency", (3.0, 1.0, 0.0)),
    Case("faithful", "three margins over random", (3.0, 3.0, 0.0)),
    Case("faithful", "one margin behind another ranking", (3.0, 3.0, 1.0)),
    Case("faithful", "three margins behind another ranking", (3.0, 3.0, 3.0)),
    Case("unique", "no difference", (0.0,)),
    Case("unique", "half the margin", (0.5,)),
    Case("unique", "at the margin", (1.0,)),
    Case("unique", "three margins", (3.0,)),
    Case("unique", "two adversaries at the margin", (1.0, 1.0)),
    Case("unique", "one of two adversaries three margins", (0.0, 3.0)),
)


def draw_needed(
    rng: np.random.Generator, n: int, gain: float, sd: float
) -> tuple[pd.Series, pd.Series]:
    """Per-seed test F1 of the learned model (`gain` above uniform) and of its uniform control,
    each with its own seed noise."""
    seeds = pd.RangeIndex(1, n + 1, name="seed")
    learned = pd.Series(F1_UNIFORM + gain + rng.normal(0.0, sd, n), index=seeds)
    uniform = pd.Series(F1_UNIFORM + rng.normal(0.0, sd, n), index=seeds)
    return learned, uniform


def draw_faithful(
    rng: np.random.Generator, n: int, comprehensiveness: float, sufficiency: float,
    behind: float, sd: float,
) -> pd.DataFrame:  # fmt: skip
    """Per-seed AOPCs of attention, random and leave-one-out (`verdicts.faithful`'s table):
    attention gains `comprehensiveness` over random (higher is better) and `sufficiency`
    (lower is better); leave-one-out matches attention except `behind` more comprehensiveness.
    Every ranking, measure and seed draws its own noise."""
    comp0, suff0 = AOPC_RANDOM["aopc_comprehensiveness"], AOPC_RANDOM["aopc_sufficiency"]
    truth = {
        "attention": (comp0 + comprehensiveness, suff0 - sufficiency),
        "random": (comp0, suff0),
        "loo": (comp0 + comprehensiveness + behind, suff0 - sufficiency),
    }
    means = np.repeat(np.array(list(truth.values())), n, axis=0)
    values = means + rng.normal(0.0, sd, means.shape)
    return pd.DataFrame({
        "ranking": np.repeat(list(truth), n), "seed": np.tile(np.arange(1, n + 1), len(truth)),
        "aopc_comprehensiveness": values[:, 0], "aopc_sufficiency": values[:, 1],
    })  # fmt: skip


def draw_unique(
    rng: np.random.Generator, n: int, differences: Sequence[float], sd: float
) -> pd.DataFrame:
    """`verdicts.unique_evidence`'s table: per adversary source (`SOURCES`, one per entry of
    `differences`) and base seed, the adversary's JSD minus the seeds' with seed noise."""
    k = len(differences)
    difference = np.repeat(np.asarray(differences, dtype=float), n) + rng.normal(0.0, sd, k * n)
    return pd.DataFrame({
        "source": np.repeat(SOURCES[:k], n), "seed": np.tile(np.arange(1, n + 1), k),
        "n_instances": 1000, "coverage": 1.0, "feasible": 1.0,
        "adversary_jsd": SEED_JSD + difference,
        "seed_jsd": SEED_JSD, "difference": difference,
    })  # fmt: skip


def answer(case: Case, n: int, rng: np.random.Generator, cfg: settings.Settings) -> str:
    """The real rule's answer on one simulated table of `n` seeds (effects scaled by the
    rule's margin)."""
    truth = [t * cfg.margin for t in case.truth]
    sd = NOISE[case.rule]
    if case.rule == "needed":
        return verdicts.needed(*draw_needed(rng, n, truth[0], sd), cfg).answer
    if case.rule == "faithful":
        return verdicts.faithful(draw_faithful(rng, n, *truth, sd), cfg).answer
    return verdicts.unique(draw_unique(rng, n, truth, sd), cfg).answer


def tally(answers: Sequence[str], correct: str) -> dict[str, float]:
    """Shares of yes, no and undecided, and the wrong rate: the share of the answer that is
    neither the correct one nor undecided."""
    counts = pd.Series(list(answers)).value_counts()
    shares = {a: float(counts.get(a, 0)) / len(answers) for a in verdicts.ANSWERS}
    wrong = {"yes": "no", "no": "yes"}[correct]
    return {**shares, "wrong": shares[wrong]}


def simulate(
    replications: int = 2000, seeds: Sequence[int] = SEEDS, cases: Sequence[Case] = CASES,
    seed: int = 0,
) -> pd.DataFrame:  # fmt: skip
    """One row per case and number of seeds: the shares of each answer over `replications`
    simulated tables and the wrong rate. Each cell has its own generator (from `seed`, the
    case and n), so a subset of cells repeats the full run's numbers."""
    rows = []
    for case in cases:
        cfg = SETTINGS[case.rule].of(None)
        key = zlib.crc32(f"{case.rule}/{case.label}".encode())
        for n in seeds:
            rng = np.random.default_rng([seed, key, n])
            answers = [answer(case, n, rng, cfg) for _ in range(replications)]
            rows.append({"rule": case.rule, "case": case.label,
                         "truth": "/".join(format(t, "g") for t in case.truth),
                         "correct": case.correct(), "n_seeds": n,
                         **tally(answers, case.correct())})  # fmt: skip
    return pd.DataFrame(rows)


def worst(table: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Per group, the row of the cell with the highest wrong rate."""
    return table.loc[table.groupby(list(by), sort=False)["wrong"].idxmax()].reset_index(drop=True)


def markdown(table: pd.DataFrame) -> str:
    """A pipe table, shares to three decimals."""
    shown = table.copy()
    for column in shown.select_dtypes("float").columns:
        shown[column] = shown[column].map(lambda x: f"{x:.3f}")
    lines = ["| " + " | ".join(shown.columns) + " |", "|" + "---|" * len(shown.columns)]
    lines += ["| " + " | ".join(map(str, r)) + " |" for r in shown.itertuples(index=False)]
    return "\n".join(lines)


def report(table: pd.DataFrame, replications: int) -> str:
    """The full table, each case's worst cell and correct share at the fewest and most seeds,
    and each rule's worst wrong rate with the simulation's standard error at the rule's level."""
    columns = ["rule", "case", "truth", "correct", "n_seeds", "wrong"]
    per_case = worst(table, ["rule", "case"])[columns]
    for n in (table["n_seeds"].min(), table["n_seeds"].max()):
        at = table[table["n_seeds"] == n].set_index(["rule", "case"])
        shares = [at.loc[(r, c), k] for r, c, k in per_case[["rule", "case", "correct"]].values]
        per_case[f"correct share, {n} seeds"] = shares
    lines = [markdown(table), "", markdown(per_case), ""]
    for r in worst(table, ["rule"]).itertuples(index=False):
        level = SETTINGS[r.rule].of(None).level
        se = math.sqrt(level * (1 - level) / replications)
        lines.append(f"{r.rule}: worst wrong rate {r.wrong:.3f} ({r.case}, {r.n_seeds} seeds); "
                     f"level {level}, standard error at it {se:.4f} "
                     f"({replications} replications)")  # fmt: skip
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=2000)
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS),
                        help="numbers of seeds (default 2 to 10)")  # fmt: skip
    parser.add_argument("--rules", nargs="+", choices=list(SETTINGS), default=list(SETTINGS))
    parser.add_argument("--seed", type=int, default=0, help="the simulation's random seed")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    cases = [c for c in CASES if c.rule in args.rules]
    table = simulate(args.replications, args.seeds, cases, args.seed)
    print(report(table, args.replications))
    print(f"{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
