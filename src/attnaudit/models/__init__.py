"""Embeddings, encoders, attention, decoders, and the classifier that composes them."""

from attnaudit.models.classifier import AttentionClassifier, ModelConfig
from attnaudit.models.factory import build_model

__all__ = ["AttentionClassifier", "ModelConfig", "build_model"]
