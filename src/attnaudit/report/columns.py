"""What the columns of the result tables hold: one text per column, named by the table's
entry in `report.catalogue`, shown on the table's own page in report.html
(`stages.report.publish`) and in the glossaries of the verdict pages (`report.pages`), so
the two never say different things."""

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

LEARNED_VS_UNIFORM = {
    "attention": "the learned attention; uniform is the same encoder with attention fixed at "
    "1/T over the tokens, trained from scratch",
    "mean": f"{F1} with learned attention, mean over seeds",
    "std": "standard deviation of the F1 over seeds",
    "n": "seeds",
    "mean_uniform": "the same encoder with uniform attention: mean F1 over seeds",
    "std_uniform": "its standard deviation over seeds",
    "n_uniform": "its seeds",
    "delta": "mean - mean_uniform: what learned attention adds",
}
"""Wiegreffe & Pinter's Table 2: learned vs uniform attention (learned_vs_uniform.csv)."""

DATASET_STATISTICS = {
    "type": "the registry entry the dataset was read with",
    "n_classes": "classes",
    "vocab_size": "words seen at least min_count times in train",
    "n_train": "instances in train",
    "n_dev": "instances in dev",
    "n_test": "instances in test",
    "n_total": "instances in all three splits",
    "train_classes": "instances per class in train, class 0 first",
    "test_classes": "instances per class in test",
    "majority_share": "share of the largest class over all splits",
    "mean_length": "mean length in tokens over all splits",
    "median_length_train": "median length in train",
    "p90_length_train": "90th percentile of the length in train",
    "max_length": "longest instance over all splits",
    "resplit_from_test": "re-split from the official test split alone: numbers not "
    "comparable with the papers'",
}
"""The papers' Table 1: the datasets after preprocessing (dataset_statistics.csv)."""

TAU_PER_SEED = {
    **TAU_COLUMNS,
    "tau_mean": "mean of tau over the instances",
    "tau_std": "standard deviation of tau over the instances",
    "sig_frac": "share of the instances with p <= 0.05",
    "n": "instances",
}
"""Kendall tau per seed, before the mean over seeds (tau_per_seed.csv)."""


def binned(value: str) -> dict[str, str]:
    """What the columns of a `tables.by_attention_bin` table of `value` hold."""
    return {
        "pred": "the instances' predicted class",
        "bin": "bin of the instance's largest attention weight: [a, b) holds a <= max < b",
        "mean": f"per seed, the median of {value} over the bin's instances; the mean of these "
        "medians over seeds",
        "std": "standard deviation of the per-seed medians",
        "n": "seeds with at least one instance in the bin (the interval's n)",
    }


FAITHFULNESS = {
    "ranking": "the token ranking (random: pooled over its orderings)",
    "aopc_comprehensiveness": "AOPC of comprehensiveness (ERASER's scorer: the mean over the "
    "bins of percents, no k = 0 term), mean over seeds of the per-seed mean over instances "
    "(higher = more faithful)",
    "aopc_sufficiency": "AOPC of sufficiency, likewise (lower = more faithful)",
    "aopc_comprehensiveness_random": "the random ranking's AOPC comprehensiveness (chance)",
    "aopc_comprehensiveness_over_random": "this ranking's minus the random ranking's",
    "aopc_sufficiency_random": "the random ranking's AOPC sufficiency (chance)",
    "aopc_sufficiency_over_random": "this ranking's minus the random ranking's",
    "precision_at_k": "share of the k planted tokens among the ranking's top k, mean over "
    "seeds of the per-seed mean over instances (rows whose label the noise replaced left out)",
    "average_precision": "average precision of the ranking against the planted tokens",
    "distractor_share": "share of the same top k on the distractors (the other class's "
    "planted signal words: counter-evidence that also decides the label)",
    "evidence_precision_at_k": "share of the e evidence tokens (planted and distractors) "
    "among the ranking's top e",
    "evidence_average_precision": "average precision of the ranking against the evidence",
    "precision_at_k_random": "the random ranking's (chance)",
    "average_precision_random": "the random ranking's (chance)",
    "distractor_share_random": "the random ranking's (chance)",
    "evidence_precision_at_k_random": "the random ranking's (chance)",
    "evidence_average_precision_random": "the random ranking's (chance)",
    "n_seeds": "seeds",
}
"""ERASER AOPC and planted-token recovery per ranking (aopc.csv, planted.csv)."""

REPLACEMENT = {
    "replacement": "the attention weights used at inference: the model's own (learned), "
    "uniform, random, its own permuted, or removed (every weight 0: what the decision owes "
    "to paths around the attention, the decoder's bias alone for a flat model)",
    "accuracy": "test accuracy, mean over seeds (per seed averaged over draws)",
    "f1": "test F1 (binary: positive class; k classes: macro over the dataset's classes), likewise",
    "accuracy_drop": "learned minus replaced accuracy, paired by seed, mean over seeds",
    "f1_drop": "learned minus replaced F1, paired by seed, mean over seeds",
    "n_seeds": "seeds",
}
"""Vashishth et al.'s weights replaced at inference (replacement.csv)."""

REPRODUCTION = {
    "statistic": "the statistic, named as the source names it",
    "source": "where the value is printed (paper, table) or measured (original code)",
    "source_value": "the source's value",
    "this_workflow": "this workflow's value of the same statistic, mean over seeds",
    "difference": "this workflow's mean minus the source's value",
    "tolerance": "the largest |difference| counted as reproduced, per kind of statistic",
    "within_tolerance": "yes when |difference| <= tolerance, else no",
    "reason_for_gap": "why the values may differ",
}
"""The papers' numbers beside this workflow's (reproduction.csv)."""

AGREEMENT = {
    "ranking": "the token ranking (random and each head: a mean over their orderings)",
    "tau_gradient": "Kendall tau-b with the gradient |d p_yhat / d e_t . e_t|, mean over seeds "
    "of the per-seed mean over instances",
    "tau_loo": "Kendall tau-b with leave-one-out, likewise",
    "tau_integrated_gradients": "Kendall tau-b with Integrated Gradients, likewise",
}

OPEN_QUESTIONS_NEEDS = {
    "dataset": "the dataset (its name in the config)",
    "model": "the model with learned attention, <encoder>-<attention>",
    "control": "its uniform control: the same encoder with uniform attention",
    "n_seeds": "seeds with both runs (the pairs of the interval)",
    "learned_f1": f"{F1} with learned attention, mean over seeds",
    "uniform_f1": f"{F1} of the uniform control, mean over seeds",
    "difference": "learned minus uniform test F1, mean of the per-seed differences",
    "lower": "lower end of its 95 % Student-t interval over seeds",
    "upper": "upper end of that interval",
    "margin": "the smallest gain that counts as a need (verdicts.needed.margin)",
    "needed": "the verdict: yes, no or undecided (the rule above the table)",
    "seeds_needed": "undecided: the seeds at which the observed spread would decide",
    "built_in": "the answer the synthetic task has by construction (blank: none set)",
    "recovered": "whether the verdict equals the built-in answer (blank: undecided or none)",
}
"""The open questions' first section: which tasks need attention (open_questions/needs.csv)."""

OPEN_QUESTIONS_ENCODERS = {
    "dataset": "the dataset",
    "measure": "the measure (the page's figure titles say what each is)",
    "model": "the model with learned attention, <encoder>-<attention>",
    "n_seeds": "seeds with a value",
    "mean": "the measure's mean over seeds (one number per run)",
    "lower": "lower end of its 95 % Student-t interval over seeds",
    "upper": "upper end of that interval",
}
"""The open questions' second section: each encoder's measures (open_questions/encoders.csv)."""

OPEN_QUESTIONS_ENCODER_DIFFERENCES = {
    "dataset": "the dataset",
    "measure": "the measure",
    "first": "one model of the pair",
    "second": "the other",
    "n_seeds": "seeds with both values (the pairs of the test)",
    "difference": "first minus second, mean of the per-seed differences",
    "p_paired": "two-sided p value of the paired t-test (1: fewer than 2 seeds)",
    "differ": "whether they differ after Holm's correction over the pairs of the measure",
}
"""The pairs behind the second section's findings (open_questions/encoder_differences.csv)."""

OPEN_QUESTIONS_COMPLEXITY = {
    "dataset": "the dataset",
    "axis": "the swept quantity: hidden_size (the encoder's) or train_fraction (the share of "
    "the training split)",
    "measure": "test_accuracy; permutation_tvd (median output change when attention is "
    "permuted); adversary_jsd (mean max JSD of an adversarial attention within epsilon)",
    "n_models": "sweep models with a value (one per swept value and seed)",
    "n_values": "distinct swept values among them",
    "rho": "Spearman's rank correlation of the swept value with the measure",
    "lower": "lower end of its Fisher-z interval (Bonett & Wright's standard error)",
    "upper": "upper end of that interval",
    "trend": "rises (interval above 0), falls (below 0) or undecided",
}
"""The open questions' complexity section: the trends (open_questions/complexity.csv)."""

OPEN_QUESTIONS_COMPLEXITY_VALUES = {
    "dataset": "the dataset",
    "axis": "the swept quantity: hidden_size or train_fraction",
    "value": "its value",
    "measure": "the measure (as in open_questions/complexity.csv)",
    "n_seeds": "seeds with a value",
    "mean": "the measure's mean over seeds",
    "lower": "lower end of its 95 % Student-t interval over seeds",
    "upper": "upper end of that interval",
}
"""Each swept value's measures over seeds (open_questions/complexity_values.csv)."""

OPEN_QUESTIONS_CLASS_EFFECTS = {
    "dataset": "the dataset",
    "measure": "top_below_other (share of instances whose top-attended item supports the "
    "predicted class less than some item supports another class); counter_attention "
    "(attention on the items that lower the predicted class minus their share of the items); "
    "permutation_elsewhere (share of instances where permuting attention moves another class "
    "more than the predicted one)",
    "model": "the model with learned attention, <encoder>-<attention>",
    "n_seeds": "seeds with a value",
    "mean": "the measure's mean over seeds (one number per run)",
    "lower": "lower end of its 95 % Student-t interval over seeds",
    "upper": "upper end of that interval",
    "answer": "counter_attention only: avoids (interval below 0), seeks (above 0) or undecided",
}
"""The open questions' last section (open_questions/class_effects.csv)."""

OPEN_QUESTIONS_CLASS_EFFECTS_PER_CLASS = {
    "dataset": "the dataset",
    "model": "the model with learned attention",
    "cls": "the class id",
    "class_name": "its name in the data",
    "n_seeds": "seeds with a value",
    "share_lowering": "mean share of an instance's items whose presence lowers the class",
    "attention_lowering": "mean attention on those items",
    "top_support": "mean support of the top-attended item for the class (p minus p without it)",
    "gap": "attention_lowering minus share_lowering, mean over seeds",
    "gap_lower": "lower end of its 95 % interval over seeds",
    "gap_upper": "upper end of that interval",
}
"""The items that lower each class (open_questions/class_effects_per_class.csv)."""

OPEN_QUESTIONS_TRANSFER = {
    "dataset": "the dataset",
    "donor": "the run whose attention is frozen into the student, <encoder>-<attention>",
    "student": "the encoder trained with it (no attention parameters of its own)",
    "n_seeds": "seeds with both values (paired)",
    "guided_f1": "mean test F1 of the student with the donor's attention",
    "own_f1": "mean test F1 of the student with its own learned attention (its run)",
    "uniform_f1": "mean test F1 of the student with uniform attention (its run)",
    "over_uniform": "guided minus uniform test F1, mean of the per-seed differences",
    "over_uniform_lower": "lower end of its interval (the verdicts' level)",
    "over_uniform_upper": "upper end of that interval",
    "gains": "the rule 'needed' on guided against uniform: yes (gains), no, undecided",
    "own_minus_guided": "own learned minus guided test F1, mean of the per-seed differences",
    "own_minus_guided_lower": "lower end of its interval",
    "own_minus_guided_upper": "upper end of that interval",
    "loses": "the rule 'needed' on own against guided: yes (the student loses), no, undecided",
    "margin": "the verdicts' needed margin (test F1)",
}
"""The open questions' transfer matrix (open_questions/transfer.csv)."""
