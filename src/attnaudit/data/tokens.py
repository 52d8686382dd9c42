"""Tokenisation and vocabulary as Jain & Wallace preprocess text, kept whole in every script.

Lower-case; PTB bracket escapes undone; words are maximal runs of letters and digits
(punctuation and apostrophes split, as in their processed SST), with the combining marks
(Unicode categories Mn, Mc, Me) that follow a letter or digit and the zero-width
(non-)joiners between them kept inside the word, so Devanagari, Thai or vowelled Arabic words
stay whole; each Han character is a word of its own (Chinese writes no spaces; no offline
word segmenter); any token containing a digit becomes `qqq`. Emoji (with their modifiers
and joiners) are dropped or, with `keep_emoji`, tokens of their own; other symbols are
dropped (`symbol_counts` counts both for the preprocessing summary). The vocabulary comes
from the training split only, with a minimum count; sequences are wrapped in
<SOS> ... <EOS>. For hierarchical models, sentences are split with pysbd (rule-based,
offline) and separated by <SEP>.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from functools import cache

PAD, UNK, SOS, EOS, SEP = "<PAD>", "<UNK>", "<SOS>", "<EOS>", "<SEP>"
SPECIALS = (PAD, UNK, SOS, EOS, SEP)
PAD_ID, UNK_ID, SOS_ID, EOS_ID, SEP_ID = range(5)

_PTB_ESCAPES = {"-lrb-": " ", "-rrb-": " ", "-lsb-": " ", "-rsb-": " ", "\\/": "/"}
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
# The emoji blocks (their symbols only: the enclosed digits there stay words), the other
# symbols of emoji presentation, and what follows an emoji inside one: variation selector 16,
# skin tones, tags (subdivision flags).
_EMOJI_BLOCKS = ((0x2600, 0x27BF), (0x2B50, 0x2B55), (0x231A, 0x231B), (0x1F000, 0x1FAFF))
_EMOJI_TAIL = "[\ufe0f\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f]*"
_SCANNED = (range(0x20000), range(0xE0000, 0xE1000))  # every mark and symbol lies here


def _char_class(keep: Callable[[int], bool]) -> str:
    """A regular expression for one of the scanned code points that `keep` accepts. The
    Basic Multilingual Plane and the planes above get a class each, the second tried only
    for a character there: re matches the first by a bitmap but the second range by range."""
    points = [cp for block in _SCANNED for cp in block if keep(cp)]
    runs: dict[bool, list[str]] = {False: [], True: []}
    start = 0
    for i in range(1, len(points) + 1):
        if i == len(points) or points[i] != points[i - 1] + 1:
            first, last = re.escape(chr(points[start])), re.escape(chr(points[i - 1]))
            runs[points[start] > 0xFFFF].append(first if start == i - 1 else f"{first}-{last}")
            start = i
    bmp, astral = ("".join(runs[above]) for above in (False, True))
    return f"(?:[{bmp}]|(?=[\U00010000-\U0010ffff])[{astral}])"


def _is_emoji(cp: int) -> bool:
    in_block = any(lo <= cp <= hi for lo, hi in _EMOJI_BLOCKS)
    return in_block and unicodedata.category(chr(cp)) in ("So", "Sk")


@cache
def _patterns() -> dict[str, re.Pattern[str]]:
    """The compiled patterns, built once on first use from this Python's Unicode tables."""
    mark = _char_class(lambda cp: unicodedata.category(chr(cp)).startswith("M"))
    emoji = _char_class(_is_emoji)
    symbol = _char_class(lambda cp: unicodedata.category(chr(cp)).startswith("S"))
    word = f"[^\\W_]+(?:(?:{mark}+|[\u200c\u200d]+(?=[^\\W_]|{mark}))[^\\W_]*)*"
    flag = "[\U0001f1e6-\U0001f1ff]{2}"  # two regional indicators
    one_emoji = f"{flag}|{emoji}{_EMOJI_TAIL}(?:\u200d{emoji}{_EMOJI_TAIL})*"
    return {
        "word": re.compile(word),
        "word_or_emoji": re.compile(f"{word}|{one_emoji}"),
        "emoji": re.compile(one_emoji),
        "symbol": re.compile(symbol),
        "han": re.compile(f"[{_HAN}]{mark}*"),
    }


def tokenize(text: str, keep_emoji: bool = False) -> list[str]:
    """The words of a text (see the module's docstring); emoji kept as tokens if asked."""
    pattern = _patterns()
    text = text.lower()
    for escape, plain in _PTB_ESCAPES.items():
        text = text.replace(escape, plain)
    text = pattern["han"].sub(lambda m: f" {m.group()} ", text)
    found = pattern["word_or_emoji" if keep_emoji else "word"].findall(text)
    return ["qqq" if any(ch.isdigit() for ch in w) else w for w in found]


def symbol_counts(texts: Iterable[str]) -> tuple[int, int]:
    """(emoji, other symbols) in the texts: emoji as `tokenize` counts them (a sequence with
    modifiers and joiners is one), other symbols (Unicode category S*: `$`, `+`, `©`, `°`)
    per character; these are never tokens."""
    pattern = _patterns()
    n_emoji = n_other = 0
    for text in texts:
        found = pattern["symbol"].findall(text)
        if any(ch >= "\u231a" for ch in found):  # the first emoji; below it: symbols only
            rest, n = pattern["emoji"].subn(" ", text)
            n_emoji, found = n_emoji + n, pattern["symbol"].findall(rest)
        n_other += len(found)
    return n_emoji, n_other


def sentences(text: str) -> list[str]:
    """Sentences of a text (pysbd, English rules); HTML line breaks count as boundaries."""
    import pysbd

    text = re.sub(r"<br\s*/?>", "\n", text)
    segmenter = pysbd.Segmenter(language="en", clean=False)
    return [s for part in text.split("\n") if part.strip() for s in segmenter.segment(part)]


def tokenize_sentences(text: str, keep_emoji: bool = False) -> list[str]:
    """Tokens with <SEP> between sentences; sentences without tokens are dropped."""
    out: list[str] = []
    for sentence in sentences(text):
        words = tokenize(sentence, keep_emoji)
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
