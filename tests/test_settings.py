"""Analysis settings are declared once (attnaudit.settings): the schema, the defaults, the
configs and docs/settings.md are derived from the declarations or checked against them."""

from __future__ import annotations

import dataclasses
import math

import jsonschema
import pytest
import yaml

from attnaudit import config as config_module
from attnaudit import settings
from tests.workflow_runner import REPO

BLOCKS = [(s, b, cls) for s, blocks in settings.SECTIONS.items() for b, cls in blocks.items()]


def test_docs_settings_page_is_generated_from_the_declarations():
    page = (REPO / "docs" / "settings.md").read_text(encoding="utf-8")
    assert page == settings.markdown(), (
        "regenerate: python -m attnaudit.settings > docs/settings.md"
    )


@pytest.mark.parametrize(("section", "block", "cls"), BLOCKS)
def test_schema_block_is_the_declaration(section, block, cls):
    """Every field is a schema property with the field's default, and nothing else is."""
    schema = settings.config_schema()["properties"][section]["properties"][block]
    fields = {settings.config_key(f): f for f in dataclasses.fields(cls)}
    assert set(schema["properties"]) == set(fields)
    assert schema["additionalProperties"] is False
    defaults = cls().params()
    for key, spec in schema["properties"].items():
        assert spec["default"] == defaults[key]
        assert spec["description"] == fields[key].metadata["doc"]
    assert cls.key == f"{section}.{block}"
    assert cls.__doc__ and cls.__doc__.strip()  # the math, as in captum's attribute() docs


@pytest.mark.parametrize(("section", "block", "cls"), BLOCKS)
def test_defaults_are_valid_against_the_schema_and_their_own_limits(section, block, cls):
    schema = settings.config_schema()["properties"][section]["properties"][block]
    jsonschema.validate(cls().params(), schema)
    assert cls.of(cls().params()) == cls()


@pytest.mark.parametrize(
    "path", ["config.yaml", *sorted(p.name for p in (REPO / "configs").glob("*.yaml"))]
)
def test_every_shipped_config_block_parses(path):
    file = REPO / path if path == "config.yaml" else REPO / "configs" / path
    config = yaml.safe_load(file.read_text(encoding="utf-8"))
    for section, blocks in settings.SECTIONS.items():
        for block, given in (config.get(section) or {}).items():
            assert block in blocks, f"{path}: {section}.{block} is not a settings block"
            blocks[block].of(given)
    if "training" in config:
        settings.Training.of(config["training"])


@pytest.mark.parametrize(
    ("cls", "given", "message"),
    [
        (settings.Adversary, {"lamda": 1.0}, "not allowed here (did you mean 'lambda'?)"),
        (settings.Adversary, {"lambda": math.inf}, "is not a finite number"),
        (settings.Adversary, {"lambda": math.nan}, "is not a finite number"),
        (settings.Adversary, {"k": 0}, "is less than 1"),
        (settings.Adversary, {"epsilon": 0.0}, "is not above 0"),
        (settings.Adversary, {"steps": 10.5}, "is not an integer"),
        (settings.Adversary, {"steps": True}, "is not an integer"),
        (settings.Permutation, {"split": "valid"}, "is not one of"),
        (settings.MultiWeight, {"rankings": []}, "needs at least 1"),
        (settings.MultiWeight, {"rankings": ["loo", "loo"]}, "repeats an item"),
        (settings.MultiWeight, {"rankings": ["lime"]}, "is not one of"),
        (settings.Adversarial, {"lambdas": [0.1, -1.0]}, "is less than 0"),
        (settings.GuidedMlp, {"base": "lstm"}, "does not match"),
        (settings.Training, {"encoder_options": [1]}, "is not a mapping"),
        (settings.Training, {"device": "gpu"}, "is not one of"),
    ],
)
def test_bad_settings_name_the_key(cls, given, message):
    key = f"{cls.key}.{next(iter(given))}"
    with pytest.raises(settings.SettingsError, match=rf"config key '{key}'") as info:
        cls.of(given)
    assert message in str(info.value)


def test_params_are_canonical_whatever_the_order_and_type_of_the_input():
    a = settings.Adversary.of({"steps": 20, "lambda": 5, "k": 2})
    b = settings.Adversary.of({"k": 2, "lambda": 5.0, "steps": 20})
    assert a.params() == b.params() and repr(a.params()) == repr(b.params())
    assert list(a.params()) == [settings.config_key(f) for f in dataclasses.fields(a)]
    assert isinstance(a.params()["lambda"], float)


def test_check_schema_fills_the_analysis_defaults_and_refuses_non_finite_numbers():
    config = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
    del config["jain_wallace"]["adversary"]
    config_module.check_schema(config)
    assert config["jain_wallace"]["adversary"] == settings.Adversary().params()
    config["training"]["lr"] = math.inf
    with pytest.raises(config_module.ConfigError, match="'training.lr': inf is not a finite"):
        config_module.check_schema(config)


def test_the_declared_defaults_are_the_documented_ones():
    """Hand-written from docs/experiments.md and the papers' settings: a default edited in the
    declaration shows here, and nowhere else holds a second copy to keep in step."""
    assert settings.Training().params() == {
        "epochs": 8,
        "batch_size": 32,
        "lr": 0.001,
        "weight_decay": 0.00001,
        "class_weighted": True,
        "embedding_dim": 300,
        "embeddings": None,
        "encoder_options": {},
        "threads": 1,
        "device": "cpu",
    }
    adversary = settings.Adversary()
    assert (adversary.k, adversary.lam, adversary.epsilon, adversary.steps) == (5, 500.0, 0.01, 500)
    assert settings.Eraser().percents == (1.0, 5.0, 10.0, 20.0, 50.0)
    schema = settings.config_schema()
    top = schema["properties"]
    assert top["mirror"]["default"] is None and top["embeddings"]["default"] == {}
    assert top["analyses"]["default"] == ["jain_wallace", "serrano_smith", "faithfulness",
                                          "vashishth"]  # fmt: skip
    assert schema["required"] == ["datasets", "encoders", "attentions", "seeds", "training"]
    assert all("default" not in top[key] for key in schema["required"])


def test_validate_fills_the_training_defaults_and_leaves_the_datasets_as_written():
    from attnaudit.data import synthetic
    from attnaudit.data.options import with_defaults

    config = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
    del config["training"]["epochs"], config["training"]["device"]
    config_module.validate(config)
    assert config["training"]["epochs"] == 8 and config["training"]["device"] == "cpu"
    assert "n_classes" not in config["datasets"]["synthetic"]  # a job's params as written
    read = with_defaults(synthetic.OPTIONS, config["datasets"]["synthetic"])
    assert (read["n_classes"], read["n_train"], read["signal_tokens_per_class"]) == (2, 600, 10)


@pytest.mark.parametrize(
    ("deception", "message"),
    [
        ({"models": ["lstm-additive", "lstn-additive"]}, "'pruthi.deception.models': unknown"),
        ({"models": ["lstm-softmax"]}, "'pruthi.deception.models': unknown name(s) ['softmax']"),
        ({"weights": [0.1, 0.1000001]}, "'pruthi.deception.weights': ['0.1', '0.1'] name the"),
    ],
)
def test_validate_checks_the_deceptive_runs(deception, message):
    config = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
    config["pruthi"] = {"deception": deception}
    with pytest.raises(config_module.ConfigError) as info:
        config_module.validate(config)
    assert message in str(info.value)


def test_validate_runs_every_check_once(monkeypatch):
    calls = []

    def counted(name):
        real = getattr(config_module, name)
        return lambda *args: (calls.append(name), real(*args))[1]

    checks = ["check_schema", "check_datasets", "check_wiegreffe_pinter", "check_deception"]
    for name in checks:
        monkeypatch.setattr(config_module, name, counted(name))
    config = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
    config_module.validate(config, files=[REPO / "config.yaml"])
    assert sorted(calls) == sorted(checks)
