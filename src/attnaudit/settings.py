"""Every setting, declared once.

The config's top-level keys (`TopLevel`), `training:` (`Training`, declared apart in
`attnaudit.training_settings` so that the training code does not read the analysis blocks)
and each analysis block (`jain_wallace.adversary`, `serrano_smith.multi_weight`, ...) are
frozen dataclasses (`attnaudit.declare`):
their fields are the keys, with their types, defaults, ranges and meaning, and each
docstring states what the block is for or what the analysis computes. The whole config
schema (`config_schema`, which `attnaudit.config.validate` checks a config against), the
defaults a run fills in, the params a rule carries and `docs/settings.md` (`markdown`) are
all derived from these classes; what a type cannot say (a dataset entry, a word-vectors
entry, the encoder options of `models.catalog`) is a schema fragment on its field. The
module imports neither torch nor pandas: the workflow plans with it.

An analysis function accepts its settings as this class or as a plain mapping
(`Settings.of(params)`): unknown keys are refused, missing ones take their defaults.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from attnaudit import bounds
from attnaudit.declare import REQUIRED, Settings, block_schema, config_key, field_default, setting
from attnaudit.declare import Params as Params  # what an analysis accepts as its settings
from attnaudit.declare import SettingsError as SettingsError
from attnaudit.training_settings import Training

Split = Literal["train", "dev", "test"]
# The rankings each analysis may use: names of `attnaudit.importance.registry.RANKINGS`
# (tests/test_rankings.py checks them against it; this module plans without torch).
SingleRanking = Literal["attention", "attention_gradient", "grad_x_attention"]
# a pretrained transformer's explanations (importance.transformer), skipped on other models
TransformerRanking = Literal["attention_heads", "norm_attention", "rollout", "attention_flow"]
MultiRanking = Literal[
    "attention", "attention_gradient", "grad_x_attention", "random", "loo",
    "integrated_gradients", TransformerRanking,
]  # fmt: skip
GuideVariant = Literal["uniform", "own", "base", "adversary"]
FaithRanking = Literal[
    "attention", "gradient", "grad_x_attention", "loo", "integrated_gradients", "random",
    TransformerRanking,
]  # fmt: skip
ALL_FAITH_RANKINGS = ["attention", "gradient", "grad_x_attention", "loo", "integrated_gradients",
                      "random"]  # fmt: skip
# Ranking names a config may still write, per section: old -> new (read with a warning).
RENAMED_RANKINGS = {"serrano_smith": {"gradient": "attention_gradient"}}
MODEL_PATTERN = "^[a-z0-9]+-[a-z0-9]+$"  # a run's model, <encoder>-<attention>
NAME_PATTERN = "^[A-Za-z0-9_]+$"  # a dataset's or word vectors' name: a path component


# -- shared fields ------------------------------------------------------------------------
@dataclass(frozen=True)
class OnSplit(Settings):
    """Settings of an analysis over one split of a trained model's data."""

    split: Split = setting("test", "the split analysed")
    max_instances: int | None = setting(
        None, "analyse a seeded random subset of this many instances; null: all",
        minimum=1, maximum=bounds.MAX_INSTANCES,
    )  # fmt: skip


# -- Jain & Wallace (2019) ----------------------------------------------------------------
@dataclass(frozen=True)
class Importance(OnSplit):
    """Agreement of attention with input-level importance.

    Per instance and real token t: attention alpha_t; gradient importance
    g_t = |d p_yhat / d e_t . e_t| (attention held constant); leave-one-out
    l_t = TVD(y(x), y(x without token t)). Kendall tau-b (and its p value) of each pair
    (attention-gradient, attention-LOO, gradient-LOO) over the real tokens; with
    `integrated_gradients`, also attention with Integrated Gradients (not in Jain &
    Wallace: the open questions' encoder comparison asks for it).
    """

    key: ClassVar[str] = "jain_wallace.importance"
    batch_size: int = setting(
        64, "instances per gradient pass", minimum=1, maximum=bounds.MAX_BATCH
    )
    deletions_per_pass: int = setting(
        4096, "leave-one-out: deletions (real tokens) evaluated together",
        minimum=1, maximum=bounds.MAX_BATCH,
    )  # fmt: skip
    integrated_gradients: bool = setting(
        False, "also Kendall tau-b of attention with Integrated Gradients (tau_attn_ig)"
    )
    ig_steps: int = setting(
        20, "Integrated Gradients integration steps (captum's Gauss-Legendre nodes)",
        minimum=1, maximum=bounds.MAX_IG_STEPS,
    )  # fmt: skip


@dataclass(frozen=True)
class Permutation(OnSplit):
    """Output change under shuffled attention.

    The hidden states h stay fixed; alpha is shuffled over the real tokens
    `n_permutations` times and the output recomputed. Per instance the median (and mean)
    over permutations of TVD(y(permuted alpha), y).
    """

    key: ClassVar[str] = "jain_wallace.permutation"
    n_permutations: int = setting(
        100, "shuffles per instance", minimum=1, maximum=bounds.MAX_REPEATS
    )
    seed: int = setting(
        0, "seed of the shuffles (with the instance id)", minimum=0, maximum=bounds.MAX_SEED
    )
    batch_size: int = setting(
        256, "instances encoded together", minimum=1, maximum=bounds.MAX_BATCH
    )


@dataclass(frozen=True)
class Adversary(OnSplit):
    """Adversarial attention: different weights, the same output.

    With the model frozen, per instance K attention distributions a_1..a_K (free logits
    through a masked softmax, initialised log-uniform plus `init_noise` * N(0, 1)) are
    optimised with Adam (`lr`, `steps`) to minimise
        lambda * sum_k relu(TVD(y(a_k), y) - epsilon)
        - sum_k JSD(a_k, alpha) - 1 / (K (K - 1)) * sum_{i<j} JSD(a_i, a_j).
    Afterwards the model's own attention (JSD 0) joins the candidates, those with
    TVD(y(a_k), y) > select_epsilon are dropped, and the survivor with the largest
    JSD(a_k, alpha) is kept (`max_jsd`).
    """

    key: ClassVar[str] = "jain_wallace.adversary"
    k: int = setting(
        5,
        "adversarial attention distributions per instance",
        minimum=1,
        maximum=bounds.MAX_ADVERSARIES,
    )
    lam: float = setting(
        500.0, "hinge weight lambda of the output constraint", name="lambda", minimum=0
    )
    epsilon: float = setting(
        0.01, "hinge threshold on the output TVD during the search", exclusiveMinimum=0
    )
    select_epsilon: float = setting(
        0.01,
        "keep candidates whose output TVD is at most this (the paper: 0.01; "
        "their code: 0.05 for binary tasks)",
        exclusiveMinimum=0,
    )
    lr: float = setting(0.01, "Adam learning rate", exclusiveMinimum=0)
    steps: int = setting(500, "optimisation steps", minimum=1, maximum=bounds.MAX_STEPS)
    init_noise: float = setting(3.0, "standard deviation of the initial logits' noise", minimum=0)
    seed: int = setting(
        0, "seed of the initial noise (with the instance id)", minimum=0, maximum=bounds.MAX_SEED
    )
    batch_size: int = setting(
        512, "instances optimised together", minimum=1, maximum=bounds.MAX_BATCH
    )


# -- Serrano & Smith (2019) ---------------------------------------------------------------
@dataclass(frozen=True)
class SingleWeight(OnSplit):
    """Erasing one attended item.

    Decoder-level: erasing item i sets alpha_i = 0 and renormalises. Per instance of two or
    more items and ranking: erase its top item i*, and separately a random other item r;
    JSD between output distributions before and after, whether the decision flips,
    delta JSD = JSD_i* - JSD_r and delta alpha = alpha_i* - alpha_r.
    """

    key: ClassVar[str] = "serrano_smith.single_weight"
    rankings: tuple[SingleRanking, ...] = setting(
        ["attention", "attention_gradient", "grad_x_attention"],
        "rankings whose top item is erased", minItems=1,
    )  # fmt: skip
    seed: int = setting(
        0, "seed of the random item (with the instance id)", minimum=0, maximum=bounds.MAX_SEED
    )
    batch_size: int = setting(
        128, "instances encoded together", minimum=1, maximum=bounds.MAX_BATCH
    )


@dataclass(frozen=True)
class MultiWeight(OnSplit):
    """Erasing attended items until the decision flips.

    Per instance of two or more items and ranking (attention; the signed attention
    gradient d p_yhat / d alpha_i; gradient x attention; `n_random` random orders;
    leave-one-out; Integrated Gradients), items are erased one by one in descending order,
    renormalising alpha each time, until the predicted class changes; the fraction of items
    erased then.
    Instances that never flip (the last item is never erased) are counted apart.
    """

    key: ClassVar[str] = "serrano_smith.multi_weight"
    rankings: tuple[MultiRanking, ...] = setting(
        ["attention", "attention_gradient", "grad_x_attention", "random", "loo",
         "integrated_gradients"],
        "erasure orders", minItems=1,
    )  # fmt: skip
    n_random: int = setting(
        5, "random orderings per instance", minimum=1, maximum=bounds.MAX_REPEATS
    )
    ig_steps: int = setting(
        20, "Integrated Gradients integration steps (captum's Gauss-Legendre nodes)",
        minimum=1, maximum=bounds.MAX_IG_STEPS,
    )  # fmt: skip
    seed: int = setting(
        0, "seed of the random orders (with the instance id)", minimum=0, maximum=bounds.MAX_SEED
    )
    batch_size: int = setting(64, "instances encoded together", minimum=1, maximum=bounds.MAX_BATCH)


# -- faithfulness beyond the papers --------------------------------------------------------
@dataclass(frozen=True)
class Rankings(OnSplit):
    """Settings shared by the analyses that compare token rankings."""

    rankings: tuple[FaithRanking, ...] = setting(
        ALL_FAITH_RANKINGS, "token rankings compared (random: `n_random` orders)", minItems=1
    )
    n_random: int = setting(
        3,
        "random orderings per instance, the chance control",
        minimum=1,
        maximum=bounds.MAX_REPEATS,
    )
    ig_steps: int = setting(
        20, "Integrated Gradients integration steps (captum's Gauss-Legendre nodes)",
        minimum=1, maximum=bounds.MAX_IG_STEPS,
    )  # fmt: skip
    seed: int = setting(
        0, "seed of the random orders (with the instance id)", minimum=0, maximum=bounds.MAX_SEED
    )


@dataclass(frozen=True)
class Eraser(Rankings):
    """ERASER faithfulness of each ranking (DeYoung et al. 2020).

    Tokens are ranked by each measure (attention; gradient |d p_yhat / d e_t . e_t|;
    gradient x attention (d p_yhat / d alpha_t) alpha_t; leave-one-out; Integrated
    Gradients; random orders). For each k in `percents`, r_k are the top ceil(k n / 100) of
    the n real tokens; removal is deletion and the whole model is re-run:
    comprehensiveness_k = p_yhat(x) - p_yhat(x without r_k),
    sufficiency_k = p_yhat(x) - p_yhat(r_k alone), yhat the prediction on x;
    AOPC = (1 / |B|) sum over k in B (ERASER's scorer; no k = 0 term).
    """

    key: ClassVar[str] = "faithfulness.eraser"
    percents: tuple[float, ...] = setting(
        [1.0, 5.0, 10.0, 20.0, 50.0], "the bins B: percent of real tokens in r_k",
        exclusiveMinimum=0, maximum=100, minItems=1, maxItems=bounds.MAX_BINS,
    )  # fmt: skip
    batch_size: int = setting(
        256, "reduced inputs per forward pass", minimum=1, maximum=bounds.MAX_BATCH
    )


@dataclass(frozen=True)
class Planted(Rankings):
    """Recovery of planted rationales (datasets that plant the deciding tokens).

    Per instance with planted tokens P (the synthetic data's `rationale`) and ranking:
    precision@k = |top-k and P| / k with k = |P|, and the average precision of the ranking
    against P (mean over planted tokens of the precision at their rank); the top k's share
    on the distractors D (the other class's signal words); precision@e and average
    precision against the evidence E = P and D (e = |E|). Rows whose label the noise
    replaced are flagged. Random orders give the chance level (expected precision@k = k / n).
    """

    key: ClassVar[str] = "faithfulness.planted"


# -- Vashishth et al. (2019) --------------------------------------------------------------
@dataclass(frozen=True)
class Replacement(OnSplit):
    """Is the learned attention needed at inference? (Vashishth et al. 2019)

    The hidden states stay fixed and the learned weights alpha are replaced by uniform
    weights (1/T over the real items), by random weights (u_t / sum u, u_t ~ U(0, 1)), by
    alpha permuted over the real items, `n_draws` draws each for random and permuted, or
    removed (every weight 0: a flat model's context is 0 and its output the decoder's bias,
    the base rate; a [CLS] model keeps its residual path, so this is how much of its
    decision bypasses attention). Per instance the prediction under each; the table gives
    accuracy and F1 and their drop from the learned weights.
    """

    key: ClassVar[str] = "vashishth.replacement"
    n_draws: int = setting(
        5,
        "draws of random and of permuted weights per instance",
        minimum=1,
        maximum=bounds.MAX_REPEATS,
    )
    seed: int = setting(
        0, "seed of the draws (with the instance id)", minimum=0, maximum=bounds.MAX_SEED
    )
    batch_size: int = setting(
        256, "instances encoded together", minimum=1, maximum=bounds.MAX_BATCH
    )


# -- Wiegreffe & Pinter (2019) ------------------------------------------------------------
@dataclass(frozen=True)
class SeedVariance(Settings):
    """Seed variance: the noise floor of attention.

    Per test instance of a dataset x learned-attention model: JSD between each other seed's
    attention and the base seed's, TVD between their outputs, and the medians over seeds.
    Needs two or more `seeds`.
    """

    key: ClassVar[str] = "wiegreffe_pinter.seed_variance"
    base_seed: int | None = setting(
        None, "the seed the others are compared with (one of seeds); null: the smallest",
        minimum=0, maximum=bounds.MAX_SEED,
    )  # fmt: skip


@dataclass(frozen=True)
class GuidedMlp(Settings):
    """The guided MLP diagnostic.

    The no-encoder token model (`encoder`) trained from scratch with its attention frozen
    to per-instance weights: uniform (1/T), its own learned attention (the `own` run), the
    base model's (the `base` run) or an adversarial model's (the adversary of
    `adversary_lambda`). Test F1 per variant.
    """

    key: ClassVar[str] = "wiegreffe_pinter.guided_mlp"
    encoder: str = setting("average", "the guided model's encoder", pattern="^[a-z0-9]+$")
    variants: tuple[GuideVariant, ...] = setting(
        ["uniform", "own", "base", "adversary"], "whose weights guide the MLP", minItems=1
    )
    own: str = setting("average-additive", "the run of variant `own`", pattern=MODEL_PATTERN)
    base: str = setting("lstm-additive", "the run of variant `base`", pattern=MODEL_PATTERN)
    adversary_lambda: float = setting(
        1.0, "the adversarial model of variant `adversary`: its lambda", minimum=0
    )
    batch_size: int = setting(256, "instances per pass when a guide's attention is computed",
                              minimum=1, maximum=bounds.MAX_BATCH)  # fmt: skip


@dataclass(frozen=True)
class Adversarial(Settings):
    """The end-to-end adversarial model.

    A new model M_a with the base's architecture, trained against the fixed base run M_b
    on the per-instance loss TVD(y_a, y_b) - lambda * KL(alpha_a || alpha_b) (KL over real
    tokens), no labels, one model per lambda; the epoch with the lowest mean dev loss is
    kept. Test F1, mean TVD and mean JSD to the base, per lambda.
    """

    key: ClassVar[str] = "wiegreffe_pinter.adversarial"
    base: str = setting("lstm-additive", "the base run M_b", pattern=MODEL_PATTERN)
    lambdas: tuple[float, ...] = setting(
        [0.0, 0.1, 1.0], "one adversarial model per lambda; [] trains none",
        minimum=0, maxItems=bounds.MAX_RUNS,
    )  # fmt: skip
    epochs: int | None = setting(
        None, "training epochs; null: training.epochs", minimum=1, maximum=bounds.MAX_EPOCHS
    )


# -- Pruthi et al. (2020) ----------------------------------------------------------------
@dataclass(frozen=True)
class Deception(Settings):
    """Deception training: attention pushed off the deciding tokens.

    Each run of `models` trained from scratch on the labels plus, per instance,
    R = -lambda * ln(1 - m), m the attention mass on the planted deciding tokens (the
    synthetic data's `rationale`), one run per model, lambda in `weights` and seed, on
    every dataset of type synthetic. Test accuracy and the mean test attention mass on the
    planted tokens and on the distractors, per model and lambda. The no-encoder model
    (`average-*`) is the informative test: a BiLSTM can carry a token's information into
    its neighbours' states, so its attention can leave the token and keep the information.
    """

    key: ClassVar[str] = "pruthi.deception"
    models: tuple[str, ...] = setting(
        ["lstm-additive", "average-additive"],
        "the runs trained deceptively, each <encoder>-<attention>",
        pattern=MODEL_PATTERN, minItems=1, maxItems=bounds.MAX_RUNS,
    )  # fmt: skip
    weights: tuple[float, ...] = setting(
        [], "one deceptive run per model and penalty weight lambda (empty: none)",
        minimum=0, maxItems=bounds.MAX_RUNS,
    )  # fmt: skip
    epochs: int | None = setting(
        None, "training epochs; null: training.epochs", minimum=1, maximum=bounds.MAX_EPOCHS
    )


# -- the verdicts ------------------------------------------------------------------------------
@dataclass(frozen=True)
class VerdictRule(Settings):
    """A verdict rule's confidence; each rule adds its margin (`report.verdicts`).

    An interval of confidence 1 - `level` over seeds is held against `margin`: yes when it
    lies wholly on the yes side, no when wholly on the other, undecided otherwise.
    """

    level: float = setting(0.05, "1 - the intervals' confidence (each side a one-sided test at "
                           "level / 2)", exclusiveMinimum=0, maximum=0.5)  # fmt: skip


@dataclass(frozen=True)
class VerdictNeeded(VerdictRule):
    """Needed: learned vs uniform attention of the same architecture, in test F1.

    The margin is the smallest test-F1 gain (learned minus uniform, paired by seed) that
    counts as a need: 0.02 F1 is about twice the seed-to-seed standard deviation of the SST
    BiLSTM's test F1 (0.009 over 5 seeds, docs/results.md#sst-full) and the largest of the
    text-classification gaps of Wiegreffe & Pinter's Table 2 that the reproduction table
    quotes (IMDB 0.902 vs 0.879), which they read as a small one.
    """

    key: ClassVar[str] = "verdicts.needed"
    margin: float = setting(0.02, "smallest test-F1 gain over uniform attention that counts",
                            minimum=0)  # fmt: skip


@dataclass(frozen=True)
class VerdictFaithful(VerdictRule):
    """Faithful: attention's ERASER AOPCs against random and every other ranking.

    The margin, in AOPC (a probability), is what attention must gain over random, and the
    most it may lose to another ranking, on comprehensiveness and on sufficiency: 0.02 is
    under a tenth of the comprehensiveness gap between random and the best ranking on SST
    (0.31 to 0.34 over the three models, docs/results.md#sst-full) and within the
    seed-to-seed standard deviation of one ranking's AOPC there (0.002 to 0.03).
    """

    key: ClassVar[str] = "verdicts.faithful"
    margin: float = setting(0.02, "AOPC attention must gain over random, and may lose to "
                            "another ranking", minimum=0)  # fmt: skip


@dataclass(frozen=True)
class VerdictUnique(VerdictRule):
    """Unique: adversaries against other seeds, under the same output constraint.

    The margin, in JSD (natural logarithms, at most ln 2 = 0.693), is how much further from
    the model's attention an adversary that keeps the output within epsilon must move than
    the most divergent other seed within epsilon, for attention to count as not unique: 0.05
    is a fourteenth of the JSD's range and about twice the seed-to-seed standard deviation
    of the adversary-minus-seeds difference on SST (0.023 to 0.027 over 5 base seeds,
    docs/results.md#sst-full).
    """

    key: ClassVar[str] = "verdicts.unique"
    margin: float = setting(0.05, "JSD an adversary must exceed the other seeds' by",
                            minimum=0)  # fmt: skip
    min_feasible: float = setting(
        0.5, "an adversary that keeps the output within epsilon on fewer instances (a share) "
        "is not evidence either way", minimum=0, maximum=1,
    )  # fmt: skip


# -- the open questions (report.complexity) ----------------------------------------------------
@dataclass(frozen=True)
class Complexity(Settings):
    """Complexity and adversaries: sweeps of one model's hidden size and training share.

    Per dataset of `datasets`, the `model` is trained at each hidden size of
    `hidden_sizes` (on the whole training split) and at each share of `train_fractions`
    (at its configured hidden size), every seed of `seeds`; each is then analysed with
    Jain & Wallace's adversary and permutation (their blocks' settings, on at most
    `max_instances` test instances). A training share is a seeded stratified subset of the
    training split, nested (a seed's 0.25 lies inside its 0.5), and words seen in no kept
    training instance read as unknown. The run of the configured size on the whole split is
    the model's own run where the config trains it.
    """

    key: ClassVar[str] = "open_questions.complexity"
    datasets: tuple[str, ...] = setting(
        [], "the datasets swept (names of `datasets:`); [] sweeps none",
        pattern=NAME_PATTERN, maxItems=bounds.MAX_RUNS,
    )  # fmt: skip
    model: str = setting(
        "lstm-additive", "the model swept: a flat encoder with a hidden_size option and "
        "learned attention", pattern=MODEL_PATTERN,
    )  # fmt: skip
    hidden_sizes: tuple[int, ...] = setting(
        [16, 32, 64, 128], "hidden sizes of the encoder (its hidden_size option); [] none",
        minimum=1, maximum=bounds.MAX_WIDTH, maxItems=bounds.MAX_RUNS,
    )  # fmt: skip
    train_fractions: tuple[float, ...] = setting(
        [0.25, 0.5, 0.75, 1.0], "shares of the training split; [] none",
        exclusiveMinimum=0, maximum=1, maxItems=bounds.MAX_RUNS,
    )  # fmt: skip
    max_instances: int | None = setting(
        500, "test instances the adversary and permutation analyse per model (a seeded "
        "subset); null: all", minimum=1, maximum=bounds.MAX_INSTANCES,
    )  # fmt: skip


@dataclass(frozen=True)
class ClassEffects(OnSplit):
    """Beyond the decision: every class's probability under erasure and permutation.

    On each model with learned attention (flat encoders) of each dataset of `datasets`, per
    instance (two or more items) and class k: each item's support for k, p_k minus p_k with
    the item erased and attention renormalised over the rest (hidden states fixed); the
    top-attended item's support, the largest and smallest support, the share of items whose
    presence lowers k and the attention on them; and the median over `n_permutations`
    shuffles of attention of the change in p_k and of its size.
    """

    key: ClassVar[str] = "open_questions.class_effects"
    datasets: tuple[str, ...] = setting(
        [], "the datasets analysed (names of `datasets:`; meant for 3 or more classes); [] none",
        pattern=NAME_PATTERN, maxItems=bounds.MAX_RUNS,
    )  # fmt: skip
    max_instances: int | None = setting(
        500, "analyse a seeded random subset of this many instances; null: all",
        minimum=1, maximum=bounds.MAX_INSTANCES,
    )  # fmt: skip
    n_permutations: int = setting(
        100, "shuffles per instance", minimum=1, maximum=bounds.MAX_REPEATS
    )
    seed: int = setting(
        0, "seed of the shuffles (with the instance id)", minimum=0, maximum=bounds.MAX_SEED
    )
    batch_size: int = setting(32, "instances encoded together", minimum=1, maximum=bounds.MAX_BATCH)


@dataclass(frozen=True)
class Transfer(Settings):
    """Transferring attention: Wiegreffe & Pinter's guided MLP, every donor into every student.

    On each dataset of `datasets`, per seed: the attention of each donor run (a model with
    learned attention of the config, `donors`; a pretrained donor's attention over word
    pieces summed per word) frozen into each student encoder (`students`, trained from
    scratch on words, without attention parameters), trained from scratch on the labels;
    test F1 against the student's own learned and uniform attention of the same seed.
    """

    key: ClassVar[str] = "open_questions.transfer"
    datasets: tuple[str, ...] = setting(
        [], "the datasets of the matrix (names of `datasets:`); [] none",
        pattern=NAME_PATTERN, maxItems=bounds.MAX_RUNS,
    )  # fmt: skip
    donors: tuple[str, ...] | None = setting(
        None, "donor runs, <encoder>-<attention> with learned attention; null: every such "
        "model of the config", pattern=MODEL_PATTERN, maxItems=bounds.MAX_RUNS,
    )  # fmt: skip
    students: tuple[str, ...] | None = setting(
        None, "student encoders (flat, trained from scratch, each with its uniform and a "
        "learned-attention run in the config); null: every such encoder of the config",
        pattern="^[a-z0-9]+$", maxItems=bounds.MAX_RUNS,
    )  # fmt: skip
    batch_size: int = setting(256, "instances per pass when a donor's attention is computed",
                              minimum=1, maximum=bounds.MAX_BATCH)  # fmt: skip


@dataclass(frozen=True)
class Encoders(Settings):
    """What the encoder changes: the same measures for every model of `models`.

    Each model of `models` (flat, learned attention; trained by the `train` rule whether or
    not the config's grid names it) is trained on each dataset of `datasets`, every seed of
    `seeds:`, and analysed on at most `max_instances` test instances (a seeded subset, the
    same for every model of a dataset): Jain & Wallace's importance (with Integrated
    Gradients), permutation and adversary, ERASER's AOPC of the attention ranking and
    Vashishth et al.'s attention removed, with their blocks' settings; Wiegreffe & Pinter's
    seed variance over the seeds. Without `datasets`, the section compares the config's
    own models from their analysis tables, where `analyses:` runs them.
    """

    key: ClassVar[str] = "open_questions.encoders"
    datasets: tuple[str, ...] = setting(
        [], "the datasets compared (names of `datasets:`); []: the config's own runs",
        pattern=NAME_PATTERN, maxItems=bounds.MAX_RUNS,
    )  # fmt: skip
    models: tuple[str, ...] = setting(
        [], "the models compared, <encoder>-<attention> with learned attention on a flat "
        "encoder (a pretrained one named in `pretrained:`)", pattern=MODEL_PATTERN,
        maxItems=bounds.MAX_RUNS,
    )  # fmt: skip
    max_instances: int | None = setting(
        None, "analyse a seeded random subset of this many test instances; null: all",
        minimum=1, maximum=bounds.MAX_INSTANCES,
    )  # fmt: skip


# The config's analysis sections: section -> block -> settings class.
SECTIONS: dict[str, dict[str, type[Settings]]] = {
    "jain_wallace": {
        "importance": Importance,
        "permutation": Permutation,
        "adversary": Adversary,
    },
    "serrano_smith": {"single_weight": SingleWeight, "multi_weight": MultiWeight},
    "faithfulness": {"eraser": Eraser, "planted": Planted},
    "vashishth": {"replacement": Replacement},
    "wiegreffe_pinter": {
        "seed_variance": SeedVariance,
        "guided_mlp": GuidedMlp,
        "adversarial": Adversarial,
    },
    "pruthi": {"deception": Deception},
    "verdicts": {"needed": VerdictNeeded, "faithful": VerdictFaithful, "unique": VerdictUnique},
    "open_questions": {
        "complexity": Complexity,
        "class_effects": ClassEffects,
        "transfer": Transfer,
        "encoders": Encoders,
    },
}


@dataclass(frozen=True)
class Applies:
    """Which trained models a per-run analysis family runs on: those with learned
    attention, those with uniform attention; flat models always, hierarchical ones (items
    are sentences) where `sentences`."""

    learned: bool
    uniform: bool
    sentences: bool


# The per-run analysis families (config sections) and the models each runs on. One job per
# trained model runs every family of `analyses:` that applies to it.
FAMILIES: dict[str, Applies] = {
    "jain_wallace": Applies(learned=True, uniform=False, sentences=False),  # token-level
    "serrano_smith": Applies(learned=True, uniform=False, sentences=True),
    "faithfulness": Applies(learned=True, uniform=True, sentences=False),  # input-level
    "vashishth": Applies(learned=True, uniform=False, sentences=True),
}


# The schema of one dataset entry and of one word-vectors entry. A dataset's options are
# checked against its type's declared options after the schema
# (attnaudit.data.registry.check_options), a vectors entry's against its type's
# (attnaudit.data.vectors.check_config). Neither fills in defaults: an entry is its
# jobs' params as written, so writing a default's value out reruns them (docs/reruns.md).
DATASETS_SCHEMA: dict[str, Any] = {
    "minProperties": 1,
    "maxProperties": bounds.MAX_RUNS,
    "propertyNames": {"pattern": NAME_PATTERN},
    "additionalProperties": {
        "description": "a dataset's options; checked against its type's declared options "
        "(attnaudit.data.registry.check_options) after this schema",
        "type": "object",
    },
}
EMBEDDINGS_SCHEMA: dict[str, Any] = {
    "maxProperties": bounds.MAX_RUNS,
    "propertyNames": {"pattern": NAME_PATTERN},
    "additionalProperties": {
        "type": "object",
        "additionalProperties": False,
        "required": ["type"],
        "properties": {
            "type": {
                "description": "glove_6b_{50,100,200,300}d, fasttext_wiki_simple, file, word2vec",
                "type": "string",
            },
            "oov": {
                "description": "vectors for vocabulary words the vectors lack (<PAD> is always "
                "zero)",
                "enum": ["zero", "random"],
            },
            "seed": {"type": "integer", "minimum": 0, "maximum": bounds.MAX_SEED},
            "path": {
                "description": "type file, a GloVe/fastText text file (plain or gzipped)",
                "type": "string",
            },
            "files": {
                "description": "per-file mirror overrides, as for datasets",
                "type": "object",
                "additionalProperties": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "mirror_name": {"type": "string"},
                        "mirror_sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                    },
                },
            },
            "dim": {"type": "integer", "minimum": 1, "maximum": bounds.MAX_WIDTH},
            "window": {"type": "integer", "minimum": 1, "maximum": bounds.MAX_TOKENS},
            "epochs": {"type": "integer", "minimum": 1, "maximum": bounds.MAX_EPOCHS},
            "min_count": {"type": "integer", "minimum": 1, "maximum": bounds.MAX_COUNT},
            "sg": {"enum": [0, 1]},
        },
    },
}

# One pretrained encoder (attnaudit.data.checkpoints, models.pretrained): its checkpoint and
# how it is fine-tuned (these replace `training`'s lr, epochs, batch_size and weight_decay for
# its runs: fine-tuning a pretrained transformer wants a smaller step than training from
# scratch). Defaults are filled in.
PRETRAINED_SCHEMA: dict[str, Any] = {
    "maxProperties": bounds.MAX_RUNS,
    "propertyNames": {"pattern": "^[a-z0-9]+$"},
    "additionalProperties": {
        "type": "object",
        "additionalProperties": False,
        "required": ["checkpoint"],
        "properties": {
            "checkpoint": {
                "description": "a local directory in the Hugging Face layout, or a hub id "
                "org/name (looked up in the mirror's hf/ first)",
                "type": "string",
                "minLength": 1,
            },
            "revision": {
                "description": "a hub checkpoint's pinned revision (40-hex commit id)",
                "type": ["string", "null"],
                "pattern": "^[0-9a-f]{40}$",
                "default": None,
            },
            "max_pieces": {
                "description": "longest input in word pieces, [CLS] and [SEP] included "
                "(longer ones are cut; the summary counts them)",
                "type": "integer",
                "minimum": 3,
                "maximum": 4096,
                "default": 128,
            },
            "lr": {
                "description": "fine-tuning learning rate",
                "type": "number",
                "exclusiveMinimum": 0,
                "maximum": 1,
                "default": 5.0e-5,
            },  # fmt: skip
            "epochs": {
                "description": "fine-tuning epochs (best on dev kept)",
                "type": "integer",
                "minimum": 1,
                "maximum": bounds.MAX_EPOCHS,
                "default": 3,
            },  # fmt: skip
            "batch_size": {
                "description": "fine-tuning batch size",
                "type": "integer",
                "minimum": 1,
                "maximum": bounds.MAX_BATCH,
                "default": 32,
            },  # fmt: skip
            "weight_decay": {
                "description": "fine-tuning weight decay",
                "type": "number",
                "minimum": 0,
                "maximum": 1,
                "default": 0.01,
            },  # fmt: skip
        },
    },
}


@dataclass(frozen=True, kw_only=True)
class TopLevel(Settings):
    """The config's top-level keys (the analysis sections follow, one block each).

    Models are every encoder x attention pair; a run is named `<encoder>-<attention>`, so
    encoder and attention names match `[a-z0-9]+`. Dataset and vectors names appear in
    paths and match `[A-Za-z0-9_]+`.
    """

    mirror: str | None = setting(
        None, "directory or file:// address tried before official download addresses",
        minLength=1,
    )  # fmt: skip
    datasets: dict[str, Any] = setting(
        REQUIRED, "dataset name -> options (datasets.md)", schema=DATASETS_SCHEMA
    )
    encoders: tuple[str, ...] = setting(
        REQUIRED, "encoder names (attnaudit.models.catalog.ENCODERS)",
        pattern="^[a-z0-9]+$", minItems=1, maxItems=bounds.MAX_RUNS,
    )  # fmt: skip
    analyses: tuple[str, ...] = setting(
        list(FAMILIES), "the per-run analysis families each trained model's analysis job runs "
        "(each on the models attnaudit.settings.FAMILIES says); [] runs none (a study of "
        "training alone, such as configs/open_questions.yaml)",
        schema={"items": {"enum": list(FAMILIES)}},
    )  # fmt: skip
    attentions: tuple[str, ...] = setting(
        REQUIRED, "attention names (attnaudit.models.catalog.ATTENTIONS)",
        pattern="^[a-z0-9]+$", minItems=1, maxItems=bounds.MAX_RUNS,
    )  # fmt: skip
    embeddings: dict[str, Any] = setting(
        {}, "name -> word vectors (attnaudit.data.vectors); training.embeddings picks "
        "one by name", schema=EMBEDDINGS_SCHEMA,
    )  # fmt: skip
    seeds: tuple[int, ...] = setting(
        REQUIRED, "the runs' seeds, within numpy's seed range", minimum=0, maximum=bounds.MAX_SEED,
        minItems=1, maxItems=bounds.MAX_RUNS,
    )  # fmt: skip
    training: Training = setting(REQUIRED, "training of every run")
    pretrained: dict[str, Any] = setting(
        {}, "encoder name -> a pretrained Hugging Face checkpoint fine-tuned as the [CLS] "
        "classifier (docs/pretrained.md); name it in `encoders` with attentions cls, clsuniform",
        schema=PRETRAINED_SCHEMA,
    )  # fmt: skip


def config_schema() -> dict[str, Any]:
    """The JSON schema of the whole config, derived from the declarations here."""
    top = block_schema(TopLevel)
    required = [config_key(f) for f in dataclasses.fields(TopLevel) if field_default(f) is REQUIRED]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "description": "attnaudit workflow configuration (attnaudit.settings)",
        "type": "object",
        "additionalProperties": False,
        "required": required,
        "properties": {**top["properties"], **sections_schema()},
    }


def section_settings(config: Mapping[str, Any], section: str) -> dict[str, Settings]:
    """Every block of a config section as its settings (missing blocks: defaults)."""
    given = config.get(section) or {}
    return {name: cls.of(given.get(name)) for name, cls in SECTIONS[section].items()}


# -- schema and documentation ---------------------------------------------------------------
def sections_schema() -> dict[str, Any]:
    """The schema of every analysis section, keyed by section name."""
    return {
        section: {
            "type": "object",
            "additionalProperties": False,
            "default": {},
            "properties": {name: block_schema(cls) for name, cls in blocks.items()},
        }
        for section, blocks in SECTIONS.items()
    }


def _block_markdown(title: str, cls: type[Settings]) -> list[str]:
    """One block of docs/settings.md: its title, what it computes, its keys and defaults."""
    doc = [line.strip() for line in (cls.__doc__ or "").strip().splitlines()]
    lines = ["", f"## {title}", "", doc[0], "", *doc[2:]]
    lines += ["", "| key | default | meaning |", "|---|---|---|"]
    for key, spec in block_schema(cls)["properties"].items():
        default = "required" if "default" not in spec else f"`{_markdown_value(spec['default'])}`"
        bounded = spec.get("items", spec)  # a list's items carry the range
        limits = [
            f"{word} {bounded[k]}"
            for k, word in (("minimum", ">="), ("exclusiveMinimum", ">"), ("maximum", "<="))
            if k in bounded
        ]
        if spec.get("minItems") == 1:
            limits.append("not empty")
        elif "minItems" in spec:
            limits.append(f"at least {spec['minItems']} items")
        if "maxItems" in spec:
            limits.append(f"at most {spec['maxItems']} items")
        meaning = spec["description"] + (f" ({', '.join(limits)})" if limits else "")
        lines.append(f"| `{key}` | {default} | {meaning} |")
    return lines


def _markdown_value(value: Any) -> Any:
    return "null" if value is None else value


def markdown() -> str:
    """docs/settings.md: the top-level keys, training and every analysis block."""
    lines = [
        "# Settings",
        "",
        "Generated from the declarations of `src/attnaudit/settings.py` (training's:",
        "`training_settings.py`) by `python -m attnaudit.settings`; a test checks that this",
        "page matches the code. Each block is a section of `config.yaml`;",
        "a key left out takes its default. See [experiments.md](experiments.md) for the",
        "definitions in full, [configuration.md](configuration.md) for the dataset options.",
    ]
    lines += _block_markdown("Top level", TopLevel)
    lines += _block_markdown("`training`", Training)
    for section, blocks in SECTIONS.items():
        for name, cls in blocks.items():
            lines += _block_markdown(f"`{section}.{name}`", cls)
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
