"""What the columns of the result tables hold: one text per column, shown on the table's
own page in report.html (`stages.report.publish`) and in the glossaries of the verdict
pages (`report.pages`), so the two never say different things."""

from __future__ import annotations

F1 = "test F1 (binary tasks: of the positive class; k-class tasks: macro average over classes)"


def interval_columns(prefix: str, what: str) -> dict[str, str]:
    """`<prefix>` and `<prefix>_std` of a statistic `what` over seeds (the page says what
    `<prefix>_ci95` holds)."""
    return {
        prefix: f"{what}, mean over seeds",
        f"{prefix}_std": "its standard deviation over seeds",
    }


TAU_COLUMNS = {
    "pair": "the two importance measures compared: attn_grad attention vs gradient, attn_loo "
    "attention vs leave-one-out, grad_loo gradient vs leave-one-out",
    "pred": "the instances' predicted class",
}

TAU = {
    **TAU_COLUMNS,
    "tau_mean": "per seed the mean tau over instances; the mean of these over seeds",
    "tau_std": "per seed the standard deviation of tau over instances; their mean over seeds",
    "sig_frac": "per seed the share of instances with p <= 0.05; its mean over seeds",
    "n_seeds": "seeds",
    "n_instances": "instances, all seeds together",
}
"""Jain & Wallace's Table 2: Kendall tau by predicted class over seeds (tau.csv)."""

ADVERSARY = {
    "mean_max_jsd": "per seed the mean max_jsd over instances (natural log, at most ln 2 = "
    "0.693); the mean of these over seeds",
    "ci95": "half-width of the 95 % interval of mean_max_jsd (see above)",
    "share_above_0.5": "per seed the share of instances with max_jsd > 0.5; its mean over seeds",
    "epsilon": "the output TVD where the search's hinge starts",
    "select_epsilon": "the largest output TVD a kept candidate may have",
    "n_seeds": "seeds",
}
"""Jain & Wallace's adversarial attention per model (adversary.csv)."""

FLIP_CELL = (
    "per seed the percent of instances where erasing the ranking's top item {} the decision "
    "and erasing a random other item {} it; the mean over seeds"
)

DECISION_FLIPS = {
    "ranking": "what ranks the items (attention: the most attended item is erased)",
    **{
        f"top {a}, random {b}": FLIP_CELL.format(a, b)
        for a in ("flips", "keeps")
        for b in ("flips", "keeps")
    },
}
"""Serrano & Smith's Table 2: decision flips, top item vs a random one (decision_flips.csv)."""

FLIP_FRACTIONS = {
    "ranking": "the order in which items are erased (random: random orders, pooled)",
    "median_fraction": "per seed the median over flipped instances of the fraction of items "
    "erased when the decision first flips; mean over seeds",
    "never_flipped": "per seed the share of instances that never flip; mean over seeds",
    "median_fraction_all": "as median_fraction over all instances, a never-flipped one "
    "counted as 1",
    "fewer_than_attention": "over the instances that both this ranking and attention flip, "
    "the share where this ranking erases fewer items (empty for attention)",
    "more_than_attention": "the same, the share where it erases more",
    "n_seeds": "seeds",
}
"""Serrano & Smith's Figures 4-6: items erased before the decision flips (flip_fractions.csv)."""

SEED_VARIANCE = {
    "base_seed": "the seed the others are compared with",
    "n_other_seeds": "other seeds",
    "n_instances": "test instances",
    "seed_jsd_mean": "per instance the median over the other seeds of JSD(their attention, "
    "the base seed's); its mean over instances",
    "seed_jsd_median": "its median over instances",
    "seed_tvd_mean": "the same for the TVD of the outputs: mean over instances",
    "adversary_jsd_mean": "Jain & Wallace's adversarial max JSD of the base seed's model, mean "
    "over the same instances",
    "adversary_above_seeds": "share of those instances where the adversary's JSD exceeds the "
    "seeds' median JSD",
    "n_adversary_instances": "instances with both numbers",
}
"""Wiegreffe & Pinter's seed variance beside the adversarial JSD (seed_variance.csv)."""

GUIDED_MLP = {
    "variant": "whose attention the MLP is given: uniform (1/T), own (a trained no-encoder "
    "model's), base (the base model's), adversary (the end-to-end adversary's)",
    "mean": f"{F1} of the guided MLP, mean over seeds",
    "std": "standard deviation over seeds",
    "n": "seeds",
    "guide": "the run whose attention is the guide",
}
"""Wiegreffe & Pinter's Table 3: the guided MLP (guided_mlp.csv)."""

ADVERSARIAL = {
    "lambda": "weight of the attention divergence in the adversary's loss "
    "TVD(outputs) - lambda * KL(attention)",
    "base_model": "the model the adversary is trained against (same seed)",
    **interval_columns("f1", f"the adversary's {F1}"),
    **interval_columns(
        "tvd",
        "per seed the mean over test instances of the TVD between the adversary's output and "
        "the base model's",
    ),
    **interval_columns(
        "jsd",
        "per seed the mean over test instances of the JSD between the adversary's attention "
        "and the base model's",
    ),
    "base_f1": "the base model's test F1 over the same seeds, mean",
    "base_f1_std": "its standard deviation over seeds",
    "n_seeds": "seeds",
}
"""Wiegreffe & Pinter's Table 4: the end-to-end adversarial models (adversarial.csv)."""
