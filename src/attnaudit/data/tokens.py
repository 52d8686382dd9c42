"""Tokenisation and vocabulary as Jain & Wallace preprocess text.

Lower-case; PTB bracket escapes undone; words are maximal runs of letters and digits
(punctuation and apostrophes split, as in their processed SST); any token containing a
digit becomes `qqq`; the vocabulary comes from the training split only, with a minimum
count; sequences are wrapped in <SOS> ... <EOS>. For hierarchical models, sentences are
split with pysbd (rule-based, offline) and separated by <SEP>.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

PAD, UNK, SOS, EOS, SEP = "<PAD>", "<UNK>", "<SOS>", "<EOS>", "<SEP>"
SPECIALS = (PAD, UNK, SOS, EOS, SEP)
PAD_ID, UNK_ID, SOS_ID, EOS_ID, SEP_ID = range(5)

_WORD = re.compile(r"[^\W_]+")
_PTB_ESCAPES = {"-lrb-": " ", "-rrb-": " ", "-lsb-": " ", "-rsb-": " ", "\\/": "/"}


def tokenize(text: str) -> list[str]:
    text = text.lower()
    for escape, plain in _PTB_ESCAPES.items():
        text = text.replace(escape, plain)
    return ["qqq" if any(ch.isdigit() for ch in w) else w for w in _WORD.findall(text)]


def sentences(text: str) -> list[str]:
    """Sentences of a text (pysbd, English rules); HTML line breaks count as boundaries."""
    import pysbd

    text = re.sub(r"<br\s*/?>", "\n", text)
    segmenter = pysbd.Segmenter(language="en", clean=False)
    return [s for part in text.split("\n") if part.strip() for s in segmenter.segment(part)]


def tokenize_sentences(text: str) -> list[str]:
    """Tokens with <SEP> between sentences; sentences without tokens are dropped."""
    out: list[str] = []
    for sentence in sentences(text):
        words = tokenize(sentence)
        if words:
            out += [SEP, *words] if out else words
    return out


def build_vocab(documents: Iterable[list[str]], min_count: int) -> list[str]:
    """Specials first, then words seen at least `min_count` times, by frequency then spelling."""
    counts = Counter(tok for doc in documents for tok in doc if tok != SEP)
    words = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
    return [*SPECIALS, *words]


def encode(tokens: list[str], index: dict[str, int]) -> list[int]:
    ids = (SEP_ID if t == SEP else index.get(t, UNK_ID) for t in tokens)
    return [SOS_ID, *ids, EOS_ID]
