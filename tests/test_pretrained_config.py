"""A `pretrained:` encoder in the config and the plan: checked before any job runs, its runs
read the word pieces and fine-tune with its own settings."""

from __future__ import annotations

import copy

import pytest
import yaml

from attnaudit.config import ConfigError, validate
from attnaudit.plan import Plan
from tests.conftest import REPO, SHARED_DATA

MINILM = "sentence-transformers/all-MiniLM-L6-v2"


def pretrained_config(**changes) -> dict:
    config = yaml.safe_load((REPO / "configs" / "pretrained.yaml").read_text())
    config["mirror"] = str(SHARED_DATA)
    config.update(changes)
    return config


@pytest.fixture
def plan() -> Plan:
    if not (SHARED_DATA / "hf" / MINILM.replace("/", "--")).is_dir():
        pytest.skip("the mirror's MiniLM checkpoint is not present")
    config = pretrained_config()
    validate(config)
    return Plan(config)


def test_its_runs_read_word_pieces_and_fine_tune_with_their_own_settings(plan):
    assert plan.data_file("sst", "minilm", "tokens.parquet") == (
        "results/sst/data/pieces/minilm/tokens.parquet"
    )
    assert plan.data_file("sst", "lstm", "vocab.json") == "results/sst/data/vocab.json"
    tuned = plan.training_of("minilm")
    assert (tuned["lr"], tuned["epochs"], tuned["weight_decay"]) == (5.0e-5, 3, 0.01)
    assert tuned["embeddings"] is None
    directory, download = plan.checkpoint("minilm")
    assert not download and directory.endswith("hf/sentence-transformers--all-MiniLM-L6-v2")
    names = [f.rsplit("/", 1)[1] for f in plan.checkpoint_files("minilm")]
    assert names[:2] == ["config.json", "model.safetensors"] and "vocab.txt" in names
    assert plan.token_tables() == {
        "sst": "results/sst/data/tokens.parquet",
        "sst/minilm": "results/sst/data/pieces/minilm/tokens.parquet",
    }


def test_a_pretrained_encoders_analyses_ask_for_their_measured_memory(plan):
    """MiniLM's analysis jobs peaked at 4.54 GB (docs/cluster.md#resources): above the 4000
    MB of the models trained from scratch, so its jobs ask for 8000."""
    assert plan.analysis_mem_mb("minilm") == 8000
    assert plan.analysis_mem_mb("lstm") == 4000


def test_defaults_of_an_entry_are_filled_in(plan):
    assert plan.pretrained["minilm"]["max_pieces"] == 128


def test_without_the_mirror_it_is_downloaded_by_name(plan):
    config = pretrained_config(mirror=None)
    validate(config)
    assert Plan(config).checkpoint("minilm") == ("resources/hf/minilm", True)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"attentions": ["cls", "additive"]}, r"\['additive'\] cannot run on the pretrained"),
        ({"encoders": ["minilm", "bert"]}, r"config key 'encoders': unknown name\(s\) \['bert'\]"),
    ],
)
def test_what_a_pretrained_encoder_cannot_do_is_named(change, message):
    config = pretrained_config(**change)
    with pytest.raises(ConfigError, match=message):
        validate(config)


def test_a_pretrained_entry_may_not_take_a_built_in_name_nor_lack_its_revision():
    config = pretrained_config()
    config["pretrained"]["lstm"] = copy.deepcopy(config["pretrained"]["minilm"])
    with pytest.raises(ConfigError, match="'pretrained.lstm'.*built-in encoder"):
        validate(config)
    config = pretrained_config(mirror=None)
    del config["pretrained"]["minilm"]["revision"]
    with pytest.raises(ConfigError, match="pretrained.minilm.revision"):
        validate(config)
    config = pretrained_config()
    config["pretrained"]["minilm"]["revision"] = "main"
    with pytest.raises(ConfigError, match="revision"):
        validate(config)


def test_wiegreffe_pinter_items_on_a_pretrained_base_read_its_pieces(plan):
    config = pretrained_config()
    config["wiegreffe_pinter"] = {
        "guided_mlp": {"variants": ["base", "adversary"], "base": "minilm-cls"},
        "adversarial": {"base": "minilm-cls", "lambdas": [1.0], "epochs": None},
    }
    validate(config)
    plan = Plan(config)
    pieces = "results/sst/data/pieces/minilm/tokens.parquet"
    assert plan.guide_pieces("sst") == {
        "base_guide_pieces": pieces,
        "adversary_guide_pieces": pieces,
    }
    assert plan.adversary_data("sst", "vocab.json") == "results/sst/data/pieces/minilm/vocab.json"
    assert plan.adversary_training()["lr"] == 5.0e-5  # the base's fine-tuning, its epochs
    assert plan.adversary_training()["epochs"] == 3
    assert plan.adversary_checkpoint()[1].endswith("model.safetensors")
    assert f"{'results/report'}/wiegreffe_pinter/guided_mlp.md" in plan.targets()
