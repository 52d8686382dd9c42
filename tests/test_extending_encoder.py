"""docs/extending.md#encoder, followed to the letter: a new encoder is one class plus one
entry in `models.catalog.ENCODERS`, and then the config check, `build_model` and training
take it like any other."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from attnaudit.config import ConfigError, validate
from attnaudit.data.options import integer
from attnaudit.data.prepare import load_documents, tokenize_documents
from attnaudit.data.tokens import EOS_ID, PAD_ID, SOS_ID
from attnaudit.models import ModelConfig, build_model, catalog
from attnaudit.train import fit, seed_everything
from tests.test_config_checks import DEFAULT, with_


class WindowEncoder(nn.Module):
    """The toy: each token's embedding plus its left neighbour's, through Linear + tanh."""

    def __init__(self, input_dim: int, width: int = 6):
        super().__init__()
        self.proj = nn.Linear(input_dim, width)
        self.output_dim = width

    def forward(self, embedded: torch.Tensor, lengths: torch.Tensor, mask: torch.Tensor):
        left = torch.nn.functional.pad(embedded, (0, 0, 1, 0))[:, :-1]
        return torch.tanh(self.proj(embedded + left)) * mask.unsqueeze(-1)


ENTRY = catalog.Encoder(
    f"{__name__}:WindowEncoder", {"width": integer(6, "size of the states (H)", 1, maximum=64)}
)


@pytest.fixture
def toy(monkeypatch):
    """The one catalogue entry the docs ask for."""
    monkeypatch.setitem(catalog.ENCODERS, "window", ENTRY)


def test_the_config_check_accepts_the_new_encoder_and_its_options(toy):
    config = with_("training.encoder_options", {"window": {"width": 3}})
    config["encoders"] = ["lstm", "window"]
    validate(config)
    assert config["training"]["encoder_options"]["window"] == {"width": 3}
    with pytest.raises(ConfigError, match=r"'training\.encoder_options\.window\.width'"):
        validate(with_("training.encoder_options", {"window": {"width": 0}}))
    with pytest.raises(ConfigError, match=r"'training\.encoder_options\.window\.depth'"):
        validate(with_("training.encoder_options", {"window": {"depth": 2}}))


def test_without_the_entry_the_config_is_refused_naming_the_key():
    config = copy.deepcopy(DEFAULT)
    config["encoders"] = ["window"]
    with pytest.raises(ConfigError, match=r"config key 'encoders': unknown name\(s\) \['window'\]"):
        validate(config)
    with pytest.raises(ConfigError, match=r"'training\.encoder_options\.window' is not allowed"):
        validate(with_("training.encoder_options", {"window": {"width": 3}}))


def test_the_signature_check_covers_the_new_entry(toy):
    """The catalogue test's reading of a class: `width` with its default, after input_dim."""
    assert catalog.encoder_class("window") is WindowEncoder
    assert catalog.flat_encoders()[-1] == "window" and not catalog.is_hierarchical("window")
    assert "window" in catalog.encoder_options_schema()["properties"]


def test_build_model_builds_it_and_its_parameters_get_gradients(toy):
    config = ModelConfig(
        vocab_size=20, encoder="window", embedding_dim=5, encoder_options={"width": 4}
    )
    model = build_model(config)
    assert isinstance(model.encoder, WindowEncoder) and model.encoder.proj.weight.shape == (4, 5)
    tokens = torch.tensor([[SOS_ID, 5, 6, 7, EOS_ID], [SOS_ID, 8, EOS_ID, PAD_ID, PAD_ID]])
    hidden, mask = model.encode(tokens)
    assert hidden.shape == (2, 5, 4) and mask.sum(1).tolist() == [3, 1]
    assert hidden[1, 3:].abs().sum() == 0  # the toy zeroes padding
    logits, weights = model(tokens)
    assert logits.shape == (2,) and weights.shape == (2, 5)  # binary: one logit
    torch.testing.assert_close(weights[1], torch.tensor([0.0, 1.0, 0.0, 0.0, 0.0]))
    logits.sum().backward()
    for name, p in model.encoder.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_a_short_training_run_trains_it(toy):
    docs = load_documents(
        "synthetic", {"seed": 0, "n_train": 40, "n_dev": 20, "n_test": 20, "vocab_size": 30}, []
    )
    table, vocab = tokenize_documents("synthetic", docs, min_count=1)
    config = ModelConfig(vocab_size=len(vocab), encoder="window", embedding_dim=8)
    result = fit(table, config, {"epochs": 1, "batch_size": 8}, seed=3, progress=False)
    assert result.model.encoder.output_dim == 6  # the catalogue's default width
    seed_everything(3)  # fit's initialisation, rebuilt: training moved the toy's weights
    initial = build_model(config).encoder.proj.weight
    assert not torch.equal(initial, result.model.encoder.proj.weight.cpu())
    assert len(result.predictions) == 20
    assert all(len(w) == n for w, n in zip(result.predictions["attention"],
                                           result.predictions["length"], strict=True))  # fmt: skip
