"""The embedded default dataset: labels decided by planted signal tokens.

Each document draws filler words uniformly from a pseudo-word vocabulary, then plants
signal words of its class (and fewer of another class as distractors) at random positions.
The positions of the deciding signal words are saved as the ground-truth `rationale`
(0-based token positions), so faithfulness can be checked against a known answer.
Everything follows from the options, including the seed: no download, same data everywhere.
"""

from __future__ import annotations

import string
from typing import Any

import numpy as np
import pandas as pd

DEFAULTS: dict[str, Any] = {
    "seed": 0,
    "n_classes": 2,
    "vocab_size": 500,
    "signal_tokens_per_class": 10,
    "max_signals": 3,
    "min_length": 8,
    "max_length": 30,
    "n_train": 2000,
    "n_dev": 400,
    "n_test": 400,
    "label_noise": 0.0,
    "sentence_length": None,  # tokens per sentence ("." between them), for hierarchical models
}


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
    opts = {**DEFAULTS, **{k: v for k, v in options.items() if k in DEFAULTS}}
    rng = np.random.default_rng(int(opts["seed"]))
    k, per_class = int(opts["n_classes"]), int(opts["signal_tokens_per_class"])
    n_signal = k * per_class
    if opts["vocab_size"] <= n_signal:
        raise ValueError(
            f"synthetic: vocab_size ({opts['vocab_size']}) must exceed "
            f"n_classes * signal_tokens_per_class ({n_signal})"
        )
    if opts["min_length"] < 2 * opts["max_signals"] - 1:
        raise ValueError("synthetic: min_length must be at least 2 * max_signals - 1")
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
            if rng.random() < opts["label_noise"]:
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
                }
            )
    return pd.DataFrame(rows)
