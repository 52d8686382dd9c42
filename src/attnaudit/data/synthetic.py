"""The embedded default dataset: labels decided by planted signal tokens.

Each document draws filler words uniformly from a pseudo-word vocabulary, then plants
signal words of its class (and fewer of another class as distractors) at random positions.
The positions of the deciding signal words are saved as the ground-truth `rationale`
(0-based token positions), so faithfulness can be checked against a known answer. The
distractors' positions are saved as `distractors`: a document's class is the one with more
signal words, so its distractors take part in the decision (counter-evidence the model must
weigh), and a ranking that puts them high has found evidence, not noise. `label_flipped`
marks the rows whose label `label_noise` replaced: their `rationale` is the signal of the
class they were drawn for, not of their label.
Everything follows from the options, including the seed: no download, same data everywhere.
"""

from __future__ import annotations

import string
from typing import Any

import numpy as np
import pandas as pd

from attnaudit.bounds import MAX_CLASSES, MAX_INSTANCES, MAX_SEED, MAX_TOKENS, MAX_VOCAB
from attnaudit.data.errors import DatasetError
from attnaudit.data.options import integer, with_defaults

OPTIONS = {
    "seed": integer(0, "seed of the generator", 0, maximum=MAX_SEED),
    "n_classes": integer(2, "classes", 2, maximum=MAX_CLASSES),
    "vocab_size": integer(500, "words, signal words included", 1, maximum=MAX_VOCAB),
    "signal_tokens_per_class": integer(10, "signal words of each class", 1, maximum=MAX_VOCAB),
    "max_signals": integer(
        3, "most signal words of its class planted in a document", 1, maximum=MAX_TOKENS
    ),
    "min_length": integer(8, "shortest document, in tokens", 1, maximum=MAX_TOKENS),
    "max_length": integer(
        30, "longest document (also the preprocessing cut)", 1, maximum=MAX_TOKENS
    ),
    "n_train": integer(2000, "train instances", 1, maximum=MAX_INSTANCES),
    "n_dev": integer(400, "dev instances", 1, maximum=MAX_INSTANCES),
    "n_test": integer(400, "test instances", 1, maximum=MAX_INSTANCES),
    "label_noise": {
        "type": "number",
        "minimum": 0,
        "exclusiveMaximum": 1,
        "default": 0.0,
        "description": "share of labels replaced by another class",
    },
    "sentence_length": integer(
        None, "tokens per sentence ('.' between them), for han* encoders; null: one sentence",
        1, nullable=True, maximum=MAX_TOKENS,
    ),
}  # fmt: skip


def check_options(options: dict[str, Any]) -> None:
    """The constraints between options, before anything is generated."""
    opts = with_defaults(OPTIONS, options)
    n_signal = int(opts["n_classes"]) * int(opts["signal_tokens_per_class"])
    if opts["vocab_size"] <= n_signal:
        raise DatasetError(
            f"option 'vocab_size' ({opts['vocab_size']}) must exceed n_classes * "
            f"signal_tokens_per_class ({n_signal})"
        )
    if opts["min_length"] < 2 * opts["max_signals"] - 1:
        raise DatasetError(
            f"option 'min_length' ({opts['min_length']}) must be at least 2 * max_signals - 1 "
            f"({2 * opts['max_signals'] - 1})"
        )
    if opts["max_length"] < opts["min_length"]:
        raise DatasetError(
            f"option 'max_length' ({opts['max_length']}) is below min_length ({opts['min_length']})"
        )


def pseudo_word(index: int) -> str:
    """A letters-only word for an index ('baa', 'bab', ...): survives tokenisation unchanged."""
    letters = string.ascii_lowercase
    chars = []
    for _ in range(3):
        index, r = divmod(index, 26)
        chars.append(letters[r])
    while index:
        index, r = divmod(index, 26)
        chars.append(letters[r])
    return "w" + "".join(reversed(chars))


def generate(options: dict[str, Any]) -> pd.DataFrame:
    check_options(options)
    opts = with_defaults(OPTIONS, options)
    rng = np.random.default_rng(int(opts["seed"]))
    k, per_class = int(opts["n_classes"]), int(opts["signal_tokens_per_class"])
    n_signal = k * per_class
    words = [pseudo_word(i) for i in range(int(opts["vocab_size"]))]
    signal = np.arange(n_signal).reshape(k, per_class)  # signal[c] = word ids of class c
    filler = np.arange(n_signal, len(words))

    rows = []
    for split in ("train", "dev", "test"):
        for i in range(int(opts[f"n_{split}"])):
            label = int(rng.integers(k))
            length = int(rng.integers(opts["min_length"], opts["max_length"] + 1))
            tokens = rng.choice(filler, size=length)
            n_own = int(rng.integers(1, opts["max_signals"] + 1))
            n_other = int(rng.integers(0, n_own))
            positions = rng.choice(length, size=n_own + n_other, replace=False)
            own, other = positions[:n_own], positions[n_own:]
            tokens[own] = rng.choice(signal[label], size=n_own)
            if n_other:
                distractor = int((label + 1 + rng.integers(k - 1)) % k)
                tokens[other] = rng.choice(signal[distractor], size=n_other)
            flipped = bool(rng.random() < opts["label_noise"])
            if flipped:
                label = int((label + 1 + rng.integers(k - 1)) % k)
            text = [words[t] for t in tokens]
            if opts["sentence_length"]:
                step = int(opts["sentence_length"])
                text = [w + ("." if (p + 1) % step == 0 else "") for p, w in enumerate(text)]
            rows.append(
                {
                    "id": f"{split}-{i:05d}",
                    "text": " ".join(text),
                    "label": label,
                    "split": split,
                    "rationale": sorted(int(p) for p in own),
                    "distractors": sorted(int(p) for p in other),
                    "label_flipped": flipped,
                }
            )
    return pd.DataFrame(rows)
