"""Every analysis's settings, declared once.

Each analysis block of the config (`jain_wallace.adversary`, `serrano_smith.multi_weight`,
...) is one frozen dataclass here: its fields are the block's keys, with their types,
defaults, ranges and meaning, and its docstring states what the analysis computes. The
config schema's analysis sections (`attnaudit.config.full_schema`), the defaults a run
fills in, the params a rule carries and the table of `docs/settings.md` are all derived
from these classes. The module imports neither torch nor pandas: the workflow plans with it.

An analysis function accepts its settings as this class or as a plain mapping
(`Settings.of(params)`): unknown keys are refused, missing ones take their defaults.
"""

from __future__ import annotations

import dataclasses
import math
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

Split = Literal["train", "dev", "test"]
# The rankings each analysis may use: names of `attnaudit.importance.registry.RANKINGS`
# (tests/test_rankings.py checks them against it; this module plans without torch).
SingleRanking = Literal["attention", "attention_gradient", "grad_x_attention"]
MultiRanking = Literal[
    "attention", "attention_gradient", "grad_x_attention", "random", "loo",
    "integrated_gradients"
]  # fmt: skip
GuideVariant = Literal["uniform", "own", "base", "adversary"]
FaithRanking = Literal[
    "attention", "gradient", "grad_x_attention", "loo", "integrated_gradients", "random"
]
ALL_FAITH_RANKINGS = ["attention", "gradient", "grad_x_attention", "loo", "integrated_gradients",
                      "random"]  # fmt: skip
# Ranking names a config may still write, per section: old -> new (read with a warning).
RENAMED_RANKINGS = {"serrano_smith": {"gradient": "attention_gradient"}}
MODEL_PATTERN = "^[a-z0-9]+-[a-z0-9]+$"  # a run's model, <encoder>-<attention>


def setting(default: Any, doc: str, name: str | None = None, **limits: Any) -> Any:
    """A settings field: its default, one line of meaning, its config key where that is
    not a Python name (`lambda`), and JSON-schema limits (`minimum`, `exclusiveMinimum`,
    `minItems`, `pattern`)."""
    metadata = {"doc": doc, "name": name, **limits}
    if isinstance(default, list | tuple):
        value = tuple(default)
        return field(default_factory=lambda: value, metadata=metadata)
    return field(default=default, metadata=metadata)


def config_key(f: dataclasses.Field) -> str:
    """A field's key in the config."""
    return f.metadata.get("name") or f.name


class SettingsError(ValueError):
    """A settings block has an unknown key or a value of the wrong type or range."""


@dataclass(frozen=True)
class Settings:
    """Base of every settings block. `key` is the block's dotted config key."""

    key: ClassVar[str] = ""

    @classmethod
    def of(cls, params: Settings | Mapping[str, Any] | None = None) -> Settings:
        """These settings from a config block (missing keys take their defaults)."""
        if isinstance(params, cls):
            return params
        given = dict(params or {})
        keys = {config_key(f): f for f in dataclasses.fields(cls)}
        unknown = sorted(set(given) - set(keys))
        if unknown:
            raise SettingsError(
                f"config key '{cls.key}.{unknown[0]}' is not allowed here; allowed keys: "
                f"{sorted(keys)}"
            )
        hints = typing.get_type_hints(cls)
        values = {}
        for key, f in keys.items():
            if key in given:
                name = f"{cls.key}.{key}"
                values[f.name] = _check_limits(name, _convert(name, given[key], hints[f.name]), f)
        return cls(**values)

    def params(self) -> dict[str, Any]:
        """The settings as plain data under their config keys, in declaration order (a
        rule's params: the same settings always give the same value, whatever order the
        config wrote them in)."""
        return {config_key(f): _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}


# What an analysis function accepts as its settings: the class, a config block, or None.
Params = Settings | Mapping[str, Any] | None


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _check_limits(key: str, value: Any, f: dataclasses.Field) -> Any:
    """`value` if it keeps the field's limits (on each item of a list), else SettingsError."""
    items = value if isinstance(value, tuple) else (value,)
    if isinstance(value, tuple) and len(value) < f.metadata.get("minItems", 0):
        raise SettingsError(f"config key {key!r}: needs at least {f.metadata['minItems']} item(s)")
    if isinstance(value, tuple) and len(set(value)) < len(value):
        raise SettingsError(f"config key {key!r}: {list(value)} repeats an item")
    for item in items:
        if isinstance(item, str) and not re.search(f.metadata.get("pattern", ""), item):
            raise SettingsError(
                f"config key {key!r}: {item!r} does not match {f.metadata['pattern']}"
            )
        if not isinstance(item, int | float) or isinstance(item, bool):
            continue
        if "minimum" in f.metadata and item < f.metadata["minimum"]:
            raise SettingsError(f"config key {key!r}: {item} is less than {f.metadata['minimum']}")
        if "exclusiveMinimum" in f.metadata and item <= f.metadata["exclusiveMinimum"]:
            raise SettingsError(
                f"config key {key!r}: {item} is not above {f.metadata['exclusiveMinimum']}"
            )
        if "maximum" in f.metadata and item > f.metadata["maximum"]:
            raise SettingsError(f"config key {key!r}: {item} is more than {f.metadata['maximum']}")
    return value


def _convert(key: str, value: Any, kind: Any) -> Any:
    """`value` as `kind`, or a SettingsError naming `key`."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _convert(key, value, inner)
    if origin is Literal:
        if value not in args:
            raise SettingsError(f"config key {key!r}: {value!r} is not one of {list(args)}")
        return value
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise SettingsError(f"config key {key!r}: {value!r} is not a list")
        return tuple(_convert(key, v, args[0]) for v in value)
    if kind is bool:
        if not isinstance(value, bool):
            raise SettingsError(f"config key {key!r}: {value!r} is not true or false")
        return value
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise SettingsError(f"config key {key!r}: {value!r} is not an integer")
        return value
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SettingsError(f"config key {key!r}: {value!r} is not a number")
        if not math.isfinite(value):
            raise SettingsError(f"config key {key!r}: {value!r} is not a finite number")
        return float(value)
    if kind is str:
        if not isinstance(value, str):
            raise SettingsError(f"config key {key!r}: {value!r} is not a string")
        return value
    raise TypeError(f"no conversion to {kind!r}")


# -- shared fields ------------------------------------------------------------------------
@dataclass(frozen=True)
class OnSplit(Settings):
    """Settings of an analysis over one split of a trained model's data."""

    split: Split = setting("test", "the split analysed")
    max_instances: int | None = setting(
        None, "analyse a seeded random subset of this many instances; null: all", minimum=1
    )


# -- Jain & Wallace (2019) ----------------------------------------------------------------
@dataclass(frozen=True)
class Importance(OnSplit):
    """Agreement of attention with input-level importance.

    Per instance and real token t: attention alpha_t; gradient importance
    g_t = |d p_yhat / d e_t . e_t| (attention held constant); leave-one-out
    l_t = TVD(y(x), y(x without token t)). Kendall tau-b (and its p value) of each pair
    (attention-gradient, attention-LOO, gradient-LOO) over the real tokens.
    """

    key: ClassVar[str] = "jain_wallace.importance"
    batch_size: int = setting(64, "instances per gradient pass", minimum=1)
    deletions_per_pass: int = setting(
        4096, "leave-one-out: deletions (real tokens) evaluated together", minimum=1
    )


@dataclass(frozen=True)
class Permutation(OnSplit):
    """Output change under shuffled attention.

    The hidden states h stay fixed; alpha is shuffled over the real tokens
    `n_permutations` times and the output recomputed. Per instance the median (and mean)
    over permutations of TVD(y(permuted alpha), y).
    """

    key: ClassVar[str] = "jain_wallace.permutation"
    n_permutations: int = setting(100, "shuffles per instance", minimum=1)
    seed: int = setting(0, "seed of the shuffles (with the instance id)", minimum=0)
    batch_size: int = setting(256, "instances encoded together", minimum=1)


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
    k: int = setting(5, "adversarial attention distributions per instance", minimum=1)
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
    steps: int = setting(500, "optimisation steps", minimum=1)
    init_noise: float = setting(3.0, "standard deviation of the initial logits' noise", minimum=0)
    seed: int = setting(0, "seed of the initial noise (with the instance id)", minimum=0)
    batch_size: int = setting(512, "instances optimised together", minimum=1)


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
    seed: int = setting(0, "seed of the random item (with the instance id)", minimum=0)
    batch_size: int = setting(128, "instances encoded together", minimum=1)


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
    n_random: int = setting(5, "random orderings per instance", minimum=1)
    ig_steps: int = setting(
        20, "Integrated Gradients integration steps (captum's Gauss-Legendre nodes)", minimum=1
    )
    seed: int = setting(0, "seed of the random orders (with the instance id)", minimum=0)
    batch_size: int = setting(64, "instances encoded together", minimum=1)


# -- faithfulness beyond the papers --------------------------------------------------------
@dataclass(frozen=True)
class Rankings(OnSplit):
    """Settings shared by the analyses that compare token rankings."""

    rankings: tuple[FaithRanking, ...] = setting(
        ALL_FAITH_RANKINGS, "token rankings compared (random: `n_random` orders)", minItems=1
    )
    n_random: int = setting(3, "random orderings per instance, the chance control", minimum=1)
    ig_steps: int = setting(
        20, "Integrated Gradients integration steps (captum's Gauss-Legendre nodes)", minimum=1
    )
    seed: int = setting(0, "seed of the random orders (with the instance id)", minimum=0)


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
        exclusiveMinimum=0, maximum=100, minItems=1,
    )  # fmt: skip
    batch_size: int = setting(256, "reduced inputs per forward pass", minimum=1)


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
    n_draws: int = setting(5, "draws of random and of permuted weights per instance", minimum=1)
    seed: int = setting(0, "seed of the draws (with the instance id)", minimum=0)
    batch_size: int = setting(256, "instances encoded together", minimum=1)


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
        minimum=0,
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
                              minimum=1)  # fmt: skip


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
    lambdas: tuple[float, ...] = setting([0.0, 0.1, 1.0], "one adversarial model per lambda",
                                         minimum=0, minItems=1)  # fmt: skip
    epochs: int | None = setting(None, "training epochs; null: training.epochs", minimum=1)


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
        pattern=MODEL_PATTERN, minItems=1,
    )  # fmt: skip
    weights: tuple[float, ...] = setting(
        [], "one deceptive run per model and penalty weight lambda (empty: none)", minimum=0
    )
    epochs: int | None = setting(None, "training epochs; null: training.epochs", minimum=1)


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
    counts as a need: 0.02 F1 is twice the seed-to-seed standard deviation of the SST
    BiLSTM's test F1 (about 0.01 over 5 seeds) and the size of the largest gap Wiegreffe &
    Pinter report in their Table 2 (IMDB 0.902 vs 0.879), which they read as a small one.
    """

    key: ClassVar[str] = "verdicts.needed"
    margin: float = setting(0.02, "smallest test-F1 gain over uniform attention that counts",
                            minimum=0)  # fmt: skip


@dataclass(frozen=True)
class VerdictFaithful(VerdictRule):
    """Faithful: attention's ERASER AOPCs against random and every other ranking.

    The margin, in AOPC (a probability), is what attention must gain over random, and the
    most it may lose to another ranking, on comprehensiveness and on sufficiency: 0.02 is a
    tenth of the gap between random and the best ranking on SST and on the synthetic data
    (about 0.2), and about the seed-to-seed spread of one ranking's AOPC.
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
    is a fourteenth of the JSD's range and about the seed-to-seed spread of the seeds' own
    mean JSD on SST.
    """

    key: ClassVar[str] = "verdicts.unique"
    margin: float = setting(0.05, "JSD an adversary must exceed the other seeds' by",
                            minimum=0)  # fmt: skip
    min_feasible: float = setting(
        0.5, "an adversary that keeps the output within epsilon on fewer instances (a share) "
        "is not evidence either way", minimum=0, maximum=1,
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


def section_settings(config: Mapping[str, Any], section: str) -> dict[str, Settings]:
    """Every block of a config section as its settings (missing blocks: defaults)."""
    given = config.get(section) or {}
    return {name: cls.of(given.get(name)) for name, cls in SECTIONS[section].items()}


# -- schema and documentation ---------------------------------------------------------------
def _schema_of_type(kind: Any, limits: dict[str, Any]) -> dict[str, Any]:
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        (inner,) = [a for a in args if a is not type(None)]
        schema = _schema_of_type(inner, limits)
        if "enum" in schema:
            return {**schema, "enum": [*schema["enum"], None]}
        return {**schema, "type": [schema["type"], "null"]}
    if origin is Literal:
        return {"enum": list(args)}
    if origin is tuple:
        size = {k: limits[k] for k in ("minItems",) if k in limits}
        items = _schema_of_type(args[0], {k: v for k, v in limits.items() if k != "minItems"})
        return {"type": "array", "uniqueItems": True, **size, "items": items}
    names = {bool: "boolean", int: "integer", float: "number", str: "string"}
    return {"type": names[kind], **limits}


def block_schema(cls: type[Settings]) -> dict[str, Any]:
    """The JSON schema of one settings block: its keys, types, ranges and defaults."""
    hints = typing.get_type_hints(cls)
    defaults = cls().params()
    properties = {}
    for f in dataclasses.fields(cls):
        limits = {k: v for k, v in f.metadata.items() if k not in ("doc", "name")}
        properties[config_key(f)] = {
            **_schema_of_type(hints[f.name], limits),
            "description": f.metadata["doc"],
            "default": defaults[config_key(f)],
        }
    return {
        "type": "object",
        "additionalProperties": False,
        "default": {},
        "description": (cls.__doc__ or "").strip().splitlines()[0],
        "properties": properties,
    }


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


def markdown() -> str:
    """docs/settings.md: every analysis block, what it computes, its keys and defaults."""
    lines = [
        "# Analysis settings",
        "",
        "Generated from `src/attnaudit/settings.py` by `python -m attnaudit.settings`; a test",
        "checks that this page matches the code. Each block is a section of `config.yaml`;",
        "a key left out takes its default. See [experiments.md](experiments.md) for the",
        "definitions in full.",
    ]
    for section, blocks in SECTIONS.items():
        for name, cls in blocks.items():
            doc = [line.strip() for line in (cls.__doc__ or "").strip().splitlines()]
            lines += ["", f"## `{section}.{name}`", "", doc[0], "", *doc[2:]]
            lines += ["", "| key | default | meaning |", "|---|---|---|"]
            for key, spec in block_schema(cls)["properties"].items():
                default = "null" if spec["default"] is None else spec["default"]
                limits = [
                    f"{word} {spec[k]}"
                    for k, word in (("minimum", ">="), ("exclusiveMinimum", ">"), ("maximum", "<="))
                    if k in spec
                ]
                if spec.get("minItems") == 1:
                    limits.append("not empty")
                elif "minItems" in spec:
                    limits.append(f"at least {spec['minItems']} items")
                meaning = spec["description"] + (f" ({', '.join(limits)})" if limits else "")
                lines.append(f"| `{key}` | `{default}` | {meaning} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
