"""Config checking with one clear message that names the offending key.

The workflow validates its config before any job runs against the schema of
`workflow/schemas/config.schema.yaml` completed with the analysis sections that
`attnaudit.settings` declares (`full_schema`), and fills in the defaults. jsonschema's own
report dumps the whole schema; here the best-matching error is reduced to one line: the
key's dotted path, the bad value and what was expected.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from attnaudit import settings
from attnaudit.errors import ConfigError

__all__ = ["ConfigError", "canonical", "check_names", "check_schema", "full_schema"]

_FLOATISH = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+$")


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


def full_schema(schema_path: str | Path) -> dict[str, Any]:
    """The config schema: the file's, with the analysis sections of `attnaudit.settings`."""
    schema = yaml.safe_load(Path(schema_path).read_text(encoding="utf-8"))
    schema["properties"].update(settings.sections_schema())
    families = list(settings.FAMILIES)
    schema["properties"]["analyses"].update(items={"enum": families}, default=families)
    return schema


def _with_defaults(validator_class):
    """A validator that also fills in each property's `default` where it is missing."""
    check_properties = validator_class.VALIDATORS["properties"]

    def properties(validator, props, instance, schema):
        if isinstance(instance, dict):
            for name, sub in props.items():
                if "default" in sub:
                    instance.setdefault(name, copy.deepcopy(sub["default"]))
        yield from check_properties(validator, props, instance, schema)

    return jsonschema.validators.extend(validator_class, {"properties": properties})


def non_finite(value: Any, path: tuple = ()) -> Iterator[tuple[tuple, float]]:
    """The (path, value) of every NaN or infinite number in a nested config."""
    if isinstance(value, float) and not math.isfinite(value):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from non_finite(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from non_finite(item, (*path, i))


def check_schema(config: dict[str, Any], schema_path: str | Path) -> None:
    """Check `config` against the full schema, then fill in its defaults (in place); the
    analysis sections come back in their settings' canonical form."""
    for path, value in non_finite(config):
        raise ConfigError(f"config key {key_path(path)!r}: {value!r} is not a finite number")
    schema = full_schema(schema_path)
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(schema).iter_errors(config)
    )
    if error is not None:
        raise ConfigError(schema_error_message(error))
    _with_defaults(jsonschema.Draft202012Validator)(schema).validate(config)
    for section in settings.SECTIONS:
        config[section] = {
            name: block.params()
            for name, block in settings.section_settings(config, section).items()
        }


def canonical(value: Any) -> Any:
    """A config value with every mapping's keys sorted, recursively: a rule's params then
    compare equal whatever order the config (or its overlays) wrote the keys in."""
    if isinstance(value, dict):
        return {key: canonical(value[key]) for key in sorted(value, key=str)}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    return value


def check_names(key: str, names: Iterable[str], known: Iterable[str]) -> None:
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise ConfigError(f"config key {key!r}: unknown name(s) {unknown}; known: {sorted(known)}")
