"""Config checking with one clear message that names the offending key.

The workflow validates its config against `workflow/schemas/config.schema.yaml` before any
job runs. jsonschema's own report dumps the whole schema; here the best-matching error is
reduced to one line: the key's dotted path, the bad value and what was expected.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jsonschema
import yaml

_FLOATISH = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+$")


class ConfigError(ValueError):
    """The config breaks the schema or names something that does not exist."""


def key_path(parts: Iterable[Any]) -> str:
    return ".".join(str(p) for p in parts) or "<top level>"


def schema_error_message(error: jsonschema.ValidationError) -> str:
    path = list(error.absolute_path)
    if error.validator == "additionalProperties":
        extra = re.findall(r"'([^']+)' was unexpected", error.message) or ["?"]
        allowed = sorted(error.schema.get("properties", {}))
        where = key_path([*path, extra[0]])
        return f"config key {where!r} is not allowed here; allowed keys: {allowed}"
    message = f"config key {key_path(path)!r}: {error.message}"
    if isinstance(error.instance, str) and _FLOATISH.match(error.instance):
        message += (
            f" (YAML 1.1 reads {error.instance} as a string: write it with a decimal point, "
            "e.g. 1.0e-3)"
        )
    return message


def check_schema(config: dict[str, Any], schema_path: str | Path) -> None:
    schema = yaml.safe_load(Path(schema_path).read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(config))
    if error is not None:
        raise ConfigError(schema_error_message(error))


def check_names(key: str, names: Iterable[str], known: Iterable[str]) -> None:
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise ConfigError(f"config key {key!r}: unknown name(s) {unknown}; known: {sorted(known)}")
