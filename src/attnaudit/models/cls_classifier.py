"""The [CLS] classifier (attention `cls`, or `clsuniform`: the same with alpha = 1/T):
encoder, then the [CLS] attention layer (`models.cls_attention`), then the linear decoder
on the [CLS] output.

With the `transformer` encoder the [CLS] layer is the Transformer's last layer: the encoder
runs `layers - 1` layers and `hidden` (what `encode` returns and decoder-level analyses hold
fixed) are the states entering the last one. With another encoder the layer sits on top of
its states. Its decoder is not affine in the attention, so `affine_decoder` is False: the
engine caches the values V x_t and the <SOS> state per batch (`decoder_cache`) and decodes
stacks of attention vectors through the layer's tail (`decode_cached`).
"""

from __future__ import annotations

import dataclasses

import torch
from torch import nn

from attnaudit.data.tokens import PAD_ID
from attnaudit.models.attention import ATTENTIONS
from attnaudit.models.classifier import AttentionClassifier, ModelConfig


class CLSClassifier(AttentionClassifier):
    affine_decoder = False

    def __init__(self, config: ModelConfig):
        nn.Module.__init__(self)
        self.config = config
        self.embedding = nn.Embedding(config.vocab_size, config.embedding_dim, padding_idx=PAD_ID)
        options = dict(config.encoder_options)
        transformer = config.encoder == "transformer"
        encoder_config = config
        if transformer:  # its last layer is the [CLS] layer
            layers = int(options.get("layers", 2))
            if layers < 1:
                raise ValueError("the Transformer needs at least one layer (its [CLS] layer)")
            options["layers"] = layers - 1
            encoder_config = dataclasses.replace(config, encoder_options=options)
        self.encoder, hidden = self.build_encoder(encoder_config, config.embedding_dim)
        self.attention = ATTENTIONS[config.attention](
            hidden,
            heads=int(options.get("heads", 4)) if transformer else 4,
            ff_size=options.get("ff_size") if transformer else None,
        )
        self.binary = config.n_classes == 2
        self.decoder = nn.Linear(hidden, 1 if self.binary else config.n_classes)

    def attend(self, hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """The head-averaged [CLS] attention over the items, exactly 0 elsewhere."""
        return self.attention.distribution(hidden, mask)

    def decode(self, hidden: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        """Logits from the states entering the [CLS] layer (..., T, H) and attention weights
        (..., T): every head mixes its values with `weights`."""
        values = self.attention.value(hidden)
        context = (weights.unsqueeze(-2) @ values).squeeze(-2)
        return self.logits_of(self.attention.finish(hidden[..., 0, :], context))

    def logits_of(self, output: torch.Tensor) -> torch.Tensor:
        logits = self.decoder(output)
        return logits.squeeze(-1) if self.binary else logits

    def decoder_cache(self, hidden: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """What decoding needs of a batch's states (B, T, H): the values V x_t (B, T, H) and
        the <SOS> state x_0 (B, H)."""
        return self.attention.value(hidden), hidden[:, 0]

    def decode_cached(self, cache: tuple[torch.Tensor, torch.Tensor], weights: torch.Tensor):
        """Logits (B, P[, C]) for attention stacks (B, P, T) through the layer's tail."""
        values, cls_state = cache
        context = weights @ values  # (B, P, H)
        return self.logits_of(self.attention.finish(cls_state.unsqueeze(1), context))

    def token_logits(self, hidden: torch.Tensor) -> torch.Tensor:
        raise TypeError("the [CLS] classifier's decoder is not affine: use decoder_cache")

    @property
    def attention_parameters(self) -> list[nn.Parameter]:
        return self.attention.scoring_parameters
