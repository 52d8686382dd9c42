"""How a setting is declared: a frozen dataclass field with its default, meaning and limits.

`attnaudit.settings` declares every block of the config with these; the JSON schema of a
block (`block_schema`) and the conversion of a config block to its settings
(`Settings.of`) are derived from the declaration. A module of its own, so that the training
code reads the training declaration (`attnaudit.training_settings`) without the analysis
blocks: editing an analysis's settings retrains nothing.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

REQUIRED: Any = dataclasses.MISSING  # a setting without a default: the config must give it


def setting(
    default: Any,
    doc: str,
    name: str | None = None,
    schema: dict | Callable[[], dict] | None = None,
    **limits: Any,
) -> Any:
    """A settings field: its default (`REQUIRED`: none, the key must be given), one line of
    meaning, its config key where that is not a Python name (`lambda`), JSON-schema limits
    (`minimum`, `maximum`, `exclusiveMinimum`, `minItems`, `maxItems`, `pattern`,
    `minLength`; upper bounds from `attnaudit.bounds`) and, for what a
    type cannot say (a mapping's entries, a list's allowed names), a `schema` fragment
    merged over the one the type gives (or a function that returns it, for a fragment read
    from a catalogue each time the schema is made)."""
    metadata = {"doc": doc, "name": name, "schema": schema or {}, **limits}
    if default is REQUIRED:
        return field(metadata=metadata)
    if isinstance(default, list | tuple):
        value = tuple(default)
        return field(default_factory=lambda: value, metadata=metadata)
    if isinstance(default, dict):
        return field(default_factory=lambda: dict(default), metadata=metadata)
    return field(default=default, metadata=metadata)


def field_default(f: dataclasses.Field) -> Any:
    """A field's default as plain data (lists for tuples); `REQUIRED` where it has none."""
    if f.default_factory is not dataclasses.MISSING:
        return _plain(f.default_factory())
    return f.default


def config_key(f: dataclasses.Field) -> str:
    """A field's key in the config."""
    return f.metadata.get("name") or f.name


class SettingsError(ValueError):
    """A settings block has an unknown key or a value of the wrong type or range."""


def unknown_keys(
    where: str,
    unknown: list[str],
    allowed: list[str],
    problem: str = "not allowed here",
    listing: str = "allowed keys",
) -> str:
    """One line naming every unknown key under `where` (the dotted block, '' at the top),
    each with the closest allowed key where one is close, then the allowed ones: a config
    with two misspelt keys in one block hears of both at once."""
    named = []
    for key in sorted(map(str, unknown)):
        close = difflib.get_close_matches(key, allowed, n=1)
        dotted = f"{where}.{key}" if where else key
        named.append((repr(dotted), f" (did you mean {close[0]!r}?)" if close else ""))
    tail = f"; {listing}: {sorted(allowed)}"
    if len(named) == 1:
        ((key, hint),) = named
        return f"config key {key} is {problem}{hint}{tail}"
    keys = ", ".join(key + hint for key, hint in named)
    return f"config keys {keys} are {problem}{tail}"


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
            raise SettingsError(unknown_keys(cls.key, unknown, sorted(keys)))
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
    if isinstance(value, tuple) and len(value) > f.metadata.get("maxItems", math.inf):
        raise SettingsError(
            f"config key {key!r}: {len(value)} items, more than {f.metadata['maxItems']}"
        )
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
    if kind is dict or origin is dict:
        if not isinstance(value, Mapping):
            raise SettingsError(f"config key {key!r}: {value!r} is not a mapping")
        return dict(value)
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
        sizes = ("minItems", "maxItems")
        size = {k: limits[k] for k in sizes if k in limits}
        items = _schema_of_type(args[0], {k: v for k, v in limits.items() if k not in sizes})
        return {"type": "array", "uniqueItems": True, **size, "items": items}
    if isinstance(kind, type) and issubclass(kind, Settings):  # a required block: no default
        return {k: v for k, v in block_schema(kind).items() if k != "default"}
    names = {bool: "boolean", int: "integer", float: "number", str: "string", dict: "object"}
    return {"type": names[origin or kind], **limits}


def block_schema(cls: type[Settings]) -> dict[str, Any]:
    """The JSON schema of one settings block: its keys, types, ranges and defaults."""
    hints = typing.get_type_hints(cls)
    properties = {}
    for f in dataclasses.fields(cls):
        limits = {k: v for k, v in f.metadata.items() if k not in ("doc", "name", "schema")}
        default = field_default(f)
        fragment = f.metadata["schema"]
        properties[config_key(f)] = {
            **_schema_of_type(hints[f.name], limits),
            **(fragment() if callable(fragment) else fragment),
            "description": f.metadata["doc"],
            **({} if default is REQUIRED else {"default": default}),
        }
    return {
        "type": "object",
        "additionalProperties": False,
        "default": {},
        "description": (cls.__doc__ or "").strip().splitlines()[0],
        "properties": properties,
    }
