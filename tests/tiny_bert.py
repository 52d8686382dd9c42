"""A tiny randomly initialised BERT checkpoint in the Hugging Face layout, built offline: a
`BertConfig`, a WordPiece tokenizer of `tokenizers` over the given words, both saved with
`save_pretrained` (weights as safetensors) so that the workflow loads it through the same
code path as a hub checkpoint.

The vocabulary is built here, not by `tokenizers`' WordPieceTrainer: the trainer breaks
ties between equally frequent merges in hash order, which differs from process to process,
so its tokens (and the tests' numbers) would too."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def wordpiece_vocabulary(words: Iterable[str]) -> dict[str, int]:
    """WordPiece's layout, deterministically: the specials, every character alone and as a
    continuation (`##c`), each word seen more than once whole, and for each word seen once
    only its first two characters, so rare words come in pieces (`wb` `##a` `##c`) as
    WordPiece leaves them."""
    counts = Counter(w.lower() for w in words)
    chars = sorted({c for w in counts for c in w})
    whole = sorted(w for w, n in counts.items() if n > 1)
    prefixes = sorted({w[:2] for w, n in counts.items() if n == 1 and len(w) > 2})
    tokens = [*SPECIALS, *chars, *(f"##{c}" for c in chars), *whole, *prefixes]
    return {t: i for i, t in enumerate(dict.fromkeys(tokens))}


def make_tiny_bert(
    directory: str | Path,
    words: Iterable[str],
    layers: int = 3,
    hidden: int = 32,
    heads: int = 4,
    seed: int = 0,
    model_type: str = "bert",
) -> Path:
    """Write the checkpoint to `directory` and return it."""
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import (
        BertConfig,
        BertModel,
        DistilBertConfig,
        DistilBertModel,
        PreTrainedTokenizerFast,
    )

    directory = Path(directory)
    vocab = wordpiece_vocabulary(words)
    tokenizer = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()

    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", cls), ("[SEP]", sep)]
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
        sep_token="[SEP]", mask_token="[MASK]",
    )  # fmt: skip
    fast.save_pretrained(directory)
    torch.manual_seed(seed)
    size = tokenizer.get_vocab_size()
    if model_type == "distilbert":
        config = DistilBertConfig(vocab_size=size, dim=hidden, n_layers=layers, n_heads=heads,
                                  hidden_dim=2 * hidden, max_position_embeddings=128,
                                  pad_token_id=0)  # fmt: skip
        model = DistilBertModel(config)
    else:
        config = BertConfig(vocab_size=size, hidden_size=hidden, num_hidden_layers=layers,
                            num_attention_heads=heads, intermediate_size=2 * hidden,
                            max_position_embeddings=128, pad_token_id=0)  # fmt: skip
        model = BertModel(config)
    model.save_pretrained(directory, safe_serialization=True)
    return directory


def sharpen(directory) -> None:
    """Redraw the checkpoint's weights at std 0.3 (saved in place): BERT's 0.02 makes every
    position's contribution so small that a wrong attention row would hide below 1e-5."""
    import torch
    from transformers import AutoModel

    hf = AutoModel.from_pretrained(directory)
    torch.manual_seed(1)
    with torch.no_grad():
        for name, p in hf.named_parameters():
            if p.dim() > 1:
                p.normal_(0.0, 0.3)
            elif "LayerNorm" not in name and "layer_norm" not in name:
                p.normal_(0.0, 0.1)
    hf.save_pretrained(directory, safe_serialization=True)
