"""Dataset options, declared: each parser module's `OPTIONS` and the options every type
takes (`COMMON`), as JSON-schema fragments with a default and one line of meaning.

The workflow checks each dataset entry against the options of its type before any job runs
(`attnaudit.data.registry.check_options`): an option its parser does not read is refused,
and so is a value of the wrong type or out of range. Defaults are documented here but not
filled in: a dataset's options are its preprocessing job's params as written, so adding a
default's value explicitly reruns that dataset (see docs/reruns.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from attnaudit import bounds

Option = dict[str, Any]


def with_defaults(declared: Mapping[str, Option], given: Mapping[str, Any]) -> dict[str, Any]:
    """The declared options as a parser reads them: `given`'s value, else the declared
    default (written once, in the declaration; the job's params stay as written)."""
    return {key: given.get(key, spec["default"]) for key, spec in declared.items()}


def integer(
    default: int | None, doc: str, minimum: int = 0, nullable: bool = False, *, maximum: int
) -> Option:
    """A count or size: its upper bound is required (one of `attnaudit.bounds`), so that no
    option can ask for more than a machine holds."""
    kind: Any = ["integer", "null"] if nullable else "integer"
    limits = {"minimum": minimum, "maximum": maximum}
    return {"type": kind, **limits, "default": default, "description": doc}


def fraction(default: float | None, doc: str) -> Option:
    """A share of instances: strictly between 0 and 1 (an empty split is an error)."""
    return {
        "type": "number",
        "exclusiveMinimum": 0,
        "exclusiveMaximum": 1,
        "default": default,
        "description": doc,
    }


def boolean(default: bool, doc: str) -> Option:
    return {"type": "boolean", "default": default, "description": doc}


def choice(values: list[str], default: str, doc: str) -> Option:
    return {"enum": values, "default": default, "description": doc}


def string(default: str | None, doc: str, nullable: bool = False, **limits: Any) -> Option:
    kind: Any = ["string", "null"] if nullable else "string"
    return {"type": kind, "minLength": 1, **limits, "default": default, "description": doc}


# A file name inside a mirror directory: relative, no '..' component, no backslash.
MIRROR_NAME = r"^(?!/)(?!.*(^|/)\.\.(/|$))[^\\]+$"

FILES: Option = {
    "type": "object",
    "description": "per-file mirror overrides: {<file name>: {mirror_name, mirror_sha256}}",
    "default": None,
    "additionalProperties": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "mirror_name": {"type": "string", "minLength": 1, "pattern": MIRROR_NAME},
            "mirror_sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        },
    },
}

# A dataset's splits, in their order.
SPLITS = ("train", "dev", "test")

# Options every dataset type takes (read by preprocessing); `files` is added for the types
# that download files (attnaudit.data.registry.option_schema).
COMMON: dict[str, Option] = {
    "type": string(None, "the registry entry; default: the dataset's name"),
    "min_count": integer(
        None,
        "minimum train count of a vocabulary word (type default)",
        1,
        maximum=bounds.MAX_COUNT,
    ),
    "max_length": integer(
        None,
        "cut every instance to this many tokens in preprocessing; null: no cut",
        1,
        True,
        maximum=bounds.MAX_TOKENS,
    ),
    **{
        f"max_{split}": integer(
            None,
            f"keep a seeded (seed 0) stratified subset of about this many {split} instances, "
            "cut before the vocabulary is built (attnaudit.data.subsample.cap_splits); "
            "null: the whole split",
            1,
            True,
            maximum=bounds.MAX_INSTANCES,
        )
        for split in SPLITS
    },
    "sentences": boolean(False, "keep sentence boundaries as <SEP> (han* encoders)"),
    "emoji": choice(["drop", "keep"], "drop", "emoji: dropped, or kept as tokens of their own"),
}

SPLIT_SEED = integer(0, "seed of the random splits", 0, maximum=bounds.MAX_SEED)
