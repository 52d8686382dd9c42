"""Hierarchical attention networks (Yang et al. 2016), as Serrano & Smith (2019) use them.

word encoder -> word attention (per sentence) -> sentence vectors -> sentence encoder ->
sentence attention -> linear decoder. The *topmost* attention is over sentences, so this
classifier's `encode` returns sentence-level hidden states and a mask over sentences: the
decoder-level engine and the erasure analyses then treat sentences as the items, exactly
as they treat tokens for flat models.

Input is the flat id sequence <SOS> w w <SEP> w w w <SEP> w <EOS> made by preprocessing
with `sentences: true`. Encoder names `hangru`, `hancnn` and `hanaverage`
(`catalog.Hierarchical` entries) use their base encoder (and its options) at both levels.
"""

from __future__ import annotations

import torch

from attnaudit.data.tokens import SEP_ID
from attnaudit.models import catalog
from attnaudit.models.attention import masked_normalise
from attnaudit.models.classifier import AttentionClassifier, ModelConfig


class HierarchicalClassifier(AttentionClassifier):
    hierarchical = True

    def __init__(self, config: ModelConfig):
        torch.nn.Module.__init__(self)
        if config.attention in catalog.CLS_ATTENTIONS:
            raise ValueError(
                f"attention {config.attention!r} needs a flat encoder, not {config.encoder!r}"
            )
        self.config = config
        base = catalog.base_encoder(config.encoder)
        self.embedding = torch.nn.Embedding(config.vocab_size, config.embedding_dim, padding_idx=0)
        self.word_encoder, word_dim = self.build_encoder(config, config.embedding_dim, base)
        self.word_attention = self.build_attention(config, word_dim)
        self.encoder, hidden = self.build_encoder(config, word_dim, base)
        self.attention = self.build_attention(config, hidden)
        self.binary = config.n_classes == 2
        self.decoder = torch.nn.Linear(hidden, 1 if self.binary else config.n_classes)

    @staticmethod
    def item_count(token_ids) -> int:
        return 1 + sum(1 for t in token_ids if t == SEP_ID)

    @property
    def attention_parameters(self) -> list[torch.nn.Parameter]:
        return [*self.attention.parameters(), *self.word_attention.parameters()]

    @classmethod
    def sentence_layout(cls, token_ids: torch.Tensor):
        """Where each real token goes in a (B, S, W) sentence tensor.

        Returns (rows, columns, sentence, position) index tensors of the real tokens and
        the number of sentences per document (B,).
        """
        real = cls.masks(token_ids)[1]
        sentence = torch.cumsum(token_ids == SEP_ID, dim=1)
        n_sentences = torch.where(real, sentence, -1).max(dim=1).values + 1
        rows, cols = real.nonzero(as_tuple=True)
        sent = sentence[rows, cols]
        # position within the sentence: running count of real tokens in that sentence
        key = rows * (token_ids.shape[1] + 1) + sent
        first = torch.zeros_like(key)
        change = torch.ones_like(key, dtype=torch.bool)
        change[1:] = key[1:] != key[:-1]
        starts = torch.nonzero(change).squeeze(-1)
        first[starts] = starts
        first = torch.cummax(first, dim=0).values
        position = torch.arange(len(key), device=key.device) - first
        return rows, cols, sent, position, n_sentences

    def sentence_vectors(self, embedded: torch.Tensor, token_ids: torch.Tensor):
        """Word encoder and word attention per sentence: (B, S, H_word) and a (B, S) mask."""
        rows, cols, sent, position, n_sentences = self.sentence_layout(token_ids)
        b, s = token_ids.shape[0], int(n_sentences.max())
        # Only real sentences go through the word level: (N, W) with N = sum of sentences.
        flat = torch.zeros(b, s, dtype=torch.long, device=token_ids.device)
        sentence_mask = torch.arange(s, device=token_ids.device) < n_sentences.unsqueeze(1)
        flat[sentence_mask] = torch.arange(int(sentence_mask.sum()), device=token_ids.device)
        which = flat[rows, sent]
        width = int(position.max()) + 1
        words = embedded.new_zeros(int(sentence_mask.sum()), width, embedded.shape[-1])
        words[which, position] = embedded[rows, cols]
        word_mask = torch.zeros(words.shape[:2], dtype=torch.bool, device=words.device)
        word_mask[which, position] = True
        hidden = self.word_encoder(words, word_mask.sum(1), word_mask)
        weights = masked_normalise(self.word_attention, self.word_attention(hidden), word_mask)
        vectors = torch.einsum("nw,nwh->nh", weights, hidden)
        out = vectors.new_zeros(b, s, vectors.shape[-1])
        out[sentence_mask] = vectors
        return out, sentence_mask

    def encode_embedded(self, embedded: torch.Tensor, token_ids: torch.Tensor) -> torch.Tensor:
        vectors, mask = self.sentence_vectors(embedded, token_ids)
        return self.encoder(vectors, mask.sum(1), mask)

    def encode(self, token_ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Sentence-level hidden states (B, S, H) and the sentence mask (B, S)."""
        vectors, mask = self.sentence_vectors(self.embedding(token_ids), token_ids)
        return self.encoder(vectors, mask.sum(1), mask), mask
