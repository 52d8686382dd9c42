"""Build a classifier from its config: flat, hierarchical for `han<encoder>` encoders, the
[CLS] classifier for attentions `cls` and `clsuniform`, or a pretrained checkpoint's
(`hf_config` in its encoder options: `pretrained:` encoders)."""

from __future__ import annotations

from typing import Any

from attnaudit.models import catalog
from attnaudit.models.classifier import AttentionClassifier, ModelConfig
from attnaudit.models.cls_classifier import CLSClassifier
from attnaudit.models.hierarchical import HierarchicalClassifier


def build_model(config: ModelConfig | dict[str, Any]) -> AttentionClassifier:
    if isinstance(config, dict):
        config = ModelConfig(**config)
    if "hf_config" in config.encoder_options:
        from attnaudit.models.pretrained import PretrainedClassifier

        return PretrainedClassifier(config)
    if catalog.is_hierarchical(config.encoder):
        return HierarchicalClassifier(config)
    if config.attention in catalog.CLS_ATTENTIONS:
        return CLSClassifier(config)
    return AttentionClassifier(config)
