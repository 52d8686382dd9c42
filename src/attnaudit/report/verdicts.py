"""The verdicts of the verdict pages: is attention needed, faithful, unique?

Each question is answered yes, no or undecided by a stated rule from paired comparisons over
seeds, each against a margin declared in the config (`verdicts:`, `attnaudit.settings`).
A comparison is the mean over seeds of a per-seed difference with its Student-t interval at
confidence 1 - `level` (95 % by default): "yes" when the interval lies wholly on the yes side
of the margin, "no" when it lies wholly on the other side, undecided otherwise, with the
number of seeds the observed spread would need to decide. Each side is thus a one-sided test
at `level` / 2. A question that needs several comparisons to say yes asks all of them to
(an intersection-union test, level kept without correction); one that says no when any
comparison does corrects those for multiplicity (Holm).

Intervals are over seeds only, conditional on the test split: the seed is the unit of
replication (another training run), and with 2 to 5 seeds a bootstrap over seeds or a
hierarchical one over seeds and instances would understate the seed spread.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special

from attnaudit import settings
from attnaudit.report.seeds import t_quantile

ANSWERS = ("yes", "no", "undecided")
MAX_SEEDS = 1000  # seeds_needed beyond this is reported as not reachable (NaN)

NEEDED_RULE = (
    "Needed if the model with learned attention beats the same architecture trained with "
    "uniform attention by more than the margin: the interval of their test-F1 difference, "
    "paired by seed, lies above +margin. Not needed if it lies below +margin (uniform "
    "attention is within the margin, or better). Undecided otherwise, with fewer than 2 "
    "paired seeds, or without a uniform-attention model of the same architecture."
)
FAITHFUL_RULE = (
    "Faithful if attention beats the random ranking by more than the margin on ERASER "
    "comprehensiveness (AOPC, higher is better) and on sufficiency (AOPC, lower is better), "
    "and is no worse than any other ranking by more than the margin on either (each interval, "
    "paired by seed, on the right side of its margin: all must hold). Not faithful if, after "
    "Holm's correction over these comparisons, attention is shown to beat random by less than "
    "the margin on either measure, or to fall behind another ranking by more than the margin. "
    "Undecided otherwise or with fewer than 2 seeds."
)
UNIQUE_RULE = (
    "Compares like with like: on the instances where another seed of the same model keeps "
    "the output within epsilon (TVD to the base run's output), the JSD to the base run's "
    "attention of (a) the most divergent of Jain & Wallace's adversaries within epsilon and "
    "(b) Wiegreffe & Pinter's trained adversarial model (each lambda) where within epsilon "
    "(0 where an adversary keeps no output: the model's own attention does) against the most "
    "divergent such seed; every seed in turn is the base, and the difference is averaged per "
    "base seed. An adversary that keeps the output on fewer than min_feasible of the instances "
    "is not used. "
    "Not unique if, after Holm's correction, any adversary diverges more than the seeds by "
    "more than the margin (its interval above +margin). Unique if every adversary's interval "
    "lies below +margin: no attention that keeps the output is further from the model's "
    "than retraining moves it. Undecided otherwise, with fewer than 2 seeds or without "
    "adversaries."
)
RULES = {"needed": NEEDED_RULE, "faithful": FAITHFUL_RULE, "unique": UNIQUE_RULE}


@dataclass(frozen=True)
class Comparison:
    """One paired comparison over seeds against a margin.

    `estimate`, `lower`, `upper`: the mean per-seed difference and its interval; `yes_above`:
    whether "yes" is the side above the margin; `p_yes`, `p_no`: one-sided p values of the
    claims that the mean lies on the yes / the no side of the margin."""

    rule_id: str
    label: str
    estimate: float
    sd: float
    lower: float
    upper: float
    margin: float
    n_seeds: int
    seeds_needed: float
    p_yes: float
    p_no: float
    yes_above: bool
    answer: str


@dataclass(frozen=True)
class Verdict:
    question: str
    answer: str  # yes | no | undecided
    rule: str
    evidence: str
    comparisons: tuple[Comparison, ...] = field(default=())
    deciding: Comparison | None = None  # the comparison the answer rests on
    seeds_needed: float = math.nan  # undecided: the seeds its observed spreads would need


def seeds_needed(mean: float, sd: float, margin: float, level: float, n: int) -> float:
    """The fewest seeds (more than n) at which an interval with this mean and spread would
    exclude the margin: the t half-width below |mean - margin|. NaN when no number of seeds
    up to MAX_SEEDS would (mean at the margin), or the spread is unknown."""
    gap = abs(mean - margin)
    if not (np.isfinite(sd) and np.isfinite(gap)) or gap == 0:
        return math.nan
    if sd == 0:
        return float(max(n + 1, 2))
    candidates = np.arange(max(n + 1, 2), MAX_SEEDS + 1)
    half = special.stdtrit(candidates - 1, 1.0 - level / 2.0) * sd / np.sqrt(candidates)
    reached = candidates[half < gap]
    return float(reached[0]) if reached.size else math.nan


def compare(
    rule_id: str,
    label: str,
    differences: Sequence[float] | np.ndarray | pd.Series,
    margin: float,
    level: float,
    yes_above: bool = True,
) -> Comparison:
    """The comparison of per-seed `differences` with `margin` (NaN differences dropped)."""
    d = np.asarray(differences, dtype=np.float64)
    d = d[np.isfinite(d)]
    n = int(d.size)
    mean = float(d.mean()) if n else math.nan
    if n < 2:
        return Comparison(rule_id, label, mean, math.nan, math.nan, math.nan, margin, n,
                          math.nan, math.nan, math.nan, yes_above, "undecided")  # fmt: skip
    sd = float(d.std(ddof=1))
    se = sd / math.sqrt(n)
    half = t_quantile(n, level) * se
    lower, upper = mean - half, mean + half
    if se > 0:
        t = (mean - margin) / se
        p_above, p_below = float(special.stdtr(n - 1, -t)), float(special.stdtr(n - 1, t))
    else:
        p_above = 0.0 if mean > margin else 1.0
        p_below = 0.0 if mean < margin else 1.0
    above, below = lower > margin, upper < margin
    if yes_above:
        answer, p_yes, p_no = ("yes" if above else "no" if below else "undecided"), p_above, p_below
    else:
        answer, p_yes, p_no = ("yes" if below else "no" if above else "undecided"), p_below, p_above
    needed = seeds_needed(mean, sd, margin, level, n) if answer == "undecided" else math.nan
    return Comparison(rule_id, label, mean, sd, lower, upper, margin, n, needed, p_yes, p_no,
                      yes_above, answer)  # fmt: skip


def holm(p_values: Sequence[float], alpha: float) -> list[bool]:
    """Holm's step-down procedure: which hypotheses are rejected at family-wise `alpha`
    (NaN p values are never rejected and do not count in the family)."""
    p = np.asarray(p_values, dtype=np.float64)
    valid = np.flatnonzero(np.isfinite(p))
    rejected = [False] * len(p)
    for rank, i in enumerate(valid[np.argsort(p[valid], kind="stable")]):
        if p[i] > alpha / (len(valid) - rank):
            break
        rejected[i] = True
    return rejected


def combine(
    comparisons: Sequence[Comparison], level: float
) -> tuple[str, Comparison | None, float]:
    """The answer of a question that needs every comparison for yes and any for no (Holm over
    the no claims of those with 2 or more seeds), the comparison it rests on (for no the
    first one Holm rejects, for yes or undecided the weakest yes: the largest p_yes), and for
    undecided the seeds needed. A comparison without an interval (fewer than 2 seeds) cannot
    hold, so it rules yes out."""
    usable = [c for c in comparisons if c.n_seeds >= 2]
    if not usable:
        return "undecided", (comparisons[0] if comparisons else None), math.nan
    rejected = holm([c.p_no for c in usable], level / 2.0)
    if any(rejected):
        shown = [c for c, r in zip(usable, rejected, strict=True) if r]
        return "no", min(shown, key=lambda c: c.p_no), math.nan
    weakest = max(usable, key=lambda c: c.p_yes)
    if len(usable) == len(comparisons) and all(c.answer == "yes" for c in usable):
        return "yes", weakest, math.nan
    return "undecided", weakest, question_seeds_needed(comparisons, level)


def on_yes_side(c: Comparison) -> bool:
    return c.estimate > c.margin if c.yes_above else c.estimate < c.margin


def question_seeds_needed(comparisons: Sequence[Comparison], level: float) -> float:
    """The fewest seeds at which the observed means and spreads would decide a question of
    `combine`: yes once every comparison clears its margin at `level`, or no once one on the
    no side clears it at level / k (Holm's first step over the k comparisons with an
    interval); NaN if neither can happen within MAX_SEEDS (or a comparison has no spread
    yet to extrapolate from)."""

    def needed(c: Comparison, at: float) -> float:
        n = seeds_needed(c.estimate, c.sd, c.margin, at, c.n_seeds)
        return math.inf if math.isnan(n) else n

    usable = [c for c in comparisons if c.n_seeds >= 2]
    yes = [c.n_seeds if c.answer == "yes" else needed(c, level) if on_yes_side(c) else math.inf
           for c in comparisons]  # fmt: skip
    no = [needed(c, level / len(usable)) for c in usable if not on_yes_side(c)]
    best = min(max(yes), min(no, default=math.inf))
    return math.nan if math.isinf(best) else float(best)


def deciding_text(
    answer: str, deciding: Comparison | None, comparisons: Sequence[Comparison], level: float
) -> str:
    """The comparison a question of `combine` rests on, in words; where that comparison alone
    says no but the question is undecided, why: Holm's first step over the k comparisons
    with an interval asks for a one-sided p below level / 2k, not level / 2."""
    if deciding is None:
        return ""
    text = f"{deciding.label} {interval_text(deciding)}"
    k = sum(c.n_seeds >= 2 for c in comparisons)
    if answer == "undecided" and deciding.answer == "no" and k > 1:
        text += (
            f"; alone this comparison says no, but Holm's correction over the {k} comparisons "
            f"asks for a one-sided p below {level / 2 / k:.4f} (it is {deciding.p_no:.4f})"
        )
    return text


def needs(seeds: float) -> str:
    """The question's seeds needed, as words (empty where decided or unknown)."""
    return "" if math.isnan(seeds) else f"; all comparisons together would need {seeds:.0f} seeds"


def interval_text(c: Comparison) -> str:
    if c.n_seeds < 2:
        return f"{c.estimate:+.3f} from {c.n_seeds} seed(s), no interval"
    text = (
        f"{c.estimate:+.3f} (interval {c.lower:+.3f} to {c.upper:+.3f}, {c.n_seeds} seeds; "
        f"margin {c.margin:+.3f})"
    )
    if c.answer == "undecided":
        more = f"more than {MAX_SEEDS}" if math.isnan(c.seeds_needed) else f"{c.seeds_needed:.0f}"
        text += f"; the observed spread would need {more} seeds to decide"
    return text


# -- needed -----------------------------------------------------------------------------------


def needed(
    learned: pd.Series | None, uniform: pd.Series | None, cfg: settings.Params = None,
    control: str = "uniform attention",
) -> Verdict:  # fmt: skip
    """From the per-seed test F1 of the learned-attention model and of its uniform control
    (`control`, the name shown), each indexed by seed."""
    cfg = settings.VerdictNeeded.of(cfg)
    if learned is None or uniform is None or uniform.empty:
        missing = f"no uniform-attention model of the same architecture ({control})"
        return Verdict("needed", "undecided", NEEDED_RULE, missing)
    both = pd.concat([learned.rename("l"), uniform.rename("u")], axis=1, join="inner")
    c = compare("needed.learned_minus_uniform_f1", f"learned minus {control} test F1",
                both["l"] - both["u"], cfg.margin, cfg.level)  # fmt: skip
    lead = {
        "yes": "needed: the uniform control loses by more than the margin",
        "no": "not needed: the uniform control is within the margin (or better)",
        "undecided": "undecided: the interval straddles the margin",
    }[c.answer]
    if c.n_seeds < 2:
        lead = "undecided: fewer than 2 paired seeds"
    numbers = (f"learned {both['l'].mean():.3f} vs {control} {both['u'].mean():.3f} test F1, "
               f"difference {interval_text(c)}")  # fmt: skip
    return Verdict("needed", c.answer, NEEDED_RULE, f"{lead}; {numbers}", (c,), c,
                   c.seeds_needed)  # fmt: skip


# -- faithful ---------------------------------------------------------------------------------
MEASURES = {
    "aopc_comprehensiveness": ("comprehensiveness", 1.0),  # higher is more faithful
    "aopc_sufficiency": ("sufficiency", -1.0),  # lower is more faithful
}


def faithful(per_seed: pd.DataFrame, cfg: settings.Params = None) -> Verdict:
    """From the per-seed mean AOPCs of each ranking (columns `ranking`, `seed`,
    `aopc_comprehensiveness`, `aopc_sufficiency`; random pooled over its orderings)."""
    cfg = settings.VerdictFaithful.of(cfg)
    if per_seed is None or per_seed.empty or "attention" not in set(per_seed["ranking"]):
        return Verdict("faithful", "undecided", FAITHFUL_RULE,
                       "no ERASER results with an attention ranking")  # fmt: skip
    if "random" not in set(per_seed["ranking"]):
        return Verdict("faithful", "undecided", FAITHFUL_RULE, "no random ranking to beat")
    comparisons = []
    for column, (name, sign) in MEASURES.items():
        wide = per_seed.pivot_table(index="seed", columns="ranking", values=column)
        attention = wide["attention"]
        for other in wide.columns.drop("attention"):
            better = sign * (attention - wide[other])  # > 0: attention is more faithful
            if other == "random":
                comparisons.append(compare(
                    f"faithful.{name}_over_random", f"{name}: attention better than random by",
                    better, cfg.margin, cfg.level))  # fmt: skip
            else:
                comparisons.append(compare(
                    f"faithful.{name}_vs_{other}", f"{name}: attention better than {other} by",
                    better, -cfg.margin, cfg.level))  # fmt: skip
    answer, deciding, more = combine(comparisons, cfg.level)
    lead = {
        "yes": "faithful: attention beats random and keeps up with every other ranking",
        "no": "not faithful",
        "undecided": "undecided",
    }[answer]
    detail = deciding_text(answer, deciding, comparisons, cfg.level)
    return Verdict("faithful", answer, FAITHFUL_RULE, f"{lead}; {detail}{needs(more)}",
                   tuple(comparisons), deciding, more)  # fmt: skip


# -- unique -----------------------------------------------------------------------------------
def seed_alternatives(pairs: pd.DataFrame, epsilon: float) -> pd.DataFrame:
    """Per base seed and instance, the JSD to the base seed's attention of the most divergent
    other seed whose output stays within `epsilon` (TVD) of the base seed's (instances
    without one are left out). `pairs`: `seed` (the base), `other_seed`, `id`, `jsd`, `tvd`."""
    within = pairs[pairs["tvd"] <= epsilon]
    return (
        within.groupby(["seed", "id"], as_index=False)["jsd"]
        .max()
        .rename(columns={"jsd": "seed_jsd"})
    )


def unique_evidence(
    pairs: pd.DataFrame, adversary: pd.DataFrame | None, trained: pd.DataFrame | None,
    epsilon: float,
) -> pd.DataFrame:  # fmt: skip
    """Per adversary source and base seed: on the instances where another seed keeps the
    output within `epsilon`, the mean JSD to the base attention of the adversary's most
    divergent attention within `epsilon` (0 where it found none: the model's own attention
    always keeps the output) and of that seed's, their mean difference, and the share of the
    instances the adversary was run on that this covers; `feasible`, the share of them where
    the adversary kept the output within `epsilon`.

    `adversary`: Jain & Wallace's per-instance search (`seed`, `id`, `max_jsd`, `n_feasible`,
    `output_tvd`); `trained`: Wiegreffe & Pinter's adversarial models (`lambda`, `seed`, `id`,
    `jsd_to_base`, `tvd_to_base`)."""
    seeds = seed_alternatives(pairs, epsilon)
    sources = []
    if adversary is not None and len(adversary):
        kept = (adversary["n_feasible"] > 0) & (adversary["output_tvd"] <= epsilon)
        sources.append(("per-instance adversary", adversary.assign(
            adv=adversary["max_jsd"].where(kept, 0.0), kept=kept)))  # fmt: skip
    if trained is not None and len(trained):
        for lam, sub in trained.groupby("lambda"):
            kept = sub["tvd_to_base"] <= epsilon
            name = f"trained adversary, lambda {format(lam, 'g')}"
            sources.append((name, sub.assign(adv=sub["jsd_to_base"].where(kept, 0.0), kept=kept)))
    rows = []
    for name, run in sources:
        both = run[["seed", "id", "adv"]].merge(seeds, on=["seed", "id"])
        for seed, kept in run.groupby("seed")["kept"]:
            mine = both[both["seed"] == seed]
            rows.append({
                "source": name, "seed": int(seed), "n_instances": len(mine),
                "coverage": len(mine) / len(kept), "feasible": float(kept.mean()),
                "adversary_jsd": mine["adv"].mean() if len(mine) else math.nan,
                "seed_jsd": mine["seed_jsd"].mean() if len(mine) else math.nan,
                "difference": (mine["adv"] - mine["seed_jsd"]).mean() if len(mine) else math.nan,
            })  # fmt: skip
    return pd.DataFrame(rows, columns=["source", "seed", "n_instances", "coverage", "feasible",
                                       "adversary_jsd", "seed_jsd", "difference"])  # fmt: skip


def unique(evidence: pd.DataFrame | None, cfg: settings.Params = None) -> Verdict:
    """From `unique_evidence`'s table: per source, the per-seed differences against the
    margin; not unique if any source (Holm) diverges beyond it, unique if every source stays
    below it."""
    cfg = settings.VerdictUnique.of(cfg)
    if evidence is None or evidence.empty:
        return Verdict("unique", "undecided", UNIQUE_RULE,
                       "no adversaries or no seed variance (fewer than 2 seeds)")  # fmt: skip
    comparisons, unused, decisive = [], [], []
    for source, sub in evidence.groupby("source", sort=False):
        rule_id = "unique." + source.replace(" ", "_").replace(",", "").replace("-", "_")
        informative = sub["feasible"].mean() >= cfg.min_feasible
        if not informative:  # an adversary that keeps no output shows nothing either way
            share, floor = 100 * sub["feasible"].mean(), 100 * cfg.min_feasible
            unused.append(f"{source} keeps the output on {share:.0f} % of instances (below "
                          f"{floor:g} %): not used")  # fmt: skip
        label = f"{source}: JSD above the other seeds' by"
        differences = sub["difference"] if informative else []
        found = compare(rule_id, label, differences, cfg.margin, cfg.level, yes_above=False)
        comparisons.append(found)
        if informative:
            decisive.append(found)
    answer, deciding, more = combine(decisive, cfg.level)
    lead = {
        "yes": "unique: no adversary keeps the output with attention further away than other seeds",
        "no": "not unique: an adversary keeps the output with attention further away than "
        "other seeds",
        "undecided": "undecided",
    }[answer]
    detail = deciding_text(answer, deciding, decisive, cfg.level)
    shown = evidence.groupby("source", sort=False)[["adversary_jsd", "seed_jsd", "coverage"]]
    means = "; ".join(
        f"{s}: JSD {r.adversary_jsd:.3f} vs seeds {r.seed_jsd:.3f} on {100 * r.coverage:.0f} % "
        "of instances" for s, r in shown.mean().iterrows()
    )  # fmt: skip
    notes = "".join(f"; {u}" for u in unused)
    return Verdict("unique", answer, UNIQUE_RULE,
                   f"{lead}; {detail}{needs(more)}; {means}{notes}", tuple(comparisons),
                   deciding, more)  # fmt: skip


# -- the table --------------------------------------------------------------------------------
COLUMNS = {
    "dataset": "the dataset",
    "model": "the model, <encoder>-<attention>",
    "question": "needed, faithful or unique",
    "answer": "yes, no or undecided",
    "rule": "the id of the comparison the answer rests on (docs/experiments.md#verdicts)",
    "estimate": "its mean per-seed difference",
    "lower": "the lower end of its interval (confidence 1 - level)",
    "upper": "the upper end",
    "margin": "the margin the interval is held against",
    "n_seeds": "seeds (paired) behind the interval",
    "seeds_needed": "for undecided answers, the seeds the observed spreads would need to decide "
    "the question (all its comparisons, corrected as the rule is)",
}


def rows(dataset: str, model: str, found: Sequence[Verdict]) -> tuple[list[dict], list[dict]]:
    """The verdicts.csv rows (one per question) and the comparison rows (every comparison
    behind them) of one dataset x model."""
    headline, detail = [], []
    for v in found:
        c = v.deciding
        headline.append({
            "dataset": dataset, "model": model, "question": v.question, "answer": v.answer,
            "rule": c.rule_id if c else f"{v.question}.no_evidence",
            **{k: getattr(c, k) if c else math.nan
               for k in ("estimate", "lower", "upper", "margin", "n_seeds")},
            "seeds_needed": v.seeds_needed,
        })  # fmt: skip
        for c in v.comparisons:
            detail.append({"dataset": dataset, "model": model, "question": v.question,
                           "rule": c.rule_id, "comparison": c.label, "answer": c.answer,
                           "estimate": c.estimate, "lower": c.lower, "upper": c.upper,
                           "margin": c.margin, "n_seeds": c.n_seeds,
                           "seeds_needed": c.seeds_needed, "p_yes": c.p_yes,
                           "p_no": c.p_no})  # fmt: skip
    return headline, detail
