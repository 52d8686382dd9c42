"""Every published table and figure, declared once: its file under results/report/, its
title, the paragraph its page opens with, its caption in report.html and what its columns
hold. The aggregate jobs write pages from these entries (`stages.report.publish`), the
verdict pages find their tables by entry (`report.pages`), and a test checks that the
report's captions and docs/outputs.md name every entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from attnaudit.report import columns

REPORT = "results/report"


@dataclass(frozen=True)
class Item:
    """One table or figure. `name` is its path under results/report/ without suffix (a
    table has `<name>.csv` and `<name>.html`, most also `<name>.md`; a figure is
    `<name>.png`); `intro` may hold `{fields}` the job fills in (`text`); `caption` is its
    description file in workflow/report/; `columns`, what each CSV column holds."""

    name: str
    title: str
    caption: str
    intro: str = ""
    columns: Mapping[str, str] = field(default_factory=dict)
    floatfmt: str = ".3f"
    formats: Mapping[str, str] = field(default_factory=dict)

    @property
    def figure(self) -> bool:
        return self.name.startswith("figures/")

    def path(self, suffix: str) -> str:
        """The file with `suffix` (`.csv`, `.html`, `.md`, `.png`) under results/report/."""
        return f"{REPORT}/{self.name}{suffix}"

    @property
    def csv(self) -> str:
        return self.path(".csv")

    @property
    def file_name(self) -> str:
        """The CSV's (a table's) or the PNG's (a figure's) file name, as pages cite it."""
        return PurePosixPath(self.path(".png" if self.figure else ".csv")).name

    def text(self, **fields) -> str:
        """The intro with the job's `fields` (such as `epsilon`) filled in."""
        return self.intro.format(**fields) if fields else self.intro


def table(name, title, caption, intro, cols=None, **view) -> Item:
    return Item(name, title, caption, intro, cols or {}, **view)


def figure(name, title, caption) -> Item:
    return Item(f"figures/{name}", title, caption)


ITEMS = [
    table(
        "dataset_statistics", "Datasets (the papers' Table 1)", "dataset_statistics.rst",
        "Datasets after preprocessing: instances per split and class, vocabulary (train only,"
        " min count), and lengths in tokens (without <SOS>/<EOS>).",
        columns.DATASET_STATISTICS,
        formats={"mean_length": ".1f", "median_length_train": ".0f", "p90_length_train": ".0f"},
    ),
    table(
        "reproduction", "Reproduction: the papers' numbers and this workflow's",
        "reproduction.rst",
        "Per compared number: the statistic as its source names it (test F1 where the paper "
        "reports F1); the source (a paper's table, or the original Jain & Wallace code run on "
        "this project's 2-core machines: SST, 50-d GloVe as configs/sst.yaml, seed 1) and its "
        "value; this workflow's value, per seed from its test-split tables, then over seeds; "
        "the difference; the stated tolerance and whether the difference lies within it; the "
        "reason for a gap.",
        columns.REPRODUCTION,
    ),
    table(
        "learned_vs_uniform", "Learned vs uniform attention (Wiegreffe & Pinter 2019, Table 2)",
        "learned_vs_uniform_table.rst",
        "Test F1 (binary tasks: of the positive class; k-class tasks: macro average over "
        "classes), mean ± std over seeds (number of seeds), learned vs uniform attention.",
        columns.LEARNED_VS_UNIFORM,
    ),
    figure(
        "learned_vs_uniform", "Figure: test F1 per seed, learned vs uniform attention",
        "learned_vs_uniform.rst",
    ),
    table(
        "open_questions/needs", "Open questions: which tasks need attention?",
        "open_questions_needs_table.rst",
        "Per dataset and model with learned attention: test F1 against its uniform control, "
        "paired by seed, the verdict of the rule 'needed' (margin and level of "
        "verdicts.needed) and, for a synthetic task, the answer built into it.",
        columns.OPEN_QUESTIONS_NEEDS,
        formats={"seeds_needed": ".0f", "margin": "g"},
    ),
    figure(
        "open_questions_needs", "Figure: which tasks need attention (learned minus uniform F1)",
        "open_questions_needs.rst",
    ),
    table(
        "open_questions/encoders", "Open questions: what the encoder changes",
        "open_questions_encoders_table.rst",
        "Per dataset, measure and model with learned attention: the measure's mean over seeds "
        "(one number per run) with its 95 % interval.",
        columns.OPEN_QUESTIONS_ENCODERS,
    ),
    table(
        "open_questions/encoder_differences",
        "Open questions: which encoders differ, measure by measure",
        "open_questions_encoder_differences_table.rst",
        "Per dataset, measure and pair of models with learned attention: the mean per-seed "
        "difference, the paired t-test and whether they differ after Holm's correction.",
        columns.OPEN_QUESTIONS_ENCODER_DIFFERENCES,
        formats={"p_paired": ".3g"},
    ),
    figure(
        "open_questions_encoders", "Figure: what the encoder changes, measure by measure",
        "open_questions_encoders.rst",
    ),
    table(
        "open_questions/complexity", "Open questions: what makes adversarial attention easy?",
        "open_questions_complexity_table.rst",
        "Per dataset, swept quantity (hidden size, training share) and measure: Spearman's "
        "rank correlation between the swept value and the measure over the sweep's models, "
        "its interval, and the trend it supports.",
        columns.OPEN_QUESTIONS_COMPLEXITY,
        formats={"rho": "+.3f", "lower": "+.3f", "upper": "+.3f"},
    ),
    table(
        "open_questions/complexity_values", "Open questions: each measure per swept value",
        "open_questions_complexity_values_table.rst",
        "Per dataset, swept quantity, value and measure: the mean over seeds (one model per "
        "seed) with its 95 % interval.",
        columns.OPEN_QUESTIONS_COMPLEXITY_VALUES,
        formats={"value": "g"},
    ),
    figure(
        "open_questions_complexity",
        "Figure: adversaries, permutation and accuracy over hidden size and training share",
        "open_questions_complexity.rst",
    ),
    table(
        "open_questions/class_effects", "Open questions: beyond the decision",
        "open_questions_class_effects_table.rst",
        "Per dataset, measure and model with learned attention: the mean over seeds (one "
        "number per run, a mean over its test instances) with its 95 % interval and, for "
        "counter_attention, the rule's answer.",
        columns.OPEN_QUESTIONS_CLASS_EFFECTS,
    ),
    table(
        "open_questions/class_effects_per_class", "Open questions: the items that lower each class",
        "open_questions_class_effects_per_class_table.rst",
        "Per dataset, model and class: the share of an instance's items whose presence lowers "
        "the class, the attention on them and the top-attended item's support for the class, "
        "means over seeds; the attention minus the share with its 95 % interval.",
        columns.OPEN_QUESTIONS_CLASS_EFFECTS_PER_CLASS,
    ),
    figure(
        "open_questions_class_effects", "Figure: beyond the decision, measure by measure",
        "open_questions_class_effects.rst",
    ),
    table(
        "open_questions/transfer", "Open questions: transferring attention between models",
        "open_questions_transfer_table.rst",
        "Per dataset, donor run and student encoder: test F1 of the student with the donor's "
        "attention frozen, with its own learned and with uniform attention, and the two paired "
        "comparisons with their intervals and the rule's answers.",
        columns.OPEN_QUESTIONS_TRANSFER,
        formats={"margin": "g"},
    ),
    figure(
        "open_questions_transfer", "Figure: the transfer matrix, donor x student",
        "open_questions_transfer.rst",
    ),
    table(
        "jain_wallace/tau_per_seed", "Kendall tau per seed", "jain_wallace_tau_per_seed.rst",
        "Kendall tau-b between two importance measures over an instance's tokens, per "
        "seed and predicted class (instances whose tau is undefined are left out).",
        columns.TAU_PER_SEED,
    ),
    table(
        "jain_wallace/tau",
        "Kendall tau between importance measures (Jain & Wallace 2019, Table 2)",
        "jain_wallace_tau.rst",
        "Kendall tau-b per instance, by predicted class: mean ± std over instances (fraction "
        "with p <= 0.05), averaged over seeds (Jain & Wallace 2019, Table 2).",
        columns.TAU,
    ),
    table(
        "jain_wallace/permutation_by_max_attention",
        "Permuting attention, by max attention (Jain & Wallace 2019, Figure 5)",
        "jain_wallace_permutation_table.rst",
        "Output change when an instance's attention weights are permuted over its tokens "
        "(hidden states fixed): per instance the median over permutations of the TVD between "
        "the outputs, then per seed its median over the instances of a max-attention bin and "
        "predicted class, then the mean over seeds.",
        columns.binned("the median output change (TVD)"),
    ),
    figure(
        "jain_wallace_permutation", "Figure: output change by max attention (their Figure 5)",
        "jain_wallace_permutation.rst",
    ),
    table(
        "jain_wallace/adversary", "Adversarial attention (Jain & Wallace 2019, section 4.2.2)",
        "jain_wallace_adversary_table.rst",
        "Per instance, the largest JSD to the model's attention of an attention distribution "
        "that keeps the output within TVD {epsilon:g} (max_jsd; 0 when no candidate "
        "qualifies), summarised per seed, then over seeds.",
        columns.ADVERSARY,
    ),
    table(
        "jain_wallace/adversary_by_max_attention",
        "Adversarial attention, by max attention (Jain & Wallace 2019, Figure 7)",
        "jain_wallace_adversary_binned_table.rst",
        "The largest JSD of an adversarial attention with output TVD <= {epsilon:g} (max_jsd), "
        "per max-attention bin and predicted class.",
        columns.binned("max_jsd"),
    ),
    figure(
        "jain_wallace_adversary_histogram", "Figure: distribution of max JSD (their Figure 6)",
        "jain_wallace_adversary_histogram.rst",
    ),
    figure(
        "jain_wallace_adversary_by_max_attention",
        "Figure: max JSD by max attention (their Figure 7)",
        "jain_wallace_adversary_by_max_attention.rst",
    ),
    table(
        "serrano_smith/decision_flips",
        "Decision flips: top item vs a random item (Serrano & Smith 2019, Table 2)",
        "serrano_smith_decision_flips.rst",
        "Decision flips after erasing the top-ranked item vs a random other item, percent of "
        "instances, mean over seeds (Serrano & Smith 2019, Table 2).",
        columns.DECISION_FLIPS, floatfmt=".1f",
    ),
    figure(
        "serrano_smith_delta_jsd", "Figure: Δ JSD vs Δ attention (their Figure 3)",
        "serrano_smith_delta_jsd.rst",
    ),
    table(
        "serrano_smith/flip_fractions",
        "Multi-weight erasure: items erased before the decision flips (Serrano & Smith 2019, "
        "Figures 4-6)",
        "serrano_smith_flip_fractions_table.rst",
        "Fraction of items erased (in ranking order) before the decision flips: median over "
        "flipped instances and the share never flipped (Serrano & Smith 2019, Figures 4-6); "
        "the median over all instances with a never-flipped one counted as 1 (all items), "
        "since rankings that flip different shares are otherwise compared on different "
        "instances; and, over the instances that both a ranking and attention flip, the "
        "share where the ranking needs fewer (more) items than attention. Means over seeds "
        "with 95 % intervals.",
        columns.FLIP_FRACTIONS,
    ),
    figure(
        "serrano_smith_flip_fractions", "Figure: fraction erased before a flip (their Figures "
        "4-6)", "serrano_smith_flip_fractions.rst",
    ),
    table(
        "wiegreffe_pinter/seed_variance",
        "Seed variance vs adversarial attention (Wiegreffe & Pinter 2019, section 4)",
        "wiegreffe_pinter_seed_variance_table.rst",
        "Seed variance: per test instance the median over the other seeds of the JSD between "
        "their attention and the base seed's (and of the output TVD), mean over instances; "
        "Jain & Wallace's adversarial max JSD of the base seed on the same instances, and the"
        " share of instances where it exceeds the seed JSD (Wiegreffe & Pinter 2019, section "
        "4).",
        columns.SEED_VARIANCE, floatfmt=".4f",
    ),
    table(
        "wiegreffe_pinter/seed_variance_by_max_attention",
        "Seed variance vs adversarial attention, by max attention (Wiegreffe & Pinter 2019, "
        "Figure 2)",
        "wiegreffe_pinter_seed_variance_binned_table.rst",
        "Per max-attention bin and predicted class, the JSD to the model's attention of the "
        "other seeds' attention (source 'other seeds': the per-instance median over the other "
        "seeds, for the base seed's model only, so n is 1 and ci95 is blank) and of Jain & "
        "Wallace's adversarial attention (source 'adversarial attention': max_jsd, over all "
        "seeds).",
        {**columns.binned("the JSD"), "source": "where the JSD comes from"},
    ),
    figure(
        "wiegreffe_pinter_seed_variance",
        "Figure: seed JSD vs adversarial JSD by max attention",
        "wiegreffe_pinter_seed_variance.rst",
    ),
    figure(
        "wiegreffe_pinter_seed_jsd_vs_tvd", "Figure: attention JSD vs output TVD across seeds",
        "wiegreffe_pinter_seed_jsd_vs_tvd.rst",
    ),
    table(
        "wiegreffe_pinter/guided_mlp", "Guided MLP (Wiegreffe & Pinter 2019, Table 3)",
        "wiegreffe_pinter_guided_mlp.rst",
        "Test F1 of the no-encoder token MLP trained with its attention frozen to each "
        "guide's weights, mean ± std over seeds (number of seeds) (Wiegreffe & Pinter 2019, "
        "Table 3).",
        columns.GUIDED_MLP,
    ),
    table(
        "wiegreffe_pinter/adversarial",
        "End-to-end adversarial models (Wiegreffe & Pinter 2019, Table 4)",
        "wiegreffe_pinter_adversarial_table.rst",
        "End-to-end adversarial models: test F1, and the mean over test instances of the TVD "
        "of outputs and the JSD of attention to the base model, mean ± std over seeds, per "
        "lambda; epochs selected on dev by the lowest adversarial loss (Wiegreffe & Pinter "
        "2019, Table 4).",
        columns.ADVERSARIAL,
        formats={"lambda": "g", **{f"{m}{s}": ".4f" for m in ("tvd", "jsd")
                                   for s in ("", "_std", "_ci95")}},
    ),  # fmt: skip
    figure(
        "wiegreffe_pinter_adversarial",
        "Figure: attention JSD vs output TVD per lambda (their Figure 4)",
        "wiegreffe_pinter_adversarial.rst",
    ),
    table(
        "faithfulness/aopc", "ERASER faithfulness per token ranking (DeYoung et al. 2020)",
        "faithfulness_aopc_table.rst",
        "AOPC of comprehensiveness (the drop in the predicted class's probability when a "
        "ranking's top tokens are deleted; higher = more faithful) and of sufficiency (the "
        "drop when only they are kept; lower = more faithful), over the top 1, 5, 10, 20 and "
        "50 % of the real tokens; per seed a mean over test instances, then over seeds; the "
        "random ranking's value beside each (chance).",
        columns.FAITHFULNESS,
    ),
    figure("faithfulness_aopc", "Figure: AOPC per ranking", "faithfulness_aopc.rst"),
    table(
        "faithfulness/agreement", "Agreement of every ranking with the input-level ones",
        "faithfulness_agreement_table.rst",
        "Kendall tau-b between each ranking's token scores and those of the gradient, "
        "leave-one-out and Integrated Gradients on the same test instance (a pretrained "
        "transformer's rows include its own explanations: each head, norm-based attention, "
        "rollout, flow); per seed a mean over instances (and orderings), then over seeds.",
        columns.AGREEMENT,
    ),
    table(
        "faithfulness/planted", "Recovery of the planted deciding tokens",
        "faithfulness_planted_table.rst",
        "Datasets that plant the tokens that decide the label: per ranking the precision of "
        "its top k tokens (k = the number planted), its average precision and the share of "
        "that top k on the distractors (the other class's signal words, counter-evidence), "
        "and precision and average precision against the evidence (planted and distractors); "
        "per seed a mean over the test instances whose label the noise left alone, then over "
        "seeds; the random ranking's value beside each (chance).",
        columns.FAITHFULNESS,
    ),
    figure("faithfulness_planted", "Figure: planted tokens found", "faithfulness_planted.rst"),
    table(
        "vashishth/replacement",
        "Is the learned attention needed at inference? (Vashishth et al. 2019)",
        "vashishth_replacement.rst",
        "Each model's learned weights replaced, with the hidden states fixed, by uniform "
        "weights, random weights, permutations of themselves and zeros (removed: what the "
        "decision owes to paths around the attention): test accuracy and F1, per "
        "seed averaged over draws, then over seeds, and the drop from the learned weights "
        "paired by seed.",
        columns.REPLACEMENT,
    ),
    table(
        "pruthi/deception", "Deception training (Pruthi et al. 2020)", "pruthi_deception.rst",
        "Each model trained with the penalty -λ ln(1 - m), m the attention mass on the planted "
        "deciding tokens: test accuracy, mean test m, the mean test attention mass on the "
        "distractors (the other class's signal words, which the penalty leaves free), and per "
        "ranking the precision of its top k tokens against the k planted ones "
        "(precision_<ranking>), per model and penalty weight, over seeds.",
    ),
    figure("pruthi_deception", "Figure: deception curve", "pruthi_deception.rst"),
]  # fmt: skip

CATALOGUE: dict[str, Item] = {item.name: item for item in ITEMS}
"""Every item by name (its path under results/report/ without suffix)."""


def of(path: str) -> Item:
    """The item a published file is (by its path under results/report/, any suffix)."""
    parts = PurePosixPath(path).with_suffix("").parts
    for start in range(len(parts)):
        name = "/".join(parts[start:])
        if name in CATALOGUE:
            return CATALOGUE[name]
    raise KeyError(f"{path} is no item of report.catalogue")
