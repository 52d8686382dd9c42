"""The encoder and attention names a config may use, and each encoder's options, known
without importing torch.

The workflow checks `encoders:`, `attentions:` and `training.encoder_options` against these
declarations before any job runs, and plans without torch. Each name is a key of
`encoders.ENCODERS`, `hierarchical.HIERARCHICAL` or `attention.ATTENTIONS`, and each
encoder's options are the keyword arguments of its class after `input_dim` (tests check
that they agree): a new encoder is its class, its entry there, and its name and options
here.
"""

from __future__ import annotations

from typing import Any

from attnaudit.bounds import MAX_HEADS, MAX_KERNEL, MAX_KERNELS, MAX_LAYERS, MAX_TOKENS, MAX_WIDTH
from attnaudit.data.options import boolean, integer

# ortholstm, diversitylstm: Mohankumar et al. (ACL 2020), models/orthogonal.py, encoders.py;
# transformer: models/transformer.py
FLAT_ENCODERS = ("lstm", "gru", "cnn", "average", "ortholstm", "diversitylstm", "transformer")
HIERARCHICAL_ENCODERS = ("hangru", "hancnn", "hanaverage")  # sentence attention on top
ENCODERS = (*FLAT_ENCODERS, *HIERARCHICAL_ENCODERS)
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


# The encoder a hierarchical encoder uses at both levels (hierarchical.HIERARCHICAL).
HIERARCHICAL_BASE = {"hangru": "gru", "hancnn": "cnn", "hanaverage": "average"}


# Flat encoder -> its keyword arguments as JSON-schema fragments (a han* encoder takes its
# base encoder's, set under the han* name).
FLAT_ENCODER_OPTIONS: dict[str, dict[str, dict[str, Any]]] = {
    "lstm": {
        "hidden_size": integer(
            128, "units per direction (H = 2 x hidden_size)", 1, maximum=MAX_WIDTH
        )
    },
    "gru": {
        "hidden_size": integer(
            50, "units per direction (H = 2 x hidden_size)", 1, maximum=MAX_WIDTH
        )
    },
    "cnn": {
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
        "filters": integer(32, "filters per width (H = filters x widths)", 1, maximum=MAX_WIDTH),
    },
    "average": {
        "hidden_size": integer(128, "size of the per-token projection (H)", 1, maximum=MAX_WIDTH)
    },
    "ortholstm": {
        "hidden_size": integer(
            128, "units per direction (H = 2 x hidden_size)", 1, maximum=MAX_WIDTH
        ),
        "bidirectional": boolean(True, "both directions"),
    },
    "diversitylstm": {
        "hidden_size": integer(
            128, "units per direction (H = 2 x hidden_size)", 1, maximum=MAX_WIDTH
        ),
        "diversity_weight": {
            "type": "number",
            "minimum": 0,
            "default": 0.5,
            "description": "weight of the conicity of the states added to the loss",
        },
    },
    "transformer": {
        "hidden_size": integer(128, "model width (H); a multiple of heads", 1, maximum=MAX_WIDTH),
        "heads": integer(4, "attention heads per layer", 1, maximum=MAX_HEADS),
        "layers": integer(2, "self-attention layers", 1, maximum=MAX_LAYERS),
        "ff_size": integer(256, "feed-forward width", 1, maximum=MAX_WIDTH),
        "max_positions": integer(512, "longest input (learned positions)", 1, maximum=MAX_TOKENS),
    },
}
ENCODER_OPTIONS = {
    **FLAT_ENCODER_OPTIONS,
    **{name: FLAT_ENCODER_OPTIONS[base] for name, base in HIERARCHICAL_BASE.items()},
}


def encoder_options_schema() -> dict[str, Any]:
    """The schema of `training.encoder_options`: encoder name -> its options."""
    return {
        "type": "object",
        "additionalProperties": False,
        "default": {},
        "description": "encoder name -> keyword arguments of its class",
        "properties": {
            name: {"type": "object", "additionalProperties": False, "properties": options}
            for name, options in ENCODER_OPTIONS.items()
        },
    }
