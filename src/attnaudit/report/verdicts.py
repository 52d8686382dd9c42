"""The verdicts of the verdict pages: is attention needed, faithful, unique?

Each question has one rule, stated here in words (shown on every page) and applied to the
tables the workflow writes, one dataset x model at a time. Each returns a `Verdict`: the
answer ("yes", "no", "partly" or "undecided"), the rule, and one line with the numbers.
Intervals are 95 % Student-t intervals over seeds; "paired" differences are taken seed by
seed before the interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

NEEDED_RULE = (
    "Needed if the model with learned attention beats the same model trained with uniform "
    "attention: the 95 % interval of their test-F1 difference, paired by seed, lies above 0. "
    "Not needed if it includes 0 or lies below it. Undecided with fewer than 2 paired seeds "
    "or no uniform-attention model."
)
FAITHFUL_RULE = (
    "Faithful if attention's ERASER comprehensiveness (AOPC) beats the random ranking's (the "
    "95 % interval of their difference, paired by seed, above 0) and comes within the "
    "intervals of the best ranking's; partly if it beats random but falls short of the best "
    "ranking; not faithful if it does not beat random. Undecided with fewer than 2 seeds."
)
UNIQUE_RULE = (
    "Not unique if attention that keeps the output within epsilon (Jain & Wallace's "
    "adversaries) diverges from the model's attention more than the attention of the same "
    "model retrained with other seeds does on most instances (share above 50 %). Unique if "
    "it does so on at most half. Undecided without seed variance (fewer than 2 seeds) or "
    "without adversaries."
)


@dataclass(frozen=True)
class Verdict:
    question: str
    answer: str  # yes | no | partly | undecided
    rule: str
    evidence: str


def paired_interval(a: np.ndarray, b: np.ndarray) -> tuple[float, float, int]:
    """Mean of a - b, the half-width of its 95 % Student-t interval, and the pairs."""
    from scipy import special

    d = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    d = d[~np.isnan(d)]
    n = d.size
    if n < 2:
        return (float(d.mean()) if n else math.nan), math.nan, n
    half = float(special.stdtrit(n - 1, 0.975) * d.std(ddof=1) / np.sqrt(n))
    return float(d.mean()), half, n


def needed(learned: pd.Series | None, uniform: pd.Series | None) -> Verdict:
    """From the per-seed test F1 of the learned- and the uniform-attention model (indexed
    by seed)."""
    if learned is None or uniform is None or uniform.empty:
        return Verdict("needed", "undecided", NEEDED_RULE, "no uniform-attention model to compare")
    both = pd.concat([learned.rename("l"), uniform.rename("u")], axis=1, join="inner")
    mean, half, n = paired_interval(both["l"].to_numpy(), both["u"].to_numpy())
    numbers = (
        f"learned {both['l'].mean():.3f} vs uniform {both['u'].mean():.3f} test F1, "
        f"difference {mean:+.3f}"
    )
    if n < 2:
        return Verdict("needed", "undecided", NEEDED_RULE, f"{numbers} from {n} seed(s)")
    interval = f" (95 % interval {mean - half:+.3f} to {mean + half:+.3f}, {n} seeds)"
    answer = "yes" if mean - half > 0 else "no"
    lead = (
        "needed: uniform attention loses"
        if answer == "yes"
        else ("not needed: uniform attention is within the seed interval")
    )
    return Verdict("needed", answer, NEEDED_RULE, f"{lead}; {numbers}{interval}")


def faithful(per_seed: pd.DataFrame) -> Verdict:
    """From the per-seed mean AOPC comprehensiveness of each ranking (columns `ranking`,
    `seed`, `aopc_comprehensiveness`; random pooled over its orderings)."""
    if per_seed.empty or "attention" not in set(per_seed["ranking"]):
        return Verdict("faithful", "undecided", FAITHFUL_RULE, "no ERASER results")
    wide = per_seed.pivot_table(index="seed", columns="ranking", values="aopc_comprehensiveness")
    n = len(wide)
    if n < 2 or "random" not in wide:
        return Verdict(
            "faithful",
            "undecided",
            FAITHFUL_RULE,
            f"attention AOPC {wide['attention'].mean():.3f} from {n} seed(s)",
        )
    over, half, _ = paired_interval(wide["attention"], wide["random"])
    others = [c for c in wide if c not in ("attention", "random")]
    means = wide.mean()
    halves = {c: paired_interval(wide[c].to_numpy(), np.zeros(n))[1] for c in wide}
    best = max(others, key=lambda c: means[c]) if others else None
    numbers = (
        f"attention AOPC {means['attention']:.3f} ± {halves['attention']:.3f}, random "
        f"{means['random']:.3f}, difference {over:+.3f} ± {half:.3f}"
    )
    if best is not None:
        numbers += f"; best ranking {best} {means[best]:.3f} ± {halves[best]:.3f}"
    if not over - half > 0:
        return Verdict(
            "faithful",
            "no",
            FAITHFUL_RULE,
            f"not faithful: attention does not beat random; {numbers}",
        )
    if best is None or (means["attention"] + halves["attention"]
                        >= means[best] - halves[best]):  # fmt: skip
        return Verdict(
            "faithful",
            "yes",
            FAITHFUL_RULE,
            f"faithful: attention beats random and matches the best; {numbers}",
        )
    return Verdict(
        "faithful",
        "partly",
        FAITHFUL_RULE,
        f"partly: attention beats random but not the best ranking; {numbers}",
    )


def unique(seed_variance: pd.Series | None) -> Verdict:
    """From a row of the seed-variance table (`seed_jsd_mean`, `adversary_jsd_mean`,
    `adversary_above_seeds`, `n_adversary_instances`, `n_other_seeds`)."""
    if seed_variance is None or not seed_variance.get("n_other_seeds", 0):
        return Verdict("unique", "undecided", UNIQUE_RULE, "no seed variance: fewer than 2 seeds")
    if not seed_variance.get("n_adversary_instances", 0):
        return Verdict(
            "unique",
            "undecided",
            UNIQUE_RULE,
            f"seed JSD {seed_variance['seed_jsd_mean']:.3f}; no adversaries",
        )
    share = float(seed_variance["adversary_above_seeds"])
    numbers = (
        f"adversarial max JSD {seed_variance['adversary_jsd_mean']:.3f} vs seed JSD "
        f"{seed_variance['seed_jsd_mean']:.3f}; adversary above the seeds on {100 * share:.0f} "
        f"% of {int(seed_variance['n_adversary_instances'])} instances"
    )
    if share > 0.5:
        return Verdict(
            "unique",
            "no",
            UNIQUE_RULE,
            f"not unique: other weights give the same output; {numbers}",
        )
    return Verdict(
        "unique", "yes", UNIQUE_RULE, f"unique: adversaries stay within the seed noise; {numbers}"
    )
