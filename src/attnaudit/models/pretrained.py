"""A pretrained Hugging Face encoder as the [CLS] classifier: the checkpoint's layers
1..L-1 as the encoder, its layer L as the [CLS] attention layer, a linear head on top.

The last layer is the one whose [CLS] row the classifier reads, so its [CLS] row is what
the decoder-level analyses perturb. It is computed by `cls_attention.CLSAttention` with the
checkpoint's own weights (query, key, value, output projection, both LayerNorms and the
feed-forward block, post-LN as BERT, RoBERTa and DistilBERT are), with two changes that
make that row an explanation the model actually uses, as in the project's own [CLS]
classifier: the heads share one distribution, alpha = mean_h a_h (each head's values mixed
with alpha), and alpha covers the word pieces only (0 at [CLS], [SEP] and padding). Every
other row and layer is the checkpoint's, unchanged; fine-tuning adapts the model to the
change. With `clsuniform` the row is fixed at 1/T over the pieces (no query or key): the
uniform control of the same checkpoint, whose lower layers still mix the input freely.

The word-embedding rows are reordered into the project's id space (`data.pieces`), one
extra zero row for the unused <SEP> slot, so token ids go straight in. Weights are read
from safetensors only (`use_safetensors=True`), never from a pickle.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from attnaudit.data.pieces import piece_order
from attnaudit.models.classifier import ModelConfig
from attnaudit.models.cls_attention import CLSAttention, UniformCLSAttention
from attnaudit.models.cls_classifier import CLSClassifier

# the model types whose last layer `layer_parts` takes apart: BERT's layout, and DistilBERT's
SUPPORTED = ("bert", "roberta", "xlm-roberta", "electra", "camembert", "distilbert")


def check_supported(model_type: str) -> None:
    if model_type not in SUPPORTED:
        raise ValueError(
            f"checkpoint model_type {model_type!r} is not supported; supported: "
            f"{list(SUPPORTED)} (post-LN encoders whose last layer's [CLS] row is rebuilt here)"
        )


def layer_list(model: nn.Module, model_type: str) -> nn.ModuleList:
    return model.transformer.layer if model_type == "distilbert" else model.encoder.layer


def layer_parts(layer: nn.Module, model_type: str) -> dict[str, nn.Module]:
    """A post-LN layer's modules by the names `CLSAttention` uses."""
    if model_type == "distilbert":
        a, ffn = layer.attention, layer.ffn
        ff = nn.Sequential(ffn.lin1, ffn.activation, ffn.lin2)
        return dict(query=a.q_lin, key=a.k_lin, value=a.v_lin, out=a.out_lin,
                    norm1=layer.sa_layer_norm, norm2=layer.output_layer_norm, ff=ff)  # fmt: skip
    s, o = layer.attention.self, layer.attention.output
    ff = nn.Sequential(layer.intermediate.dense, layer.intermediate.intermediate_act_fn,
                       layer.output.dense)  # fmt: skip
    return dict(query=s.query, key=s.key, value=s.value, out=o.dense, norm1=o.LayerNorm,
                norm2=layer.output.LayerNorm, ff=ff)  # fmt: skip


def cls_layer(layer: nn.Module, model_type: str, heads: int, uniform: bool) -> CLSAttention:
    """The [CLS] attention layer holding `layer`'s own modules (no copy)."""
    kind = UniformCLSAttention if uniform else CLSAttention
    cls = kind.__new__(kind)
    nn.Module.__init__(cls)
    parts = layer_parts(layer, model_type)
    if uniform:
        parts = {k: v for k, v in parts.items() if k not in ("query", "key")}
    for name, module in parts.items():
        setattr(cls, name, module)
    hidden = parts["value"].out_features
    cls.heads, cls.head_size = heads, hidden // heads
    return cls


class PretrainedClassifier(CLSClassifier):
    """`config.encoder_options`: `hf_config` (the checkpoint's config as a dict), `specials`
    (its [PAD], [UNK], [CLS], [SEP] ids) and, when training starts, `checkpoint` (the
    directory whose safetensors weights are loaded; without it the weights are random,
    to be replaced by a saved state dict)."""

    def __init__(self, config: ModelConfig):
        from transformers import AutoConfig, AutoModel

        nn.Module.__init__(self)
        self.config = config
        options: dict[str, Any] = config.encoder_options
        hf_config = AutoConfig.for_model(**options["hf_config"])
        model_type = hf_config.model_type
        check_supported(model_type)
        if options.get("checkpoint"):
            model = AutoModel.from_pretrained(
                options["checkpoint"], config=hf_config, use_safetensors=True
            )
        else:
            model = AutoModel.from_config(hf_config)
        if getattr(model, "pooler", None) is not None:
            model.pooler = None  # the head reads the [CLS] output itself
        layers = layer_list(model, model_type)
        last = layers[-1]
        del layers[-1]
        heads, uniform = int(hf_config.num_attention_heads), config.attention == "clsuniform"
        self.attention = cls_layer(last, model_type, heads, uniform)
        words = model.get_input_embeddings()
        order = torch.as_tensor(piece_order(words.num_embeddings, options["specials"]))
        table = torch.zeros(len(order), words.embedding_dim)
        table[order >= 0] = words.weight.data[order[order >= 0]]
        model.set_input_embeddings(nn.Embedding.from_pretrained(table, freeze=False))
        self.encoder = model
        self.binary = config.n_classes == 2
        self.decoder = nn.Linear(words.embedding_dim, 1 if self.binary else config.n_classes)

    @property
    def embedding(self) -> nn.Embedding:
        """The word-piece embeddings (project ids), the checkpoint's own module."""
        return self.encoder.get_input_embeddings()

    def encode_embedded(self, embedded: torch.Tensor, token_ids: torch.Tensor) -> torch.Tensor:
        """The states entering the last layer, from word-piece embeddings (positions and
        segment embeddings are added by the checkpoint's embedding module)."""
        present, _ = self.masks(token_ids)
        out = self.encoder(inputs_embeds=embedded, attention_mask=present.long())
        return out.last_hidden_state

    @torch.no_grad()
    def lower_attentions(self, token_ids: torch.Tensor) -> list[torch.Tensor]:
        """Layers 1..L-1's attention probabilities, each (B, heads, T, T)."""
        present, _ = self.masks(token_ids)
        previous = self.encoder.config._attn_implementation
        self.encoder.set_attn_implementation("eager")  # sdpa returns no probabilities
        try:
            out = self.encoder(inputs_embeds=self.embedding(token_ids),
                               attention_mask=present.long(), output_attentions=True)  # fmt: skip
        finally:
            self.encoder.set_attn_implementation(previous)
        return list(out.attentions)

    def head_distributions(self, hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Each head's [CLS] attention over the pieces in the last layer, (B, heads, T)."""
        return self.attention.head_distributions(hidden, mask)

    @torch.no_grad()
    def value_norms(self, hidden: torch.Tensor) -> torch.Tensor:
        """||W_o V x_t|| per position (B, T): Kobayashi et al.'s ||f(x_t)|| for the [CLS]
        row, the output projection's bias left out (it does not depend on t)."""
        values = self.attention.value(hidden)
        return (values @ self.attention.out.weight.T).norm(dim=-1)


def hf_options(checkpoint: str) -> dict[str, Any]:
    """What a run's ModelConfig carries of a checkpoint directory: its config and specials."""
    from transformers import AutoConfig, AutoTokenizer

    from attnaudit.data.pieces import specials_of

    config = AutoConfig.from_pretrained(checkpoint).to_dict()
    specials = specials_of(AutoTokenizer.from_pretrained(checkpoint))
    return {"hf_config": config, "specials": specials}
