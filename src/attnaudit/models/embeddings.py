"""The embedding layer's initial matrix for a dataset's vocabulary: pre-trained vectors
(`attnaudit.data.vectors`: registry, files, reading) or word2vec trained on the dataset's
train split, with an OOV policy.

`oov`: what a vocabulary word without a vector gets: "zero" (default; Jain & Wallace's
paper: unknown words zero) or "random" (N(0, 1) per dimension, seeded by `seed`, as their
code's vectorizer does). `<PAD>` is always zero. The policy, the number of words found and
the most frequent missing words are recorded beside the matrix. The vectors are fine-tuned
with the model.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from attnaudit.data.tokens import PAD
from attnaudit.data.vectors import get_vectors, read_vectors, resolve_vector_files

OOV_POLICIES = ("zero", "random")
WORD2VEC_DEFAULTS = {"dim": 300, "window": 5, "epochs": 5, "sg": 0, "min_count": 1, "seed": 0}


# ---------------------------------------------------------------- word2vec


def stable_hash(text: str) -> int:
    """A hash that does not change between Python processes (gensim seeds each word's
    initial vector with it; the built-in hash() is randomised per process)."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:4], "little")


def train_word2vec(
    sentences: Sequence[list[str]], vocab: list[str], **options: Any
) -> tuple[np.ndarray, np.ndarray]:
    """word2vec vectors for `vocab` trained on `sentences`; the same inputs and options give
    the same matrix (one worker, seeded, stable hash). Returns (matrix, mask of words found)."""
    from gensim.models import Word2Vec

    cfg = {**WORD2VEC_DEFAULTS, **options}
    model = Word2Vec(
        vector_size=int(cfg["dim"]),
        window=int(cfg["window"]),
        min_count=int(cfg["min_count"]),
        sg=int(cfg["sg"]),
        seed=int(cfg["seed"]),
        workers=1,
        hashfxn=stable_hash,
    )
    corpus = [list(s) for s in sentences]
    model.build_vocab(corpus)
    model.train(corpus, total_examples=model.corpus_count, epochs=int(cfg["epochs"]))
    matrix = np.zeros((len(vocab), int(cfg["dim"])), dtype=np.float32)
    present = np.zeros(len(vocab), dtype=bool)
    for row, word in enumerate(vocab):
        if word in model.wv.key_to_index:
            matrix[row] = model.wv[word]
            present[row] = True
    return matrix, present


# ---------------------------------------------------------------- the cached matrix


def apply_oov(matrix: np.ndarray, missing: np.ndarray, policy: str, seed: int) -> np.ndarray:
    """Fill the rows of words without a vector by the OOV policy; <PAD> (row 0) stays zero."""
    if policy not in OOV_POLICIES:
        raise ValueError(f"unknown oov policy {policy!r}; known: {list(OOV_POLICIES)}")
    matrix = matrix.copy()
    rows = np.flatnonzero(missing)
    if policy == "random" and rows.size:
        rng = np.random.default_rng(seed)
        matrix[rows] = rng.standard_normal((rows.size, matrix.shape[1])).astype(np.float32)
    matrix[0] = 0.0
    return matrix


def build_matrix(
    name: str,
    options: dict[str, Any],
    vocab: list[str],
    sources: Sequence[str | Path] = (),
    train_sentences: Iterable[list[str]] | None = None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """The (len(vocab), dim) float32 embedding matrix of one vectors entry for one dataset,
    and a record of what it holds (type, source, OOV policy, words found and missing)."""
    spec = get_vectors(options["type"])
    policy = options.get("oov", "zero")
    seed = int(options.get("seed", 0))
    if spec.kind == "word2vec":
        if train_sentences is None:
            raise ValueError("word2vec needs the train split's sentences")
        w2v = {k: v for k, v in options.items() if k in WORD2VEC_DEFAULTS}
        matrix, present = train_word2vec(list(train_sentences), vocab, **w2v)
        source = {"trained_on": "train split", **WORD2VEC_DEFAULTS, **w2v}
    else:
        if len(sources) != 1:
            raise ValueError(f"embeddings {name!r}: expected one vectors file, got {sources}")
        matrix, present = read_vectors(sources[0], vocab)
        if spec.kind == "file":
            source = {"path": str(options["path"])}
        else:
            (remote,) = resolve_vector_files(spec, options)
            source = {"url": remote.url, "member": remote.member or None, "file": remote.filename}
    present[0] = False  # <PAD> never counts
    specials = 4  # <PAD>, <UNK>, <SOS>, <EOS>
    words = np.arange(len(vocab)) >= specials
    missing = ~present
    matrix = apply_oov(matrix, missing, policy, seed)
    missing_words = [vocab[i] for i in np.flatnonzero(missing & words)]
    info = {
        "name": name,
        "type": spec.name,
        "source": source,
        "dim": int(matrix.shape[1]),
        "vocab_size": len(vocab),
        "found": int((present & words).sum()),
        "missing": len(missing_words),
        "found_fraction": float((present & words).sum() / max(int(words.sum()), 1)),
        "oov": policy,
        "oov_rule": (
            "vocabulary words without a vector are zero"
            if policy == "zero"
            else f"vocabulary words without a vector are N(0, 1), seed {seed}"
        )
        + f"; {PAD} is zero; <UNK>, <SOS>, <EOS> follow the OOV policy unless found",
        "missing_examples": missing_words[:50],  # the most frequent (vocab is by frequency)
    }
    return matrix, info
