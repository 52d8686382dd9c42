"""The attention classifier: embed -> encode -> attend -> context -> decode.

It exposes the stages separately because the analyses need them: `encode` once, then
`attend` and `decode` many times on fixed hidden states (the decoder-level engine), and
`encode_embedded` to take gradients with respect to the embeddings.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import torch
from torch import nn

from attnaudit.data.tokens import EOS_ID, PAD_ID, SEP_ID, SOS_ID
from attnaudit.models import catalog
from attnaudit.models.attention import ATTENTIONS, masked_normalise


@dataclass
class ModelConfig:
    vocab_size: int
    n_classes: int = 2
    encoder: str = "lstm"
    attention: str = "additive"
    embedding_dim: int = 300
    encoder_options: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class AttentionClassifier(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(config.vocab_size, config.embedding_dim, padding_idx=PAD_ID)
        self.encoder, hidden = self.build_encoder(config, config.embedding_dim)
        self.attention = self.build_attention(config, hidden)
        # Binary tasks use one logit and a sigmoid, as Jain & Wallace; k-class a softmax.
        self.binary = config.n_classes == 2
        self.decoder = nn.Linear(hidden, 1 if self.binary else config.n_classes)

    @staticmethod
    def build_encoder(config: ModelConfig, input_dim: int, name: str | None = None):
        encoder = catalog.encoder_class(name or config.encoder)(input_dim, **config.encoder_options)
        return encoder, encoder.output_dim

    @staticmethod
    def build_attention(config: ModelConfig, hidden: int) -> nn.Module:
        if config.attention not in ATTENTIONS:
            raise ValueError(f"unknown attention {config.attention!r}; known: {sorted(ATTENTIONS)}")
        return ATTENTIONS[config.attention](hidden)

    @staticmethod
    def masks(token_ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(token mask incl. <SOS>/<EOS>, mask of real tokens: no <SOS>, <EOS>, <SEP>)."""
        present = token_ids != PAD_ID
        real = present & (token_ids != SOS_ID) & (token_ids != EOS_ID) & (token_ids != SEP_ID)
        return present, real

    def encode_embedded(self, embedded: torch.Tensor, token_ids: torch.Tensor) -> torch.Tensor:
        present, _ = self.masks(token_ids)
        return self.encoder(embedded, present.sum(dim=1), present)

    hierarchical = False  # items are tokens; HierarchicalClassifier's items are sentences

    @staticmethod
    def item_count(token_ids) -> int:
        """How many items the topmost attention spreads over for one id sequence."""
        return sum(1 for t in token_ids if t not in (PAD_ID, SOS_ID, EOS_ID, SEP_ID))

    def encode(self, token_ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Hidden states (B, T, H) and the real-token mask (B, T)."""
        hidden = self.encode_embedded(self.embedding(token_ids), token_ids)
        return hidden, self.masks(token_ids)[1]

    def attend(self, hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Attention over the real items: the scorer's normaliser, exactly 0 elsewhere."""
        return masked_normalise(self.attention, self.attention(hidden), mask)

    def decode(self, hidden: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        """Logits from hidden states (..., T, H) and attention weights (..., T)."""
        context = torch.einsum("...t,...th->...h", weights, hidden)
        logits = self.decoder(context)
        return logits.squeeze(-1) if self.binary else logits

    # The decoder is affine in the attention: logits = sum_t alpha_t (W h_t) + b. Models for
    # which that fails (models.cls_classifier) set it False and override the two below.
    affine_decoder = True

    def decoder_cache(self, hidden: torch.Tensor) -> torch.Tensor:
        """What the engine keeps per batch to decode attention stacks: here W h_t."""
        return self.token_logits(hidden)

    def decode_cached(self, cache: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        """Logits for attention stacks (B, P, T) from `decoder_cache`'s result."""
        return self.decode_token_logits(cache, weights)

    def token_logits(self, hidden: torch.Tensor) -> torch.Tensor:
        """Each token's contribution W h_t to the logits, (..., T, C) without the bias.

        The decoder is affine in the context, so for any attention alpha the logits are
        sum_t alpha_t (W h_t) + b: decoding an attention vector costs T*C, not T*H.
        """
        return torch.nn.functional.linear(hidden, self.decoder.weight)

    def decode_token_logits(self, contributions: torch.Tensor, weights: torch.Tensor):
        """Logits from token contributions (..., T, C) and attention weights (..., P, T)."""
        logits = torch.matmul(weights, contributions) + self.decoder.bias
        return logits.squeeze(-1) if self.binary else logits

    def forward(self, token_ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        hidden, mask = self.encode(token_ids)
        weights = self.attend(hidden, mask)
        return self.decode(hidden, weights), weights

    def probabilities(self, logits: torch.Tensor) -> torch.Tensor:
        """Output distributions (..., K) for binary and k-class models alike."""
        if self.binary:
            p = torch.sigmoid(logits)
            return torch.stack([1.0 - p, p], dim=-1)
        return torch.softmax(logits, dim=-1)

    @property
    def attention_parameters(self) -> list[nn.Parameter]:
        return list(self.attention.parameters())
