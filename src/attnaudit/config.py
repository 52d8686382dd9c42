"""Config checking with one clear message that names the offending key.

The workflow validates its config before any job runs (`validate`, called at the top of
`workflow/rules/common.smk`): its config files read strictly (`attnaudit.configfiles`:
duplicate keys, octal-looking numbers, aliases, files over 1 MiB, parse errors with their
line), no control character in a name, every number finite, the schema derived from the
declarations of `attnaudit.settings` (`config_schema`: the top-level keys, `training:` with
the encoder options `models.catalog` declares, and every analysis section; every count and
size bounded by `attnaudit.bounds`), the names of encoders and attentions, each dataset's
options against its type's declaration (`data.registry.check_options`), the word vectors,
and the cross-checks of `wiegreffe_pinter:` and `pruthi:`, each once. Then it fills in the
defaults. jsonschema's own report dumps the whole schema; here the best-matching error is
reduced to one line: the key's (or every misspelt key's) dotted path, the bad value and
what was expected.
"""

from __future__ import annotations

import copy
import math
import re
import unicodedata
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import jsonschema

from attnaudit import configfiles, settings
from attnaudit.declare import unknown_keys
from attnaudit.errors import ConfigError
from attnaudit.models import catalog

__all__ = [
    "ConfigError",
    "canonical",
    "check_config",
    "check_names",
    "check_schema",
    "validate",
]

_FLOATISH = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+$")
# Size limits whose jsonschema message would quote the whole oversized value.
_SIZES = {"maxItems": "items", "maxProperties": "entries", "maxLength": "characters"}
# Characters no name may hold: controls (a trailing newline slips past a pattern's `$`),
# line and paragraph separators.
_CONTROL = ("Cc", "Zl", "Zp")


def key_path(parts: Iterable[Any]) -> str:
    return ".".join(str(p) for p in parts) or "<top level>"


def schema_error_message(error: jsonschema.ValidationError) -> str:
    path = list(error.absolute_path)
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = [key for key in error.instance if key not in allowed]
        return unknown_keys(key_path(path) if path else "", extra, allowed)
    if error.validator in _SIZES:
        noun, most = _SIZES[error.validator], error.validator_value
        return (
            f"config key {key_path(path)!r}: {len(error.instance)} {noun}, more than the "
            f"{most} allowed (attnaudit.bounds)"
        )
    if error.validator == "not" and "description" in error.schema:
        return (
            f"config key {key_path(path)!r}: {error.instance!r} is not "
            f"{error.schema['description']}"
        )
    message = f"config key {key_path(path)!r}: {error.message}"
    if isinstance(error.instance, str) and _FLOATISH.match(error.instance):
        message += (
            f" (YAML 1.1 reads {error.instance} as a string: write it with a decimal point, "
            "e.g. 1.0e-3)"
        )
    return message


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


def walk(node: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """Every (path, value) of a nested config, depth first, mappings and lists included."""
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, (*path, i))


def non_finite(value: Any) -> Iterator[tuple[tuple, float]]:
    """The (path, value) of every NaN or infinite number in a nested config."""
    return (
        (path, node)
        for path, node in walk(value)
        if isinstance(node, float) and not math.isfinite(node)
    )


def control_character(text: str) -> str | None:
    """The first control character of `text` as U+XXXX, None where it has none."""
    for char in text:
        if unicodedata.category(char) in _CONTROL:
            return f"U+{ord(char):04X}"
    return None


def check_control_characters(config: dict[str, Any]) -> None:
    """No control character in any key of the config (dataset and vectors names included)
    nor in any string outside the dataset entries (encoders, attentions, models, paths; a
    dataset's options may hold a separator such as a tab): `sst\n` would pass a name's
    pattern and fail later as a missing file."""
    for path, node in walk(config):
        named = [(path, key) for key in node] if isinstance(node, dict) else []
        if isinstance(node, str) and path[:1] != ("datasets",):
            named.append((path, node))
        for where, text in named:
            char = control_character(str(text))
            if char:
                raise ConfigError(
                    f"config key {key_path(where)!r}: {text!r} holds the control character "
                    f"{char}; names and values are plain text"
                )


def rename_rankings(config: dict[str, Any]) -> None:
    """Ranking names a config still writes in their old spelling (`settings.RENAMED_RANKINGS`)
    replaced by the new ones, in place, each with a FutureWarning naming the key."""
    for section, renamed in settings.RENAMED_RANKINGS.items():
        blocks = config.get(section)
        for block, options in blocks.items() if isinstance(blocks, dict) else ():
            names = options.get("rankings") if isinstance(options, dict) else None
            for i, name in enumerate(names if isinstance(names, list) else ()):
                if isinstance(name, str) and name in renamed:
                    warnings.warn(
                        f"config key '{section}.{block}.rankings': {name!r} is deprecated, "
                        f"read as its new name {renamed[name]!r}; write {renamed[name]!r}",
                        FutureWarning,
                        stacklevel=2,
                    )
                    names[i] = renamed[name]


def check_schema(config: dict[str, Any]) -> None:
    """Check `config` against the schema its declarations give (`settings.config_schema`),
    then fill in its defaults (in place); the analysis sections come back in their
    settings' canonical form."""
    rename_rankings(config)
    check_control_characters(config)
    for path, value in non_finite(config):
        raise ConfigError(f"config key {key_path(path)!r}: {value!r} is not a finite number")
    schema = settings.config_schema()
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


def lambda_label(value: float) -> str:
    """An adversary's lambda as it appears in paths: 0.1 -> '0.1' (format 'g')."""
    return format(float(value), "g")


def check_datasets(config: dict[str, Any]) -> None:
    """Each dataset's type is in the registry and its options are the type's."""
    from attnaudit.data.errors import DatasetError
    from attnaudit.data.registry import UnknownDatasetError, check_options, get_spec

    for name, options in config["datasets"].items():
        kind = options.get("type", name)
        if not isinstance(kind, str):
            raise ConfigError(f"config key 'datasets.{name}.type': {kind!r} is not a string")
        try:
            spec = get_spec(kind)
        except UnknownDatasetError as exc:
            raise ConfigError(f"config key 'datasets.{name}.type': {exc}") from None
        try:
            check_options(name, spec, options)
        except DatasetError as exc:
            raise ConfigError(str(exc)) from None


def check_path_labels(key: str, values: Iterable[float]) -> None:
    """Numbers that name paths (`lambda_label`: 'g' format) name distinct ones: 0.5 and
    0.5000001 would share a directory."""
    labels = [lambda_label(x) for x in values]
    if len(set(labels)) != len(labels):
        raise ConfigError(f"config key '{key}': {labels} name the same path twice")


def check_wiegreffe_pinter(config: dict[str, Any]) -> None:
    """Model names, lambdas and the base seed of `wiegreffe_pinter:` (defaults filled in)."""
    key, section = "wiegreffe_pinter", config["wiegreffe_pinter"]
    check_path_labels(f"{key}.adversarial.lambdas", section["adversarial"]["lambdas"])
    guided, adversarial = section["guided_mlp"], section["adversarial"]
    check_names(f"{key}.guided_mlp.encoder", [guided["encoder"]], catalog.flat_encoders())
    for name, model in [
        ("guided_mlp.own", guided["own"]),
        ("guided_mlp.base", guided["base"]),
        ("adversarial.base", adversarial["base"]),
    ]:
        encoder, attention = catalog.split_model(model)
        check_names(f"{key}.{name}", [encoder], [*catalog.flat_encoders(), *config["pretrained"]])
        check_names(f"{key}.{name}", [attention], catalog.ATTENTIONS)
    base_seed = section["seed_variance"]["base_seed"]
    if base_seed is not None and base_seed not in config["seeds"]:
        raise ConfigError(
            f"config key '{key}.seed_variance.base_seed': {base_seed} is not one of "
            f"{sorted(config['seeds'])}"
        )


def check_deception(config: dict[str, Any]) -> None:
    """Model names and penalty weights of `pruthi.deception` (defaults filled in)."""
    key, section = "pruthi.deception", config["pruthi"]["deception"]
    for model in section["models"]:
        encoder, attention = catalog.split_model(model)
        check_names(f"{key}.models", [encoder], catalog.flat_encoders())
        check_names(f"{key}.models", [attention], catalog.ATTENTIONS)
    check_path_labels(f"{key}.weights", section["weights"])


def check_transfer(config: dict[str, Any]) -> None:
    """`open_questions.transfer`: datasets of the config; donors among its models with
    learned attention (flat); students among its encoders with a learned run and its
    uniform control (flat, trained from scratch)."""
    key, section = "open_questions.transfer", config["open_questions"]["transfer"]
    check_names(f"{key}.datasets", section["datasets"], config["datasets"])
    models = [f"{e}-{a}" for e in config["encoders"] for a in config["attentions"]]
    donors = catalog.flat_learned(models)
    check_names(f"{key}.donors", section["donors"] or [], donors)
    students = catalog.students(config["encoders"], models, config["pretrained"])
    check_names(f"{key}.students", section["students"] or [], students)
    if section["datasets"] and not (
        (section["donors"] or donors) and (section["students"] or students)
    ):
        raise ConfigError(
            f"config key '{key}.datasets': no donor or no student: the matrix needs a model "
            "with learned attention and an encoder with its learned and uniform runs"
        )


def check_encoders(config: dict[str, Any]) -> None:
    """`open_questions.encoders`: datasets of the config and, with them, two or more
    models (the schema keeps them distinct) with learned attention on flat encoders (built
    in, or named in `pretrained:` with a [CLS] attention)."""
    key, section = "open_questions.encoders", config["open_questions"]["encoders"]
    check_names(f"{key}.datasets", section["datasets"], config["datasets"])
    models = section["models"]
    for model in models:
        encoder, attention = catalog.split_model(model)
        check_names(f"{key}.models", [encoder], [*catalog.flat_encoders(), *config["pretrained"]])
        check_names(f"{key}.models", [attention], catalog.ATTENTIONS)
        if catalog.is_uniform(attention):
            raise ConfigError(
                f"config key '{key}.models': {model!r} has uniform attention, which explains "
                "nothing to compare; name models with learned attention"
            )
        if encoder in config["pretrained"] and attention not in catalog.CLS_ATTENTIONS:
            raise ConfigError(
                f"config key '{key}.models': {model!r}: a pretrained encoder's attention is "
                f"its last layer's [CLS] row; use {encoder}-cls"
            )
    if section["datasets"] and len(models) < 2:
        raise ConfigError(
            f"config key '{key}.models': {list(models)}: the comparison needs two or more models"
        )


def check_open_questions(config: dict[str, Any]) -> None:
    """`open_questions:` datasets of the config, and a model the complexity sweep can
    resize (a flat trained-from-scratch encoder with a hidden_size, learned attention)."""
    effects = config["open_questions"]["class_effects"]
    check_names("open_questions.class_effects.datasets", effects["datasets"], config["datasets"])
    check_transfer(config)
    check_encoders(config)
    key, section = "open_questions.complexity", config["open_questions"]["complexity"]
    check_names(f"{key}.datasets", section["datasets"], config["datasets"])
    encoder, attention = catalog.split_model(section["model"])
    resizable = [e for e in catalog.flat_encoders() if "hidden_size" in catalog.ENCODERS[e].options]
    check_names(f"{key}.model", [encoder], resizable)
    check_names(f"{key}.model", [attention], catalog.ATTENTIONS)
    if catalog.is_uniform(attention):
        raise ConfigError(
            f"config key '{key}.model': {section['model']!r} has uniform attention, which "
            "no adversary can change; sweep a model with learned attention"
        )
    check_path_labels(f"{key}.train_fractions", section["train_fractions"])


def check_pretrained(config: dict[str, Any]) -> None:
    """`pretrained:` entries: names apart from the catalogue's encoders, checkpoints that
    can be found (attnaudit.data.checkpoints), and only the [CLS] attentions with them."""
    from attnaudit.data.checkpoints import CheckpointError, check_entry

    for name, entry in config["pretrained"].items():
        if name in catalog.ENCODERS:
            raise ConfigError(
                f"config key 'pretrained.{name}': {name!r} is a built-in encoder's name; "
                "give the checkpoint another name"
            )
        if name not in config["encoders"]:
            continue
        other = sorted(set(config["attentions"]) - set(catalog.CLS_ATTENTIONS))
        if other:
            raise ConfigError(
                f"config key 'attentions': {other} cannot run on the pretrained encoder "
                f"{name!r}, whose attention is its last layer's [CLS] row: use "
                f"{list(catalog.CLS_ATTENTIONS)} (audit other attentions in another config)"
            )
        try:
            check_entry(name, entry, config.get("mirror"))
        except CheckpointError as exc:
            raise ConfigError(str(exc)) from None


def check_config(config: dict[str, Any]) -> None:
    """Every check of a loaded config (in place: defaults filled in), or ConfigError."""
    from attnaudit.data.vectors import check_config as check_embeddings

    check_schema(config)
    check_names("encoders", config["encoders"], [*catalog.ENCODERS, *config["pretrained"]])
    check_names("attentions", config["attentions"], catalog.ATTENTIONS)
    check_pretrained(config)
    check_datasets(config)
    check_embeddings(config)
    check_wiegreffe_pinter(config)
    check_deception(config)
    check_open_questions(config)


def validate(config: dict[str, Any], files: Iterable[str | Path] = ()) -> None:
    """What the workflow checks before any job runs: its config `files` read strictly, then
    the config they gave (with `--config` values); the first problem is a ConfigError."""
    configfiles.check_files(files)
    check_config(config)
