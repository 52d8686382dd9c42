"""The embedded default dataset: labels decided by planted signal tokens; and two tasks
whose need for attention is set by construction (`task`).

`task: signal` (the default): each document draws filler words uniformly from a pseudo-word
vocabulary, then plants signal words of its class (and fewer of another class as
distractors) at random positions. The positions of the deciding signal words are saved as
the ground-truth `rationale` (0-based token positions), so faithfulness can be checked
against a known answer. The
distractors' positions are saved as `distractors`: a document's class is the one with more
signal words, so its distractors take part in the decision (counter-evidence the model must
weigh), and a ranking that puts them high has found evidence, not noise. `label_flipped`
marks the rows whose label `label_noise` replaced: their `rationale` is the signal of the
class they were drawn for, not of their label.

`task: needle`: a document of class c > 0 holds one signal word of class c at a random
position among filler words; a document of class 0 holds filler words only. One token
decides the label by its presence, whatever the length. A model without context (the
no-encoder model) with uniform attention decides on the mean of its token states, in
which that token weighs 1 / length: its threshold between "one needle" and "none" would
have to shrink with the length, which one bias cannot do when lengths vary (set
`min_length` far below `max_length`); attention can put its weight on the needle at any
length. `task: counts`: every token is a signal word of some class, and the label is the
class with the most of them (documents with a tie are drawn again): the decision is a count
over the whole text, which uniform attention (the mean) already states, so attention is
not needed. `built_in_need` gives these answers per encoder.
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

TASKS = ("signal", "needle", "counts")

OPTIONS = {
    "seed": integer(0, "seed of the generator", 0, maximum=MAX_SEED),
    "task": {
        "type": "string",
        "enum": list(TASKS),
        "default": "signal",
        "description": "what decides the label: planted signal words outnumbering their "
        "distractors (signal), one planted word (needle), or the counts of every class's "
        "words over the whole text (counts)",
    },
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
    if opts["task"] == "signal" and opts["min_length"] < 2 * opts["max_signals"] - 1:
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


def built_in_need(options: dict[str, Any], encoder: str) -> str | None:
    """Whether attention is needed on this synthetic task by construction, for a model with
    `encoder`: "yes" for the needle task without an encoder (`average`: no context carries
    the deciding token to other positions), "no" for the counts task (the mean is the
    deciding statistic, for any encoder); None where the construction does not say."""
    task = with_defaults(OPTIONS, options)["task"]
    if task == "counts":
        return "no"
    if task == "needle" and encoder == "average":
        return "yes"
    return None


def planted(
    rng: np.random.Generator, opts: dict[str, Any], label: int, length: int,
    signal: np.ndarray, filler: np.ndarray,
) -> tuple[np.ndarray, list[int], list[int]]:  # fmt: skip
    """One document of the signal or needle task: its token ids, the positions of the
    deciding words and of the distractors."""
    k = len(signal)
    tokens = rng.choice(filler, size=length)
    if opts["task"] == "needle":
        if label == 0:
            return tokens, [], []
        position = int(rng.integers(length))
        tokens[position] = rng.choice(signal[label])
        return tokens, [position], []
    n_own = int(rng.integers(1, opts["max_signals"] + 1))
    n_other = int(rng.integers(0, n_own))
    positions = rng.choice(length, size=n_own + n_other, replace=False)
    own, other = positions[:n_own], positions[n_own:]
    tokens[own] = rng.choice(signal[label], size=n_own)
    if n_other:
        distractor = int((label + 1 + rng.integers(k - 1)) % k)
        tokens[other] = rng.choice(signal[distractor], size=n_other)
    return tokens, sorted(int(p) for p in own), sorted(int(p) for p in other)


def counted(rng: np.random.Generator, length: int,
            signal: np.ndarray) -> tuple[int, np.ndarray, list[int], list[int]]:  # fmt: skip
    """One document of the counts task: every token a signal word of a class drawn
    uniformly, redrawn until one class has the most; its label, tokens, and the positions
    of the label's words (the evidence for it) and of the others (against it)."""
    k = len(signal)
    while True:
        classes = rng.integers(k, size=length)
        counts = np.bincount(classes, minlength=k)
        if (counts == counts.max()).sum() == 1:
            break
    label = int(counts.argmax())
    tokens = signal[classes, rng.integers(signal.shape[1], size=length)]
    own = np.flatnonzero(classes == label)
    return label, tokens, own.tolist(), np.flatnonzero(classes != label).tolist()


def draw_length(rng: np.random.Generator, opts: dict[str, Any]) -> int:
    return int(rng.integers(opts["min_length"], opts["max_length"] + 1))


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
            if opts["task"] == "counts":
                label, tokens, own, other = counted(rng, draw_length(rng, opts), signal)
            else:
                label = int(rng.integers(k))
                tokens, own, other = planted(rng, opts, label, draw_length(rng, opts), signal,
                                             filler)  # fmt: skip
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
                    "rationale": own,
                    "distractors": other,
                    "label_flipped": flipped,
                }
            )
    return pd.DataFrame(rows)
