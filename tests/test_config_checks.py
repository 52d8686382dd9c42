"""What the workflow refuses before any job runs, each with one message naming the key (or
the config file and line): `attnaudit.config.validate`, the function common.smk calls."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml
from snakemake.common.configfile import load_configfile
from snakemake.utils import update_config

from attnaudit import configfiles
from attnaudit.config import ConfigError, validate
from attnaudit.data import registry
from attnaudit.models import catalog

REPO = Path(__file__).resolve().parents[1]
DEFAULT = yaml.safe_load((REPO / "config.yaml").read_text())


def refused(config: dict) -> str:
    with pytest.raises(ConfigError) as info:
        validate(copy.deepcopy(config))
    message = str(info.value)
    assert "\n" not in message
    return message


def with_(path: str, value, base: dict | None = None) -> dict:
    """The default config with the dotted `path` set to `value` (created where missing)."""
    config = copy.deepcopy(base or DEFAULT)
    *parents, last = path.split(".")
    node = config
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value
    return config


def test_every_shipped_config_and_overlay_passes():
    for files in (
        ["config.yaml"],
        ["configs/sst.yaml"],
        ["configs/paper.yaml", "configs/mirror.yaml"],
        ["configs/serrano_smith_imdb.yaml", "configs/mirror_imdb.yaml"],
    ):
        config: dict = {}
        for name in files:  # deep-merged, as Snakemake merges --configfile overlays
            update_config(config, load_configfile(REPO / name))
        validate(config, files=[REPO / f for f in files])


@pytest.mark.parametrize(
    "path",
    ["jain_wallace.adversary.lambda", "training.lr", "training.weight_decay",
     "datasets.synthetic.label_noise", "wiegreffe_pinter.adversarial.lambdas"],
)  # fmt: skip
@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan")])
def test_no_number_may_be_infinite_or_nan(path, value):
    bad = [value] if path.endswith("lambdas") else value
    message = refused(with_(path, bad))
    assert f"config key '{path}" in message and "not a finite number" in message


@pytest.mark.parametrize(
    ("path", "value", "words"),
    [
        ("training.epochs", 0, "minimum"),
        ("training.lr", 0.0, "less than or equal"),
        ("datasets.synthetic.label_noise", 1.0, "greater than or equal"),
        ("datasets.synthetic.n_dev", 0, "minimum"),
        ("jain_wallace.adversary.epsilon", 0.0, "less than or equal to the minimum of 0"),
        ("training.encoder_options", {"lstm": {"hidden_size": 0}}, "minimum"),
        ("training.encoder_options", {"cnn": {"kernel_sizes": [3, 4]}}, "not an odd width"),
    ],
)
def test_numbers_out_of_range_are_refused_by_key(path, value, words):
    message = refused(with_(path, value))
    assert f"config key '{path}" in message
    assert re.search(words, message) or words in message, message


def test_a_misspelt_dataset_option_is_refused_and_the_right_one_suggested():
    config = with_("datasets.synthetic.n_trian", 300)
    message = refused(config)
    assert message.startswith("config key 'datasets.synthetic.n_trian' is not an option")
    assert "did you mean 'n_train'?" in message


@pytest.mark.parametrize(
    ("entry", "key"),
    [
        ({"type": "sst", "task": "rating"}, "task"),  # an imdb option
        ({"type": "imdb", "include_title": False}, "include_title"),  # a Zhang option
        ({"type": "sst", "split_seed": 3}, "split_seed"),  # official splits: no seed
        ({"type": "synthetic", "files": {}}, "files"),  # nothing to download
        ({"type": "20news_all", "task": "baseball_hockey"}, "task"),  # fixed task
        ({"type": "table", "path": "x.csv", "dev_fractoin": 0.2}, "dev_fractoin"),
    ],
)
def test_options_of_another_type_are_refused(entry, key):
    message = refused(with_("datasets.extra", entry))
    assert message.startswith(f"config key 'datasets.extra.{key}' is not an option of dataset type")


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ({"type": "table"}, "'path' is a required property"),
        ({"type": "table", "path": "x.csv", "dev_fraction": 0.5, "test_fraction": 0.5}, "no train"),
        ({"type": "table", "path": "x.csv", "labels": ["a", "b"], "n_classes": 3}, "disagrees"),
        ({"type": "table", "path": "x.txt"}, "option 'format' is needed"),
        ({"type": "table", "path": "x.csv", "labels": ["a"]}, "too short"),
        ({"type": "synthetic", "vocab_size": 10}, "must exceed"),
        ({"type": "synthetic", "min_length": 10, "max_length": 5}, "below min_length"),
        ({"type": "imdb", "task": "stars"}, "is not one of"),
        ({"type": "imdb", "dev_fraction": 1.0}, "greater than or equal to the maximum"),
        ({"type": "sst", "files": {"trainDevTestTrees_PTB.zip": {"mirror_name": "../x.zip"}}},
         "does not match"),
        ({"type": "sst", "files": {"nope.zip": {}}}, "unknown file"),
    ],
)  # fmt: skip
def test_dataset_option_values_and_their_constraints(entry, words):
    message = refused(with_("datasets.extra", entry))
    assert message.startswith("config key 'datasets.extra"), message
    assert words in message, message


def test_encoder_options_are_the_encoder_class_arguments_by_name():
    message = refused(with_("training.encoder_options", {"lstm": {"hiden_size": 8}}))
    assert message.startswith("config key 'training.encoder_options.lstm.hiden_size'")
    assert "did you mean 'hidden_size'?" in message
    message = refused(with_("training.encoder_options", {"lstn": {"hidden_size": 8}}))
    assert message.startswith("config key 'training.encoder_options.lstn' is not allowed")
    # a hierarchical encoder takes its base encoder's options, under its own name
    validate(with_("training.encoder_options", {"hancnn": {"filters": 4, "kernel_sizes": [3]}}))
    message = refused(with_("training.encoder_options", {"hangru": {"filters": 4}}))
    assert "'training.encoder_options.hangru.filters'" in message


@pytest.mark.parametrize(
    "path",
    ["encoders", "attentions", "seeds", "wiegreffe_pinter.guided_mlp.variants",
     "serrano_smith.multi_weight.rankings"],
)  # fmt: skip
def test_no_list_may_be_empty(path):
    message = refused(with_(path, []))
    assert f"config key '{path}'" in message
    assert re.search("non-empty|too short|at least 1", message), message


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("datasets", {"a/b": {"type": "synthetic"}}),
        ("datasets", {"..": {"type": "synthetic"}}),
        ("encoders", ["ls/tm"]),
        ("wiegreffe_pinter.adversarial.base", "lstm/additive"),
        ("embeddings", {"g/l": {"type": "word2vec"}}),
    ],
)
def test_names_that_become_paths_may_not_hold_separators(path, value):
    message = refused(with_(path, value))
    assert message.startswith(f"config key '{path}"), message


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("pruthi.deception.models", ["hangru-additive"],
         "config key 'pruthi.deception.models': unknown name(s) ['hangru']"),
        ("pruthi.deception.models", ["lstm-nosuch"],
         "config key 'pruthi.deception.models': unknown name(s) ['nosuch']"),
        ("pruthi.deception.weights", [0.1, 0.1000001],  # one path, weight0.1
         "config key 'pruthi.deception.weights': ['0.1', '0.1'] name the same path twice"),
        ("wiegreffe_pinter.adversarial.lambdas", [1, 1.0000001],
         "config key 'wiegreffe_pinter.adversarial.lambdas': ['1', '1'] name the same path twice"),
    ],
)  # fmt: skip
def test_deception_and_adversary_names_are_checked(path, value, expected):
    assert refused(with_(path, value)).startswith(expected)


def test_dataset_type_must_be_a_name():
    message = refused(with_("datasets.synthetic.type", ["synthetic"]))
    assert message == "config key 'datasets.synthetic.type': ['synthetic'] is not a string"


# -- the files themselves -------------------------------------------------------------------
def problem(tmp_path, text: str) -> str:
    path = tmp_path / "c.yaml"
    path.write_text(text)
    found = configfiles.problems(path)
    assert found, text
    with pytest.raises(ConfigError) as info:
        validate({}, files=[path])
    assert str(info.value) == found[0]
    return found[0].replace(str(path), "FILE")


def test_a_key_given_twice_is_refused_with_both_lines(tmp_path):
    text = "seeds: [1]\ntraining:\n  epochs: 2\nencoders: [lstm]\ntraining:\n  lr: 0.1\n"
    assert problem(tmp_path, text) == (
        "config file FILE, line 5: key 'training' is given twice (first in line 2); YAML "
        "would silently keep only the second"
    )
    text = "training:\n  epochs: 2\n  lr: 0.1\n  epochs: 3\n"
    assert "line 4: key 'training.epochs' is given twice" in problem(tmp_path, text)


def test_yaml_1_1_number_traps_are_refused(tmp_path):
    assert problem(tmp_path, "seeds: [010, 2]\n") == (
        "config file FILE, line 1: key 'seeds.0': 010 has a leading zero, which YAML 1.1 reads "
        "as 8 (octal or text); write 10 or quote it"
    )
    assert "'08' (octal or text)" in problem(tmp_path, "seeds:\n  - 08\n")
    assert "line 2: key 'training.epochs': 1:30 is a base-60 number in YAML 1.1 (90)" in problem(
        tmp_path, "training:\n  epochs: 1:30\n"
    )
    assert "key 'yes' under 'datasets' is read as a bool" in problem(
        tmp_path, "datasets:\n  yes: {}\n"
    )


def test_a_file_that_does_not_parse_is_named_with_its_line(tmp_path):
    message = problem(tmp_path, "training:\n  epochs: 2\n\tlr: 0.1\n")
    assert message.startswith("config file FILE, line 3, column 1: not valid YAML")
    assert "indent with spaces" in message
    message = problem(tmp_path, "seeds: [1, 2\nencoders: [lstm]\n")
    assert message.startswith("config file FILE, line ") and "not valid YAML" in message


def test_quoted_values_and_json_files(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("mirror: '010'\nseeds: [10, 0x10]\nx: '1:30'\n")
    assert configfiles.problems(path) == []
    path.write_text('{"seeds": [1], "seeds": [2]}')
    assert configfiles.problems(path) == [
        f"config file {path}: key 'seeds' is given twice in one object; JSON keeps only the second"
    ]


def test_the_command_line_checker(tmp_path, capsys):
    bad, good = tmp_path / "bad.yaml", tmp_path / "good.yaml"
    bad.write_text("a:\n\tb: 1\n")
    good.write_text("a: 1\n")
    assert configfiles.main([str(good)]) == 0
    assert configfiles.main([str(good), str(bad)]) == 1
    assert f"config file {bad}, line 2, column 1" in capsys.readouterr().out


# -- the declarations agree with the code that reads them -----------------------------------
def options_read(module) -> set[str]:
    source = Path(module.__file__).read_text()
    read = r"(?:options|opts|with_defaults\(OPTIONS, options\))(?:\.get\(|\[)\s*\"(\w+)\""
    return set(re.findall(read, source))


def test_each_type_declares_exactly_the_options_its_parser_reads():
    from attnaudit.data import parsing, synthetic

    common = set(registry.COMMON) | {"files"}
    for name, spec in registry.REGISTRY.items():
        module = __import__(spec.parser.__module__, fromlist=["x"])
        if name == "synthetic":  # its parser is a lambda; opts[f"n_{split}"] reads three
            read = options_read(synthetic) | {"n_train", "n_dev", "n_test"}
            assert read == set(spec.options), read ^ set(spec.options)
            continue
        read = options_read(module) | (
            {"split_seed"} if "seeded_rng" in Path(module.__file__).read_text() else set()
        )
        if name == "20news_all":
            read -= {"task", "test_fraction"}  # parse_all20 fixes the task
        assert read <= set(spec.options) | common, (name, read - set(spec.options))
        assert set(spec.options) <= read, (name, set(spec.options) - read)
    assert options_read(parsing) == {"split_seed"}


def test_the_catalog_declares_each_encoder_class_arguments():
    import inspect

    for name in catalog.flat_encoders():
        params = inspect.signature(catalog.encoder_class(name).__init__).parameters
        arguments = {p: v.default for p, v in params.items() if p not in ("self", "input_dim")}
        declared = catalog.ENCODERS[name].options
        assert set(arguments) == set(declared), name
        for option, default in arguments.items():
            assert declared[option]["default"] == (list(default) if isinstance(default, tuple)
                                                   else default), (name, option)  # fmt: skip
    options = catalog.encoder_options_schema()["properties"]
    assert options["hangru"]["properties"] == catalog.ENCODERS["gru"].options


def _unbounded(schema, path=()):
    """The paths of every integer and list in a schema without an upper bound."""
    if isinstance(schema, dict):
        kinds = schema.get("type")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        counts = "integer" in kinds and "string" not in kinds  # not a label's value
        if counts and "maximum" not in schema and "enum" not in schema:
            yield ".".join(map(str, path))
        if "array" in kinds and "maxItems" not in schema and "enum" not in schema.get("items", {}):
            yield ".".join(map(str, path))
        for key, sub in schema.items():
            yield from _unbounded(sub, (*path, key))


def test_every_count_and_size_has_an_upper_bound():
    """A new integer or list setting without a bound fails here (lists of names from a
    fixed set are bounded by uniqueness and are left out)."""
    from attnaudit import settings
    from attnaudit.data.registry import REGISTRY, option_schema

    found = list(_unbounded(settings.config_schema()))
    for name, spec in REGISTRY.items():
        found += [f"datasets.{name}: {p}" for p in _unbounded(option_schema(spec))]
    assert found == []
