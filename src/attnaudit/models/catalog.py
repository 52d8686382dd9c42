"""The model catalogue: every encoder and attention name a config may use, and each
encoder's class and options, known without importing torch.

The workflow checks `encoders:`, `attentions:` and `training.encoder_options` against this
catalogue before any job runs, and plans without torch. An encoder is one entry of
`ENCODERS`: its class by import path (imported only when a model is built, by
`encoder_class`) and its keyword arguments after `input_dim` as JSON-schema fragments
(tests check them against the classes' signatures); a hierarchical encoder is an entry that
names its flat base. Attention names are keys of `attention.ATTENTIONS`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from attnaudit.bounds import MAX_HEADS, MAX_KERNEL, MAX_KERNELS, MAX_LAYERS, MAX_TOKENS, MAX_WIDTH
from attnaudit.data.options import boolean, integer

# sparsemax, entmax: additive scores normalised by sparsemax / 1.5-entmax (exact zeros);
# cls: the last layer's [CLS] attention (flat encoders; with `transformer` its last layer);
# clsuniform: that [CLS] layer with its attention fixed at 1/T over the items
ATTENTIONS = ("additive", "dot", "uniform", "sparsemax", "entmax", "cls", "clsuniform")
CLS_ATTENTIONS = ("cls", "clsuniform")  # the [CLS] classifier's (models.cls_classifier)
# Attention fixed at 1/T over the items: the controls, never explanations (no analysis of
# learned attention runs on them). Each learned attention's control is the one with its
# architecture: `clsuniform` for `cls` (same residual path and tail), `uniform` otherwise.
UNIFORM_CONTROLS = {"cls": "clsuniform"}
UNIFORM_ATTENTIONS = ("uniform", *UNIFORM_CONTROLS.values())


def is_uniform(attention: str) -> bool:
    """Whether `attention` is fixed at 1/T (a control) rather than learned."""
    return attention in UNIFORM_ATTENTIONS


def uniform_control(attention: str) -> str:
    """The uniform attention of the same architecture as `attention`: what a model with it
    is compared with (`<encoder>-cls` with `<encoder>-clsuniform`, others `<encoder>-uniform`)."""
    return UNIFORM_CONTROLS.get(attention, "uniform")


@dataclass(frozen=True)
class Encoder:
    """A flat encoder: its class as `"module:Class"` (imported only when a model is built,
    so that the planner stays torch-free) and its keyword arguments after `input_dim`,
    name -> JSON-schema fragment with its default (`training.encoder_options.<name>`)."""

    cls: str
    options: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Hierarchical:
    """A hierarchical attention network (models.hierarchical) with the flat encoder `base`
    at both levels: its class and options are the base's (set under the han* name)."""

    base: str


def _hidden(default: int, meaning: str) -> dict[str, dict[str, Any]]:
    return {"hidden_size": integer(default, meaning, 1, maximum=MAX_WIDTH)}


PER_DIRECTION = "units per direction (H = 2 x hidden_size)"

# Encoder name (lower-case letters and digits: run names are `<encoder>-<attention>`) ->
# its entry. ortholstm, diversitylstm: Mohankumar et al. (ACL 2020).
ENCODERS: dict[str, Encoder | Hierarchical] = {
    "lstm": Encoder("attnaudit.models.encoders:BiLSTMEncoder", _hidden(128, PER_DIRECTION)),
    "gru": Encoder("attnaudit.models.encoders:BiGRUEncoder", _hidden(50, PER_DIRECTION)),
    "cnn": Encoder(
        "attnaudit.models.encoders:CNNEncoder",
        {
            "kernel_sizes": {
                "type": "array",
                "minItems": 1,
                "maxItems": MAX_KERNELS,
                # odd widths: same-padding (k // 2 each side) keeps the length only for odd k
                "items": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": MAX_KERNEL,
                    "not": {"multipleOf": 2},
                    "description": "an odd width",
                },
                "default": [1, 3, 5, 7],
                "description": "odd convolution widths, one set of filters each",
            },
            "filters": integer(
                32, "filters per width (H = filters x widths)", 1, maximum=MAX_WIDTH
            ),
        },
    ),
    "average": Encoder(
        "attnaudit.models.encoders:AverageEncoder",
        _hidden(128, "size of the per-token projection (H)"),
    ),
    "ortholstm": Encoder(
        "attnaudit.models.orthogonal:OrthogonalLSTMEncoder",
        {**_hidden(128, PER_DIRECTION), "bidirectional": boolean(True, "both directions")},
    ),
    "diversitylstm": Encoder(
        "attnaudit.models.encoders:DiversityLSTMEncoder",
        {
            **_hidden(128, PER_DIRECTION),
            "diversity_weight": {
                "type": "number",
                "minimum": 0,
                "default": 0.5,
                "description": "weight of the conicity of the states added to the loss",
            },
        },
    ),
    "transformer": Encoder(
        "attnaudit.models.transformer:TransformerEncoder",
        {
            **_hidden(128, "model width (H); a multiple of heads"),
            "heads": integer(4, "attention heads per layer", 1, maximum=MAX_HEADS),
            "layers": integer(2, "self-attention layers", 1, maximum=MAX_LAYERS),
            "ff_size": integer(256, "feed-forward width", 1, maximum=MAX_WIDTH),
            "max_positions": integer(
                512, "longest input (learned positions)", 1, maximum=MAX_TOKENS
            ),
        },
    ),
    # sentence attention on top
    "hangru": Hierarchical("gru"),
    "hancnn": Hierarchical("cnn"),
    "hanaverage": Hierarchical("average"),
}


def split_model(model: str) -> tuple[str, str]:
    """A run's model name '<encoder>-<attention>' -> (encoder, attention)."""
    encoder, attention = model.split("-")
    return encoder, attention


def control_model(model: str) -> str:
    """The run `model` is compared with: its encoder with the uniform attention of the same
    architecture (`uniform_control`: `<encoder>-clsuniform` for `<encoder>-cls`)."""
    encoder, attention = model.split("-", 1)
    return f"{encoder}-{uniform_control(attention)}"


def flat_learned(models: list[str]) -> list[str]:
    """The models among `models` with learned attention on a flat encoder (attention over
    tokens): the class-effects analysis's runs, the transfer matrix's donors."""
    return [m for m in models if not is_uniform(split_model(m)[1])
            and not is_hierarchical(split_model(m)[0])]  # fmt: skip


def students(encoders: list[str], models: list[str], pretrained) -> list[str]:
    """The encoders among `encoders` that can take another model's attention over words:
    trained from scratch (not in `pretrained`), with `own_and_control` runs in `models`."""
    return [e for e in encoders
            if e not in pretrained and own_and_control(e, models) is not None]  # fmt: skip


def own_and_control(encoder: str, models: list[str]) -> tuple[str, str] | None:
    """An encoder's first run with learned attention among `models` and its uniform
    control, where both are there and the encoder is flat (the transfer matrix's student:
    its attention must be over the words the donors weigh)."""
    if is_hierarchical(encoder):
        return None
    own = [m for m in models if split_model(m)[0] == encoder and not is_uniform(split_model(m)[1])]
    if not own or control_model(own[0]) not in models:
        return None
    return own[0], control_model(own[0])


def flat_encoders() -> list[str]:
    """The encoders over tokens."""
    return [name for name, entry in ENCODERS.items() if isinstance(entry, Encoder)]


def is_hierarchical(encoder: str) -> bool:
    """Whether `encoder` is a hierarchical attention network (items are sentences)."""
    return isinstance(ENCODERS.get(encoder), Hierarchical)


def hierarchical_encoders() -> list[str]:
    return [name for name in ENCODERS if is_hierarchical(name)]


def base_encoder(encoder: str) -> str:
    """The flat encoder of `encoder`: itself, or a hierarchical encoder's base."""
    entry = ENCODERS[encoder]
    return entry.base if isinstance(entry, Hierarchical) else encoder


def encoder_class(encoder: str) -> type:
    """The class of a flat encoder, imported now (torch)."""
    entry = ENCODERS.get(encoder)
    if not isinstance(entry, Encoder):
        raise ValueError(f"unknown encoder {encoder!r}; known: {sorted(flat_encoders())}")
    module, _, name = entry.cls.partition(":")
    return getattr(importlib.import_module(module), name)


def class_modules() -> list[str]:
    """The modules of the encoder classes: code that builds a model imports them by name
    (the code inputs of its rules, `attnaudit.code_inputs`)."""
    return sorted({ENCODERS[n].cls.partition(":")[0] for n in flat_encoders()})


def encoder_options_schema() -> dict[str, Any]:
    """The schema of `training.encoder_options`: encoder name -> its options."""
    return {
        "type": "object",
        "additionalProperties": False,
        "default": {},
        "description": "encoder name -> keyword arguments of its class",
        "properties": {
            name: {
                "type": "object",
                "additionalProperties": False,
                "properties": ENCODERS[base_encoder(name)].options,
            }
            for name in ENCODERS
        },
    }
