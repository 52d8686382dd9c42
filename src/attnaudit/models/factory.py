"""Build a classifier from its config: flat, or hierarchical for `han<encoder>` encoders."""

from __future__ import annotations

from typing import Any

from attnaudit.models.classifier import AttentionClassifier, ModelConfig
from attnaudit.models.hierarchical import HIERARCHICAL, HierarchicalClassifier


def build_model(config: ModelConfig | dict[str, Any]) -> AttentionClassifier:
    if isinstance(config, dict):
        config = ModelConfig(**config)
    if config.encoder in HIERARCHICAL:
        return HierarchicalClassifier(config)
    return AttentionClassifier(config)
